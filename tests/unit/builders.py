"""Inputs for the unit tests, built directly: no server, no worker, no file on disk.

A unit test of a pipeline step or a handler needs what the worker would hand it: a session
on a database with the project's schema, a stored inbound row, a message parsed by the
project's parser, the demo organisation and a `PipelineConfig`. These builders make each of
them in one call so that a test states only what matters to it.

The schema comes from the project's own Alembic migrations, run once into an in-memory
SQLite database that serves as a template; each session gets a fresh in-memory copy of it
(SQLite's backup API), which costs well under a millisecond where migrating costs ~0.2 s.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from intake.bot.app import build_sla
from intake.bot.config import PROJECT_ROOT
from intake.handlers.case_ops import format_number
from intake.handlers.pipeline import Context, PipelineConfig
from intake.handlers.replies import ReplyRenderer, footer_of
from intake.handlers.senders import UNVOUCHED, SenderTrust
from intake.handlers.sla import SlaRuntime
from intake.parsers.fields.resolver import FieldValue
from intake.parsers.message import ParsedMessage
from intake.parsers.mime import parse_email
from intake.parsers.org import Organisation, load_organisation
from intake.storage import db, inbox
from intake.storage.cases import next_value
from intake.storage.models import Case, CaseEvent, CaseMessage, InboundMessage, OutboxMessage
from tests.conftest import ORG_FILE

T0 = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)  # a Monday, 10:00 in Edmonton
QUOTES = "accountteam@example.com"  # quotes queue, company senders only, no team
QUOTES_EAST = "accountteam-east@example.com"  # quotes queue of team east (one rep)
SERVICE = "connectyou@example.com"  # service queue, anyone may write
AM = "alex.martin@example.com"  # an AM of team west
OWNER = "tara.nguyen@example.com"  # a rep of team west
CUSTOMER = "pat@example.net"  # an outsider
PAT = f"Pat Lee <{CUSTOMER}>"  # the outsider as her mail client writes her From
TRUSTED = SenderTrust(True, False, "trusted network 127.0.0.1")
TRUSTED_SUBMISSION = {"method": "trusted_network", "peer": "127.0.0.1"}

_ids = itertools.count(1)


@cache
def org() -> Organisation:
    """The demo organisation (fixtures/org.toml), loaded once: it is frozen."""
    return load_organisation(ORG_FILE)


QUOTE_REQUIRED = org().required_fields("quotes")


@cache
def renderer() -> ReplyRenderer:
    return ReplyRenderer(PROJECT_ROOT / "templates", "Intake", footer_of(org()))


@cache
def sla_runtime() -> SlaRuntime:
    """The demo organisation's SLA policies, as the running bot builds them."""
    return build_sla(org(), renderer(), str(ORG_FILE))


def fv(value: Any, confidence: float = 0.9, source: str = "body") -> FieldValue:
    """One extracted field, as the real extractor gives it."""
    return FieldValue(value, confidence, source)


@dataclass
class StubExtractor:
    """Gives fixed fields and records how it was asked (queue, reply, staff) each time."""

    fields: Mapping[str, FieldValue] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # the new text of each message read

    def extract(
        self,
        msg: ParsedMessage,
        queue: str,
        *,
        now: datetime,
        sender_is_staff: bool,
        is_reply: bool = False,
        expected: Sequence[str] = (),
    ) -> Mapping[str, FieldValue]:
        call = {"queue": queue, "staff": sender_is_staff, "reply": is_reply}
        if expected:  # what the case still lacks, when a reply may answer for it
            call["expected"] = list(expected)
        self.calls.append(call)
        self.texts.append(msg.new_text)
        return dict(self.fields)

    def states_a_request(self, text: str) -> bool:
        """Whether `text` is a request written out as labels: as `fields` say, a stub."""
        self.texts.append(text)
        return len(self.fields) >= 3


def config(**changes: Any) -> PipelineConfig:
    """The pipeline's configuration over the demo organisation: a stub extractor, the real
    templates, no SLA clocks and no Slack unless `changes` give them."""
    base: dict[str, Any] = {"org": org(), "extractor": StubExtractor(), "renderer": renderer()}
    return PipelineConfig(**{**base, **changes})


# --- the database -------------------------------------------------------------------------


@cache
def _template() -> tuple[Engine, sqlite3.Connection]:
    """An in-memory database migrated to head, kept open as the source of every copy."""
    engine = db.make_engine("sqlite://")
    db.upgrade(engine)
    raw = engine.raw_connection()
    return engine, raw.driver_connection  # type: ignore[return-value]


def new_session() -> Session:
    """A session on a fresh in-memory copy of the migrated schema. `make_engine` keeps one
    pooled connection for SQLite, so the copy lives as long as the engine."""
    engine = db.make_engine("sqlite://")
    with engine.connect() as conn:
        _template()[1].backup(conn.connection.driver_connection)  # type: ignore[arg-type]
    return db.make_sessionmaker(engine)()


# --- messages -----------------------------------------------------------------------------


def message_id() -> str:
    """A new Message-ID, predictable within a run."""
    return f"<m{next(_ids)}@mail.example.net>"


def raw_mail(
    body: str = "Hello",
    *,
    sender: str = f"Alex Martin <{AM}>",
    to: str = QUOTES,
    subject: str = "Quote please",
    msgid: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """A message as a mail client writes it; `headers` adds (or, with "", leaves out) any."""
    msg = EmailMessage()
    values = {
        "From": sender,
        "To": to,
        "Subject": subject,
        "Date": format_datetime(T0),
        "Message-ID": msgid or message_id(),
        **(headers or {}),
    }
    for name, value in values.items():
        if value:
            msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def parsed(raw: bytes | None = None, **mail: Any) -> ParsedMessage:
    """A message parsed by the project's parser (`raw`, or `raw_mail(**mail)`)."""
    return parse_email(raw if raw is not None else raw_mail(**mail))


def store(
    session: Session,
    raw: bytes,
    *,
    mail_from: str | None = AM,
    rcpt_tos: Sequence[str] = (QUOTES,),
    channel: str = "smtp",
    sender_auth: Mapping[str, Any] | None = None,
) -> InboundMessage:
    """Store an arrival as a front door does (storage/inbox.py)."""
    row = inbox.store_inbound(
        session, raw=raw, channel=channel, received_at=T0, mail_from=mail_from, rcpt_tos=rcpt_tos
    )
    row.sender_auth = dict(sender_auth) if sender_auth is not None else None
    return row


def context(
    session: Session,
    raw: bytes | None = None,
    *,
    cfg: PipelineConfig | None = None,
    mail_from: str | None = AM,
    rcpt_tos: Sequence[str] | None = None,
    channel: str = "smtp",
    trust: SenderTrust = UNVOUCHED,
    now: datetime = T0,
    mailbox: str | None = None,
    fields: Mapping[str, FieldValue] | None = None,
    **mail: Any,
) -> Context:
    """A `Context` as `pipeline.process` makes it, for a message stored and parsed: `raw`,
    or `raw_mail(**mail)`, sent to `rcpt_tos` (by default `mailbox`, else the quotes
    address). What earlier steps would set is the test's to give: `trust` (by default
    nobody vouches), `mailbox` (as `route_mailbox` sets it) and `fields` (as `extract`)."""
    data = raw if raw is not None else raw_mail(**mail)
    rcpt = rcpt_tos if rcpt_tos is not None else [mailbox or QUOTES]
    row = store(session, data, mail_from=mail_from, rcpt_tos=rcpt, channel=channel)
    return Context(
        session=session,
        config=cfg or config(),
        inbound=row,
        msg=parse_email(data),
        now=now,
        mailbox=org().mailbox_for(mailbox) if mailbox else None,
        fields=dict(fields or {}),
        trust=trust,
    )


def make_case(
    session: Session,
    *,
    queue: str = "quotes",
    status: str = "open",
    participants: Sequence[str] = (AM,),
    message_ids: Sequence[str] = (),
    outgoing_ids: Sequence[str] = (),
    fields: Mapping[str, Any] | None = None,
    missing: Sequence[str] = (),
    owner: str | None = None,
    team: str | None = None,
    mailbox: str | None = None,
) -> Case:
    """A case as the pipeline leaves it, numbered from the same counter `open_case` uses,
    with incoming (`message_ids`) and outgoing (`outgoing_ids`) messages on it."""
    seq = next_value(session, "case:CASE")
    case = Case(
        seq=seq,
        number=format_number("CASE", seq, 6),
        queue=queue,
        mailbox=mailbox or (QUOTES if queue == "quotes" else SERVICE),
        team=team,
        status=status,
        subject="Quote please",
        requester_email=participants[0] if participants else None,
        owner=owner,
        fields=dict(fields or {}),
        confidence={k: 0.9 for k in fields or {}},
        missing=list(missing),
        participants=sorted(participants),
        created_at=T0,
        updated_at=T0,
    )
    session.add(case)
    for direction, ids in (("in", message_ids), ("out", outgoing_ids)):
        for mid in ids:
            session.add(
                CaseMessage(case=case, direction=direction, channel="email", message_id=mid, at=T0)
            )
    session.flush()
    return case


# --- reading what a step wrote --------------------------------------------------------------


def events(session: Session, case: Case, kind: str | None = None) -> list[CaseEvent]:
    """The case's audit trail in order (of one kind, when given)."""
    session.flush()
    stmt = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    rows = list(session.scalars(stmt))
    return [e for e in rows if kind is None or e.kind == kind]


def outbox(session: Session) -> list[OutboxMessage]:
    session.flush()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
