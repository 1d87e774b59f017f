"""Moving a case through its life by command: quote sent, waiting, won, lost, closed, open.

The CRM policy's rules are kept here, whoever gives the command (the CLI now, chat and email
later): a won case needs the customer's PO number, a lost one a reason. Each change is a
case event with its actor and gives the clocks their signal, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from intake.handlers import sla, statuses
from intake.handlers.clocks import person_key
from intake.handlers.slack_feed import escape
from intake.storage.audit import record
from intake.storage.models import Case

# Command words (as typed) -> status.
COMMANDS = {
    "quote-sent": statuses.QUOTE_SENT,
    "waiting": statuses.WAITING,
    "won": statuses.WON,
    "lost": statuses.LOST,
    "closed": statuses.CLOSED,
    "open": statuses.OPEN,
}


class LifecycleError(ValueError):
    """The command breaks a rule (won without a PO, lost without a reason, ...). Its text
    names no flag or syntax of any one front end; `needs` names the missing detail ("po",
    "reason") so each front end can say how to give it."""

    def __init__(self, message: str, needs: str | None = None) -> None:
        super().__init__(message)
        self.needs = needs


@dataclass(frozen=True)
class Change:
    case: str
    old: str
    new: str
    signals: list[str]


def set_status(
    session: Any,
    runtime: sla.SlaRuntime | None,
    case: Case,
    command: str,
    *,
    actor: str,
    now: datetime,
    po: str | None = None,
    reason: str | None = None,
    approval_by: date | None = None,
    cause: dict[str, Any] | None = None,
) -> Change:
    """Apply one lifecycle command to `case`; raises LifecycleError when a rule forbids it.

    `actor` is an email address (or "cli" for an operator at the console); when it is the
    case's owner the command also counts as the owner's answer, when it is the account's AM
    as the AM's update."""
    new = COMMANDS.get(command.strip().lower().replace("_", "-"))
    if new is None:
        raise LifecycleError(f"unknown status {command!r}; use one of {', '.join(COMMANDS)}")
    old = case.status
    if new == statuses.WON and not (po or "").strip():
        raise LifecycleError("a won case needs the customer's PO number", needs="po")
    if new == statuses.LOST and not (reason or "").strip():
        raise LifecycleError("a lost case needs a reason", needs="reason")
    if new == old:
        raise LifecycleError(f"{case.number} is already {old.replace('_', ' ')}")
    if new == statuses.QUOTE_SENT and case.queue != "quotes":
        raise LifecycleError(f"{case.number} is a {case.queue} case; only quotes are sent")
    if old in statuses.DONE and new != statuses.OPEN:
        raise LifecycleError(f"{case.number} is {old}; reopen it first")
    fields = dict(case.fields or {})
    data: dict[str, Any] = {"old": old, "new": new}
    if po:
        fields["po_number"] = data["po"] = po.strip()
    if reason:
        fields["lost_reason"] = data["reason"] = reason.strip()
    if approval_by is not None:
        fields["approval_by"] = data["approval_by"] = approval_by.isoformat()
    case.fields = fields
    case.status = new
    case.updated_at = now
    record(session, case, at=now, actor=actor, kind="status_changed", data=data)
    signals = _signals(case, old, new, actor, runtime)
    if runtime is not None:
        # The clocks' events name who did it (or the message that carried the command).
        sla.apply_signals(session, runtime, case, signals, now, cause or {"by": actor})
        if runtime.slack is not None:
            runtime.slack.post(session, case, _status_line(runtime, case, old, new, actor), now)
            runtime.slack.refresh(session, case, now)
        if runtime.salesforce is not None:
            runtime.salesforce.status_changed(session, case, old, new, actor, now)
    return Change(case.number, old, new, signals)


def _status_line(runtime: sla.SlaRuntime, case: Case, old: str, new: str, actor: str) -> str:
    feed = runtime.slack
    assert feed is not None
    who = feed.mention_address(actor) if "@" in actor else escape(actor)
    line = f"Status: *{new.replace('_', ' ')}* (was {old.replace('_', ' ')}), by {who}"
    fields = case.fields or {}
    if new == statuses.WON:
        line += f"; PO {escape(fields.get('po_number', ''))}"
    elif new == statuses.LOST:
        line += f"; reason: {escape(fields.get('lost_reason', ''))}"
    return line


def _signals(
    case: Case, old: str, new: str, actor: str, runtime: sla.SlaRuntime | None
) -> list[str]:
    who = person_key(runtime.org, actor) if runtime is not None else None
    signals: list[str] = []
    if who is not None and who == case.owner:
        signals.append("owner_replied")
    if who is not None and who == case.account_manager:
        signals.append("am_update")
    if new == statuses.OPEN:
        signals.append("info_received" if old == statuses.AWAITING_INFO else "reopened")
    else:
        signals.append(
            {
                statuses.QUOTE_SENT: "quote_sent",
                statuses.WAITING: "waiting",
                statuses.WON: "won",
                statuses.LOST: "lost",
                statuses.CLOSED: "closed",
            }[new]
        )
    return signals
