"""handlers/sla_notices.py: whom a reminder goes to, under which Message-ID, and what it
says (the subject, the template's context, the Slack line, the log line), exactly.

What a wrong notice costs: a reminder nobody receives when the case has no owner; an AM told
of a breach that is the owner's; "1 hours"; a headline without the account.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.handlers import sla_notices
from intake.handlers.sla_notices import concerned, target_text
from intake.handlers.sla_policy import Policy
from intake.handlers.slack_feed import SlackFeed
from intake.storage.models import Case, CaseEvent, OutboxMessage
from tests.unit.builders import QUOTES, T0, org
from tests.unit.sla.setup import (
    ALEX,
    CHASE,
    FIRST,
    LENA,
    REPLY,
    REQUEST,
    TARA,
    H,
    clock,
    mid,
    quote_case,
    runtime,
    signal,
    swept,
)


def test_a_restarted_clock_reminds_under_new_message_ids(session: Session) -> None:
    """Each life of a clock numbers its notices from 1 again: the generation keeps them apart."""
    rt = runtime(REPLY)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    c = clock(session, case, "reply")
    (first,) = swept(session, rt, T0 + 5 * H)
    signal(session, rt, case, "owner_replied", T0 + 6 * H)
    signal(session, rt, case, "inquiry", T0 + 7 * H)
    assert (c.generation, c.notices, c.next_at) == (2, 0, T0 + 12 * H)
    (second,) = swept(session, rt, T0 + 12 * H)
    assert (first.message_id, second.message_id) == (
        mid(c, 1, 1, "warning"),
        mid(c, 2, 1, "warning"),
    )
    ids = session.scalars(select(OutboxMessage.message_id).order_by(OutboxMessage.id)).all()
    assert ids == [first.message_id, second.message_id]


def test_a_case_without_an_owner_reminds_the_teams_manager(session: Session) -> None:
    rt = runtime(REPLY)
    case = quote_case(session, owner=None)
    signal(session, rt, case, "opened", T0)
    assert [(r.step, r.to) for r in swept(session, rt, T0 + 10 * H)] == [("breach", [LENA])]
    (row,) = session.scalars(select(OutboxMessage)).all()
    assert (row.kind, row.recipients, row.mail_from) == ("sla_breach", [LENA], QUOTES)
    sent = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert (sent["To"], sent["In-Reply-To"], sent["Auto-Submitted"]) == (
        LENA,
        REQUEST,
        "auto-generated",
    )
    due = "Mon 02 Nov 20:00 MST"  # T0 + 10 h in Edmonton
    assert (
        sent["Subject"] == f"[{case.number}] Overdue: reply for Prairie Crest Homes was due {due}"
    )


def test_with_nobody_to_remind_the_case_says_so_and_nothing_is_queued(session: Session) -> None:
    rt = runtime(REPLY)
    case = quote_case(session, owner=None, team=None)
    signal(session, rt, case, "opened", T0)
    (reminder,) = swept(session, rt, T0 + 10 * H)
    assert (reminder.step, reminder.to, reminder.message_id) == ("breach", [], None)
    assert (reminder.scheduled, reminder.due_at) == (T0 + 10 * H, T0 + 10 * H)
    assert session.scalars(select(OutboxMessage)).all() == []
    unsent = session.scalars(
        select(CaseEvent.data).where(CaseEvent.kind == "sla_reminder_unsent")
    ).all()
    assert unsent == [{"policy": "reply", "step": "breach", "why": "nobody to send it to"}]


def test_a_follow_up_goes_to_the_owner_and_the_am(session: Session) -> None:
    rt = runtime(CHASE)
    case = quote_case(session)
    signal(session, rt, case, "quote_sent", T0)
    assert [(r.step, r.to) for r in swept(session, rt, T0 + 72 * H)] == [
        ("follow_up", [TARA, ALEX])
    ]


@pytest.mark.parametrize(
    ("subject", "named"), [("Sash windows, Lot 9", "Sash windows, Lot 9"), ("", "(no account)")]
)
def test_a_reminder_of_a_case_without_an_account_names_its_subject(
    session: Session, subject: str, named: str
) -> None:
    rt = runtime(REPLY)
    case = quote_case(session)
    case.fields, case.subject = {}, subject
    session.commit()
    signal(session, rt, case, "opened", T0)
    swept(session, rt, T0 + 10 * H)
    (row,) = session.scalars(select(OutboxMessage)).all()
    sent = email.message_from_bytes(row.raw, policy=email.policy.default)
    due = "Mon 02 Nov 20:00 MST"  # T0 + 10 h in Edmonton
    assert sent["Subject"] == f"[{case.number}] Overdue: reply for {named} was due {due}"


def test_the_log_line_of_a_reminder_names_its_recipients(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    rt = runtime(FIRST)
    signal(session, rt, quote_case(session), "opened", T0)
    with caplog.at_level(logging.INFO, logger="intake.sla"):
        swept(session, rt, T0 + 4 * H)
    assert any(TARA in r.getMessage() and "breach" in r.getMessage() for r in caplog.records)


def test_only_a_follow_up_tells_the_am(session: Session) -> None:
    case = quote_case(session)
    told_am = REPLY.model_copy(update={"notify": ["owner", "am"]})
    assert concerned(org(), case, told_am, "breach") == ["tara.nguyen"]
    assert concerned(org(), case, told_am, "follow_up") == ["tara.nguyen", "alex.martin"]


def test_a_promise_in_working_days_is_said_in_days() -> None:
    days = REPLY.model_copy(update={"basis": "working_days", "target": 48 * H})
    assert target_text(days) == "2 working days"
    assert target_text(days.model_copy(update={"target": 30 * H})) == "30 hours, on working days"


def test_a_promise_of_whole_days_over_three_is_said_in_days() -> None:
    week = REPLY.model_copy(update={"target": 168 * H})
    assert target_text(week) == "7 days"
    assert target_text(REPLY.model_copy(update={"target": 72 * H})) == "72 hours"


def test_a_slack_reminder_names_the_am_only_on_a_follow_up(session: Session) -> None:
    case = quote_case(session)
    feed = SlackFeed(org())
    told_am = CHASE.model_copy(update={"kind": "deadline"})
    context = {"headline": "Prairie Crest Homes"}
    owner, am = feed.mention("tara.nguyen"), feed.mention("alex.martin")
    assert sla_notices._slack_line(feed, case, told_am, "breach", context) == (
        f":alarm_clock: *Overdue*: {owner} Prairie Crest Homes"
    )
    assert sla_notices._slack_line(feed, case, CHASE, "follow_up", context) == (
        f":alarm_clock: *Follow up*: {owner} {am} Prairie Crest Homes"
    )


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(0), "less than a minute"),
        (timedelta(seconds=59), "less than a minute"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=45), "45 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=2, minutes=1), "2 hours 1 minute"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=1, minutes=1), "1 day"),  # minutes are not said beside days
        (timedelta(days=2, hours=3, minutes=5), "2 days 3 hours"),
        (timedelta(days=3, hours=1), "3 days 1 hour"),
    ],
)
def test_how_late_in_words(delta: timedelta, words: str) -> None:
    assert sla_notices.in_words(delta) == words


@pytest.mark.parametrize(
    ("basis", "hours", "words"),
    [
        ("business", 1, "1 business hour"),
        ("business", 9, "9 business hours"),
        ("business", 4.5, "4.5 business hours"),
        ("working_days", 24, "1 working day"),
        ("working_days", 48, "2 working days"),
        ("working_days", 30, "30 hours, on working days"),
        ("wall", 1, "1 hour"),
        ("wall", 1.5, "1.5 hours"),
        ("wall", 72, "72 hours"),
        ("wall", 73, "73 hours"),
        ("wall", 96, "4 days"),
    ],
)
def test_the_promise_in_words(basis: str, hours: float, words: str) -> None:
    policy = REPLY.model_copy(update={"basis": basis, "target": timedelta(hours=hours)})
    assert target_text(policy) == words


def _context(case: Case, policy: Policy, step: str, due: datetime | None, now: datetime) -> dict:
    cal = runtime(policy).config.team_calendar(policy, case.team)
    return sla_notices._context(org(), case, policy, step, due, now, cal)


def test_the_words_of_each_reminder(session: Session) -> None:
    """Every value a reminder's template and subject are built from, for each kind of step:
    the headline says what is due for which account and when, in the team's zone."""
    case = quote_case(session)
    case.missing = ["factor"]
    due = T0 + 10 * H  # 20:00 in Edmonton
    named = REPLY.model_copy(update={"name": "quote_turnaround"})
    common = {
        "case_number": case.number,
        "what": "quote",
        "account": "Prairie Crest Homes",
        "subject": "Quote please",
        "status": "open",
        "due": "Mon 02 Nov 20:00 MST",
        "owner_name": "Tara Nguyen",
        "policy": "quote_turnaround",
        "target": "10 hours",
        "missing": ["factor"],
    }
    assert _context(case, named, "warning", due, T0 + 5 * H) == {
        **common,
        "step": "warning",
        "headline": "quote for Prairie Crest Homes due Mon 02 Nov 20:00 MST",
        "late": None,
    }
    assert _context(case, named, "breach", due, due + 2 * H + timedelta(minutes=5)) == {
        **common,
        "step": "breach",
        "headline": "quote for Prairie Crest Homes was due Mon 02 Nov 20:00 MST",
        "late": "2 hours 5 minutes",
    }
    assert _context(case, named, "follow_up", due, due)["headline"] == (
        "quote for Prairie Crest Homes"
    )
    assert _context(case, named, "breach", due, due)["late"] is None  # on the minute: not late


def test_a_reminder_names_what_it_can_when_the_case_lacks_it(session: Session) -> None:
    """A policy the titles do not know is named by its own name; a case without an account
    by its subject, then "(no account)"; no due time, no owner: None, not a crash."""
    case = quote_case(session, owner=None)
    case.fields, case.status = {}, "waiting_on_customer"
    custom = REPLY.model_copy(update={"name": "site_visit_booked"})
    said = _context(case, custom, "escalation", None, T0)
    assert (said["what"], said["account"], said["status"]) == (
        "site visit booked",
        "Quote please",
        "waiting on customer",
    )
    assert (said["due"], said["late"], said["owner_name"]) == (None, None, None)
    assert said["headline"] == "site visit booked for Quote please was due None"
    case.subject = ""
    assert _context(case, custom, "follow_up", None, T0)["account"] == "(no account)"


def test_a_slack_escalation_names_the_manager_then_the_owner(session: Session) -> None:
    case = quote_case(session)
    feed = SlackFeed(org())
    context = {"headline": "Prairie Crest Homes", "late": "2 days"}
    manager, owner = feed.mention("lena.fischer"), feed.mention("tara.nguyen")
    assert sla_notices._slack_line(feed, case, REPLY, "escalation", context) == (
        f":alarm_clock: *Escalation*: {manager} (owner {owner}) Prairie Crest Homes, 2 days late"
    )


class NotedFeed:
    """Stands in for the Salesforce feed (its HTTP side has tests of its own): notes what
    each reminder would post."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str, str, list[str]]] = []

    def reminder(
        self,
        session: Session,
        case: Case,
        title: str,
        line: str,
        concerns: list[str],
        now: datetime,
    ) -> None:
        self.posts.append((case.number, title, line, concerns))


def test_a_late_reminder_on_the_salesforce_feed_says_how_late(session: Session) -> None:
    noted = NotedFeed()
    rt = dataclasses.replace(runtime(REPLY), salesforce=noted)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    swept(session, rt, T0 + 12 * H)  # the breach, told two hours late
    due = "Mon 02 Nov 20:00 MST"
    assert noted.posts == [
        (
            case.number,
            "Overdue",
            f"reply for Prairie Crest Homes was due {due}, 2 hours late",
            ["tara.nguyen"],
        )
    ]


def test_nobody_is_concerned_by_a_deadline_of_a_case_without_an_owner(session: Session) -> None:
    case = quote_case(session, owner=None)
    assert concerned(org(), case, REPLY, "breach") == []
    assert concerned(org(), case, CHASE, "follow_up") == ["alex.martin"]


def test_salesforce_is_told_of_an_on_time_warning_and_a_follow_up_with_whom_they_concern(
    session: Session,
) -> None:
    noted = NotedFeed()
    rt = dataclasses.replace(runtime(REPLY, CHASE), salesforce=noted)
    case = quote_case(session)
    signal(session, rt, case, "opened", T0)
    signal(session, rt, case, "quote_sent", T0)
    swept(session, rt, T0 + 5 * H)  # the warning, on time: nothing is late
    swept(session, rt, T0 + 72 * H)  # the follow-up, on time
    due = "Mon 02 Nov 20:00 MST"
    assert [post for post in noted.posts if post[1] in ("Due soon", "Follow up")] == [
        (case.number, "Due soon", f"reply for Prairie Crest Homes due {due}", ["tara.nguyen"]),
        (
            case.number,
            "Follow up",
            "chase for Prairie Crest Homes",
            ["tara.nguyen", "alex.martin"],
        ),
    ]
