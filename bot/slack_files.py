"""The Slack file fetcher: photos shared with a request or a thread reply become the case's
attachments, fetched outside Slack's three-second acknowledgement.

When a Slack message opens or joins a case, its files are queued in that transaction
(storage/slack_files.py: outbox rows with `channel="slack_file"`, claimed by the same claim
layer as every queue). This loop takes them in turn: `files.info` (scope `files:read`) for
the file's private download URL, then the download itself with the bot token as Bearer
auth (slack_sdk's WebClient cannot download), a size cap and a time-out. The file is
attached with its sha256 in the transaction that marks its row done.

Slack being slow or down never stops anything else: a 429 is honoured (`Retry-After`, no
attempt counted) and ends the round; a 5xx, a time-out or a refused connection is retried
with backoff up to `slack.max_attempts`; a file Slack will not give (deleted, no access, too
large, a web page instead of the file) fails at once. A failed file keeps its reason on its
row and as an `attachment_failed` event of its case.

The token goes only to Slack: to the Web API's own host or an https `*.slack.com` address,
and never along a redirect.
"""

from __future__ import annotations

import http.client
import logging
import math
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.config import OutboxSettings, SlackSettings
from intake.bot.outbox import OutboxLoop, backoff
from intake.bot.slack_out import _api_error, _retry_after
from intake.storage import claims, slack_files
from intake.storage.claims import OutboxQueue
from intake.storage.models import OutboxMessage
from intake.storage.slack_files import PendingFile

log = logging.getLogger("intake.slack_files")

# Files wait for nothing, not even an earlier file of their case.
FILES = OutboxQueue(slack_files.CHANNEL, jumps_order=OutboxMessage.kind == slack_files.KIND)
MAX_BYTES = 50 * 1024 * 1024  # a file larger than this fails: a photo is a few MB
DOWNLOAD_TIMEOUTS = 6  # a whole download may take this many `timeout_seconds`
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A fetch that did not work; `filename` once files.info has named the file."""

    filename: str | None = None


class Retry(FetchError):
    """The fetch may work later. `stop`: Slack cannot be reached or said to slow down, so
    the rest of the round would meet the same; `wait`: Slack's own Retry-After."""

    def __init__(self, reason: str, *, stop: bool = False, wait: float | None = None) -> None:
        super().__init__(reason)
        self.stop, self.wait = stop, wait


class Refused(FetchError):
    """Slack will not give this file, however often asked."""


@dataclass(frozen=True)
class Fetched:
    filename: str
    content_type: str
    content: bytes


def fetch_due(
    sessions: sessionmaker[Session],
    client: WebClient,
    settings: SlackSettings,
    outbox: OutboxSettings,
    now: Callable[[], datetime],
    batch: int = 50,
    max_bytes: int = MAX_BYTES,
) -> int:
    """Fetch due files, each claimed in turn, at most `batch`; returns how many were
    attached. Never raises for Slack or network trouble (database errors propagate)."""
    attached = 0
    budget = settings.timeout_seconds * (1 + DOWNLOAD_TIMEOUTS)
    for _ in range(batch):
        with claims.claim_outbox(sessions, FILES, now()) as claim:
            if claim is None:
                break
            row_id, attempts = claim.row.id, claim.row.attempts + 1
            try:
                pending = PendingFile.of(claim.row)
            except ValueError as exc:
                claim.move("failed", expect=("pending",), error=str(exc))
                log.error("slack file row #%s cannot be fetched: %s", row_id, exc)
                continue
            # The lease: pending, but not due again until this fetch has surely ended.
            if not claim.move(
                "pending",
                expect=("pending",),
                attempts=attempts,
                next_attempt_at=claims.lease(now(), math.ceil(budget)),
            ):
                continue
        try:
            got = fetch(client, pending, settings, max_bytes)
        except Retry as exc:
            pending = _named(pending, exc)
            _retry(sessions, row_id, attempts, pending, exc, settings, outbox, now())
            if exc.stop:
                break
            continue
        except Refused as exc:
            _fail(sessions, row_id, attempts, _named(pending, exc), str(exc), now())
            continue
        outcome = slack_files.attach(
            sessions,
            row_id,
            attempts,
            pending,
            filename=got.filename,
            content_type=got.content_type,
            content=got.content,
            now=now(),
        )
        log.info("slack file %s (row #%s): %s", pending.file_id, row_id, outcome)
        attached += outcome == "attached"
    return attached


def fetch(
    client: WebClient, pending: PendingFile, settings: SlackSettings, max_bytes: int
) -> Fetched:
    """The file's bytes, from files.info and its private download URL."""
    try:
        info = client.files_info(file=pending.file_id)
    except SlackApiError as exc:
        status, error = _api_error(exc)
        if status == 429:
            raise Retry(
                "files.info: 429 ratelimited", stop=True, wait=_retry_after(exc.response.headers)
            ) from None
        if status >= 500:
            raise Retry(f"files.info: HTTP {status}: {error}") from None
        raise Refused(f"files.info: {error}") from None
    except urllib.error.URLError as exc:
        raise Retry(f"files.info: {exc}", stop=True) from None
    except (OSError, TimeoutError, http.client.HTTPException) as exc:
        raise Retry(f"files.info: {type(exc).__name__}: {exc}") from None
    except SlackClientError as exc:
        raise Refused(f"files.info: {exc}") from None
    file = info.get("file") or {}
    url = file.get("url_private_download") or file.get("url_private")
    if not isinstance(url, str) or not url:
        raise Refused("files.info gave no download URL (an external or deleted file?)")
    size = file.get("size")
    if isinstance(size, int) and size > max_bytes:
        raise Refused(f"the file is {size} bytes, more than the {max_bytes} kept")
    if not _is_slack(url, settings.api_url):
        raise Refused(f"download URL {urlsplit(url).netloc!r} is not Slack's: token not sent")
    name = str(file.get("name") or pending.name)
    mimetype = str(file.get("mimetype") or pending.mimetype)
    try:
        content, content_type = download(url, settings, max_bytes)
        if content_type.startswith("text/html") and not mimetype.startswith("text/html"):
            # What Slack answers when the token may not read files: its sign-in page.
            raise Refused("Slack answered with a web page, not the file (is files:read granted?)")
    except FetchError as exc:
        exc.filename = name
        raise
    return Fetched(name, mimetype, content)


def download(url: str, settings: SlackSettings, max_bytes: int) -> tuple[bytes, str]:
    """GET `url` with the bot token; (body, Content-Type)."""
    request = urllib.request.Request(url, headers={"User-Agent": "intake"})
    # Unredirected: a redirect elsewhere does not carry the token along.
    request.add_unredirected_header("Authorization", f"Bearer {settings.bot_token}")
    deadline = time.monotonic() + settings.timeout_seconds * DOWNLOAD_TIMEOUTS
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as response:
            chunks: list[bytes] = []
            total = 0
            while chunk := response.read(_CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    raise Refused(f"the file is more than the {max_bytes} bytes kept")
                if time.monotonic() > deadline:
                    raise Retry("download: too slow, given up")
                chunks.append(chunk)
            return b"".join(chunks), str(response.headers.get("Content-Type") or "")
    except urllib.error.HTTPError as exc:
        if exc.code == 429:
            raise Retry("download: 429", stop=True, wait=_retry_after(exc.headers)) from None
        if exc.code >= 500:
            raise Retry(f"download: HTTP {exc.code}") from None
        raise Refused(f"download: HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise Retry(f"download: timed out ({exc.reason})") from None
        raise Retry(f"download: {exc.reason}", stop=True) from None
    except (OSError, TimeoutError, http.client.HTTPException) as exc:
        raise Retry(f"download: {type(exc).__name__}: {exc}") from None


def _named(pending: PendingFile, exc: FetchError) -> PendingFile:
    """`pending` with the name files.info gave (the event's copy may have had none)."""
    return replace(pending, name=exc.filename) if exc.filename else pending


def _is_slack(url: str, api_url: str) -> bool:
    """Whether the bot token may be sent to `url`."""
    parts, api = urlsplit(url), urlsplit(api_url)
    host = (parts.hostname or "").lower()
    if parts.scheme == api.scheme and parts.netloc.lower() == api.netloc.lower():
        return True
    return parts.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com"))


def _retry(
    sessions: sessionmaker[Session],
    row_id: int,
    attempts: int,
    pending: PendingFile,
    exc: Retry,
    settings: SlackSettings,
    outbox: OutboxSettings,
    at: datetime,
) -> None:
    reason = str(exc)
    if exc.wait is not None:  # told to slow down: no attempt
        slack_files.retry_later(
            sessions,
            row_id,
            attempts,
            at=at + timedelta(seconds=exc.wait),
            error=reason,
            counted=False,
        )
        log.warning("slack rate limit: pausing file fetches for %gs", exc.wait)
        return
    if attempts >= settings.max_attempts:
        _fail(sessions, row_id, attempts, pending, f"{reason} (after {attempts} attempts)", at)
        return
    slack_files.retry_later(
        sessions, row_id, attempts, at=at + backoff(attempts, outbox), error=reason
    )
    log.warning("slack file %s attempt %s failed: %s", pending.file_id, attempts, reason)


def _fail(
    sessions: sessionmaker[Session],
    row_id: int,
    attempts: int,
    pending: PendingFile,
    reason: str,
    at: datetime,
) -> None:
    if slack_files.give_up(sessions, row_id, attempts, pending, reason, at):
        log.error("slack file %s (%s) not fetched: %s", pending.file_id, pending.name, reason)


class SlackFileFetcher(OutboxLoop):
    """Fetches due files every `poll_seconds`, or at once when `wake` is set (a worker
    finished a message, which may have queued some)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: WebClient,
        settings: SlackSettings,
        outbox: OutboxSettings,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__(
            "intake-slack-files",
            sessions,
            slack_files.CHANNEL,
            now,
            poll_seconds=settings.poll_seconds,
            logger=log,
        )
        self.client, self.settings, self.outbox = client, settings, outbox

    def dispatch(self) -> int:
        return fetch_due(
            self.sessions, self.client, self.settings, self.outbox, self.now, self.batch
        )
