"""Shared fixtures: databases (SQLite and the local PostgreSQL), the demo organisation, and
the corpus path.

Database tests run once per backend. PostgreSQL is the server on this machine
(`INTAKE_TEST_POSTGRES`, default postgres@127.0.0.1:5432, trust auth); each test gets a
database of its own. Outside CI a missing PostgreSQL skips those runs; in CI it fails them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.slack_api import FakeSlack

if TYPE_CHECKING:
    from intake.bot.app import App
    from intake.bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
ORG_FILE = ROOT / "fixtures" / "org.toml"
PG_ADMIN_URL = os.environ.get(
    "INTAKE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = [b for b in os.environ.get("INTAKE_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


def worker_name() -> str:
    """This pytest process's name under pytest-xdist (gw0, gw1, ...; "main" when the run is
    not distributed): in the names of what workers running side by side must not share."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


_pg_reached = False  # the server answered once: no need to ask again before every test


def _pg_available() -> str | None:
    global _pg_reached
    if _pg_reached:
        return None
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    _pg_reached = True
    return None


def _new_pg_database(template: str | None = None) -> tuple[str, str]:
    """A new database, empty or a copy of `template`: its name carries the xdist worker's (a
    leftover says which worker made it) and a random part (other runs on the same server at
    the same time)."""
    name = f"intake_test_{worker_name()}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    admin.dispose()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def _migrate(url: str) -> None:
    """`url`'s schema brought to the head revision, the way the bot does it on start."""
    from intake.storage import db

    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
    finally:
        engine.dispose()


def _drop_pg_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class PgDatabases:
    """PostgreSQL databases for `database_url` and `migrated_database_url`, made and dropped
    beside the tests rather than between them: CREATE DATABASE copies its template through
    the WAL and DROP DATABASE waits for a checkpoint, each from a tenth of a second to a
    second or two on a busy machine (mostly waiting for the disk), and some 500 tests take
    one. Two threads of this process keep the next two databases of each kind ready and drop
    the used ones while the tests run; the databases are still one per test, new, and empty
    or migrated as asked. The migrated ones are copies of a template this process migrates
    once (CREATE DATABASE ... TEMPLATE) instead of running every migration for each test."""

    AHEAD = 2  # spares of each kind: one slow CREATE DATABASE does not stall the next test

    def __init__(self) -> None:
        self._threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pg-databases")
        self._spares: dict[bool, list[Future[tuple[str, str]]]] = {False: [], True: []}
        self._template: Future[str] | None = None

    def _migrated_template(self) -> str:
        name, url = _new_pg_database()
        _migrate(url)  # the engine is disposed: no session left on the template
        return name

    def _make(self, migrated: bool) -> tuple[str, str]:
        """Runs on a thread: a new database, a copy of the migrated template when asked."""
        if not migrated:
            return _new_pg_database()
        assert self._template is not None
        return _new_pg_database(self._template.result())

    def take(self, migrated: bool = False) -> tuple[str, str]:
        """(name, URL) of a new database, empty or at the schema's head; keeps the next ones
        of that kind coming."""
        if migrated and self._template is None:
            self._template = self._threads.submit(self._migrated_template)
        spares = self._spares[migrated]
        while len(spares) < self.AHEAD:
            spares.append(self._threads.submit(self._make, migrated))
        made = spares.pop(0)
        try:
            name, url = made.result()
        except OperationalError:
            # psycopg now and then says "connection timeout expired" to a connection the
            # busy server was about to take (psycopg/psycopg#1089): one more try, then fail.
            name, url = self._make(migrated)
        spares.append(self._threads.submit(self._make, migrated))
        return name, url

    def give_back(self, name: str) -> None:
        self._threads.submit(_drop_pg_database, name)

    def close(self) -> None:
        """Drop the spares and the template and wait for every drop: nothing of this run is
        left behind."""
        for spares in self._spares.values():
            for spare in spares:
                with contextlib.suppress(Exception):
                    self.give_back(spare.result()[0])
            spares.clear()
        if self._template is not None:
            with contextlib.suppress(Exception):
                self.give_back(self._template.result())
        self._threads.shutdown(wait=True)


pg_databases = PgDatabases()


def pytest_sessionfinish(session: pytest.Session) -> None:
    pg_databases.close()


# Tests that take tens of seconds each (corpus replays, kill-and-restart bursts): under
# pytest-xdist they start first, so the run does not end waiting for one worker alone.
LONG_RUNNING = (
    "test_scale_out.py::",
    "test_fuzz.py::test_mutated_corpus_through_the_pipeline",
    "test_fuzz.py::test_parse_email_keeps_its_promises",
    "test_sla.py::test_every_reminder_of_the_corpus_replay",
    "test_replay.py::",
    "test_fault_injection.py::",
    "test_crash.py::",
    "test_imap.py::test_dovecot_restarts_mid_burst",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if worker_name() == "main":
        return  # one process: the order the files are written in
    items.sort(key=lambda item: not any(long in item.nodeid for long in LONG_RUNNING))


def require_postgres() -> None:
    """Skip the calling test when PostgreSQL is not reachable; in CI, fail it."""
    problem = _pg_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """The backend a database test runs on ("sqlite", "postgresql"): the one parameter behind
    `database_url` and `migrated_database_url`, so a test that takes both runs once per
    backend, not once per pair."""
    if request.param == "postgresql":
        require_postgres()
    return request.param


@pytest.fixture
def database_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path}/intake.db"
        return
    name, url = pg_databases.take()
    try:
        yield url
    finally:
        pg_databases.give_back(name)


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the schema's head once per test process."""
    path = tmp_path_factory.mktemp("schema") / "intake.db"
    _migrate(f"sqlite:///{path}")  # disposed: checkpointed, the whole database in this file
    return path


@pytest.fixture
def migrated_database_url(
    request: pytest.FixtureRequest, db_backend: str, tmp_path: Path
) -> Iterator[str]:
    """A fresh database URL on each backend, its schema already at the head revision: a copy
    of one migrated once per test process (SQLite: the file; PostgreSQL: a template
    database), for tests about what the bot does with a database rather than about making
    one. Migrating takes a few tenths of a second and some 500 tests build a bot; those
    that start from nothing take `database_url`, and build_app still runs its (then empty)
    upgrade."""
    if db_backend == "sqlite":
        path = tmp_path / "intake.db"
        shutil.copyfile(request.getfixturevalue("sqlite_schema"), path)
        yield f"sqlite:///{path}"
        return
    name, url = pg_databases.take(migrated=True)
    try:
        yield url
    finally:
        pg_databases.give_back(name)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A local HTTP server answering like the Slack Web API (tests/slack_api.py)."""
    with FakeSlack() as server:
        yield server


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/intake.db"


@pytest.fixture
def org():
    from intake.parsers.org import load_organisation

    return load_organisation(ORG_FILE)


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "intake").is_dir():
        pytest.skip("shared corpus not present beside the project")
    return CORPUS


def settings_for(database_url: str, org_file: Path = ORG_FILE, **sections: Any) -> Settings:
    """A bot's settings on `database_url` with the organisation `org_file` (the demo's by
    default); each keyword names a section (`smtp`, `relay`, `worker`...) whose values are
    merged into it. The one place tests say what a bot needs at the least."""
    from intake.bot.config import Settings

    data: dict[str, Any] = {"database": {"url": database_url}, "bot": {"org": str(org_file)}}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return Settings.model_validate(data)


@pytest.fixture
def app(migrated_database_url: str) -> Iterator[App]:
    """The bot (`build_app`, no thread started) on a fresh database of each backend with the
    demo organisation, closed after the test: what most database tests run against. Its
    database is `migrated_database_url`: take that one, not `database_url`, to reach it."""
    from intake.bot.app import build_app

    built = build_app(settings_for(migrated_database_url))
    yield built
    built.close()
