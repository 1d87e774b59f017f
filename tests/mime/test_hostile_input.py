"""The email parser: headers, bodies, attachments, automatic-mail markers, and robustness.
(hostile input)."""

from __future__ import annotations

import pytest

from intake.parsers.message import ParsedMessage
from intake.parsers.mime import parse_email


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 100,
        b"From: a@b.c\x00\r\nSubject: x\x00y\r\n\r\nbody\x00",
        b"\xff\xfe\xfa" * 1000,
        b"From \r\n\r\n",
        b"Content-Type: multipart/mixed\r\n\r\n--\r\n--\r\n",
        b"Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: message/rfc822\r\n",
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!=",
        b'Content-Type: text/plain; charset="=?x?"\r\n\r\n\x80\x81',
        b"Subject: " + b"=?utf-8?q?" * 5000 + b"\r\n\r\n",
        b"From: " + b"<" * 20000 + b"\r\n\r\n",
        b"Content-Type: text/html\r\n\r\n" + b"<table><tr><td>" * 3000,
    ],
)
def test_never_raises(raw: bytes) -> None:
    assert isinstance(parse_email(raw), ParsedMessage)


def test_non_bytes_input_does_not_raise() -> None:
    assert parse_email("From: a@b.c\n\nhi").from_addr == "a@b.c"  # type: ignore[arg-type]
    assert parse_email(None).subject == ""  # type: ignore[arg-type]


def test_subject_with_encoded_crlf_and_nul_stays_one_line() -> None:
    raw = b"From: a@b.c\r\nSubject: =?utf-8?q?Hi=0D=0ABcc:_evil@x.com=00?=\r\n\r\nx"
    assert parse_email(raw).subject == "Hi Bcc: evil@x.com"


def test_deep_nesting_falls_back_and_says_so() -> None:
    parts = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(2000)
    )
    msg = parse_email(b"From: a@b.c\r\nSubject: deep\r\n" + parts + b"leaf text")
    assert msg.subject == "deep"
    assert msg.defects  # the fallback is recorded


def test_mbox_from_line_and_leading_blank_lines() -> None:
    mbox = b"From someone@example.com Mon Nov  2 08:12:37 2026\nFrom: a@b.c\nSubject: s\n\nhi"
    assert parse_email(mbox).from_addr == "a@b.c"
    spaced = b"   \r\nFrom: a@b.c\r\nSubject: s\r\n\r\nhi"
    parsed = parse_email(spaced)
    assert (parsed.from_addr, parsed.subject, parsed.body_text) == ("a@b.c", "s", "hi")


def test_unindented_header_continuations_do_not_lose_headers() -> None:
    raw = (
        b"Received: from a\r\nX-Tracker: AAAA\r\nBBBBBBBBBBBBBBBBBBBBBBBBB\r\n"
        b"From: Pat <pat@example.com>\r\nSubject: kept\r\n\r\nbody"
    )
    msg = parse_email(raw)
    assert (msg.from_addr, msg.subject, msg.body_text) == ("pat@example.com", "kept", "body")
