"""Charsets as mail declares them (misspelt, aliased, lying) and bytes decoded by them: a
declared charset is normalised to a codec Python knows, and text that will not decode under
it falls back (cp1252 for stray 8-bit bytes) rather than failing."""

from __future__ import annotations

import codecs
import re
from email.message import Message

# Labels mail clients write that Python does not know, or knows as a smaller charset than
# the one the sender's software really used (WHATWG encoding rules: latin-1 and ASCII labels
# mean windows-1252, GB2312 means GB18030, Shift_JIS means cp932).
_CHARSET_ALIASES = {
    "us-ascii": "ascii",
    "ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "windows-1252": "cp1252",
    "cp-1252": "cp1252",
    "x-cp1252": "cp1252",
    "gb2312": "gb18030",
    "iso-gb2312": "gb18030",
    "x-gbk": "gb18030",
    "gbk": "gb18030",
    "euc-cn": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "big5": "big5hkscs",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "x-unknown": "",
    "unknown": "",
    "unknown-8bit": "",
    "x-user-defined": "",
    "default": "",
    "charset": "",
}
_SINGLE_BYTE = frozenset({"ascii", "cp1252", "iso8859-1", "iso8859-15"})  # codecs.lookup names
_ASCII_UNSAFE = ("utf-7", "utf_7", "iso2022", "hz", "utf-16", "utf_16", "utf-32", "utf_32")
_CHARSET_TOKEN = re.compile(r"[a-z0-9][a-z0-9._:+()-]*")
_charset_cache: dict[str, str | None] = {}


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a byte the charset cannot decode is read as windows-1252.

    Mixed bodies (UTF-8 text with one pasted latin-1 line) keep every readable character
    instead of turning a whole paragraph into mojibake or U+FFFD.
    """
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    chunk = exc.object[exc.start : exc.end]
    return chunk.decode("cp1252", errors="replace").replace("\ufffd", ""), exc.end


codecs.register_error("intake-cp1252", _cp1252_fallback)


def normalize_charset(value: object) -> str | None:
    """Python codec name for a declared charset, or None when absent or unknown.

    Accepts what `Message.get_param` returns: a string, an RFC 2231 triple, or junk such as
    'charset="UTF-8"\\r\\n' or 'charset=us-ascii' seen in real mail.
    """
    if isinstance(value, tuple):
        value = value[-1] if value else ""
    if not isinstance(value, str) or not value:
        return None
    if value in _charset_cache:
        return _charset_cache[value]
    label = value.strip().strip("\"'").lower()
    if label.startswith("charset="):
        label = label[8:].strip("\"'")
    match = _CHARSET_TOKEN.match(label)
    name: str | None = None
    if match:
        label = match.group(0).split("*")[0]
        label = _CHARSET_ALIASES.get(label, label)
        if label:
            try:
                name = codecs.lookup(label).name
            except LookupError:
                name = None
    if len(_charset_cache) < 1000:
        _charset_cache[value] = name
    return name


def decode_text_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode body or header bytes: (text, what went wrong or None).

    The declared charset is tried first; undeclared, ASCII or latin-1 text that is valid
    UTF-8 is UTF-8 (8-bit mail without a label, and mislabelled web forms); what fails
    falls back to windows-1252 byte by byte, so decoding never fails and never drops text.
    """
    if not data:
        return "", None
    if data.isascii():
        if not (charset and charset.startswith(_ASCII_UNSAFE)):
            return data.decode("ascii"), None
        try:  # UTF-7, ISO-2022-JP, HZ: 7-bit encodings that only their codec can read
            return data.decode(charset), None
        except UnicodeDecodeError:
            return data.decode(charset, errors="replace"), f"invalid {charset} bytes replaced"
    if charset is None or charset in _SINGLE_BYTE:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="intake-cp1252"), None
        note = f"bytes labelled {charset} are UTF-8" if charset not in (None, "ascii") else None
        return text, note
    try:
        return data.decode(charset), None
    except (UnicodeDecodeError, LookupError):
        pass
    if charset.startswith("iso2022_jp"):  # 8-bit bytes labelled ISO-2022-JP: Shift_JIS
        try:
            return data.decode("cp932"), f"bytes labelled {charset} are Shift_JIS"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), f"bytes labelled {charset} are UTF-8"
    except UnicodeDecodeError:
        pass
    if charset == "utf-8":
        return data.decode("utf-8", errors="intake-cp1252"), "invalid UTF-8 read as windows-1252"
    try:
        return data.decode(charset, errors="replace"), f"invalid {charset} bytes replaced"
    except LookupError:  # pragma: no cover - normalize_charset only returns known codecs
        return data.decode("cp1252", errors="intake-cp1252"), f"unknown charset {charset}"


def _charset_hints(message: Message) -> tuple[str, ...]:
    """Charsets the message declares for its parts, multi-byte ones first (50 parts at most).

    A message declaring ISO-2022-JP (7-bit) that has raw 8-bit header bytes wrote them in
    Shift_JIS or EUC-JP, so those are tried for it.
    """
    found: list[str] = []
    queue = [message]
    index = 0
    while index < len(queue) and index < 50:
        part = queue[index]
        index += 1
        try:
            charset = normalize_charset(part.get_param("charset"))
        except Exception:
            charset = None
        if charset and charset not in ("ascii", "utf-8"):
            found.extend(("cp932", "euc_jp") if charset.startswith("iso2022_jp") else (charset,))
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            queue.extend(p for p in payload if isinstance(p, Message))
    unique = list(dict.fromkeys(found))
    return tuple(
        sorted(
            unique, key=lambda c: c in _SINGLE_BYTE or c.startswith(("iso8859", "cp125", "koi8"))
        )
    )
