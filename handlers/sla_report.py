"""The clocks as people read them: each clock's state, and the report `intake sla` prints."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.handlers.sla import (
    PAUSED,
    STOPPED,
    SlaRuntime,
)
from intake.handlers.sla_notices import in_words
from intake.handlers.sla_policy import Policy
from intake.storage.models import Case, SlaClock

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
                "late": in_words(late) if late else None,
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
