"""The Slack app tests' shared set-up, also used by tests/test_slack_front_door.py,
test_slack_files.py and test_salesforce.py: the workspace's ids, the bot's `Clock`,
requests signed the way Slack signs them (`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`
with the signing secret; only their timestamps are real time, because bolt checks them
against the wall clock), the settings of a bot against the fake Web API, `Bot` (one running
bot, its worker and dispatchers run by hand on the test's clock), and readers of what the
fake Web API was sent. The fixtures are conftest.py's."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from intake.bot.app import build_app
from intake.bot.config import Settings
from intake.bot.outbox import SpoolFolder, dispatch_due, recover_interrupted
from intake.bot.scheduler import sweep_until_done
from intake.bot.slack_app import SlackFrontDoor, serve_http
from intake.bot.slack_out import SlackDispatcher, dispatch_slack_due, make_client
from intake.bot.worker import drain
from intake.storage.cases import by_number
from intake.storage.models import Case, CaseEvent, InboundMessage, OutboxMessage, SlaClock
from tests.conftest import settings_for as shared_settings_for
from tests.mailhelpers import free_port, store_submission
from tests.slack_api import DEFAULT_TOKEN, Call, FakeSlack
from tests.test_pipeline import COMPLETE_QUOTE, mail

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
