"""Fixtures of the unit tests; the builders themselves are in tests/unit/builders.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tests.unit.builders import new_session
from tests.unit.infra import any_engine, backend_database  # noqa: F401 - shared fixtures


@pytest.fixture
def session() -> Iterator[Session]:
    """A session over a fresh in-memory database with the project's schema."""
    s = new_session()
    try:
        yield s
    finally:
        s.close()
        s.get_bind().dispose()  # type: ignore[union-attr]
