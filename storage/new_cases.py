"""A new case is written by a Core INSERT at the start of the flush, not by the unit of work.

Every message that opens a case adds one `Case` object, and the flush that writes it (the
one before the inbox row is marked done) had the unit of work do for that single row its
whole bookkeeping: the flush plan and dependency sort, attribute history, the INSERT built
per mapper, the new id fetched and set back. Here the flush begins (`before_flush`) by
writing each new case with a statement built once, and the object is then what a query
would have loaded: persistent, clean, every column known, so nothing reads it back and no
UPDATE follows. Everything else in the flush (and storage/write_once.py's rows, which name
the case by its id) is written after it, as the unit of work would have ordered it: a case
depends on no other row. When the new cases were all the flush had to do (a message that
opens a case: its other rows are write_once's), the unit of work is not started at all.

A case whose relationships (messages, events, attachments) were touched while it was new
is left to the unit of work: rows added through them are the unit of work's to order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, event, insert, inspect
from sqlalchemy.orm import Session

from intake.storage import write_once
from intake.storage.models import Case

_CASES = Case.__table__
_INSERT = insert(_CASES)
_RELATIONSHIPS = frozenset(inspect(Case).relationships.keys())


def _default_of(column: Column[Any]) -> Callable[[], Any]:
    """What the ORM writes for a column the object was not given: its Python-side default
    (`default=dict` a new dict each time), else NULL."""
    default = column.default
    if default is None:
        return lambda: None
    if default.is_callable:
        return lambda: default.arg(None)  # type: ignore[union-attr,operator]
    value = default.arg  # type: ignore[union-attr]
    return lambda: value


_DEFAULTS = {c.key: _default_of(c) for c in _CASES.columns if c.key != "id"}


def _values(case: Case) -> dict[str, Any]:
    """Every column of the new case but its id: as set on the object, else its default."""
    given = case.__dict__
    return {key: given[key] if key in given else make() for key, make in _DEFAULTS.items()}


@event.listens_for(Session, "before_flush")
def _insert_new_cases(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Each new case the flush would insert, in the order they were added, written now."""
    new = [
        state
        for state in (inspect(obj) for obj in session.new if isinstance(obj, Case))
        if _RELATIONSHIPS.isdisjoint(state.dict)
    ]
    if not new:
        return
    connection = session.connection()
    for state in sorted(new, key=lambda s: s.insert_order):
        case = state.obj()
        values = _values(case)
        for key in values.keys() - state.dict.keys():  # the defaults, as the flush sets them
            setattr(case, key, values[key])
        case.id = connection.execute(_INSERT, values).inserted_primary_key[0]
        # What the unit of work does with the rows it inserted (its one step kept, by its
        # private name): the object persistent, its values as loaded (no history, no
        # UPDATE), and new in the transaction, so that a rollback expunges it again.
        session._register_persistent({state})
    if not (session.new or session.deleted or session.dirty):
        # Nothing left for the unit of work, which then stops before its `after_flush`: the
        # rows noted for the cases (all of them new, or their case would be dirty) now.
        write_once.write_noted(session)
