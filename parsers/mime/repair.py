"""Repairs made to the raw bytes before parsing: header lines broken by a client or a relay
(an unfolded continuation, a space before the colon, a parameter split over lines) put back
so the stdlib parser sees the headers the sender meant."""

from __future__ import annotations

import re

from intake.parsers.header_section import header_end

# Headers of which at least one is in any real message; without them the input has no header
# section at all.
_ANCHOR_HEADERS = (
    "from", "to", "subject", "date", "message-id", "received", "return-path", "mime-version",
    "content-type", "sender", "delivered-to", "reply-to", "cc", "x-mailer", "user-agent",
)  # fmt: skip

_HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
_OBS_HEADER = re.compile(rb"^([!-9;-~]+)[ \t]+:", re.MULTILINE)
_BAD_HEADER_LINE = re.compile(rb"\n(?![ \t]|[!-9;-~]+[ \t]*:|From )([^\r\n]*)")
_GOOD_HEADER_LINE = re.compile(rb"\n[!-9;-~]+[ \t]*:")
_PARAM_CONTINUATION = re.compile(
    rb"(;[ \t]*\r?\n)(?=(?:boundary|charset|name|filename|type|format|delsp|method|start"
    rb"|report-type|protocol|micalg)[ \t]*=)",
    re.IGNORECASE,
)


def _as_bytes(raw: object) -> bytes:
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, bytearray | memoryview):
        return bytes(raw)
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="surrogateescape")
    return b""


def _repair(data: bytes, defects: list[str]) -> bytes:
    """Fix the few header-section shapes that make the stdlib lose whole headers.

    - leading blank or space-only lines (or a space before the first header), which the
      parser reads as "no headers" or as a continuation of nothing;
    - obsolete "Name : value" syntax (space before the colon), allowed by RFC 5322 4.5;
    - unindented continuation lines (long tokens wrapped without leading space), which end
      the header section early so that From/Subject below them land in the body;
    - a MIME parameter ("boundary=...") wrapped onto an unindented line in any part's
      header, which loses the boundary and with it the whole structure.
    """
    if _PARAM_CONTINUATION.search(data):
        data = _PARAM_CONTINUATION.sub(rb"\1\t", data)
        defects.append("unindented MIME parameter line")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        defects.append("byte order mark before the headers removed")
    stripped = data.lstrip(b" \t\r\n")
    if len(stripped) != len(data) and _HEADER_LINE.match(stripped):
        defects.append("leading whitespace before the headers removed")
        data = stripped
    end = header_end(data)
    if end <= 0:
        return data
    boundary = re.search(rb"\n--", data[:end])  # a MIME boundary: the headers ended above it
    if boundary:
        end = boundary.start() + 1
    head = data[:end]
    if _OBS_HEADER.match(head):
        head = _OBS_HEADER.sub(rb"\1:", head)
        defects.append("obsolete 'Name : value' header syntax")
    first_bad = _BAD_HEADER_LINE.search(head)
    if first_bad and _GOOD_HEADER_LINE.search(head, first_bad.end()):
        # Unindented lines *between* header lines are continuations (a header block whose
        # folding was lost); unindented lines only at the end are a body glued to the
        # headers, which the stdlib already reads as body.
        head = _BAD_HEADER_LINE.sub(lambda m: b"\n " + m.group(1), head)
        defects.append("unindented header continuation lines")
    return head + data[end:]
