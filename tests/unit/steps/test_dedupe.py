"""Pins the `dedupe` step: a message is processed once however often it arrives; called on its
own with a `Context` built directly (see tests/unit/builders.py), asserting the exact
outcome."""

from __future__ import annotations

from sqlalchemy.orm import Session

from intake.handlers import pipeline
from intake.storage import inbox
from intake.storage.models import ProcessedKey
from tests.unit.builders import (
    context,
    raw_mail,
)
from tests.unit.steps.helpers import (
    stopped,
)


def test_dedupe_marks_the_first_arrival(session: Session) -> None:
    ctx = context(session)
    pipeline.dedupe(ctx)
    held = session.get(ProcessedKey, ctx.inbound.dedupe_key)
    assert held is not None and held.inbound_id == ctx.inbound.id
    # the same arrival again (a retried transaction's own key): still its own, no duplicate
    assert inbox.take_key(session, ctx.inbound.dedupe_key, ctx.inbound.id) == ctx.inbound.id


def test_dedupe_ignores_a_second_arrival(session: Session) -> None:
    raw = raw_mail()
    first = context(session, raw)
    pipeline.dedupe(first)
    second = context(session, raw)
    assert stopped(pipeline.dedupe, second) == (
        "ignore",
        f"duplicate of inbound #{first.inbound.id}",
    )
