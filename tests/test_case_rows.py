"""The rows a message writes by Core INSERTs at its flush (storage/write_once.py), end to end
on SQLite and PostgreSQL: a new case's message, attachment, acknowledgement and outgoing
message are all there and point at each other, and the emails of a case written that way
are claimed and sent once each, in the order they were queued.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from intake.bot.config import OutboxSettings
from intake.bot.outbox import dispatch_due
from intake.storage.models import AttachmentRow, Case, CaseMessage, OutboxMessage
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
