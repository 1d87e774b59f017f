"""SLA clocks: started, paused, resumed and stopped by case signals, and planned.

A clock is a row (`storage.models.SlaClock`) holding when it falls due and what it will do
next (`next_at`, `next_step`). Nothing here keeps time by itself: `apply_signals` moves the
clocks of one case when something happens to it and `plan` works out each clock's next step;
`handlers.sla_sweep` claims the clocks whose `next_at` has passed and takes their steps,
`handlers.sla_notices` says each reminder (email, Slack, Salesforce) and whom it concerns,
and `handlers.sla_report` lists the clocks for people.

The reminder ladder of a deadline: a warning at `warn_at` of the target, the breach notice at
100 %, the notice repeated every `repeat_every` while in breach, and one escalation to the
team's manager after `escalate_after` in breach. A follow-up policy sends its reminder at
100 % and starts over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from intake.handlers.business_hours import (
    BusinessCalendar,
    business_time_between,
    due_at,
    next_opening,
)
from intake.handlers.case_ops import BOT
from intake.handlers.replies import ReplyRenderer
from intake.handlers.salesforce_feed import SalesforceFeed
from intake.handlers.sla_policy import Policy, SlaConfig
from intake.handlers.slack_feed import SlackFeed
from intake.handlers.statuses import DONE
from intake.parsers.org import Organisation
from intake.storage import write_once
from intake.storage.audit import record
from intake.storage.models import Case, SlaClock

RUNNING, PAUSED, STOPPED = "running", "paused", "stopped"
_CLOCKS = SlaClock.__table__
_ORDER = {"warning": 0, "breach": 1, "repeat": 2, "escalation": 3, "follow_up": 4}


@dataclass(frozen=True)
class SlaRuntime:
    """What the clocks need from the running bot, built once by the composition root."""

    config: SlaConfig
    org: Organisation
    renderer: ReplyRenderer
    slack: SlackFeed | None = None  # reminders also go to the case's Slack thread
    salesforce: SalesforceFeed | None = None  # and to its Salesforce Case's feed


@dataclass(frozen=True)
class Reminder:
    """One reminder the sweep queued: the replay report and the logs are made of these."""

    case: str
    policy: str
    step: str
    to: list[str]
    at: datetime  # when it was sent (the sweep's now)
    scheduled: datetime  # when the step fell due
    due_at: datetime | None
    message_id: str | None
    covers: list[str]  # steps it stood in for in a catch-up


# --- counting ----------------------------------------------------------------------------


def _business(policy: Policy) -> bool:
    return policy.basis != "wall"


def _add(policy: Policy, cal: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    return due_at(cal, start, max(amount, timedelta(0)), _business(policy))


def _elapsed(policy: Policy, cal: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    if _business(policy):
        return business_time_between(cal, start, end)
    return max(end - start, timedelta(0))


def agreed_due(policy: Policy, case: Case, cal: BusinessCalendar) -> datetime | None:
    """The date in the case field `policy.due_field`, as the instant it falls due: a date
    alone means the team's closing time that day (midnight for an all-day calendar: the end
    of the day); a date and time, that time in the team's zone."""
    if not policy.due_field:
        return None
    value = (case.fields or {}).get(policy.due_field)
    if not value:
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            closes = cal.closes if cal.closes != time(0) else None
            if closes is None:
                return datetime.combine(day + timedelta(days=1), time(0), tzinfo=cal.zone)
            return datetime.combine(day, closes, tzinfo=cal.zone)
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=cal.zone)


def plan(clock: SlaClock, policy: Policy, cal: BusinessCalendar) -> None:
    """Work out `due_at`, `warn_at` and the next step of a clock from its counting state."""
    if clock.state != RUNNING:
        clock.next_at, clock.next_step = None, None
        if clock.state == STOPPED:
            clock.warn_at = None
        return
    target = timedelta(seconds=clock.remaining_seconds)
    due = clock.agreed_due_at or _add(policy, cal, clock.resumed_at, target)
    clock.due_at = due
    steps: list[tuple[datetime, str]] = []
    if policy.kind == "follow_up":
        steps.append((due, "follow_up"))
    else:
        warn = None
        if policy.warn_at > 0 and not clock.warned:
            if clock.agreed_due_at is not None:
                warn = clock.started_at + (due - clock.started_at) * policy.warn_at
            else:
                left_at_warning = policy.target * (1 - policy.warn_at)
                if target > left_at_warning:
                    warn = _add(policy, cal, clock.resumed_at, target - left_at_warning)
            if warn is not None and warn < due:
                steps.append((warn, "warning"))
        clock.warn_at = warn
        if clock.breached_at is None:
            steps.append((due, "breach"))
        else:
            last = clock.last_notice_at or clock.breached_at
            if policy.repeat_every:
                steps.append((_add(policy, cal, last, policy.repeat_every), "repeat"))
            if policy.escalate_after and not clock.escalated:
                at = _add(policy, cal, clock.breached_at, policy.escalate_after)
                steps.append((at, "escalation"))
    if not steps:
        clock.next_at, clock.next_step = None, None
        return
    at, step = min(steps, key=lambda s: (s[0], _ORDER[s[1]]))
    if not policy.send_outside_hours:
        at = next_opening(cal.working_hours or cal, at)  # quiet hours: at the next opening
    clock.next_at, clock.next_step = at, step


# --- signals -----------------------------------------------------------------------------


def account_type(org: Organisation, case: Case) -> str | None:
    account = org.accounts.get(case.account_id or "")
    return account.type if account is not None else None


def clocks_of(session: Session, case: Case) -> dict[str, SlaClock]:
    """The case's clocks by policy: those in the database, then those added to the session
    since (a command's, earlier in the same message), as a flush and a query would find them.

    Found without flushing: a clock's row is picked by its case, which no pending change
    moves, and the session's own objects keep their pending changes when a query meets them.
    A flush here would write what the message changed so far (the case, then again with its
    new due date), and a case not written yet would be inserted before its owner and due date
    are known; such a case has no clocks in the database, so it is not asked at all: its
    clocks are the ones noted for it (`_new_clock`)."""
    if inspect(case).pending:
        return {c.policy: c for c in _noted_clocks(session, case)}
    added = [c for c in session.new if isinstance(c, SlaClock) and c.case is case]
    with session.no_autoflush:
        rows = list(session.scalars(select(SlaClock).where(SlaClock.case_id == case.id)))
    return {c.policy: c for c in [*rows, *added]}


class _ClockRow:
    """A new case's clock, noted for the next flush (storage/write_once.py): its row is read
    from the (transient) clock when it is written, so the steps of the message between its
    start and the flush (a date agreed in the same message) are in it."""

    __slots__ = ("clock",)
    columns = [c.key for c in _CLOCKS.columns if c.key not in ("id", "case_id")]

    def __init__(self, clock: SlaClock) -> None:
        self.clock = clock

    def __call__(self) -> dict[str, Any]:
        return {key: getattr(self.clock, key) for key in self.columns}


def _new_clock(session: Session, case: Case, policy: Policy) -> SlaClock:
    """A clock that is not there yet. A new case's (the case is not written yet, so nothing
    in the database can name its clocks) is written with the next flush by a Core INSERT,
    after which the database has it and `clocks_of` reads it back like any other; a clock
    of a case written before is an ORM object, added to the session."""
    clock = SlaClock(case=case, policy=policy.name, generation=0)  # no cascade: case -> clock
    if not inspect(case).pending:
        session.add(clock)
        return clock
    write_once.note(session, _CLOCKS, _ClockRow(clock), case=case, refs={"case_id": case})
    return clock


def _noted_clocks(session: Session, case: Case) -> list[SlaClock]:
    return [
        n.values.clock
        for n in write_once.noted(session, _CLOCKS)
        if n.case is case and isinstance(n.values, _ClockRow)
    ]


def apply_signals(
    session: Session,
    rt: SlaRuntime,
    case: Case,
    signals: Sequence[str],
    now: datetime,
    cause: Mapping[str, Any] | None = None,
) -> dict[str, SlaClock] | None:
    """Move the case's clocks for each signal in order; each move is a case event. Then the
    case's `due_at` is the earliest deadline still running (what the sender was promised).
    Returns the case's clocks by policy (None when there was no signal), for the caller's
    next step on them without looking them up again.

    The bot moves the clocks, so it is each event's actor; `cause` says what made it: the
    message (`inbound_id`, `message_id`, `sender`), or the person's command (`by`). Those
    are data fields of their own, so an audit can find every clock a message moved."""
    if not signals:
        return None
    why = dict(cause or {})
    done = case.status in DONE  # a won, lost or closed case starts nothing new
    clocks = clocks_of(session, case)
    for policy in rt.config.policies_for(case.queue, account_type(rt.org, case)):
        cal = rt.config.calendar_for(policy, case.team)
        for signal in signals:
            clock = clocks.get(policy.name)
            if clock is None or clock.state == STOPPED:
                if signal in policy.starts_on and not done:
                    clocks[policy.name] = _start(
                        session, rt.config, case, clock, policy, cal, now, signal, why
                    )
            elif signal in policy.stops_on:
                _stop(session, clock, policy, cal, now, signal, why)
            elif signal in policy.restarts_on and not done:
                _start(session, rt.config, case, clock, policy, cal, now, signal, why)
            elif signal in policy.pauses_on and clock.state == RUNNING:
                _pause(session, clock, policy, cal, now, signal, why)
            elif signal in policy.resumes_on and clock.state == PAUSED:
                _resume(session, clock, policy, cal, now, signal, why)
    refresh_case_due(case, clocks.values(), rt.config)
    return clocks


def replan_agreed_dates(
    session: Session,
    rt: SlaRuntime,
    case: Case,
    changed_fields: Iterable[str],
    now: datetime,
    cause: Mapping[str, Any] | None = None,
    clocks: dict[str, SlaClock] | None = None,
) -> None:
    """A date agreed later in the thread ("we need it by Thursday") moves the clocks that
    read that field. `clocks`: the case's, as `apply_signals` just returned them."""
    changed = set(changed_fields)
    if clocks is None:
        clocks = clocks_of(session, case)
    for clock in clocks.values():
        policy = rt.config.policies.get(clock.policy)
        if policy is None or clock.state == STOPPED or policy.due_field not in changed:
            continue
        cal = rt.config.calendar_for(policy, case.team)
        agreed = agreed_due(policy, case, rt.config.team_calendar(policy, case.team))
        old = clock.due_at
        clock.agreed_due_at = agreed if _replaces_target(policy, clock, cal, agreed) else None
        plan(clock, policy, cal)
        clock.updated_at = now
        clock_event(session, case, now, "sla_due_changed", clock, cause, old=old, new=clock.due_at)
    refresh_case_due(case, clocks.values(), rt.config)


def _replaces_target(
    policy: Policy, clock: SlaClock, cal: BusinessCalendar, agreed: datetime | None
) -> bool:
    """An agreed date replaces a deadline's target when it is earlier; a follow-up's always
    (the customer said when they will decide: follow up then)."""
    if agreed is None:
        return False
    if policy.kind == "follow_up":
        return True
    target_due = _add(policy, cal, clock.resumed_at, timedelta(seconds=clock.remaining_seconds))
    return agreed < target_due


def refresh_case_due(case: Case, clocks: Iterable[SlaClock], config: SlaConfig) -> None:
    deadlines = [
        c.due_at
        for c in clocks
        if c.state == RUNNING
        and c.due_at is not None
        and (p := config.policies.get(c.policy)) is not None
        and p.kind == "deadline"
    ]
    case.due_at = min(deadlines) if deadlines else None


def _start(
    session: Session,
    config: SlaConfig,
    case: Case,
    clock: SlaClock | None,
    policy: Policy,
    cal: BusinessCalendar,
    now: datetime,
    signal: str,
    cause: dict[str, Any],
) -> SlaClock:
    if clock is None:
        clock = _new_clock(session, case, policy)
    clock.generation = (clock.generation or 0) + 1
    clock.state = RUNNING
    clock.started_at = clock.resumed_at = clock.updated_at = now
    clock.remaining_seconds = policy.target.total_seconds()
    clock.warned, clock.escalated, clock.notices = False, False, 0
    clock.breached_at = clock.last_notice_at = clock.paused_at = clock.stopped_at = None
    clock.stopped_by = None
    clock.agreed_due_at = None
    agreed = agreed_due(policy, case, config.team_calendar(policy, case.team))
    if _replaces_target(policy, clock, cal, agreed):
        clock.agreed_due_at = agreed
    plan(clock, policy, cal)
    clock_event(session, case, now, "sla_started", clock, cause, on=signal, due_at=clock.due_at)
    return clock


def _pause(
    session: Session,
    clock: SlaClock,
    policy: Policy,
    cal: BusinessCalendar,
    now: datetime,
    signal: str,
    cause: dict[str, Any],
) -> None:
    used = _elapsed(policy, cal, clock.resumed_at, now)
    clock.remaining_seconds = max(0.0, clock.remaining_seconds - used.total_seconds())
    clock.state, clock.paused_at, clock.updated_at = PAUSED, now, now
    plan(clock, policy, cal)
    if clock.agreed_due_at is None:
        clock.due_at = None
    clock_event(
        session,
        clock.case,
        now,
        "sla_paused",
        clock,
        cause,
        on=signal,
        remaining=str(timedelta(seconds=round(clock.remaining_seconds))),
    )


def _resume(
    session: Session,
    clock: SlaClock,
    policy: Policy,
    cal: BusinessCalendar,
    now: datetime,
    signal: str,
    cause: dict[str, Any],
) -> None:
    clock.state, clock.resumed_at, clock.paused_at, clock.updated_at = RUNNING, now, None, now
    plan(clock, policy, cal)
    clock_event(
        session, clock.case, now, "sla_resumed", clock, cause, on=signal, due_at=clock.due_at
    )


def _stop(
    session: Session,
    clock: SlaClock,
    policy: Policy,
    cal: BusinessCalendar,
    now: datetime,
    signal: str,
    cause: dict[str, Any],
) -> None:
    met = clock.breached_at is None if policy.kind == "deadline" else None
    clock.state, clock.stopped_at, clock.stopped_by, clock.updated_at = STOPPED, now, signal, now
    plan(clock, policy, cal)
    clock_event(session, clock.case, now, "sla_stopped", clock, cause, on=signal, met=met)


def clock_event(
    session: Session,
    case: Case,
    now: datetime,
    kind: str,
    clock: SlaClock,
    cause: Mapping[str, Any] | None = None,
    **data: Any,
) -> None:
    """A clock's event: the bot is its actor; `cause` (what made it) joins its data."""
    clean = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}
    data = {"policy": clock.policy, **clean, **(cause or {})}
    record(session, case, at=now, actor=BOT, kind=kind, data=data)
