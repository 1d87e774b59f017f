"""The Slack outbox dispatcher: posts what the pipeline committed for Slack, once, in order.

The case feed (`handlers/slack_feed.py`) never talks to Slack; it queues outbox rows
(`channel="slack"`) in the transaction that changed the case, and this module posts them.

Once: the Web API has no idempotency key, so a post that Slack may have received must never
be sent again. A row is claimed (`storage.claims.claim_outbox`: on PostgreSQL a row lock,
so several dispatchers in several processes never take the same one), committed as
`sending` just before the HTTP request (the point of no return, with a lease) and marked
`sent` when the answer is in. A crash during the request leaves it `sending`; it becomes
`uncertain` at the next start of a lone process (`bot.outbox.recover_interrupted`) or once
its lease has ended (`bot.outbox.recover_expired`), and uncertain rows are never resent. For
the same reason the client is built without slack_sdk's retry handlers: a request repeated
behind our back would be a second post nobody recorded.

In order: a case's thread is its announcement, whose `ts` is only known once it is posted.
No row of a case is claimed while an earlier one of the same case is pending or sending
(the claim's own rule), except the announcement itself, and a thread row waits while the
announcement is still to be posted, so the thread reads in the order things happened. An
announcement that failed (or is uncertain) no longer holds the case back: its later posts go
top-level in the channel rather than nowhere.

Slack being slow or down must not stop email intake: nothing here raises for a Slack or
network failure. A 429 is honoured (`Retry-After`) and ends the round; 5xx and network
errors back off and are retried up to `max_attempts`; other API errors fail the row at once.
"""

from __future__ import annotations

import enum
import http.client
import json
import logging
import math
import urllib.error
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.config import OutboxSettings, SlackSettings
from intake.bot.outbox import OutboxLoop, retry_or_fail
from intake.parsers.slack_event import slack_message_id
from intake.storage import claims
from intake.storage.claims import Claim, OutboxQueue
from intake.storage.models import Case, CaseMessage, OutboxMessage

log = logging.getLogger("intake.slack_out")

CHANNEL = "slack"
ANNOUNCE_KIND = "slack_announce"
# The announcement opens its case's thread: it never waits for the case's earlier rows.
SLACK = OutboxQueue(CHANNEL, jumps_order=OutboxMessage.kind == ANNOUNCE_KIND)
DEFAULT_RETRY_AFTER = 30.0  # seconds, for a 429 without a usable Retry-After header
# Errors where nothing reached Slack, or Slack said it is in trouble: worth another try.
_TRANSIENT = (urllib.error.URLError, OSError, TimeoutError, http.client.HTTPException)


def make_client(settings: SlackSettings) -> WebClient:
    """A Web API client for the bot token, without automatic retries.

    slack_sdk retries connection errors by default; we own retries (the outbox row records
    each attempt), so a request must never be re-sent behind our back. The time-out is
    rounded up to whole seconds (slack_sdk types it `int`; 0 would mean "do not wait")."""
    base_url = settings.api_url if settings.api_url.endswith("/") else settings.api_url + "/"
    return WebClient(
        token=settings.bot_token,
        base_url=base_url,
        timeout=max(1, math.ceil(settings.timeout_seconds)),
        retry_handlers=[],
    )


@dataclass(frozen=True)
class _Post:
    """Where and what to post for one row, worked out before the point of no return."""

    channel: str
    text: str
    blocks: list[Any] | None
    thread_ts: str | None
    announce: bool
    update_ts: str | None = None  # set: chat.update of the announcement, not a new post


class _Wait:
    """The row must wait for an earlier post of its case; not an attempt."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _Unusable:
    """The row can never be posted (its payload is unreadable, or there is nothing to update):
    `failed`, or `uncertain` when what it depends on may have gone out unrecorded."""

    def __init__(self, reason: str, state: str = "failed") -> None:
        self.reason = reason
        self.state = state


class _Outcome(enum.Enum):
    DONE = "done"  # posted, or moved on (failed, retried later, uncertain)
    POSTED = "posted"
    WAIT = "wait"  # must wait for an earlier post: given back untouched
    STOP = "stop"  # Slack said slow down, or cannot be reached: end the round


def dispatch_slack_due(
    sessions: sessionmaker[Session],
    client: WebClient,
    settings: SlackSettings,
    outbox: OutboxSettings,
    now: Callable[[], datetime],
    batch: int = 50,
) -> int:
    """Post due Slack rows, each claimed in turn (oldest first, a case's rows in order), at
    most `batch` looked at; returns how many were posted.

    Never raises for Slack or network trouble (database errors do propagate: the caller's
    loop logs them and tries again). A 429, or Slack being unreachable, ends the round early:
    the rest of the batch would only meet the same answer."""
    posted = 0
    passed: list[int] = []  # rows that must wait: not taken again this round
    for _ in range(batch):
        with claims.claim_outbox(sessions, SLACK, now(), passed) as claim:
            if claim is None:
                break
            outcome = _post(claim, sessions, client, settings, outbox, now)
        if outcome is _Outcome.WAIT:
            passed.append(claim.row.id)
        elif outcome is _Outcome.STOP:
            break
        posted += outcome is _Outcome.POSTED
    return posted


def _post(
    claim: Claim,
    sessions: sessionmaker[Session],
    client: WebClient,
    settings: SlackSettings,
    outbox: OutboxSettings,
    now: Callable[[], datetime],
) -> _Outcome:
    """Post one claimed row and record what became of it."""
    row = claim.row
    plan = _plan(claim.session, row)
    if isinstance(plan, _Wait):
        claim.let_go()
        log.debug("slack outbox #%s waits: %s", row.id, plan.reason)
        return _Outcome.WAIT
    if isinstance(plan, _Unusable):
        claim.move(plan.state, expect=("pending",), error=plan.reason)
        level = logging.ERROR if plan.state == "failed" else logging.WARNING
        log.log(
            level,
            "slack outbox #%s %s not posted (%s): %s",
            row.id,
            row.kind,
            plan.state,
            plan.reason,
        )
        return _Outcome.DONE
    attempts = row.attempts + 1
    lease = claims.lease(now(), math.ceil(settings.timeout_seconds))
    if not claim.move("sending", expect=("pending",), attempts=attempts, next_attempt_at=lease):
        return _Outcome.DONE  # someone else moved it meanwhile
    # -- point of no return: from here a crash leaves the row `sending` (uncertain) --
    try:
        if plan.update_ts:
            response = client.chat_update(
                channel=plan.channel, ts=plan.update_ts, text=plan.text, blocks=plan.blocks
            )
        else:
            response = client.chat_postMessage(
                channel=plan.channel,
                text=plan.text,
                blocks=plan.blocks,
                thread_ts=plan.thread_ts,
            )
    except SlackApiError as exc:
        status, error = _api_error(exc)
        if status == 429:
            wait = _retry_after(exc.response.headers)
            claim.move(
                "pending",
                expect=("sending",),
                attempts=row.attempts,  # being told to slow down is no failed attempt
                error=f"429 ratelimited: retry after {wait:g}s",
                next_attempt_at=now() + timedelta(seconds=wait),
            )
            log.warning("slack rate limit: pausing posts for %gs (outbox #%s)", wait, row.id)
            return _Outcome.STOP
        if status >= 500:
            _retry_or_fail(claim, attempts, f"HTTP {status}: {error}", settings, outbox, now)
            return _Outcome.DONE
        claim.move("failed", expect=("sending",), error=f"{status} {error}")
        log.error(
            "slack outbox #%s %s to %s failed for good: %s (HTTP %s)",
            row.id,
            row.kind,
            plan.channel,
            error,
            status,
        )
        return _Outcome.DONE
    except urllib.error.URLError as exc:
        # urllib wraps what fails before the request is out (refused, connect time-out):
        # safe to try again later.
        _retry_or_fail(claim, attempts, f"{type(exc).__name__}: {exc}", settings, outbox, now)
        return _Outcome.STOP  # Slack unreachable: the rest of the batch would fail the same way
    except _TRANSIENT as exc:
        # A time-out or reset while reading the answer: the request reached Slack and may
        # have been posted. Posting again is how a channel gets two announcements.
        claim.move(
            "uncertain",
            expect=("sending",),
            error=f"{type(exc).__name__} after the request was sent: {exc}",
        )
        log.error("slack outbox #%s: no answer from Slack (%s); not resent", row.id, exc)
        return _Outcome.DONE
    except SlackClientError as exc:
        # Refused by slack_sdk itself, before any request went out.
        claim.move("failed", expect=("sending",), error=f"{exc}")
        log.error("slack outbox #%s refused by the client: %s", row.id, exc)
        return _Outcome.DONE
    except Exception as exc:  # noqa: BLE001 - never let a surprise stop email intake
        # We cannot tell whether the request reached Slack: the same as a crash here.
        claim.move(
            "uncertain",
            expect=("sending",),
            error=f"unexpected {type(exc).__name__} while posting: {exc}",
        )
        log.exception("slack outbox #%s: delivery uncertain; not resent", row.id)
        return _Outcome.DONE
    _record_sent(sessions, row, plan, response.data, now())
    return _Outcome.POSTED


def _plan(session: Session, row: OutboxMessage) -> _Post | _Wait | _Unusable:
    """Decide, from the database as it is now, whether and where `row` is posted."""
    try:
        payload = json.loads(row.raw.decode("utf-8"))
        channel = payload["channel"]
        text = payload.get("text") or ""
        blocks = payload.get("blocks") or None
        if not isinstance(channel, str) or not channel or not isinstance(text, str):
            raise ValueError("channel and text must be strings")
        if blocks is not None and not isinstance(blocks, list):
            raise ValueError("blocks must be a list")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return _Unusable(f"unreadable Slack payload: {type(exc).__name__}: {exc}")
    announce = bool(payload.get("announce"))
    thread_ts: str | None = payload.get("thread_ts") or None
    if thread_ts is not None:  # a given thread (where a request was made): nothing to wait on
        return _Post(channel, text, blocks, str(thread_ts), announce)
    if not announce and row.case_id is not None:
        # The claim took no row with an earlier one of its case still open; the
        # announcement, which does not wait, is the one this row may have to wait for.
        if payload.get("update"):
            case = session.get(Case, row.case_id)
            if case is not None and case.slack_ts:
                channel = case.slack_channel or channel
                return _Post(channel, text, blocks, None, False, update_ts=case.slack_ts)
            if _announcement_in(session, row.case_id, ("pending", "sending")):
                return _Wait("the announcement to update is not posted yet")
            if _announcement_in(session, row.case_id, ("uncertain",)):
                # (a process died posting it: it may be in the channel, its ts unknown; a
                # person who sends it again decides for this row too)
                return _Unusable("its announcement is uncertain: no ts to update", "uncertain")
            return _Unusable("the case has no announcement to update")
        if payload.get("thread"):
            case = session.get(Case, row.case_id)
            if case is not None and case.slack_ts:
                # The thread lives where the announcement went (Slack answered with the
                # channel's id, which the queued name may not be).
                thread_ts, channel = case.slack_ts, case.slack_channel or channel
            elif _announcement_in(session, row.case_id, ("pending", "sending")):
                return _Wait("the case's announcement is not posted yet")
            # No announcement, or it failed / is uncertain: top-level, not lost.
    return _Post(channel, text, blocks, thread_ts, announce)


def _announcement_in(session: Session, case_id: int, states: tuple[str, ...]) -> bool:
    """Whether the case has an announcement row in one of `states`."""
    return (
        session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.channel == CHANNEL,
                OutboxMessage.case_id == case_id,
                OutboxMessage.kind == ANNOUNCE_KIND,
                OutboxMessage.state.in_(states),
            )
            .limit(1)
        )
        is not None
    )


def _api_error(exc: SlackApiError) -> tuple[int, str]:
    """HTTP status and Slack's error code of a failed call."""
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    return status, str(error or "unknown_error")


def _retry_after(headers: Mapping[str, Any] | None) -> float:
    """Seconds from a `Retry-After` header (any case), else a safe default."""
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            value = value[0] if isinstance(value, list | tuple) and value else value
            try:
                seconds = float(value)
            except (TypeError, ValueError):
                break
            if math.isfinite(seconds) and seconds >= 0:
                return max(1.0, seconds)
            break
    return DEFAULT_RETRY_AFTER


def _retry_or_fail(
    claim: Claim,
    attempts: int,
    error: str,
    settings: SlackSettings,
    outbox: OutboxSettings,
    now: Callable[[], datetime],
) -> None:
    gave_up = retry_or_fail(
        claim,
        attempts=attempts,
        max_attempts=settings.max_attempts,
        error=error,
        settings=outbox,
        now=now(),
    )
    log.warning(
        "slack outbox #%s attempt %s failed (%s)%s",
        claim.row.id,
        attempts,
        error,
        "; giving up" if gave_up else "",
    )


def _record_sent(
    sessions: sessionmaker[Session],
    row: OutboxMessage,
    plan: _Post,
    data: Any,
    at: datetime,
) -> None:
    """Mark the row sent and, for an announcement, make it the case's thread, in one
    transaction: a reply in the thread finds the case through the anchor message.

    `uncertain` is accepted as well as `sending`: if a restart's recovery marked the row
    while we were posting, Slack's answer is proof it was posted, which is better than doubt."""
    body = data if isinstance(data, dict) else {}
    channel, ts = str(body.get("channel") or plan.channel), body.get("ts")
    with sessions() as session, session.begin():
        moved = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.state.in_(("sending", "uncertain")))
            .values(state="sent", sent_at=at),
            execution_options={"synchronize_session": False},
        ).rowcount
        if not moved:
            log.warning("slack outbox #%s was posted but had left `sending` meanwhile", row.id)
        if plan.announce and row.case_id is not None and ts:
            case = session.get(Case, row.case_id)
            if case is not None:
                case.slack_channel, case.slack_ts = channel, str(ts)
                session.add(
                    CaseMessage(
                        case_id=case.id,
                        direction="out",
                        channel=CHANNEL,
                        message_id=slack_message_id(channel, str(ts)),
                        outbox_id=row.id,
                        sender="slack",
                        recipients=[channel],
                        subject="",
                        text=plan.text,
                        extracted={},
                        at=at,
                    )
                )
        elif plan.announce:
            log.error("slack outbox #%s: announcement posted but no case or ts to keep", row.id)
    log.info(
        "slack outbox #%s %s posted to %s%s (ts %s)",
        row.id,
        row.kind,
        channel,
        f" thread {plan.thread_ts}" if plan.thread_ts else "",
        ts,
    )


class SlackDispatcher(OutboxLoop):
    """Posts due Slack rows every `poll_seconds`, or at once when `wake` is set.

    It does not run `recover_interrupted` at start: the email `Dispatcher` (or `serve`)
    does that once for every channel, and a second run could catch this thread's own
    `sending` row. Rows whose lease has ended it turns uncertain itself (`OutboxLoop`)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: WebClient,
        settings: SlackSettings,
        outbox: OutboxSettings,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__(
            "intake-slack-out",
            sessions,
            CHANNEL,
            now,
            poll_seconds=settings.poll_seconds,
            logger=log,
        )
        self.client, self.settings, self.outbox = client, settings, outbox

    def dispatch(self) -> int:
        return dispatch_slack_due(
            self.sessions, self.client, self.settings, self.outbox, self.now, self.batch
        )
