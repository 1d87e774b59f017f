"""The walk over a parsed MIME tree: which text is the body, which part is a forwarded or
attached message, which leaves are attachments, each part guarded on its own so one broken
part never loses the rest."""

from __future__ import annotations

import binascii
import email
import email.header
import email.utils
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import unquote

from intake.parsers.header_section import header_end
from intake.parsers.html_text import html_to_text
from intake.parsers.mime.attachments import (
    _Leaf,
    _shown_images,
)
from intake.parsers.mime.charsets import (
    _charset_hints,
    decode_text_bytes,
    normalize_charset,
)
from intake.parsers.mime.headers import (
    _undo_surrogates,
    decode_header_text,
)
from intake.parsers.mime.limits import (
    _CALENDAR_TYPES,
    _ITIP_METHOD,
    _ITIP_METHODS,
    MAX_DEFECTS,
    MAX_DEPTH,
    MAX_FILENAME,
)
from intake.parsers.mime.repair import (
    _HEADER_LINE,
)
from intake.parsers.text import clean_text, unflow

_CTYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")
_RAW_NAME_PARAM = re.compile(r"""(?:file)?name\s*=\s*(?:"([^"]*)"|([^;\s]+))""", re.IGNORECASE)
_CID_REF = re.compile(r"""cid:([^"'\s>)]+)""", re.IGNORECASE)


def _content_type(part: Message) -> str:
    try:
        raw = part.get_content_type()
    except Exception:
        return "application/octet-stream"
    match = _CTYPE.match(raw.strip().lower())
    return match.group(0) if match else "text/plain"


def _disposition(part: Message) -> str | None:
    try:
        value = part.get_content_disposition()
    except Exception:
        return None
    return value.strip().lower() if isinstance(value, str) else None


def _raw_filename(part: Message, hints: Callable[[], tuple[str, ...]]) -> str:
    for name, value in part.raw_items():
        if name.lower() in ("content-disposition", "content-type") and not str(value).isascii():
            # Raw 8-bit names: the stdlib would hand back U+FFFD for every byte.
            match = _RAW_NAME_PARAM.search(str(value))
            if match:
                return decode_header_text(match.group(1) or match.group(2), hints())
    for getter in (part.get_filename, lambda: part.get_param("name")):
        try:
            value = getter()
        except Exception:  # bad RFC 2231 charsets raise here
            continue
        if isinstance(value, tuple):
            value = email.utils.collapse_rfc2231_value(value)
        if value:
            return decode_header_text(value)
    return ""


def _payload_bytes(part: Message) -> bytes:
    """The decoded content of a leaf, or the re-serialised message of a message/* part."""
    if part.is_multipart():
        return _message_bytes(part)
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else b""


def _message_bytes(part: Message) -> bytes:
    inner = part.get_payload()
    chunks = inner if isinstance(inner, list) else [part]
    out: list[bytes] = []
    for chunk in chunks:
        try:
            out.append(chunk.as_bytes())
        except Exception:  # the generator chokes on some broken parts
            try:
                out.append(chunk.as_string().encode("utf-8", errors="surrogateescape"))
            except Exception:
                continue
    return b"\n".join(out)


@dataclass
class _Segment:
    """A piece of body text in document order; HTML is converted only if it is used."""

    kind: str  # "plain" or "html"
    text: str
    converted: str | None = None

    def readable(self) -> str:
        if self.kind != "html":
            return self.text
        if self.converted is None:
            self.converted = html_to_text(self.text)
        return self.converted


@dataclass
class _Walk:
    """State of one walk over a message tree (shared with the walks of forwarded messages)."""

    defects: list[str]
    root: Message | None = None  # for the charset hints of raw 8-bit file names
    _hints: tuple[str, ...] | None = None
    leaves: list[_Leaf] = field(default_factory=list)
    cids: set[str] = field(default_factory=set)
    shown: dict[str, str] = field(default_factory=dict)  # cid -> see _shown_images
    forwards: list[str] = field(default_factory=list)
    inline_texts: list[_Segment] = field(default_factory=list)
    calendar: bool = False
    report: bool = False

    def hints(self) -> tuple[str, ...]:
        if self._hints is None:
            self._hints = _charset_hints(self.root) if self.root is not None else ()
        return self._hints

    def note(self, text: str) -> None:
        if len(self.defects) < MAX_DEFECTS and text not in self.defects:
            self.defects.append(text)

    # ---- dispatch
    def body(
        self,
        part: Message,
        depth: int = 0,
        top: bool = True,
        report: bool = False,
        alternative: bool = False,
    ) -> list[_Segment]:
        """Body segments of `part`; attachments and forwards are collected on the way."""
        ctype = _content_type(part)
        for defect in getattr(part, "defects", ())[:5]:
            self.note(f"{ctype}: {type(defect).__name__}")
        if depth > MAX_DEPTH:
            self.note(f"MIME nesting deeper than {MAX_DEPTH}: rest skipped")
            return []
        try:
            return self._dispatch(part, ctype, depth, top, report, alternative)
        except RecursionError:
            raise
        except Exception as exc:  # one broken part must not lose the message
            self.note(f"{ctype} part skipped: {type(exc).__name__}: {str(exc)[:120]}")
            return []

    def _dispatch(
        self, part: Message, ctype: str, depth: int, top: bool, report: bool, alternative: bool
    ) -> list[_Segment]:
        main, _, sub = ctype.partition("/")
        if main == "multipart":
            children = part.get_payload()
            if not isinstance(children, list):
                self.note(f"{ctype} without parts: read as text")
                return self._text_leaf(part, "text/plain")
            if sub == "alternative":
                return self._alternative(children, depth, top, report)
            if sub == "related":
                return self._related(part, children, depth, top, report)
            report = report or sub == "report"
            if sub == "report" and top:
                self.report = True
            segments: list[_Segment] = []
            for child in children:
                segments.extend(self.body(child, depth + 1, top, report))
            return segments
        if ctype in ("message/rfc822", "message/global") and not report:
            self._forward(part, depth)
            return []
        if ctype in _EML_CARRIER_TYPES and not report and not alternative:
            segments = self._leaf(part, ctype, top)  # the file stays an attachment
            self._attached_eml(part, depth)
            return segments
        if ctype == "message/delivery-status" and top:
            self.report = True
        if alternative and ctype.startswith("text/") and ctype not in _CALENDAR_TYPES:
            if ctype in ("text/plain", "text/html"):
                return self._leaf(part, ctype, top)
            return []  # text/watch-html, text/enriched: other renderings of the body
        return self._leaf(part, ctype, top)

    # ---- containers
    def _alternative(
        self, children: list[Message], depth: int, top: bool, report: bool
    ) -> list[_Segment]:
        """One version of the body: the plain text when it says something, else the HTML;
        the HTML also when the plain text writes its table one cell a line (Outlook) or
        leaves it out ("[table]")."""
        options = [self.body(child, depth + 1, top, report, alternative=True) for child in children]
        for option in options:
            if option and all(s.kind == "plain" for s in option) and _has_text(option):
                html = next((o for o in options if any(s.kind == "html" for s in o)), None)
                if html and (_table_flattened(option, html) or _table_dropped(option, html)):
                    return html
                return option
        for option in reversed(options):
            if option and _has_text(option):
                return option
        return []

    def _related(
        self, part: Message, children: list[Message], depth: int, top: bool, report: bool
    ) -> list[_Segment]:
        """The root part is the body; the other parts are resources it shows (inline)."""
        if not children:
            return []
        start = part.get_param("start")
        root_index = 0
        if isinstance(start, str):
            wanted = start.strip().strip("<>")
            for i, child in enumerate(children):
                if str(child.get("content-id", "")).strip().strip("<>") == wanted:
                    root_index = i
                    break
        if root_index == 0 and not _is_document(children[0]):
            # MHTML and some generators put the images first: the root is the first
            # HTML (or alternative) part then, not an image.
            root_index = next((i for i, c in enumerate(children) if _is_document(c)), 0)
        segments = self.body(children[root_index], depth + 1, top, report)
        for i, child in enumerate(children):
            if i != root_index:
                before = len(self.leaves)
                if _content_type(child).startswith("multipart/"):
                    segments.extend(self.body(child, depth + 1, top, report))
                else:
                    self._attach(child, _content_type(child))
                for leaf in self.leaves[before:]:
                    leaf.in_related = True
        return segments

    def _forward(self, part: Message, depth: int) -> None:
        """A message/rfc822 part: its text joins forwarded_text, its files the attachments,
        and the attached mail itself is one too (named as sent, else by its subject)."""
        inner = part.get_payload()
        message = inner[0] if isinstance(inner, list) and inner else None
        content: bytes | None = None
        encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
        if encoding in ("base64", "quoted-printable"):
            # RFC 2046 5.2.1 forbids encoding a message/rfc822 part, but some clients do,
            # and the stdlib then parses the base64 text itself as the attached message.
            decoded = _decoded_message(_message_bytes(part), encoding)
            if decoded is not None:
                self.note(f"{encoding} message/rfc822 part decoded")
                message = email.message_from_bytes(decoded)
                content = decoded
        if not isinstance(message, Message):
            data = _payload_bytes(part)
            message = email.message_from_bytes(data)
        self._attach_message(part, message, content)
        self._forward_message(message, depth)

    def _attach_message(self, part: Message, message: Message, content: bytes | None) -> None:
        name = _raw_filename(part, self.hints)
        if not name:
            subject = decode_header_text(message.get("subject") or "").strip()
            name = f"{subject[: MAX_FILENAME - 4]}.eml" if subject else ""
        self.leaves.append(
            _Leaf(
                filename=name,
                content_type=_content_type(part),
                content=content if content is not None else _message_bytes(part),
                disposition=_disposition(part),
                content_id=None,
                in_related=False,
            )
        )

    def _attached_eml(self, part: Message, depth: int) -> None:
        """A mail attached as a file ("request.eml", application/octet-stream), as webmail
        and phones send it: read as a forwarded message when it is one."""
        if not _EML_NAME.search(_raw_filename(part, self.hints)):
            return
        data = _payload_bytes(part)
        if _looks_like_message(data):
            self._forward_message(email.message_from_bytes(data), depth)

    def _forward_message(self, message: Message, depth: int) -> None:
        slot = len(self.forwards)
        self.forwards.append("")
        segments = self.body(message, depth + 1, top=False)
        text = clean_text("\n\n".join(s.readable() for s in segments))
        summary = _forward_summary(message)
        self.forwards[slot] = "\n\n".join(x for x in (summary, text) if x)

    # ---- leaves
    def _leaf(self, part: Message, ctype: str, top: bool) -> list[_Segment]:
        disposition = _disposition(part)
        is_text = ctype in ("text/plain", "text/html") and disposition != "attachment"
        if is_text and not _raw_filename(part, self.hints):
            return self._text_leaf(part, ctype)
        if is_text and disposition == "inline" and top:
            # A named text file shown inline: an attachment, and the body if there is no
            # other (see _parse_mime).
            self.inline_texts.extend(self._text_leaf(part, ctype))
        if ctype in _CALENDAR_TYPES and top:
            self._check_calendar(part)
        self._attach(part, ctype)
        return []

    def _text_leaf(self, part: Message, ctype: str) -> list[_Segment]:
        data = _payload_bytes(part)
        try:
            charset_param = part.get_param("charset")
        except Exception:
            charset_param = None
        charset = normalize_charset(charset_param)
        if charset_param and charset is None:
            self.note(f"unknown charset {str(charset_param)[:40]!r}")
        text, problem = decode_text_bytes(data, charset)
        if problem:
            self.note(problem)
        if ctype == "text/html":
            if "cid:" in text.lower():
                self.cids.update(unquote(c).strip("<>").lower() for c in _CID_REF.findall(text))
                for cid, role in _shown_images(text).items():
                    self.shown.setdefault(cid, role)
            return [_Segment("html", text)]
        fmt = str(part.get_param("format") or "").lower()
        if fmt == "flowed":
            delsp = str(part.get_param("delsp") or "").lower() == "yes"
            text = unflow(text.replace("\r\n", "\n"), delsp)
        return [_Segment("plain", text)]

    def _check_calendar(self, part: Message) -> None:
        method = str(part.get_param("method") or "").strip().lower()
        if method in _ITIP_METHODS:
            self.calendar = True
            return
        data = _payload_bytes(part)[:65536]
        if _ITIP_METHOD.search(data):
            self.calendar = True

    def _attach(self, part: Message, ctype: str) -> None:
        cid = part.get("content-id")
        self.leaves.append(
            _Leaf(
                filename=_raw_filename(part, self.hints),
                content_type=ctype,
                content=_payload_bytes(part),
                disposition=_disposition(part),
                content_id=_undo_surrogates(str(cid)) if cid is not None else None,
                in_related=False,
            )
        )


# Types that a mail attached as a file ("x.eml") arrives with, besides message/rfc822.
_EML_CARRIER_TYPES = frozenset(
    {"application/octet-stream", "application/eml", "application/x-eml", "message/x-emlx"}
)
_EML_NAME = re.compile(r"\.eml$", re.IGNORECASE)
_MESSAGE_HEADER = re.compile(
    rb"^(?:from|subject|date|message-id|received|mime-version)[ \t]*:", re.IGNORECASE | re.M
)


def _looks_like_message(data: bytes) -> bool:
    """Whether bytes begin with a mail header section (a header line, then known headers)."""
    data = data.lstrip(b"\r\n")
    end = header_end(data)
    head = data[: end if end > 0 else 65_536]
    return bool(_HEADER_LINE.match(head)) and _MESSAGE_HEADER.search(head) is not None


def _decoded_message(data: bytes, encoding: str) -> bytes | None:
    """The bytes of a message/rfc822 part sent base64 or quoted-printable; None if they do
    not decode to a message (then the part is read as the stdlib parsed it)."""
    try:
        if encoding == "base64":
            decoded = binascii.a2b_base64(re.sub(rb"[^A-Za-z0-9+/=]", b"", data))
        else:
            decoded = binascii.a2b_qp(data.lstrip(b"\r\n"))
    except (binascii.Error, ValueError):
        return None
    return decoded if _looks_like_message(decoded) else None


def _is_document(part: Message) -> bool:
    ctype = _content_type(part)
    return ctype in ("text/html", "text/plain") or ctype.startswith("multipart/")


def _has_text(segments: list[_Segment]) -> bool:
    return any(segment.readable().strip() for segment in segments)


_TABLE_TAG = re.compile(r"<table\b", re.IGNORECASE)
_ROW_CELLS = re.compile(r"\s+\|\s+|(?<=\S):\s+")


def _table_flattened(plain: list[_Segment], html: list[_Segment]) -> bool:
    """Whether the plain alternative writes the HTML's table one cell a line, as Outlook's
    plain part does: then the rows, one line each in the HTML's rendering, are the body.

    A row of the rendering ("40 | Slider 48x36 | Low-E", "Factor: .46") counts as flattened
    when its cells stand on consecutive lines of the plain text and the row itself does not;
    two such rows decide it.
    """
    if not any(s.kind == "html" and _TABLE_TAG.search(s.text) for s in html):
        return False
    lines = [x.strip() for s in plain for x in s.readable().split("\n") if x.strip()]
    if len(lines) < 4:
        return False
    whole = set(lines)
    at: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        at.setdefault(line, []).append(i)
    flattened = 0
    for s in html:
        for row in s.readable().split("\n"):
            row = row.strip()
            cells = [c.strip() for c in _ROW_CELLS.split(row) if c.strip()]
            if len(cells) < 2 or row in whole:
                continue
            if any(
                all(i + k < len(lines) and lines[i + k] == c for k, c in enumerate(cells))
                for i in at.get(cells[0], ())
            ):
                flattened += 1
                if flattened >= 2:
                    return True
    return False


def _table_dropped(plain: list[_Segment], html: list[_Segment]) -> bool:
    """Whether the plain alternative leaves out the HTML's table (a client that writes
    "[table]", or nothing, in its place): two table rows of the rendering, outside quotes,
    none of whose words (three letters or more) the plain text has. The rows are then the
    request itself; a plain part that only drops the quoted history keeps its place."""
    if not any(s.kind == "html" and _TABLE_TAG.search(s.text) for s in html):
        return False
    plain_words = set(_WORDS.findall(" ".join(s.readable() for s in plain).casefold()))
    absent = 0
    for s in html:
        for row in s.readable().split("\n"):
            if row.lstrip().startswith(">"):
                continue
            cells = [c for c in _CELL_BAR.split(row.strip()) if c.strip()]
            words = set(_WORDS.findall(row.casefold()))
            if len(cells) >= 2 and words and words.isdisjoint(plain_words):
                absent += 1
                if absent >= 2:
                    return True
    return False


_WORDS = re.compile(r"[^\W\d_]{3,}")
_CELL_BAR = re.compile(r"\s+\|\s+")  # between two cells of a table row, as rendered


def _forward_summary(message: Message) -> str:
    """The From/Date/Subject/To lines of a forwarded message, as a mail client shows them."""
    lines = []
    for name in ("From", "Date", "Subject", "To"):
        value = message.get(name)
        if value is not None:
            text = decode_header_text(value)
            if text:
                lines.append(f"{name}: {text}")
    return "\n".join(lines)
