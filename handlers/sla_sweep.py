"""The SLA sweep: claim the clocks whose next step has come and take their steps.

`sweep(now)` claims the clocks whose `next_at` has passed (an indexed range on `next_at`; on
PostgreSQL `FOR UPDATE SKIP LOCKED`, so several bots can sweep side by side), sends each due
step's reminder (`handlers.sla_notices.remind`) and plans the next step, all in the caller's
transaction. After an outage the sweep catches up without a storm: each missed step is dealt
with once, and a notice made moot by a later one in the same catch-up (a warning when the
breach is also due, repeats when the breach or a later repeat is due) is recorded on the
reminder that covered it instead of being sent on its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from intake.handlers.sla import (
    RUNNING,
    STOPPED,
    Reminder,
    SlaRuntime,
    clock_event,
    plan,
    refresh_case_due,
)
from intake.handlers.sla_notices import remind
from intake.handlers.sla_policy import Policy
from intake.storage.claims import claim_clocks
from intake.storage.models import Case, CaseEvent, CaseMessage, SlaClock

log = logging.getLogger("intake.sla")

CATCH_UP_LAG = timedelta(hours=1)  # later than this, a notice is a catch-up, not on time
_MAX_STEPS_PER_CLOCK = 1000  # a guard: planning always moves forward, so never reached
MAX_SWEEP_FAILURES = 3  # sweeps of one step of a clock that failed to store it: then stopped


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
    clock_event(
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
        plan(clock, policy, cal)
    clock.updated_at = now
    late_overdue = [t for t in taken if t[0] in ("breach", "repeat") and now - t[1] > CATCH_UP_LAG]
    if late_overdue and clock.state == RUNNING and clock.breached_at is not None:
        # A notice sent after an outage: the next repeat is a full interval after it, not
        # at the old schedule's next slot (which could be minutes away).
        clock.last_notice_at = now
        plan(clock, policy, cal)
    sent: list[Reminder] = []
    for step, scheduled, due, covers in _not_moot(taken):
        clock.notices += 1
        sent.append(
            remind(session, rt, clock, policy, step, scheduled, due, covers, now, thread_id)
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
