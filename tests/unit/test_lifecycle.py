"""Pins handlers/lifecycle.py: the CRM rules on moving a case, whoever gives the command.

`set_status` is called on a case built directly in an in-memory database. A refused command
must raise `LifecycleError` with its exact text (and `needs`) and leave the case and its
trail untouched; an accepted one must return the exact `Change`, with its signals, and write
the status, the fields it carries and one `status_changed` event.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from intake.handlers import statuses
from intake.handlers.lifecycle import Change, LifecycleError, set_status
from intake.storage.models import Case
from tests.unit.builders import AM, OWNER, T0, events, make_case, sla_runtime


def refused(session: Session, case: Case, command: str, **kw: object) -> LifecycleError:
    """The error a command raises; the case keeps its status, fields and trail."""
    before = (case.status, dict(case.fields), len(events(session, case)))
    with pytest.raises(LifecycleError) as caught:
        set_status(session, None, case, command, actor="cli", now=T0, **kw)  # type: ignore[arg-type]
    assert (case.status, dict(case.fields), len(events(session, case))) == before
    return caught.value


@pytest.mark.parametrize("po", [None, "", "   ", "\t\n"])
def test_won_needs_a_po_that_is_not_blank(session: Session, po: str | None) -> None:
    error = refused(session, make_case(session), "won", po=po)
    assert (str(error), error.needs) == ("a won case needs the customer's PO number", "po")


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_lost_needs_a_reason_that_is_not_blank(session: Session, reason: str | None) -> None:
    error = refused(session, make_case(session), "lost", reason=reason)
    assert (str(error), error.needs) == ("a lost case needs a reason", "reason")


@pytest.mark.parametrize(
    ("status", "command", "said"),
    [
        (statuses.OPEN, "open", "open"),
        (statuses.WAITING, "waiting", "waiting"),
        (statuses.QUOTE_SENT, "quote-sent", "quote sent"),
        (statuses.CLOSED, "closed", "closed"),
    ],
)
def test_the_same_status_twice_is_refused(
    session: Session, status: str, command: str, said: str
) -> None:
    error = refused(session, make_case(session, status=status), command)
    assert (str(error), error.needs) == (f"CASE-000001 is already {said}", None)


def test_quote_sent_is_refused_on_a_service_case(session: Session) -> None:
    error = refused(session, make_case(session, queue="service"), "quote-sent")
    assert str(error) == "CASE-000001 is a service case; only quotes are sent"


@pytest.mark.parametrize("command", ["waiting", "closed", "quote-sent"])
def test_a_done_case_must_be_reopened_first(session: Session, command: str) -> None:
    error = refused(session, make_case(session, status=statuses.WON), command)
    assert str(error) == "CASE-000001 is won; reopen it first"


def test_an_unknown_command_is_refused(session: Session) -> None:
    error = refused(session, make_case(session), "approved")
    assert str(error) == (
        "unknown status 'approved'; use one of quote-sent, waiting, won, lost, closed, open"
    )


def test_won_keeps_the_po_trimmed_and_writes_one_event(session: Session) -> None:
    case = make_case(session)
    change = set_status(session, None, case, "won", actor=AM, now=T0, po="  PO-4471 ")
    assert change == Change("CASE-000001", "open", "won", ["won"])
    assert (case.status, case.fields, case.updated_at) == ("won", {"po_number": "PO-4471"}, T0)
    (event,) = events(session, case)
    assert (event.kind, event.actor, event.data) == (
        "status_changed",
        AM,
        {"old": "open", "new": "won", "po": "PO-4471"},
    )


def test_lost_keeps_the_reason_trimmed(session: Session) -> None:
    case = make_case(session, status=statuses.QUOTE_SENT)
    change = set_status(session, None, case, "lost", actor="cli", now=T0, reason=" price ")
    assert change == Change("CASE-000001", "quote_sent", "lost", ["lost"])
    assert case.fields == {"lost_reason": "price"}


def test_quote_sent_on_a_quote_with_an_approval_date(session: Session) -> None:
    case = make_case(session)
    change = set_status(
        session, None, case, " Quote_Sent ", actor="cli", now=T0, approval_by=date(2026, 11, 20)
    )
    assert change == Change("CASE-000001", "open", "quote_sent", ["quote_sent"])
    assert case.fields == {"approval_by": "2026-11-20"}
    assert events(session, case)[0].data == {
        "old": "open",
        "new": "quote_sent",
        "approval_by": "2026-11-20",
    }


@pytest.mark.parametrize(
    ("old", "signal"), [(statuses.AWAITING_INFO, "info_received"), (statuses.WON, "reopened")]
)
def test_open_says_whether_information_came_or_the_case_reopened(
    session: Session, old: str, signal: str
) -> None:
    case = make_case(session, status=old)
    assert set_status(session, None, case, "open", actor="cli", now=T0).signals == [signal]


def test_the_owner_and_the_am_give_their_own_signals(session: Session) -> None:
    """With the clocks on, a command from the case's owner is also the owner's answer, and
    one from the account's AM the AM's update; the clocks' events name who gave it."""
    case = make_case(session, owner="tara.nguyen", team="west")
    case.account_manager = "alex.martin"
    runtime = sla_runtime()
    by_owner = set_status(session, runtime, case, "quote-sent", actor=OWNER, now=T0)
    assert by_owner.signals == ["owner_replied", "quote_sent"]
    started = events(session, case, "sla_started")
    assert [(e.actor, e.data) for e in started] == [
        (
            "intake-bot",
            {
                "policy": "quote_approval_followup",
                "on": "quote_sent",
                "due_at": "2026-11-05T17:00:00+00:00",  # 72 h later
                "by": OWNER,
            },
        )
    ]
    by_am = set_status(session, runtime, case, "waiting", actor=AM, now=T0)
    assert by_am.signals == ["am_update", "waiting"]
