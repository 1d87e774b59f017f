"""The email parser: headers, bodies, attachments, automatic-mail markers, and robustness.
(corpus)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from intake.parsers.message import ParsedMessage
from intake.parsers.mime import parse_email
from tests.mime.helpers import (
    INTAKE,
    WILD,
    corpus_message,
    needs_corpus,
)


@needs_corpus
def test_001_pdf_is_real_and_signature_logo_inline() -> None:
    msg = corpus_message("001")
    assert [a.filename for a in msg.real_attachments] == ["Hillcrest_Lot14_window_schedule.pdf"]
    (logo,) = [a for a in msg.attachments if a.inline]
    assert logo.filename == "image001.png" and logo.content_type == "image/png"
    assert msg.real_attachments[0].content.startswith(b"%PDF")
    for item in ("1. Account name:", "3. Factor: 0.48", "Close date: 2026-12-15", "6. Attachments"):
        assert item in msg.new_text
    assert "T 403-555-0101" in msg.signature and "403-555" not in msg.new_text


@needs_corpus
def test_041_windows_1252_headers_and_body() -> None:
    msg = corpus_message("041")
    assert msg.from_name == "Hélène Thériault"
    assert msg.subject == "Front door weatherstrip torn – draft"
    assert "door’s weatherstrip" in msg.new_text and "Stéphane" in msg.new_text
    assert "31 Rue Bélanger" in msg.new_text
    assert msg.signature == "Merci,\nHélène Thériault"


@needs_corpus
def test_044_base64_body() -> None:
    msg = corpus_message("044")
    assert "Account: Bow Valley Renovations" in msg.new_text
    assert "Close date: 2026-12-21" in msg.new_text


@needs_corpus
def test_006_outlook_html_only_table() -> None:
    msg = corpus_message("006")
    lines = msg.new_text.split("\n")
    for line in ("Account: Northgate Modular Inc.", "Factor: 0.55", "Stage: Proofing"):
        assert line in lines
    assert "24 | Slider | 48 x 36 | Double pane, Low-E, argon | White" in lines
    for noise in ("**", "cid:", "](", "---|", "&nbsp;"):
        assert noise not in msg.body_text
    assert msg.real_attachments == () and [a.filename for a in msg.attachments] == ["image001.png"]
    assert msg.signature.startswith("Thanks,")


@needs_corpus
def test_027_iphone_html_only() -> None:
    msg = corpus_message("027")
    assert "My cell is 403 555 0193." in msg.new_text
    assert msg.signature.endswith("Sent from my iPhone")
    assert [a.filename for a in msg.real_attachments] == ["IMG_4821.JPG"]


@needs_corpus
def test_004_quoted_reply_is_not_new_text() -> None:
    msg = corpus_message("004")
    assert "tomorrow at noon" in msg.new_text
    assert "Factor: 0.52" not in msg.new_text and "wrote:" not in msg.new_text
    assert "Factor: 0.52" in msg.body_text
    assert msg.in_reply_to == ("<ack-002@bot.example.com>",)


@needs_corpus
def test_029_outlook_reply() -> None:
    msg = corpus_message("029")
    assert msg.new_text == "Sorry - type is Standard, stage Funding."
    assert msg.signature == "Priya"
    assert msg.forwarded_text == ""


@needs_corpus
def test_049_long_quoted_thread_is_cut() -> None:
    msg = corpus_message("049")
    assert "Factor .45 this time" in msg.new_text
    assert "- 1 patio door 72x80, triple pane Low-E argon, black" in msg.new_text
    for old in ("0.53", "0.55", "CONFIDENTIALITY", "Carla"):
        assert old not in msg.new_text
    assert msg.signature == "Alex"


@needs_corpus
def test_014_inline_forward() -> None:
    msg = corpus_message("014")
    assert "Factor .50" in msg.new_text and "casement" not in msg.new_text
    assert msg.forwarded_text.startswith("From: Dave Kowalski <dkowalski@example.net>")
    assert "- 2 casement 28 x 52" in msg.forwarded_text
    assert "403-555-0155" in msg.forwarded_text


@needs_corpus
def test_054_delivery_report() -> None:
    msg = corpus_message("054")
    assert msg.is_delivery_report is True
    assert msg.return_path == "" and msg.auto_submitted == "auto-replied"
    assert msg.from_addr == "mailer-daemon@mx1.example.com"


@needs_corpus
def test_048_calendar_invite() -> None:
    msg = corpus_message("048")
    assert msg.is_calendar_invite is True
    assert [a.filename for a in msg.attachments] == ["invite.ics"]
    assert msg.attachments[0].content.startswith(b"BEGIN:VCALENDAR")


@needs_corpus
def test_auto_mail_markers_in_corpus() -> None:
    loop = corpus_message("012")
    assert loop.x_loop == ("accountteam@example.com",) and loop.auto_submitted == "auto-replied"
    ooo = corpus_message("013")
    assert ooo.auto_submitted == "auto-replied" and ooo.other_auto_headers == ()
    news = corpus_message("020")
    assert (
        news.precedence == "bulk"
        and news.list_id == "fenestration weekly <weekly.news.example.org>"
    )
    person = corpus_message("003")
    assert (person.auto_submitted, person.is_delivery_report, person.is_calendar_invite) == (
        None,
        False,
        False,
    )


def _intake_files() -> list[Path]:
    return sorted(INTAKE.glob("*.eml")) if INTAKE.is_dir() else []


def _labelled_case_files() -> list[Path]:
    """Fixtures whose label names fields (new cases and appends)."""
    return [
        p
        for p in _intake_files()
        if json.loads(p.with_suffix(".json").read_text())["action"] in ("new_case", "append")
    ]


def _fresh_files() -> list[Path]:
    """Fixtures that are not replies, so they quote nothing."""
    return [
        p
        for p in _intake_files()
        if not re.search(rb"(?im)^subject:\s*(re|aw|tr)\s*:", p.read_bytes())
    ]


@needs_corpus
@pytest.mark.parametrize("path", _labelled_case_files(), ids=lambda p: p.stem[:3])
def test_real_attachments_match_labels(path: Path) -> None:
    label = json.loads(path.with_suffix(".json").read_text())
    expected = sorted(label.get("fields", {}).get("attachments") or [])
    assert sorted(a.filename for a in parse_email(path.read_bytes()).real_attachments) == expected


_LISTED = re.compile(r"^\s*(?:\d+[.)]\s|[-•]\s)|^\s*[A-ZÀ-Þ][\w /&()'-]{0,30}\s?:\s+\S")


@needs_corpus
@pytest.mark.parametrize("path", _fresh_files(), ids=lambda p: p.stem[:3])
def test_lists_and_label_lines_of_fresh_mail_survive_whole(path: Path) -> None:
    """Numbered/bulleted items and "Label: value" lines of a message that quotes nothing are
    in its new text (or its forwarded text), never cut off as a signature or a quote."""
    msg = parse_email(path.read_bytes())
    signature = set(msg.signature.split("\n"))
    for line in msg.body_text.split("\n"):
        if _LISTED.match(line) and line not in signature:
            assert line in msg.new_text or line in msg.forwarded_text, line


@needs_corpus
def test_every_corpus_file_parses() -> None:
    files = sorted(INTAKE.glob("*.eml")) + sorted(WILD.glob("*.eml"))
    assert len(files) > 400
    started = time.perf_counter()
    for path in files:
        msg = parse_email(path.read_bytes())
        assert isinstance(msg, ParsedMessage), path.name
        assert all(a.filename and "/" not in a.filename for a in msg.attachments), path.name
    assert time.perf_counter() - started < 20
