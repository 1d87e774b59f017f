"""Rows written once at the next flush by Core INSERTs (storage/write_once.py): a row named
by a later one is written first with its id, a table's rows go together in order, a query
sees them, a rollback drops them, and a collection read while its case was new is read
again. `session`: a fresh in-memory database (tests/unit/conftest.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from intake.storage import write_once
from intake.storage.models import Case, CaseMessage, OutboxMessage
from tests.unit.builders import T0, make_case

MESSAGES, OUTBOX = CaseMessage.__table__, OutboxMessage.__table__


def message(text: str) -> dict[str, object]:
    return {
        "direction": "out",
        "channel": "email",
        "message_id": f"<{text}@example.com>",
        "inbound_id": None,
        "sender": "a@example.com",
        "recipients": [],
        "subject": text,
        "text": text,
        "extracted": {},
        "at": T0,
    }


def outbox_row(text: str) -> dict[str, object]:
    return {
        "channel": "email",
        "kind": "ack",
        "message_id": f"<{text}@example.com>",
        "mail_from": "q@example.com",
        "recipients": ["a@example.com"],
        "recipient": "a@example.com",
        "raw": b"x",
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": T0,
        "last_error": None,
        "created_at": T0,
        "sent_at": None,
    }


def new_case(session: Session, number: int) -> Case:
    made = make_case(session)
    case = Case(**{k: getattr(made, k) for k in ("queue", "mailbox", "status", "subject")})
    case.seq, case.number, case.created_at, case.updated_at = number, f"C-{number}", T0, T0
    session.add(case)
    return case


def test_a_named_row_is_written_first_with_its_id_and_a_table_in_one_statement(
    session: Session,
) -> None:
    case = new_case(session, 7)
    statements: list[tuple[str, int]] = []

    def count(_conn, _cursor, statement, parameters, _context, many) -> None:  # noqa: ANN001
        if statement.startswith("INSERT INTO case_messages") or "INTO outbox" in statement:
            statements.append((statement.split()[2], len(parameters) if many else 1))

    event.listen(session.get_bind(), "before_cursor_execute", count)
    refs = {"case_id": case}
    first = write_once.note(
        session, MESSAGES, {**message("in"), "outbox_id": None}, case=case, refs=refs
    )
    row = write_once.note(session, OUTBOX, outbox_row("ack"), case=case, refs=refs)
    write_once.note(
        session,
        MESSAGES,
        {**message("out"), "outbox_id": None},
        case=case,
        refs={"case_id": case, "outbox_id": row},
    )
    assert write_once.waiting(session) == 3 and statements == [] and row.id is None
    session.flush()
    assert statements == [("outbox", 1), ("case_messages", 2)]
    assert write_once.waiting(session) == 0 and first.id is None  # nothing asked for it
    ack = session.scalars(select(OutboxMessage)).one()
    assert (ack.id, ack.case_id) == (row.id, case.id)
    written = session.execute(
        select(CaseMessage.text, CaseMessage.outbox_id, CaseMessage.case_id).order_by(
            CaseMessage.id
        )
    ).all()
    assert [tuple(r) for r in written] == [("in", None, case.id), ("out", ack.id, case.id)]


def test_rows_of_other_columns_keep_every_column_and_their_order(session: Session) -> None:
    """An executemany takes its columns from its first row: a row that names more is
    written in a statement of its own, never without them."""
    case = new_case(session, 9)
    row = write_once.note(session, OUTBOX, outbox_row("ack"), case=case, refs={"case_id": case})
    write_once.note(session, MESSAGES, message("a"), case=case, refs={"case_id": case})
    refs = {"case_id": case, "outbox_id": row}
    write_once.note(session, MESSAGES, message("b"), case=case, refs=refs)
    write_once.note(session, MESSAGES, message("c"), case=case, refs={"case_id": case})
    session.flush()
    written = session.execute(
        select(CaseMessage.text, CaseMessage.outbox_id).order_by(CaseMessage.id)
    ).all()
    assert [tuple(r) for r in written] == [("a", None), ("b", row.id), ("c", None)]


def test_a_query_on_a_written_case_writes_what_is_noted(session: Session) -> None:
    case = make_case(session)
    session.commit()  # nothing else changes: the noted row alone keeps the flush coming
    write_once.note(session, MESSAGES, message("only"), case=case, refs={"case_id": case})
    assert session.scalars(select(CaseMessage.text)).all() == ["only"]


def test_a_rolled_back_savepoint_takes_its_rows_and_only_them(session: Session) -> None:
    case = make_case(session)
    refs = {"case_id": case}
    write_once.note(session, MESSAGES, message("before"), case=case, refs=refs)
    with pytest.raises(RuntimeError), session.begin_nested():
        write_once.note(session, MESSAGES, message("inside"), case=case, refs=refs)
        raise RuntimeError("the step failed")
    assert write_once.waiting(session) == 0
    write_once.note(session, MESSAGES, message("after"), case=case, refs=refs)
    assert session.scalars(select(CaseMessage.text).order_by(CaseMessage.id)).all() == [
        "before",
        "after",
    ]


def test_a_collection_read_while_the_case_was_new_is_read_again(session: Session) -> None:
    case = new_case(session, 8)
    assert case.messages == []  # pending: nothing to load, and nothing is
    write_once.note(
        session,
        MESSAGES,
        message("in"),
        case=case,
        refs={"case_id": case},
        collection="messages",
    )
    session.flush()
    assert [m.text for m in case.messages] == ["in"]
    write_once.note(
        session, MESSAGES, message("more"), case=case, refs={"case_id": case}, collection="messages"
    )
    assert [m.text for m in case.messages] == ["in", "more"]
