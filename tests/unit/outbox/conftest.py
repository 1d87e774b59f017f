"""Fixtures of the outbox tests: one loopback relay (aiosmtpd, tests/unit/infra.py) started
once for the package, its scripted answers reset around each test, and a sessionmaker on
each database backend (`any_engine`, tests/unit/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from intake.storage import db
from tests.unit.infra import Relay


@pytest.fixture(scope="package")
def relay_server() -> Iterator[Relay]:
    with Relay() as relay:
        yield relay


@pytest.fixture
def relay(relay_server: Relay) -> Iterator[Relay]:
    relay_server.handler.reset()
    yield relay_server
    relay_server.handler.reset()


@pytest.fixture
def sessions(any_engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield db.make_sessionmaker(any_engine)
