"""Routing of what Slack sends: direct messages go to the sender's team (or to service),
messages not for the bot are not stored, and a command with its message twin acts once."""

from __future__ import annotations

from sqlalchemy import select

from intake.storage.models import SlaClock
from tests.slack_api import FakeSlack
from tests.slack_app.helpers import (
    ALEX,
    BOT_USER,
    TARA,
    WEST,
    Bot,
    Clock,
    H,
    announced_case,
    announcements,
    in_thread,
    mention,
    message,
    texts,
)
from tests.test_pipeline import COMPLETE_QUOTE


def test_direct_messages_go_to_the_senders_team_or_to_service(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    dm = "D0ALEXDM1"
    quote = message(COMPLETE_QUOTE, user=ALEX, ts=clock.ts(), channel=dm, channel_type="im")
    assert bot.event(quote) == (200, "")
    service_text = (
        "Service: the kitchen window is foggy between the panes.\n"
        "Name: Pat Homeowner\nPhone: 403-555-0188\nAddress: 12 Elm Street, Calgary AB\n"
    )
    service = message(service_text, user=ALEX, ts=clock.ts(), channel=dm, channel_type="im")
    assert bot.event(service) == (200, "")
    assert [r.rcpt_tos for r in bot.inbound()] == [
        ["accountteam-west@example.com"],
        ["connectyou@example.com"],
    ]
    bot.settle()
    first, second = bot.cases()
    assert (first.queue, first.team) == ("quotes", "west")
    assert (second.queue, second.team) == ("service", "connectyou")
    assert len(announcements(slack, WEST)) == 1 and len(announcements(slack, "C0CONNECT1")) == 1
    # each answered in the thread of the direct message that made it
    assert "CASE-000001" in texts(in_thread(slack, quote["ts"]))[0]
    assert "CASE-000002" in texts(in_thread(slack, service["ts"]))[0]
    assert all(p.args["channel"] == dm for p in in_thread(slack, quote["ts"]))


def test_messages_not_for_the_bot_are_not_stored(bot: Bot, slack: FakeSlack, clock: Clock) -> None:
    thread = announced_case(bot, slack, clock)
    stored = len(bot.inbound())
    ignored = [
        message("Lunch at noon?", user=ALEX, ts=clock.ts(), channel="C0RANDOM1"),
        {**message(COMPLETE_QUOTE, user=ALEX, ts=clock.ts()), "bot_id": "B0OTHER"},
        {**message("edited", user=ALEX, ts=clock.ts()), "subtype": "message_changed"},
        {**message("", user=TARA, ts=clock.ts()), "subtype": "channel_join"},
        # a reply under some other message of the intake channel: a conversation, no request
        message("+1", user=TARA, ts=clock.ts(), thread_ts="1795000000.000001"),
        # the bot's own post in the case's thread
        {**message("Status: *won*", user=BOT_USER, ts=clock.ts(), thread_ts=thread)},
        # a command to the bot arrives as a message too; the app_mention acts on it
        message(f"<@{BOT_USER}> status", user=TARA, ts=clock.ts(), thread_ts=thread),
    ]
    for event in ignored:
        assert bot.event(event) == (200, ""), event
    assert len(bot.inbound()) == stored


def test_a_command_and_its_message_twin_close_the_case_without_starting_a_clock(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    """Slack sends "@intake close" twice: as app_mention and as a message in the thread."""
    thread = announced_case(bot, slack, clock)
    clock.advance(H)
    ts = clock.ts()
    assert bot.event(mention("close", user=ALEX, ts=ts, thread_ts=thread)) == (200, "")
    twin = message(f"<@{BOT_USER}> close", user=ALEX, ts=ts, thread_ts=thread)
    assert bot.event(twin) == (200, "")
    bot.settle()
    case = bot.case()
    assert case.status == "closed" and case.due_at is None
    with bot.app.sessions() as session:
        running = session.scalars(select(SlaClock).where(SlaClock.state == "running")).all()
    assert running == []
    assert bot.sweep(clock() + 30 * H) == []
    said = texts(in_thread(slack, thread))
    assert said == ["Status: *closed* (was open), by <@U0ALEXM01>"]
