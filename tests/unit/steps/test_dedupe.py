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


def test_a_reused_message_id_with_another_date_or_subject_is_a_message_of_its_own(
    session: Session,
) -> None:
    """A client or relay that gives a new message an old Message-ID: dropping the new one as a
    re-delivery would lose it. Its own re-delivery is still a duplicate, of it."""
    first = context(session, raw_mail(subject="Quote please", msgid="<same@client.example>"))
    pipeline.dedupe(first)
    other = raw_mail(subject="Service call please", msgid="<same@client.example>")
    second = context(session, other)
    pipeline.dedupe(second)  # not stopped: processed
    assert session.get(ProcessedKey, inbox.reused_id_key(second.inbound.dedupe_key, other))
    again = context(session, other)
    assert stopped(pipeline.dedupe, again) == (
        "ignore",
        f"duplicate of inbound #{second.inbound.id}",
    )


def test_a_redelivery_with_trace_headers_added_is_still_the_same_message(session: Session) -> None:
    raw = raw_mail(msgid="<same@client.example>")
    first = context(session, raw)
    pipeline.dedupe(first)
    relayed = (
        b"Received: from relay.example by mx.example; Mon, 7 Dec 2026 10:00:00 +0000\r\n" + raw
    )
    assert stopped(pipeline.dedupe, context(session, relayed)) == (
        "ignore",
        f"duplicate of inbound #{first.inbound.id}",
    )
