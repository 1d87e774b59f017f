"""Step `earlier_request` (handlers/earlier_request.py): "the same job as my last email"
takes the products and close date the new request leaves out from the sender's last one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from intake.handlers.earlier_request import (
    _SAME_AS_LAST,
    BORROWED_CONFIDENCE,
    _says_same_as_last,
    earlier_request,
)
from tests.unit.builders import AM, OWNER, QUOTES, SERVICE, T0, context, fv, make_case

LAST_JOB = {"product_specs": "24 single hung 30x48; 12 slider 48x36", "close_date": "2027-06-13"}
SAME_JOB = (
    "Need a quote for the same job as my last email - Clearview is bidding it too. "
    "Same windows/doors, same quantities, but supply only."
)


def test_the_same_job_as_my_last_email_takes_its_products_and_close_date(
    session: Session,
) -> None:
    earlier = make_case(session, participants=(AM,), fields=LAST_JOB)
    said = {"factor": fv("0.57"), "account": fv("Clearview Window Centre")}
    ctx = context(session, body=SAME_JOB, mailbox=QUOTES, now=T0 + timedelta(days=1), fields=said)
    earlier_request(ctx)
    assert {name: (v.value, v.confidence, v.source) for name, v in ctx.fields.items()} == {
        "factor": ("0.57", 0.9, "body"),
        "account": ("Clearview Window Centre", 0.9, "body"),
        "product_specs": (LAST_JOB["product_specs"], BORROWED_CONFIDENCE, f"case:{earlier.number}"),
        "close_date": ("2027-06-13", BORROWED_CONFIDENCE, f"case:{earlier.number}"),
    }


def test_what_the_new_request_says_stands_and_only_the_senders_own_last_case_counts(
    session: Session,
) -> None:
    make_case(session, participants=(AM,), fields=LAST_JOB)
    make_case(session, participants=(OWNER,), fields={"close_date": "2030-01-01"})
    said = {"close_date": fv("2027-07-01")}
    ctx = context(session, body=SAME_JOB, mailbox=QUOTES, now=T0 + timedelta(days=1), fields=said)
    earlier_request(ctx)
    assert ctx.fields["close_date"].value == "2027-07-01"
    assert ctx.fields["product_specs"].value == LAST_JOB["product_specs"]


def test_without_the_words_or_an_earlier_request_nothing_is_borrowed(session: Session) -> None:
    ctx = context(session, body=SAME_JOB, mailbox=QUOTES)
    earlier_request(ctx)  # no earlier case of this sender
    assert ctx.fields == {}
    make_case(session, participants=(AM,), fields=LAST_JOB)
    plain = context(session, body="Please quote 6 casements.", mailbox=QUOTES)
    earlier_request(plain)
    assert plain.fields == {}


def test_a_service_request_or_a_reply_borrows_nothing(session: Session) -> None:
    case = make_case(session, participants=(AM,), fields=LAST_JOB)
    service = context(session, body=SAME_JOB, mailbox=SERVICE)
    earlier_request(service)
    assert service.fields == {}
    reply = context(session, body=SAME_JOB, mailbox=QUOTES)
    reply.case = case
    earlier_request(reply)
    assert reply.fields == {}


@pytest.mark.parametrize(
    "text",
    [
        "Need a quote for the same job as my last email",
        "SAME PACKAGE AS OUR PREVIOUS REQUEST please",
        "ſame specs as the last one I sent",  # the long s: "s" to a case-insensitive regex
        "Same\nwindows / doors as my earlier quote",
    ],
)
def test_the_words_are_found_whatever_their_case(text: str) -> None:
    assert _SAME_AS_LAST.search(text) is not None
    assert _says_same_as_last(text)
    assert not _says_same_as_last(text.replace("ame", "ome").replace("AME", "OME"))
