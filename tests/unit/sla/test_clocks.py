"""handlers/sla.py: clocks started, stopped, paused and resumed by a case's signals, the
case's promised time, agreed dates, and the signals a message gives (handlers/clocks.py).

Clocks are started the way the pipeline starts them (`apply_signals`) on cases built
directly; the policies count wall time and send at any hour (tests/unit/sla_setup.py), so
every instant is plain arithmetic on T0; calendars and quiet hours have their own tests
(tests/test_sla.py, tests/test_business_hours.py). What a wrong clock costs: a case
promising the later of two deadlines; an agreed date read an hour late; a stopped deadline
that does not say whether it was met.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.handlers import statuses
from intake.handlers.business_hours import BusinessCalendar
from intake.handlers.clocks import message_signals
from intake.handlers.sla import (
    agreed_due,
    refresh_case_due,
    replan_agreed_dates,
)
from intake.storage.models import Case, CaseEvent, SlaClock
from tests.unit.builders import T0, org
from tests.unit.sla.setup import (
    ALEX,
    CHASE,
    FIRST,
    PAUSING,
    REPLY,
    TARA,
    H,
    clock,
    quote_case,
    runtime,
    signal,
    swept,
)


def test_a_restart_records_the_signal_that_restarted_the_clock(session: Session) -> None:
    """A running clock restarted by a signal of its `restarts_on`: a new life, due a full
    target from then, and its `sla_started` event says which signal it was."""
    rt = runtime(REPLY.model_copy(update={"restarts_on": ["am_update"]}))
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    signal(session, rt, case, "am_update", T0 + 2 * H)
    c = clock(session, case, "reply")
    assert (c.generation, c.due_at) == (2, T0 + 12 * H)
    started = session.scalars(
        select(CaseEvent).where(CaseEvent.kind == "sla_started").order_by(CaseEvent.id)
    ).all()
    assert [(e.at, e.data["on"]) for e in started] == [(T0, "opened"), (T0 + 2 * H, "am_update")]


def test_the_case_is_due_at_its_earliest_running_deadline(session: Session) -> None:
    rt = runtime(REPLY, FIRST, CHASE)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    assert case.due_at == T0 + 4 * H
    signal(session, rt, case, "quote_sent", T0 + H)  # a follow-up is no deadline
    assert clock(session, case, "chase").due_at == T0 + 73 * H
    assert case.due_at == T0 + 4 * H
    swept(session, rt, T0 + 5 * H)  # "first" is overdue, still running: still what is due
    assert case.due_at == T0 + 4 * H
    signal(session, rt, case, "waiting", T0 + 6 * H)
    assert case.due_at == T0 + 10 * H


def test_only_running_deadlines_count() -> None:
    config = runtime(REPLY, FIRST, CHASE).config

    def c(policy: str, state: str, due: datetime | None) -> SlaClock:
        return SlaClock(policy=policy, state=state, due_at=due)

    case = Case()
    refresh_case_due(
        case, [c("reply", "running", T0 + 9 * H), c("first", "running", T0 + 3 * H)], config
    )
    assert case.due_at == T0 + 3 * H
    refresh_case_due(
        case,
        [
            c("reply", "running", T0 + 9 * H),
            c("first", "paused", T0 + 3 * H),
            c("chase", "running", T0 + H),
            c("retired", "running", T0 + 2 * H),
        ],
        config,
    )
    assert case.due_at == T0 + 9 * H
    refresh_case_due(case, [c("first", "stopped", T0), c("reply", "running", None)], config)
    assert case.due_at is None


@pytest.mark.parametrize(
    ("sender", "opened", "completed", "before", "status", "signals"),
    [
        (ALEX, True, False, "", statuses.OPEN, ["opened"]),
        (ALEX, True, False, "", statuses.AWAITING_INFO, ["opened", "info_requested"]),
        (TARA, False, False, statuses.OPEN, statuses.OPEN, ["owner_replied"]),
        ("Tara.Nguyen@Example.com", False, True, statuses.OPEN, statuses.OPEN, ["owner_replied"]),
        (ALEX, False, True, statuses.AWAITING_INFO, statuses.OPEN, ["am_update", "info_received"]),
        (ALEX, False, False, statuses.OPEN, statuses.OPEN, ["am_update", "inquiry"]),
        (
            "pat@example.net",
            False,
            False,
            statuses.WAITING,
            statuses.WAITING,
            ["info_received", "reopened", "inquiry"],
        ),
        ("pat@example.net", False, False, statuses.AWAITING_INFO, statuses.AWAITING_INFO, []),
        ("pat@example.net", False, False, statuses.OPEN, statuses.OPEN, ["inquiry"]),
    ],
)
def test_what_a_message_signals(
    sender: str, opened: bool, completed: bool, before: str, status: str, signals: list[str]
) -> None:
    case = Case(owner="tara.nguyen", account_manager="alex.martin", status=status)
    got = message_signals(
        org(), case, sender, opened=opened, completed=completed, status_before=before
    )
    assert got == signals


def test_a_resumed_clock_records_when_it_is_now_due(session: Session) -> None:
    rt = runtime(PAUSING)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    signal(session, rt, case, "waiting", T0 + 4 * H)  # 6 h left
    signal(session, rt, case, "reopened", T0 + 20 * H)
    resumed = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "sla_resumed")
    ).one()
    assert resumed.data["due_at"] == (T0 + 26 * H).isoformat()
    assert clock(session, case, "pausing").due_at == T0 + 26 * H


def test_a_stopped_deadline_says_whether_it_was_met_and_a_follow_up_does_not(
    session: Session,
) -> None:
    rt = runtime(FIRST, CHASE)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    signal(session, rt, case, "quote_sent", T0 + H)
    signal(session, rt, case, "waiting", T0 + 2 * H)  # stops "first", on time
    signal(session, rt, case, "won", T0 + 3 * H)  # stops the follow-up
    stopped = {
        e.data["policy"]: e.data["met"]
        for e in session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "sla_stopped")
        )
    }
    assert stopped == {"first": True, "chase": None}


def test_an_agreed_date_alone_falls_due_at_closing_or_at_the_end_of_an_all_day_calendar() -> None:
    """ "By 10 May" with a team that closes at 17:00 means 17:00 that day; with an all-day
    calendar (closes 00:00) it means the end of the day, the next day's 00:00."""
    agreed = REPLY.model_copy(update={"due_field": "quote_due"})
    case = Case(fields={"quote_due": "2031-05-10"})
    zone = "America/Edmonton"
    office = BusinessCalendar(zone, frozenset(range(5)), time(8), time(17))
    all_day = BusinessCalendar(zone, frozenset(range(7)), time(0), time(0))
    assert agreed_due(agreed, case, office) == datetime(2031, 5, 10, 17, tzinfo=ZoneInfo(zone))
    assert agreed_due(agreed, case, all_day) == datetime(2031, 5, 11, 0, tzinfo=ZoneInfo(zone))


def test_an_agreed_date_moving_a_clock_records_its_old_and_new_due_times(
    session: Session,
) -> None:
    agreed = REPLY.model_copy(update={"due_field": "quote_due"})
    rt = runtime(agreed)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    case.fields = {**case.fields, "quote_due": (T0 + 5 * H).isoformat()}
    replan_agreed_dates(session, rt, case, ["quote_due"], T0 + H, {"by": "test"})
    session.commit()
    (moved,) = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "sla_due_changed")
    )
    assert moved.data == {
        "policy": "reply",
        "old": (T0 + 10 * H).isoformat(),
        "new": (T0 + 5 * H).isoformat(),
        "by": "test",
    }


def test_a_clock_paused_past_its_target_has_nothing_left_and_is_due_on_resuming(
    session: Session,
) -> None:
    """Paused two hours after it fell due: nothing is left (never a negative nor a token
    second), the pause says so, and on resuming the clock is due at once."""
    rt = runtime(PAUSING)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    signal(session, rt, case, "waiting", T0 + 12 * H)
    paused = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "sla_paused")
    ).one()
    assert paused.data == {
        "policy": "pausing",
        "on": "waiting",
        "remaining": "0:00:00",
        "by": "test",
    }
    assert clock(session, case, "pausing").remaining_seconds == 0
    signal(session, rt, case, "reopened", T0 + 20 * H)
    assert clock(session, case, "pausing").due_at == T0 + 20 * H
