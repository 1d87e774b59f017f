"""Pins handlers/case_ops.py: what a message does to a case, and the email that follows.

`open_case`, `add_to_case`, `reply_kind` and `queue_case_reply` are called on a `Context`
built directly (tests/unit/builders.py) with the fields an extractor would have given, and
the exact case row, case message, audit trail and outbox row are asserted; the small pure
helpers (numbers, subjects, the check sentence) with tables of inputs and outputs.
"""

from __future__ import annotations

import email
import email.policy
import random
import re
from typing import Any

import pytest
from sqlalchemy.orm import Session

from intake.handlers import case_ops
from intake.handlers.case_ops import (
    check_sentence,
    format_number,
    human_date,
    reply_kind,
    reply_subject,
)
from intake.handlers.pipeline import Context
from intake.handlers.replies import _CONTROL, one_line
from intake.handlers.senders import UNVOUCHED
from intake.storage.models import OutboxMessage
from intake.storage.outbox_rows import Queued
from tests.unit.builders import (
    AM,
    CUSTOMER,
    PAT,
    QUOTE_REQUIRED,
    QUOTES,
    SERVICE,
    T0,
    TRUSTED,
    context,
    events,
    fv,
    make_case,
    outbox,
)


def written(session: Session, row: OutboxMessage | Queued) -> OutboxMessage:
    """The outbox row as the database has it (an email of a case is written at the flush)."""
    (found,) = [r for r in outbox(session) if r.message_id == row.message_id]
    assert found.id == row.id
    return found


def text_of(row: OutboxMessage) -> str:
    parsed = email.message_from_bytes(row.raw, policy=email.policy.default)
    body = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return body.replace("\r\n", "\n")


# --- small helpers ------------------------------------------------------------------------


def test_format_number() -> None:
    assert format_number("CASE", 12, 6) == "CASE-000012"
    assert format_number("Q", 1234567, 6) == "Q-1234567"


@pytest.mark.parametrize(
    ("subject", "number", "expected"),
    [
        ("Quote please", "CASE-000001", "[CASE-000001] Quote please"),
        ("Re: Fwd:  Quote   please", "CASE-000001", "[CASE-000001] Quote please"),
        ("RE: [case-000001] Quote", "CASE-000001", "Re: [case-000001] Quote"),
        ("", "CASE-000001", "[CASE-000001] (no subject)"),
        ("AW: Quote", None, "Re: Quote"),
    ],
)
def test_reply_subject(subject: str, number: str | None, expected: str) -> None:
    assert reply_subject(subject, number) == expected


@pytest.mark.parametrize(
    ("unsure", "expected"),
    [
        ([], ""),
        (
            [("factor", '"0.52"')],
            'Please check: we read the factor as "0.52". Reply if that is wrong.',
        ),
        (
            [("factor", "1"), ("stage", "2")],
            "Please check: we read the factor as 1 and the stage as 2. Reply if either is wrong.",
        ),
        (
            [("a", "1"), ("b", "2"), ("c", "3")],
            "Please check: we read the a as 1, the b as 2 and the c as 3. "
            "Reply if any of them is wrong.",
        ),
    ],
)
def test_check_sentence(unsure: list[tuple[str, str]], expected: str) -> None:
    assert check_sentence(unsure) == expected


@pytest.mark.parametrize(
    ("iso", "expected"),
    [("2027-01-15", "15 Jan 2027"), ("2027-02-30", None), ("15/01/2027", None), ("", None)],
)
def test_human_date(iso: str, expected: str | None) -> None:
    assert human_date(iso) == expected


# --- opening a case -----------------------------------------------------------------------


def test_open_case_writes_the_case_its_message_and_its_trail(session: Session) -> None:
    ctx = context(
        session,
        fields={"factor": fv("0.52", 0.9), "attachments": fv(["plan.pdf"], 1.0, "attachment:*")},
        trust=TRUSTED,
        subject="Fwd: RE:  Quote   for Lot 9",
        headers={"Cc": f"priya.shah@example.com, {SERVICE}"},
        mailbox=QUOTES,
    )
    case = case_ops.open_case(ctx)
    session.flush()  # the case's message is written with it
    assert (case.number, case.seq, case.queue, case.mailbox, case.team) == (
        "CASE-000001",
        1,
        "quotes",
        QUOTES,
        "west",  # the sending AM's team: the general quotes address has none
    )
    assert (case.subject, case.requester_email, case.requester_name) == (
        "Quote for Lot 9",
        AM,
        "Alex Martin",
    )
    assert case.participants == [AM, "priya.shah@example.com"]  # our own mailbox left out
    assert case.fields == {"factor": "0.52", "attachments": ["plan.pdf"]}
    assert case.confidence == {"factor": 0.9, "attachments": 1.0}
    assert case.status == "awaiting_info"
    assert case.missing == [f for f in QUOTE_REQUIRED if f != "factor"]
    assert ctx.reported_fields == {"factor": "0.52", "attachments": ["plan.pdf"]}
    (message,) = case.messages
    assert (message.direction, message.message_id, message.sender, message.recipients) == (
        "in",
        ctx.msg.message_id,
        AM,
        [QUOTES],
    )
    assert message.extracted == {"factor": "0.52", "attachments": ["plan.pdf"]}
    trail = [(e.kind, e.actor, e.data) for e in events(session, case)]
    assert trail == [
        (
            "opened",
            AM,
            {"queue": "quotes", "mailbox": QUOTES, "channel": "smtp", "sender_auth": TRUSTED.how},
        ),
        (
            "field_set",
            AM,
            {"field": "factor", "old": None, "new": "0.52", "source": "body", "confidence": 0.9},
        ),
        (
            "field_set",
            AM,
            {
                "field": "attachments",
                "old": None,
                "new": ["plan.pdf"],
                "source": "attachment:*",
                "confidence": 1.0,
            },
        ),
        (
            "status_changed",
            "intake-bot",
            {"old": None, "new": "awaiting_info", "missing": case.missing},
        ),
    ]


def test_a_complete_request_opens_an_open_case(session: Session) -> None:
    fields = {name: fv("x") for name in QUOTE_REQUIRED}
    case = case_ops.open_case(context(session, fields=fields, trust=TRUSTED, mailbox=QUOTES))
    assert (case.status, case.missing) == ("open", [])


def test_a_service_request_from_outside_has_no_team_yet(session: Session) -> None:
    case = case_ops.open_case(context(session, sender=PAT, mail_from=CUSTOMER, mailbox=SERVICE))
    assert (case.queue, case.team, case.participants) == ("service", None, [CUSTOMER])


def test_the_customer_a_web_form_names_in_reply_to_is_on_the_case(session: Session) -> None:
    """A web form's relay sends as itself, vouched for, with the customer in Reply-To: the
    acknowledgement goes to the customer, so the customer's answer must be able to join."""
    relay = "forms@example.com"
    ctx = context(
        session,
        sender=f"Website Form <{relay}>",
        mail_from=relay,
        mailbox=SERVICE,
        trust=TRUSTED,
        headers={"Reply-To": f"Pat Doe <{CUSTOMER}>"},
    )
    case = case_ops.open_case(ctx)
    assert case.participants == sorted([relay, CUSTOMER])


FORWARD = (
    "Rita - can you book this one? See below.\n\n"
    "---------- Forwarded message ---------\n"
    "From: {who}\nDate: Mon, Nov 2, 2026 at 4:51 PM\nSubject: window cranks\n"
    "To: Alex Martin <alex.martin@example.com>\n\n"
    "Hi Alex, the cranks on two casements just spin.\n"
)


def test_the_customer_our_staff_forward_is_on_the_case(session: Session) -> None:
    """Staff forward a customer's own mail: the customer writes back about it (to the
    acknowledgement passed on, with more photos), so the customer is a participant."""
    body = FORWARD.format(who=f"Pat Doe <{CUSTOMER}>")
    ctx = context(session, body=body, mailbox=SERVICE, trust=TRUSTED, subject="Fwd: window cranks")
    assert case_ops.open_case(ctx).participants == sorted([AM, CUSTOMER])


def test_a_forward_by_someone_outside_vouches_for_no_one(session: Session) -> None:
    body = FORWARD.format(who="Lee Moss <lee.moss@example.org>")
    ctx = context(
        session, body=body, sender=PAT, mail_from=CUSTOMER, mailbox=SERVICE, subject="Fwd: cranks"
    )
    assert case_ops.open_case(ctx).participants == [CUSTOMER]


def test_empty_values_are_not_fields(session: Session) -> None:
    fields = {"factor": fv(""), "stage": fv(None), "attachments": fv([])}
    case = case_ops.open_case(context(session, fields=fields, trust=TRUSTED, mailbox=QUOTES))
    assert case.fields == {} and events(session, case, "field_set") == []


# --- adding to a case ---------------------------------------------------------------------


def joining(session: Session, fields: dict[str, Any], **kw: Any) -> Context:
    """A message that threaded into an awaiting quote case missing only the factor."""
    known = {name: "x" for name in QUOTE_REQUIRED if name != "factor"}
    case = make_case(
        session,
        status="awaiting_info",
        fields={**known, "account": "Prairie Crest Homes", "attachments": ["a.pdf"]},
        missing=["factor"],
    )
    ctx = context(session, fields=fields, mailbox=QUOTES, **kw)
    ctx.case, ctx.thread_how = case, "In-Reply-To/References"
    return ctx


def test_the_message_that_supplies_the_last_field_completes_the_case(session: Session) -> None:
    ctx = joining(session, {"factor": fv("0.52")}, trust=TRUSTED)
    case_ops.add_to_case(ctx)
    case = ctx.case
    assert case is not None
    assert (case.status, case.missing, ctx.completed) == ("open", [], True)
    assert case.participants == [AM]  # staff already on it; nobody new
    assert [(e.kind, e.actor, e.data) for e in events(session, case)][-1] == (
        "status_changed",
        "intake-bot",
        {"old": "awaiting_info", "new": "open"},
    )
    assert reply_kind(ctx) == "confirm"


def test_a_changed_value_is_an_event_with_the_old_one(session: Session) -> None:
    ctx = joining(session, {"account": fv("Ridgeline Homes", 0.85)}, trust=TRUSTED)
    case_ops.add_to_case(ctx)
    assert ctx.case is not None
    (changed,) = events(session, ctx.case, "field_changed")
    assert changed.data == {
        "field": "account",
        "old": "Prairie Crest Homes",
        "new": "Ridgeline Homes",
        "source": "body",
        "confidence": 0.85,
    }
    assert ctx.reported_fields == {"account": "Ridgeline Homes"}
    assert (ctx.case.status, ctx.completed) == ("awaiting_info", False)
    assert reply_kind(ctx) == "request_info"


def test_attachments_add_only_new_names(session: Session) -> None:
    ctx = joining(session, {"attachments": fv(["a.pdf", "b.pdf"], 1.0)}, trust=TRUSTED)
    case_ops.add_to_case(ctx)
    assert ctx.case is not None and ctx.case.fields["attachments"] == ["a.pdf", "b.pdf"]
    assert ctx.reported_fields == {"attachments": ["b.pdf"]}
    assert reply_kind(ctx) is None  # a file alone answers nothing that was asked for


def test_an_outside_sender_becomes_a_participant_but_not_staff(session: Session) -> None:
    outsider = joining(session, {}, sender="Site <site@example.org>", trust=UNVOUCHED)
    case_ops.add_to_case(outsider)
    assert outsider.case is not None and outsider.case.participants == [
        AM,
        "site@example.org",
    ]
    staff = joining(session, {}, sender="Lena <lena.fischer@example.com>", trust=TRUSTED)
    case_ops.add_to_case(staff)
    assert staff.case is not None and staff.case.participants == [AM]


def test_a_reply_to_a_complete_case_gets_no_email(session: Session) -> None:
    ctx = context(session, fields={"factor": fv("0.6")}, trust=TRUSTED, mailbox=QUOTES)
    ctx.case = make_case(session, fields={"factor": "0.52"})
    case_ops.add_to_case(ctx)
    ctx.outcome = "append"
    assert reply_kind(ctx) is None


def test_a_reply_leaves_a_complete_case_in_its_status(session: Session) -> None:
    """Only the message that completes an awaiting case changes its status: a customer's
    answer to a sent quote leaves it sent."""
    known = {name: "x" for name in QUOTE_REQUIRED}
    case = make_case(session, status="quote_sent", fields=known)
    ctx = context(session, sender=PAT, mailbox=QUOTES, fields={"stage": fv("Approvals")})
    ctx.case = case
    case_ops.add_to_case(ctx)
    assert (case.status, case.missing, ctx.completed) == ("quote_sent", [], False)
    assert events(session, case, "status_changed") == []


# --- the email --------------------------------------------------------------------------


def test_the_ack_asks_for_what_is_missing_and_to_check_unsure_values(session: Session) -> None:
    ctx = context(session, fields={"factor": fv("0.52", 0.5)}, trust=TRUSTED, mailbox=QUOTES)
    ctx.case = case_ops.open_case(ctx)
    ctx.outcome = "new_case"
    row = written(session, case_ops.queue_case_reply(ctx, "ack"))
    assert outbox(session) == [row]
    assert (row.kind, row.recipients, row.mail_from, row.case_id) == (
        "ack",
        [AM],
        QUOTES,
        ctx.case.id,
    )
    assert ctx.missing == ctx.case.missing
    text = text_of(row)
    assert "Your quote request has been logged as CASE-000001." in text
    assert "  Factor: 0.52\n" in text
    assert "  - account\n" in text and "  - factor\n" not in text
    assert 'Please check: we read the factor as "0.52". Reply if that is wrong.' in text
    (queued,) = events(session, ctx.case, "reply_queued")
    assert queued.data == {
        "kind": "ack",
        "to": AM,
        "message_id": row.message_id,
        "checked": {"factor": "0.52"},
    }
    (out,) = [m for m in ctx.case.messages if m.direction == "out"]
    assert (out.message_id, out.recipients) == (row.message_id, [AM])


def test_a_value_already_asked_about_is_not_asked_again(session: Session) -> None:
    """The ack asked about the factor; the confirmation asks about the newly read stage
    only (the `checked` values of the earlier `reply_queued` event are remembered)."""
    first = context(session, fields={"factor": fv("0.52", 0.5)}, trust=TRUSTED, mailbox=QUOTES)
    case = first.case = case_ops.open_case(first)
    first.outcome = "new_case"
    case_ops.queue_case_reply(first, "ack")
    rest = {name: fv("x") for name in QUOTE_REQUIRED if name not in ("factor", "stage")}
    again = context(
        session, fields={**rest, "stage": fv("Funding", 0.5)}, trust=TRUSTED, mailbox=QUOTES
    )
    again.case, again.outcome = case, "append"
    case_ops.add_to_case(again)
    assert reply_kind(again) == "confirm"
    text = text_of(written(session, case_ops.queue_case_reply(again, "confirm")))
    assert 'Please check: we read the stage as "Funding". Reply if that is wrong.' in text
    assert "factor as" not in text


def test_a_refusal_has_no_case(session: Session) -> None:
    ctx = context(session, sender=PAT, mail_from=CUSTOMER, mailbox=QUOTES)
    context_ = {"mailbox": QUOTES, "allowed": "staff", "alternative": SERVICE, "unverified": False}
    row = case_ops.queue_email(ctx, "refusal", context_, subject="Re: Quote please", case=None)
    assert (row.kind, row.case_id, row.recipients, row.created_at) == (
        "refusal",
        None,
        [CUSTOMER],
        T0,
    )


def test_whitespace_is_squeezed_as_the_regex_did() -> None:
    """Subjects and shown values collapse every run of whitespace (any Unicode space, as
    `\\s` reads it) to one space, ends trimmed: compared with the regex they replaced."""
    rng = random.Random(3)
    pieces = ["Re:", "Fwd:", "x", "AW:", "é", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2028",
              "\u3000", "\x1c", "\x85", "[CASE-000001]", "a b"]  # fmt: skip
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        squeezed = re.sub(r"\s+", " ", text)
        assert case_ops._clean_subject(text) == case_ops._SUBJECT_PREFIX.sub("", squeezed).strip()
        assert case_ops._display(text) == squeezed.strip()
        assert one_line(text) == re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()[:200]
