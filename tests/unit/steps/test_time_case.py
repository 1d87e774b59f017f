"""Pins the `time_case` step: the SLA clocks a message starts, stops or brings back; called on
its own with a `Context` built directly (see tests/unit/builders.py), asserting the exact
outcome."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.handlers.clocks import assign, time_case
from intake.storage.models import SlaClock
from tests.unit.builders import (
    CUSTOMER,
    PAT,
    QUOTES_EAST,
    SERVICE,
    T0,
    config,
    context,
    events,
    make_case,
    sla_runtime,
)
from tests.unit.steps.helpers import (
    QUOTE_FIELDS,
    opened,
)


def test_time_case_starts_the_quote_clock_of_a_complete_request(session: Session) -> None:
    ctx = opened(session, QUOTES_EAST, QUOTE_FIELDS, sla=sla_runtime())
    assign(ctx)
    time_case(ctx)
    case = ctx.case
    assert case is not None
    session.flush()  # the case's id: a step may leave the new case unwritten
    clocks = session.scalars(select(SlaClock).where(SlaClock.case_id == case.id)).all()
    assert {(c.policy, c.state) for c in clocks} >= {("quote_turnaround", "running")}
    assert case.due_at == T0 + timedelta(days=2)  # Wed 4 Nov, 10:00 in Edmonton


def test_time_case_without_clocks_does_nothing(session: Session) -> None:
    ctx = opened(session, QUOTES_EAST, QUOTE_FIELDS)
    time_case(ctx)
    assert ctx.case is not None and ctx.case.due_at is None
    assert session.scalars(select(SlaClock)).all() == []


def test_time_case_brings_a_waiting_case_back_when_the_customer_writes(session: Session) -> None:
    case = make_case(session, queue="service", status="waiting", participants=[CUSTOMER])
    ctx = context(session, cfg=config(sla=sla_runtime()), sender=PAT, mailbox=SERVICE)
    ctx.case, ctx.outcome, ctx.status_before = case, "append", "waiting"
    time_case(ctx)
    assert case.status == "open"
    (changed,) = events(session, case, "status_changed")
    assert (changed.actor, changed.data) == (
        "intake-bot",
        {"old": "waiting", "new": "open", "why": "customer replied"},
    )
