"""Pins the `notify` step: the case feed in Slack; called on its own with a `Context` built
directly (see tests/unit/builders.py), asserting the exact outcome."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from intake.handlers import pipeline
from intake.parsers.slack_event import slack_message_id
from tests.unit.builders import (
    AM,
    QUOTES,
    config,
    raw_mail,
)
from tests.unit.steps.helpers import (
    RecordingFeed,
    joined,
    opened,
)


def test_notify_announces_a_new_case(session: Session) -> None:
    feed = RecordingFeed()
    ctx = opened(session, QUOTES, {}, slack=feed)
    pipeline.notify(ctx)
    assert feed.calls == [("announce", "CASE-000001")]


def test_notify_posts_a_message_that_joined_and_refreshes_what_it_changed(
    session: Session,
) -> None:
    feed = RecordingFeed()
    ctx = joined(session, raw_mail("Factor 0.52", subject="Re: x"))
    ctx.config = config(slack=feed)
    ctx.reported_fields = {"factor": "0.52"}
    pipeline.notify(ctx)
    assert feed.calls == [
        ("message_received", "CASE-000001", AM, ctx.msg.new_text),
        ("refresh", "CASE-000001"),
    ]


def test_notify_does_not_repost_a_message_written_in_the_case_thread(
    session: Session,
) -> None:
    feed = RecordingFeed()
    ctx = joined(session, raw_mail("on it", subject="Re: x"))
    assert ctx.case is not None
    ctx.case.slack_channel, ctx.case.slack_ts = "C0WESTQ01", "1700000000.000100"
    thread_id = slack_message_id("C0WESTQ01", "1700000000.000100")
    ctx.config, ctx.msg = config(slack=feed), replace(ctx.msg, in_reply_to=(thread_id,))
    pipeline.notify(ctx)
    assert feed.calls == []


def test_notify_posts_nothing_for_a_stopped_message(session: Session) -> None:
    feed = RecordingFeed()
    ctx = joined(session, raw_mail("hi", subject="Re: x"))
    ctx.config, ctx.outcome = config(slack=feed), "ignore"
    pipeline.notify(ctx)
    assert feed.calls == []
