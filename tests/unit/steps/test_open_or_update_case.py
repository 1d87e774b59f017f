"""Pins the `open_or_update_case` step: a new case, or a message joined to one; called on its
own with a `Context` built directly (see tests/unit/builders.py), asserting the exact
outcome."""

from __future__ import annotations

from sqlalchemy.orm import Session

from intake.handlers import pipeline
from tests.unit.builders import (
    QUOTE_REQUIRED,
    QUOTES,
    TRUSTED,
    context,
    fv,
    make_case,
)


def test_a_new_request_opens_a_case_awaiting_what_is_missing(session: Session) -> None:
    ctx = context(session, trust=TRUSTED, mailbox=QUOTES, fields={"factor": fv("0.52")})
    pipeline.open_or_update_case(ctx)
    case = ctx.case
    assert case is not None
    assert (ctx.outcome, ctx.reason, ctx.status_before) == ("new_case", "opened", "")
    assert (case.number, case.queue, case.status) == ("CASE-000001", "quotes", "awaiting_info")
    assert case.missing == [f for f in QUOTE_REQUIRED if f != "factor"]
    assert ctx.reported_fields == {"factor": "0.52"}


def test_a_message_on_a_case_joins_it(session: Session) -> None:
    case = make_case(session, status="awaiting_info", missing=["factor"], fields={"account": "X"})
    ctx = context(session, trust=TRUSTED, mailbox=QUOTES)
    ctx.case, ctx.thread_how = case, "In-Reply-To/References"
    pipeline.open_or_update_case(ctx)
    assert (ctx.outcome, ctx.reason) == ("append", "joined by In-Reply-To/References")
    assert ctx.status_before == "awaiting_info" and ctx.case is case
