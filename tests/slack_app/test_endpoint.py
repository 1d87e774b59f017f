"""Who may talk to the endpoint: a forged or stale signature gets 401 and stores nothing,
Slack's URL verification is answered, a message that could not be stored gets no 200 (so
Slack's retry is kept, once), and the words a mention of the bot is read as."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import create_engine, text

from intake.bot.slack_app import parse_command
from intake.parsers.slack_event import slack_message_id
from tests.slack_app.helpers import ALEX, WEST, Bot, Clock, event_body, message, post, sign
from tests.test_pipeline import COMPLETE_QUOTE


def test_forged_or_stale_requests_get_401_and_store_nothing(bot: Bot, clock: Clock) -> None:
    event = message(COMPLETE_QUOTE, user=ALEX, ts=clock.ts())
    body = event_body(event)
    status, _ = post(bot.port, body, "application/json", secret="not-the-signing-secret")
    assert status == 401
    stale = int(time.time()) - 6 * 60
    assert post(bot.port, body, "application/json", timestamp=stale)[0] == 401
    tampered = sign(body, int(time.time()))
    altered = body.replace("Prairie Crest", "Prairie Crust")
    assert post(bot.port, altered, "application/json", signature=tampered)[0] == 401
    assert bot.inbound() == []

    status, answer = post(bot.port, body, "application/json")
    assert (status, answer) == (200, "")
    # process_before_response: the row is committed before Slack hears 200
    (row,) = bot.inbound()
    assert row.channel == "slack" and row.state == "new"
    assert row.message_id == slack_message_id(WEST, event["ts"])
    assert row.rcpt_tos == ["accountteam-west@example.com"]
    assert json.loads(row.raw)["event"]["text"] == COMPLETE_QUOTE


def test_url_verification_challenge_is_answered(bot: Bot) -> None:
    body = json.dumps(
        {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9", "type": "url_verification"}
    )
    status, answer = post(bot.port, body, "application/json")
    assert status == 200
    assert answer == "3eZbrw1aBm2rZgRNFdxV2595E9" or json.loads(answer) == {
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9"
    }
    forged = post(bot.port, body, "application/json", secret="wrong")
    assert forged[0] == 401


def test_a_storage_failure_is_no_200_and_slacks_retry_is_kept(
    bot: Bot, clock: Clock, migrated_database_url: str
) -> None:
    """Slack retries an event it got no 200 for: a message we could not store must not be
    answered 200 (it would be lost), and the retry is stored once."""
    event = message(COMPLETE_QUOTE, user=ALEX, ts=clock.ts())
    engine = create_engine(migrated_database_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE inbound_messages RENAME TO inbound_messages_away"))
    try:
        status, _ = bot.event(event)
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE inbound_messages_away RENAME TO inbound_messages"))
        engine.dispose()
    assert status >= 500
    assert bot.event(event, retry=1)[0] == 200
    assert len(bot.inbound()) == 1
    bot.settle()
    assert [c.number for c in bot.cases()] == ["CASE-000001"]


@pytest.mark.parametrize(
    ("said", "command"),
    [
        ("<@U0BOT> status", ("status", None)),
        ("<@U0BOT|intake>: assign <@U0OMAR001>", ("assign", "U0OMAR001")),
        ("<@U0BOT> assign <@U0OMAR001|omar>", ("assign", "U0OMAR001")),
        ("<@U0BOT> quote sent", ("quote-sent", None)),
        ("<@U0BOT> Quote-sent", ("quote-sent", None)),
        ("<@U0BOT> waiting on customer", ("waiting", None)),
        ("<@U0BOT> won PO 12345", ("won", "12345")),
        ("<@U0BOT> won PO# 12345", ("won", "12345")),
        ("<@U0BOT> won", ("won", None)),
        ("<@U0BOT> lost: price too high", ("lost", "price too high")),
        ("<@U0BOT> close", ("closed", None)),
        ("<@U0BOT> reopen", ("open", None)),
        ("<@U0BOT> thanks, looks good", None),
        ("", None),
    ],
)
def test_parse_command(said: str, command: tuple[str, str | None] | None) -> None:
    assert parse_command(said) == command
