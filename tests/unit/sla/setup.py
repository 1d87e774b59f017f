"""The SLA unit tests' shared set-up: policies counted in wall time that send at any hour
(so every instant is plain arithmetic on T0), a runtime with only them in force, and small
verbs (start a case's clocks, sweep, read a clock back); the session is conftest.py's."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.handlers.sla import (
    Reminder,
    SlaRuntime,
    apply_signals,
)
from intake.handlers.sla_policy import Policy, load_sla
from intake.handlers.sla_sweep import sweep
from intake.storage.models import Case, SlaClock
from tests.unit.builders import QUOTES, make_case, org, renderer

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
