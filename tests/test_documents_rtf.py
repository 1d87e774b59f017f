"""Text of .rtf attachments: paragraphs as lines, tables as form or table lines, code
pages and Unicode escapes decoded, pictures skipped; a binary renamed .rtf and a huge or
broken document give nothing or a bounded text, quickly."""

from __future__ import annotations

import logging
import random
import time

import pytest

from intake.parsers.doc_rtf import MAX_CHARS
from intake.parsers.documents import attachment_text, document_kind
from intake.parsers.message import Attachment

# As WordPad and Word write it: a font and colour table, a picture in hex, a two-column
# form table and a product table, and cp1252 and Unicode escapes.
SPEC_RTF = (
    rb"{\rtf1\ansi\ansicpg1252\deff0\nouicompat{\fonttbl{\f0\fnil\fcharset0 Calibri;}}"
    rb"{\colortbl ;\red0\green0\blue255;}{\*\generator Riched20 10.0.19041}\viewkind4\uc1"
    rb"\pard\sa200\sl276\slmult1\f0\fs22\lang9 Window schedule for the Caf\'e9 Lindqvist job"
    rb"\par{\pict{\*\picprop}\wmetafile8\picw1000\pich500 "
    + b"0100090000035a0000000000"
    * 40
    + rb"}\par"
    rb"\trowd\trgaph108\cellx3000\cellx6000\pard\intbl Account\cell Harbourfront\cell\row"
    rb"\trowd\trgaph108\cellx3000\cellx6000\pard\intbl Lead time\cell 6 weeks\cell\row"
    rb"\pard\par Products\par"
    rb"\trowd\cellx1000\cellx2000\cellx4000\cellx6000"
    rb"\pard\intbl Mark\cell Qty\cell Type\cell Size\cell\row"
    rb"\trowd\cellx1000\cellx2000\cellx4000\cellx6000"
    rb"\pard\intbl W1\cell 6\cell Casement | tilt\cell 30 x 48\cell\row"
    rb"\trowd\cellx1000\cellx2000\cellx4000\cellx6000"
    rb"\pard\intbl D1\cell 1\cell Entry door\cell 36 x 80\cell\row"
    rb"\pard\par Triple pane \u8212? white inside and out.\par"
    rb"}"
)


def text_of(name: str, content: bytes, ctype: str = "application/octet-stream") -> str:
    return attachment_text(Attachment(name, ctype, content))


def test_rtf_paragraphs_and_tables_come_out_as_the_lines_people_write() -> None:
    assert text_of("specs.rtf", SPEC_RTF, "application/rtf").splitlines() == [
        "Window schedule for the Café Lindqvist job",
        "",
        "Account: Harbourfront",
        "Lead time: 6 weeks",
        "",
        "Products",
        "",
        "Mark | Qty | Type | Size",
        "W1 | 6 | Casement / tilt | 30 x 48",
        "D1 | 1 | Entry door | 36 x 80",
        "",
        "Triple pane \u2014 white inside and out.",
    ]


def test_rtf_is_known_by_name_or_type() -> None:
    for name, ctype in (
        ("specs.rtf", "application/octet-stream"),
        ("noname", "application/rtf"),
        ("noname", "text/rtf"),
    ):
        assert document_kind(Attachment(name, ctype, SPEC_RTF)) == "rtf"


def test_a_binary_named_rtf_gives_nothing_and_says_why(caplog) -> None:
    caplog.set_level(logging.INFO, logger="intake.parsers.documents")
    executable = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 40
    assert text_of("specs.rtf", executable) == ""
    assert "'specs.rtf' not read: not an RTF document" in caplog.text


def test_huge_rtf_gives_a_bounded_text_quickly() -> None:
    letter = rb"{\rtf1\ansi " + rb"Window W1, casement, 30 x 48, white\par " * 100_000 + b"}"
    picture = rb"{\rtf1\ansi {\pict\pngblip " + b"89504e47" * 500_000 + rb"}Account: Harbourfront}"
    binary = rb"{\rtf1\ansi {\pict\bin8 {\}\par\}Account: Harbourfront\par}"
    for content, expected in (
        (letter, None),
        (picture, "Account: Harbourfront"),
        (binary, "Account: Harbourfront"),
    ):
        # A bound on the reader's own CPU time, not on the wall clock: it catches work that
        # grows with the input (a quadratic scan takes minutes here), not a busy machine.
        started = time.process_time()
        text = text_of("big.rtf", content)
        assert time.process_time() - started < 5.0
        assert len(text) <= MAX_CHARS + 2_000
        if expected is not None:
            assert text == expected
    assert text_of("big.rtf", letter).startswith("Window W1, casement, 30 x 48, white\n")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_bytes_make_the_rtf_reader_raise(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        data = bytearray(SPEC_RTF)
        for _ in range(rng.randint(1, 30)):
            data[rng.randrange(len(data))] = rng.choice(b"{}\\'|0123456789abcdefu\x00\xff")
        assert isinstance(text_of("a.rtf", bytes(data[: rng.randrange(len(data))])), str)
