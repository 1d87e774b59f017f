"""SLA clocks: started, paused, resumed and stopped by case signals, and swept when due.

A clock is a row (`storage.models.SlaClock`) holding when it falls due and what it will do
next (`next_at`, `next_step`). Nothing here keeps time by itself: `apply_signals` moves the
clocks of one case when something happens to it, and `sweep(now)` claims the clocks whose
`next_at` has passed (an indexed range on `next_at`; on PostgreSQL `FOR UPDATE SKIP LOCKED`,
so several bots can sweep side by side), sends each due step's reminder through the outbox
with a case event, and plans the next step, all in the caller's transaction.

The reminder ladder of a deadline: a warning at `warn_at` of the target, the breach notice at
100 %, the notice repeated every `repeat_every` while in breach, and one escalation to the
team's manager after `escalate_after` in breach. A follow-up policy sends its reminder at
100 % and starts over. After an outage the sweep catches up without a storm: each missed
step is dealt with once, and a notice made moot by a later one in the same catch-up (a
warning when the breach is also due, repeats when the breach or a later repeat is due) is
recorded on the reminder that covered it instead of being sent on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from intake.handlers.business_hours import (
    BusinessCalendar,
    business_time_between,
    due_at,
    next_opening,
)
from intake.handlers.case_ops import BOT
from intake.handlers.outgoing import queue_rendered
from intake.handlers.replies import ReplyRenderer, is_safe_address
from intake.handlers.salesforce_feed import SalesforceFeed
from intake.handlers.sla_policy import Policy, SlaConfig
from intake.handlers.slack_feed import SlackFeed, escape
from intake.handlers.statuses import DONE
from intake.parsers.org import Organisation
from intake.storage.audit import record
from intake.storage.claims import claim_clocks
from intake.storage.models import Case, CaseEvent, CaseMessage, SlaClock

log = logging.getLogger("intake.sla")

RUNNING, PAUSED, STOPPED = "running", "paused", "stopped"
# What each step is called in subjects, events and the report.
STEP_TITLES = {
    "warning": "Due soon",
    "breach": "Overdue",
    "repeat": "Still overdue",
    "escalation": "Escalation",
    "follow_up": "Follow up",
}
_ORDER = {"warning": 0, "breach": 1, "repeat": 2, "escalation": 3, "follow_up": 4}
CATCH_UP_LAG = timedelta(hours=1)  # later than this, a notice is a catch-up, not on time
_MAX_STEPS_PER_CLOCK = 1000  # a guard: planning always moves forward, so never reached
MAX_SWEEP_FAILURES = 3  # sweeps of one step of a clock that failed to store it: then stopped


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


def _plan(clock: SlaClock, policy: Policy, cal: BusinessCalendar) -> None:
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
    are known; such a case has no clocks in the database, so it is not asked at all."""
    added = [c for c in session.new if isinstance(c, SlaClock) and c.case is case]
    if inspect(case).pending:
        return {c.policy: c for c in added}
    with session.no_autoflush:
        rows = list(session.scalars(select(SlaClock).where(SlaClock.case_id == case.id)))
    return {c.policy: c for c in [*rows, *added]}


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
        _plan(clock, policy, cal)
        clock.updated_at = now
        _event(session, case, now, "sla_due_changed", clock, cause, old=old, new=clock.due_at)
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
        clock = SlaClock(case=case, policy=policy.name, generation=0)
        session.add(clock)
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
    _plan(clock, policy, cal)
    _event(session, case, now, "sla_started", clock, cause, on=signal, due_at=clock.due_at)
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
    _plan(clock, policy, cal)
    if clock.agreed_due_at is None:
        clock.due_at = None
    _event(
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
    _plan(clock, policy, cal)
    _event(session, clock.case, now, "sla_resumed", clock, cause, on=signal, due_at=clock.due_at)


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
    _plan(clock, policy, cal)
    _event(session, clock.case, now, "sla_stopped", clock, cause, on=signal, met=met)


def _event(
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


# --- the sweep ---------------------------------------------------------------------------


def due_clocks(session: Session, now: datetime, limit: int) -> list[SlaClock]:
    """Claim up to `limit` clocks whose next step has come, oldest first, with their cases
    (the claim itself is `storage.claims.claim_clocks`, with every other queue's)."""
    clocks = claim_clocks(session, now, limit)
    if clocks:
        # The cases in one more query (an eager join cannot be locked FOR UPDATE), set on
        # each clock: a lazy load per clock would cost a query, and a flush, per reminder.
        ids = {c.case_id for c in clocks}
        by_id = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(ids)))}
        for clock in clocks:
            set_committed_value(clock, "case", by_id[clock.case_id])
    return clocks


@dataclass(frozen=True)
class Sweep:
    claimed: int  # clocks taken in this batch; as many as the limit means more may be due
    reminders: list[Reminder]


def sweep(session: Session, rt: SlaRuntime, now: datetime, limit: int = 500) -> list[Reminder]:
    """Send every reminder that has fallen due by `now`, for at most `limit` clocks; the
    caller commits. Returns what was queued."""
    return sweep_batch(session, rt, now, limit).reminders


def sweep_batch(
    session: Session,
    rt: SlaRuntime,
    now: datetime,
    limit: int = 500,
    *,
    one_by_one: bool = False,
) -> Sweep:
    """As `sweep`, also saying how many clocks were claimed (to know whether to go on).

    `one_by_one`: each clock in a savepoint of its own, so that a clock whose reminders
    cannot be stored (an IntegrityError) is rolled back alone, its failure recorded
    (`_sweep_failed`), and the other clocks swept all the same. Slower (a flush per clock):
    the caller takes this way only for a batch that failed whole."""
    reminders: list[Reminder] = []
    clocks = due_clocks(session, now, limit)
    first_ids = _first_message_ids(session, {c.case_id for c in clocks})
    for clock in clocks:
        policy = rt.config.policies.get(clock.policy)
        if policy is None:  # the policy was removed from the organisation file
            clock.state, clock.next_at, clock.next_step = STOPPED, None, None
            clock.stopped_at, clock.stopped_by, clock.updated_at = now, "policy removed", now
            log.warning("clock #%s: policy %r no longer exists; stopped", clock.id, clock.policy)
            continue
        thread_id = first_ids.get(clock.case_id)
        if not one_by_one:
            reminders += _catch_up(session, rt, clock, policy, now, thread_id)
            continue
        try:
            with session.begin_nested():
                sent = _catch_up(session, rt, clock, policy, now, thread_id)
        except IntegrityError as exc:
            _sweep_failed(session, clock, now, f"IntegrityError: {exc.orig}")
            continue
        reminders += sent
    touched = {c.case_id: c.case for c in clocks}
    if touched:
        siblings = session.scalars(select(SlaClock).where(SlaClock.case_id.in_(touched)))
        by_case: dict[int, list[SlaClock]] = {}
        for clock in siblings:
            by_case.setdefault(clock.case_id, []).append(clock)
        for case_id, case in touched.items():
            refresh_case_due(case, by_case.get(case_id, []), rt.config)
    return Sweep(len(clocks), reminders)


def _sweep_failed(session: Session, clock: SlaClock, now: datetime, error: str) -> None:
    """Record on the case that sweeping `clock` from its next step failed (the savepoint is
    rolled back: the clock is as it was). The same step failing `MAX_SWEEP_FAILURES` times
    stops the clock, saying why, instead of failing at every sweep for ever."""
    step, scheduled = clock.next_step, clock.next_at
    assert scheduled is not None  # a claimed clock is due
    key = (clock.policy, clock.generation, step, scheduled.isoformat())
    earlier = session.scalars(
        select(CaseEvent.data).where(
            CaseEvent.case_id == clock.case_id, CaseEvent.kind == "sla_sweep_failed"
        )
    )
    attempt = 1 + sum(
        1 for d in earlier if (d["policy"], d["generation"], d["step"], d["scheduled"]) == key
    )
    gave_up = attempt >= MAX_SWEEP_FAILURES
    if gave_up:
        clock.state, clock.next_at, clock.next_step = STOPPED, None, None
        clock.stopped_at, clock.stopped_by, clock.updated_at = now, "sweep failed", now
    _event(
        session,
        clock.case,
        now,
        "sla_sweep_failed",
        clock,
        generation=clock.generation,
        step=step,
        scheduled=scheduled,
        attempt=attempt,
        gave_up=gave_up,
        error=error,
    )
    (log.error if gave_up else log.warning)(
        "%s %s %s: sweep failed (attempt %d of %d%s): %s",
        clock.case.number,
        clock.policy,
        step,
        attempt,
        MAX_SWEEP_FAILURES,
        "; clock stopped" if gave_up else "",
        error,
    )


def _first_message_ids(session: Session, case_ids: set[int]) -> dict[int, str]:
    """The Message-ID each case began with, so reminders thread under the request."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(CaseMessage.case_id, CaseMessage.message_id)
        .where(CaseMessage.case_id.in_(case_ids), CaseMessage.message_id.is_not(None))
        .order_by(CaseMessage.id)
    )
    first: dict[int, str] = {}
    for case_id, message_id in rows:
        first.setdefault(case_id, message_id)
    return first


def _catch_up(
    session: Session,
    rt: SlaRuntime,
    clock: SlaClock,
    policy: Policy,
    now: datetime,
    thread_id: str | None,
) -> list[Reminder]:
    """Take every step of one clock that is due by `now`; send the ones not made moot."""
    cal = rt.config.calendar_for(policy, clock.case.team)
    taken: list[tuple[str, datetime, datetime | None]] = []  # step, scheduled, due then
    for _ in range(_MAX_STEPS_PER_CLOCK):
        if clock.state != RUNNING or clock.next_at is None or clock.next_at > now:
            break
        step, scheduled, due = clock.next_step or "", clock.next_at, clock.due_at
        taken.append((step, scheduled, due))
        if step == "warning":
            clock.warned = True
        elif step == "breach":  # in breach since the due time, even if told at the opening
            clock.breached_at, clock.last_notice_at = due or scheduled, scheduled
        elif step == "repeat":
            clock.last_notice_at = scheduled
        elif step == "escalation":
            clock.escalated = True
        elif step == "follow_up":  # the next cycle starts when this one fell due
            clock.resumed_at, clock.agreed_due_at = due or scheduled, None
            clock.remaining_seconds = policy.target.total_seconds()
        _plan(clock, policy, cal)
    clock.updated_at = now
    late_overdue = [t for t in taken if t[0] in ("breach", "repeat") and now - t[1] > CATCH_UP_LAG]
    if late_overdue and clock.state == RUNNING and clock.breached_at is not None:
        # A notice sent after an outage: the next repeat is a full interval after it, not
        # at the old schedule's next slot (which could be minutes away).
        clock.last_notice_at = now
        _plan(clock, policy, cal)
    sent: list[Reminder] = []
    for step, scheduled, due, covers in _not_moot(taken):
        clock.notices += 1
        sent.append(
            _remind(session, rt, clock, policy, step, scheduled, due, covers, now, thread_id)
        )
    return sent


def _not_moot(
    taken: list[tuple[str, datetime, datetime | None]],
) -> list[tuple[str, datetime, datetime | None, list[str]]]:
    """The steps of one catch-up worth sending, each with the steps it stands in for: a
    warning is made moot by the breach, an overdue notice (breach or repeat) by a later
    repeat, a follow-up by a later follow-up; the moot step is recorded on the step that
    made it moot."""
    superseded_by = {"warning": ("breach",), "breach": ("repeat",), "repeat": ("repeat",)}
    superseded_by["follow_up"] = ("follow_up",)
    covers: dict[int, list[str]] = {}
    moot: set[int] = set()
    for i, (step, scheduled, _) in enumerate(taken):
        later = superseded_by.get(step, ())
        j = next((k for k in range(i + 1, len(taken)) if taken[k][0] in later), None)
        if j is not None:
            moot.add(i)
            covers.setdefault(j, []).extend([*covers.pop(i, []), f"{step}@{scheduled.isoformat()}"])
    return [
        (step, scheduled, due, covers.get(i, []))
        for i, (step, scheduled, due) in enumerate(taken)
        if i not in moot
    ]


def recipients(org: Organisation, case: Case, roles: Iterable[str]) -> list[str]:
    """Email addresses for `owner`, `manager`, `am` and `requester`, in order, once each."""
    found: list[str] = []
    for role in roles:
        key = {
            "owner": case.owner,
            "am": case.account_manager,
            "manager": org.team_manager(case.team),
        }.get(role)
        person = org.people.get(key or "")
        address = person.email if person is not None else None
        if role == "requester":
            address = case.requester_email
        if address and is_safe_address(address) and address not in found:
            found.append(address)
    return found


def _remind(
    session: Session,
    rt: SlaRuntime,
    clock: SlaClock,
    policy: Policy,
    step: str,
    scheduled: datetime,
    due: datetime | None,
    covers: list[str],
    now: datetime,
    thread_id: str | None,
) -> Reminder:
    """Queue one reminder email (and its case event) about `step` of `clock`."""
    case = clock.case
    roles = policy.escalate_to if step == "escalation" else policy.notify
    to = recipients(rt.org, case, roles) or recipients(rt.org, case, ["manager"])
    cal = rt.config.team_calendar(policy, case.team)
    domain = (case.mailbox or "intake@localhost").rpartition("@")[2]
    message_id = f"<sla.{clock.id}.{clock.generation}.{clock.notices}.{step}@{domain}>"
    reminder = Reminder(case.number, policy.name, step, to, now, scheduled, due, None, covers)
    if not to or not case.mailbox:
        record(
            session,
            case,
            at=now,
            actor=BOT,
            kind="sla_reminder_unsent",
            data={"policy": policy.name, "step": step, "why": "nobody to send it to"},
        )
        log.warning("%s %s %s: nobody to remind", case.number, policy.name, step)
        return reminder
    context = _context(rt.org, case, policy, step, due, now, cal)
    subject = f"[{case.number}] {STEP_TITLES[step]}: {context['headline']}"
    rendered = rt.renderer.render(
        "sla_reminder",
        context,
        mailbox=case.mailbox,
        to=to,
        subject=subject,
        now=now,
        in_reply_to=thread_id,
        message_id=message_id,
        auto_submitted="auto-generated",
    )
    queue_rendered(
        session,
        rendered,
        kind=f"sla_{step}",
        case=case,
        mail_from=case.mailbox,
        now=now,
    )
    record(
        session,
        case,
        at=now,
        actor=BOT,
        kind="sla_reminder",
        data={
            "policy": policy.name,
            "step": step,
            "to": to,
            "scheduled": scheduled.isoformat(),
            "due_at": due.isoformat() if due else None,
            "covers": covers,
            "message_id": rendered.message_id,
        },
    )
    if rt.slack is not None:
        rt.slack.post(session, case, _slack_line(rt.slack, case, policy, step, context), now)
    if rt.salesforce is not None:
        late = f", {context['late']} late" if context.get("late") else ""
        rt.salesforce.reminder(
            session,
            case,
            STEP_TITLES[step],
            f"{context['headline']}{late}",
            concerned(rt.org, case, policy, step),
            now,
        )
    log.info("%s %s %s -> %s", case.number, policy.name, step, ", ".join(to))
    return Reminder(
        case.number, policy.name, step, to, now, scheduled, due, rendered.message_id, covers
    )


def concerned(org: Organisation, case: Case, policy: Policy, step: str) -> list[str]:
    """Whom a reminder concerns, first the one it is for: the owner; for an escalation the
    team's manager, then the owner; for a follow-up that tells the AM, the owner and the AM."""
    if step == "escalation":
        return [p for p in (org.team_manager(case.team), case.owner) if p]
    if step == "follow_up" and "am" in policy.notify and case.account_manager:
        return [p for p in (case.owner, case.account_manager) if p]
    return [case.owner] if case.owner else []


def _slack_line(
    feed: SlackFeed, case: Case, policy: Policy, step: str, context: dict[str, Any]
) -> str:
    """The reminder in the case's thread, @mentioning whom it concerns."""
    who = feed.mention(case.owner)
    if step == "escalation":
        manager = feed.org.team_manager(case.team)
        who = f"{feed.mention(manager)} (owner {feed.mention(case.owner)})"
    elif step == "follow_up" and "am" in policy.notify and case.account_manager:
        who = f"{feed.mention(case.owner)} {feed.mention(case.account_manager)}"
    late = f", {context['late']} late" if context.get("late") else ""
    return f":alarm_clock: *{STEP_TITLES[step]}*: {who} {escape(context['headline'])}{late}"


POLICY_TITLES = {
    "quote_turnaround": "quote",
    "case_owner_response": "answer from the case owner",
    "service_response": "first answer to the service request",
    "quote_approval_followup": "follow-up on the quote awaiting approval",
    "opportunity_update": "weekly opportunity update",
}


def _context(
    org: Organisation,
    case: Case,
    policy: Policy,
    step: str,
    due: datetime | None,
    now: datetime,
    cal: BusinessCalendar,
) -> dict[str, Any]:
    what = POLICY_TITLES.get(policy.name, policy.name.replace("_", " "))
    account = (case.fields or {}).get("account") or case.subject or "(no account)"
    local_due = due.astimezone(cal.zone).strftime("%a %d %b %H:%M %Z") if due else None
    owner = org.people.get(case.owner or "")
    if step == "follow_up":
        headline = f"{what} for {account}"
    elif step == "warning":
        headline = f"{what} for {account} due {local_due}"
    else:
        headline = f"{what} for {account} was due {local_due}"
    late = _human(now - due) if due is not None and now > due else None
    return {
        "case_number": case.number,
        "step": step,
        "what": what,
        "headline": headline,
        "account": account,
        "subject": case.subject,
        "status": case.status.replace("_", " "),
        "due": local_due,
        "late": late,
        "owner_name": owner.name if owner is not None else None,
        "policy": policy.name,
        "target": target_text(policy),
        "missing": list(case.missing or []),
    }


def target_text(policy: Policy) -> str:
    """ "2 working days", "9 business hours", "72 hours", "7 days": the promise in words."""
    hours = policy.target.total_seconds() / 3600
    if policy.basis == "business":
        return f"{hours:g} business hour{'s' if hours != 1 else ''}"
    if policy.basis == "working_days" and hours % 24 == 0:
        days = int(hours // 24)
        return f"{days} working day{'s' if days != 1 else ''}"
    if policy.basis == "working_days":
        return f"{hours:g} hours, on working days"
    if hours > 72 and hours % 24 == 0:
        return f"{int(hours // 24)} days"
    return f"{hours:g} hour{'s' if hours != 1 else ''}"


def _human(delta: timedelta) -> str:
    """ "2 days 3 hours", "45 minutes": how late, or how long a target is."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in ((days, "day"), (hours, "hour"))]
    parts = [p for p in parts if not p.startswith("0 ")]
    if not days and mins:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts) or "less than a minute"


# --- the report ----------------------------------------------------------------------------

_STATE_ORDER = {"breached": 0, "follow-up due": 1, "warning": 2, "on time": 3, "paused": 4}


def clock_state(clock: SlaClock, policy: Policy | None, now: datetime) -> str:
    """on time, warning, breached (follow-up due for a follow-up policy), or paused."""
    if clock.state == PAUSED:
        return "paused"
    overdue = clock.due_at is not None and now >= clock.due_at
    if policy is not None and policy.kind == "follow_up":
        return "follow-up due" if overdue else "on time"
    if clock.breached_at is not None or overdue:
        return "breached"
    if clock.warned or (clock.warn_at is not None and now >= clock.warn_at):
        return "warning"
    return "on time"


def report(session: Session, rt: SlaRuntime, now: datetime) -> list[dict[str, Any]]:
    """Every running or paused clock with its case, owner, due time and state, overdue
    first (most overdue at the top), then warnings, then the rest by due time."""
    rows = session.execute(
        select(SlaClock, Case)
        .join(Case, Case.id == SlaClock.case_id)
        .where(SlaClock.state != STOPPED)
    ).all()
    out: list[dict[str, Any]] = []
    for clock, case in rows:
        policy = rt.config.policies.get(clock.policy)
        state = clock_state(clock, policy, now)
        owner = rt.org.people.get(case.owner or "")
        late = now - clock.due_at if clock.due_at is not None and now > clock.due_at else None
        out.append(
            {
                "case": case.number,
                "queue": case.queue,
                "status": case.status,
                "account": (case.fields or {}).get("account"),
                "policy": clock.policy,
                "owner": case.owner,
                "owner_name": owner.name if owner is not None else None,
                "state": state,
                "due_at": clock.due_at.isoformat() if clock.due_at else None,
                "late": _human(late) if late else None,
                "remaining": str(timedelta(seconds=round(clock.remaining_seconds)))
                if clock.state == PAUSED
                else None,
                "next_step": clock.next_step,
                "next_at": clock.next_at.isoformat() if clock.next_at else None,
                "notices": clock.notices,
                "_sort": (
                    _STATE_ORDER[state],
                    -(late.total_seconds() if late else 0),
                    clock.due_at or datetime.max.replace(tzinfo=now.tzinfo),
                    case.number,
                ),
            }
        )
    out.sort(key=lambda r: r.pop("_sort"))
    return out
