"""Storage on SQLite and PostgreSQL: migrations, numbering, the inbox's dedupe keys."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from intake.storage import db, inbox
from intake.storage.cases import next_value
from intake.storage.models import InboundMessage

RAW = (
    b"Received: from a by b; Mon, 2 Nov 2026 10:00:00 -0700\r\n"
    b"From: A <a@example.com>\r\nTo: accountteam@example.com\r\n"
    b"Message-ID:\r\n <abc@example.com>\r\nSubject: hi\r\n\r\nbody\r\n"
)


@pytest.fixture
def engine(migrated_database_url: str):
    engine = db.make_engine(migrated_database_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


def test_migrations_create_every_table_and_go_down_again(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {
        "inbound_messages",
        "cases",
        "case_messages",
        "attachments",
        "case_events",
        "outbox",
        "counters",
        "processed_keys",
    } <= tables
    assert db.current_revision(engine) is not None
    db.upgrade(engine)  # idempotent on start
    db.downgrade(engine, "base")
    assert "cases" not in set(inspect(engine).get_table_names())
    engine.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_url: str) -> None:
    engine = db.make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_case_numbers_are_unique_and_gap_free_under_concurrent_writers(engine) -> None:
    sessions = db.make_sessionmaker(engine)
    got: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def writer(rollback_every: int) -> None:
        try:
            for i in range(25):
                with sessions() as session:
                    with session.begin():
                        value = next_value(session, "case:T")
                        if i % rollback_every == 0:
                            session.rollback()  # a failed case gives its number back
                            continue
                    with lock:
                        got.append(value)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in (3, 4, 5, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(got) == len(set(got)), "a number was handed out twice"
    assert sorted(got) == list(range(1, len(got) + 1)), "a gap in the numbering"


def test_times_come_back_aware_and_equal(engine) -> None:
    sessions = db.make_sessionmaker(engine)
    when = datetime(2026, 11, 2, 10, 47, 12, tzinfo=timezone(timedelta(hours=-7)))
    with sessions() as session, session.begin():
        row = inbox.store_inbound(session, raw=RAW, channel="smtp", received_at=when)
        row_id = row.id
    with sessions() as session:
        back = session.get(InboundMessage, row_id)
        assert back.received_at == when
        assert back.received_at.tzinfo is not None


def test_naive_times_are_refused(engine) -> None:
    sessions = db.make_sessionmaker(engine)
    with sessions() as session, pytest.raises(Exception, match="naive"):
        inbox.store_inbound(session, raw=RAW, channel="smtp", received_at=datetime(2026, 1, 1))


def test_inbox_keeps_raw_bytes_and_finds_the_folded_message_id(engine) -> None:
    sessions = db.make_sessionmaker(engine)
    with sessions() as session, session.begin():
        inbox.store_inbound(
            session,
            raw=RAW,
            channel="smtp",
            received_at=datetime.now(UTC),
            rcpt_tos=["X@Example.com"],
        )
    with sessions() as session:
        back = session.scalars(select(InboundMessage)).one()
        assert back.raw == RAW
        assert back.message_id == "<abc@example.com>"
        assert back.rcpt_tos == ["x@example.com"]
        assert inbox.claim_next(session).id == back.id


def test_dedupe_key_ignores_hops_when_there_is_no_message_id() -> None:
    plain = b"From: a@example.com\r\nSubject: s\r\n\r\nhello\r\n"
    hop = b"Received: from x by y; Tue, 3 Nov 2026 10:00:00 +0000\r\n" + plain
    other = plain.replace(b"hello", b"hullo")
    assert inbox.find_message_id(plain) is None
    assert inbox.dedupe_key(plain, None) == inbox.dedupe_key(hop, None)
    assert inbox.dedupe_key(plain, None) != inbox.dedupe_key(other, None)
    assert inbox.dedupe_key(RAW, "<ABC@example.com>") == inbox.dedupe_key(RAW, "<abc@example.com>")
