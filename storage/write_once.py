"""Rows written once and not read back in the transaction that writes them, as Core INSERTs
at the session's next flush instead of ORM objects.

A message that opens a case writes the case, and with it rows nothing in the transaction
reads again: its case messages, its attachments, its SLA clocks, its acknowledgement's
outbox row and the case events. As ORM objects each costs the unit of work its bookkeeping
(state, history, dependency sort, relationship sync, fetching every new id): measured on
bench/peer.py, the ORM flush took four times the database's own time. Noted here, they are
written in the flush's `after_flush`, when the cases they belong to have their ids, by plain
INSERTs: rows of a table together in one executemany, in the order they were noted.

A row noted with `refs` gets the id of what it names at that point: a case (an ORM object,
written by the flush itself) or an earlier noted row (`Noted`). A noted row that something
names is written first and alone, for its id (`inserted_primary_key`); every other row goes
in its table's batch. So the dependencies hold: an outgoing case message after its outbox
row, an attachment after its case message.

Every row belongs to a case (`case`), which is kept dirty (`flag_dirty`: no column changes,
no UPDATE) while a row waits, so the session is never "clean" then: every flush that
matters writes it, the autoflush before a query, the flush that begins a savepoint and the
one at commit. After any flush nothing waits, and whatever waits at a rollback (of a
savepoint too) was noted inside the transaction being rolled back: it is dropped with it.
The one rule for callers: a row's values are read when it is written (a callable is called
then), and a row is not changed after that; what is changed later needs an ORM object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import Insert, Table, event, insert, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_dirty

from intake.storage.models import Case

_WAITING = "intake.write_once.waiting"  # session.info key: [Noted]
_WRITTEN = "intake.write_once.written"  # session.info key: [Noted], from flush to its end

Values = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


class HasId(Protocol):
    """What a row may name: a case, an inbox row (ORM objects), or an earlier noted row."""

    @property
    def id(self) -> int | None: ...


class Noted:
    """One row waiting for the next flush; `id` is set when it is written, if it is named by
    a later row (`refs`) or `want_id` was asked for."""

    __slots__ = ("table", "values", "refs", "want_id", "id", "case", "collection")

    def __init__(
        self,
        table: Table,
        values: Values,
        refs: Mapping[str, HasId],
        want_id: bool,
        case: Case,
        collection: str | None,
    ) -> None:
        self.table, self.values, self.refs = table, values, refs
        self.want_id, self.id = want_id, None
        self.case, self.collection = case, collection

    def row(self) -> dict[str, Any]:
        values = self.values() if callable(self.values) else self.values
        row = dict(values)
        for column, ref in self.refs.items():
            if ref.id is None:  # cannot happen: a case is flushed, a named row written first
                raise RuntimeError(f"{self.table.name}.{column}: what it names was not written")
            row[column] = ref.id
        return row


def note(
    session: Session,
    table: Table,
    values: Values,
    *,
    case: Case,
    refs: Mapping[str, HasId] | None = None,
    collection: str | None = None,
    want_id: bool = False,
) -> Noted:
    """Write a row of `table` with the session's next flush. `case`: the case it belongs to
    (kept dirty until then); `refs`: columns that take the id of a case or an earlier noted
    row; `collection`: the relationship of `case` the row would appear in, read again if
    loaded (a loaded collection would miss the row)."""
    if case not in session:
        session.add(case)  # as the ORM's cascade from a new row to its case did
    state = inspect(case)
    if state.persistent:
        flag_dirty(case)
        if collection is not None and collection in state.dict:
            session.expire(case, [collection])
    refs = refs or {}
    for ref in refs.values():
        if isinstance(ref, Noted):
            ref.want_id = True
    noted = Noted(table, values, refs, want_id, case, collection)
    session.info.setdefault(_WAITING, []).append(noted)
    return noted


def noted(session: Session, table: Table) -> list[Noted]:
    """The rows of `table` the next flush will write, in the order they were noted."""
    return [n for n in session.info.get(_WAITING, ()) if n.table is table]


def waiting(session: Session, table: Table | None = None) -> int:
    """How many noted rows (of `table`) the next flush will write (for tests)."""
    return sum(1 for n in session.info.get(_WAITING, ()) if table is None or n.table is table)


@event.listens_for(Session, "after_flush")
def _write(session: Session, _flush_context: Any) -> None:
    """The noted rows, now that every case has its id."""
    session.info[_WRITTEN] = write_noted(session)


def write_noted(session: Session) -> list[Noted]:
    """Write the noted rows, every case they name having its id: first, in order, those
    whose id is wanted, one by one; then the rest, a table's rows in one statement, tables
    in the order they were first noted, rows in the order they were noted. Returns them.
    Called by the flush (above), or by storage/new_cases.py when a flush has nothing else to
    do after writing the new cases (the unit of work then stops before `after_flush`)."""
    noted: list[Noted] | None = session.info.pop(_WAITING, None)
    if not noted:
        return []
    connection = session.connection()
    batches: dict[Table, list[dict[str, Any]]] = {}
    for row in noted:  # (a row names only rows noted before it: those have their ids by now)
        if row.want_id:
            result = connection.execute(_insert(row.table), row.row())
            row.id = result.inserted_primary_key[0]
        else:
            batches.setdefault(row.table, []).append(row.row())
    for table, rows in batches.items():
        for run in _same_columns(rows):
            connection.execute(_insert(table), run)
    return noted


@lru_cache(maxsize=16)
def _insert(table: Table) -> Insert:
    """The table's INSERT, built once: a statement is immutable, and building it again for
    every flush costs its construction and a fresh cache key (~20 % of a small insert)."""
    return insert(table)


def _same_columns(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """`rows` in runs of the same columns, in order: an executemany takes its columns from
    its first row and would leave out a later row's other columns without a word."""
    runs: list[list[dict[str, Any]]] = []
    for row in rows:
        if runs and runs[-1][0].keys() == row.keys():
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


@event.listens_for(Session, "after_flush_postexec")
def _reload(session: Session, _flush_context: Any) -> None:
    """A collection read while its case was new (and so empty, never loaded) is read again:
    the rows just written belong in it. (A case written before is handled by `note`.)"""
    noted: list[Noted] | None = session.info.pop(_WRITTEN, None)
    for row in noted or ():
        if row.collection is not None and row.collection in inspect(row.case).dict:
            session.expire(row.case, [row.collection])


@event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, _previous: Any) -> None:
    """A rollback takes the noted rows with it: all were noted since the last flush, so
    inside the transaction (or savepoint) it ended."""
    session.info.pop(_WAITING, None)
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    """A session closed with rows still noted (its transaction neither committed nor rolled
    back) must not write them into its next transaction."""
    if transaction.parent is None:
        session.info.pop(_WAITING, None)
