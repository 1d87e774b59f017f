"""The audit trail's noted events (storage/audit.py): written with the next flush in one
INSERT and in order, seen by the queries that autoflush, and gone with a rollback.
`session`: a fresh in-memory database (tests/unit/conftest.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from intake.storage.audit import record, waiting
from intake.storage.models import Case, CaseEvent
from tests.unit.builders import T0, make_case


def kinds(session: Session, case: Case) -> list[str]:
    stmt = select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    return list(session.scalars(stmt))


def note(session: Session, case: Case, *names: str) -> None:
    for name in names:
        record(session, case, at=T0, actor="test", kind=name, data={"n": name})


def test_noted_events_go_in_one_insert_in_order_with_the_flush(session: Session) -> None:
    case = make_case(session)
    inserts: list[int] = []

    def count(_conn, _cursor, statement, parameters, _context, many) -> None:  # noqa: ANN001
        if statement.startswith("INSERT INTO case_events"):
            inserts.append(len(parameters) if many else 1)

    event.listen(session.get_bind(), "before_cursor_execute", count)
    note(session, case, "a", "b", "c")
    assert waiting(session) == 3 and inserts == []
    session.flush()
    assert inserts == [3] and waiting(session) == 0
    assert kinds(session, case) == ["a", "b", "c"]


def test_a_new_case_and_its_events_are_written_together(session: Session) -> None:
    """A case not written yet gets its id in the flush; its events follow it."""
    made = make_case(session)
    case = Case(**{k: getattr(made, k) for k in ("queue", "mailbox", "status", "subject")})
    case.seq, case.number, case.created_at, case.updated_at = 99, "CASE-000099", T0, T0
    session.add(case)
    note(session, case, "opened")
    assert case.id is None
    written = session.execute(select(CaseEvent.case_id, CaseEvent.kind)).all()  # autoflush
    assert case.id is not None and [tuple(r) for r in written] == [(case.id, "opened")]


def test_a_query_sees_noted_events_when_nothing_else_changed(session: Session) -> None:
    case = make_case(session)
    session.commit()
    note(session, case, "only")  # the session holds no other change
    assert kinds(session, case) == ["only"]


def test_commit_writes_what_is_noted(session: Session) -> None:
    case = make_case(session)
    session.commit()
    note(session, case, "at-commit")
    session.commit()
    assert kinds(session, case) == ["at-commit"]


def test_a_rolled_back_savepoint_takes_its_events_and_only_them(session: Session) -> None:
    case = make_case(session)
    note(session, case, "before")
    with pytest.raises(RuntimeError), session.begin_nested():
        note(session, case, "inside")
        raise RuntimeError("the step failed")
    assert waiting(session) == 0
    note(session, case, "after")
    assert kinds(session, case) == ["before", "after"]


def test_a_rollback_drops_noted_events(session: Session) -> None:
    case = make_case(session)
    session.commit()
    note(session, case, "lost")
    session.rollback()
    assert waiting(session) == 0
    assert kinds(session, case) == []


def test_a_loaded_trail_is_read_again_after_an_event_is_noted(session: Session) -> None:
    case = make_case(session)
    note(session, case, "first")
    session.flush()
    assert [e.kind for e in case.events] == ["first"]
    note(session, case, "second")
    assert [e.kind for e in case.events] == ["first", "second"]
