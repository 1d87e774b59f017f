"""The email parser: headers, bodies, attachments, automatic-mail markers, and robustness.
(headers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intake.parsers.mime import decode_header_text, normalize_charset, parse_email
from tests.mime.helpers import (
    built_message,
)

RAW_HEADERS = (
    b"From: =?windows-1252?Q?H=E9l=E8ne_Th=E9riault?= <Helene.T@Example.NET>\r\n"
    b'To: A <a@example.com>, b@example.com,\r\n  "C, D" <CD@example.com>\r\n'
    b"Cc: e@example.com\r\n"
    b"Reply-To: Desk <desk@example.com>\r\n"
    b"Subject: =?windows-1252?Q?Front_door_torn_=96?=\r\n =?utf-8?B?IGRyYWZ0?=\r\n"
    b"Date: Wed, 18 Nov 2026 13:05:42 -0700\r\n"
    b"Message-ID:  <abc.123@mail.example.net> \r\n"
    b"In-Reply-To: <ack-011@bot.example.com>\r\n"
    b"References: <first@x.example>\r\n <ack-011@bot.example.com>\r\n"
    b"Auto-Submitted: Auto-Replied\r\n"
    b"Precedence: Bulk\r\n"
    b"List-Id: Weekly <Weekly.News.example.org>\r\n"
    b"X-Loop: AccountTeam@example.com\r\n"
    b"X-Loop: other@example.com\r\n"
    b"X-Autoreply: yes\r\n"
    b"X-Auto-Response-Suppress: All\r\n"
    b"Return-Path: <>\r\n"
    b"\r\n"
    b"Body\r\n"
)


def test_header_fields() -> None:
    msg = parse_email(RAW_HEADERS)
    assert msg.from_name == "Hélène Thériault"
    assert msg.from_addr == "helene.t@example.net"
    assert msg.to == ("a@example.com", "b@example.com", "cd@example.com")
    assert msg.cc == ("e@example.com",)
    assert msg.reply_to == "desk@example.com"
    assert msg.subject == "Front door torn – draft"
    assert msg.date == datetime(2026, 11, 18, 20, 5, 42, tzinfo=UTC)
    assert msg.date.utcoffset() == timedelta(hours=-7)
    assert msg.message_id == "<abc.123@mail.example.net>"
    assert msg.in_reply_to == ("<ack-011@bot.example.com>",)
    assert msg.references == ("<first@x.example>", "<ack-011@bot.example.com>")
    assert msg.auto_submitted == "auto-replied"
    assert msg.precedence == "bulk"
    assert msg.list_id == "weekly <weekly.news.example.org>"
    assert msg.x_loop == ("accountteam@example.com", "other@example.com")
    assert msg.return_path == ""


def test_auto_header_names_exclude_outlook_response_suppress() -> None:
    msg = parse_email(RAW_HEADERS)
    assert msg.other_auto_headers == ("X-Autoreply",)
    plain = parse_email(built_message(X_Auto_Response_Suppress="All").as_bytes())
    assert plain.other_auto_headers == ()


def test_message_ids_written_as_encoded_words_are_read() -> None:
    """Some generators fold a long In-Reply-To into RFC 2047 words (which the RFC forbids
    there): the ID inside is what a reply means, and threading must find it."""
    raw = (
        b"From: a@example.net\r\nSubject: RE: fogged units\r\nMessage-ID: <r@x>\r\n"
        b"In-Reply-To: =?utf-8?q?=3CYQB9301F02=40YQBPR01MB9?=\r\n"
        b" =?utf-8?q?301=2Eexample=2Ecom=3E?=\r\n"
        b"References: <first@x.example> =?utf-8?q?=3Cack-7=40bot=2Eexample=2Ecom=3E?=\r\n"
        b"\r\nbody\r\n"
    )
    msg = parse_email(raw)
    assert msg.in_reply_to == ("<YQB9301F02@YQBPR01MB9301.example.com>",)
    assert msg.references == ("<first@x.example>", "<ack-7@bot.example.com>")


def test_absent_headers_are_none_or_empty() -> None:
    msg = parse_email(b"Subject: only\r\n\r\nHi")
    assert (msg.message_id, msg.date, msg.reply_to, msg.return_path) == (None, None, None, None)
    assert (msg.from_name, msg.from_addr, msg.to, msg.references) == ("", "", (), ())
    assert msg.auto_submitted is None and msg.precedence is None and msg.list_id is None
    assert "no From header" in msg.defects


def test_unparseable_date_is_none_and_a_defect() -> None:
    msg = parse_email(built_message(Date="Tuesday at noon").as_bytes())
    assert msg.date is None
    assert any("Date" in d for d in msg.defects)


def test_return_path_address_and_null_sender() -> None:
    assert parse_email(
        built_message(Return_Path="<Bounce@Example.com>").as_bytes()
    ).return_path == ("bounce@example.com")
    assert parse_email(b"Return-Path: <>\r\nFrom: a@b.c\r\n\r\nx").return_path == ""


def test_message_id_without_brackets_gets_them() -> None:
    msg = parse_email(b"From: a@b.c\r\nMessage-ID: abc@host\r\n\r\nx")
    assert msg.message_id == "<abc@host>"


def test_encoded_word_edge_cases() -> None:
    # UTF-8 character split across two B words, unpadded base64, glued and unknown charsets.
    assert decode_header_text("=?utf-8?B?w6k=?= =?utf-8?B?w6k?=") == "éé"
    assert decode_header_text("Re:=?utf-8?q?caf=C3=A9?=") == "Re:café"
    assert decode_header_text("=?x-unknown?q?caf=E9?=") == "café"
    assert decode_header_text("=?iso-8859-1?q?a?=  =?iso-8859-1?q?_b?=") == "a b"


def test_charset_labels() -> None:
    assert normalize_charset('"UTF-8"\r\n') == "utf-8"
    assert normalize_charset("charset=us-ascii") == "ascii"
    assert normalize_charset("iso-8859-1") == "cp1252"
    assert normalize_charset("iso-gb2312") == "gb18030"
    assert normalize_charset(("us-ascii", "", "x")) is None  # RFC 2231 triple: last item
    assert normalize_charset("no-such-charset") is None
