"""Typed SQLAlchemy 2 models: everything the bot knows lives in these tables.

"If it is not in the system, it doesn't exist": every inbound message is kept as raw bytes
before anyone is told it arrived, every change to a case is an event, and every message the
bot sends is an outbox row committed in the same transaction as the change that caused it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite only autoincrements INTEGER keys


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite keeps no zone, so values are stored as naive UTC and given their zone back on
    read; a naive value handed in is refused rather than guessed at.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime()}


class InboundMessage(Base):
    """One arrival of a message on any channel, exactly as received.

    Stored and committed before the sender is told it was accepted. `state` moves
    new -> done, or -> shunted with the error kept when processing keeps failing.
    """

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))  # smtp | imap | slack | replay
    received_at: Mapped[datetime]
    mail_from: Mapped[str | None] = mapped_column(String(512))  # envelope sender; "" = null
    rcpt_tos: Mapped[list[Any]] = mapped_column(default=list)
    peer: Mapped[str | None] = mapped_column(String(128))
    # Who vouched for the From address at arrival (trusted network, DKIM/SPF/DMARC): see
    # bot/sender_auth.py. None: not checked (older rows, replays, Slack).
    sender_auth: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str | None] = mapped_column(String(998))
    dedupe_key: Mapped[str] = mapped_column(String(128), index=True)
    state: Mapped[str] = mapped_column(String(16), default="new")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))  # new_case|append|ignore|reject
    reason: Mapped[str | None] = mapped_column(Text)  # why: e.g. "auto-submitted", "duplicate"
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    processed_at: Mapped[datetime | None]

    case: Mapped[Case | None] = relationship()

    __table_args__ = (
        Index("ix_inbound_messages_state_id", "state", "id"),
        # Refusal limits count earlier rejects by envelope sender (handlers/reply_budget.py).
        Index("ix_inbound_messages_mail_from_processed_at", "mail_from", "processed_at"),
    )


class ProcessedKey(Base):
    """The dedupe keys of processed messages. Its primary key is what makes a second delivery
    of the same message change nothing, even with several workers racing."""

    __tablename__ = "processed_keys"

    dedupe_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"))


class Counter(Base):
    """Named counters, incremented inside the transaction that uses the value, so numbers are
    gap-free: a rolled-back case gives its number back."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Case(Base):
    __tablename__ = "cases"
    # a sender's latest request ("same job as my last email": handlers/earlier_request.py)
    __table_args__ = (
        Index("ix_cases_requester_email_created_at", "requester_email", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    queue: Mapped[str] = mapped_column(String(32), index=True)
    mailbox: Mapped[str | None] = mapped_column(String(320))
    team: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), index=True)  # awaiting_info | open | ...
    subject: Mapped[str] = mapped_column(Text, default="")
    requester_email: Mapped[str | None] = mapped_column(String(320))
    requester_name: Mapped[str | None] = mapped_column(String(320))
    owner: Mapped[str | None] = mapped_column(String(64))  # person key in the organisation
    account_manager: Mapped[str | None] = mapped_column(String(64))  # the AM who stays on it
    slack_channel: Mapped[str | None] = mapped_column(String(32))  # where it was announced
    slack_ts: Mapped[str | None] = mapped_column(String(32))  # the announcement: its thread
    salesforce_id: Mapped[str | None] = mapped_column(String(18))  # its Salesforce Case (500…)
    account_id: Mapped[str | None] = mapped_column(String(64))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    confidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    missing: Mapped[list[Any]] = mapped_column(default=list)
    participants: Mapped[list[Any]] = mapped_column(default=list)
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    messages: Mapped[list[CaseMessage]] = relationship(
        back_populates="case", order_by="CaseMessage.id"
    )
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")
    attachments: Mapped[list[AttachmentRow]] = relationship(
        back_populates="case", order_by="AttachmentRow.id"
    )


class CaseMessage(Base):
    """A message in or out of a case. Its Message-ID threads later replies."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    channel: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    sender: Mapped[str | None] = mapped_column(String(320))
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    extracted: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]

    case: Mapped[Case] = relationship(back_populates="messages")
    inbound: Mapped[InboundMessage | None] = relationship()
    outbox: Mapped[OutboxMessage | None] = relationship()


class AttachmentRow(Base):
    """A file of a case: an email attachment, or a Slack file fetched after its message
    (bot/slack_files.py). `slack_file_id` is unique per case, so a file fetched twice (a crash
    between download and commit, two processes) is attached once; NULL for email."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    case_message_id: Mapped[int] = mapped_column(ForeignKey("case_messages.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    inline: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    slack_file_id: Mapped[str | None] = mapped_column(String(32))

    case: Mapped[Case] = relationship(back_populates="attachments")
    message: Mapped[CaseMessage] = relationship()

    __table_args__ = (UniqueConstraint("case_id", "slack_file_id"),)


class CaseEvent(Base):
    """The audit trail: what changed, by whom or what, when."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class OutboxMessage(Base):
    """A message to send, committed with the change that caused it and sent once by the
    dispatcher. `raw` is the complete rendered message, so sending needs no more state."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16), default="email")
    kind: Mapped[str] = mapped_column(String(32))  # ack | request_info | confirm | refusal
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(998))
    mail_from: Mapped[str] = mapped_column(String(320))
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    recipient: Mapped[str] = mapped_column(String(320))  # the first, for per-sender limits
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    case: Mapped[Case | None] = relationship()

    __table_args__ = (
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        UniqueConstraint("message_id"),
        Index("ix_outbox_kind_recipient_created_at", "kind", "recipient", "created_at"),
    )


class SlaClock(Base):
    """One running promise on one case (a policy of `handlers/sla_policy.py`).

    `next_at` is when the sweep must next look at it (NULL while paused or stopped), and
    `next_step` what it will do then; the sweep's query reads only rows whose `next_at` has
    passed, through the index on it, so its work follows what is due, not how many cases are
    open. Counting state (`resumed_at`, `remaining_seconds`) lets a pause freeze the target
    and a resume pick it up. `generation` counts the clock's starts, so the Message-IDs of its
    reminders are unique for ever and a reminder can never be queued twice.
    """

    __tablename__ = "sla_clocks"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    policy: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # running | paused | stopped
    generation: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime]
    resumed_at: Mapped[datetime]
    remaining_seconds: Mapped[float] = mapped_column(Float)  # target left at resumed_at
    agreed_due_at: Mapped[datetime | None]  # a date agreed with the customer replaces the target
    due_at: Mapped[datetime | None]
    warn_at: Mapped[datetime | None]
    next_at: Mapped[datetime | None] = mapped_column(index=True)
    next_step: Mapped[str | None] = mapped_column(String(16))
    warned: Mapped[bool] = mapped_column(Boolean, default=False)
    breached_at: Mapped[datetime | None]
    last_notice_at: Mapped[datetime | None]  # schedule time of the latest breach or repeat
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    notices: Mapped[int] = mapped_column(Integer, default=0)
    paused_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    stopped_by: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime]

    case: Mapped[Case] = relationship()

    __table_args__ = (UniqueConstraint("case_id", "policy"),)


class OwnerLoad(Base):
    """One person's open cases and latest assignment, kept by the database itself.

    Triggers (migration 0006) count a case in its owner's `open_cases` while its status is not
    done, on every insert, update of owner or status, and delete of a case; and they move
    `last_assigned_at` / `last_assigned_event` forward on every "assigned" case event, whoever
    writes it (the pipeline, Slack, an operator, another process). Assignment reads one row per
    candidate instead of counting cases and scanning the history of assignments.
    """

    __tablename__ = "owner_loads"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)  # person key
    open_cases: Mapped[int] = mapped_column(Integer, default=0)
    last_assigned_at: Mapped[datetime | None]
    last_assigned_event: Mapped[int | None] = mapped_column(BigInteger)  # its case_events.id


class ImapCheckpoint(Base):
    """How far the IMAP front door has stored one folder of one account.

    `last_uid` is the highest UID stored, written in the transaction that stores it, so a UID
    from `skip_uid` + 1 to it that is still waiting in the folder was stored and only needs
    its move (or flag); UIDs up to `skip_uid` were in the folder before an account that takes
    only new mail first saw it, and are left alone. UIDs mean nothing under another
    `uidvalidity`: a change rescans the folder and the dedupe key recognises what was stored
    before. `started_at` is when the folder was first seen.
    """

    __tablename__ = "imap_checkpoints"

    account: Mapped[str] = mapped_column(String(320), primary_key=True)
    folder: Mapped[str] = mapped_column(String(512), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    skip_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
