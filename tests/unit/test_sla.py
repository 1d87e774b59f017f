"""handlers/sla.py's sweep on its own, and the signals of handlers/clocks.py it is driven by.

Clocks are started the way the pipeline starts them (`apply_signals`) on cases built
directly, and swept at chosen instants; what each sweep queued is compared whole: step,
recipients, the instant it was scheduled for and its Message-ID. The policies here count
wall time and send at any hour, so every instant is plain arithmetic on T0; calendars and
quiet hours have their own tests (tests/test_sla.py, tests/test_business_hours.py).

What a wrong sweep costs: a reminder Message-ID without the clock's generation collides
with the one of the clock's earlier life (the sweep's insert fails on the outbox's unique
Message-ID); a reminder nobody receives when the case has no owner; a case promising the
later of two deadlines; a follow-up cadence that drifts by however late the sweep ran; a
clock of a removed policy that every sweep claims again.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from intake.handlers import sla as sla_module
from intake.handlers import statuses
from intake.handlers.business_hours import BusinessCalendar
from intake.handlers.case_ops import BOT
from intake.handlers.clocks import message_signals
from intake.handlers.sla import (
    Reminder,
    SlaRuntime,
    agreed_due,
    apply_signals,
    concerned,
    due_clocks,
    refresh_case_due,
    replan_agreed_dates,
    report,
    sweep,
    sweep_batch,
    target_text,
)
from intake.handlers.sla_policy import Policy, load_sla
from intake.handlers.slack_feed import SlackFeed
from intake.storage import db
from intake.storage.models import Case, CaseEvent, OutboxMessage, SlaClock
from tests.unit.builders import QUOTES, T0, make_case, org, renderer, sla_runtime

H = timedelta(hours=1)
TARA, LENA, ALEX = "tara.nguyen@example.com", "lena.fischer@example.com", "alex.martin@example.com"
ANY_HOUR: dict[str, Any] = {"queues": ["quotes"], "basis": "wall", "send_outside_hours": True}
# A 10-hour answer: warned at 5 h, overdue at 10 h, repeated daily, the manager told at 48 h.
REPLY = Policy(
    name="reply",
    starts_on=["opened", "inquiry"],
    stops_on=["owner_replied", "closed"],
    target=10 * H,
    warn_at=0.5,
    repeat_every=24 * H,
    escalate_after=48 * H,
    **ANY_HOUR,
)
# A 4-hour first answer, stopped when the owner waits on the customer.
FIRST = Policy(
    name="first", starts_on=["opened"], stops_on=["waiting"], target=4 * H, warn_at=0, **ANY_HOUR
)
# Follow up every 72 hours while the quote awaits the customer's approval.
CHASE = Policy(
    name="chase",
    starts_on=["quote_sent"],
    stops_on=["won", "lost", "closed"],
    target=72 * H,
    kind="follow_up",
    warn_at=0,
    notify=["owner", "am"],
    **ANY_HOUR,
)


def runtime(*policies: Policy) -> SlaRuntime:
    """The demo organisation's calendars with only `policies` in force."""
    demo = org()
    calendars = {k: v for k, v in demo.sla.items() if k != "policies"}
    config = load_sla(calendars, demo.teams, time_zone=demo.time_zone, country=demo.phone_region)
    config = dataclasses.replace(config, policies={p.name: p for p in policies})
    return SlaRuntime(config=config, org=demo, renderer=renderer())


@pytest.fixture
def session(any_engine: Engine) -> Iterator[Session]:
    """One session, committed after each step as the scheduler commits each sweep."""
    sessions: sessionmaker[Session] = db.make_sessionmaker(any_engine)
    with sessions() as s:
        yield s


REQUEST = "<request@mail.example.net>"  # the Message-ID each case began with


def quote_case(
    session: Session, *, owner: str | None = "tara.nguyen", team: str | None = "west"
) -> Case:
    case = make_case(session, owner=owner, team=team, mailbox=QUOTES, message_ids=[REQUEST])
    case.account_manager = "alex.martin"
    case.fields = {"account": "Prairie Crest Homes"}
    session.commit()
    return case


def signal(session: Session, rt: SlaRuntime, case: Case, name: str, at: datetime) -> None:
    apply_signals(session, rt, case, [name], at, {"by": "test"})
    session.commit()


def swept(session: Session, rt: SlaRuntime, at: datetime) -> list[Reminder]:
    reminders = sweep(session, rt, at)
    session.commit()
    return reminders


def clock(session: Session, case: Case, policy: str) -> SlaClock:
    return session.scalars(
        select(SlaClock).where(SlaClock.case_id == case.id, SlaClock.policy == policy)
    ).one()


def said(reminders: list[Reminder]) -> list[tuple[str, list[str], datetime, str | None, list[str]]]:
    """What each reminder was: step, to, scheduled instant, Message-ID, steps it covers."""
    return [(r.step, r.to, r.scheduled, r.message_id, r.covers) for r in reminders]


def mid(c: SlaClock, generation: int, notice: int, step: str) -> str:
    return f"<sla.{c.id}.{generation}.{notice}.{step}@example.com>"


# --- the ladder -------------------------------------------------------------------------------


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


# --- who is told, and under which Message-ID ------------------------------------------------


def test_a_restarted_clock_reminds_under_new_message_ids(session: Session) -> None:
    """Each life of a clock numbers its notices from 1 again: the generation keeps them apart."""
    rt = runtime(REPLY)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    c = clock(session, case, "reply")
    (first,) = swept(session, rt, T0 + 5 * H)
    signal(session, rt, case, "owner_replied", T0 + 6 * H)
    signal(session, rt, case, "inquiry", T0 + 7 * H)
    assert (c.generation, c.notices, c.next_at) == (2, 0, T0 + 12 * H)
    (second,) = swept(session, rt, T0 + 12 * H)
    assert (first.message_id, second.message_id) == (
        mid(c, 1, 1, "warning"),
        mid(c, 2, 1, "warning"),
    )
    ids = session.scalars(select(OutboxMessage.message_id).order_by(OutboxMessage.id)).all()
    assert ids == [first.message_id, second.message_id]


def test_a_case_without_an_owner_reminds_the_teams_manager(session: Session) -> None:
    rt = runtime(REPLY)
    case = quote_case(session, owner=None)
    signal(session, rt, case, "opened", T0)
    assert [(r.step, r.to) for r in swept(session, rt, T0 + 10 * H)] == [("breach", [LENA])]
    (row,) = session.scalars(select(OutboxMessage)).all()
    assert (row.kind, row.recipients, row.mail_from) == ("sla_breach", [LENA], QUOTES)
    sent = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert (sent["To"], sent["In-Reply-To"], sent["Auto-Submitted"]) == (
        LENA,
        REQUEST,
        "auto-generated",
    )
    due = "Mon 02 Nov 20:00 MST"  # T0 + 10 h in Edmonton
    assert (
        sent["Subject"] == f"[{case.number}] Overdue: reply for Prairie Crest Homes was due {due}"
    )


def test_with_nobody_to_remind_the_case_says_so_and_nothing_is_queued(session: Session) -> None:
    rt = runtime(REPLY)
    case = quote_case(session, owner=None, team=None)
    signal(session, rt, case, "opened", T0)
    (reminder,) = swept(session, rt, T0 + 10 * H)
    assert (reminder.step, reminder.to, reminder.message_id) == ("breach", [], None)
    assert session.scalars(select(OutboxMessage)).all() == []
    unsent = session.scalars(
        select(CaseEvent.data).where(CaseEvent.kind == "sla_reminder_unsent")
    ).all()
    assert unsent == [{"policy": "reply", "step": "breach", "why": "nobody to send it to"}]


def test_a_follow_up_goes_to_the_owner_and_the_am(session: Session) -> None:
    rt = runtime(CHASE)
    case = quote_case(session)
    signal(session, rt, case, "quote_sent", T0)
    assert [(r.step, r.to) for r in swept(session, rt, T0 + 72 * H)] == [
        ("follow_up", [TARA, ALEX])
    ]


# --- the case's promised time ------------------------------------------------------------------


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


# --- follow-ups keep their cadence ------------------------------------------------------------


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


# --- what the sweep claims ----------------------------------------------------------------------


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


# --- the signals a message gives (handlers/clocks.py) -------------------------------------------


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


# --- what a reminder says, and what is logged --------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "named"), [("Sash windows, Lot 9", "Sash windows, Lot 9"), ("", "(no account)")]
)
def test_a_reminder_of_a_case_without_an_account_names_its_subject(
    session: Session, subject: str, named: str
) -> None:
    rt = runtime(REPLY)
    case = quote_case(session)
    case.fields, case.subject = {}, subject
    session.commit()
    signal(session, rt, case, "opened", T0)
    swept(session, rt, T0 + 10 * H)
    (row,) = session.scalars(select(OutboxMessage)).all()
    sent = email.message_from_bytes(row.raw, policy=email.policy.default)
    due = "Mon 02 Nov 20:00 MST"  # T0 + 10 h in Edmonton
    assert sent["Subject"] == f"[{case.number}] Overdue: reply for {named} was due {due}"


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


# --- what the mutation run of handlers/sla.py found untested (tests/mutation-equivalents.md) ---

# The demo's answer-by-the-owner policy: paused while the case waits on the customer.
PAUSING = Policy(
    name="pausing",
    starts_on=["opened"],
    stops_on=["closed"],
    pauses_on=["waiting"],
    resumes_on=["reopened"],
    target=10 * H,
    warn_at=0,
    **ANY_HOUR,
)


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


def test_the_log_line_of_a_reminder_names_its_recipients(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    rt = runtime(FIRST)
    signal(session, rt, quote_case(session), "opened", T0)
    with caplog.at_level(logging.INFO, logger="intake.sla"):
        swept(session, rt, T0 + 4 * H)
    assert any(TARA in r.getMessage() and "breach" in r.getMessage() for r in caplog.records)


def test_only_a_follow_up_tells_the_am(session: Session) -> None:
    case = quote_case(session)
    told_am = REPLY.model_copy(update={"notify": ["owner", "am"]})
    assert concerned(org(), case, told_am, "breach") == ["tara.nguyen"]
    assert concerned(org(), case, told_am, "follow_up") == ["tara.nguyen", "alex.martin"]


def test_a_promise_in_working_days_is_said_in_days() -> None:
    days = REPLY.model_copy(update={"basis": "working_days", "target": 48 * H})
    assert target_text(days) == "2 working days"
    assert target_text(days.model_copy(update={"target": 30 * H})) == "30 hours, on working days"


def test_the_report_says_how_late_only_of_a_clock_past_due(session: Session) -> None:
    rt = runtime(FIRST)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    assert [r["late"] for r in report(session, rt, T0 + 3 * H)] == [None]
    assert [r["late"] for r in report(session, rt, T0 + 4 * H + timedelta(seconds=30))] == [
        "less than a minute"
    ]
    assert [r["late"] for r in report(session, rt, T0 + 6 * H)] == ["2 hours"]


def test_a_sweep_that_stops_a_removed_policys_clock_moves_the_cases_due_time(
    session: Session,
) -> None:
    case = quote_case(session)
    signal(session, runtime(FIRST, REPLY), case, "opened", T0)
    assert case.due_at == T0 + 4 * H
    swept(session, runtime(REPLY), T0 + 5 * H)  # "first" removed: its clock is stopped
    assert case.due_at == T0 + 10 * H


# --- the seed-43 sample's survivors (README, "Tests") ----------------------------------------


def test_a_promise_of_whole_days_over_three_is_said_in_days() -> None:
    week = REPLY.model_copy(update={"target": 168 * H})
    assert target_text(week) == "7 days"
    assert target_text(REPLY.model_copy(update={"target": 72 * H})) == "72 hours"


def test_the_report_names_each_clocks_account(session: Session) -> None:
    rt = runtime(FIRST)
    signal(session, rt, quote_case(session), "opened", T0)
    assert [r["account"] for r in report(session, rt, T0 + H)] == ["Prairie Crest Homes"]


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


def test_a_sweep_one_by_one_returns_every_clocks_reminders(session: Session) -> None:
    rt = runtime(FIRST)
    for _ in range(2):
        signal(session, rt, quote_case(session), "opened", T0)
    batch = sweep_batch(session, rt, T0 + 5 * H, one_by_one=True)
    assert [r.step for r in batch.reminders] == ["breach", "breach"]


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


def test_a_sweep_failure_is_counted_per_case(session: Session) -> None:
    """Two cases whose clocks fail at the same step and instant: each case counts its own
    failures, so the second case's first failure is attempt 1, not the third."""
    rt = runtime(FIRST)
    first, second = quote_case(session), quote_case(session)
    for case in (first, second):
        signal(session, rt, case, "opened", T0)
    for _ in range(2):
        sla_module._sweep_failed(session, clock(session, first, "first"), T0 + 4 * H, "boom")
    sla_module._sweep_failed(session, clock(session, second, "first"), T0 + 4 * H, "boom")
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


def test_a_slack_reminder_names_the_am_only_on_a_follow_up(session: Session) -> None:
    case = quote_case(session)
    feed = SlackFeed(org())
    told_am = CHASE.model_copy(update={"kind": "deadline"})
    context = {"headline": "Prairie Crest Homes"}
    owner, am = feed.mention("tara.nguyen"), feed.mention("alex.martin")
    assert sla_module._slack_line(feed, case, told_am, "breach", context) == (
        f":alarm_clock: *Overdue*: {owner} Prairie Crest Homes"
    )
    assert sla_module._slack_line(feed, case, CHASE, "follow_up", context) == (
        f":alarm_clock: *Follow up*: {owner} {am} Prairie Crest Homes"
    )


# --- what the reminders and the report say, exactly ------------------------------------------


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(0), "less than a minute"),
        (timedelta(seconds=59), "less than a minute"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=45), "45 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=2, minutes=1), "2 hours 1 minute"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=1, minutes=1), "1 day"),  # minutes are not said beside days
        (timedelta(days=2, hours=3, minutes=5), "2 days 3 hours"),
        (timedelta(days=3, hours=1), "3 days 1 hour"),
    ],
)
def test_how_late_in_words(delta: timedelta, words: str) -> None:
    assert sla_module._human(delta) == words


@pytest.mark.parametrize(
    ("basis", "hours", "words"),
    [
        ("business", 1, "1 business hour"),
        ("business", 9, "9 business hours"),
        ("business", 4.5, "4.5 business hours"),
        ("working_days", 24, "1 working day"),
        ("working_days", 48, "2 working days"),
        ("working_days", 30, "30 hours, on working days"),
        ("wall", 1, "1 hour"),
        ("wall", 1.5, "1.5 hours"),
        ("wall", 72, "72 hours"),
        ("wall", 73, "73 hours"),
        ("wall", 96, "4 days"),
    ],
)
def test_the_promise_in_words(basis: str, hours: float, words: str) -> None:
    policy = REPLY.model_copy(update={"basis": basis, "target": timedelta(hours=hours)})
    assert target_text(policy) == words


def _context(case: Case, policy: Policy, step: str, due: datetime | None, now: datetime) -> dict:
    cal = runtime(policy).config.team_calendar(policy, case.team)
    return sla_module._context(org(), case, policy, step, due, now, cal)


def test_the_words_of_each_reminder(session: Session) -> None:
    """Every value a reminder's template and subject are built from, for each kind of step:
    the headline says what is due for which account and when, in the team's zone."""
    case = quote_case(session)
    case.missing = ["factor"]
    due = T0 + 10 * H  # 20:00 in Edmonton
    named = REPLY.model_copy(update={"name": "quote_turnaround"})
    common = {
        "case_number": case.number,
        "what": "quote",
        "account": "Prairie Crest Homes",
        "subject": "Quote please",
        "status": "open",
        "due": "Mon 02 Nov 20:00 MST",
        "owner_name": "Tara Nguyen",
        "policy": "quote_turnaround",
        "target": "10 hours",
        "missing": ["factor"],
    }
    assert _context(case, named, "warning", due, T0 + 5 * H) == {
        **common,
        "step": "warning",
        "headline": "quote for Prairie Crest Homes due Mon 02 Nov 20:00 MST",
        "late": None,
    }
    assert _context(case, named, "breach", due, due + 2 * H + timedelta(minutes=5)) == {
        **common,
        "step": "breach",
        "headline": "quote for Prairie Crest Homes was due Mon 02 Nov 20:00 MST",
        "late": "2 hours 5 minutes",
    }
    assert _context(case, named, "follow_up", due, due)["headline"] == (
        "quote for Prairie Crest Homes"
    )
    assert _context(case, named, "breach", due, due)["late"] is None  # on the minute: not late


def test_a_reminder_names_what_it_can_when_the_case_lacks_it(session: Session) -> None:
    """A policy the titles do not know is named by its own name; a case without an account
    by its subject, then "(no account)"; no due time, no owner: None, not a crash."""
    case = quote_case(session, owner=None)
    case.fields, case.status = {}, "waiting_on_customer"
    custom = REPLY.model_copy(update={"name": "site_visit_booked"})
    said = _context(case, custom, "escalation", None, T0)
    assert (said["what"], said["account"], said["status"]) == (
        "site visit booked",
        "Quote please",
        "waiting on customer",
    )
    assert (said["due"], said["late"], said["owner_name"]) == (None, None, None)
    assert said["headline"] == "site visit booked for Quote please was due None"
    case.subject = ""
    assert _context(case, custom, "follow_up", None, T0)["account"] == "(no account)"


def test_each_clock_state(session: Session) -> None:
    case = quote_case(session)
    rt = runtime(REPLY, CHASE)
    signal(session, rt, case, "opened", T0)
    signal(session, rt, case, "quote_sent", T0)
    deadline, follow_up = clock(session, case, "reply"), clock(session, case, "chase")
    state = sla_module.clock_state
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
