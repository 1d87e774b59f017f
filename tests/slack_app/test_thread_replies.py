"""Replies in the case's thread: they join the case, the owner's answer stops the owner's
response clock and an inquiry starts it again; what is said in the thread is not repeated
into it."""

from __future__ import annotations

from intake.storage.cases import by_number
from tests.slack_api import FakeSlack
from tests.slack_app.helpers import (
    ALEX,
    TARA,
    Bot,
    Clock,
    H,
    announced_case,
    message,
    receive_email,
)
from tests.test_pipeline import reply_to


def test_thread_replies_join_the_case_and_move_the_owners_clock(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    thread = announced_case(bot, slack, clock)
    (ack,) = bot.outbox("email")
    assert bot.clock_of("case_owner_response") is None
    posts_before = len(slack.posts())

    # an inquiry by email (alex, the AM) starts the owner's clock ...
    clock.advance(H)
    receive_email(bot, reply_to(ack, "Is the builder's quote moving?", clock()))
    bot.settle()
    running = bot.clock_of("case_owner_response")
    assert running is not None and running.state == "running" and running.generation == 1

    # ... the owner's answer in the thread joins the case and stops it
    clock.advance(H)
    answer = message(
        "On it, pricing the casements now.", user=TARA, ts=clock.ts(), thread_ts=thread
    )
    assert bot.event(answer) == (200, "")
    (row,) = [r for r in bot.inbound() if r.channel == "slack"]
    assert row.rcpt_tos == ["accountteam@example.com"]  # the case's own mailbox
    (result,) = bot.settle()
    assert result.outcome == "append" and result.case_number == "CASE-000001"
    stopped = bot.clock_of("case_owner_response")
    assert stopped is not None and stopped.state == "stopped"
    assert stopped.stopped_by == "owner_replied"
    owner_answer = [
        e
        for e in bot.events()
        if e.kind == "sla_stopped" and e.data.get("policy") == "case_owner_response"
    ]
    assert len(owner_answer) == 1 and owner_answer[0].actor == "intake-bot"
    # the message that stopped it: its sender and its stored arrival, as data of their own
    assert owner_answer[0].data["sender"] == "tara.nguyen@example.com"
    assert isinstance(owner_answer[0].data["inbound_id"], int)

    # an inquiry from alex in the thread starts it again
    clock.advance(H)
    question = message("Any ETA for Prairie Crest?", user=ALEX, ts=clock.ts(), thread_ts=thread)
    assert bot.event(question) == (200, "")
    (result,) = bot.settle()
    assert result.outcome == "append" and result.case_number == "CASE-000001"
    again = bot.clock_of("case_owner_response")
    assert again is not None and again.state == "running" and again.generation == 2
    started = [e for e in bot.events() if e.kind == "sla_started"]
    assert [e.data.get("on") for e in started if e.data["policy"] == "case_owner_response"] == [
        "inquiry",
        "inquiry",
    ]
    with bot.app.sessions() as session:
        case = by_number(session, "CASE-000001")
        texts_in = [m.text for m in case.messages if m.direction == "in"]
    assert any("pricing the casements" in t for t in texts_in)
    assert any("Any ETA for Prairie Crest?" in t for t in texts_in)
    # said in the thread: not repeated into it; only the email reply was relayed
    relayed = [p for p in slack.posts()[posts_before:] if "New message from" in p.args["text"]]
    assert len(relayed) == 1 and "Is the builder's quote moving?" in relayed[0].args["text"]
