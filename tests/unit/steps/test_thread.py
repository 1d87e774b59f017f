"""Pins the `thread` step: the case a message belongs to; called on its own with a `Context`
built directly (see tests/unit/builders.py), asserting the exact outcome."""

from __future__ import annotations

from sqlalchemy.orm import Session

from intake.handlers import pipeline
from tests.unit.builders import (
    context,
    make_case,
)


def test_thread_sets_the_case_and_how(session: Session) -> None:
    case = make_case(session)
    ctx = context(session, subject="Re: [CASE-000001] Quote please")
    pipeline.thread(ctx)
    assert (ctx.case, ctx.thread_how) == (case, "case number CASE-000001 in subject")
