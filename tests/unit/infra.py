"""Builders of the core-infrastructure unit tests (inbox, outbox, SLA sweep, SMTP front door).

These modules take and commit rows through a `sessionmaker` (the front door commits before
it answers 250, the dispatcher commits at its point of no return), and their queries differ
by backend (`FOR UPDATE SKIP LOCKED`, advisory locks on PostgreSQL). So their tests run on
both backends: `any_engine` is an empty migrated database for each test, a fresh in-memory
SQLite copy (tests/unit/builders.py) or the run's PostgreSQL database emptied after the
test (creating and migrating one costs one to two seconds, emptying it a few milliseconds).

`Relay` is the outgoing relay as a real aiosmtpd server on loopback whose answers a test
scripts per recipient and per message: 251 at RCPT, 450 at RCPT, 554 at the end of DATA.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from intake.storage import db
from intake.storage.models import Base
from tests.conftest import BACKENDS, _drop_pg_database, _new_pg_database, require_postgres
from tests.mailhelpers import Sink, SinkHandler
from tests.unit.builders import new_session


@pytest.fixture(scope="session", params=BACKENDS)
def backend_database(request: pytest.FixtureRequest) -> Iterator[Engine | None]:
    """One PostgreSQL database for the run, migrated once; None for SQLite (each test
    copies the migrated in-memory template instead)."""
    if request.param == "sqlite":
        yield None
        return
    require_postgres()
    name, url = _new_pg_database()
    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        _drop_pg_database(name)


@pytest.fixture
def any_engine(backend_database: Engine | None) -> Iterator[Engine]:
    """An empty database with the project's schema, on each backend in turn."""
    if backend_database is None:
        engine = new_session().get_bind()
        assert isinstance(engine, Engine)
        yield engine
        engine.dispose()
        return
    yield backend_database
    empty(backend_database)


T = TypeVar("T")


def fetch(sessions: sessionmaker[Session], model: type[T], row_id: int) -> T:
    """One row as it is committed now, read in a session of its own."""
    with sessions() as session:
        row = session.get(model, row_id)
        assert row is not None, f"no {model.__name__} #{row_id}"
        return row


def empty(engine: Engine) -> None:
    """Delete every row, children first (the owner-load triggers run as they do in use)."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(text(f'DELETE FROM "{table.name}"'))


class ScriptedHandler(SinkHandler):
    """The sink's hooks, with answers a test sets: `at_rcpt[address]` is said instead of
    250 for that recipient (and a 2xx still takes it), `at_data` are said, one per message
    in turn, at the end of DATA instead of keeping the message."""

    def __init__(self) -> None:
        super().__init__()
        self.at_rcpt: dict[str, str] = {}
        self.at_data: list[str] = []
        self.peers: list[Any] = []  # the client's (host, port) of each message, in turn
        self.script_lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.script_lock:
            answer = self.at_rcpt.get(address.lower())
        if answer is None:
            return await super().handle_RCPT(server, session, envelope, address, options)
        if answer.startswith("2"):
            envelope.rcpt_tos.append(address)
        return answer

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.script_lock:
            self.peers.append(session.peer)
            answer = self.at_data.pop(0) if self.at_data else None
        if answer is None:
            return await super().handle_DATA(server, session, envelope)
        return answer

    def reset(self) -> None:
        """Forget what was kept and scripted: the next test starts from a clean relay."""
        with self.script_lock, self.lock:
            self.at_rcpt.clear()
            self.at_data.clear()
            self.peers.clear()
            self.received.clear()


class Relay(Sink):
    """A `Sink` (tests/mailhelpers.py) with scripted answers (`ScriptedHandler`), offering
    no SMTPUTF8 (as many relays still do not)."""

    handler: ScriptedHandler

    def __init__(self) -> None:
        super().__init__()
        self.handler = ScriptedHandler()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=False
        )
