"""Base64 bodies joined before the parse (parsers/mime/base64_runs.py): the parse must come
out exactly as it does from the original bytes, whichever way the joined run is read."""

from __future__ import annotations

import base64
import os

from intake.parsers.mime import parse as parse_module
from intake.parsers.mime import parse_email
from intake.parsers.mime.base64_runs import MIN_LINES, join_base64_bodies

BLOB = os.urandom(80 * MIN_LINES)
LINES = base64.encodebytes(BLOB)  # 76 characters a line, LF


def _message(part_head: bytes, body: bytes, eol: bytes = b"\n") -> bytes:
    raw = (
        b"From: a@example.com\nTo: b@example.com\nSubject: s\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="XX"\n\n--XX\n'
        b"Content-Type: text/plain\n\nhello\n--XX\n" + part_head + b"\n" + body + b"--XX--\n"
    )
    return raw.replace(b"\n", eol)


def _as_before(raw: bytes):  # noqa: ANN202
    """The parse without the join, as it was."""
    original = parse_module.join_base64_bodies
    parse_module.join_base64_bodies = lambda data: (data, [])
    try:
        return parse_email(raw)
    finally:
        parse_module.join_base64_bodies = original


def test_an_attachment_is_joined_and_reads_the_same() -> None:
    for eol in (b"\n", b"\r\n"):
        head = b"Content-Type: image/jpeg\nContent-Transfer-Encoding: base64\n"
        raw = _message(head + b'Content-Disposition: attachment; filename="a.jpg"\n', LINES, eol)
        joined, runs = join_base64_bodies(raw)
        assert len(runs) == 1 and joined.count(eol) < raw.count(eol) - MIN_LINES
        parsed = parse_email(raw)
        assert parsed == _as_before(raw)
        assert parsed.attachments[0].content == BLOB


def test_a_header_quoted_in_a_text_part_is_not_taken_for_one() -> None:
    """The run sits in a text/plain part that quotes a part header: the parse of the joined
    bytes would read it as text without its line breaks, so the original is parsed."""
    quoted = b"Content-Transfer-Encoding: base64\n\n" + LINES
    raw = _message(b"Content-Type: text/plain\n", b"see below\n" + quoted)
    assert join_base64_bodies(raw)[1]
    assert parse_email(raw) == _as_before(raw)


def test_an_encoding_the_stdlib_does_not_decode_keeps_its_lines() -> None:
    """ "base64 " (a trailing space) is not decoded by `get_payload(decode=True)`: the body is
    kept as written, line breaks and all."""
    raw = _message(b"Content-Type: application/pdf\nContent-Transfer-Encoding: base64 \n", LINES)
    assert parse_email(raw) == _as_before(raw)


def test_forwarded_messages_are_left_alone() -> None:
    head = b"Content-Type: message/rfc822\n\nSubject: inner\nContent-Transfer-Encoding: base64\n"
    raw = _message(head, b"\n" + LINES)
    assert join_base64_bodies(raw) == (raw, [])
    assert parse_email(raw) == _as_before(raw)
