"""The rows a message writes by Core INSERTs at its flush (storage/write_once.py), end to end
on SQLite and PostgreSQL: a new case's message, attachment, acknowledgement and outgoing
message are all there and point at each other, and the emails of a case written that way
are claimed and sent once each, in the order they were queued.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, inspect, select, update

from intake.bot.config import OutboxSettings
from intake.bot.outbox import dispatch_due
from intake.handlers.pipeline import process
from intake.storage import inbox
from intake.storage.cases import by_number
from intake.storage.models import AttachmentRow, Case, CaseMessage, OutboxMessage, SlaClock
from tests.mailhelpers import store_submission
from tests.test_pipeline import COMPLETE_QUOTE, PARTIAL_QUOTE, T0, deliver, mail, outbox, reply_to

FAST = OutboxSettings(backoff_first_seconds=60, max_attempts=3)


class Recorder:
    """A transport that keeps what it is given, in order."""

    timeout_seconds = 5.0

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, row: OutboxMessage, commit_point) -> str:  # noqa: ANN001
        commit_point()
        self.sent.append(row.message_id)
        return "recorded"

    def close(self) -> None:
        pass


def test_a_new_case_writes_its_message_attachment_ack_and_outgoing_message(app) -> None:
    msg = mail(COMPLETE_QUOTE)
    msg.add_attachment(b"%PDF-1.4 plan", maintype="application", subtype="pdf", filename="p.pdf")
    result = deliver(app, msg)
    assert result.outcome == "new_case" and result.replies == ["ack"]
    (ack,) = outbox(app)
    with app.sessions() as session:
        case = session.scalars(select(Case)).one()
        inbound, out = case.messages
        (att,) = case.attachments
    assert (inbound.direction, inbound.message_id, inbound.inbound_id) == (
        "in",
        msg["Message-ID"],
        result.inbound_id,
    )
    assert inbound.extracted["factor"] == "0.52" and inbound.outbox_id is None
    assert (att.case_message_id, att.filename, att.content) == (
        inbound.id,
        "p.pdf",
        b"%PDF-1.4 plan",
    )
    assert (ack.kind, ack.state, ack.case_id, ack.attempts) == ("ack", "pending", case.id, 0)
    assert (ack.next_attempt_at, ack.created_at, ack.sent_at) == (T0, T0, None)
    assert (out.direction, out.message_id, out.outbox_id) == ("out", ack.message_id, ack.id)
    assert out.recipients == ack.recipients == ["alex.martin@example.com"]


def test_the_emails_of_a_case_are_sent_once_each_in_the_order_queued(app) -> None:
    deliver(app, mail(PARTIAL_QUOTE))
    (ack,) = outbox(app)
    later = T0 + timedelta(hours=1)
    deliver(app, reply_to(ack, "Factor: 0.5\nStage: Funding\nClose date: 2026-12-30\n", later))
    first, second = outbox(app)
    assert (first.kind, second.kind) == ("ack", "confirm") and first.case_id == second.case_id
    assert first.id < second.id
    # The ack not due yet: the confirmation waits for it, whatever its own time.
    with app.sessions() as session, session.begin():
        held = update(OutboxMessage).where(OutboxMessage.id == first.id)
        session.execute(held.values(next_attempt_at=later + timedelta(hours=1)))
    relay = Recorder()
    assert dispatch_due(app.sessions, relay, FAST, lambda: later) == 0 and relay.sent == []
    after = later + timedelta(hours=2)
    assert dispatch_due(app.sessions, relay, FAST, lambda: after) == 2
    assert dispatch_due(app.sessions, relay, FAST, lambda: after) == 0
    assert relay.sent == [first.message_id, second.message_id]
    assert [(r.state, r.attempts) for r in outbox(app)] == [("sent", 1), ("sent", 1)]
    with app.sessions() as session:
        sent = session.scalars(
            select(CaseMessage.outbox_id)
            .where(CaseMessage.direction == "out")
            .order_by(CaseMessage.id)
        ).all()
        assert sent == [first.id, second.id]
        assert session.scalars(select(AttachmentRow)).all() == []


def clocks(app, number: str) -> dict[str, SlaClock]:
    with app.sessions() as session:
        case = by_number(session, number)
        assert case is not None
        rows = session.scalars(select(SlaClock).where(SlaClock.case_id == case.id))
        return {c.policy: c for c in rows}


def test_a_new_case_writes_its_clocks_with_their_due_times(app) -> None:
    """T0 is Monday 10:00 in Edmonton: the quote is due two working days later."""
    number = deliver(app, mail(COMPLETE_QUOTE)).case_number
    assert number is not None
    found = clocks(app, number)
    assert sorted(found) == ["opportunity_update", "quote_turnaround"]
    turnaround = found["quote_turnaround"]
    assert (turnaround.state, turnaround.generation) == ("running", 1)
    assert (turnaround.started_at, turnaround.resumed_at, turnaround.updated_at) == (T0, T0, T0)
    assert turnaround.due_at == T0 + timedelta(hours=48)
    assert turnaround.warn_at == T0 + timedelta(hours=36)  # 75 %: Tuesday 22:00 MST
    assert turnaround.next_at == datetime(2026, 11, 4, 15, 0, tzinfo=UTC)  # Wed's opening
    assert turnaround.next_step == "warning" and turnaround.remaining_seconds == 48 * 3600
    assert (turnaround.warned, turnaround.escalated, turnaround.notices) == (False, False, 0)
    with app.sessions() as session:
        assert by_number(session, number).due_at == turnaround.due_at  # type: ignore[union-attr]


def test_a_clock_started_and_paused_by_one_message_is_written_paused(app) -> None:
    """A case missing fields starts its quote clock and pauses it (information requested)
    in the same message, before the clock is ever written."""
    number = deliver(app, mail(PARTIAL_QUOTE)).case_number
    assert number is not None
    turnaround = clocks(app, number)["quote_turnaround"]
    assert (turnaround.state, turnaround.paused_at, turnaround.due_at) == ("paused", T0, None)
    assert turnaround.next_at is None and turnaround.remaining_seconds == 48 * 3600


def test_a_new_case_is_written_whole_and_held_as_loaded(app) -> None:
    """The case a message opens is inserted at the start of its flush (storage/new_cases.py):
    the row has every value the pipeline gave the case, its owner and due date (set after
    it was made) included, and the session keeps it persistent and clean, each column read
    without going back to the database."""
    statements: list[str] = []
    with app.sessions() as session, session.begin():
        store_submission(session, mail(COMPLETE_QUOTE).as_bytes(), received_at=T0, rcpt_tos=[])
    with app.sessions() as session, session.begin():
        row = inbox.claim_next(session)
        assert row is not None
        result = process(session, row, app.pipeline, T0)
        case = row.case
        assert case is not None and result.case_number == case.number
        state = inspect(case)
        assert state.persistent and not state.modified and not state.expired_attributes
        event.listen(
            session.connection(), "before_cursor_execute", lambda *a: statements.append(a[2])
        )
        held = {c.key: getattr(case, c.key) for c in Case.__table__.columns}
    assert statements == []
    assert held["owner"] is not None and held["due_at"] == T0 + timedelta(hours=48)
    with app.sessions() as session:
        assert session.execute(select(Case.__table__)).one()._asdict() == held


def test_a_rolled_back_new_case_leaves_the_session(app) -> None:
    """As with a row the unit of work inserted: the savepoint's rollback takes the case out
    of the session again (a message that fails after opening a case leaves nothing)."""
    with app.sessions() as session, session.begin():
        savepoint = session.begin_nested()
        case = Case(seq=99, number="CASE-000099", queue="quotes", status="open", subject="x",
                    created_at=T0, updated_at=T0)  # fmt: skip
        session.add(case)
        session.flush()
        assert inspect(case).persistent and case.id is not None and case.fields == {}
        savepoint.rollback()
        assert inspect(case).transient and case not in session
        assert session.scalars(select(Case)).all() == []
