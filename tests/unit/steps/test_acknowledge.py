"""Pins the `acknowledge` step: the one email the sender gets about a message; called on its own
with a `Context` built directly (see tests/unit/builders.py), asserting the exact outcome."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.orm import Session

from intake.handlers import pipeline
from intake.handlers.reply_budget import Budget
from tests.unit.builders import (
    AM,
    CUSTOMER,
    PAT,
    QUOTES,
    SERVICE,
    config,
    context,
    events,
    outbox,
    raw_mail,
)
from tests.unit.steps.helpers import (
    QUOTE_FIELDS,
    joined,
    opened,
)


def test_acknowledge_queues_the_ack_of_a_new_case(session: Session) -> None:
    ctx = opened(session, QUOTES, QUOTE_FIELDS)
    pipeline.acknowledge(ctx)
    (ack,) = outbox(session)
    assert [(r.id, r.kind, r.message_id) for r in ctx.replies] == [(ack.id, "ack", ack.message_id)]
    assert (ack.kind, ack.recipients, ack.mail_from) == ("ack", [AM], QUOTES)
    assert ack.case_id == ctx.case.id  # type: ignore[union-attr]
    assert b"\r\nSubject: [CASE-000001] Quote please\r\n" in ack.raw


def test_acknowledge_skips_an_answer_over_the_outsider_budget(session: Session) -> None:
    budget = Budget(per_hour=1)
    first = context(session, cfg=config(budget=budget), sender=PAT, mailbox=SERVICE)
    pipeline.open_or_update_case(first)
    pipeline.acknowledge(first)
    ctx = context(session, cfg=config(budget=budget), sender=PAT, mailbox=SERVICE)
    pipeline.open_or_update_case(ctx)
    pipeline.acknowledge(ctx)
    assert ctx.replies == [] and len(outbox(session)) == 1
    assert ctx.case is not None
    (skipped,) = events(session, ctx.case, "reply_skipped")
    assert skipped.data == {
        "kind": "ack",
        "why": f"reply budget: 1 an hour to {CUSTOMER} already sent",
    }


def test_acknowledge_has_no_budget_for_vouched_staff(session: Session) -> None:
    """An AM may send thirty requests in an hour: each one is acknowledged."""
    for _ in range(2):
        ctx = opened(session, QUOTES, {}, budget=Budget(per_hour=1))
        pipeline.acknowledge(ctx)
    assert [(r.kind, r.recipients) for r in outbox(session)] == [("ack", [AM])] * 2


def test_acknowledge_sends_nothing_for_a_reply_to_a_complete_case(session: Session) -> None:
    ctx = joined(session, raw_mail("thanks", subject="Re: x"))
    pipeline.acknowledge(ctx)
    assert ctx.replies == [] and outbox(session) == []


def test_acknowledge_skips_an_address_it_cannot_write_to_and_logs_it(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    unwritable = "p" * 300 + "@example.net"  # longer than any address a relay takes
    ctx = context(session, sender=f"Pat <{unwritable}>", mail_from=None, mailbox=SERVICE)
    pipeline.open_or_update_case(ctx)
    with caplog.at_level(logging.WARNING, logger=pipeline.log.name):
        pipeline.acknowledge(ctx)
    assert ctx.replies == [] and outbox(session) == []
    assert ctx.case is not None
    (skipped,) = events(session, ctx.case, "reply_skipped")
    assert skipped.data["why"] == f"no address we can safely write to ({unwritable[:80]!r})"
    assert f"inbound #{ctx.inbound.id}: ack not sent: no address" in caplog.text
