"""The inbox: raw arrivals from every front door, stored before anyone is told they arrived.

Front doors call `store_inbound` and commit; only then do they acknowledge (SMTP 250, IMAP
flag, Slack ack). Workers take rows with `claim_next`, which on PostgreSQL skips rows another
worker holds, and finish them in the same transaction as the case changes they cause.

With several workers (processes, machines) a message must still meet the case the way one
worker in arrival order would have left it, so `claim_next` passes over an arrival while a
message it belongs with is in another worker's hands: see `claim_next`.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Executable,
    Integer,
    Select,
    bindparam,
    cast,
    exists,
    func,
    insert,
    select,
    true,
    union,
    update,
)
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from intake.storage.claims import locks_rows, skip_locked
from intake.storage.db import conflict_insert
from intake.storage.models import Case, CaseMessage, InboundMessage, ProcessedKey
from intake.storage.safe_text import fit, from_bytes, storable

_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_VOLATILE = (b"received:", b"delivered-to:", b"return-path:", b"x-original-to:")


def header_block(raw: bytes) -> bytes:
    m = _HEADER_END.search(raw)
    return raw[: m.start()] if m else raw


def find_message_id(raw: bytes) -> str | None:
    """The Message-ID as written, found without a full MIME parse (front doors stay cheap).

    8-bit bytes are read as the parser reads them (`safe_text.from_bytes`): two IDs that
    differ only in those bytes stay two IDs, so neither is taken for the other's duplicate.
    """
    m = _MESSAGE_ID.search(header_block(raw))
    if not m:
        return None
    return from_bytes(re.sub(rb"\s+", b"", m.group(1))) or None


def _header_fields(head: bytes) -> list[bytes]:
    """A header section's fields, each with its folded lines (every line end read as LF)."""
    return re.split(rb"\n(?![ \t])", head.replace(b"\r\n", b"\n"))


# What a relay leaves as the author wrote it: two arrivals under one Message-ID that differ in
# these are two messages (a client or a form relay that reuses an ID), not a re-delivery.
_AUTHORED = (b"from", b"date", b"subject")


def authored_fingerprint(raw: bytes) -> str:
    """The From, Date and Subject headers as written (unfolded, spaces collapsed), hashed.

    A re-delivery may come re-encoded or with trace headers added, never with these changed;
    a new message that reuses an old Message-ID has at least a new Date."""
    values: dict[bytes, bytes] = {}
    for line in _header_fields(header_block(raw)):
        name, colon, value = line.partition(b":")
        key = name.strip().lower()
        if colon and key in _AUTHORED and key not in values:
            values[key] = b" ".join(value.split())
    return hashlib.sha256(b"\0".join(values.get(k, b"") for k in _AUTHORED)).hexdigest()[:32]


def reused_id_key(key: str, raw: bytes) -> str:
    """The dedupe key of a message whose Message-ID an earlier, different message holds: the
    ID's key and the message's own authored fingerprint, so its own re-deliveries still match."""
    return f"{key}:{authored_fingerprint(raw)}"


def same_authored(session: Session, inbound_id: int, raw: bytes) -> bool:
    """Whether arrival `inbound_id` has the From, Date and Subject of `raw`."""
    held = session.execute(
        select(InboundMessage.raw).where(InboundMessage.id == inbound_id)
    ).scalar_one()
    return authored_fingerprint(held) == authored_fingerprint(raw)


def dedupe_key(raw: bytes, message_id: str | None) -> str:
    """What makes two arrivals "the same message".

    The Message-ID when there is one; otherwise a hash of the message without the headers
    that each hop adds (Received, Delivered-To...), so a re-delivery still matches, and with
    every line end read as LF, those inside a folded header too (a relay or a spool that
    rewrites CRLF as LF delivers the same message).
    """
    if message_id:
        return "mid:" + hashlib.sha256(message_id.strip().lower().encode()).hexdigest()
    head = header_block(raw)
    lines = _header_fields(head)
    kept = [ln for ln in lines if not ln.lower().startswith(_VOLATILE)]
    body = raw[len(head) :].replace(b"\r\n", b"\n")
    digest = hashlib.sha256(b"\n".join(kept) + body).hexdigest()
    return "sha:" + digest


def store_inbound(
    session: Session,
    *,
    raw: bytes,
    channel: str,
    received_at: datetime,
    mail_from: str | None = None,
    rcpt_tos: Sequence[str] = (),
    peer: str | None = None,
    message_id: str | None = None,
    sender_auth: dict[str, Any] | None = None,
) -> InboundMessage:
    """Add one arrival to the session; the caller commits before acknowledging it.

    `sender_auth`: what the front door found of the sender (SPF/DKIM, the IMAP account),
    written with the row rather than by an UPDATE after it.

    `message_id`: the message's identity when it is not an email (a Slack message's channel
    and ts), so a retried delivery of it is recognised as the same message.

    The envelope and the Message-ID are whatever the sender wrote (NUL, 8-bit bytes, any
    length): they are made to fit their columns (`safe_text.fit`) so that storing can never
    fail on them and the sender is never told 451 for ever; `raw` keeps them as written.
    """
    message_id = fit(InboundMessage.message_id, message_id or find_message_id(raw)) or None
    values: dict[str, Any] = {
        "channel": channel,
        "received_at": received_at,
        "mail_from": fit(InboundMessage.mail_from, mail_from),
        "rcpt_tos": [storable(r).lower() for r in rcpt_tos],
        "peer": fit(InboundMessage.peer, peer),
        "raw": raw,
        "size": len(raw),
        "message_id": message_id,
        "dedupe_key": dedupe_key(raw, message_id),
        "state": "new",
        "attempts": 0,
    }
    if sender_auth is not None:  # else SQL NULL, not a JSON null
        values["sender_auth"] = sender_auth
    session.flush()  # what the session holds is written first, as when this row was ORM's
    result = session.connection().execute(_INSERT_INBOUND, values)
    return as_stored(session, result.inserted_primary_key[0], values)


# One arrival's INSERT, built once: the ORM's unit of work for this one row (state,
# dependency sort, fetching the id) cost several times the statement itself.
_INSERT_INBOUND = insert(InboundMessage.__table__)
_UNSET = {
    "sender_auth": None,
    "error": None,
    "outcome": None,
    "reason": None,
    "case_id": None,
    "processed_at": None,
}


def as_stored(session: Session, row_id: int, values: dict[str, Any]) -> InboundMessage:
    """The row just inserted with `values`, as the session would have loaded it: persistent
    and clean, every column known (reading one never goes back to the database)."""
    row = InboundMessage(id=row_id, **{**_UNSET, **values})
    make_transient_to_detached(row)
    session.add(row)
    return row


# The processed arrival's UPDATE, built once; its SET clause is the parameters' columns.
_MARK_DONE = update(InboundMessage.__table__).where(
    InboundMessage.__table__.c.id == bindparam("row")
)


def mark_done(
    session: Session,
    row: InboundMessage,
    outcome: str,
    reason: str,
    case: Case | None,
    processed_at: datetime,
) -> None:
    """Record what became of `row` (and the case it joined, if any), in the caller's
    transaction: one Core UPDATE after the session's flush (which gives a new case its id),
    the object told the values as committed. Through the unit of work the row was a second
    mapper in the message's flush (its state, dependency sort, relationship sync) for five
    columns nothing reads back from the database."""
    session.flush()
    values: dict[str, Any] = {
        "state": "done",
        "outcome": outcome,
        "reason": reason,
        "processed_at": processed_at,
    }
    if case is not None:
        values["case_id"] = case.id
    session.connection().execute(_MARK_DONE, {"row": row.id, **values})
    for name, value in values.items():
        set_committed_value(row, name, value)
    if case is not None:
        set_committed_value(row, "case", case)


@dataclass(frozen=True)
class ThreadHints:
    """What an arrival says about the messages and cases it belongs with, read cheaply from
    its headers before it is processed (the pipeline decides for real afterwards)."""

    references: tuple[str, ...] = ()  # Message-IDs it answers: In-Reply-To, References
    case_numbers: tuple[str, ...] = ()  # case numbers it names, as written in the subject


HintsOf = Callable[[InboundMessage], ThreadHints]
LOOKAHEAD = 64  # arrivals passed over at most in one claim before giving up until later
# The first halves of our advisory locks' keys, apart from anyone else's: a message's
# dedupe key (hashed), and a case's id.
_MESSAGE_LOCKS, _CASE_LOCKS = 0x1A7A0001, 0x1A7A0002
_INT4 = 2**31 - 1


# Arrivals waiting, oldest first; built once (a statement is immutable), taken per message
_WAITING = select(InboundMessage).where(InboundMessage.state == "new").order_by(InboundMessage.id)
_FIRST_WAITING = skip_locked(_WAITING.limit(1), InboundMessage)


def claim_next(session: Session, hints_of: HintsOf | None = None) -> InboundMessage | None:
    """The oldest arrival free to be processed now, locked for the caller's transaction.

    One worker takes arrivals strictly in order. On PostgreSQL several take them side by
    side (`SKIP LOCKED`), and with `hints_of` an arrival is passed over while processing it
    now could go wrong:
      - an earlier arrival it answers (or a copy of it) is not processed yet: a reply must
        find its request's case, and a second copy must find the first one done;
      - another worker holds a message or case it belongs with: two replies to one case
        would otherwise both change it from the same starting point, and one change be lost.
    The second is a transaction-scoped advisory lock on each of its keys (its own dedupe key,
    the keys of the Message-IDs it answers, the cases these and its case numbers lead to),
    taken when it is claimed and let go with its transaction. An arrival passed over is taken
    by whichever worker finishes the one it waited for and looks again.
    """
    if hints_of is None or not locks_rows(session):
        return session.scalars(_FIRST_WAITING).first()
    passed: list[int] = []
    for _ in range(LOOKAHEAD):
        candidates = _WAITING.where(InboundMessage.id.not_in(passed)) if passed else _WAITING
        savepoint = session.begin_nested()  # a passed-over arrival's locks go with it
        row = session.scalars(skip_locked(candidates.limit(1), InboundMessage)).first()
        if row is None:
            savepoint.rollback()
            return None
        if _free(session, row, hints_of(row)):
            savepoint.commit()
            return row
        savepoint.rollback()
        passed.append(row.id)
    return None


def _free(session: Session, row: InboundMessage, hints: ThreadHints) -> bool:
    """May `row` be processed now? One round trip: no earlier arrival it answers is waiting,
    and every advisory lock of its keys was free (and is now ours). A lock taken while
    another was not is let go with the caller's savepoint."""
    refs = [r for r in hints.references if r]
    answered = sorted({dedupe_key(b"", ref) for ref in refs})
    earlier_waiting = exists().where(
        InboundMessage.id < row.id,
        InboundMessage.state == "new",
        InboundMessage.dedupe_key.in_([row.dedupe_key, *answered]),
    )
    checks: list[Any] = [~earlier_waiting]
    checks += [
        _try_lock(_MESSAGE_LOCKS, _key_of(key)) for key in sorted({row.dedupe_key, *answered})
    ]
    cases: list[Select[Any]] = []
    if hints.case_numbers:
        numbers = [n.upper() for n in hints.case_numbers]
        cases.append(select(Case.id.label("id")).where(Case.number.in_(numbers)))
    if refs:
        ids = [fit(CaseMessage.message_id, r) for r in refs]
        cases.append(select(CaseMessage.case_id.label("id")).where(CaseMessage.message_id.in_(ids)))
    if cases:
        named = union(*cases).subquery()
        each = _try_lock(_CASE_LOCKS, named.c.id % _INT4)
        checks.append(func.coalesce(select(func.bool_and(each)).scalar_subquery(), true()))
    return all(session.execute(select(*checks)).one())


def _try_lock(space: int, key: Any) -> Any:
    """`pg_try_advisory_xact_lock(space, key)`, both as 32-bit integers."""
    return func.pg_try_advisory_xact_lock(cast(space, Integer), cast(key, Integer))


def _key_of(text: str) -> int:
    """A dedupe key as a signed 32-bit integer (a collision only makes two wait in turn)."""
    value = zlib.crc32(text.encode("utf-8", "surrogateescape"))
    return value - (1 << 32) if value >= 1 << 31 else value


def take_key(session: Session, key: str, inbound_id: int) -> int:
    """Record dedupe `key` as processed by `inbound_id` unless an arrival already holds it;
    the id of the arrival that holds it now (`inbound_id` when this one is the first).

    One INSERT ... ON CONFLICT DO NOTHING (SQLite and PostgreSQL, the two backends intake
    stores on, both have it): on PostgreSQL a concurrent twin waits on the key until the
    first commits, then finds it taken. Core on the session's connection: nothing pending
    bears on the key (no autoflush), and a plain table insert skips the ORM's bulk-insert
    machinery."""
    connection = session.connection()
    insert = _take_key(connection.dialect.name)
    if connection.execute(insert, {"key": key, "inbound": inbound_id}).first() is not None:
        return inbound_id
    return connection.execute(_KEY_HOLDER, {"key": key}).scalar_one()


@lru_cache(maxsize=4)
def _take_key(dialect: str) -> Executable:
    insert = conflict_insert(dialect)
    if insert is None:
        raise RuntimeError(f"intake stores on SQLite or PostgreSQL, not {dialect}")
    keys = ProcessedKey.__table__.c
    stmt = insert(ProcessedKey.__table__).values(
        dedupe_key=bindparam("key"), inbound_id=bindparam("inbound")
    )
    return stmt.on_conflict_do_nothing(index_elements=[keys.dedupe_key]).returning(keys.inbound_id)


_KEY_HOLDER = select(ProcessedKey.__table__.c.inbound_id).where(
    ProcessedKey.__table__.c.dedupe_key == bindparam("key")
)


def record_failure(session: Session, inbound_id: int, error: str, max_attempts: int) -> str:
    """Count a failed attempt, in the transaction that holds the row's claim; shunt the row
    after `max_attempts`. Only a row still waiting is touched: never one processed since."""
    row = session.get(InboundMessage, inbound_id)
    if row is None:
        return "gone"
    attempts = row.attempts + 1
    state = "shunted" if attempts >= max_attempts else "new"
    moved = session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == inbound_id, InboundMessage.state == "new")
        .values(attempts=attempts, error=error[:4000], state=state)
    ).rowcount
    return state if moved else row.state


def pending_count(session: Session) -> int:
    from sqlalchemy import func

    return (
        session.scalar(
            select(func.count()).select_from(InboundMessage).where(InboundMessage.state == "new")
        )
        or 0
    )
