"""Pins handlers/pipeline.py as a whole: the steps in their order, and `process` recording what
became of a stored message; called on its own with a `Context` built directly (see
tests/unit/builders.py), asserting the exact outcome."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.orm import Session

from intake.handlers import pipeline
from intake.handlers.pipeline import STEPS
from intake.parsers.message import ParsedMessage
from intake.parsers.mime import parse_email
from tests.unit.builders import (
    AM,
    QUOTES,
    T0,
    TRUSTED_SUBMISSION,
    config,
    raw_mail,
    store,
)
from tests.unit.steps.helpers import (
    logged,
)

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


def test_process_logs_one_line_of_what_became_of_the_message(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """Who wrote (the From, not the envelope's bounce address), to which mailbox, the
    Message-ID, the outcome and why, and the case."""
    row = store(
        session, raw_mail(), mail_from="bounces@mail.example.com", sender_auth=TRUSTED_SUBMISSION
    )
    with caplog.at_level(logging.INFO, logger="intake.pipeline"):
        pipeline.process(session, row, config(), T0)
    assert logged(caplog)[-1] == (
        logging.INFO,
        f"inbound #{row.id} smtp from {AM} to {QUOTES} {row.message_id}: new_case (opened)"
        " case CASE-000001",
    )


def test_process_logs_the_envelope_of_a_message_it_stopped_before_knowing_more(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """A message for none of our mailboxes: the envelope sender and every recipient."""
    raw = raw_mail(to="nobody@elsewhere.example")
    row = store(session, raw, rcpt_tos=["a@elsewhere.example", "b@elsewhere.example"])
    with caplog.at_level(logging.INFO, logger="intake.pipeline"):
        pipeline.process(session, row, config(), T0)
    line = logged(caplog)[-1][1]
    assert line.startswith(f"inbound #{row.id} smtp from ")
    assert " to a@elsewhere.example,b@elsewhere.example " in line


def test_process_notes_each_message_for_the_metrics_taken_at_commit(session: Session) -> None:
    """bot/metrics.py counts what was processed from the session's note, after the commit."""
    row = store(session, raw_mail(), sender_auth=TRUSTED_SUBMISSION)
    pipeline.process(session, row, config(), T0)
    assert session.info[pipeline.PROCESSED] == [("smtp", "new_case", T0)]
