"""The auto-mail guard, on hand-built messages: each marker alone is enough."""

from __future__ import annotations

import pytest

from intake.handlers.automail import automail_reason
from intake.parsers.message import ParsedMessage

OURS = {"accountteam@example.com", "connectyou@example.com"}


def person(**kw) -> ParsedMessage:
    base = dict(
        message_id="<m@x>",
        subject="Quote please",
        from_name="Alex",
        from_addr="alex.martin@example.com",
    )
    return ParsedMessage(**{**base, **kw})


def test_a_person_is_not_auto_mail() -> None:
    assert automail_reason(person(), "alex.martin@example.com", OURS) is None
    assert automail_reason(person(auto_submitted="no"), "a@example.com", OURS) is None


@pytest.mark.parametrize(
    ("changes", "envelope_from", "expected"),
    [
        ({}, "", "null sender"),
        ({"return_path": ""}, None, "null sender"),
        ({"is_delivery_report": True}, "x@example.org", "delivery status"),
        ({"auto_submitted": "auto-replied"}, "a@example.com", "Auto-Submitted"),
        ({"auto_submitted": "auto-generated; owner-email=x"}, "a@example.com", "Auto-Submitted"),
        ({"precedence": "bulk"}, "a@example.com", "Precedence"),
        ({"precedence": "list"}, "a@example.com", "Precedence"),
        ({"list_id": "<news.example.org>"}, "a@example.com", "mailing list"),
        ({"list_unsubscribe": "<https://news.example.org/u?x=1>"}, "a@example.com", "bulk mail"),
        ({"from_addr": "accountteam@example.com"}, "a@example.com", "our own mailbox"),
        ({"x_loop": ("connectyou@example.com",)}, "a@example.com", "X-Loop"),
        ({"other_auto_headers": ("X-Autoreply",)}, "a@example.com", "auto-reply header"),
        ({"from_addr": "MAILER-DAEMON@example.org".lower()}, "a@example.org", "mail daemon"),
        ({"subject": "Automatic reply: [CASE-000011] Lot 7"}, "a@example.com", "subject"),
        ({"subject": "Out of Office: back Monday"}, "a@example.com", "subject"),
        ({"is_calendar_invite": True}, "a@example.com", "calendar"),
    ],
)
def test_each_marker_stops_the_message(changes, envelope_from, expected) -> None:
    reason = automail_reason(person(**changes), envelope_from, OURS)
    assert reason is not None and expected in reason


def test_a_subject_that_merely_mentions_office_is_not_auto() -> None:
    msg = person(subject="Quote for the office reno, out of stock items OK")
    assert automail_reason(msg, "a@example.com", OURS) is None


@pytest.mark.parametrize(
    "headers",
    [
        "List-Unsubscribe: <mailto:leave@news.example.org>, <https://news.example.org/u/1>\r\n",
        "List-Unsubscribe: <https://news.example.org/u/1>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
    ],
)
def test_an_unsubscribe_header_alone_marks_bulk_mail(headers: str) -> None:
    from intake.parsers.mime import parse_email

    raw = (
        "From: Window News <news@news.example.org>\r\nTo: accountteam@example.com\r\n"
        "Subject: This month in glazing\r\nMessage-ID: <n1@news.example.org>\r\n"
        + headers
        + "\r\nNew products, trade shows and more.\r\n"
    ).encode()
    msg = parse_email(raw)
    assert msg.list_id is None and msg.precedence is None
    reason = automail_reason(msg, "bounces@news.example.org", OURS)
    assert reason is not None and "bulk mail" in reason
