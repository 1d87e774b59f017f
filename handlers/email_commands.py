"""Commands by email: staff move a case from their mailbox, as they would in Slack.

An owner who lives in their mail replies to the case with `quote sent`, `won PO 12345`,
`lost: went with a competitor`, `waiting on customer`, `assign Omar`, `close`, `open` or
`status` as the first line of what they wrote. The words are the same as in Slack
(handlers/commands.py) and the rules the same as everywhere (handlers/lifecycle.py: a won
case needs a PO, a lost one a reason). Only a member of staff the bot can vouch for
(handlers/senders.py) gives commands: anyone else's "close" is just a message on the case.
The sender is told by email, in the case's thread, what was done or why not; the rest of
the message has already joined the case as usual.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from intake.handlers import case_ops, echo
from intake.handlers.assignment import assign_owner
from intake.handlers.clocks import message_cause
from intake.handlers.commands import Command, parse_command, resolve_person
from intake.handlers.lifecycle import LifecycleError, set_status
from intake.storage.models import Case

if TYPE_CHECKING:
    from intake.handlers.pipeline import Context
    from intake.parsers.message import ParsedMessage

log = logging.getLogger("intake.commands")


def first_line(text: str) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def command_in(ctx: Context) -> tuple[str, Command] | None:
    """The command an email reply on a case opens with, as written and as parsed (whoever
    sent it: whether it is obeyed is the step's to decide)."""
    if ctx.case is None or ctx.inbound.channel == "slack":
        return None
    said = first_line(ctx.msg.new_text)
    command = parse_command(said)
    return (said, command) if command is not None else None


def without_command(ctx: Context) -> ParsedMessage:
    """The message as the field readers should see it: a staff command's first line is an
    order to the bot, not a value of the case ("won PO 12345" is no stage "Closed Won"), so
    only the rest of what the owner wrote is read for fields."""
    if not ctx.staff or command_in(ctx) is None:
        return ctx.msg
    rest = ctx.msg.new_text.lstrip().split("\n", 1)[1:]
    return dataclasses.replace(ctx.msg, new_text=rest[0].lstrip("\r\n") if rest else "")


def obey_command(ctx: Context) -> None:
    """Pipeline step: act on a staff reply whose first line is a command."""
    case = ctx.case
    found = command_in(ctx)
    if case is None or ctx.outcome != "append" or found is None:
        return
    said, command = found
    if not ctx.staff:
        log.info(
            "inbound #%s: %r from %s is not staff's: a message", ctx.inbound.id, said, ctx.sender
        )
        return
    done, refused = _apply(ctx, case, command)
    case_ops.event(
        ctx, case, "command", command=command.name, arg=command.arg, done=done, refused=refused
    )
    ctx.replies.append(
        case_ops.queue_email(
            ctx,
            "command",
            {
                "case_number": case.number,
                "requester_name": (ctx.msg.from_name or "").split(" ")[0],
                "command": said[:120],
                "done": done,
                "refused": refused,
            },
            subject=case_ops.reply_subject(ctx.msg.subject, case.number),
            case=case,
        )
    )


def _apply(ctx: Context, case: Case, command: Command) -> tuple[str | None, str | None]:
    """(what was done, None) or (None, why not)."""
    if command.name == "status":
        return _status_line(ctx, case), None
    if command.name == "assign":
        person = resolve_person(ctx.org, command.arg)
        if person is None:
            return None, f"nobody in the organisation file is called {command.arg!r}"
        old = assign_owner(
            ctx.session, case, person, actor=ctx.sender, rule="assigned by email", now=ctx.now
        )
        if ctx.config.salesforce is not None:
            ctx.config.salesforce.owner_changed(ctx.session, case, old, ctx.sender, ctx.now)
        name = ctx.org.people[person].name
        return f"the owner is now {name}" + (f" (was {_name(ctx, old)})" if old else ""), None
    po = command.arg if command.name == "won" else None
    reason = command.arg if command.name == "lost" else None
    try:
        change = set_status(
            ctx.session,
            ctx.config.sla,
            case,
            command.name,
            actor=ctx.sender,
            now=ctx.now,
            po=po,
            reason=reason,
            cause=message_cause(ctx),
        )
    except LifecycleError as exc:
        return None, str(exc)
    return (
        f"status is now {change.new.replace('_', ' ')} (was {change.old.replace('_', ' ')})",
        None,
    )


def _name(ctx: Context, key: str | None) -> str:
    person = ctx.org.people.get(key or "")
    return person.name if person is not None else str(key)


def _status_line(ctx: Context, case: Case) -> str:
    due = "no running deadline"
    if case.due_at is not None:  # as every email says a due time (handlers/echo.py)
        calendar = echo.team_calendar(ctx.config.sla, case.team, ctx.org.time_zone)
        due = echo.due_phrase(case.due_at, calendar, ctx.now)
    missing = ", ".join(case.missing or []) or "nothing"
    return (
        f"status {case.status.replace('_', ' ')}, owner {_name(ctx, case.owner)}, "
        f"due {due}, missing {missing}"
    )
