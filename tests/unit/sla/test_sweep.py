"""handlers/sla_sweep.py on its own: what each sweep at a chosen instant queues, compared
whole (step, recipients, the instant it was scheduled for and its Message-ID).

What a wrong sweep costs: a reminder Message-ID without the clock's generation collides with
the one of the clock's earlier life; a follow-up cadence that drifts by however late the
sweep ran; a clock of a removed policy that every sweep claims again; one case's failures
counted against another's clock.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.handlers import sla_sweep
from intake.handlers.case_ops import BOT
from intake.handlers.sla_sweep import due_clocks, sweep, sweep_batch
from intake.storage.models import CaseEvent, OutboxMessage, SlaClock
from tests.unit.builders import T0, sla_runtime
from tests.unit.sla.setup import (
    ALEX,
    CHASE,
    FIRST,
    LENA,
    REPLY,
    TARA,
    H,
    clock,
    mid,
    quote_case,
    runtime,
    said,
    signal,
    swept,
)


def test_the_ladder_at_its_exact_instants(session: Session) -> None:
    rt = runtime(REPLY)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    c = clock(session, case, "reply")
    assert (c.due_at, c.warn_at, c.next_at, c.next_step) == (
        T0 + 10 * H,
        T0 + 5 * H,
        T0 + 5 * H,
        "warning",
    )
    assert swept(session, rt, T0 + 5 * H - timedelta(seconds=1)) == []
    assert said(swept(session, rt, T0 + 5 * H)) == [
        ("warning", [TARA], T0 + 5 * H, mid(c, 1, 1, "warning"), [])
    ]
    assert said(swept(session, rt, T0 + 10 * H)) == [
        ("breach", [TARA], T0 + 10 * H, mid(c, 1, 2, "breach"), [])
    ]
    assert said(swept(session, rt, T0 + 34 * H)) == [
        ("repeat", [TARA], T0 + 34 * H, mid(c, 1, 3, "repeat"), [])
    ]
    assert said(swept(session, rt, T0 + 58 * H)) == [
        ("repeat", [TARA], T0 + 58 * H, mid(c, 1, 4, "repeat"), []),
        ("escalation", [LENA], T0 + 58 * H, mid(c, 1, 5, "escalation"), []),
    ]
    assert (c.next_at, c.next_step, c.breached_at, c.escalated) == (
        T0 + 82 * H,
        "repeat",
        T0 + 10 * H,
        True,
    )
    kinds = session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["sla_warning", "sla_breach", "sla_repeat", "sla_repeat", "sla_escalation"]


@pytest.mark.parametrize(
    ("told_at", "next_repeat"),
    [
        (T0 + 10 * H + 30 * timedelta(minutes=1), T0 + 34 * H),  # on time: the schedule holds
        (T0 + 13 * H, T0 + 37 * H),  # 3 h late: a full day after the notice actually sent
    ],
)
def test_the_next_overdue_notice_is_a_full_interval_after_a_late_one(
    session: Session, told_at: datetime, next_repeat: datetime
) -> None:
    rt = runtime(REPLY)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    swept(session, rt, T0 + 5 * H)
    assert [r.step for r in swept(session, rt, told_at)] == ["breach"]
    c = clock(session, case, "reply")
    assert (c.next_at, c.next_step, c.breached_at) == (next_repeat, "repeat", T0 + 10 * H)


def test_a_catch_up_sends_the_latest_notice_and_records_what_it_covers(session: Session) -> None:
    """Back after 60 hours: no storm of five reminders, one overdue notice and the escalation."""
    rt = runtime(REPLY)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    c = clock(session, case, "reply")
    covered = [
        f"warning@{T0 + 5 * H:%Y-%m-%dT%H:%M:%S+00:00}",
        f"breach@{T0 + 10 * H:%Y-%m-%dT%H:%M:%S+00:00}",
    ]
    covered.append(f"repeat@{T0 + 34 * H:%Y-%m-%dT%H:%M:%S+00:00}")
    assert said(swept(session, rt, T0 + 60 * H)) == [
        ("repeat", [TARA], T0 + 58 * H, mid(c, 1, 1, "repeat"), covered),
        ("escalation", [LENA], T0 + 58 * H, mid(c, 1, 2, "escalation"), []),
    ]
    events = session.scalars(select(CaseEvent).where(CaseEvent.kind == "sla_reminder")).all()
    assert [(e.at, e.actor, e.data) for e in events] == [
        (
            T0 + 60 * H,
            BOT,
            {
                "policy": "reply",
                "step": step,
                "to": to,
                "scheduled": f"{T0 + 58 * H:%Y-%m-%dT%H:%M:%S+00:00}",
                "due_at": f"{T0 + 10 * H:%Y-%m-%dT%H:%M:%S+00:00}",
                "covers": covers,
                "message_id": mid(c, 1, n, step),
            },
        )
        for n, step, to, covers in ((1, "repeat", [TARA], covered), (2, "escalation", [LENA], []))
    ]
    assert (c.next_at, c.next_step, c.last_notice_at) == (T0 + 84 * H, "repeat", T0 + 60 * H)


def test_follow_ups_keep_a_72_hour_cadence_however_late_the_sweep(session: Session) -> None:
    rt = runtime(CHASE)
    case = quote_case(session)
    signal(session, rt, case, "quote_sent", T0)
    c = clock(session, case, "chase")
    assert said(swept(session, rt, T0 + 77 * H)) == [  # five hours late
        ("follow_up", [TARA, ALEX], T0 + 72 * H, mid(c, 1, 1, "follow_up"), [])
    ]
    assert (c.resumed_at, c.due_at, c.next_at) == (T0 + 72 * H, T0 + 144 * H, T0 + 144 * H)
    assert [r.scheduled for r in swept(session, rt, T0 + 144 * H)] == [T0 + 144 * H]
    # Down for two cycles: one follow-up, standing in for the one missed, on the old cadence.
    missed = f"follow_up@{T0 + 216 * H:%Y-%m-%dT%H:%M:%S+00:00}"
    assert said(swept(session, rt, T0 + 290 * H)) == [
        ("follow_up", [TARA, ALEX], T0 + 288 * H, mid(c, 1, 3, "follow_up"), [missed])
    ]
    assert (c.due_at, c.next_at, c.state) == (T0 + 360 * H, T0 + 360 * H, "running")


def test_a_clock_of_a_removed_policy_is_stopped_once_and_never_claimed_again(
    session: Session,
) -> None:
    case = quote_case(session)
    session.add(
        SlaClock(
            case=case,
            policy="retired",
            state="running",
            generation=1,
            started_at=T0,
            resumed_at=T0,
            remaining_seconds=3600,
            due_at=T0 + H,
            next_at=T0 + H,
            next_step="breach",
            updated_at=T0,
        )
    )
    session.commit()
    rt = runtime(REPLY)
    assert swept(session, rt, T0 + 2 * H) == []
    c = clock(session, case, "retired")
    assert (c.state, c.next_at, c.next_step) == ("stopped", None, None)
    assert (c.stopped_at, c.stopped_by, c.updated_at) == (T0 + 2 * H, "policy removed", T0 + 2 * H)
    again = sweep_batch(session, rt, T0 + 3 * H, limit=1)
    assert (again.claimed, again.reminders) == (0, [])
    assert session.scalars(select(OutboxMessage)).all() == []


def test_due_clocks_are_claimed_oldest_first_up_to_the_limit(session: Session) -> None:
    rt = runtime(REPLY, FIRST)
    later, earlier = quote_case(session), quote_case(session)
    signal(session, rt, later, "opened", T0 + H)
    signal(session, rt, earlier, "opened", T0)
    # due: earlier/first at 4 h; at 5 h later/first and earlier/reply (the older clock first)
    due = [(c.case_id, c.policy, c.next_at) for c in due_clocks(session, T0 + 5 * H, limit=10)]
    assert due == [
        (earlier.id, "first", T0 + 4 * H),
        (later.id, "first", T0 + 5 * H),
        (earlier.id, "reply", T0 + 5 * H),
    ]
    session.rollback()
    batch = sweep_batch(session, rt, T0 + 5 * H, limit=2)
    assert batch.claimed == 2
    assert [(r.case, r.policy, r.step) for r in batch.reminders] == [
        (earlier.number, "first", "breach"),
        (later.number, "first", "breach"),
    ]


def test_the_demo_approval_follow_up_keeps_its_cadence_through_quiet_hours(
    session: Session,
) -> None:
    """The organisation's own 72-hour follow-up: a reminder due on a Sunday waits for
    Monday's opening, and the next one is still 72 hours after the Sunday, not after Monday
    (nor after a late sweep)."""
    rt = sla_runtime()
    case = quote_case(session)
    signal(session, rt, case, "quote_sent", T0)  # Mon 2 Nov, 10:00 in Edmonton
    c = clock(session, case, "quote_approval_followup")
    assert (c.due_at, c.next_at) == (T0 + 72 * H, T0 + 72 * H)  # Thu 10:00
    assert [r.scheduled for r in swept(session, rt, T0 + 77 * H)] == [T0 + 72 * H]
    monday_opening = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)  # Mon 9 Nov, 08:00
    assert (c.due_at, c.next_at) == (T0 + 144 * H, monday_opening)  # due Sun 10:00
    assert [r.scheduled for r in swept(session, rt, monday_opening)] == [monday_opening]
    thursday_opening = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)  # Wed 11 Nov is a holiday
    assert (c.due_at, c.next_at) == (T0 + 216 * H, thursday_opening)


def test_a_clock_of_a_removed_policy_is_logged_when_stopped(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    rt = runtime(REPLY)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    c = clock(session, case, "reply")
    with caplog.at_level(logging.WARNING, logger="intake.sla"):
        assert swept(session, runtime(FIRST), T0 + 5 * H) == []
    logged = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "intake.sla"]
    assert logged == [(logging.WARNING, f"clock #{c.id}: policy 'reply' no longer exists; stopped")]


def test_a_sweep_takes_at_most_its_limit_of_clocks(session: Session) -> None:
    rt = runtime(FIRST)
    for _ in range(3):
        signal(session, rt, quote_case(session), "opened", T0)
    assert len(sweep(session, rt, T0 + 5 * H, limit=2)) == 2
    session.commit()
    assert len(swept(session, rt, T0 + 5 * H)) == 1  # the third, on the next sweep


def test_a_breach_told_at_the_next_opening_is_in_breach_since_it_fell_due(
    session: Session,
) -> None:
    # due at 20:00 in Edmonton, after hours: told at 08:00 the next morning
    quiet = FIRST.model_copy(update={"target": 10 * H, "send_outside_hours": False})
    rt = runtime(quiet)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    [breach] = swept(session, rt, T0 + 30 * H)
    assert breach.scheduled == T0 + 22 * H  # Tuesday 08:00 in Edmonton
    assert clock(session, case, "first").breached_at == T0 + 10 * H


def test_a_sweep_that_stops_a_removed_policys_clock_moves_the_cases_due_time(
    session: Session,
) -> None:
    case = quote_case(session)
    signal(session, runtime(FIRST, REPLY), case, "opened", T0)
    assert case.due_at == T0 + 4 * H
    swept(session, runtime(REPLY), T0 + 5 * H)  # "first" removed: its clock is stopped
    assert case.due_at == T0 + 10 * H


def test_a_sweep_one_by_one_returns_every_clocks_reminders(session: Session) -> None:
    rt = runtime(FIRST)
    for _ in range(2):
        signal(session, rt, quote_case(session), "opened", T0)
    batch = sweep_batch(session, rt, T0 + 5 * H, one_by_one=True)
    assert [r.step for r in batch.reminders] == ["breach", "breach"]


def test_a_sweep_failure_is_counted_per_case(session: Session) -> None:
    """Two cases whose clocks fail at the same step and instant: each case counts its own
    failures, so the second case's first failure is attempt 1, not the third."""
    rt = runtime(FIRST)
    first, second = quote_case(session), quote_case(session)
    for case in (first, second):
        signal(session, rt, case, "opened", T0)
    for _ in range(2):
        sla_sweep._sweep_failed(session, clock(session, first, "first"), T0 + 4 * H, "boom")
    sla_sweep._sweep_failed(session, clock(session, second, "first"), T0 + 4 * H, "boom")
    session.commit()
    failures = session.scalars(
        select(CaseEvent).where(CaseEvent.kind == "sla_sweep_failed").order_by(CaseEvent.id)
    )
    assert [(e.case_id, e.data["attempt"], e.data["gave_up"]) for e in failures] == [
        (first.id, 1, False),
        (first.id, 2, False),
        (second.id, 1, False),
    ]
    assert clock(session, second, "first").state == "running"


def test_a_late_repeat_also_starts_the_next_interval_from_when_it_was_sent(
    session: Session,
) -> None:
    """The breach told on time, then the sweep away past the repeat (due at 34 h): the repeat
    sent three hours late is followed by the next a full day after it, not at 58 h."""
    rt = runtime(REPLY.model_copy(update={"escalate_after": None}))
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    swept(session, rt, T0 + 5 * H)
    swept(session, rt, T0 + 10 * H)
    assert [r.step for r in swept(session, rt, T0 + 37 * H)] == ["repeat"]
    c = clock(session, case, "reply")
    assert (c.next_at, c.next_step) == (T0 + 61 * H, "repeat")
