"""Pins where the answer to a message goes; called on its own with a `Context` built directly
(see tests/unit/builders.py), asserting the exact outcome."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from intake.handlers.senders import UNVOUCHED, SenderTrust
from tests.unit.builders import (
    CUSTOMER,
    PAT,
    TRUSTED,
    context,
    make_case,
)


@pytest.mark.parametrize(
    ("reply_to", "trust", "expected"),
    [
        ("pat.lee@example.net", UNVOUCHED, "pat.lee@example.net"),  # the From's own domain
        ("someone@example.org", UNVOUCHED, CUSTOMER),  # a third party: not followed
        ("someone@example.org", TRUSTED, "someone@example.org"),  # vouched for
    ],
)
def test_reply_address_of_a_new_message(
    session: Session, reply_to: str, trust: SenderTrust, expected: str
) -> None:
    ctx = context(session, sender=PAT, trust=trust, headers={"Reply-To": reply_to})
    assert ctx.reply_address == expected


@pytest.mark.parametrize(
    ("reply_to", "expected"),
    [("site@example.org", "site@example.org"), ("x@example.org", CUSTOMER)],
)
def test_reply_address_on_a_case_only_names_a_participant(
    session: Session, reply_to: str, expected: str
) -> None:
    ctx = context(session, sender=PAT, trust=TRUSTED, headers={"Reply-To": reply_to})
    ctx.case = make_case(session, participants=[CUSTOMER, "site@example.org"])
    ctx.outcome = "append"
    assert ctx.reply_address == expected
