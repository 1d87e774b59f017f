"""Pins handlers/pipeline.py one step at a time: `STEPS` lists them as data, and each is
called here on its own with a `Context` built directly (an in-memory database, a stored
inbound row, a message parsed by the project's parser, the demo organisation, a stub
extractor), with what earlier steps would have set written in by the test.

Each test asserts the step's exact outcome: the `Stop` it raises (outcome and reason), the
mailbox, case or trust it sets, the case row, and the outbox rows and events it writes.
"""

from __future__ import annotations

import email
import email.policy
import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.handlers import pipeline
from intake.handlers.clocks import assign, time_case
from intake.handlers.email_commands import obey_command
from intake.handlers.pipeline import STEPS, Context, Stop
from intake.handlers.reply_budget import Budget
from intake.handlers.senders import UNVOUCHED, SenderTrust
from intake.parsers.message import ParsedMessage
from intake.parsers.mime import parse_email
from intake.parsers.slack_event import slack_message_id
from intake.storage import inbox
from intake.storage.models import Case, ProcessedKey, SlaClock
from tests.unit.builders import (
    AM,
    CUSTOMER,
    PAT,
    QUOTE_REQUIRED,
    QUOTES,
    QUOTES_EAST,
    SERVICE,
    T0,
    TRUSTED,
    TRUSTED_SUBMISSION,
    StubExtractor,
    config,
    context,
    events,
    fv,
    make_case,
    org,
    outbox,
    raw_mail,
    sla_runtime,
    store,
)

QUOTE_FIELDS = {
    "account": fv("Prairie Crest Homes"),
    "product_specs": fv("10 casements 30x48"),
    "factor": fv("0.52"),
    "opportunity_name": fv("PCH - Lot 9"),
    "opportunity_type": fv("Standard"),
    "stage": fv("Submissions"),
    "close_date": fv("2026-12-18"),
}


def stopped(step: Any, ctx: Context) -> tuple[str, str]:
    """(outcome, reason) of the Stop that `step` raises."""
    with pytest.raises(Stop) as caught:
        step(ctx)
    return caught.value.outcome, caught.value.reason


ORDER = [
    "dedupe",
    "guard_auto_mail",
    "authenticate",
    "route_mailbox",
    "thread",
    "authorise",
    "extract",
    "open_or_update_case",
    "obey_command",
    "assign",
    "time_case",
    "acknowledge",
    "notify",
]


def test_the_steps_keep_their_order() -> None:
    """Nothing is written before a duplicate, a robot or a stranger is stopped, and the
    mailbox and the case are known before anyone is authorised. (A new step may join
    anywhere; these keep their places relative to each other.)"""
    names = [step.__name__ for step in STEPS]
    assert [name for name in names if name in ORDER] == ORDER


# --- dedupe -------------------------------------------------------------------------------


def test_dedupe_marks_the_first_arrival(session: Session) -> None:
    ctx = context(session)
    pipeline.dedupe(ctx)
    held = session.get(ProcessedKey, ctx.inbound.dedupe_key)
    assert held is not None and held.inbound_id == ctx.inbound.id
    # the same arrival again (a retried transaction's own key): still its own, no duplicate
    assert inbox.take_key(session, ctx.inbound.dedupe_key, ctx.inbound.id) == ctx.inbound.id


def test_dedupe_ignores_a_second_arrival(session: Session) -> None:
    raw = raw_mail()
    first = context(session, raw)
    pipeline.dedupe(first)
    second = context(session, raw)
    assert stopped(pipeline.dedupe, second) == (
        "ignore",
        f"duplicate of inbound #{first.inbound.id}",
    )


# --- guard_auto_mail ----------------------------------------------------------------------


def test_guard_lets_a_person_through(session: Session) -> None:
    """The step stops auto-mail by raising Stop: returning is letting through (a Stop here
    fails the test)."""
    pipeline.guard_auto_mail(context(session, sender=PAT, mail_from=CUSTOMER))


def test_guard_ignores_a_null_envelope_sender_kept_as_stored(session: Session) -> None:
    """A bounce has MAIL FROM:<> and a From that looks human; only the stored envelope
    tells it apart, so the inbox must keep "" (not NULL) and the guard must read it."""
    ctx = context(session, sender=PAT, mail_from="")
    assert ctx.inbound.mail_from == "" and ctx.msg.return_path is None
    assert stopped(pipeline.guard_auto_mail, ctx) == (
        "ignore",
        "null sender (bounce or notification)",
    )


def test_guard_ignores_auto_mail_by_its_headers(session: Session) -> None:
    ctx = context(session, sender=PAT, mail_from=CUSTOMER, headers={"Precedence": "junk"})
    assert stopped(pipeline.guard_auto_mail, ctx) == ("ignore", "Precedence: junk")


def _invitation(text: str) -> bytes:
    """A calendar invitation (METHOD:REQUEST) whose text part says `text`."""
    return (
        f"From: {PAT}\r\nTo: {QUOTES}\r\nSubject: Quote review\r\nMessage-ID: <inv@x>\r\n"
        "Date: Mon, 2 Nov 2026 09:00:00 -0700\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        f"Content-Type: text/plain\r\n\r\n{text}\r\n--b\r\n"
        "Content-Type: text/calendar; method=REQUEST\r\n\r\n"
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n--b--\r\n"
    ).encode()


def test_guard_ignores_a_calendar_invitation_that_asks_for_nothing(session: Session) -> None:
    ctx = context(session, _invitation("Backlog review, bring your open cases."), mail_from=PAT)
    assert stopped(pipeline.guard_auto_mail, ctx) == ("ignore", "calendar invitation")
    assert ctx.config.extractor.texts == ["Backlog review, bring your open cases."]


def test_guard_lets_through_an_invitation_that_writes_out_a_request(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """Booking the quote's review as a meeting, with Account:, Factor:... in it: the
    extractor (here a stub told so) says the text is a request, so it is one, and the log
    says why a calendar invitation was let through."""
    said = {name: fv("x") for name in ("account", "factor", "product_specs")}
    cfg = config(extractor=StubExtractor(fields=said))
    ctx = context(session, _invitation("Account: PCH\nFactor: .52"), cfg=cfg, mail_from=PAT)
    with caplog.at_level(logging.INFO, logger="intake.pipeline"):
        pipeline.guard_auto_mail(ctx)  # a Stop here fails the test
    assert cfg.extractor.texts == ["Account: PCH\nFactor: .52"]  # it asked, and was told so
    assert logged(caplog) == [
        (
            logging.INFO,
            f"inbound #{ctx.inbound.id}: a calendar invitation that writes out a request",
        )
    ]


def test_guard_ignores_a_message_without_a_sender(session: Session) -> None:
    ctx = context(session, sender="", mail_from=CUSTOMER)
    assert stopped(pipeline.guard_auto_mail, ctx) == ("ignore", "no sender address to answer")


# --- authenticate -------------------------------------------------------------------------


def test_authenticate_takes_the_stored_verdict(session: Session) -> None:
    ctx = context(session)
    ctx.inbound.sender_auth = TRUSTED_SUBMISSION
    pipeline.authenticate(ctx)
    assert ctx.trust == TRUSTED
    assert ctx.staff and ctx.verified_sender == AM


def test_authenticate_without_evidence_vouches_for_nobody(session: Session) -> None:
    ctx = context(session, trust=TRUSTED)
    pipeline.authenticate(ctx)
    assert ctx.trust == UNVOUCHED
    assert not ctx.staff and ctx.verified_sender == ""


def test_authenticate_trusts_a_signed_slack_event(session: Session) -> None:
    ctx = context(session, channel="slack")
    pipeline.authenticate(ctx)
    assert ctx.trust == SenderTrust(True, False, "Slack user (signed event)")


# --- route_mailbox ------------------------------------------------------------------------


def test_route_takes_the_envelope_before_to_and_cc(session: Session) -> None:
    ctx = context(session, to=QUOTES, headers={"Cc": QUOTES_EAST}, rcpt_tos=[SERVICE])
    pipeline.route_mailbox(ctx)
    assert ctx.mailbox == org().mailbox_for(SERVICE)


def test_route_skips_envelope_recipients_that_are_not_ours(session: Session) -> None:
    ctx = context(session, to=QUOTES, rcpt_tos=["someone@example.org", "ConnectYou@Example.com"])
    pipeline.route_mailbox(ctx)
    assert ctx.mailbox is not None and ctx.mailbox.address == SERVICE


def test_route_without_an_envelope_reads_to_then_cc(session: Session) -> None:
    ctx = context(session, to="someone@example.org", headers={"Cc": SERVICE}, rcpt_tos=[])
    pipeline.route_mailbox(ctx)
    assert ctx.mailbox is not None and ctx.mailbox.address == SERVICE


def test_route_rejects_mail_for_none_of_our_mailboxes(session: Session) -> None:
    ctx = context(session, to="someone@example.org", rcpt_tos=["other@example.org"])
    assert stopped(pipeline.route_mailbox, ctx) == (
        "reject",
        "not addressed to any of our mailboxes",
    )


# --- thread -------------------------------------------------------------------------------


def test_thread_sets_the_case_and_how(session: Session) -> None:
    case = make_case(session)
    ctx = context(session, subject="Re: [CASE-000001] Quote please")
    pipeline.thread(ctx)
    assert (ctx.case, ctx.thread_how) == (case, "case number CASE-000001 in subject")


# --- authorise ----------------------------------------------------------------------------


def test_authorise_keeps_a_participant_on_the_case(session: Session) -> None:
    case = make_case(session, queue="service", participants=[CUSTOMER])
    ctx = context(session, sender=PAT, mailbox=SERVICE)
    ctx.case, ctx.thread_how = case, "In-Reply-To/References"
    pipeline.authorise(ctx)
    assert (ctx.case, ctx.thread_how) == (case, "In-Reply-To/References")


def test_authorise_keeps_staff_on_a_case_they_are_not_on(session: Session) -> None:
    case = make_case(session, queue="service", participants=[CUSTOMER])
    ctx = context(session, trust=TRUSTED, mailbox=SERVICE)
    ctx.case, ctx.thread_how = case, "In-Reply-To/References"
    pipeline.authorise(ctx)
    assert ctx.case is case


@pytest.mark.parametrize(
    ("sender", "trust"),
    [("Eve <eve@example.org>", TRUSTED), (f"Alex <{AM}>", UNVOUCHED)],
)
def test_authorise_drops_the_case_an_outsider_threaded_into(
    session: Session, sender: str, trust: SenderTrust
) -> None:
    """At a mailbox anyone may write to, so that only the participant check can refuse: a
    stranger (or a company address nobody vouches for) is a new request, not on the case."""
    case = make_case(session, queue="service", participants=[CUSTOMER])
    ctx = context(session, sender=sender, trust=trust, mailbox=SERVICE)
    ctx.case, ctx.thread_how = case, "case number CASE-000001 in subject"
    pipeline.authorise(ctx)
    assert (ctx.case, ctx.thread_how) == (None, "new (sender not on the threaded case)")
    assert ctx.replies == [] and outbox(session) == []


def test_authorise_refuses_an_outsider_at_a_quote_mailbox_once_a_day(session: Session) -> None:
    ctx = context(session, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    reason = f"{QUOTES} takes requests from company addresses only"
    assert stopped(pipeline.authorise, ctx) == ("reject", reason)
    (refusal,) = outbox(session)
    assert ctx.replies == [refusal]
    assert (refusal.kind, refusal.recipients, refusal.mail_from, refusal.case_id) == (
        "refusal",
        [CUSTOMER],
        QUOTES,
        None,
    )
    assert b"\r\nSubject: Re: Quote please\r\n" in refusal.raw
    again = context(session, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    assert stopped(pipeline.authorise, again) == ("reject", reason)
    assert again.replies == [] and len(outbox(session)) == 1


def test_authorise_refuses_a_company_address_nobody_vouches_for(session: Session) -> None:
    ctx = context(session, mailbox=QUOTES)
    assert stopped(pipeline.authorise, ctx) == (
        "reject",
        "company address not vouched for (nobody vouches for the From address)",
    )
    assert [r.kind for r in ctx.replies] == ["refusal"]


def test_authorise_lets_a_refusal_be_turned_off(session: Session) -> None:
    cfg = config(budget=Budget(refusals_per_day=0))
    ctx = context(session, cfg=cfg, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    assert stopped(pipeline.authorise, ctx)[0] == "reject"
    assert outbox(session) == []


def test_authorise_answers_no_forged_sender(session: Session) -> None:
    forged = SenderTrust(False, True, "dmarc=fail (p=reject)")
    ctx = context(session, sender=PAT, trust=forged, mailbox=SERVICE)
    assert stopped(pipeline.authorise, ctx) == (
        "reject",
        "forged From (dmarc=fail (p=reject)); not answered",
    )
    assert outbox(session) == []


def test_authorise_lets_vouched_staff_open_a_quote(session: Session) -> None:
    ctx = context(session, trust=TRUSTED, mailbox=QUOTES)
    pipeline.authorise(ctx)
    assert ctx.case is None and ctx.replies == [] and outbox(session) == []


def test_authorise_lets_anyone_open_a_service_request(session: Session) -> None:
    ctx = context(session, sender=PAT, mailbox=SERVICE)
    pipeline.authorise(ctx)
    assert ctx.case is None and ctx.replies == []


# --- extract ------------------------------------------------------------------------------


def test_extract_reads_a_new_message_with_its_mailbox_queue(session: Session) -> None:
    extractor = StubExtractor({"factor": fv("0.52")})
    ctx = context(session, cfg=config(extractor=extractor), trust=TRUSTED, mailbox=QUOTES)
    pipeline.extract(ctx)
    assert extractor.calls == [{"queue": "quotes", "staff": True, "reply": False}]
    assert ctx.fields == {"factor": fv("0.52")}


def test_extract_never_takes_our_own_case_number_as_the_reference(session: Session) -> None:
    """ "case CASE-000006" in a customer's text names our case, not their order."""
    extractor = StubExtractor({"reference": fv("case-000006"), "description": fv("door")})
    ctx = context(session, cfg=config(extractor=extractor), sender=PAT, mailbox=SERVICE)
    pipeline.extract(ctx)
    assert ctx.fields == {"description": fv("door")}
    other = StubExtractor({"reference": fv("SO-558213")})
    ctx = context(session, cfg=config(extractor=other), sender=PAT, mailbox=SERVICE)
    pipeline.extract(ctx)
    assert ctx.fields == {"reference": fv("SO-558213")}


def test_extract_reads_a_reply_with_its_case_queue(session: Session) -> None:
    """A reply to a service case sent to the quotes address is still read as service."""
    extractor = StubExtractor()
    ctx = context(session, cfg=config(extractor=extractor), sender=PAT, mailbox=QUOTES)
    ctx.case = make_case(session, queue="service", participants=[CUSTOMER])
    pipeline.extract(ctx)
    assert extractor.calls == [{"queue": "service", "staff": False, "reply": True}]


def test_extract_leaves_a_staff_command_line_to_the_command_step(session: Session) -> None:
    """ "won PO 12345" orders the case won; read as fields it would set the stage too."""
    extractor = StubExtractor()
    ctx = context(
        session,
        cfg=config(extractor=extractor),
        trust=TRUSTED,
        mailbox=QUOTES,
        body="won PO 12345\n\nGreat work everyone.\n",
    )
    ctx.case = make_case(session, queue="quotes", participants=[AM])
    assert ctx.staff
    pipeline.extract(ctx)
    assert extractor.texts == ["Great work everyone."]


def test_extract_reads_a_customers_command_words_as_a_message(session: Session) -> None:
    """Only staff give commands: anyone else's "won" is text like any other."""
    extractor = StubExtractor()
    ctx = context(
        session,
        cfg=config(extractor=extractor),
        sender=PAT,
        mailbox=SERVICE,
        body="close\n\nThe window still leaks.\n",
    )
    ctx.case = make_case(session, queue="service", participants=[CUSTOMER])
    assert not ctx.staff
    pipeline.extract(ctx)
    assert extractor.texts == ["close\n\nThe window still leaks."]


# --- open_or_update_case ------------------------------------------------------------------


def test_a_new_request_opens_a_case_awaiting_what_is_missing(session: Session) -> None:
    ctx = context(session, trust=TRUSTED, mailbox=QUOTES, fields={"factor": fv("0.52")})
    pipeline.open_or_update_case(ctx)
    case = ctx.case
    assert case is not None
    assert (ctx.outcome, ctx.reason, ctx.status_before) == ("new_case", "opened", "")
    assert (case.number, case.queue, case.status) == ("CASE-000001", "quotes", "awaiting_info")
    assert case.missing == [f for f in QUOTE_REQUIRED if f != "factor"]
    assert ctx.reported_fields == {"factor": "0.52"}


def test_a_message_on_a_case_joins_it(session: Session) -> None:
    case = make_case(session, status="awaiting_info", missing=["factor"], fields={"account": "X"})
    ctx = context(session, trust=TRUSTED, mailbox=QUOTES)
    ctx.case, ctx.thread_how = case, "In-Reply-To/References"
    pipeline.open_or_update_case(ctx)
    assert (ctx.outcome, ctx.reason) == ("append", "joined by In-Reply-To/References")
    assert ctx.status_before == "awaiting_info" and ctx.case is case


# --- obey_command -------------------------------------------------------------------------


def joined(session: Session, body: str, trust: SenderTrust = TRUSTED, **case: Any) -> Context:
    """A reply from the AM that has joined an open quote case (as the steps before leave it)."""
    ctx = context(session, body, trust=trust, subject="Re: [CASE-000001] Quote", mailbox=QUOTES)
    ctx.case = make_case(session, **case)
    ctx.outcome = "append"
    return ctx


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
    assert ctx.replies == [answer] and (answer.kind, answer.recipients) == ("command", [AM])


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


# --- assign and time_case -----------------------------------------------------------------


def opened(session: Session, address: str, fields: dict[str, Any], **cfg: Any) -> Context:
    """A request from the AM that `open_or_update_case` has just opened."""
    ctx = context(session, cfg=config(**cfg), trust=TRUSTED, mailbox=address, fields=fields)
    pipeline.open_or_update_case(ctx)
    return ctx


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


def test_time_case_starts_the_quote_clock_of_a_complete_request(session: Session) -> None:
    ctx = opened(session, QUOTES_EAST, QUOTE_FIELDS, sla=sla_runtime())
    assign(ctx)
    time_case(ctx)
    case = ctx.case
    assert case is not None
    session.flush()  # the case's id: a step may leave the new case unwritten
    clocks = session.scalars(select(SlaClock).where(SlaClock.case_id == case.id)).all()
    assert {(c.policy, c.state) for c in clocks} >= {("quote_turnaround", "running")}
    assert case.due_at == T0 + timedelta(days=2)  # Wed 4 Nov, 10:00 in Edmonton


def test_time_case_without_clocks_does_nothing(session: Session) -> None:
    ctx = opened(session, QUOTES_EAST, QUOTE_FIELDS)
    time_case(ctx)
    assert ctx.case is not None and ctx.case.due_at is None
    assert session.scalars(select(SlaClock)).all() == []


def test_time_case_brings_a_waiting_case_back_when_the_customer_writes(session: Session) -> None:
    case = make_case(session, queue="service", status="waiting", participants=[CUSTOMER])
    ctx = context(session, cfg=config(sla=sla_runtime()), sender=PAT, mailbox=SERVICE)
    ctx.case, ctx.outcome, ctx.status_before = case, "append", "waiting"
    time_case(ctx)
    assert case.status == "open"
    (changed,) = events(session, case, "status_changed")
    assert (changed.actor, changed.data) == (
        "intake-bot",
        {"old": "waiting", "new": "open", "why": "customer replied"},
    )


# --- acknowledge --------------------------------------------------------------------------


def test_acknowledge_queues_the_ack_of_a_new_case(session: Session) -> None:
    ctx = opened(session, QUOTES, QUOTE_FIELDS)
    pipeline.acknowledge(ctx)
    (ack,) = outbox(session)
    assert ctx.replies == [ack]
    assert (ack.kind, ack.recipients, ack.mail_from) == ("ack", [AM], QUOTES)
    assert ack.case_id == ctx.case.id  # type: ignore[union-attr]
    assert b"\r\nSubject: [CASE-000001] Quote please\r\n" in ack.raw


def test_acknowledge_skips_an_answer_over_the_outsider_budget(session: Session) -> None:
    budget = Budget(per_hour=1)
    first = context(session, cfg=config(budget=budget), sender=PAT, mailbox=SERVICE)
    pipeline.open_or_update_case(first)
    pipeline.acknowledge(first)
    ctx = context(session, cfg=config(budget=budget), sender=PAT, mailbox=SERVICE)
    pipeline.open_or_update_case(ctx)
    pipeline.acknowledge(ctx)
    assert ctx.replies == [] and len(outbox(session)) == 1
    assert ctx.case is not None
    (skipped,) = events(session, ctx.case, "reply_skipped")
    assert skipped.data == {
        "kind": "ack",
        "why": f"reply budget: 1 an hour to {CUSTOMER} already sent",
    }


def test_acknowledge_has_no_budget_for_vouched_staff(session: Session) -> None:
    """An AM may send thirty requests in an hour: each one is acknowledged."""
    for _ in range(2):
        ctx = opened(session, QUOTES, {}, budget=Budget(per_hour=1))
        pipeline.acknowledge(ctx)
    assert [(r.kind, r.recipients) for r in outbox(session)] == [("ack", [AM])] * 2


def test_acknowledge_sends_nothing_for_a_reply_to_a_complete_case(session: Session) -> None:
    ctx = joined(session, raw_mail("thanks", subject="Re: x"))
    pipeline.acknowledge(ctx)
    assert ctx.replies == [] and outbox(session) == []


# --- notify -------------------------------------------------------------------------------


@dataclass
class RecordingFeed:
    """Stands in for handlers/slack_feed.SlackFeed: notes which post the step asked for."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)

    def announce(self, session: Session, case: Case, now: Any) -> None:
        self.calls.append(("announce", case.number))

    def message_received(
        self, session: Session, case: Case, sender: str, text: str, now: Any
    ) -> None:
        self.calls.append(("message_received", case.number, sender, text))

    def refresh(self, session: Session, case: Case, now: Any) -> None:
        self.calls.append(("refresh", case.number))


def test_notify_announces_a_new_case(session: Session) -> None:
    feed = RecordingFeed()
    ctx = opened(session, QUOTES, {}, slack=feed)
    pipeline.notify(ctx)
    assert feed.calls == [("announce", "CASE-000001")]


def test_notify_posts_a_message_that_joined_and_refreshes_what_it_changed(
    session: Session,
) -> None:
    feed = RecordingFeed()
    ctx = joined(session, raw_mail("Factor 0.52", subject="Re: x"))
    ctx.config = config(slack=feed)
    ctx.reported_fields = {"factor": "0.52"}
    pipeline.notify(ctx)
    assert feed.calls == [
        ("message_received", "CASE-000001", AM, ctx.msg.new_text),
        ("refresh", "CASE-000001"),
    ]


def test_notify_does_not_repost_a_message_written_in_the_case_thread(
    session: Session,
) -> None:
    feed = RecordingFeed()
    ctx = joined(session, raw_mail("on it", subject="Re: x"))
    assert ctx.case is not None
    ctx.case.slack_channel, ctx.case.slack_ts = "C0WESTQ01", "1700000000.000100"
    thread_id = slack_message_id("C0WESTQ01", "1700000000.000100")
    ctx.config, ctx.msg = config(slack=feed), replace(ctx.msg, in_reply_to=(thread_id,))
    pipeline.notify(ctx)
    assert feed.calls == []


def test_notify_posts_nothing_for_a_stopped_message(session: Session) -> None:
    feed = RecordingFeed()
    ctx = joined(session, raw_mail("hi", subject="Re: x"))
    ctx.config, ctx.outcome = config(slack=feed), "ignore"
    pipeline.notify(ctx)
    assert feed.calls == []


# --- where the answer goes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply_to", "trust", "expected"),
    [
        ("pat.lee@example.net", UNVOUCHED, "pat.lee@example.net"),  # the From's own domain
        ("someone@example.org", UNVOUCHED, CUSTOMER),  # a third party: not followed
        ("someone@example.org", TRUSTED, "someone@example.org"),  # vouched for
    ],
)
def test_reply_address_of_a_new_message(
    session: Session, reply_to: str, trust: SenderTrust, expected: str
) -> None:
    ctx = context(session, sender=PAT, trust=trust, headers={"Reply-To": reply_to})
    assert ctx.reply_address == expected


@pytest.mark.parametrize(
    ("reply_to", "expected"),
    [("site@example.org", "site@example.org"), ("x@example.org", CUSTOMER)],
)
def test_reply_address_on_a_case_only_names_a_participant(
    session: Session, reply_to: str, expected: str
) -> None:
    ctx = context(session, sender=PAT, trust=TRUSTED, headers={"Reply-To": reply_to})
    ctx.case = make_case(session, participants=[CUSTOMER, "site@example.org"])
    ctx.outcome = "append"
    assert ctx.reply_address == expected


# --- process ------------------------------------------------------------------------------


def test_process_records_what_became_of_the_stored_message_and_its_case(session: Session) -> None:
    row = store(session, raw_mail(), sender_auth=TRUSTED_SUBMISSION)
    result = pipeline.process(session, row, config(), T0)
    assert (row.state, row.outcome, row.reason, row.processed_at) == (
        "done",
        "new_case",
        "opened",
        T0,
    )
    assert row.case is not None and row.case.number == result.case_number == "CASE-000001"


def test_process_reads_with_the_configured_parser_and_logs_what_it_lacked(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """A message with no Message-ID, stored with no recipient: refused, and its one log line
    says so ("to -", "(no Message-ID)"); read by the parser the configuration names."""
    read: list[bytes] = []

    def parse(raw: bytes) -> ParsedMessage:
        read.append(raw)
        return parse_email(raw)

    row = store(session, raw_mail(to="pat@example.net", headers={"Message-ID": ""}), rcpt_tos=())
    with caplog.at_level(logging.INFO, logger="intake.pipeline"):
        result = pipeline.process(session, row, config(parse=parse), T0)
    assert read == [row.raw]
    assert result.outcome == "reject"
    line = f"inbound #{row.id} smtp from {AM} to - (no Message-ID): reject"
    assert any(message.startswith(line) for _, message in logged(caplog)), logged(caplog)


# --- what is logged -----------------------------------------------------------------------


def logged(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "intake.pipeline"]


def test_authenticate_logs_a_company_address_nobody_vouches_for(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = context(session)
    with caplog.at_level(logging.WARNING, logger="intake.pipeline"):
        pipeline.authenticate(ctx)
    assert logged(caplog) == [
        (
            logging.WARNING,
            f"inbound #{ctx.inbound.id}: From {AM} is a company address nobody vouches for"
            f" ({UNVOUCHED.how}): outsider",
        )
    ]


def _refusal_text(session: Session) -> str:
    (refusal,) = outbox(session)
    message = email.message_from_bytes(refusal.raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return " ".join(body.get_content().split())


def test_a_refusal_says_who_may_write_and_where_service_requests_go(session: Session) -> None:
    ctx = context(session, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    stopped(pipeline.authorise, ctx)
    text = _refusal_text(session)
    assert f"This address takes requests from staff of {', '.join(org().domains)} only" in text
    service = next(m.address for m in org().mailboxes.values() if m.queue == "service")
    assert f"please write to {service}." in text


def test_a_refusal_without_a_service_mailbox_names_no_other_address(session: Session) -> None:
    quotes_only = org().model_copy(
        update={"mailboxes": {k: m for k, m in org().mailboxes.items() if m.queue != "service"}}
    )
    ctx = context(session, cfg=config(org=quotes_only), sender=PAT, mail_from=CUSTOMER)
    ctx.mailbox = quotes_only.mailbox_for(QUOTES)
    assert stopped(pipeline.authorise, ctx)[0] == "reject"
    assert "please write to" not in _refusal_text(session)


def test_a_refusal_held_back_is_logged_with_why(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    first = context(session, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    stopped(pipeline.authorise, first)  # the day's one refusal
    again = context(session, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    with caplog.at_level(logging.INFO, logger=pipeline.log.name):
        stopped(pipeline.authorise, again)
    assert any(
        f"inbound #{again.inbound.id}: no refusal (" in r.getMessage()
        and "None" not in r.getMessage()
        for r in caplog.records
    )


def test_acknowledge_skips_an_address_it_cannot_write_to_and_logs_it(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    unwritable = "p" * 300 + "@example.net"  # longer than any address a relay takes
    ctx = context(session, sender=f"Pat <{unwritable}>", mail_from=None, mailbox=SERVICE)
    pipeline.open_or_update_case(ctx)
    with caplog.at_level(logging.WARNING, logger=pipeline.log.name):
        pipeline.acknowledge(ctx)
    assert ctx.replies == [] and outbox(session) == []
    assert ctx.case is not None
    (skipped,) = events(session, ctx.case, "reply_skipped")
    assert skipped.data["why"] == f"no address we can safely write to ({unwritable[:80]!r})"
    assert f"inbound #{ctx.inbound.id}: ack not sent: no address" in caplog.text


def test_authenticate_warns_only_of_a_company_address_nobody_vouches_for(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=pipeline.log.name):
        pipeline.authenticate(context(session, sender=PAT, mail_from=CUSTOMER, mailbox=SERVICE))
        assert "nobody vouches for" not in caplog.text  # an outsider is no company address
        pipeline.authenticate(context(session, mailbox=QUOTES))  # the AM's address, unvouched
    assert f"From {AM} is a company address nobody vouches for" in caplog.text


def test_authorise_logs_an_outsider_taken_off_the_case_they_threaded_into(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    case = make_case(session, queue="service", participants=[CUSTOMER])
    ctx = context(session, sender="Eve <eve@example.org>", trust=TRUSTED, mailbox=SERVICE)
    ctx.case, ctx.thread_how = case, "case number CASE-000001 in subject"
    with caplog.at_level(logging.INFO, logger=pipeline.log.name):
        pipeline.authorise(ctx)
    said = f"inbound #{ctx.inbound.id}: eve@example.org is not on {case.number}; treated as new"
    assert said in caplog.text
