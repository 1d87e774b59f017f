"""The header section of a raw message, read without touching its body.

Several steps read a header or two before (or instead of) the full MIME parse: the replay's
envelope, the MTA's Authentication-Results, the From domain for DMARC, an IMAP message's
Return-Path. Handing them the whole message made the stdlib parser walk every line of a
200 KB attachment just to find the blank line; here the section is cut first.
"""

from __future__ import annotations

from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

SCAN_BYTES = 1_048_576  # a header section longer than this is read with the body after it

_PARSER = BytesHeaderParser(policy=compat32)


def header_end(data: bytes) -> int:
    """Offset of the blank line that ends the header section (-1 if none in the first MB)."""
    window = data[:SCAN_BYTES]
    found = [i for i in (window.find(b"\n\n"), window.find(b"\n\r\n")) if i >= 0]
    return min(found) if found else -1


def read_headers(raw: bytes) -> Message:
    """The headers of `raw` as the stdlib's compat32 parser reads them, its body left unread."""
    end = header_end(raw)
    return _PARSER.parsebytes(raw if end < 0 else raw[: end + 1])
