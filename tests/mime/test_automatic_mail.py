"""The email parser: headers, bodies, attachments, automatic-mail markers, and robustness.
(automatic mail)."""

from __future__ import annotations

from intake.parsers.mime import parse_email
from tests.mime.helpers import (
    built_message,
)


def _calendar(method: str) -> bytes:
    msg = built_message("You have been invited.")
    ics = f"BEGIN:VCALENDAR\r\nMETHOD:{method}\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    msg.add_attachment(ics, subtype="calendar")
    return msg.as_bytes()


def test_calendar_invite_by_method() -> None:
    invite = parse_email(_calendar("REQUEST"))
    assert invite.is_calendar_invite is True
    assert [a.filename for a in invite.attachments] == ["invite.ics"]
    assert invite.real_attachments == ()  # the calendar's own part: no file a person attached
    assert parse_email(_calendar("PUBLISH")).is_calendar_invite is False


def test_plain_bounce_without_report_part() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.com\r\nSubject: failure notice\r\n\r\n"
        b"Hi. This is the qmail-send program. I'm afraid I wasn't able to deliver it."
    )
    assert parse_email(raw).is_delivery_report is True
    person = built_message("I could not be delivered the parts", Subject="Delivery problem on site")
    assert parse_email(person.as_bytes()).is_delivery_report is False
