"""Pins the `assign` step: a new case gets its owner; called on its own with a `Context` built
directly (see tests/unit/builders.py), asserting the exact outcome."""

from __future__ import annotations

from sqlalchemy.orm import Session

from intake.handlers.clocks import assign
from tests.unit.builders import (
    QUOTES_EAST,
    events,
    raw_mail,
)
from tests.unit.steps.helpers import (
    QUOTE_FIELDS,
    joined,
    opened,
)


def test_assign_gives_a_new_case_its_team_rep(session: Session) -> None:
    ctx = opened(session, QUOTES_EAST, QUOTE_FIELDS)
    assign(ctx)
    case = ctx.case
    assert case is not None
    assert (case.owner, case.team, case.account_manager) == ("ben.okafor", "east", "alex.martin")
    (assigned,) = events(session, case, "assigned")
    assert assigned.data["owner"] == "ben.okafor" and assigned.actor == "intake-bot"


def test_assign_leaves_a_case_that_was_only_joined(session: Session) -> None:
    ctx = joined(session, raw_mail("thanks", subject="Re: x"))
    assign(ctx)
    assert ctx.case is not None and ctx.case.owner is None
    assert events(session, ctx.case, "assigned") == []
