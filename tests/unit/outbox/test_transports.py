"""Transports other than the relay: the spool folder (what the dispatcher writes to with no
relay configured), and transports that fail in other ways, before or after the point of no
return (the end of DATA): permanent, the row is failed; the other side may have it, the row
is `uncertain` and never resent by itself (the case is told how to resend); it may pass,
the row is pending again. Each is one attempt. Also: a row another process took at the
point of no return is not sent, and a batch sends at most its size."""

from __future__ import annotations

import logging
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.outbox import PointOfNoReturn, SpoolFolder, dispatch_due
from intake.storage.models import OutboxMessage
from tests.unit.outbox.helpers import (
    NOW,
    PAT,
    RAW,
    SETTINGS,
    DropsAfterData,
    Failing,
    H,
    NotingFeed,
    logged,
    queue,
    row_of,
)


@pytest.mark.parametrize(
    ("error", "after_commit", "state", "last_error"),
    [
        (ValueError("bad address"), False, "failed", "ValueError: bad address"),
        (RuntimeError("boom"), False, "failed", "unexpected RuntimeError: boom"),
        (
            RuntimeError("boom"),
            True,
            "uncertain",
            "unexpected error after the end of DATA: RuntimeError: boom",
        ),
        (
            TimeoutError("timed out"),
            True,
            "uncertain",
            "no answer after the end of DATA: TimeoutError: timed out",
        ),
        (ConnectionRefusedError("refused"), False, "pending", "ConnectionRefusedError: refused"),
    ],
)
def test_each_kind_of_failure_ends_where_it_belongs(
    sessions: sessionmaker[Session],
    tmp_path: Path,
    error: Exception,
    after_commit: bool,
    state: str,
    last_error: str,
) -> None:
    """Permanent: failed; the other side may have it: uncertain, never resent; may pass:
    pending again. Each is one attempt."""
    row_id = queue(sessions, [PAT], case=True)
    transport = Failing(tmp_path, error, after_commit=after_commit)
    assert dispatch_due(sessions, transport, SETTINGS, lambda: NOW) == 0
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts, row.last_error) == (state, 1, last_error)


def test_a_row_taken_by_another_process_at_the_point_of_no_return_is_not_sent(
    any_engine: Engine,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SQLite: a claim ends its transaction at once, so only the compare-and-set of the
    point of no return keeps the row from going twice (PostgreSQL holds a row lock)."""
    if any_engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL: the claim's row lock keeps other dispatchers away")
    row_id = queue(sessions, [PAT])

    class Overtaken(SpoolFolder):
        def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
            with sessions() as other, other.begin():  # another dispatcher got there first
                other.execute(
                    update(OutboxMessage).where(OutboxMessage.id == row.id).values(state="sent")
                )
            return super().send(row, commit_point)

    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        assert dispatch_due(sessions, Overtaken(tmp_path), SETTINGS, lambda: NOW) == 0
    assert not (tmp_path / f"{row_id:08d}-ack.eml").exists()
    assert (row_of(sessions, row_id).state, row_of(sessions, row_id).attempts) == ("sent", 0)
    assert logged(caplog) == [
        (
            logging.WARNING,
            f"outbox #{row_id} is no longer pending: another process has it; not sent by this one",
        )
    ]


def test_a_batch_sends_at_most_its_size(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    ids = [queue(sessions, [f"p{i}@example.net"]) for i in range(3)]
    spool = SpoolFolder(tmp_path)
    assert dispatch_due(sessions, spool, SETTINGS, lambda: NOW, batch=2) == 2
    assert [row_of(sessions, i).state for i in ids] == ["sent", "sent", "pending"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{i:08d}-ack.eml" for i in ids[:2]]


@pytest.mark.parametrize(
    ("error", "why"),
    [
        (OSError("connection reset by peer"), "no answer after the end of DATA: OSError: "),
        (KeyError("surprise"), "unexpected error after the end of DATA: KeyError: "),
    ],
)
def test_a_lost_answer_after_data_is_uncertain_counted_and_noted_on_the_case(
    sessions: sessionmaker[Session], error: Exception, why: str
) -> None:
    """Never sent again by itself: the row is `uncertain` with this attempt counted, the
    case gets a `delivery_uncertain` event at the dispatcher's time, and its Slack thread
    is told how to resend."""
    from intake.storage.models import CaseEvent

    row_id = queue(sessions, [PAT], case=True)
    feed = NotingFeed()
    later = NOW + H
    assert (
        dispatch_due(sessions, DropsAfterData(error=error), SETTINGS, lambda: later, feed=feed) == 0
    )  # type: ignore[arg-type]
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("uncertain", 1)
    assert row.last_error is not None and row.last_error.startswith(why)
    with sessions() as session:
        (note,) = session.query(CaseEvent).filter_by(kind="delivery_uncertain").all()
        assert (note.case_id, note.at.replace(tzinfo=UTC), note.data["outbox_id"]) == (
            row.case_id,
            later,
            row_id,
        )
    (post,) = feed.posts
    assert post[1].endswith(f"`intake outbox resend {row_id}`.")


def test_spool_folder_makes_its_folders_and_leaves_only_the_message(tmp_path: Path) -> None:
    folder = tmp_path / "spool" / "outbox"
    points: list[bool] = []
    row = OutboxMessage(id=7, kind="ack", raw=RAW)
    detail = SpoolFolder(folder).send(row, lambda: points.append(True))
    assert points == [True]
    assert [p.name for p in folder.iterdir()] == ["00000007-ack.eml"]
    assert (folder / "00000007-ack.eml").read_bytes() == RAW
    assert detail == f"no relay configured: written to {folder / '00000007-ack.eml'}"
