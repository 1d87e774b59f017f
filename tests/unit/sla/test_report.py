"""handlers/sla_report.py: each clock's state and the report `intake sla` prints, row by
row and in its order (most overdue first, then warnings, then by due time)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from intake.handlers import sla_report
from intake.handlers.sla_report import report
from tests.unit.builders import T0
from tests.unit.sla.setup import (
    CHASE,
    FIRST,
    REPLY,
    H,
    clock,
    quote_case,
    runtime,
    signal,
)


def test_the_report_says_how_late_only_of_a_clock_past_due(session: Session) -> None:
    rt = runtime(FIRST)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    assert [r["late"] for r in report(session, rt, T0 + 3 * H)] == [None]
    assert [r["late"] for r in report(session, rt, T0 + 4 * H + timedelta(seconds=30))] == [
        "less than a minute"
    ]
    assert [r["late"] for r in report(session, rt, T0 + 6 * H)] == ["2 hours"]


def test_the_report_names_each_clocks_account(session: Session) -> None:
    rt = runtime(FIRST)
    signal(session, rt, quote_case(session), "opened", T0)
    assert [r["account"] for r in report(session, rt, T0 + H)] == ["Prairie Crest Homes"]


def test_each_clock_state(session: Session) -> None:
    case = quote_case(session)
    rt = runtime(REPLY, CHASE)
    signal(session, rt, case, "opened", T0)
    signal(session, rt, case, "quote_sent", T0)
    deadline, follow_up = clock(session, case, "reply"), clock(session, case, "chase")
    state = sla_report.clock_state
    assert [state(deadline, REPLY, T0 + n * H) for n in (0, 4, 5, 9, 10, 11)] == [
        "on time",
        "on time",
        "warning",  # at warn_at, even before the sweep has warned
        "warning",
        "breached",  # at the due instant
        "breached",
    ]
    assert [state(follow_up, CHASE, T0 + n * H) for n in (71, 72, 100)] == [
        "on time",
        "follow-up due",
        "follow-up due",
    ]
    assert state(deadline, None, T0 + 11 * H) == "breached"  # its policy removed
    deadline.warned = True
    assert state(deadline, REPLY, T0 + H) == "warning"  # warned already
    deadline.warned, deadline.breached_at = False, T0 + H
    assert state(deadline, REPLY, T0 + H) == "breached"  # in breach already
    deadline.state = "paused"
    assert state(deadline, REPLY, T0 + 11 * H) == "paused"


def test_the_report_row_of_a_running_and_of_a_paused_clock(session: Session) -> None:
    paused_reply = REPLY.model_copy(update={"pauses_on": ["waiting"]})
    rt = runtime(paused_reply)
    running, paused = quote_case(session), quote_case(session, owner=None)
    signal(session, rt, running, "opened", T0)
    signal(session, rt, paused, "opened", T0)
    signal(session, rt, paused, "waiting", T0 + 90 * timedelta(minutes=1))
    rows = report(session, rt, T0 + 11 * H)
    assert rows == [
        {
            "case": running.number,
            "queue": "quotes",
            "status": "open",
            "account": "Prairie Crest Homes",
            "policy": "reply",
            "owner": "tara.nguyen",
            "owner_name": "Tara Nguyen",
            "state": "breached",
            "due_at": (T0 + 10 * H).isoformat(),
            "late": "1 hour",
            "remaining": None,
            "next_step": "warning",  # not swept: the warning is still to be sent
            "next_at": (T0 + 5 * H).isoformat(),
            "notices": 0,
        },
        {
            "case": paused.number,
            "queue": "quotes",
            "status": "open",
            "account": "Prairie Crest Homes",
            "policy": "reply",
            "owner": None,
            "owner_name": None,
            "state": "paused",
            "due_at": None,  # a paused clock has no due time
            "late": None,
            "remaining": "8:30:00",
            "next_step": None,
            "next_at": None,
            "notices": 0,
        },
    ]


def test_the_report_puts_the_most_overdue_first_then_warnings_then_by_due_time(
    session: Session,
) -> None:
    rt = runtime(REPLY)
    cases = [quote_case(session) for _ in range(4)]
    for case, start in zip(cases, (T0 + 6 * H, T0, T0 + 3 * H, T0 + 8 * H), strict=True):
        signal(session, rt, case, "opened", start)
    order = [r["case"] for r in report(session, rt, T0 + 14 * H)]
    # due 10:00 + 10 h: case 1 (4 h late), case 2 (1 h late); case 0 warned; case 3 on time
    assert order == [cases[1].number, cases[2].number, cases[0].number, cases[3].number]
