"""The outbox dispatcher: sends what the pipeline committed, once, with retries.

Sending over SMTP cannot be part of our transaction, so "once" needs a point of no return.
The whole message is handed to the relay except the final "." of DATA; then the row is
committed as `sending` (a compare-and-set from `pending`: only one process can win it); then
the "." goes out and the relay's answer is recorded. A crash before that commit leaves the
row pending and the relay drops the unfinished message: it is sent again, still once. A
crash in the microseconds between the commit and the "." (or before the relay's answer is
recorded) leaves the row `sending`; it becomes `uncertain`, logged for the operator and
never resent, because resending is how customers get two acknowledgements: at the next
start when this is the only process on the database (`recover_interrupted`, SQLite), or by
any process once the row's lease has ended (`recover_expired`; see storage/claims.py).

Rows are claimed one at a time (`storage.claims.claim_outbox`): on PostgreSQL the claim is
a row lock held from choosing the row to the commit point, so several dispatchers, in
several processes, send side by side and never the same row, and a case's later row waits
until its earlier one is sent (or failed, or uncertain).

Failures that may pass (connection refused, 4xx, time-outs) are retried with exponential
backoff; a 5xx refusal fails the row at once. With no relay configured the message is
written to the spool folder and logged, so the embedded defaults work without a mail server.
"""

from __future__ import annotations

import logging
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from intake.bot.config import OutboxSettings, RelaySettings
from intake.bot.loop import Loop
from intake.handlers.delivery_notice import notice_uncertain
from intake.handlers.slack_feed import SlackFeed
from intake.parsers.addresses import delivery_address, needs_smtputf8
from intake.storage import claims
from intake.storage.claims import Claim, OutboxQueue
from intake.storage.models import OutboxMessage

log = logging.getLogger("intake.outbox")

EMAIL = OutboxQueue("email")
DEFAULT_TIMEOUT = 30.0  # seconds, for a transport that does not say how long it may take
LEASE_CHECK_SECONDS = 5.0  # how often a dispatcher looks for rows whose lease has ended


class PermanentFailure(Exception):
    """Retrying will not help (the relay refused the recipient for good)."""


class LostClaim(Exception):
    """At the point of no return the row was no longer pending: it is someone else's."""


PointOfNoReturn = Callable[[], None]


class Transport(Protocol):
    """Also `timeout_seconds` where it has one: the longest one network step may take, of
    which a `sending` row's lease is made (a transport without it gets `DEFAULT_TIMEOUT`)."""

    def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
        """Deliver `row`, calling `commit_point` just before the delivery becomes final."""
        ...

    def close(self) -> None:
        """End of a batch: release connections."""
        ...


def _smtp_data(raw: bytes) -> bytes:
    """DATA payload: CRLF line ends and dot-stuffing, without the terminating dot."""
    data = re.sub(rb"\r?\n", b"\r\n", raw)
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


class SmtpRelay:
    """Sends through an SMTP relay (`INTAKE_SMTP_RELAY`), reusing one connection for a
    batch: a new connection, greeting and EHLO per reply cost more than the reply itself."""

    def __init__(self, settings: RelaySettings) -> None:
        assert settings.host_port is not None
        self.host, self.port = settings.host_port
        self.settings = settings
        self.timeout_seconds = settings.timeout_seconds
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (OSError, smtplib.SMTPException):
                pass
            self.close()
        s = self.settings
        smtp = smtplib.SMTP(self.host, self.port, timeout=s.timeout_seconds)
        try:
            # The end of DATA goes out as its own small write after the commit point; with
            # Nagle's algorithm it waits for the ACK of the body (a delayed ACK, tens of ms).
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            smtp.ehlo()
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        """End the batch: QUIT politely, or just drop a connection in a bad state."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
        smtp = self._connection()
        # Rows queued before domains were written in A-labels are normalised here.
        rcpts = [delivery_address(r) or r for r in row.recipients]
        options = _mail_options(smtp, row.mail_from, rcpts, row.raw)
        try:
            _check(smtp.mail(row.mail_from, options), "MAIL FROM")
            accepted = [r for r in rcpts if _check(smtp.rcpt(r), f"RCPT {r}", soft=True)]
            if not accepted:
                raise PermanentFailure(f"every recipient refused: {row.recipients}")
            _check(smtp.docmd("DATA"), "DATA", expect=354)
            smtp.send(_smtp_data(row.raw))
            commit_point()
            smtp.send(b".\r\n")
            _check(smtp.getreply(), "end of DATA")
        except BaseException:
            self.close()  # a half-done transaction: start the next one on a fresh connection
            raise
        return f"relayed to {self.host}:{self.port}"


def _mail_options(smtp: smtplib.SMTP, mail_from: str, rcpts: list[str], raw: bytes) -> list[str]:
    """MAIL FROM parameters: SMTPUTF8 for a UTF-8 address or header (RFC 6531), which only a
    relay offering it may be given; without it such a row can never go, so it fails alone."""
    utf8 = any(needs_smtputf8(a) for a in [mail_from, *rcpts])
    utf8 = utf8 or not _header_block(raw).isascii()
    if not utf8:
        return []
    if not smtp.has_extn("smtputf8"):
        raise PermanentFailure("the address needs SMTPUTF8, which the relay does not offer")
    return ["SMTPUTF8", "BODY=8BITMIME"] if smtp.has_extn("8bitmime") else ["SMTPUTF8"]


def _header_block(raw: bytes) -> bytes:
    end = raw.find(b"\r\n\r\n")
    return raw if end < 0 else raw[:end]


def _check(reply: tuple[int, bytes], what: str, *, expect: int = 250, soft: bool = False) -> bool:
    """Raise for a reply other than `expect`: 5xx is permanent, anything else may pass."""
    code, text = reply
    if code == expect or (expect == 250 and code == 251):
        return True
    if soft and code >= 500:
        log.warning("relay refused %s: %s %r", what, code, text)
        return False
    if code >= 500:
        raise PermanentFailure(f"{what}: {code} {text!r}")
    raise smtplib.SMTPResponseException(code, text)


class SpoolFolder:
    """No relay configured: keep the message as an .eml file and say so in the log."""

    timeout_seconds = 5.0  # a local file: the lease needs no more

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{row.id:08d}-{row.kind}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(row.raw)
        commit_point()
        tmp.replace(path)
        return f"no relay configured: written to {path}"

    def close(self) -> None:
        pass


def make_transport(settings: RelaySettings) -> Transport:
    return SmtpRelay(settings) if settings.address else SpoolFolder(settings.spool_dir)


def backoff(attempts: int, settings: OutboxSettings) -> timedelta:
    return claims.backoff(attempts, settings.backoff_first_seconds, settings.backoff_max_seconds)


# --- what both dispatchers do with a claimed row ----------------------------------------


def retry_or_fail(
    claim: Claim,
    *,
    attempts: int,
    max_attempts: int,
    error: str,
    settings: OutboxSettings,
    now: datetime,
) -> bool:
    """A failure that may pass: pending again after a backoff, or failed once `attempts`
    reaches `max_attempts`. Returns True when the row gave up."""
    give_up = attempts >= max_attempts
    claim.move(
        "failed" if give_up else "pending",
        expect=("pending", "sending"),
        error=error,
        attempts=attempts,
        next_attempt_at=now + backoff(attempts, settings),
    )
    return give_up


def mark_uncertain(
    claim: Claim,
    sessions: sessionmaker[Session],
    feed: SlackFeed | None,
    *,
    attempts: int,
    error: str,
    now: datetime,
) -> None:
    """The other side may have it: never sent again by itself, and said so on the case."""
    if claim.move("uncertain", expect=("sending",), error=error, attempts=attempts):
        _note_uncertain(sessions, feed, claim.row.id, now)


def recover_interrupted(
    sessions: sessionmaker[Session], feed: SlackFeed | None = None, now: datetime | None = None
) -> list[OutboxMessage]:
    """At the start of the only process using the database (SQLite): every row left
    `sending` (email or Slack) was left by its predecessor's crash, so it becomes
    `uncertain`, logged, never resent, and noted on its case for a person to decide.

    Never where other processes share the database: one of them may be sending that very
    row. There `recover_expired` takes only the rows whose lease has ended."""
    return _recover(
        sessions,
        feed,
        now or datetime.now(UTC),
        claims.all_sending,
        "the bot stopped while handing this message to the relay",
    )


def recover_expired(
    sessions: sessionmaker[Session],
    channel: str,
    feed: SlackFeed | None = None,
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Rows of `channel` still `sending` after their lease ended: the process sending them
    died between the point of no return and recording the answer. Safe in any process at
    any time; each dispatcher runs it every `LEASE_CHECK_SECONDS`."""
    at = now or datetime.now(UTC)
    return _recover(
        sessions,
        feed,
        at,
        lambda session: claims.expired_leases(session, channel, at),
        "no outcome was recorded before its lease ended (the process sending it stopped)",
    )


def _recover(
    sessions: sessionmaker[Session],
    feed: SlackFeed | None,
    now: datetime,
    find: Callable[[Session], list[OutboxMessage]],
    why: str,
) -> list[OutboxMessage]:
    with sessions() as session, session.begin():
        rows = find(session)
        for row in rows:
            row.state, row.last_error = "uncertain", why
            log.warning(
                "outbox #%s %s %s to %s: delivery uncertain (%s); not resent",
                row.id,
                row.kind,
                row.message_id,
                row.recipient,
                why,
            )
        session.flush()
        notice_uncertain(session, feed, [r.id for r in rows], now)
    return rows


def _note_uncertain(
    sessions: sessionmaker[Session], feed: SlackFeed | None, row_id: int, now: datetime
) -> None:
    try:
        with sessions() as session, session.begin():
            notice_uncertain(session, feed, [row_id], now)
    except Exception:  # noqa: BLE001 - the row is already safe; the notice is a courtesy
        log.exception("outbox #%s: could not note the uncertain delivery on its case", row_id)


class OutboxLoop(Loop):
    """A dispatcher's loop: one round sends what is due (`dispatch`, at most `batch` rows)
    and, every `LEASE_CHECK_SECONDS`, turns the channel's rows whose lease has ended
    `uncertain` (whichever process left them)."""

    batch = 50

    def __init__(
        self,
        name: str,
        sessions: sessionmaker[Session],
        channel: str,
        now: Callable[[], datetime],
        *,
        poll_seconds: float,
        feed: SlackFeed | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        super().__init__(name, poll_seconds=poll_seconds, logger=logger or log)
        self.sessions, self.channel, self.now, self.feed = sessions, channel, now, feed
        self._leases_checked = -LEASE_CHECK_SECONDS

    def dispatch(self) -> int:
        """Send what is due; returns how many went."""
        raise NotImplementedError

    def round(self) -> bool:
        if time.monotonic() - self._leases_checked >= LEASE_CHECK_SECONDS:
            recover_expired(self.sessions, self.channel, self.feed, self.now())
            self._leases_checked = time.monotonic()
        return self.dispatch() >= self.batch


# --- the email dispatcher -----------------------------------------------------------------


def dispatch_due(
    sessions: sessionmaker[Session],
    transport: Transport,
    settings: OutboxSettings,
    now: Callable[[], datetime],
    batch: int = 50,
    feed: SlackFeed | None = None,
) -> int:
    """Send due email rows, each claimed in turn (oldest first, a case's rows in order), at
    most `batch`; returns how many were sent. `feed`: where an uncertain delivery is also
    told (the case's Slack thread)."""
    timeout = float(getattr(transport, "timeout_seconds", DEFAULT_TIMEOUT))
    sent = claimed = 0
    for _ in range(batch):
        with claims.claim_outbox(sessions, EMAIL, now()) as claim:
            if claim is None:
                break
            claimed += 1
            sent += _send(claim, sessions, transport, settings, now, feed, timeout)
    if not claimed:
        transport.close()  # idle: do not keep the relay's connection open
    return sent


def _send(
    claim: Claim,
    sessions: sessionmaker[Session],
    transport: Transport,
    settings: OutboxSettings,
    now: Callable[[], datetime],
    feed: SlackFeed | None,
    timeout: float,
) -> bool:
    """Hand one claimed row to the transport and record what became of it."""
    row = claim.row
    attempts = row.attempts + 1
    passed: list[bool] = []  # set once the row is committed `sending`

    def commit_point() -> None:
        at = now()
        lease = claims.lease(at, timeout)
        if not claim.move("sending", expect=("pending",), attempts=attempts, next_attempt_at=lease):
            raise LostClaim(f"outbox #{row.id} is no longer pending: another process has it")
        passed.append(True)

    try:
        detail = transport.send(row, commit_point)
    except LostClaim as exc:
        log.warning("%s; not sent by this one", exc)
        return False
    except PermanentFailure as exc:
        _fail_for_good(claim, str(exc), attempts)
        return False
    except (TimeoutError, OSError, smtplib.SMTPException) as exc:
        if passed and not isinstance(exc, smtplib.SMTPResponseException):
            # The end of DATA went out and the relay's answer was lost: it may have the
            # message. Sending again is how customers get two acknowledgements. (A 4xx
            # answer is the relay saying it did not take it: that one is retried.)
            error = f"no answer after the end of DATA: {type(exc).__name__}: {exc}"
            mark_uncertain(claim, sessions, feed, attempts=attempts, error=error, now=now())
            log.error("outbox #%s: relay's answer lost (%s); not resent", row.id, exc)
            return False
        gave_up = retry_or_fail(
            claim,
            attempts=attempts,
            max_attempts=settings.max_attempts,
            error=f"{type(exc).__name__}: {exc}",
            settings=settings,
            now=now(),
        )
        log.warning(
            "outbox #%s attempt %s failed (%s)%s",
            row.id,
            attempts,
            exc,
            "; giving up" if gave_up else "",
        )
        return False
    except (UnicodeError, ValueError) as exc:
        # Nothing about this row will change on a retry (an address or header smtplib
        # cannot encode): it fails alone, and the rows behind it go out. (Caught after
        # OSError: a relay certificate that does not verify is both, and is retried.)
        _fail_for_good(claim, f"{type(exc).__name__}: {exc}", attempts)
        return False
    except Exception as exc:  # noqa: BLE001 - one row's surprise never stops the queue
        log.exception("outbox #%s: unexpected error while sending", row.id)
        if passed:
            error = f"unexpected error after the end of DATA: {type(exc).__name__}: {exc}"
            mark_uncertain(claim, sessions, feed, attempts=attempts, error=error, now=now())
        else:
            _fail_for_good(claim, f"unexpected {type(exc).__name__}: {exc}", attempts)
        return False
    # The relay's 250 is proof: `uncertain` too, if the lease ran out while we waited.
    if not claim.move("sent", expect=("sending", "uncertain"), attempts=attempts, sent_at=now()):
        log.warning("outbox #%s was sent but had left `sending` meanwhile", row.id)
    log.info("outbox #%s %s %s sent: %s", row.id, row.kind, row.message_id, detail)
    return True


def _fail_for_good(claim: Claim, why: str, attempts: int) -> None:
    claim.move("failed", expect=("pending", "sending"), error=why, attempts=attempts)
    row = claim.row
    log.error("outbox #%s %s to %s failed for good: %s", row.id, row.kind, row.recipient, why)


class Dispatcher(OutboxLoop):
    """Sends due email whenever woken (a worker queued a reply) or every poll."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        transport: Transport,
        settings: OutboxSettings,
        now: Callable[[], datetime],
        *,
        recover: bool = True,
        feed: SlackFeed | None = None,
    ) -> None:
        """`recover=False` when the caller has already run `recover_interrupted`, or must
        not (other processes share the database)."""
        super().__init__(
            "intake-outbox", sessions, EMAIL.channel, now, poll_seconds=settings.poll_seconds
        )
        self.transport, self.settings, self.recover = transport, settings, recover
        self.feed = feed

    def setup(self) -> None:
        if self.recover:
            recover_interrupted(self.sessions, self.feed, self.now())

    def dispatch(self) -> int:
        return dispatch_due(
            self.sessions, self.transport, self.settings, self.now, self.batch, feed=self.feed
        )

    def teardown(self) -> None:
        self.transport.close()
