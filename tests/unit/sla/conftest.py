"""The SLA unit tests' session: one per backend (SQLite, and PostgreSQL where it runs),
committed after each step as the scheduler commits each sweep."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from intake.storage import db


@pytest.fixture
def session(any_engine: Engine) -> Iterator[Session]:
    """One session, committed after each step as the scheduler commits each sweep."""
    sessions: sessionmaker[Session] = db.make_sessionmaker(any_engine)
    with sessions() as s:
        yield s
