"""What the outbox logs (logger `intake.outbox`) of a row's way, for the operator: each failed
attempt and the one that gives up, a refusal for good with the row and why, an unexpected
error with its traceback, a 250 for a row that left `sending` meanwhile, an uncertain
delivery recovered or not noted on its case, and a dispatcher whose setup failed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.outbox import Dispatcher, PointOfNoReturn, SpoolFolder, dispatch_due
from intake.storage.models import Case, OutboxMessage
from tests.unit.infra import Relay
from tests.unit.outbox.helpers import (
    NOW,
    PAT,
    SETTINGS,
    DropsAfterData,
    Failing,
    dispatch,
    left_sending,
    logged,
    queue,
    row_of,
)


def test_each_failed_attempt_is_logged_and_the_last_one_gives_up(
    sessions: sessionmaker[Session], relay: Relay, caplog: pytest.LogCaptureFixture
) -> None:
    relay.handler.at_data.extend(["451 4.3.0 try again later"] * SETTINGS.max_attempts)
    row_id = queue(sessions, [PAT])
    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        for day in range(SETTINGS.max_attempts):
            dispatch(sessions, relay, NOW + timedelta(days=day))
    error = "(451, b'4.3.0 try again later')"
    assert logged(caplog) == [
        (logging.WARNING, f"outbox #{row_id} attempt 1 failed ({error})"),
        (logging.WARNING, f"outbox #{row_id} attempt 2 failed ({error})"),
        (logging.WARNING, f"outbox #{row_id} attempt 3 failed ({error}); giving up"),
    ]


def test_an_unexpected_error_is_logged_with_its_traceback(
    sessions: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    row_id = queue(sessions, [PAT])
    transport = Failing(tmp_path, RuntimeError("boom"), after_commit=False)
    with caplog.at_level(logging.ERROR, logger="intake.outbox"):
        assert dispatch_due(sessions, transport, SETTINGS, lambda: NOW) == 0
    first = next(r for r in caplog.records if r.name == "intake.outbox")
    assert first.getMessage() == f"outbox #{row_id}: unexpected error while sending"
    assert first.exc_info is not None and first.exc_info[0] is RuntimeError


def test_a_row_that_left_sending_while_the_relay_took_it_is_still_sent(
    sessions: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The relay's 250 is proof of delivery whatever another process wrote meanwhile: the
    dispatcher counts it sent, leaves the other process's state and says so in the log."""
    row_id = queue(sessions, [PAT])

    class Overwritten(SpoolFolder):
        def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
            commit_point()
            with sessions() as other, other.begin():
                other.execute(
                    update(OutboxMessage).where(OutboxMessage.id == row.id).values(state="failed")
                )
            return "kept"

    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        assert dispatch_due(sessions, Overwritten(tmp_path), SETTINGS, lambda: NOW) == 1
    assert logged(caplog) == [
        (logging.WARNING, f"outbox #{row_id} was sent but had left `sending` meanwhile")
    ]
    assert row_of(sessions, row_id).state == "failed"


def test_a_dispatchers_failures_are_logged_as_the_outboxs(
    sessions: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def database_down() -> Session:
        raise RuntimeError("database down")

    dispatcher = Dispatcher(database_down, SpoolFolder(tmp_path), SETTINGS, lambda: NOW)  # type: ignore[arg-type]
    dispatcher.stopping.set()  # no rounds: setup and teardown only
    with caplog.at_level(logging.ERROR):
        dispatcher.run()
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("intake.outbox", logging.ERROR, "intake-outbox: setup failed")
    ]
    assert caplog.records[0].exc_info is not None


def test_a_failed_note_on_the_case_leaves_the_row_uncertain_and_is_logged(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenFeed:
        def post(self, session: Session, case: Case, text: str, now: datetime) -> None:
            raise RuntimeError("slack down")

    row_id = queue(sessions, [PAT], case=True)
    with caplog.at_level(logging.ERROR, logger="intake.outbox"):
        dispatch_due(sessions, DropsAfterData(), SETTINGS, lambda: NOW, feed=BrokenFeed())  # type: ignore[arg-type]
    assert row_of(sessions, row_id).state == "uncertain"
    messages = [r.getMessage() for r in caplog.records]
    assert f"outbox #{row_id}: could not note the uncertain delivery on its case" in messages
    lost = f"outbox #{row_id}: relay's answer lost (connection reset by peer); not resent"
    assert lost in messages


def test_a_refusal_that_fails_for_good_is_logged_with_the_row_and_why(
    sessions: sessionmaker[Session], relay: Relay, caplog: pytest.LogCaptureFixture
) -> None:
    relay.handler.at_rcpt[PAT] = "550 5.1.1 no such user"
    row_id = queue(sessions, [PAT])
    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        dispatch(sessions, relay)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"relay refused RCPT {PAT}: 550 b'5.1.1 no such user'",
        f"outbox #{row_id} ack to {PAT} failed for good: every recipient refused: ['{PAT}']",
    ]


def test_a_row_whose_lease_ran_out_while_the_relay_took_it_is_sent_and_logged(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    """The relay's 250 is proof: a row another dispatcher turned `uncertain` (its lease ran
    out during a slow answer) is `sent`, and the log names the row, kind and Message-ID."""

    class SlowRelay:
        timeout_seconds = 5.0

        def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
            commit_point()
            with sessions() as session, session.begin():
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id)
                    .values(state="uncertain")
                )
            return "250 queued as 7F3A"

        def close(self) -> None:
            pass

    row_id = queue(sessions, [PAT])
    with caplog.at_level(logging.INFO, logger="intake.outbox"):
        assert dispatch_due(sessions, SlowRelay(), SETTINGS, lambda: NOW) == 1  # type: ignore[arg-type]
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("sent", 1)
    assert f"outbox #{row_id} ack {row.message_id} sent: 250 queued as 7F3A" in [
        r.getMessage() for r in caplog.records
    ]


def test_recovering_a_row_left_sending_logs_what_it_was(
    sessions: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    row_id = left_sending(sessions)
    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        Dispatcher(sessions, SpoolFolder(tmp_path), SETTINGS, lambda: NOW).setup()
    row = row_of(sessions, row_id)
    assert (
        f"outbox #{row_id} ack {row.message_id} to {PAT}: delivery uncertain (the bot stopped "
        "while handing this message to the relay); not resent"
    ) in [r.getMessage() for r in caplog.records]
