"""A dispatcher's round (bot/outbox.py `Dispatcher`): its setup recovering the rows left
`sending`, its channel's ended leases turned `uncertain` and said on the case, leases read
by the dispatcher's clock and looked for once per interval, and a batch that says when
more is due."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.outbox import Dispatcher, SpoolFolder
from intake.storage.models import OutboxMessage
from tests.unit.outbox.helpers import (
    NOW,
    PAT,
    SAM,
    SETTINGS,
    ClockedFeed,
    DropsAfterData,
    NotingFeed,
    left_sending,
    queue,
    row_of,
)


def test_a_round_turns_its_channels_ended_leases_uncertain_and_says_so_on_the_case(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    row_id = queue(sessions, [PAT], case=True)
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(state="sending", attempts=1, next_attempt_at=NOW - timedelta(seconds=1))
        )
    feed = NotingFeed()
    dispatcher = Dispatcher(
        sessions,
        SpoolFolder(tmp_path),
        SETTINGS,
        lambda: NOW,
        recover=False,
        feed=feed,  # type: ignore[arg-type]
    )
    assert dispatcher.round() is False
    assert row_of(sessions, row_id).state == "uncertain"
    (post,) = feed.posts
    assert post[1].endswith(f"`intake outbox resend {row_id}`.")


def test_a_dispatcher_recovers_interrupted_rows_at_setup_unless_told_not_to(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """Without `recover`, setup turns every row left `sending` uncertain (SQLite, one
    process), noting it on the case at the dispatcher's time, not the wall clock's."""
    row_id = left_sending(sessions)
    feed = ClockedFeed()
    Dispatcher(sessions, SpoolFolder(tmp_path), SETTINGS, lambda: NOW, feed=feed).setup()  # type: ignore[arg-type]
    row = row_of(sessions, row_id)
    assert (row.state, row.last_error) == (
        "uncertain",
        "the bot stopped while handing this message to the relay",
    )
    assert feed.times == [NOW]

    other = left_sending(sessions)
    Dispatcher(sessions, SpoolFolder(tmp_path), SETTINGS, lambda: NOW, recover=False).setup()
    assert row_of(sessions, other).state == "sending"


def test_a_dispatchers_round_sends_at_most_its_batch_and_tells_its_feed(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    first, second = queue(sessions, [PAT], case=True), queue(sessions, [SAM], case=True)
    feed = NotingFeed()
    dispatcher = Dispatcher(sessions, DropsAfterData(), SETTINGS, lambda: NOW, recover=False,
                            feed=feed)  # type: ignore[arg-type]  # fmt: skip
    dispatcher.batch = 1
    assert dispatcher.dispatch() == 0
    assert (row_of(sessions, first).state, row_of(sessions, second).state) == (
        "uncertain",
        "pending",
    )
    assert [text.endswith(f"`intake outbox resend {first}`.") for _, text in feed.posts] == [True]


def test_a_round_checks_leases_by_the_dispatchers_clock_and_says_when_more_is_due(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """A row `sending` whose lease ends after the dispatcher's now stays `sending` whatever
    the wall clock says; a round that sent a full batch says more may be waiting."""
    leased = left_sending(sessions)  # its lease ends at NOW + 1 h, long before today
    queue(sessions, [PAT]), queue(sessions, [SAM])
    dispatcher = Dispatcher(sessions, SpoolFolder(tmp_path), SETTINGS, lambda: NOW, recover=False)
    dispatcher.batch = 1
    assert dispatcher.round() is True
    assert row_of(sessions, leased).state == "sending"


def test_leases_are_checked_once_in_their_interval_not_every_round(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rounds come as often as mail is queued; the look for ended leases (a query over every
    row `sending`) comes once per LEASE_CHECK_SECONDS."""
    from intake.bot import outbox

    checks: list[str] = []
    monkeypatch.setattr(outbox, "recover_expired", lambda *a, **k: checks.append(a[1]) or [])
    dispatcher = Dispatcher(sessions, SpoolFolder(tmp_path), SETTINGS, lambda: NOW, recover=False)
    for _ in range(3):
        dispatcher.round()
    assert checks == ["email"]
