"""The outbox dispatcher: sends what the pipeline committed, once, with retries.

Sending over SMTP cannot be part of our transaction, so "once" needs a point of no return.
The whole message is handed to the relay except the final "." of DATA; then the row is
committed as `sending`; then the "." goes out and the relay's answer is recorded. A crash
before that commit leaves the row pending and the relay drops the unfinished message: it is
sent again after the restart, still once. A crash in the microseconds between the commit
and the "." (or before the relay's answer is recorded) leaves the row `sending`; at start
such rows become `uncertain`, logged for the operator and never resent, because resending
is how customers get two acknowledgements.

Failures that may pass (connection refused, 4xx, time-outs) are retried with exponential
backoff; a 5xx refusal fails the row at once. With no relay configured the message is
written to the spool folder and logged, so the embedded defaults work without a mail server.
"""

from __future__ import annotations

import logging
import random
import re
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config import OutboxSettings, RelaySettings
from handlers.delivery_notice import notice_uncertain
from handlers.slack_feed import SlackFeed
from parsers.addresses import delivery_address, needs_smtputf8
from storage.models import OutboxMessage

log = logging.getLogger("intake.outbox")


class PermanentFailure(Exception):
    """Retrying will not help (the relay refused the recipient for good)."""


PointOfNoReturn = Callable[[], None]


class Transport(Protocol):
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
    base = settings.backoff_first_seconds * 2 ** max(0, attempts - 1)
    seconds = min(settings.backoff_max_seconds, base) * random.uniform(0.8, 1.2)
    return timedelta(seconds=seconds)


def dispatch_due(
    sessions: sessionmaker[Session],
    transport: Transport,
    settings: OutboxSettings,
    now: Callable[[], datetime],
    batch: int = 50,
    feed: SlackFeed | None = None,
) -> int:
    """Send every email row that is due; returns how many were sent. `feed`: where an
    uncertain delivery is also told (the case's Slack thread)."""
    with sessions() as session:
        rows = list(
            session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.state == "pending",
                    OutboxMessage.channel == "email",
                    OutboxMessage.next_attempt_at <= now(),
                )
                .order_by(OutboxMessage.id)
                .limit(batch)
            )
        )
    if not rows:
        transport.close()  # idle: do not keep the relay's connection open
        return 0
    sent = 0
    for row in rows:
        passed: list[bool] = []  # set once the row is committed `sending`

        def commit_point(
            row_id: int = row.id, attempts: int = row.attempts + 1, passed: list[bool] = passed
        ) -> None:
            _finish(sessions, row_id, state="sending", attempts=attempts, expect=("pending",))
            passed.append(True)

        try:
            detail = transport.send(row, commit_point)
        except PermanentFailure as exc:
            _fail_for_good(sessions, row, str(exc))
            continue
        except (UnicodeError, ValueError) as exc:
            # Nothing about this row will change on a retry (an address or header smtplib
            # cannot encode): it fails alone, and the rows behind it go out.
            _fail_for_good(sessions, row, f"{type(exc).__name__}: {exc}")
            continue
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            if passed and not isinstance(exc, smtplib.SMTPResponseException):
                # The end of DATA went out and the relay's answer was lost: it may have the
                # message. Sending again is how customers get two acknowledgements. (A 4xx
                # answer is the relay saying it did not take it: that one is retried.)
                _finish(
                    sessions,
                    row.id,
                    state="uncertain",
                    error=f"no answer after the end of DATA: {type(exc).__name__}: {exc}",
                    attempts=row.attempts + 1,
                    expect=("sending",),
                )
                log.error("outbox #%s: relay's answer lost (%s); not resent", row.id, exc)
                _note_uncertain(sessions, feed, row.id, now())
                continue
            attempts = row.attempts + 1
            give_up = attempts >= settings.max_attempts
            _finish(
                sessions,
                row.id,
                state="failed" if give_up else "pending",
                error=f"{type(exc).__name__}: {exc}",
                attempts=attempts,
                next_attempt_at=now() + backoff(attempts, settings),
            )
            log.warning(
                "outbox #%s attempt %s failed (%s)%s",
                row.id,
                attempts,
                exc,
                "; giving up" if give_up else "",
            )
            continue
        except Exception as exc:  # noqa: BLE001 - one row's surprise never stops the queue
            log.exception("outbox #%s: unexpected error while sending", row.id)
            if passed:
                _finish(
                    sessions,
                    row.id,
                    state="uncertain",
                    error=f"unexpected error after the end of DATA: {type(exc).__name__}: {exc}",
                    attempts=row.attempts + 1,
                    expect=("sending",),
                )
                _note_uncertain(sessions, feed, row.id, now())
            else:
                _fail_for_good(sessions, row, f"unexpected {type(exc).__name__}: {exc}")
            continue
        _finish(
            sessions,
            row.id,
            state="sent",
            attempts=row.attempts + 1,
            sent_at=now(),
            expect=("sending",),
        )
        log.info("outbox #%s %s %s sent: %s", row.id, row.kind, row.message_id, detail)
        sent += 1
    return sent


def _fail_for_good(sessions: sessionmaker[Session], row: OutboxMessage, why: str) -> None:
    _finish(sessions, row.id, state="failed", error=why, attempts=row.attempts + 1)
    log.error("outbox #%s %s to %s failed for good: %s", row.id, row.kind, row.recipient, why)


def recover_interrupted(
    sessions: sessionmaker[Session], feed: SlackFeed | None = None, now: datetime | None = None
) -> list[OutboxMessage]:
    """At start: rows left `sending` by a crash become `uncertain`, logged, never resent, and
    noted on their case (and its Slack thread) for a person to decide."""
    with sessions() as session, session.begin():
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.state == "sending")))
        for row in rows:
            row.state = "uncertain"
            row.last_error = "the bot stopped while handing this message to the relay"
            log.warning(
                "outbox #%s %s %s to %s: delivery uncertain (the bot stopped at the moment of "
                "sending); not resent",
                row.id,
                row.kind,
                row.message_id,
                row.recipient,
            )
        session.flush()
        notice_uncertain(session, feed, [r.id for r in rows], now or datetime.now(UTC))
    return rows


def _note_uncertain(
    sessions: sessionmaker[Session], feed: SlackFeed | None, row_id: int, now: datetime
) -> None:
    try:
        with sessions() as session, session.begin():
            notice_uncertain(session, feed, [row_id], now)
    except Exception:  # noqa: BLE001 - the row is already safe; the notice is a courtesy
        log.exception("outbox #%s: could not note the uncertain delivery on its case", row_id)


def _finish(
    sessions: sessionmaker[Session],
    row_id: int,
    *,
    state: str,
    attempts: int,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
    sent_at: datetime | None = None,
    expect: tuple[str, ...] = ("pending", "sending"),
) -> None:
    """Move a row to `state`, only from one of the `expect`ed states."""
    values: dict[str, object] = {"state": state, "attempts": attempts}
    if error is not None:
        values["last_error"] = error[:2000]
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if sent_at is not None:
        values["sent_at"] = sent_at
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                OutboxMessage.state.in_(expect),
            )
            .values(**values),
            execution_options={"synchronize_session": False},
        )


class Dispatcher(threading.Thread):
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
        """`recover=False` when the caller has already run `recover_interrupted` (it must run
        once, before any dispatcher of any channel claims a row)."""
        super().__init__(name="intake-outbox", daemon=True)
        self.sessions, self.transport, self.settings, self.now = sessions, transport, settings, now
        self.recover = recover
        self.feed = feed
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        if self.recover:
            try:
                recover_interrupted(self.sessions, self.feed, self.now())
            except Exception:  # noqa: BLE001
                log.exception("outbox: could not check for interrupted sends")
        while not self.stopping.is_set():
            try:
                dispatch_due(self.sessions, self.transport, self.settings, self.now, feed=self.feed)
            except Exception:  # noqa: BLE001 - database down: wait and try again
                log.exception("outbox: database error")
            self.wake.wait(self.settings.poll_seconds)
            self.wake.clear()
        self.transport.close()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
