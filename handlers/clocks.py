"""Which SLA signals a message gives, and the pipeline steps that assign and time a case.

The policies (`handlers/sla_policy.py`) speak of signals, not of emails: this module is the one
place that decides that a reply from the owner is `owner_replied`, that the message which
completed a case is `info_received`, and that a question from anyone else is an `inquiry`.
The same signals come from the lifecycle commands (`handlers/lifecycle.py`) and, later, from
chat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from intake.handlers import sla, statuses
from intake.handlers.assignment import assign_owner, choose_owner, team_for_queue
from intake.handlers.case_ops import BOT
from intake.storage.audit import record
from intake.storage.models import Case

if TYPE_CHECKING:
    from intake.handlers.pipeline import Context
    from intake.parsers.org import Organisation


def person_key(org: Organisation, address: str | None) -> str | None:
    found = org.person_by_email(address or "")
    return found[0] if found is not None else None


def message_signals(
    org: Organisation, case: Case, sender: str, *, opened: bool, completed: bool, status_before: str
) -> list[str]:
    """The signals of one message on `case` (already applied to it).

    A new case is `opened` (a new service request's first answer has a policy of its own), and
    a new case still missing fields has had the information requested. On an existing
    case, the owner writing is `owner_replied`; the account's AM writing is `am_update`; the
    message that completes a case is `info_received`; a customer writing back to a case that
    waited on them is `info_received` and the case is back with its owner; anything else from
    someone other than the owner is an `inquiry` (a partial answer to our request for
    information is neither: the bot has already asked for the rest)."""
    who = person_key(org, sender)
    if opened:
        signals = ["opened"]
        if case.status == statuses.AWAITING_INFO:
            signals.append("info_requested")
        return signals
    if who is not None and who == case.owner:
        return ["owner_replied"]
    signals = ["am_update"] if who is not None and who == case.account_manager else []
    if completed:
        return [*signals, "info_received"]
    if status_before == statuses.WAITING:
        return [*signals, "info_received", "reopened", "inquiry"]
    if case.status == statuses.AWAITING_INFO:
        return signals
    return [*signals, "inquiry"]


# --- pipeline steps ----------------------------------------------------------------------


def assign(ctx: Context) -> None:
    """A new case gets its owner (and its AM) by the organisation's rules."""
    case = ctx.case
    if case is None or ctx.outcome != "new_case":
        return
    team = case.team or team_for_queue(ctx.org, case.queue, None, ctx.sender)
    # Without flushing: what is pending is this new case, without an owner, and its events,
    # none an assignment, so the owners' loads (kept by triggers on those two tables) read
    # the same either way; and the case is then written once, owner and due date included,
    # instead of inserted here and updated twice.
    with ctx.session.no_autoflush:
        decision = choose_owner(
            ctx.session,
            ctx.org,
            queue=case.queue,
            team=team,
            account_id=case.account_id,
            sender_email=ctx.sender,
        )
    case.team = case.team or decision.team
    case.account_manager = decision.account_manager
    assign_owner(
        ctx.session,
        case,
        decision.owner,
        actor=BOT,
        rule=decision.rule,
        now=ctx.now,
        team=decision.team,
        account_manager=decision.account_manager,
    )


def time_case(ctx: Context) -> None:
    """Start, stop, pause or resume the case's clocks for what this message was."""
    case, runtime = ctx.case, ctx.config.sla
    if case is None or runtime is None or ctx.outcome not in ("new_case", "append"):
        return
    signals = message_signals(
        ctx.org,
        case,
        ctx.verified_sender,  # an owner's answer counts only from the owner, vouched for
        opened=ctx.outcome == "new_case",
        completed=ctx.completed,
        status_before=ctx.status_before,
    )
    if ctx.status_before == statuses.WAITING and "reopened" in signals:
        case.status = statuses.OPEN
        record(
            ctx.session,
            case,
            at=ctx.now,
            actor=BOT,
            kind="status_changed",
            data={"old": statuses.WAITING, "new": statuses.OPEN, "why": "customer replied"},
        )
    cause = message_cause(ctx)
    clocks = sla.apply_signals(ctx.session, runtime, case, signals, ctx.now, cause)
    if ctx.outcome == "append" and ctx.reported_fields:
        sla.replan_agreed_dates(
            ctx.session, runtime, case, ctx.reported_fields, ctx.now, cause, clocks=clocks
        )


def message_cause(ctx: Context) -> dict[str, str | int | None]:
    """What an SLA event records of the message that caused it: the stored arrival, its
    Message-ID and its sender, each a field of its own (the event's actor is the bot)."""
    return {
        "inbound_id": ctx.inbound.id,
        "message_id": ctx.msg.message_id or None,
        "sender": ctx.sender or None,
    }
