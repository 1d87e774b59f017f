"""Kills the mutants of handlers/lifecycle.py that the rest of the suite let live
(`make mutation`): the status line posted to the case's Slack thread, for an operator at the
console (an actor with no address), from a status written with an underscore, and for a
lost case, with its reason (also on the case's trail)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from intake.handlers import statuses
from intake.handlers.lifecycle import set_status
from intake.handlers.slack_feed import SlackFeed
from intake.storage.models import Case
from tests.unit.builders import T0, events, make_case, org, sla_runtime


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


def test_a_lost_case_says_why_escaped(session: Session) -> None:
    lines = posted(session, make_case(session), "lost", "cli", reason="  price <too> high ")
    assert lines == ["Status: *lost* (was open), by cli; reason: price &lt;too&gt; high"]


def test_the_reason_is_on_the_lost_cases_trail(session: Session) -> None:
    case = make_case(session)
    set_status(session, None, case, "lost", actor="cli", now=T0, reason=" price ")
    (event,) = events(session, case)
    assert event.data == {"old": "open", "new": "lost", "reason": "price"}
