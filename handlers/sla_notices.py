"""What an SLA reminder says and to whom: the email, the line in the case's Slack thread,
the post on its Salesforce feed, and the words (how late, the promise) they share.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from intake.handlers.business_hours import BusinessCalendar
from intake.handlers.case_ops import BOT
from intake.handlers.outgoing import queue_rendered
from intake.handlers.replies import is_safe_address
from intake.handlers.sla import (
    Reminder,
    SlaRuntime,
)
from intake.handlers.sla_policy import Policy
from intake.handlers.slack_feed import SlackFeed, escape
from intake.parsers.org import Organisation
from intake.storage.audit import record
from intake.storage.models import Case, SlaClock

log = logging.getLogger("intake.sla")

# What each step is called in subjects, events and the report.
STEP_TITLES = {
    "warning": "Due soon",
    "breach": "Overdue",
    "repeat": "Still overdue",
    "escalation": "Escalation",
    "follow_up": "Follow up",
}


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


def remind(
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
    late = in_words(now - due) if due is not None and now > due else None
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


def in_words(delta: timedelta) -> str:
    """ "2 days 3 hours", "45 minutes": how late, or how long a target is."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in ((days, "day"), (hours, "hour"))]
    parts = [p for p in parts if not p.startswith("0 ")]
    if not days and mins:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts) or "less than a minute"
