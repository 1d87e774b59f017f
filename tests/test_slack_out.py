"""The Slack outbox dispatcher with a real slack_sdk WebClient against a local fake of the
Web API (tests/slack_api.py), on every database backend: posted once, in the case's thread,
in order, with rate limits honoured and failures retried or failed as they deserve."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from intake.bot.config import OutboxSettings, SlackSettings
from intake.bot.outbox import SpoolFolder, dispatch_due, recover_interrupted
from intake.bot.slack_out import SlackDispatcher, dispatch_slack_due, make_client
from intake.handlers.slack_feed import SlackFeed
from intake.parsers.slack_event import slack_message_id
from intake.storage import db
from intake.storage.models import Case, CaseMessage, OutboxMessage
from tests.mailhelpers import free_port, wait_for
from tests.slack_api import DEFAULT_TOKEN, FakeSlack

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
OUTBOX = OutboxSettings(backoff_first_seconds=60, backoff_max_seconds=3600)
CHANNEL = "C0INTAKE"


class Clock:
    """A `now` the test moves by hand."""

    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> None:
        self.at += timedelta(**kwargs)


@pytest.fixture
def sessions(migrated_database_url: str):
    engine = db.make_engine(migrated_database_url)
    db.upgrade(engine)
    yield db.make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def slack():
    with FakeSlack(channels={"#intake": CHANNEL}) as server:
        yield server


def slack_settings(server: FakeSlack | None, **kwargs: Any) -> SlackSettings:
    """The `[slack]` section alone, against `server` (None: a port nobody listens on): the
    Web API client is tested here without a bot (a bot's settings: tests/conftest.py)."""
    url = server.base_url if server else f"http://127.0.0.1:{free_port()}/api"
    values: dict[str, Any] = {"bot_token": DEFAULT_TOKEN, "api_url": url, "timeout_seconds": 2}
    values.update(kwargs)
    return SlackSettings(**values)


def make_case(sessions, number: str = "CASE-000001") -> int:
    with sessions() as session, session.begin():
        seq = int(number.rsplit("-", 1)[1])
        case = Case(
            seq=seq,
            number=number,
            queue="quotes",
            status="open",
            subject="Foggy window",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(case)
        session.flush()
        return case.id


def queue_post(
    sessions,
    case_id: int | None,
    text: str,
    *,
    announce: bool = False,
    channel: str = "#intake",
    at: datetime = NOW,
    blocks: list[dict[str, Any]] | None = None,
) -> int:
    """A Slack row in the format handlers/slack_feed.py writes."""
    payload: dict[str, Any] = {
        "channel": channel,
        "text": text,
        "thread": not announce,
        "announce": announce,
    }
    if blocks:
        payload["blocks"] = blocks
    with sessions() as session, session.begin():
        row = OutboxMessage(
            channel="slack",
            kind="slack_announce" if announce else "slack_thread",
            case_id=case_id,
            message_id=f"<slack-out.{text.replace(' ', '-')}.{at.timestamp()}@intake>",
            mail_from="slack",
            recipients=[channel],
            recipient=channel,
            raw=json.dumps(payload).encode(),
            next_attempt_at=at,
            created_at=at,
        )
        session.add(row)
        session.flush()
        return row.id


def row_of(sessions, row_id: int) -> OutboxMessage:
    with sessions() as session:
        return session.get(OutboxMessage, row_id)


def case_of(sessions, case_id: int) -> Case:
    with sessions() as session:
        return session.get(Case, case_id)


def texts(server: FakeSlack) -> list[str]:
    return [call.args["text"] for call in server.posts()]


# -- the thread -------------------------------------------------------------------------


def test_announcement_becomes_the_cases_thread(sessions, slack) -> None:
    case_id = make_case(sessions)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*CASE-000001*"}}]
    announce = queue_post(sessions, case_id, "CASE-000001 new quote", announce=True, blocks=blocks)
    first = queue_post(sessions, case_id, "Taken by Ann")
    second = queue_post(sessions, case_id, "Status: quoted")
    settings = slack_settings(slack)
    client = make_client(settings)

    assert dispatch_slack_due(sessions, client, settings, OUTBOX, Clock()) == 3
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, Clock()) == 0

    posts = slack.posts()
    assert [p.args["text"] for p in posts] == [
        "CASE-000001 new quote",
        "Taken by Ann",
        "Status: quoted",
    ]
    head, *thread = posts
    ts = head.response["ts"]
    assert "thread_ts" not in head.args and head.args["channel"] == "#intake"
    assert head.args["blocks"] == blocks
    assert head.authorization == f"Bearer {DEFAULT_TOKEN}"
    # The thread posts go where Slack said the announcement is (its id, not the name).
    assert [(p.args["channel"], p.args["thread_ts"]) for p in thread] == [(CHANNEL, ts)] * 2
    case = case_of(sessions, case_id)
    assert (case.slack_channel, case.slack_ts) == (CHANNEL, ts)
    for row_id in (announce, first, second):
        row = row_of(sessions, row_id)
        assert (row.state, row.attempts, row.sent_at) == ("sent", 1, NOW)
    with sessions() as session:
        (anchor,) = session.scalars(select(CaseMessage).where(CaseMessage.case_id == case_id))
    assert anchor.message_id == slack_message_id(CHANNEL, ts)
    assert (anchor.direction, anchor.channel, anchor.outbox_id) == ("out", "slack", announce)
    assert anchor.recipients == [CHANNEL] and anchor.text == "CASE-000001 new quote"


def test_thread_post_waits_for_an_announcement_that_is_retried(sessions, slack) -> None:
    case_id = make_case(sessions)
    announce = queue_post(sessions, case_id, "announce", announce=True)
    reply = queue_post(sessions, case_id, "in the thread")
    settings, clock = slack_settings(slack), Clock()
    client = make_client(settings)
    slack.fail_next("chat.postMessage", status=500)

    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 0
    assert slack.posts() == [] and len(slack.calls_of("chat.postMessage")) == 1
    assert row_of(sessions, announce).state == "pending"
    waiting = row_of(sessions, reply)
    assert (waiting.state, waiting.attempts, waiting.last_error) == ("pending", 0, None)

    clock.advance(hours=2)
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 2
    head, in_thread = slack.posts()
    assert in_thread.args["thread_ts"] == head.response["ts"]


def test_thread_row_queued_before_its_announcement_waits_for_it(sessions, slack) -> None:
    case_id = make_case(sessions)
    early = queue_post(sessions, case_id, "queued first")
    queue_post(sessions, case_id, "announce", announce=True)
    settings, clock = slack_settings(slack), Clock()
    client = make_client(settings)

    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 1
    assert texts(slack) == ["announce"]
    assert (row_of(sessions, early).state, row_of(sessions, early).attempts) == ("pending", 0)
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 1
    head, reply = slack.posts()
    assert reply.args["text"] == "queued first"
    assert reply.args["thread_ts"] == head.response["ts"]


def test_thread_posts_keep_their_order_when_one_is_retried(sessions, slack) -> None:
    case_id = make_case(sessions)
    other_case = make_case(sessions, "CASE-000002")
    queue_post(sessions, case_id, "announce", announce=True)
    first = queue_post(sessions, case_id, "first")
    second = queue_post(sessions, case_id, "second")
    other = queue_post(sessions, other_case, "another case")  # no announcement: top-level
    settings, clock = slack_settings(slack), Clock()
    client = make_client(settings)
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 4
    assert texts(slack) == ["announce", "first", "second", "another case"]
    assert "thread_ts" not in slack.posts()[3].args
    slack.calls.clear()

    third = queue_post(sessions, case_id, "third")
    fourth = queue_post(sessions, case_id, "fourth")
    slack.fail_next("chat.postMessage", status=503)
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 0
    assert slack.posts() == []  # "fourth" did not overtake "third"
    assert row_of(sessions, third).state == "pending" and row_of(sessions, third).attempts == 1
    assert row_of(sessions, fourth).attempts == 0
    clock.advance(seconds=30)  # "third" backs off (60 s +-20 %): "fourth" is not even selected
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 0
    assert len(slack.calls_of("chat.postMessage")) == 1
    clock.advance(minutes=5)
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 2
    assert texts(slack) == ["third", "fourth"]
    assert row_of(sessions, first).state == row_of(sessions, second).state == "sent"
    assert row_of(sessions, other).state == "sent"


def test_announcement_gone_wrong_sends_the_thread_top_level(sessions, slack) -> None:
    case_id = make_case(sessions)
    announce = queue_post(sessions, case_id, "announce", announce=True)
    reply = queue_post(sessions, case_id, "reply")
    settings = slack_settings(slack)
    client = make_client(settings)
    slack.error_next("chat.postMessage", "not_in_channel")

    assert dispatch_slack_due(sessions, client, settings, OUTBOX, Clock()) == 1
    assert row_of(sessions, announce).state == "failed"
    assert row_of(sessions, reply).state == "sent"
    (post,) = slack.posts()
    assert post.args["text"] == "reply" and "thread_ts" not in post.args
    assert post.args["channel"] == "#intake"
    assert case_of(sessions, case_id).slack_ts is None


# -- rate limits and failures -----------------------------------------------------------


def test_rate_limit_waits_for_retry_after_then_posts_once(sessions, slack) -> None:
    case_a, case_b = make_case(sessions), make_case(sessions, "CASE-000002")
    limited = queue_post(sessions, case_a, "first", announce=True)
    later = queue_post(sessions, case_b, "second", announce=True)
    settings, clock = slack_settings(slack), Clock()
    client = make_client(settings)
    slack.fail_next("chat.postMessage", status=429, retry_after=30)

    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 0
    assert slack.posts() == []
    # The round stopped at the 429, and slack_sdk did not retry it by itself.
    assert len(slack.calls_of("chat.postMessage")) == 1
    row = row_of(sessions, limited)
    assert (row.state, row.attempts) == ("pending", 0)
    assert row.next_attempt_at == NOW + timedelta(seconds=30)
    assert "429" in row.last_error
    assert row_of(sessions, later).attempts == 0

    clock.advance(seconds=29)
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 1  # only "second"
    assert texts(slack) == ["second"]
    clock.advance(seconds=1)
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 1
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 0
    assert sorted(texts(slack)) == ["first", "second"]
    assert row_of(sessions, limited).state == "sent"


def test_server_error_backs_off_and_posts_once_when_slack_recovers(sessions, slack) -> None:
    row_id = queue_post(sessions, make_case(sessions), "hello", announce=True)
    settings, clock = slack_settings(slack), Clock()
    client = make_client(settings)
    slack.fail_next("chat.postMessage", status=500)
    slack.fail_next("chat.postMessage", status=502)

    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 0
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("pending", 1) and "500" in row.last_error
    assert NOW + timedelta(seconds=47) <= row.next_attempt_at <= NOW + timedelta(seconds=73)
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 0  # not due yet
    assert len(slack.calls_of("chat.postMessage")) == 1

    clock.advance(minutes=2)
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 0
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("pending", 2) and "502" in row.last_error
    assert row.next_attempt_at >= clock.at + timedelta(seconds=95)  # doubled

    clock.advance(minutes=5)
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 1
    assert texts(slack) == ["hello"]
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts, row.sent_at) == ("sent", 3, clock.at)


def test_server_errors_until_max_attempts_fail_the_row(sessions, slack) -> None:
    row_id = queue_post(sessions, None, "doomed")
    settings, clock = slack_settings(slack, max_attempts=3), Clock()
    client = make_client(settings)
    for _ in range(5):
        slack.fail_next("chat.postMessage", status=500)
    for _ in range(5):
        dispatch_slack_due(sessions, client, settings, OUTBOX, clock)
        clock.advance(days=1)
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("failed", 3)
    assert len(slack.calls_of("chat.postMessage")) == 3 and slack.posts() == []


def test_channel_not_found_fails_at_once(sessions, slack, caplog) -> None:
    row_id = queue_post(sessions, make_case(sessions), "lost", announce=True, channel="C0GONE")
    settings, clock = slack_settings(slack), Clock()
    client = make_client(settings)
    slack.error_next("chat.postMessage", "channel_not_found")

    with caplog.at_level("ERROR", logger="intake.slack_out"):
        assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock) == 0
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("failed", 1) and "channel_not_found" in row.last_error
    assert "channel_not_found" in caplog.text
    clock.advance(days=1)
    dispatch_slack_due(sessions, client, settings, OUTBOX, clock)
    assert len(slack.calls_of("chat.postMessage")) == 1 and slack.posts() == []


def test_wrong_token_fails_with_invalid_auth(sessions, slack) -> None:
    row_id = queue_post(sessions, None, "hello")
    settings = slack_settings(slack, bot_token="xoxb-not-the-right-one")
    dispatch_slack_due(sessions, make_client(settings), settings, OUTBOX, Clock())
    row = row_of(sessions, row_id)
    assert row.state == "failed" and "invalid_auth" in row.last_error
    assert slack.posts() == []


def test_unreadable_row_fails_without_a_call(sessions, slack) -> None:
    row_id = queue_post(sessions, None, "x")
    with sessions() as session, session.begin():
        session.get(OutboxMessage, row_id).raw = b"not json"
    settings = slack_settings(slack)
    assert dispatch_slack_due(sessions, make_client(settings), settings, OUTBOX, Clock()) == 0
    row = row_of(sessions, row_id)
    assert row.state == "failed" and "unreadable" in row.last_error
    assert slack.calls == []


# -- the point of no return -------------------------------------------------------------


def test_crash_after_posting_is_uncertain_and_never_posted_again(sessions, slack) -> None:
    case_id = make_case(sessions)
    announce = queue_post(sessions, case_id, "announce", announce=True)
    reply = queue_post(sessions, case_id, "reply")
    settings = slack_settings(slack)

    class DiesAfterTheRequest(type(make_client(settings))):
        def chat_postMessage(self, **kwargs: Any) -> Any:  # noqa: N802 - slack_sdk's name
            super().chat_postMessage(**kwargs)
            raise SystemExit("killed")  # the process dies before the answer is recorded

    dying = DiesAfterTheRequest(token=DEFAULT_TOKEN, base_url=slack.base_url, retry_handlers=[])
    with pytest.raises(SystemExit):
        dispatch_slack_due(sessions, dying, settings, OUTBOX, Clock())
    assert row_of(sessions, announce).state == "sending"
    assert len(slack.posts()) == 1

    recovered = recover_interrupted(sessions)  # the next start
    assert [r.id for r in recovered] == [announce]
    client = make_client(settings)
    for _ in range(3):
        dispatch_slack_due(sessions, client, settings, OUTBOX, Clock(NOW + timedelta(days=1)))
    assert row_of(sessions, announce).state == "uncertain"
    assert texts(slack) == ["announce", "reply"]  # the announcement once, never again
    # Its ts was never recorded, so the reply could not go into its thread: top-level.
    assert "thread_ts" not in slack.posts()[1].args
    assert row_of(sessions, reply).state == "sent"
    assert case_of(sessions, case_id).slack_ts is None


def test_a_crash_before_the_request_leaves_the_row_to_retry(sessions, slack) -> None:
    row_id = queue_post(sessions, None, "hello")
    settings = slack_settings(slack)

    class DiesBeforeTheRequest(type(make_client(settings))):
        def chat_postMessage(self, **kwargs: Any) -> Any:  # noqa: N802
            raise RuntimeError("a bug before anything went out")

    broken = DiesBeforeTheRequest(token=DEFAULT_TOKEN, base_url=slack.base_url)
    assert dispatch_slack_due(sessions, broken, settings, OUTBOX, Clock()) == 0  # no raise
    row = row_of(sessions, row_id)
    # We cannot know where an unexpected error came from: treated like a crash, not resent.
    assert row.state == "uncertain" and "RuntimeError" in row.last_error
    assert slack.calls == []


# -- Slack unreachable or slow ----------------------------------------------------------


def test_slack_down_returns_quietly_and_keeps_rows_pending(sessions) -> None:
    first = queue_post(sessions, None, "one")
    second = queue_post(sessions, None, "two")
    settings = slack_settings(None)  # nothing listens on that port
    clock = Clock()
    assert dispatch_slack_due(sessions, make_client(settings), settings, OUTBOX, clock) == 0
    row = row_of(sessions, first)
    assert (row.state, row.attempts) == ("pending", 1)
    assert "URLError" in row.last_error and row.next_attempt_at > NOW
    # Unreachable: the round stopped instead of trying every row.
    assert (row_of(sessions, second).state, row_of(sessions, second).attempts) == ("pending", 0)


def test_no_answer_after_the_request_is_uncertain_and_never_posted_twice(sessions, slack) -> None:
    row_id = queue_post(sessions, None, "slow")
    settings = slack_settings(slack, timeout_seconds=1)
    slack.delay_next("chat.postMessage", 2.5)
    assert dispatch_slack_due(sessions, make_client(settings), settings, OUTBOX, Clock()) == 0
    row = row_of(sessions, row_id)
    # Slack received the post (the fake recorded it): only its answer was lost.
    assert len(slack.calls_of("chat.postMessage")) == 1
    assert row.state == "uncertain" and "timed out" in row.last_error.lower()
    later = Clock(NOW + timedelta(hours=1))
    assert dispatch_slack_due(sessions, make_client(settings), settings, OUTBOX, later) == 0
    assert len(slack.calls_of("chat.postMessage")) == 1


# -- channels kept apart ----------------------------------------------------------------


def test_email_and_slack_rows_go_to_their_own_dispatcher(sessions, slack, tmp_path) -> None:
    slack_row = queue_post(sessions, None, "to slack")
    with sessions() as session, session.begin():
        mail = OutboxMessage(
            kind="ack",
            message_id="<ack.1@intake>",
            mail_from="intake@example.com",
            recipients=["pat@example.net"],
            recipient="pat@example.net",
            raw=b"Subject: hi\r\n\r\nhello\r\n",
            next_attempt_at=NOW,
            created_at=NOW,
        )
        session.add(mail)
        session.flush()
        mail_row = mail.id
    settings = slack_settings(slack)
    assert dispatch_slack_due(sessions, make_client(settings), settings, OUTBOX, Clock()) == 1
    row = row_of(sessions, mail_row)
    assert (row.state, row.attempts) == ("pending", 0)
    assert texts(slack) == ["to slack"]

    queue_post(sessions, None, "another for slack", at=NOW + timedelta(seconds=1))
    spool = tmp_path / "spool"
    assert dispatch_due(sessions, SpoolFolder(spool), OUTBOX, lambda: NOW + timedelta(1)) == 1
    assert [p.name for p in spool.iterdir()] == [f"{mail_row:08d}-ack.eml"]
    assert row_of(sessions, mail_row).state == "sent"
    assert row_of(sessions, slack_row).state == "sent"
    with sessions() as session:
        pending = session.scalars(select(OutboxMessage).where(OutboxMessage.state == "pending"))
        assert [r.channel for r in pending] == ["slack"]


# -- the client and the thread ----------------------------------------------------------


def test_client_does_not_retry_behind_our_back(slack) -> None:
    client = make_client(slack_settings(slack, api_url=slack.base_url.rstrip("/")))
    assert client.retry_handlers == []
    assert client.base_url == slack.base_url and client.timeout == 2
    assert client.auth_test()["user_id"] == "U0BOT"
    (call,) = slack.calls_of("auth.test")
    assert call.authorization == f"Bearer {DEFAULT_TOKEN}"


def test_fake_slack_answers_like_the_web_api(slack) -> None:
    client = make_client(slack_settings(slack))
    from slack_sdk.errors import SlackApiError

    updated = client.chat_update(channel=CHANNEL, ts="1.000100", text="new")
    assert updated["ok"] and slack.calls_of("chat.update")[0].args["text"] == "new"
    assert client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["ok"]
    with pytest.raises(SlackApiError) as info:
        client.api_call("no.such.method", params={"a": "b"})
    assert info.value.response["error"] == "unknown_method"
    assert slack.calls_of("no.such.method")[0].args == {"a": "b"}  # form-encoded body
    first = client.chat_postMessage(channel="C1", text="a")["ts"]
    second = client.chat_postMessage(channel="C1", text="b")["ts"]
    assert float(second) > float(first) and len(slack.posts("C1")) == 2 and not slack.posts("C2")


def test_dispatcher_thread_posts_and_survives_slack_being_down(sessions, slack) -> None:
    settings = slack_settings(slack, poll_seconds=0.05)
    thread = SlackDispatcher(sessions, make_client(settings), settings, OUTBOX, Clock())
    down = slack_settings(None, poll_seconds=0.05)
    idle = SlackDispatcher(sessions, make_client(down), down, OUTBOX, Clock())
    thread.start()
    try:
        row_id = queue_post(sessions, None, "via the thread")
        thread.wake.set()
        wait_for(lambda: row_of(sessions, row_id).state == "sent", timeout=10)
        assert texts(slack) == ["via the thread"]
    finally:
        thread.stop()
        thread.join(5)
    assert not thread.is_alive()

    doomed = queue_post(sessions, None, "nobody listens")
    idle.start()
    try:
        # attempts is counted when the row is claimed; last_error once the attempt failed
        wait_for(lambda: row_of(sessions, doomed).last_error, timeout=10)
        row = row_of(sessions, doomed)
        assert idle.is_alive() and (row.state, row.attempts) == ("pending", 1)
    finally:
        idle.stop()
        idle.join(5)
    assert not idle.is_alive()


def test_rows_waiting_on_a_backed_off_announcement_do_not_fill_the_batch(sessions, slack) -> None:
    case_id = make_case(sessions)
    queue_post(sessions, case_id, "announce", announce=True)
    waiting = [queue_post(sessions, case_id, "waits 1"), queue_post(sessions, case_id, "waits 2")]
    other = queue_post(sessions, make_case(sessions, "CASE-000002"), "other case")
    settings, clock = slack_settings(slack), Clock()
    client = make_client(settings)
    slack.fail_next("chat.postMessage", status=500)
    # The rows behind the failed announcement are never claimed, so the second claim of
    # the same round is already the other case's post.
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock, batch=2) == 1
    assert texts(slack) == ["other case"] and row_of(sessions, other).state == "sent"
    assert [row_of(sessions, w).attempts for w in waiting] == [0, 0]
    clock.advance(seconds=5)  # the announcement backs off for about a minute
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, clock, batch=2) == 0
    assert texts(slack) == ["other case"]


# -- the announcement redrawn -------------------------------------------------------------


def test_a_refresh_redraws_the_announcement_in_place(sessions, slack, org) -> None:
    feed = SlackFeed(org)
    with sessions() as session, session.begin():
        case = session.get(Case, make_case(sessions))
        case.team, case.owner, case.fields = "west", "tara.nguyen", {"account": "Prairie Crest"}
        feed.refresh(session, case, NOW)  # queued before the announcement exists: waits
        feed.announce(session, case, NOW)
        case_id = case.id
    settings = slack_settings(slack)
    client = make_client(settings)
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, Clock()) == 1
    assert slack.calls_of("chat.update") == []  # the early refresh waits for its announcement
    assert dispatch_slack_due(sessions, client, settings, OUTBOX, Clock()) == 1
    assert len(slack.calls_of("chat.update")) == 1
    with sessions() as session, session.begin():
        case = session.get(Case, case_id)
        case.status, case.owner = "won", "omar.haddad"
        feed.refresh(session, case, NOW)
    dispatch_slack_due(sessions, client, settings, OUTBOX, Clock())
    (announcement,) = slack.posts()
    updates = [c for c in slack.calls_of("chat.update") if c.response.get("ok")]
    assert updates, "the refresh must redraw the announcement"
    last = updates[-1].args
    assert last["ts"] == announcement.response["ts"] and last["channel"] == "C0WESTQ01"
    drawn = json.dumps(last["blocks"])
    assert "Status: won" in drawn and "<@U0OMAR001>" in drawn
    assert "case_take" not in drawn  # a won case has no buttons left
    assert len(slack.posts()) == 1  # redrawn in place, never posted again


def test_a_refresh_of_a_case_never_announced_fails_without_a_call(sessions, slack, org) -> None:
    with sessions() as session, session.begin():
        case = session.get(Case, make_case(sessions))
        case.team = "west"
        row = SlackFeed(org).refresh(session, case, NOW)
        session.flush()
        row_id = row.id
    settings = slack_settings(slack)
    dispatch_slack_due(sessions, make_client(settings), settings, OUTBOX, Clock())
    assert row_of(sessions, row_id).state == "failed" and slack.calls == []


def test_a_refresh_of_an_uncertain_announcement_is_uncertain_too(sessions, slack, org) -> None:
    """A process died posting the announcement: it may be in the channel, its ts never
    recorded. A refresh of it has nothing to redraw and nothing known to be wrong: it is left
    `uncertain` beside its announcement, for the person who decides about both, never
    `failed`."""
    case_id = make_case(sessions)
    announce = queue_post(sessions, case_id, "announce", announce=True)
    settings = slack_settings(slack)

    class DiesAfterTheRequest(type(make_client(settings))):
        def chat_postMessage(self, **kwargs: Any) -> Any:  # noqa: N802 - slack_sdk's name
            super().chat_postMessage(**kwargs)
            raise SystemExit("killed")

    dying = DiesAfterTheRequest(token=DEFAULT_TOKEN, base_url=slack.base_url, retry_handlers=[])
    with pytest.raises(SystemExit):
        dispatch_slack_due(sessions, dying, settings, OUTBOX, Clock())
    recover_interrupted(sessions)
    assert row_of(sessions, announce).state == "uncertain"
    with sessions() as session, session.begin():
        case = session.get(Case, case_id)
        case.team = "west"
        row = SlackFeed(org).refresh(session, case, NOW)
        session.flush()
        refresh = row.id

    dispatch_slack_due(sessions, make_client(settings), settings, OUTBOX, Clock())
    assert row_of(sessions, refresh).state == "uncertain"
    assert "uncertain" in row_of(sessions, refresh).last_error
    assert slack.calls_of("chat.update") == [] and len(slack.posts()) == 1
