"""The email parser: raw RFC 5322 bytes in, a `ParsedMessage` out, for any bytes at all
(`parse_email`, in `parse.py`). Its parts: `limits`, `charsets`, `headers`, `attachments`,
`walk` (the MIME tree), `repair` (raw header lines put right before parsing)."""

from intake.parsers.mime.attachments import safe_filename
from intake.parsers.mime.charsets import normalize_charset
from intake.parsers.mime.headers import decode_header_text, message_ids
from intake.parsers.mime.limits import MAX_DEFECTS, MAX_FILENAME, MAX_REFERENCES
from intake.parsers.mime.parse import parse_email

__all__ = [
    "MAX_DEFECTS",
    "MAX_FILENAME",
    "MAX_REFERENCES",
    "decode_header_text",
    "message_ids",
    "normalize_charset",
    "parse_email",
    "safe_filename",
]
