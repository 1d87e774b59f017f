"""SLA policies and calendars as the organisation file writes them, typed and checked.

The seeds promise four things: a quote within 48 hours unless an earlier date was agreed, a
case owner's answer within 24 hours, a follow-up every 72 hours while a quote waits for the
customer's approval, and a weekly next step on every open opportunity. Each is a policy here,
built in from the short `[sla]` keys the organisation file already has::

    [sla]
    quote_turnaround = "48h"
    case_owner_response = "24h"
    quote_approval_followup = "72h"
    opportunity_update = "7d"
    business_hours = "Mon-Fri 08:00-17:00 America/Edmonton"
    holidays = "CA-AB"                      # optional; default: the national holidays

and any of them can be changed, or new ones added, under `[sla.policies.<name>]` with the keys
of `Policy` below. Teams may work to their own calendar: `[sla.calendars.<name>]` (keys of
`BusinessCalendar.from_mapping`) named by `calendar = "<name>"` in the team's table.

Policies react to *signals*, the few things that happen to a case that matter to a clock
(`SIGNALS`); which signal a message or a command gives is decided in `handlers/clocks.py`.
Everything here is pure: no database, no clock.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from intake.handlers.business_hours import MIDNIGHT, BusinessCalendar

# What can happen to a case that starts, stops, pauses, resumes or restarts a clock.
SIGNALS = (
    "opened",  # a case was opened
    "inquiry",  # someone other than the owner asked the owner something (a new service case too)
    "owner_replied",  # the owner answered on the case
    "info_requested",  # the bot or the owner asked the requester for missing information
    "info_received",  # the requester supplied it
    "waiting",  # the owner is waiting on the customer
    "quote_sent",  # the quote went to the customer, who is to approve it
    "reopened",  # back to work after quote_sent or waiting (a revision, say)
    "am_update",  # the account's AM wrote on the case or moved it
    "won",
    "lost",
    "closed",
)
RECIPIENTS = ("owner", "manager", "am", "requester")
CLOSING = ["won", "lost", "closed"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|hr|hours?|d|days?|w|weeks?)\s*$", re.I)
_UNIT = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
_BUSINESS_HOURS = re.compile(
    r"^\s*(?P<first>[A-Za-z]{3,9})\s*-\s*(?P<last>[A-Za-z]{3,9})\s+"
    r"(?P<hours>\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2})\s+(?P<zone>[A-Za-z_]+(?:/[A-Za-z_+-]+)*)\s*$"
)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_duration(value: Any) -> timedelta:
    """ "48h", "7d", "90m", "1.5h", "2 weeks" -> timedelta; anything else is a ValueError."""
    m = _DURATION.match(str(value)) if isinstance(value, str | int | float) else None
    if not m:
        raise ValueError(f"expected a duration like '48h', '7d' or '90m', got {value!r}")
    return timedelta(seconds=float(m.group(1)) * _UNIT[m.group(2)[0].lower()])


class Policy(BaseModel):
    """One promise: which cases, what starts, stops, pauses and restarts its clock, its target
    and how it is counted, and the reminder ladder.

    `kind = "deadline"`: a warning at `warn_at` of the target, a breach notice at 100 % (the
    owner @mentioned), the notice repeated every `repeat_every`, and the team's manager told
    once after `escalate_after` in breach. `kind = "follow_up"`: at 100 % a reminder to
    follow up, and the clock starts over from then; never a breach.

    `basis`: "wall" counts elapsed time; "business" counts the calendar's working hours only;
    "working_days" counts whole days the team works (a 48 h target set on Friday 10:00 falls
    due on Tuesday 10:00; weekends and holidays do not count)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    queues: list[str] = Field(default_factory=list)  # empty: every queue
    account_types: list[str] = Field(default_factory=list)  # empty: any account type
    starts_on: list[str]
    stops_on: list[str] = Field(default_factory=lambda: list(CLOSING))
    pauses_on: list[str] = Field(default_factory=list)
    resumes_on: list[str] = Field(default_factory=list)
    restarts_on: list[str] = Field(default_factory=list)
    target: timedelta
    basis: Literal["wall", "business", "working_days"] = "working_days"
    calendar: str = "team"  # "team": the case team's calendar; else a name in [sla.calendars]
    due_field: str | None = None  # a case field holding an agreed date that replaces the target
    kind: Literal["deadline", "follow_up"] = "deadline"
    warn_at: float = Field(default=0.75, ge=0, lt=1)  # 0: no warning
    notify: list[str] = Field(default_factory=lambda: ["owner"])
    repeat_every: timedelta | None = None
    escalate_after: timedelta | None = None
    escalate_to: list[str] = Field(default_factory=lambda: ["manager"])
    # Reminders wait for the calendar's next opening (a 75 % warning due Friday 22:00 goes
    # Monday morning); the due time itself never moves. True: send at any hour.
    send_outside_hours: bool = False
    enabled: bool = True

    @field_validator("target", "repeat_every", "escalate_after", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> Any:
        if v is None or isinstance(v, timedelta):
            return v
        return parse_duration(v)

    @field_validator("starts_on", "stops_on", "pauses_on", "resumes_on", "restarts_on")
    @classmethod
    def _signals(cls, v: list[str]) -> list[str]:
        unknown = [s for s in v if s not in SIGNALS]
        if unknown:
            raise ValueError(f"unknown signal(s) {unknown}; known: {', '.join(SIGNALS)}")
        return v

    @field_validator("notify", "escalate_to")
    @classmethod
    def _recipients(cls, v: list[str]) -> list[str]:
        unknown = [r for r in v if r not in RECIPIENTS]
        if unknown:
            raise ValueError(f"unknown recipient(s) {unknown}; known: {', '.join(RECIPIENTS)}")
        return v

    def applies_to(self, queue: str, account_type: str | None) -> bool:
        if not self.enabled:
            return False
        if self.queues and queue not in self.queues:
            return False
        return not self.account_types or account_type in self.account_types


def builtin_policies(sla: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The seeds' four promises, with the targets the `[sla]` short keys give."""
    return {
        "quote_turnaround": {
            "queues": ["quotes"],
            "starts_on": ["opened"],
            "stops_on": ["quote_sent", *CLOSING],
            "pauses_on": ["info_requested", "waiting"],
            "resumes_on": ["info_received", "reopened"],
            "target": sla.get("quote_turnaround", "48h"),
            "due_field": "quote_due",
            "repeat_every": "24h",
            "escalate_after": "24h",
        },
        "case_owner_response": {
            "starts_on": ["inquiry"],
            "stops_on": ["owner_replied", "waiting", "quote_sent", *CLOSING],
            "target": sla.get("case_owner_response", "24h"),
            "repeat_every": "24h",
            "escalate_after": "24h",
        },
        "service_response": {
            "queues": ["service"],
            "starts_on": ["opened"],
            "stops_on": ["owner_replied", "waiting", *CLOSING],
            "target": sla.get("case_owner_response", "24h"),
            "repeat_every": "24h",
            "escalate_after": "24h",
        },
        "quote_approval_followup": {
            "queues": ["quotes"],
            "starts_on": ["quote_sent"],
            "stops_on": ["reopened", *CLOSING],
            "target": sla.get("quote_approval_followup", "72h"),
            "basis": "wall",
            "due_field": "approval_by",
            "kind": "follow_up",
            "warn_at": 0,
            "notify": ["owner", "am"],
        },
        "opportunity_update": {
            "queues": ["quotes"],
            "starts_on": ["opened"],
            "restarts_on": ["am_update"],
            "target": sla.get("opportunity_update", "7d"),
            "basis": "wall",
            "kind": "follow_up",
            "warn_at": 0,
            "notify": ["am"],
        },
    }


@dataclass(frozen=True)
class SlaConfig:
    """The policies in force and the calendars they count on."""

    policies: dict[str, Policy]
    calendars: dict[str, BusinessCalendar]
    default_calendar: BusinessCalendar
    team_calendars: dict[str, str]  # team key -> calendar name

    def team_calendar(self, policy: Policy, team: str | None) -> BusinessCalendar:
        """The calendar a policy uses for a case of `team`, as the organisation file says."""
        if policy.calendar != "team":
            return self.calendars[policy.calendar]
        name = self.team_calendars.get(team or "")
        return self.calendars[name] if name else self.default_calendar

    def calendar_for(self, policy: Policy, team: str | None) -> BusinessCalendar:
        """The calendar a policy counts on for a case of `team`, shaped by the policy's basis
        (working days count whole days, so their calendar is open all day)."""
        cal = self.team_calendar(policy, team)
        return _open_all_day(cal) if policy.basis == "working_days" else cal

    def policies_for(self, queue: str, account_type: str | None) -> list[Policy]:
        return [p for p in self.policies.values() if p.applies_to(queue, account_type)]


@lru_cache(maxsize=64)
def _open_all_day(cal: BusinessCalendar) -> BusinessCalendar:
    """`cal` open all day, keeping its real hours as `working_hours`; made once per calendar,
    since building one checks its holiday region (a cost every message used to pay)."""
    return dataclasses.replace(cal, opens=MIDNIGHT, closes=MIDNIGHT, working_hours=cal)


def business_hours_mapping(text: str) -> dict[str, Any]:
    """ "Mon-Fri 08:00-17:00 America/Edmonton" -> the calendar table it abbreviates."""
    m = _BUSINESS_HOURS.match(text or "")
    first = m and m.group("first")[:3].lower()
    last = m and m.group("last")[:3].lower()
    if not m or first not in _DAYS or last not in _DAYS:
        raise ValueError(
            f"sla.business_hours: expected like 'Mon-Fri 08:00-17:00 America/Edmonton', "
            f"got {text!r}"
        )
    i, j = _DAYS.index(first), _DAYS.index(last)
    days = [_DAYS[k % 7] for k in range(i, (j if j >= i else j + 7) + 1)]
    return {"days": days, "hours": m.group("hours").replace(" ", ""), "time_zone": m.group("zone")}


# The keys of `[sla]`: the built-in policies' targets, the default calendar, the tables.
SLA_KEYS = (
    "quote_turnaround",
    "case_owner_response",
    "quote_approval_followup",
    "opportunity_update",
    "business_hours",
    "holidays",
    "closed",
    "calendars",
    "policies",
)


def load_sla(
    sla: Mapping[str, Any],
    teams: Mapping[str, Any],
    *,
    time_zone: str,
    country: str | None,
) -> SlaConfig:
    """Read the `[sla]` table (and each team's `calendar` key); errors name the key.

    `country` (the organisation's phone region) gives national holidays when `[sla]` names
    no `holidays` region."""
    unknown = sorted(str(k) for k in sla if k not in SLA_KEYS)
    if unknown:
        raise ValueError(f"sla.{unknown[0]}: unknown key (known: {', '.join(SLA_KEYS)})")
    base: dict[str, Any] = {"time_zone": time_zone, "holidays": country or "none"}
    if "business_hours" in sla:
        base.update(business_hours_mapping(str(sla["business_hours"])))
    if "holidays" in sla:
        base["holidays"] = sla["holidays"]
    if "closed" in sla:
        base["closed"] = sla["closed"]
    try:
        default = BusinessCalendar.from_mapping(base)
    except ValueError as exc:
        raise ValueError(f"sla: {exc}") from None
    calendars: dict[str, BusinessCalendar] = {}
    for name, table in (sla.get("calendars") or {}).items():
        try:
            calendars[name] = BusinessCalendar.from_mapping(table, base=default)
        except ValueError as exc:
            raise ValueError(f"sla.calendars.{name}: {exc}") from None
    team_calendars: dict[str, str] = {}
    for key, team in teams.items():
        name = getattr(team, "calendar", None)
        if name is None:
            continue
        if name not in calendars:
            raise ValueError(f"teams.{key}.calendar: no [sla.calendars.{name}] table")
        team_calendars[key] = name
    tables = builtin_policies(sla)
    for name, table in (sla.get("policies") or {}).items():
        if not isinstance(table, Mapping):
            raise ValueError(f"sla.policies.{name}: expected a table")
        tables[name] = {**tables.get(name, {}), **table}
    policies: dict[str, Policy] = {}
    for name, table in tables.items():
        try:
            policy = Policy.model_validate({**table, "name": name})
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            raise ValueError(f"sla.policies.{name}.{key}: {err['msg']}") from None
        if policy.calendar != "team" and policy.calendar not in calendars:
            raise ValueError(f"sla.policies.{name}.calendar: no [sla.calendars.{policy.calendar}]")
        policies[name] = policy
    return SlaConfig(policies, calendars, default, team_calendars)
