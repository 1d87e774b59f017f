"""A request written in Slack: posted in the team's intake channel it becomes a case like
the same words by email, announced in the team's channel and answered in the thread of the
requester's message; Slack's retry of the event opens no second case."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from intake.storage.models import Case
from tests.slack_api import FakeSlack
from tests.slack_app.helpers import (
    ALEX,
    WEST,
    Bot,
    Clock,
    announcements,
    in_thread,
    message,
    receive_email,
    request_in_channel,
)
from tests.test_pipeline import COMPLETE_QUOTE, mail


def test_request_in_the_intake_channel_is_a_case_like_the_same_email(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    ts = request_in_channel(bot, clock)

    (case,) = bot.cases()
    assert case.queue == "quotes" and case.team == "west" and case.owner == "tara.nguyen"
    assert case.mailbox == "accountteam-west@example.com"
    assert case.requester_email == "alex.martin@example.com"
    assert case.status == "open" and case.missing == []
    (row,) = bot.inbound()
    assert row.channel == "slack" and row.outcome == "new_case"
    assert bot.outbox("email") == []  # said in Slack, answered in Slack: no email

    # announced in the team's channel: Block Kit, the owner @mentioned
    (announcement,) = announcements(slack, WEST)
    assert announcement.args["channel"] == WEST
    blocks = announcement.args["blocks"]
    assert isinstance(blocks, list) and blocks[0]["type"] == "header"
    assert "CASE-000001" in blocks[0]["text"]["text"]
    assert "<@U0TARA001>" in json.dumps(blocks) and "<@U0TARA001>" in announcement.args["text"]
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]][:1] == ["case_take"]
    # the requester is answered in the thread of their own message
    (answer,) = in_thread(slack, ts)
    assert answer.args["channel"] == WEST and "CASE-000001" in answer.args["text"]
    assert len(slack.posts()) == 2
    assert bot.case().slack_ts == announcement.response["ts"]

    # the same words by email (to the same mailbox) give the same fields
    receive_email(bot, mail(COMPLETE_QUOTE, when=clock()), rcpt="accountteam-west@example.com")
    bot.settle()
    by_slack, by_email = bot.cases()
    assert by_email.number == "CASE-000002"

    def fields(c: Case) -> dict[str, Any]:
        return {k: v for k, v in (c.fields or {}).items() if k != "attachments"}

    assert fields(by_slack) == fields(by_email)
    assert fields(by_slack)["factor"] == "0.52"
    assert fields(by_slack)["account"] == "Prairie Crest Homes"
    assert by_slack.account_id == by_email.account_id == "ACC-1001"
    assert by_slack.missing == by_email.missing == []
    assert [r.kind for r in bot.outbox("email")] == ["ack"]  # only the email is mailed


def test_slacks_retry_of_an_event_opens_no_second_case(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    event = message(COMPLETE_QUOTE, user=ALEX, ts=clock.ts())
    assert bot.event(event, event_id="Ev0RETRY01") == (200, "")
    assert bot.event(event, event_id="Ev0RETRY01", retry=1)[0] == 200
    clock.advance(timedelta(seconds=2))
    assert bot.event(event, event_id="Ev0RETRY01", retry=2)[0] == 200
    bot.settle()
    assert [c.number for c in bot.cases()] == ["CASE-000001"]
    rows = bot.inbound()
    assert [r.outcome for r in rows][0] == "new_case"
    assert all(r.outcome == "ignore" and "duplicate" in r.reason for r in rows[1:])
    assert len(announcements(slack)) == 1
    assert len(in_thread(slack, event["ts"])) == 1
