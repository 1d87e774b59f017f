"""Shared fixtures: databases (SQLite and the local PostgreSQL), the demo organisation, and
the corpus path.

Database tests run once per backend. PostgreSQL is the server on this machine
(`INTAKE_TEST_POSTGRES`, default postgres@127.0.0.1:5432, trust auth); each test gets a
database of its own. Outside CI a missing PostgreSQL skips those runs; in CI it fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import create_engine, text

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


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"


def _new_pg_database() -> tuple[str, str]:
    name = "intake_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def _drop_pg_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def require_postgres() -> None:
    """Skip the calling test when PostgreSQL is not reachable; in CI, fail it."""
    problem = _pg_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/intake.db"
        return
    require_postgres()
    name, url = _new_pg_database()
    try:
        yield url
    finally:
        _drop_pg_database(name)


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
def app(database_url: str) -> Iterator[App]:
    """The bot (`build_app`, no thread started) on a fresh database of each backend with the
    demo organisation, closed after the test: what most database tests run against."""
    from intake.bot.app import build_app

    built = build_app(settings_for(database_url))
    yield built
    built.close()
