"""Hand-built messages for the field tests, and short ways to read one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from intake.parsers.fields import FieldValue
from intake.parsers.fields.resolver import GUESS
from intake.parsers.message import Attachment, ParsedMessage

MST = timezone(timedelta(hours=-7))
WED_NOV_4 = datetime(2026, 11, 4, 8, 40, tzinfo=MST)
MON_NOV_16 = datetime(2026, 11, 16, 8, 50, tzinfo=MST)


def message(
    text: str,
    *,
    subject: str = "Quote request",
    from_name: str = "Dan Schultz",
    from_addr: str = "dan.schultz@example.com",
    signature: str = "",
    forwarded: str = "",
    attachments: tuple[Attachment, ...] = (),
    date: datetime = WED_NOV_4,
) -> ParsedMessage:
    return ParsedMessage(
        message_id="<test@example.com>",
        subject=subject,
        from_name=from_name,
        from_addr=from_addr,
        date=date,
        body_text=text,
        new_text=text,
        signature=signature,
        forwarded_text=forwarded,
        attachments=attachments,
    )


def values(fields: dict[str, FieldValue]) -> dict[str, object]:
    return {name: fv.value for name, fv in fields.items()}


def quote(extractor, msg: ParsedMessage, *, reply: bool = False, now=None) -> dict:
    return values(
        extractor.extract(msg, "quotes", now=now or msg.date, sender_is_staff=True, is_reply=reply)
    )


def read_not_guessed(extractor, msg: ParsedMessage) -> dict:
    """A quote request's values that some reader read, leaving out the fallback's guesses."""
    got = extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True)
    return {name: fv.value for name, fv in got.items() if fv.confidence > GUESS}


def service(extractor, msg: ParsedMessage, *, staff: bool, reply: bool = False) -> dict:
    got = extractor.extract(msg, "service", now=msg.date, sender_is_staff=staff, is_reply=reply)
    return values(got)
