"""The header section read without its body: the same headers the stdlib reads from the
whole message, whatever the line ends, and a message with no body at all."""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.policy import compat32

import pytest

from intake.parsers.header_section import header_end, read_headers

BODY = b"Return-Path: not a header, the body's first line\n\n" + b"x" * 200_000


@pytest.mark.parametrize("eol", [b"\n", b"\r\n"])
def test_the_headers_are_those_of_the_whole_message(eol: bytes) -> None:
    head = eol.join(
        [
            b"Return-Path: <am@example.com>",
            b"From: Alex <am@example.com>",
            b"Subject: a long",
            b"  folded subject",
            b"Authentication-Results: mx.example.com; dmarc=pass header.from=example.com",
        ]
    )
    raw = head + eol + eol + BODY.replace(b"\n", eol)
    whole = BytesHeaderParser(policy=compat32).parsebytes(raw)
    read = read_headers(raw)
    assert read.items() == whole.items()
    assert read["Return-Path"] == "<am@example.com>"  # not the body's line
    assert read.get_payload() == ""  # the body was never read


def test_a_message_without_a_body_is_all_headers() -> None:
    raw = b"From: a@example.com\r\nSubject: only headers"
    assert header_end(raw) == -1
    assert read_headers(raw)["Subject"] == "only headers"


def test_the_section_ends_at_the_first_blank_line_of_either_kind() -> None:
    assert header_end(b"A: 1\r\nB: 2\r\n\r\nbody\n\nmore") == 11
    assert header_end(b"A: 1\n\r\nbody") == 4
