"""The Salesforce dispatcher: sends what the case feed queued for Salesforce, a case's rows in
order, each exactly once in effect, without ever holding up email or Slack.

The client is simple-salesforce over one `requests` session. Its own login builds the token
URL from a `salesforce.com` subdomain, so the client-credentials token is asked for here
(one form POST to `{instance_url}/services/oauth2/token`) and handed to it as a session;
when Salesforce answers 401 INVALID_SESSION_ID the token is asked for again and the call
made once more (a 401 means the request was not carried out). The session honours the
standard CA-bundle variables (`REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`, and `SSL_CERT_FILE`).

Why a row is never doubled, and never `uncertain` like an email or a Slack post:

- a sync upserts by the external id holding our case number: sending it twice, or again
  after an answer that was lost, writes the same record;
- a Chatter post carries its reference (`intake #<row id>`) in its text, and before a post
  whose earlier attempt may have reached Salesforce is made again, the Case's feed is read
  for that reference: found, the row is marked sent without posting. (A row an operator
  sends again, `intake outbox resend`, starts with no attempts but keeps its last error,
  which is enough to look first.)

So a row stays `pending` while it travels: taking it adds one attempt and moves its
`next_attempt_at` past a lease (another dispatcher takes it only once the lease has ended,
and then checks before posting). A case's later rows wait while it is pending (the claim's
rule), which keeps the feed in the order things happened and the Case ahead of its posts.
The lease (`attempt_lease`) is longer than the worst case of one attempt: at most
`REQUESTS_PER_ROW` requests (the session refuses one more), each within its connect and
answer time-outs. Were it shorter, a second dispatcher could look for a post on the feed
before the first one's post landed, and post it again.

REQUEST_LIMIT_EXCEEDED (the org's API calls are spent) pauses every send for
`limit_pause_seconds` and costs no row an attempt; a 429, a 503 or another 5xx, a time-out or
a dropped connection is retried with backoff up to `max_attempts` and ends the round, no
earlier than the answer's `Retry-After` (seconds or an HTTP-date, at most
`retry_after_max_seconds` away); any other refusal (a field the org lacks, a bad picklist
value) fails the row with Salesforce's words.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.config import OutboxSettings, SalesforceSettings
from intake.bot.loop import Loop
from intake.bot.outbox import backoff
from intake.handlers.salesforce_feed import CHANNEL, POST, SYNC, text
from intake.handlers.salesforce_records import case_record, opportunity_record
from intake.parsers.org import Organisation
from intake.storage import claims
from intake.storage.claims import Claim, OutboxQueue
from intake.storage.models import Case, CaseMessage, OutboxMessage

log = logging.getLogger("intake.salesforce")

QUEUE = OutboxQueue(CHANNEL)
# At most, per attempt: a token and the row's three requests (upsert, look-up, upsert; or
# the Case looked up, its feed read, the post), and once more a token and the request it was
# refused for. The session refuses any further request of the attempt.
REQUESTS_PER_ROW = 6
RECONCILE_MARGIN = timedelta(minutes=10)  # clocks of ours and Salesforce's may differ
LIMIT_CODE = "REQUEST_LIMIT_EXCEEDED"


class TokenRefused(Exception):
    """The token endpoint said no (a wrong secret, an app not allowed the flow)."""


class AttemptOverrun(requests.RequestException):
    """One attempt would make more than `REQUESTS_PER_ROW` requests, and so could outlast its
    lease: it ends here, and the row is retried like after a dropped connection."""


def request_timeouts(settings: SalesforceSettings) -> tuple[float, float]:
    """(connect, answer) time-outs of one request, in seconds."""
    return (settings.timeout_seconds, settings.timeout_seconds)


def attempt_lease(settings: SalesforceSettings) -> timedelta:
    """How long a taken row is left to its dispatcher: the worst case of one attempt
    (`REQUESTS_PER_ROW` requests, each connecting and answering within its time-outs) and
    a margin, so no other dispatcher takes the row while a request of it may still land."""
    connect, answer = request_timeouts(settings)
    return REQUESTS_PER_ROW * timedelta(seconds=connect + answer) + claims.LEASE_MARGIN


def retry_at(value: str | None, now: datetime, longest: float) -> datetime | None:
    """When a `Retry-After` header (seconds, or an HTTP-date) allows the next request, at
    most `longest` seconds from `now`; None when there is no usable header."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        at = now + timedelta(seconds=int(value))
    else:
        try:
            at = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if at.tzinfo is None:  # RFC 9110 dates are GMT; "-0000" parses naive
            at = at.replace(tzinfo=UTC)
    return max(now, min(at, now + timedelta(seconds=longest)))


class _TimeoutSession(requests.Session):
    """A requests session whose every request has a time-out (simple-salesforce passes
    none), that makes at most `limit` requests per attempt (`begin_attempt`), keeps the
    `Retry-After` of the last answer that was a 429 or 5xx (simple-salesforce's errors do
    not carry headers), and takes `SSL_CERT_FILE` as its CA bundle when requests' own
    variables (`REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`) are not set."""

    def __init__(self, timeout: tuple[float, float], limit: int = REQUESTS_PER_ROW) -> None:
        super().__init__()
        self.timeout = timeout
        self.limit = limit
        self.made = 0  # requests of this attempt
        self.retry_after: str | None = None
        bundle = os.environ.get("SSL_CERT_FILE")
        own = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle and not own:
            self.verify = bundle

    def begin_attempt(self) -> None:
        self.made = 0
        self.retry_after = None

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if self.made >= self.limit:
            raise AttemptOverrun(
                f"one attempt may make {self.limit} requests; it would outlast its lease"
            )
        self.made += 1
        self.retry_after = None
        kwargs.setdefault("timeout", self.timeout)
        response = super().request(method, url, *args, **kwargs)
        if response.status_code == 429 or response.status_code >= 500:
            self.retry_after = response.headers.get("Retry-After")
        return response


class SalesforceClient:
    """simple-salesforce with a client-credentials token, asked for again when it expires."""

    def __init__(self, settings: SalesforceSettings) -> None:
        assert settings.instance_url and settings.client_id and settings.client_secret
        self.settings = settings
        self.http = _TimeoutSession(request_timeouts(settings))
        self._api: Salesforce | None = None
        self.tokens = 0  # tokens asked for, for the log and the tests

    def _token(self) -> str:
        s = self.settings
        response = self.http.post(
            f"{s.instance_url}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": s.client_id,
                "client_secret": s.client_secret,
            },
        )
        self.tokens += 1
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not body.get("access_token"):
            why = body.get("error_description") or body.get("error") or response.text[:200]
            raise TokenRefused(f"token refused: HTTP {response.status_code}: {why}")
        return str(body["access_token"])

    def api(self) -> Salesforce:
        if self._api is None:
            self._api = Salesforce(
                instance_url=self.settings.instance_url,
                session_id=self._token(),
                version=self.settings.api_version,
                session=self.http,
            )
        return self._api

    def call(self, what: Callable[[Salesforce], Any]) -> Any:
        """`what(api)`, once more with a new token when Salesforce says the session ended."""
        try:
            return what(self.api())
        except SalesforceExpiredSession:
            log.info("salesforce: session expired; asking for a new token")
            self._api = None
            return what(self.api())

    def close(self) -> None:
        self.http.close()


# --- one row ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """What one row needs, read before it is taken (nothing touches the database while the
    requests travel)."""

    row_id: int
    kind: str
    attempts: int  # before this one
    tried: bool  # an earlier attempt may have reached Salesforce (attempts, or an error kept)
    created_at: datetime
    case_id: int | None
    number: str
    salesforce_id: str | None
    case_record: dict[str, Any]
    opportunity: dict[str, Any] | None
    opportunity_missing: list[str]
    segments: list[dict[str, str]]


class _Outcome(enum.Enum):
    SENT = "sent"
    DONE = "done"  # failed, or retried later
    STOP = "stop"  # Salesforce unreachable, overloaded or out of API calls: end the round


def _job(session: Session, org: Organisation, row: OutboxMessage) -> _Job | str:
    """The row's work, or why it can never be done."""
    case = session.get(Case, row.case_id) if row.case_id is not None else None
    if case is None:
        return "no case to mirror"
    try:
        payload = json.loads(row.raw.decode("utf-8"))
        segments = list(payload.get("segments") or [])
    except (ValueError, AttributeError, TypeError) as exc:
        return f"unreadable payload: {type(exc).__name__}: {exc}"
    origin = session.scalar(
        select(CaseMessage.channel)
        .where(CaseMessage.case_id == case.id, CaseMessage.direction == "in")
        .order_by(CaseMessage.id)
        .limit(1)
    )
    opportunity, missing = (None, [])
    if case.queue == "quotes":
        opportunity, missing = opportunity_record(org, case)
    return _Job(
        row_id=row.id,
        kind=row.kind,
        attempts=row.attempts,
        tried=row.attempts > 0 or row.last_error is not None,
        created_at=row.created_at,
        case_id=case.id,
        number=case.number,
        salesforce_id=case.salesforce_id,
        case_record=case_record(org, case, origin),
        opportunity=opportunity,
        opportunity_missing=missing,
        segments=segments,
    )


def _take(claim: Claim, job: _Job, lease: datetime) -> bool:
    """Commit one more attempt and the lease: from here a request may reach Salesforce."""
    moved = claim.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == job.row_id,
            OutboxMessage.state == "pending",
            OutboxMessage.attempts == job.attempts,
        )
        .values(attempts=job.attempts + 1, next_attempt_at=lease),
        execution_options={"synchronize_session": False},
    ).rowcount
    claim.session.commit()
    return bool(moved)


def _external(field: str, number: str) -> str:
    return f"{field}/{quote(number, safe='')}"


def _sync(api: Salesforce, org: Organisation, job: _Job) -> tuple[str | None, str]:
    """Upsert the Case, then a quote's Opportunity; returns the Case's id and what was done."""
    sf = org.salesforce
    response = api.Case.upsert(
        _external(sf.case_external_id, job.number), job.case_record, raw_response=True
    )
    case_id = _id_of(response)
    if case_id is None:  # 204 No Content (API versions before 46.0): ask for it
        found = api.Case.get_by_custom_id(sf.case_external_id, quote(job.number, safe=""))
        case_id = found.get("Id") if isinstance(found, dict) else None
    done = f"Case {case_id} {'created' if response.status_code == 201 else 'updated'}"
    if job.opportunity is not None:
        if job.opportunity_missing:
            done += f"; Opportunity waits for {', '.join(job.opportunity_missing)}"
        else:
            answer = api.Opportunity.upsert(
                _external(sf.opportunity_external_id, job.number),
                job.opportunity,
                raw_response=True,
            )
            done += f"; Opportunity {_id_of(answer) or ''} ".rstrip() + (
                " created" if answer.status_code == 201 else " updated"
            )
    return case_id, done


def _id_of(response: Any) -> str | None:
    if getattr(response, "status_code", 204) == 204 or not response.content:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body["id"]) if isinstance(body, dict) and body.get("id") else None


def reference(row_id: int) -> str:
    """The words that find a post on its feed again."""
    return f"intake #{row_id}"


def _already_posted(api: Salesforce, job: _Job, case_sf_id: str) -> str | None:
    """The id of a feed item of the Case carrying this row's reference, if any."""
    since = (job.created_at - RECONCILE_MARGIN).strftime("%Y-%m-%dT%H:%M:%SZ")
    soql = (
        f"SELECT Id, Body FROM FeedItem WHERE ParentId = '{case_sf_id}' "
        f"AND CreatedDate >= {since} ORDER BY CreatedDate DESC LIMIT 200"
    )
    pattern = re.compile(re.escape(reference(job.row_id)) + r"(?!\d)")
    for record in api.query(soql).get("records", []):
        if pattern.search(str(record.get("Body") or "")):
            return str(record.get("Id"))
    return None


def _post(api: Salesforce, job: _Job, case_sf_id: str) -> str:
    """One feed item on the Case, unless an earlier attempt already made it."""
    if job.tried:
        found = _already_posted(api, job, case_sf_id)
        if found:
            return f"already on the feed as {found} (an earlier answer was lost)"
    body = {
        "feedElementType": "FeedItem",
        "subjectId": case_sf_id,
        "body": {"messageSegments": [*job.segments, text(f"\n({reference(job.row_id)})")]},
    }
    answer = api.restful("chatter/feed-elements", method="POST", data=json.dumps(body))
    return f"posted as {answer.get('id') if isinstance(answer, dict) else '?'}"


def _error_code(exc: SalesforceError) -> str:
    content = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode") or "")
    return ""


def _said(exc: SalesforceError) -> str:
    content = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        return f"HTTP {exc.status} {first.get('errorCode')}: {first.get('message')}"
    return f"HTTP {exc.status}: {str(content)[:300]}"


# --- the dispatcher ---------------------------------------------------------------------------


class SalesforceDispatcher(Loop):
    """Sends due Salesforce rows every `poll_seconds`, or at once when woken."""

    batch = 50

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: SalesforceClient,
        org: Organisation,
        settings: SalesforceSettings,
        outbox: OutboxSettings,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__("intake-salesforce", poll_seconds=settings.poll_seconds, logger=log)
        self.sessions, self.client, self.org = sessions, client, org
        self.settings, self.outbox, self.now = settings, outbox, now
        self.paused_until: datetime | None = None
        self._token_failures = 0

    def round(self) -> bool:
        return self.dispatch() >= self.batch

    def teardown(self) -> None:
        self.client.close()

    def dispatch(self) -> int:
        """Send what is due, at most `batch` rows; returns how many were sent. Never raises
        for Salesforce or network trouble (database errors propagate to the loop)."""
        if self.paused_until is not None and self.now() < self.paused_until:
            return 0
        sent = 0
        for _ in range(self.batch):
            with claims.claim_outbox(self.sessions, QUEUE, self.now()) as claim:
                if claim is None:
                    break
                outcome = self._send(claim)
            if outcome is _Outcome.STOP:
                break
            sent += outcome is _Outcome.SENT
        return sent

    def _send(self, claim: Claim) -> _Outcome:
        row = claim.row
        job = _job(claim.session, self.org, row)
        if isinstance(job, str):
            claim.move("failed", expect=("pending",), error=job)
            log.error("salesforce outbox #%s %s cannot be sent: %s", row.id, row.kind, job)
            return _Outcome.DONE
        if not _take(claim, job, self.now() + attempt_lease(self.settings)):
            return _Outcome.DONE  # another dispatcher moved it meanwhile
        attempts = job.attempts + 1
        self.client.http.begin_attempt()
        try:
            detail, case_sf_id = self._carry_out(job)
        except TokenRefused as exc:
            wait = self._token_pause()
            until = self._retry_at()
            if until is not None:
                wait = max(wait, until - self.now())
            return self._pause(claim, job, str(exc), wait)
        except SalesforceRefusedRequest as exc:
            if _error_code(exc) == LIMIT_CODE:
                return self._pause(
                    claim, job, _said(exc), timedelta(seconds=self.settings.limit_pause_seconds)
                )
            return self._fail(claim, job, _said(exc), attempts)
        except SalesforceGeneralError as exc:
            if exc.status == 429 or exc.status >= 500:
                return self._retry(claim, job, _said(exc), attempts, stop=True)
            return self._fail(claim, job, _said(exc), attempts)
        except SalesforceExpiredSession as exc:  # twice in a row: try again later
            return self._retry(claim, job, _said(exc), attempts, stop=True)
        except SalesforceError as exc:
            return self._fail(claim, job, _said(exc), attempts)
        except (requests.RequestException, OSError) as exc:
            # Refused, timed out or dropped, perhaps after Salesforce did the work: a sync
            # is repeated safely, and a post is looked for before it is made again.
            return self._retry(claim, job, f"{type(exc).__name__}: {exc}", attempts, stop=True)
        except _NoCase as exc:
            return self._fail(claim, job, str(exc), attempts)
        self._token_failures = 0
        with self.sessions() as session, session.begin():
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == job.row_id, OutboxMessage.state == "pending")
                .values(state="sent", sent_at=self.now(), last_error=None),
                execution_options={"synchronize_session": False},
            )
            if case_sf_id and case_sf_id != job.salesforce_id and job.case_id is not None:
                session.execute(
                    update(Case).where(Case.id == job.case_id).values(salesforce_id=case_sf_id),
                    execution_options={"synchronize_session": False},
                )
        log.info("salesforce outbox #%s %s %s: %s", job.row_id, job.kind, job.number, detail)
        return _Outcome.SENT

    def _carry_out(self, job: _Job) -> tuple[str, str | None]:
        """The row's requests; returns what was done and the Case's Salesforce id."""
        if job.kind == SYNC:
            case_sf_id, detail = self.client.call(lambda api: _sync(api, self.org, job))
            return detail, case_sf_id
        if job.kind != POST:
            raise _NoCase(f"unknown kind {job.kind!r}")
        case_sf_id = job.salesforce_id or self.client.call(self._look_up(job))
        if not case_sf_id:
            raise _NoCase(f"no Salesforce Case for {job.number} (its sync failed?)")
        return self.client.call(lambda api: _post(api, job, case_sf_id)), case_sf_id

    def _look_up(self, job: _Job) -> Callable[[Salesforce], str | None]:
        """The Case's id by its external id: the sync that learnt it may have been sent by a
        process that died before recording it."""

        def find(api: Salesforce) -> str | None:
            field = self.org.salesforce.case_external_id
            soql = f"SELECT Id FROM Case WHERE {field} = '{_soql_literal(job.number)}' LIMIT 1"
            records = api.query(soql).get("records", [])
            return str(records[0]["Id"]) if records else None

        return find

    # -- what becomes of a row that did not go ------------------------------------------------

    def _pause(self, claim: Claim, job: _Job, why: str, wait: timedelta) -> _Outcome:
        """Nothing can go for a while (no API calls left, or no token): the row is given
        back as it was, attempts unchanged, and every send waits."""
        until = self.now() + wait
        self.paused_until = until
        claim.move(
            "pending",
            expect=("pending",),
            attempts=job.attempts,
            error=why,
            next_attempt_at=until,
        )
        log.error("salesforce: %s; nothing is sent for %ss", why, int(wait.total_seconds()))
        return _Outcome.STOP

    def _token_pause(self) -> timedelta:
        self._token_failures += 1
        return backoff(self._token_failures, self.outbox)

    def _retry_at(self) -> datetime | None:
        """The earliest next request Salesforce's last 429 or 5xx answer asked for."""
        longest = self.settings.retry_after_max_seconds
        return retry_at(self.client.http.retry_after, self.now(), longest)

    def _retry(self, claim: Claim, job: _Job, why: str, attempts: int, *, stop: bool) -> _Outcome:
        give_up = attempts >= self.settings.max_attempts
        asked = self._retry_at()  # Salesforce's own word on when to come back
        later = self.now() + backoff(attempts, self.outbox)
        claim.move(
            "failed" if give_up else "pending",
            expect=("pending",),
            error=why,
            next_attempt_at=max(later, asked) if asked else later,
        )
        if stop:  # Salesforce itself is in trouble: the other cases' rows wait a little too
            pause = self.now() + timedelta(seconds=self.outbox.backoff_first_seconds)
            self.paused_until = max(pause, asked) if asked else pause
        log.warning(
            "salesforce outbox #%s %s %s attempt %s failed (%s)%s",
            job.row_id,
            job.kind,
            job.number,
            attempts,
            why,
            "; giving up" if give_up else "",
        )
        return _Outcome.STOP if stop else _Outcome.DONE

    def _fail(self, claim: Claim, job: _Job, why: str, attempts: int) -> _Outcome:
        claim.move("failed", expect=("pending",), error=why)
        log.error(
            "salesforce outbox #%s %s %s failed for good: %s", job.row_id, job.kind, job.number, why
        )
        return _Outcome.DONE


class _NoCase(Exception):
    """A post with no Case to go on, or a row of a kind this version does not know."""


def _soql_literal(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")
