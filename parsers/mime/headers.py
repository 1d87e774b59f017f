"""Header values as mail writes them: unfolded, RFC 2047 words decoded (raw 8-bit bytes
read in the charsets the message declares), addresses and Message-IDs taken out of hostile
or broken text, and the fields the pipeline needs (sender, recipients, threading, auto-mail
marks) gathered once."""

from __future__ import annotations

import binascii
import email
import email.header
import email.utils
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from intake.parsers.mime.charsets import (
    decode_text_bytes,
    normalize_charset,
)
from intake.parsers.mime.limits import (
    _BOUNCE_SUBJECT,
    _DAEMON_LOCALPARTS,
    AUTO_MAIL_HEADERS,
    MAX_ADDRESS_CHARS,
    MAX_HEADER_CHARS,
    MAX_REFERENCES,
)
from intake.parsers.text import clean_line

# Bounded so that a hostile header full of "=?x?q?" openers stays linear.
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([QqBb])\?(.{0,2000}?)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_MSGID = re.compile(r"<[^<>]+>")
_EMAIL_LIKE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,10}")
_ALL_WS = re.compile(r"\s+")
_SIMPLE_ADDRESS = re.compile(
    r"\s*(?:([^<>,:]*?)\s*<([^<>@\s,:]+@[^<>@\s,:]+)>|([^<>@\s,:]+@[^<>@\s,:]+))\s*"
)


def _unfold(value: str) -> str:
    return _FOLD.sub("", value[:MAX_HEADER_CHARS])


def _undo_surrogates(value: str, fallback: tuple[str, ...] = ()) -> str:
    """Header text the parser kept as surrogate escapes (raw 8-bit bytes) becomes real text.

    Raw bytes are UTF-8 when they can be; else they are in one of the `fallback` charsets
    the message declares for its parts (how a GB2312 spam or a Shift_JIS mail writes its
    headers), and only then windows-1252.
    """
    if value.isascii():
        return value
    try:
        raw = value.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        return value
    if fallback:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        for charset in fallback:
            try:
                return raw.decode(charset)
            except (UnicodeDecodeError, LookupError):
                continue
    return decode_text_bytes(raw, None)[0]


def _decode_word(encoding: str, payload: str) -> bytes:
    """The bytes of one encoded word: Q (underscores are spaces) or B (padding repaired)."""
    if encoding in "Qq":
        return binascii.a2b_qp(payload.encode("ascii", errors="replace"), header=True)
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return binascii.a2b_base64(cleaned)
    except binascii.Error:
        return b""


def decode_header_text(value: object, fallback: tuple[str, ...] = ()) -> str:
    """A header value as one clean line: RFC 2047 words decoded in any charset, unfolded.

    Lenient where senders are sloppy: words glued to text, unpadded base64, a UTF-8
    character split across two encoded words, raw 8-bit bytes, unknown charsets.
    """
    if value is None:
        return ""
    text = _undo_surrogates(_unfold(str(value)), fallback)
    if "=?" not in text:
        return clean_line(text)
    out: list[str] = []
    pos = 0
    pending: list[tuple[str | None, bytes]] = []

    def flush() -> None:
        merged: list[tuple[str | None, bytes]] = []
        for cs, data in pending:
            if merged and merged[-1][0] == cs:
                merged[-1] = (cs, merged[-1][1] + data)
            else:
                merged.append((cs, data))
        out.extend(decode_text_bytes(data, cs)[0] for cs, data in merged)
        pending.clear()

    for match in _ENCODED_WORD.finditer(text):
        between = text[pos : match.start()]
        if between.strip() or not pending:
            flush()
            out.append(between)
        charset = normalize_charset(match.group(1))
        pending.append((charset, _decode_word(match.group(2), match.group(3))))
        pos = match.end()
    flush()
    out.append(text[pos:])
    return clean_line("".join(out))


class _Headers:
    """Raw header values by lower-cased name, read once from the parsed message."""

    def __init__(self, items: Iterable[tuple[str, object]], hint: tuple[str, ...] = ()) -> None:
        self.hint = hint  # charset for raw 8-bit header bytes (see _undo_surrogates)
        self.values: dict[str, list[str]] = {}
        for name, value in items:
            key = str(name).strip().lower()
            self.values.setdefault(key, []).append(str(value))

    def first(self, name: str) -> str | None:
        found = self.values.get(name.lower())
        return found[0] if found else None

    def all(self, name: str) -> list[str]:
        return self.values.get(name.lower(), [])

    def has(self, name: str) -> bool:
        return name.lower() in self.values


def _simple_addresses(text: str) -> list[tuple[str, str]] | None:
    """The common shapes ("Name <a@b>", "a@b", lists of them) without the slow stdlib parser.

    None when the text has quotes, comments, groups or anything else that needs it.
    """
    if any(ch in text for ch in '"()\\;'):
        return None
    pairs = []
    for piece in text.split(","):
        if not piece.strip():
            continue
        if len(piece) > 500:  # keep the regex's work small; the stdlib parser takes the rest
            return None
        match = _SIMPLE_ADDRESS.fullmatch(piece)
        if match is None:
            return None
        name, bracketed, bare = match.groups()
        pairs.append(((name or "").strip(), bracketed or bare))
    return pairs


def _addresses(values: list[str], fallback: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(decoded display name, lower-cased bare address) pairs of address headers."""
    if not values:
        return []
    joined = ", ".join(_undo_surrogates(_unfold(v), fallback) for v in values)
    joined = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", joined)
    pairs = _simple_addresses(joined)
    if pairs is None:
        try:
            pairs = email.utils.getaddresses([joined])
        except Exception:  # the stdlib parser can fail on hostile input
            pairs = []
    result: list[tuple[str, str]] = []
    for name, addr in pairs:
        addr = _ALL_WS.sub("", addr).strip("<>")
        if "@" not in addr and "=?" in addr:  # "From: =?koi8-r?b?...?=": a name, no address
            name, addr = addr, ""
        name = decode_header_text(name, fallback).strip("\"' ")
        if addr or name:
            result.append((name, addr.lower()))
    if not result:
        result = [("", a.lower()) for a in _EMAIL_LIKE.findall(joined)]
    return result


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def _id_text(value: str) -> str:
    """Raw 8-bit bytes of a Message-ID header as text: UTF-8 where they are valid UTF-8,
    else a visible `\\xNN` escape per byte (the rule of `storage.safe_text.decoded`).

    Not `_undo_surrogates`: that reads bytes in the charsets a message declares, and an ID
    must read the same in every message that names it (its own Message-ID, a reply's
    In-Reply-To and References) whatever those declare, or threading and dedupe break.
    """
    if value.isascii():
        return value
    try:
        raw = value.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:  # not an escaped byte: already text
        return value.encode("utf-8", errors="backslashreplace").decode("utf-8")
    return raw.decode("utf-8", errors="backslashreplace")


def _message_id(value: str | None) -> str | None:
    if value is None:
        return None
    compact = _ALL_WS.sub("", _id_text(_unfold(value)))
    compact = re.sub(r"[\x00-\x1f\x7f]", "", compact)
    match = _MSGID.search(compact)
    if match:
        return match.group(0)[:998]
    compact = compact.strip("<>")
    return f"<{compact[:996]}>" if compact else None


def message_ids(values: list[str]) -> tuple[str, ...]:
    """The Message-IDs of In-Reply-To / References values, in order, each once (at most
    `MAX_REFERENCES`: the first and the latest). Encoded words, which RFC 2047 forbids here
    but some generators write, are decoded first: the IDs inside are plain ASCII."""
    ids: list[str] = []
    for value in values:
        text = _id_text(_unfold(value))
        if "=?" in text:
            text = _decoded_words(text)
        ids.extend(_ALL_WS.sub("", m) for m in _MSGID.findall(text))
    ids = [re.sub(r"[\x00-\x1f\x7f]", "", i)[:998] for i in ids]
    ids = list(_unique(ids))
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1) :]
    return tuple(ids)


def _decoded_words(text: str) -> str:
    """`text` with its RFC 2047 encoded words decoded (unchanged where they do not decode)."""
    try:
        parts = email.header.decode_header(text)
    except (ValueError, LookupError, UnicodeError):
        return text
    return "".join(
        part.decode(charset or "ascii", errors="replace") if isinstance(part, bytes) else part
        for part, charset in parts
    )


def _parse_date(value: str | None, defects: list[str]) -> datetime | None:
    if value is None:
        return None
    text = clean_line(_undo_surrogates(_unfold(value)))[:200]
    try:
        return email.utils.parsedate_to_datetime(text)
    except Exception:  # ValueError, TypeError, OverflowError on junk dates
        defects.append(f"unparseable Date header: {text[:80]!r}")
        return None


def _lower_value(value: str | None) -> str | None:
    return None if value is None else decode_header_text(value).lower()


def _return_path(value: str | None) -> str | None:
    if value is None:
        return None
    text = decode_header_text(value)
    if re.fullmatch(r"<?\s*>?", text):
        return ""
    found = _addresses([value])
    return found[0][1] if found else text.strip("<>").lower()


@dataclass
class _HeaderFields:
    message_id: str | None
    subject: str
    from_name: str
    from_addr: str
    values: dict[str, object]


def _header_fields(headers: _Headers, defects: list[str]) -> _HeaderFields:
    """Every header-derived field of ParsedMessage; each one guarded on its own."""
    values: dict[str, object] = {}

    def guarded(name: str, fn: Callable[[], object], default: object) -> object:
        try:
            return fn()
        except Exception as exc:  # one bad header must not lose the others
            defects.append(f"header {name}: {type(exc).__name__}")
            return default

    hint = headers.hint
    sender = guarded("From", lambda: _addresses(headers.all("from")[:1], hint), [])
    if not sender:
        sender = guarded("Sender", lambda: _addresses(headers.all("sender")[:1], hint), [])
    from_name, from_addr = sender[0] if sender else ("", "")
    if not headers.has("from"):
        defects.append("no From header")
    values["to"] = guarded("To", lambda: _unique(a for _, a in _addresses(headers.all("to"))), ())
    values["cc"] = guarded("Cc", lambda: _unique(a for _, a in _addresses(headers.all("cc"))), ())
    reply_to = guarded("Reply-To", lambda: _addresses(headers.all("reply-to")[:1]), [])
    values["reply_to"] = (reply_to[0][1] or None) if reply_to else None
    values["date"] = guarded("Date", lambda: _parse_date(headers.first("date"), defects), None)
    values["in_reply_to"] = guarded(
        "In-Reply-To", lambda: message_ids(headers.all("in-reply-to")), ()
    )
    values["references"] = guarded("References", lambda: message_ids(headers.all("references")), ())
    for attr, name in (
        ("auto_submitted", "auto-submitted"),
        ("precedence", "precedence"),
        ("list_id", "list-id"),
        ("list_unsubscribe", "list-unsubscribe"),
    ):
        values[attr] = guarded(name, lambda n=name: _lower_value(headers.first(n)), None)
    if values["list_unsubscribe"] is None and headers.has("list-unsubscribe-post"):
        values["list_unsubscribe"] = guarded(
            "List-Unsubscribe-Post",
            lambda: _lower_value(headers.first("list-unsubscribe-post")),
            None,
        )
    values["x_loop"] = guarded(
        "X-Loop", lambda: _unique(decode_header_text(v).lower() for v in headers.all("x-loop")), ()
    )
    values["return_path"] = guarded(
        "Return-Path", lambda: _return_path(headers.first("return-path")), None
    )
    values["other_auto_headers"] = tuple(h for h in AUTO_MAIL_HEADERS if headers.has(h))
    return _HeaderFields(
        message_id=guarded("Message-ID", lambda: _message_id(headers.first("message-id")), None),
        subject=guarded(
            "Subject", lambda: decode_header_text(headers.first("subject"), hint)[:2000], ""
        ),
        from_name=from_name[:500],
        from_addr=from_addr[:MAX_ADDRESS_CHARS],
        values=values,
    )


def _looks_like_bounce(fields: _HeaderFields, headers: _Headers) -> bool:
    """The classic bounce shapes that come without a multipart/report (qmail, old Exim)."""
    if headers.has("x-failed-recipients"):
        return True
    local = fields.from_addr.partition("@")[0]
    if local in ("mailer-daemon", "mailerdaemon", "mail-daemon"):
        return True
    bounce_subject = _BOUNCE_SUBJECT.search(fields.subject) is not None
    null_sender = fields.values.get("return_path") == ""
    daemon = local in _DAEMON_LOCALPARTS or "mail delivery" in fields.from_name.lower()
    return bounce_subject and (null_sender or daemon)
