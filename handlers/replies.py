"""Rendering the bot's emails: Jinja2 templates in, a complete RFC 5322 message out.

Inbound text reaches our headers only through `one_line`, which removes line breaks and
control characters, and then through RFC 2047 encoding: a subject or name written to inject
headers comes out as harmless text. The message is written as the email package's compat32
generator writes a multipart/alternative of two quoted-printable parts, byte for byte, but
assembled directly: each kind's templates are looked up once, the headers that depend only
on the mailbox are folded once per mailbox, and each message folds only its own headers
(the modern `EmailMessage` API re-parsed every header it set and cost ~10 ms per reply; the
compat32 classes and their generator still cost ~0.6 ms).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from intake.parsers.addresses import delivery_address
from intake.parsers.org import DEFAULT_NAME, DEFAULT_SIGNATURE, Organisation

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_MAX_REFERENCES = 10
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP
_CRLF = compat32.clone(linesep="\r\n")
_LINE_END = re.compile(r"\r\n|\r|\n")
_MAX_LINE = 78  # compat32's line length
# Printable ASCII with no space at either end: such a value, short enough, is written by
# compat32's folding exactly as it is.
_PLAIN = re.compile(r"[!-~](?:[ -~]*[!-~])?")


def _part_head(subtype: str) -> bytes:
    """The headers of a quoted-printable UTF-8 text part, as the email package writes them."""
    part = MIMEText("", subtype, _UTF8_QP)
    return b"".join(_CRLF.fold_binary(k, v) for k, v in part.items()) + b"\r\n"


_TEXT_HEAD, _HTML_HEAD = _part_head("plain"), _part_head("html")


def _fold(name: str, value: str | Header) -> bytes:
    """One header as `_CRLF.fold_binary` writes it. A short printable-ASCII value (a
    reply's Date, Message-ID, To and most subjects) fits one line, which the compat32 Header
    class writes unchanged: said directly, without that class's splitting and re-joining,
    which cost more than the rest of the message's assembly."""
    text = value if isinstance(value, str) else ""
    if text and len(name) + 2 + len(text) <= _MAX_LINE and _PLAIN.fullmatch(text):
        return f"{name}: {text}\r\n".encode("ascii")
    return _CRLF.fold_binary(name, value)


def _multipart_head(boundary: str) -> bytes:
    """The Content-Type of the multipart/alternative message as compat32 folds it: a
    `_boundary` is always long enough to go on a line of its own."""
    return f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'.encode("ascii")


def _boundary() -> str:
    """A multipart boundary that cannot occur in the parts: both are quoted-printable, where
    "=" is always followed by two hex digits or a line end, so "=_" never appears in them
    (the classic choice; the stdlib's generator instead draws one and scans the text)."""
    return "=_" + secrets.token_hex(16)


def _qp_lines(text: str) -> bytes:
    """A part's body as MIMEText encodes it and the generator writes it (CRLF lines)."""
    return _LINE_END.sub("\r\n", _UTF8_QP.body_encode(text)).encode("ascii")


def footer_of(org: Organisation) -> dict[str, Any]:
    """The organisation file's name, phone and signature, for the emails' footer."""
    return {
        "organisation_name": org.name,
        "organisation_phone": org.phone,
        "signature": org.signature,
    }


def one_line(text: str, limit: int = 200) -> str:
    """Text safe for a header: no CR/LF or other control characters, bounded length."""
    return " ".join(_CONTROL.sub(" ", text or "").split())[:limit]


def is_safe_address(address: str) -> bool:
    """An address we may write to (see `parsers.addresses.delivery_address`)."""
    return delivery_address(address) is not None


@dataclass(frozen=True)
class Rendered:
    message_id: str
    subject: str
    text: str
    raw: bytes
    recipients: tuple[str, ...]  # as written in RCPT TO and the To header


class ReplyRenderer:
    """Turns (template name, context) into a ready-to-send message."""

    def __init__(
        self, templates_dir: str | Path, from_name: str, footer: Mapping[str, Any] | None = None
    ) -> None:
        """`footer`: who the emails come from (`footer_of` the organisation); a renderer
        built without one signs with the organisation file's defaults."""
        loader = FileSystemLoader(str(templates_dir))
        self._text = Environment(
            loader=loader,
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._html = Environment(
            loader=loader,
            undefined=StrictUndefined,
            autoescape=select_autoescape(["html", "j2"], default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        signed = {
            "organisation_name": DEFAULT_NAME,
            "organisation_phone": None,
            "signature": DEFAULT_SIGNATURE,
            **(footer or {}),
        }
        for env in (self._text, self._html):
            env.globals.update(signed)  # every template may sign, whatever its context
        self.from_name = from_name
        self._templates: dict[str, tuple[Template, Template]] = {}
        self._mailbox_headers: dict[tuple[str, str], tuple[bytes, bytes]] = {}

    def _pair(self, kind: str) -> tuple[Template, Template]:
        """The text and HTML templates of one kind, looked up once (a template changed on
        disk is read at the next start, as `intake serve` checks them at start)."""
        pair = self._templates.get(kind)
        if pair is None:
            pair = self._templates[kind] = (
                self._text.get_template(f"email/{kind}.txt.j2"),
                self._html.get_template(f"email/{kind}.html.j2"),
            )
        return pair

    def _fixed_headers(self, mailbox: str, auto_submitted: str) -> tuple[bytes, bytes]:
        """The headers that depend only on the mailbox, folded once: those written before
        the message's own (MIME-Version, From) and after them."""
        key = (mailbox, auto_submitted)
        fixed = self._mailbox_headers.get(key)
        if fixed is None:
            sender = formataddr((one_line(self.from_name, 78), mailbox), charset="utf-8")
            fixed = self._mailbox_headers[key] = (
                _CRLF.fold_binary("MIME-Version", "1.0") + _CRLF.fold_binary("From", sender),
                _CRLF.fold_binary("Auto-Submitted", auto_submitted)
                # asks Exchange not to answer with its robots
                + _CRLF.fold_binary("X-Auto-Response-Suppress", "All")
                + _CRLF.fold_binary("X-Loop", mailbox),
            )
        return fixed

    def render(
        self,
        template: str,
        context: dict[str, Any],
        *,
        mailbox: str,
        to: str | Sequence[str],
        subject: str,
        now: datetime,
        in_reply_to: str | None,
        references: tuple[str, ...] = (),
        message_id: str | None = None,
        auto_submitted: str = "auto-replied",
    ) -> Rendered:
        """`message_id`: a fixed Message-ID (a reminder's is derived from its clock, so the
        outbox's unique index refuses a second copy); else a new one. `auto_submitted`:
        "auto-replied" for answers to a message, "auto-generated" for reminders (RFC 3834)."""
        given = [to] if isinstance(to, str) else list(to)
        recipients = [delivery_address(a) for a in given]
        unsafe = [a for a, d in zip(given, recipients, strict=True) if d is None]
        if unsafe or not given:
            raise ValueError(f"refusing to write to an unsafe address {unsafe or given!r}")
        deliver = tuple(dict.fromkeys(a for a in recipients if a))
        to_header = ", ".join(deliver)
        text_template, html_template = self._pair(template)
        text = text_template.render(**context)
        html = html_template.render(**context)
        domain = mailbox.rpartition("@")[2] or "localhost"
        message_id = (
            message_id if message_id and _is_msgid(message_id) else fresh_message_id(domain)
        )
        before, after = self._fixed_headers(mailbox, auto_submitted)
        own: list[tuple[str, str | Header]] = []
        if to_header.isascii():
            own.append(("To", to_header))
        line = one_line(subject, 250)
        # Plain ASCII stays readable in the raw mail (and to tools that match "[CASE-...]");
        # anything else is RFC 2047 encoded.
        own.append(("Subject", line if line.isascii() else Header(line, "utf-8")))
        own += [("Date", format_datetime(now)), ("Message-ID", message_id)]
        refs = [r for r in references if _is_msgid(r)][-(_MAX_REFERENCES - 1) :]
        if in_reply_to and _is_msgid(in_reply_to):
            own.append(("In-Reply-To", in_reply_to))
            if in_reply_to not in refs:
                refs.append(in_reply_to)
        if refs:
            own.append(("References", " ".join(refs)))
        parts = [_TEXT_HEAD + _qp_lines(text), _HTML_HEAD + _qp_lines(html)]
        boundary = _boundary()
        dash = f"--{boundary}".encode("ascii")
        raw = b"".join(
            [
                _multipart_head(boundary),
                before,
                *(_fold(name, value) for name, value in own),
                after,
                b"\r\n" + dash + b"\r\n",
                (b"\r\n" + dash + b"\r\n").join(parts),
                b"\r\n" + dash + b"--\r\n",
            ]
        )
        if not to_header.isascii():
            # A UTF-8 mailbox name is written as UTF-8 (RFC 6532), never as an encoded-word,
            # which no mail system reads as an address; it travels only with SMTPUTF8.
            raw = b"To: " + to_header.encode("utf-8") + b"\r\n" + raw
        subject_text = one_line(subject, 250)
        return Rendered(message_id, subject_text, text, raw, deliver)


_FRESH_TOKEN = 24  # hex digits: 96 bits from the operating system's random source
_FRESH = re.compile(rf"<m\.[0-9a-f]{{{_FRESH_TOKEN}}}@[!-;=?-~]{{1,255}}>")


def fresh_message_id(domain: str) -> str:
    """A Message-ID nobody can guess. Whoever quotes one in In-Reply-To or References has
    had the message it names (directly or forwarded to them), which is why a sender who is
    not yet on a case may join it by one (`handlers/pipeline.authorise`). Message-IDs fixed
    by their caller (a reminder's, derived from its clock for idempotence) are guessable
    and do not have this shape."""
    return f"<m.{secrets.token_hex(_FRESH_TOKEN // 2)}@{domain}>"


def is_fresh_message_id(value: str) -> bool:
    """Whether `value` has the shape of `fresh_message_id`'s answers."""
    return bool(_FRESH.fullmatch(value or ""))


def _is_msgid(value: str) -> bool:
    """A Message-ID we can write back as it is. Only ASCII: compat32 would write any other
    as an RFC 2047 encoded-word, which no mail client matches to the message it names."""
    return bool(re.fullmatch(r"<[!-;=?-~]{1,900}>", value or ""))
