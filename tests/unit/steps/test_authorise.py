"""Pins the `authorise` step: who may write to which mailbox and case, and the refusal; called
on its own with a `Context` built directly (see tests/unit/builders.py), asserting the exact
outcome."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.orm import Session

from intake.handlers import pipeline
from intake.handlers.reply_budget import Budget
from intake.handlers.senders import UNVOUCHED, SenderTrust
from tests.unit.builders import (
    AM,
    CUSTOMER,
    PAT,
    QUOTES,
    SERVICE,
    TRUSTED,
    config,
    context,
    make_case,
    org,
    outbox,
)
from tests.unit.steps.helpers import (
    refusal_text,
    stopped,
)


def test_authorise_keeps_a_participant_on_the_case(session: Session) -> None:
    case = make_case(session, queue="service", participants=[CUSTOMER])
    ctx = context(session, sender=PAT, mailbox=SERVICE)
    ctx.case, ctx.thread_how = case, "In-Reply-To/References"
    pipeline.authorise(ctx)
    assert (ctx.case, ctx.thread_how) == (case, "In-Reply-To/References")


def test_authorise_keeps_staff_on_a_case_they_are_not_on(session: Session) -> None:
    case = make_case(session, queue="service", participants=[CUSTOMER])
    ctx = context(session, trust=TRUSTED, mailbox=SERVICE)
    ctx.case, ctx.thread_how = case, "In-Reply-To/References"
    pipeline.authorise(ctx)
    assert ctx.case is case


@pytest.mark.parametrize(
    ("sender", "trust"),
    [("Eve <eve@example.org>", TRUSTED), (f"Alex <{AM}>", UNVOUCHED)],
)
def test_authorise_drops_the_case_an_outsider_threaded_into(
    session: Session, sender: str, trust: SenderTrust
) -> None:
    """At a mailbox anyone may write to, so that only the participant check can refuse: a
    stranger (or a company address nobody vouches for) is a new request, not on the case."""
    case = make_case(session, queue="service", participants=[CUSTOMER])
    ctx = context(session, sender=sender, trust=trust, mailbox=SERVICE)
    ctx.case, ctx.thread_how = case, "case number CASE-000001 in subject"
    pipeline.authorise(ctx)
    assert (ctx.case, ctx.thread_how) == (None, "new (sender not on the threaded case)")
    assert ctx.replies == [] and outbox(session) == []


def test_authorise_refuses_an_outsider_at_a_quote_mailbox_once_a_day(session: Session) -> None:
    ctx = context(session, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    reason = f"{QUOTES} takes requests from company addresses only"
    assert stopped(pipeline.authorise, ctx) == ("reject", reason)
    (refusal,) = outbox(session)
    assert ctx.replies == [refusal]
    assert (refusal.kind, refusal.recipients, refusal.mail_from, refusal.case_id) == (
        "refusal",
        [CUSTOMER],
        QUOTES,
        None,
    )
    assert b"\r\nSubject: Re: Quote please\r\n" in refusal.raw
    again = context(session, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    assert stopped(pipeline.authorise, again) == ("reject", reason)
    assert again.replies == [] and len(outbox(session)) == 1


def test_authorise_refuses_a_company_address_nobody_vouches_for(session: Session) -> None:
    ctx = context(session, mailbox=QUOTES)
    assert stopped(pipeline.authorise, ctx) == (
        "reject",
        "company address not vouched for (nobody vouches for the From address)",
    )
    assert [r.kind for r in ctx.replies] == ["refusal"]


def test_authorise_lets_a_refusal_be_turned_off(session: Session) -> None:
    cfg = config(budget=Budget(refusals_per_day=0))
    ctx = context(session, cfg=cfg, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    assert stopped(pipeline.authorise, ctx)[0] == "reject"
    assert outbox(session) == []


def test_authorise_answers_no_forged_sender(session: Session) -> None:
    forged = SenderTrust(False, True, "dmarc=fail (p=reject)")
    ctx = context(session, sender=PAT, trust=forged, mailbox=SERVICE)
    assert stopped(pipeline.authorise, ctx) == (
        "reject",
        "forged From (dmarc=fail (p=reject)); not answered",
    )
    assert outbox(session) == []


def test_authorise_lets_vouched_staff_open_a_quote(session: Session) -> None:
    ctx = context(session, trust=TRUSTED, mailbox=QUOTES)
    pipeline.authorise(ctx)
    assert ctx.case is None and ctx.replies == [] and outbox(session) == []


def test_authorise_lets_anyone_open_a_service_request(session: Session) -> None:
    ctx = context(session, sender=PAT, mailbox=SERVICE)
    pipeline.authorise(ctx)
    assert ctx.case is None and ctx.replies == []


def test_a_refusal_says_who_may_write_and_where_service_requests_go(session: Session) -> None:
    ctx = context(session, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    stopped(pipeline.authorise, ctx)
    text = refusal_text(session)
    assert f"This address takes requests from staff of {', '.join(org().domains)} only" in text
    service = next(m.address for m in org().mailboxes.values() if m.queue == "service")
    assert f"please write to {service}." in text


def test_a_refusal_without_a_service_mailbox_names_no_other_address(session: Session) -> None:
    quotes_only = org().model_copy(
        update={"mailboxes": {k: m for k, m in org().mailboxes.items() if m.queue != "service"}}
    )
    ctx = context(session, cfg=config(org=quotes_only), sender=PAT, mail_from=CUSTOMER)
    ctx.mailbox = quotes_only.mailbox_for(QUOTES)
    assert stopped(pipeline.authorise, ctx)[0] == "reject"
    assert "please write to" not in refusal_text(session)


def test_a_refusal_held_back_is_logged_with_why(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    first = context(session, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    stopped(pipeline.authorise, first)  # the day's one refusal
    again = context(session, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    with caplog.at_level(logging.INFO, logger=pipeline.log.name):
        stopped(pipeline.authorise, again)
    assert any(
        f"inbound #{again.inbound.id}: no refusal (" in r.getMessage()
        and "None" not in r.getMessage()
        for r in caplog.records
    )


def test_authorise_logs_an_outsider_taken_off_the_case_they_threaded_into(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    case = make_case(session, queue="service", participants=[CUSTOMER])
    ctx = context(session, sender="Eve <eve@example.org>", trust=TRUSTED, mailbox=SERVICE)
    ctx.case, ctx.thread_how = case, "case number CASE-000001 in subject"
    with caplog.at_level(logging.INFO, logger=pipeline.log.name):
        pipeline.authorise(ctx)
    said = f"inbound #{ctx.inbound.id}: eve@example.org is not on {case.number}; treated as new"
    assert said in caplog.text
