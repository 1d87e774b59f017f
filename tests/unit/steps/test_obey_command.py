"""Pins the `obey_command` step: a staff command in a reply moves the case; called on its own
with a `Context` built directly (see tests/unit/builders.py), asserting the exact outcome."""

from __future__ import annotations

from sqlalchemy.orm import Session

from intake.handlers.email_commands import obey_command
from intake.handlers.senders import UNVOUCHED
from tests.unit.builders import (
    AM,
    events,
    outbox,
    raw_mail,
)
from tests.unit.steps.helpers import (
    joined,
)


def test_a_staff_command_moves_the_case_and_answers(session: Session) -> None:
    ctx = joined(session, raw_mail("waiting on customer\n\nThey are away.", subject="Re: x"))
    obey_command(ctx)
    case = ctx.case
    assert case is not None and case.status == "waiting"
    (command,) = events(session, case, "command")
    assert command.data == {
        "command": "waiting",
        "arg": None,
        "done": "status is now waiting (was open)",
        "refused": None,
    }
    (answer,) = outbox(session)
    assert [(r.id, r.message_id) for r in ctx.replies] == [(answer.id, answer.message_id)]
    assert (answer.kind, answer.recipients) == ("command", [AM])


def test_a_refused_command_says_why(session: Session) -> None:
    ctx = joined(session, raw_mail("won", subject="Re: x"))
    obey_command(ctx)
    assert ctx.case is not None and ctx.case.status == "open"
    (command,) = events(session, ctx.case, "command")
    assert (command.data["done"], command.data["refused"]) == (
        None,
        "a won case needs the customer's PO number",
    )


def test_a_command_from_someone_unvouched_is_only_a_message(session: Session) -> None:
    ctx = joined(session, raw_mail("close", subject="Re: x"), trust=UNVOUCHED)
    obey_command(ctx)
    assert ctx.case is not None and ctx.case.status == "open"
    assert ctx.replies == [] and outbox(session) == []
