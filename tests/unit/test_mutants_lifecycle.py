"""Kills the mutants of handlers/lifecycle.py that the rest of the suite let live
(`make mutation`): the status line posted to the case's Slack thread, for an operator at the
console (an actor with no address) and from a status written with an underscore."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from intake.handlers import statuses
from intake.handlers.lifecycle import set_status
from intake.handlers.slack_feed import SlackFeed
from intake.storage.models import Case
from tests.unit.builders import T0, make_case, org, sla_runtime


@dataclass(frozen=True)
class RecordingFeed(SlackFeed):
    """A Slack feed that keeps the lines it is asked to post instead of queueing them."""

    lines: list[str] = field(default_factory=list)

    def post(self, session: Session, case: Case, text: str, now: datetime) -> None:  # type: ignore[override]
        self.lines.append(text)

    def refresh(self, session: Session, case: Case, now: datetime) -> None:  # type: ignore[override]
        return None


def posted(session: Session, case: Case, command: str, actor: str, **kw: str) -> list[str]:
    feed = RecordingFeed(org())
    runtime = replace(sla_runtime(), slack=feed)
    set_status(session, runtime, case, command, actor=actor, now=T0, **kw)
    return feed.lines


def test_an_operator_at_the_console_is_named_as_written(session: Session) -> None:
    assert posted(session, make_case(session), "closed", "cli") == [
        "Status: *closed* (was open), by cli"
    ]


def test_the_old_status_is_written_in_words(session: Session) -> None:
    case = make_case(session, status=statuses.QUOTE_SENT)
    assert posted(session, case, "won", "cli", po="4711") == [
        "Status: *won* (was quote sent), by cli; PO 4711"
    ]
