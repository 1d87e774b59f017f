"""handlers/reply_budget.py's refusal limit: `bot.refusals_per_sender_per_day = 0` turns
refusals off, and 1 allows one a day per address and per envelope sender.

Off must mean off for its own reason: with 0 the per-address count also refuses (0 sent is
not below 0), so only the reason shows whether the setting itself was read; an operator
reading the log must see "refusals are turned off", not a limit that was never reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from intake.bot.config import Settings
from intake.handlers.reply_budget import Budget, refusal_refused
from intake.storage import db
from intake.storage.models import OutboxMessage
from tests.unit.builders import CUSTOMER, T0, raw_mail, store


@pytest.fixture
def session(any_engine: Engine) -> Iterator[Session]:
    with db.make_sessionmaker(any_engine)() as s:
        yield s


def refused(session: Session, address: str = CUSTOMER, *, mail_from: str = CUSTOMER) -> int:
    """Store one outsider's arrival, rejected as the pipeline records it; its id."""
    row = store(session, raw_mail("Hi", sender=address), mail_from=mail_from)
    row.outcome, row.processed_at = "reject", T0
    session.flush()
    return row.id


def test_zero_turns_refusals_off() -> None:
    assert (
        Settings.model_validate(
            {"bot": {"refusals_per_sender_per_day": 0}}
        ).bot.refusals_per_sender_per_day
        == 0
    )


def test_with_zero_no_refusal_goes_out_because_they_are_off(session: Session) -> None:
    this = refused(session)
    why = refusal_refused(session, Budget(refusals_per_day=0), CUSTOMER, CUSTOMER, T0, this)
    assert why == "refusals are turned off"


def test_with_one_the_first_refusal_of_the_day_goes_out(session: Session) -> None:
    this = refused(session)
    assert (
        refusal_refused(session, Budget(refusals_per_day=1), CUSTOMER, CUSTOMER, T0, this) is None
    )


def test_with_one_a_second_refusal_to_the_address_does_not(session: Session) -> None:
    session.add(
        OutboxMessage(
            kind="refusal",
            message_id="<refusal.1@example.com>",
            mail_from="accountteam@example.com",
            recipients=[CUSTOMER],
            recipient=CUSTOMER,
            raw=b"",
            next_attempt_at=T0 - timedelta(hours=23),
            created_at=T0 - timedelta(hours=23),
        )
    )
    this = refused(session)
    why = refusal_refused(session, Budget(refusals_per_day=1), CUSTOMER, CUSTOMER, T0, this)
    assert why == f"refusal limit: {CUSTOMER} was refused in the last day"


def test_with_one_a_flood_from_one_envelope_sender_gets_one_refusal(session: Session) -> None:
    """A new forged From each time: counted by the envelope sender that caused them."""
    refused(session, "victim1@example.org", mail_from="flood@spam.example")
    this = refused(session, "victim2@example.org", mail_from="flood@spam.example")
    budget = Budget(refusals_per_day=1)
    why = refusal_refused(session, budget, "victim2@example.org", "flood@spam.example", T0, this)
    assert why == "refusal limit: envelope sender flood@spam.example was refused in the last day"
