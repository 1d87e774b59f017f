"""Pins the `extract` step: the fields read, with the queue of the mailbox or the case; called
on its own with a `Context` built directly (see tests/unit/builders.py), asserting the exact
outcome."""

from __future__ import annotations

from sqlalchemy.orm import Session

from intake.handlers import pipeline
from intake.parsers.fields import LabelExtractor
from tests.unit.builders import (
    AM,
    CUSTOMER,
    PAT,
    QUOTES,
    SERVICE,
    TRUSTED,
    StubExtractor,
    config,
    context,
    fv,
    make_case,
    org,
)


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


def test_a_reply_citing_our_case_number_gives_no_reference(session: Session) -> None:
    """A customer chasing "CASE-000006" in the body of a reply: the reader of "case 123"
    references sees the number alone ("000006"), and it is still ours, not their order; a
    number of theirs beside it stays."""
    extractor = LabelExtractor(org())
    for body, want in (
        ("Any news on CASE-000006? They called us again.", None),
        ("Our job 77120 is still waiting on CASE-000006.", "77120"),
    ):
        ctx = context(
            session,
            cfg=config(extractor=extractor),
            sender=PAT,
            mailbox=SERVICE,
            subject="RE: [CASE-000006] Patio door",
            body=body,
        )
        ctx.case = make_case(session, queue="service", participants=[CUSTOMER])
        pipeline.extract(ctx)
        got = ctx.fields.get("reference")
        assert (got.value if got else None) == want


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


def test_extract_tells_the_reader_what_the_case_still_lacks(session: Session) -> None:
    """A reply may answer the case's request for its missing fields ("the 28th" is the
    close date asked for): the reader is told which fields those are."""
    extractor = StubExtractor()
    ctx = context(session, cfg=config(extractor=extractor), sender=AM, mailbox=QUOTES)
    ctx.case = make_case(session, missing=["close_date", "factor"])
    pipeline.extract(ctx)
    assert extractor.calls == [
        {"queue": "quotes", "staff": False, "reply": True, "expected": ["close_date", "factor"]}
    ]
