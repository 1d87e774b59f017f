"""`/intake` and the buttons: `/intake quote ...` opens a case (and nonsense gets the
usage); the announcement's buttons take the case, mark the quote sent and ask for more
information, redrawing the announcement in place."""

from __future__ import annotations

import time

from tests.slack_api import FakeSlack
from tests.slack_app.helpers import (
    ALEX,
    OMAR,
    TARA,
    WEST,
    Bot,
    Clock,
    H,
    announced_case,
    announcements,
    in_thread,
    texts,
)
from tests.test_pipeline import COMPLETE_QUOTE


def test_slash_intake_quote_opens_a_case_and_nonsense_gets_the_usage(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    started = time.monotonic()
    status, answer = bot.slash("quote " + COMPLETE_QUOTE, user=ALEX)
    assert status == 200 and time.monotonic() - started < 5
    assert "Thanks" in answer
    (row,) = bot.inbound()
    assert row.channel == "slack" and row.rcpt_tos == ["accountteam-west@example.com"]
    (result,) = bot.settle()
    assert result.outcome == "new_case" and result.queue == "quotes"
    case = bot.case()
    assert case.queue == "quotes" and case.requester_email == "alex.martin@example.com"
    assert case.fields["account"] == "Prairie Crest Homes" and case.missing == []
    assert len(announcements(slack, WEST)) == 1
    # no message of theirs to thread under: the case number reaches alex directly
    direct = [p for p in slack.posts() if p.args["channel"] == ALEX]
    assert len(direct) == 1 and "CASE-000001" in direct[0].args["text"]
    assert not direct[0].args.get("thread_ts")
    assert bot.outbox("email") == []

    for nonsense in ("nonsense", "quote", ""):
        status, answer = bot.slash(nonsense, user=ALEX)
        assert status == 200 and "Usage" in answer, (nonsense, answer)
    assert len(bot.inbound()) == 1


def test_buttons_take_the_case_and_mark_the_quote_sent(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    thread = announced_case(bot, slack, clock)
    assert bot.case().owner == "tara.nguyen"
    clock.advance(H)

    assert bot.click("case_take", "CASE-000001", user=OMAR, message_ts=thread) == (200, "")
    case = bot.case()
    assert case.owner == "omar.haddad"
    (assigned,) = [e for e in bot.events() if e.kind == "assigned" and e.actor != "intake-bot"]
    assert assigned.actor == "omar.haddad@example.com"
    assert assigned.data["owner"] == "omar.haddad"
    bot.send()
    assert "Owner: <@U0OMAR001> (was <@U0TARA001>)" in texts(in_thread(slack, thread))
    # the announcement is redrawn in place with the new owner
    (redrawn,) = slack.calls_of("chat.update")
    assert redrawn.ok and redrawn.args["ts"] == thread and redrawn.args["channel"] == WEST
    assert "<@U0OMAR001>" in redrawn.args["text"]

    clock.advance(H)
    assert bot.click("case_quote_sent", "CASE-000001", user=OMAR, message_ts=thread)[0] == 200
    assert bot.case().status == "quote_sent"
    turnaround = bot.clock_of("quote_turnaround")
    assert turnaround is not None and turnaround.state == "stopped"
    followup = bot.clock_of("quote_approval_followup")
    assert followup is not None and followup.state == "running"

    assert bot.click("case_ask_info", "CASE-000001", user=TARA, message_ts=thread)[0] == 200
    bot.send()
    said = texts(in_thread(slack, thread))
    assert any(t.startswith("Status: *quote sent*") and "<@U0OMAR001>" in t for t in said)
    assert any("<@U0TARA001> asks for more information" in t for t in said)

    # a button for a case that does not exist changes nothing
    before = len(slack.posts())
    assert bot.click("case_take", "CASE-000999", user=OMAR, message_ts=thread)[0] == 200
    bot.send()
    assert len(slack.posts()) == before
