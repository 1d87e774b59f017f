"""The outbox tests' shared set-up: the dispatcher's clock (NOW) and settings, two
recipients and a message (RAW); `queue` a pending email row, `row_of` to read it back,
`dispatch` one call of `dispatch_due` through the loopback relay, `left_sending` a row
whose process stopped mid-send; transports that fail (`Failing`, `DropsAfterData`) and
Slack feeds that keep what they are given (`NotingFeed`, `ClockedFeed`). The fixtures
(`relay`, `sessions`) are conftest.py's."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.config import OutboxSettings, RelaySettings
from intake.bot.outbox import PointOfNoReturn, SmtpRelay, SpoolFolder, dispatch_due
from intake.storage.models import Case, OutboxMessage
from tests.unit.builders import QUOTES, make_case
from tests.unit.infra import Relay, fetch

NOW = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
SETTINGS = OutboxSettings(backoff_first_seconds=60, backoff_max_seconds=3600, max_attempts=3)
PAT, SAM = "pat@example.net", "sam@example.org"
H = timedelta(hours=1)
RAW = (
    b"From: Intake <accountteam@example.com>\r\nTo: pat@example.net\r\n"
    b"Subject: Your request\r\nMessage-ID: <out.1@example.com>\r\n\r\n"
    b"We have your request.\r\n"
)
_numbers = itertools.count(1)


def queue(
    sessions: sessionmaker[Session],
    to: list[str],
    *,
    attempts: int = 0,
    case: bool = False,
    raw: bytes = RAW,
) -> int:
    """One pending email row, due now (on a case of its own when `case`)."""
    with sessions() as session, session.begin():
        row = OutboxMessage(
            channel="email",
            kind="ack",
            case=make_case(session, mailbox=QUOTES) if case else None,
            message_id=f"<out.{next(_numbers)}@example.com>",
            mail_from="accountteam@example.com",
            recipients=to,
            recipient=to[0],
            raw=raw,
            state="pending",
            attempts=attempts,
            next_attempt_at=NOW,
            created_at=NOW,
        )
        session.add(row)
        session.flush()
        return row.id


def row_of(sessions: sessionmaker[Session], row_id: int) -> OutboxMessage:
    return fetch(sessions, OutboxMessage, row_id)


def dispatch(sessions: sessionmaker[Session], relay: Relay, at: datetime = NOW) -> int:
    transport = SmtpRelay(RelaySettings(address=relay.address, timeout_seconds=5))
    try:
        return dispatch_due(sessions, transport, SETTINGS, lambda: at)
    finally:
        transport.close()


def left_sending(sessions: sessionmaker[Session]) -> int:
    """A case's row its process left `sending`, its lease not yet ended."""
    row_id = queue(sessions, [PAT], case=True)
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(state="sending", attempts=1, next_attempt_at=NOW + H)
        )
    return row_id


def logged(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "intake.outbox"]


class Failing(SpoolFolder):
    """The spool transport failing with `error`, before or after the point of no return."""

    def __init__(self, folder: Path, error: Exception, *, after_commit: bool) -> None:
        super().__init__(folder)
        self.error, self.after_commit = error, after_commit

    def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
        if self.after_commit:
            commit_point()
        raise self.error


@dataclass
class DropsAfterData:
    """A transport whose connection drops after the end of DATA went out: the relay may
    have the message, and nobody knows."""

    timeout_seconds: float = 5.0
    error: Exception = field(default_factory=lambda: OSError("connection reset by peer"))

    def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
        commit_point()
        raise self.error

    def close(self) -> None:
        pass


@dataclass
class NotingFeed:
    """Stands in for the Slack feed: keeps what would be posted in each case's thread."""

    posts: list[tuple[str, str]] = field(default_factory=list)

    def post(self, session: Session, case: Case, text: str, now: datetime) -> None:
        self.posts.append((case.number, text))


@dataclass
class ClockedFeed:
    """A Slack feed that keeps the time each post was given."""

    times: list[datetime] = field(default_factory=list)

    def post(self, session: Session, case: Case, text: str, now: datetime) -> None:
        self.times.append(now)
