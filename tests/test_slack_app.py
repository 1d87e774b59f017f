"""The Slack front door end to end: signed requests over real HTTP into the bolt app at
`/slack/events`, the real pipeline and worker (`drain`), the real Slack dispatcher against a
local fake of the Web API (tests/slack_api.py), on every database backend.

Requests are signed the way Slack signs them (`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`
with the signing secret). The bot's clock is a `Clock` the test moves; only the signature
timestamps are real time, because bolt checks them against the wall clock.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import smtplib
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, select, text, update

from intake.bot.app import build_app
from intake.bot.config import Settings
from intake.bot.outbox import SpoolFolder, dispatch_due, recover_interrupted
from intake.bot.scheduler import sweep_until_done
from intake.bot.serve import serve
from intake.bot.slack_app import SlackFrontDoor, parse_command, serve_http
from intake.bot.slack_out import SlackDispatcher, dispatch_slack_due, make_client
from intake.bot.worker import drain
from intake.handlers.lifecycle import set_status
from intake.parsers.slack_event import slack_message_id
from intake.storage.cases import by_number
from intake.storage.models import Case, CaseEvent, InboundMessage, OutboxMessage, SlaClock
from tests.conftest import ORG_FILE
from tests.conftest import settings_for as shared_settings_for
from tests.mailhelpers import (
    RoundCounter,
    Sink,
    free_port,
    make_request,
    store_submission,
    wait_for,
    wait_for_port,
)
from tests.slack_api import DEFAULT_TOKEN, Call, FakeSlack
from tests.test_pipeline import COMPLETE_QUOTE, PARTIAL_QUOTE, mail, reply_to

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
T0 = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # Mon 23 Nov 2026, 10:00 in Edmonton
H = timedelta(hours=1)
WEST, EAST = "C0WESTQ01", "C0EASTQ01"
ALEX, TARA, OMAR = "U0ALEXM01", "U0TARA001", "U0OMAR001"
BOT_USER = "U0BOT"  # the fake Web API's auth.test user (tests/slack_api.py)


class Clock:
    """The bot's `now`, moved by the test."""

    def __init__(self, at: datetime = T0) -> None:
        self.at = at
        self._seq = 0

    def __call__(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta = timedelta(0), **parts: float) -> None:
        """Forward by `delta` or by `timedelta(**parts)` (`advance(hours=1)`)."""
        self.at += delta + timedelta(**parts)

    def ts(self) -> str:
        """A fresh Slack `ts` for a message written now (unique within the test)."""
        self._seq += 1
        return f"{int(self.at.timestamp())}.{self._seq:06d}"


# -- signed HTTP requests -----------------------------------------------------------------


def sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def post(
    port: int,
    body: str,
    content_type: str,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    retry: int | None = None,
    signature: str | None = None,
    timeout: float = 15,
) -> tuple[int, str]:
    """POST `body` to /slack/events as Slack does; (status, body) of the answer."""
    stamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": signature or sign(body, stamp, secret),
    }
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/slack/events", body=body.encode("utf-8"), headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        conn.close()


def event_body(event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": "T0FAKE",
            "api_app_id": "A0INTAKE",
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "event": event,
            # As the Events API sends it: whom the event is delivered to (the bot).
            "authorizations": [
                {"team_id": "T0FAKE", "user_id": BOT_USER, "is_bot": True, "enterprise_id": None}
            ],
        }
    )


def message(
    text: str,
    *,
    user: str,
    ts: str,
    channel: str = WEST,
    thread_ts: str | None = None,
    channel_type: str = "channel",
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "channel_type": channel_type,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def mention(text: str, *, user: str, ts: str, thread_ts: str, channel: str = WEST) -> dict:
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "thread_ts": thread_ts,
        "event_ts": ts,
    }


# -- a bot on a database --------------------------------------------------------------------


def settings_for(
    database_url: str, tmp_path: Path, api_url: str, **sections: dict[str, Any]
) -> Settings:
    """The shared settings (tests/conftest.py) with Slack on against the fake Slack at
    `api_url`, mail spooled, and every loop polling fast; `sections` are merged over these."""
    data: dict[str, Any] = {
        "relay": {"spool_dir": str(tmp_path / "spool")},
        "worker": {"poll_seconds": 0.05},
        "outbox": {"poll_seconds": 0.05, "backoff_first_seconds": 0.2},
        "slack": {
            "bot_token": DEFAULT_TOKEN,
            "signing_secret": SECRET,
            "api_url": api_url,
            "http_listen": f"127.0.0.1:{free_port()}",
            "poll_seconds": 0.05,
            "timeout_seconds": 2,
        },
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return shared_settings_for(database_url, **data)


class Bot:
    """One running bot: the Slack front door listening on a real port; the worker and both
    dispatchers (the real functions the threads of `intake serve` run) run by hand on the
    test's clock, so what happens is the same on every run."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings, self.clock = settings, clock
        self.app = build_app(settings)
        recover_interrupted(self.app.sessions)  # what `serve` does first
        self.front = SlackFrontDoor(self.app, settings.slack, clock)
        self.server, self.thread = serve_http(self.front)
        self.port = int(self.server.server_address[1])
        self.client = make_client(settings.slack)
        self.spool = SpoolFolder(settings.relay.spool_dir)
        self.dispatcher: SlackDispatcher | None = None  # set by `Running`

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
        self.app.close()

    # requests in
    def event(
        self, event: dict[str, Any], event_id: str | None = None, **kwargs: Any
    ) -> tuple[int, str]:
        return post(self.port, event_body(event, event_id), "application/json", **kwargs)

    def slash(self, text: str, *, user: str, channel: str = "D0ALEXDM1") -> tuple[int, str]:
        body = urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": "T0FAKE",
                "team_domain": "fake",
                "channel_id": channel,
                "channel_name": "directmessage",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/intake",
                "text": text,
                "api_app_id": "A0INTAKE",
                "response_url": f"http://127.0.0.1:{free_port()}/commands/1/2/3",
                "trigger_id": "1.2.3",
            }
        )
        return post(self.port, body, "application/x-www-form-urlencoded")

    def click(self, action_id: str, value: str, *, user: str, message_ts: str) -> tuple[int, str]:
        payload = {
            "type": "block_actions",
            "team": {"id": "T0FAKE", "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0FAKE"},
            "api_app_id": "A0INTAKE",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": WEST,
                "is_ephemeral": False,
            },
            "trigger_id": "1.2.3",
            "channel": {"id": WEST, "name": "west-quotes"},
            "message": {"type": "message", "ts": message_ts, "user": BOT_USER, "text": "x"},
            "response_url": f"http://127.0.0.1:{free_port()}/actions/1/2/3",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": f"case:{value}",
                    "text": {"type": "plain_text", "text": "Take it"},
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload)})
        return post(self.port, body, "application/x-www-form-urlencoded")

    # what the threads of `intake serve` do
    def work(self) -> list:
        return drain(self.app.sessions, self.app.pipeline, lambda row: self.clock())

    def send(self) -> None:
        while dispatch_slack_due(
            self.app.sessions, self.client, self.settings.slack, self.settings.outbox, self.clock
        ):
            pass
        dispatch_due(self.app.sessions, self.spool, self.settings.outbox, self.clock)

    def settle(self) -> list:
        results = self.work()
        self.send()
        return results

    def sweep(self, at: datetime) -> list:
        return sweep_until_done(self.app.sessions, self.app.pipeline.sla, lambda: at)

    # reading the database
    def case(self, number: str = "CASE-000001") -> Case:
        with self.app.sessions() as session:
            case = by_number(session, number)
            assert case is not None, f"no case {number}"
            session.expunge(case)
            return case

    def cases(self) -> list[Case]:
        with self.app.sessions() as session:
            return list(session.scalars(select(Case).order_by(Case.seq)))

    def inbound(self) -> list[InboundMessage]:
        with self.app.sessions() as session:
            return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))

    def outbox(self, channel: str | None = None) -> list[OutboxMessage]:
        with self.app.sessions() as session:
            stmt = select(OutboxMessage).order_by(OutboxMessage.id)
            if channel is not None:
                stmt = stmt.where(OutboxMessage.channel == channel)
            return list(session.scalars(stmt))

    def events(self, number: str = "CASE-000001") -> list[CaseEvent]:
        with self.app.sessions() as session:
            case = by_number(session, number)
            assert case is not None
            stmt = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
            return list(session.scalars(stmt))

    def clock_of(self, policy: str, number: str = "CASE-000001") -> SlaClock | None:
        with self.app.sessions() as session:
            case = by_number(session, number)
            assert case is not None
            return session.scalars(
                select(SlaClock).where(SlaClock.case_id == case.id, SlaClock.policy == policy)
            ).first()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(migrated_database_url: str, tmp_path: Path, slack: FakeSlack) -> Settings:
    return settings_for(migrated_database_url, tmp_path, slack.base_url)


@pytest.fixture
def bot(settings: Settings, clock: Clock):
    running = Bot(settings, clock)
    yield running
    running.close()


# -- reading the fake Web API ---------------------------------------------------------------


def announcements(slack: FakeSlack, channel: str = WEST) -> list[Call]:
    return [c for c in slack.posts(channel) if not c.args.get("thread_ts")]


def in_thread(slack: FakeSlack, ts: str) -> list[Call]:
    return [c for c in slack.posts() if c.args.get("thread_ts") == ts]


def texts(calls: list[Call]) -> list[str]:
    return [c.args["text"] for c in calls]


def request_in_channel(bot: Bot, clock: Clock, text: str = COMPLETE_QUOTE, user: str = ALEX):
    """A request posted in the west intake channel, processed and announced: (ts, ann. ts)."""
    ts = clock.ts()
    assert bot.event(message(text, user=user, ts=ts)) == (200, "")
    bot.settle()
    return ts


def receive_email(bot: Bot, msg: Any, rcpt: str = "accountteam@example.com") -> None:
    """An email as the SMTP front door stores it (the worker takes it from there)."""
    with bot.app.sessions() as session, session.begin():
        store_submission(
            session,
            msg.as_bytes(),
            received_at=bot.clock(),
            mail_from="alex.martin@example.com",
            rcpt_tos=[rcpt],
        )


def announced_case(bot: Bot, slack: FakeSlack, clock: Clock, body: str = COMPLETE_QUOTE) -> str:
    """An email quote request from alex (west), announced in C0WESTQ01: the announcement's
    ts, which is the case's thread."""
    receive_email(bot, mail(body, when=clock()))
    bot.settle()
    (announcement,) = announcements(slack)
    return str(announcement.response["ts"])


# == 1, 2: who may talk to the endpoint ======================================================


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


# == 3, 4: a request written in Slack ========================================================


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


# == 5: the case feed of an email request, across restarts ===================================


class Running:
    """A bot with its Slack dispatcher thread running (as in `intake serve`), for one step."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.bot = Bot(settings, clock)
        self.dispatcher = SlackDispatcher(
            self.bot.app.sessions,
            self.bot.client,
            settings.slack,
            settings.outbox,
            clock,
        )

    def __enter__(self) -> Bot:
        self.bot.dispatcher = self.dispatcher
        self.dispatcher.start()
        return self.bot

    def __exit__(self, *exc: object) -> None:
        self.dispatcher.stop()
        self.dispatcher.join(10)
        assert not self.dispatcher.is_alive()
        self.bot.close()


def wake(bot: Bot) -> None:
    assert bot.dispatcher is not None
    bot.dispatcher.wake.set()


def test_email_case_feed_lands_in_the_announcement_thread_once_across_restarts(
    settings: Settings, slack: FakeSlack, clock: Clock
) -> None:
    # 1. an email quote request: one post in the team's channel, the owner @mentioned
    with Running(settings, clock) as bot:
        receive_email(bot, mail(COMPLETE_QUOTE, when=clock()))
        bot.work()
        wake(bot)
        (announcement,) = wait_for(lambda: slack.posts(), timeout=10)
        (ack,) = bot.outbox("email")
    assert announcement.args["channel"] == WEST and not announcement.args.get("thread_ts")
    assert "<@U0TARA001>" in announcement.args["text"]
    ts = str(announcement.response["ts"])

    # 2. after a restart: an email reply on the case goes into the thread
    clock.advance(H)
    with Running(settings, clock) as bot:
        raw = reply_to(ack, "Any news on this one? The builder is asking.", clock())
        receive_email(bot, raw)
        (result,) = bot.work()
        assert result.outcome == "append" and result.case_number == "CASE-000001"
        wake(bot)
        wait_for(lambda: len(slack.posts()) == 2, timeout=10)
    reply_post = slack.posts()[1]
    assert reply_post.args["thread_ts"] == ts
    assert "The builder is asking" in reply_post.args["text"]
    assert "<@U0ALEXM01>" in reply_post.args["text"]

    # 3. after another restart: the sweep, well after the quote was due, reminds in the thread
    clock.at = T0 + 48 * H + timedelta(minutes=1)  # Wed 10:01: the quote is overdue
    with Running(settings, clock) as bot:
        fired = bot.sweep(clock())
        assert ("quote_turnaround", "breach") in {(r.policy, r.step) for r in fired}
        wake(bot)
        wait_for(lambda: len(slack.posts()) == 2 + len(fired), timeout=10)
        assert bot.sweep(clock()) == []  # swept once
    reminder_posts = slack.posts()[2:]
    assert all(p.args["thread_ts"] == ts for p in reminder_posts)
    assert all(":alarm_clock:" in p.args["text"] for p in reminder_posts)
    assert any(
        "Overdue" in p.args["text"] and "<@U0TARA001>" in p.args["text"] for p in reminder_posts
    )

    # 4. after another restart: the case is won, said in the thread
    clock.advance(H)
    before = len(slack.posts())
    with Running(settings, clock) as bot:
        with bot.app.sessions() as session, session.begin():
            case = by_number(session, "CASE-000001")
            set_status(
                session,
                bot.app.pipeline.sla,
                case,
                "won",
                actor="tara.nguyen@example.com",
                now=clock(),
                po="12345",
            )
        rounds = RoundCounter(bot.dispatcher)
        wake(bot)
        wait_for(lambda: any("won" in t for t in texts(slack.posts()[before:])), timeout=10)
        rounds.wait_for_rounds(2)  # the dispatcher looked again: nothing more to post

    # 5. one more start: nothing is posted twice
    with Running(settings, clock) as bot:
        rounds = RoundCounter(bot.dispatcher)
        assert bot.sweep(clock()) == []
        bot.send()
        rounds.wait_for_rounds(2)  # and its thread, after the sweep and the send by hand
        states = Counter(r.state for r in bot.outbox("slack"))
    assert set(states) == {"sent"}, states

    posts = slack.posts()
    top_level = [p for p in posts if not p.args.get("thread_ts")]
    assert top_level == [announcement]  # one channel post, everything else in its thread
    assert all(p.args["thread_ts"] == ts for p in posts[1:])
    duplicates = {t: n for t, n in Counter(texts(posts)).items() if n > 1}
    assert duplicates == {}
    won = [p for p in posts if p.args["text"].startswith("Status: *won*")]
    assert len(won) == 1 and "PO 12345" in won[0].args["text"]
    assert "<@U0TARA001>" in won[0].args["text"]


# == 6: replies in the case's thread ========================================================


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


# == 7: commands in the case's thread ========================================================


def test_mention_commands_in_the_case_thread(bot: Bot, slack: FakeSlack, clock: Clock) -> None:
    thread = announced_case(bot, slack, clock)
    clock.advance(H)

    def say(text: str, user: str = TARA) -> list[str]:
        before = len(slack.posts())
        status = bot.event(mention(text, user=user, ts=clock.ts(), thread_ts=thread))
        assert status == (200, "")
        bot.send()
        new = slack.posts()[before:]
        assert all(p.args["thread_ts"] == thread for p in new)
        return texts(new)

    (said,) = say("status")
    assert said.startswith("CASE-000001: *open*, owner <@U0TARA001>")

    assert say(f"assign <@{OMAR}>") == ["Owner: <@U0OMAR001> (was <@U0TARA001>)"]
    assert bot.case().owner == "omar.haddad"
    assigned = [e for e in bot.events() if e.kind == "assigned"]
    assert assigned[-1].data["owner"] == "omar.haddad"
    assert assigned[-1].data["old"] == "tara.nguyen"
    assert assigned[-1].actor == "tara.nguyen@example.com"

    (refused,) = say("won")
    assert refused.startswith("Not done: ") and "PO" in refused
    case = bot.case()
    assert case.status == "open" and "po_number" not in (case.fields or {})

    said = say("won PO 12345")
    assert "Status: *won* (was open), by <@U0TARA001>; PO 12345" in said
    case = bot.case()
    assert case.status == "won" and case.fields["po_number"] == "12345"
    changed = [e for e in bot.events() if e.kind == "status_changed"]
    assert changed[-1].data == {"old": "open", "new": "won", "po": "12345"}

    # a command outside any case's thread, or no command at all, does nothing
    before = len(slack.posts())
    assert bot.event(mention("status", user=TARA, ts=clock.ts(), thread_ts="1.000001")) == (200, "")
    assert bot.event(mention("thanks!", user=TARA, ts=clock.ts(), thread_ts=thread)) == (200, "")
    bot.send()
    assert len(slack.posts()) == before


# == 8, 9: /intake and the buttons ===========================================================


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


# == 10: the home tab ========================================================================


def test_home_tab_lists_the_persons_open_cases_overdue_first(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    def request(body: str, subject: str) -> None:
        receive_email(bot, mail(body, subject=subject, when=clock()))
        bot.work()

    request(PARTIAL_QUOTE, "Lot 9")  # 1: waiting for information, no deadline
    request(COMPLETE_QUOTE, "Lot 10")  # 2: due Wed 10:00
    request(COMPLETE_QUOTE, "Lot 11")  # 3: omar's
    request(COMPLETE_QUOTE, "Lot 12")  # 4: closed
    clock.at = T0 + 71 * H  # Thu 09:00
    request(COMPLETE_QUOTE, "Lot 13")  # 5: due two working days later
    with bot.app.sessions() as session, session.begin():
        session.execute(update(Case).values(owner="tara.nguyen"))
        session.execute(update(Case).where(Case.seq == 3).values(owner="omar.haddad"))
        four = by_number(session, "CASE-000004")
        set_status(session, bot.app.pipeline.sla, four, "closed", actor="cli", now=clock())
    clock.advance(H)  # Thu 10:00: case 2 is overdue

    home = {"type": "app_home_opened", "user": TARA, "channel": "D0TARAHOM", "tab": "home"}
    assert bot.event({**home, "event_ts": clock.ts()}) == (200, "")
    (call,) = slack.calls_of("views.publish")
    assert call.ok and call.args["user_id"] == TARA
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    lines = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    numbers = [line.split("*")[1] for line in lines]
    assert numbers == ["CASE-000002", "CASE-000005", "CASE-000001"]
    assert "OVERDUE" in lines[0] and "OVERDUE" not in lines[1]
    assert "no deadline" in lines[2] and "awaiting info" in lines[2]

    nobody = {**home, "user": "U0STRANGER", "event_ts": clock.ts()}
    assert bot.event(nobody) == (200, "")
    view = slack.calls_of("views.publish")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert "Nothing open." in json.dumps(view)


# == routing =================================================================================


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


# == 11, 12: `intake serve` with Slack down, and with Slack off ==============================


@pytest.mark.parametrize("outage", ["500", "down"])
def test_a_slack_outage_never_blocks_email_intake(
    migrated_database_url: str, tmp_path: Path, slack: FakeSlack, outage: str
) -> None:
    if outage == "500":
        for _ in range(200):
            slack.fail_next("chat.postMessage", 500)
            slack.fail_next("auth.test", 500)
        api_url = slack.base_url
    else:
        api_url = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    smtp_port = free_port()
    with Sink() as sink:
        settings = settings_for(
            migrated_database_url,
            tmp_path,
            api_url,
            smtp={"listen": f"127.0.0.1:{smtp_port}"},
            relay={"address": sink.address},
        )
        app = build_app(settings)
        stop = threading.Event()
        thread = threading.Thread(target=serve, args=(app, stop), daemon=True)
        thread.start()
        try:
            wait_for_port(smtp_port)
            http_port = int(settings.slack.http_listen.rsplit(":", 1)[1])
            wait_for_port(http_port)
            request = make_request(
                sender="Alex Martin <alex.martin@example.com>",
                to="accountteam@example.com",
                subject="Quote please",
                body=COMPLETE_QUOTE,
            )
            started = time.monotonic()
            with smtplib.SMTP("127.0.0.1", smtp_port) as client:
                client.send_message(request)
            (ack,) = wait_for(lambda: sink.messages, timeout=15)
            assert time.monotonic() - started < 10
            assert ack["To"] == "alex.martin@example.com"
            assert ack["In-Reply-To"] == request["Message-ID"]
            assert "[CASE-000001]" in ack["Subject"]

            def slack_rows() -> list[OutboxMessage]:
                with app.sessions() as session:
                    stmt = select(OutboxMessage).where(OutboxMessage.channel == "slack")
                    return list(session.scalars(stmt))

            def tried() -> list[OutboxMessage]:
                # at least one attempt made and over (a row is `sending` during an attempt)
                rows = slack_rows()
                done = all(r.attempts >= 1 and r.state in ("pending", "failed") for r in rows)
                return rows if rows and done else []

            (row,) = wait_for(tried, timeout=10)
            assert row.kind == "slack_announce" and row.sent_at is None
            assert row.last_error
            if outage == "500":
                assert any(c.status == 500 for c in slack.calls_of("chat.postMessage"))
            assert slack.posts() == []
            # the endpoint still answers Slack
            body = json.dumps({"token": "x", "challenge": "c0ffee", "type": "url_verification"})
            assert post(http_port, body, "application/json")[0] == 200
        finally:
            stop.set()
            thread.join(15)
            app.close()
        assert not thread.is_alive()
        assert len(sink.messages) == 1


def test_serve_without_a_slack_token_takes_no_slack_events(
    migrated_database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="intake")
    smtp_port, http_port = free_port(), free_port()
    settings = Settings.model_validate(
        {
            "database": {"url": migrated_database_url},
            "bot": {"org": str(ORG_FILE)},
            "smtp": {"listen": f"127.0.0.1:{smtp_port}"},
            "relay": {"spool_dir": str(tmp_path / "spool")},
            "worker": {"poll_seconds": 0.05},
            "outbox": {"poll_seconds": 0.05},
            "slack": {"signing_secret": SECRET, "http_listen": f"127.0.0.1:{http_port}"},
        }
    )
    app = build_app(settings)
    assert app.pipeline.slack is None
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(app, stop), daemon=True)
    thread.start()
    try:
        wait_for_port(smtp_port)
        wait_for(lambda: any("intake serving" in r.getMessage() for r in caplog.records))
        with smtplib.SMTP("127.0.0.1", smtp_port) as client:
            client.send_message(
                make_request(
                    sender="Alex Martin <alex.martin@example.com>",
                    to="accountteam@example.com",
                    body=COMPLETE_QUOTE,
                )
            )
        wait_for(lambda: list((tmp_path / "spool").glob("*.eml")), timeout=15)
        # The HTTP front door runs for /healthz and /metrics; Slack's path is not served.
        body = json.dumps({"token": "x", "challenge": "c0ffee", "type": "url_verification"})
        assert post(http_port, body, "application/json")[0] == 404
        conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
        conn.close()
        with app.sessions() as session:
            kinds = [r.channel for r in session.scalars(select(OutboxMessage))]
        assert kinds == ["email"]
    finally:
        stop.set()
        thread.join(15)
        app.close()
    off = [r for r in caplog.records if "Slack off" in r.getMessage()]
    assert len(off) == 1
    assert not any("Slack on" in r.getMessage() for r in caplog.records)


# == bugs ====================================================================================


def test_an_event_is_not_lost_when_auth_test_fails(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    slack.fail_next("auth.test", 500)
    status, _ = bot.event(message(COMPLETE_QUOTE, user=ALEX, ts=clock.ts()))
    # either it was stored, or Slack was told to try again
    assert len(bot.inbound()) == 1 or status != 200


def test_won_with_the_word_po_but_no_number_is_refused(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    thread = announced_case(bot, slack, clock)
    assert bot.event(mention("won PO", user=TARA, ts=clock.ts(), thread_ts=thread)) == (200, "")
    bot.send()
    assert bot.case().status == "open"
    assert any(t.startswith("Not done: ") for t in texts(in_thread(slack, thread)))


def test_an_answer_in_the_requests_own_thread_reaches_the_case_thread(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    request_ts = request_in_channel(bot, clock, PARTIAL_QUOTE)
    (asked,) = in_thread(slack, request_ts)
    assert "Reply in this thread" in asked.args["text"]
    case_thread = bot.case().slack_ts
    assert case_thread
    clock.advance(H)
    answer = "Factor: 0.52\nStage: Submissions\nClose date: 2026-12-18"
    event = message(answer, user=ALEX, ts=clock.ts(), thread_ts=request_ts)
    assert bot.event(event) == (200, "")
    (result,) = bot.settle()
    assert result.outcome == "append" and result.case_number == "CASE-000001"
    assert bot.case().status == "open"
    assert any("0.52" in t for t in texts(in_thread(slack, case_thread)))


def test_talking_about_the_close_date_does_not_close_the_case(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    thread = announced_case(bot, slack, clock)
    clock.advance(H)
    ts = clock.ts()
    said = "close date is now 2026-12-30"
    assert bot.event(mention(said, user=ALEX, ts=ts, thread_ts=thread)) == (200, "")
    twin = message(f"<@{BOT_USER}> {said}", user=ALEX, ts=ts, thread_ts=thread)
    assert bot.event(twin) == (200, "")
    bot.settle()
    assert bot.case().status == "open"


def test_a_slash_request_that_is_refused_is_not_promised_a_case(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    stranger = "U0STRANGE1"  # not in the organisation file: the quote mailbox refuses them
    status, answer = bot.slash("quote " + COMPLETE_QUOTE, user=stranger)
    assert status == 200
    assert "Sorry" in answer and "Thanks" not in answer
    assert bot.inbound() == [] and bot.settle() == []  # nothing filed, nothing promised
    status, answer = bot.slash("quote " + COMPLETE_QUOTE, user=ALEX)
    assert status == 200 and "Thanks" in answer
