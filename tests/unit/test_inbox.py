"""storage/inbox.py on its own: what makes two arrivals one message, what an arrival keeps of
its envelope, the order workers take arrivals in, and how a failed attempt is counted.

The dedupe key decides whether a second delivery changes anything: if a hop's header or a
relay's line endings changed it, a re-delivered request would open a second case and a
second acknowledgement. A null envelope sender (a bounce) must stay "" and never become
NULL, since the auto-mail guard and the refusal limits read "" as "this is a bounce".
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from intake.storage import db
from intake.storage import inbox as inbox_module
from intake.storage.inbox import (
    ThreadHints,
    _take_key,
    claim_next,
    dedupe_key,
    find_message_id,
    pending_count,
    record_failure,
    store_inbound,
    take_key,
)
from intake.storage.models import InboundMessage, ProcessedKey
from tests.unit.builders import T0, make_case
from tests.unit.infra import fetch

# A message with no Message-ID, as the first hop wrote it (CRLF, as it travels).
BARE = (
    b"From: Pat <pat@example.net>\r\n"
    b"To: connectyou@example.com\r\n"
    b"Subject: Foggy window\r\n"
    b"\r\n"
    b"The kitchen window is foggy.\r\n"
    b"Pat\r\n"
)


@pytest.fixture
def sessions(any_engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield db.make_sessionmaker(any_engine)


def mail(message_id: str, *, in_reply_to: str | None = None) -> bytes:
    head = f"From: pat@example.net\r\nMessage-ID: {message_id}\r\n"
    if in_reply_to:
        head += f"In-Reply-To: {in_reply_to}\r\n"
    return (head + "Subject: x\r\n\r\nbody\r\n").encode()


def put(sessions: sessionmaker[Session], raw: bytes, **envelope: object) -> int:
    """Store one arrival and commit, as a front door does; its id."""
    with sessions() as session, session.begin():
        row = store_inbound(session, raw=raw, channel="smtp", received_at=T0, **envelope)  # type: ignore[arg-type]
        return row.id


def stored(sessions: sessionmaker[Session], row_id: int) -> InboundMessage:
    return fetch(sessions, InboundMessage, row_id)


# --- the Message-ID and the dedupe key (no database) -----------------------------------------


def test_the_message_id_is_read_from_the_headers_unfolded() -> None:
    raw = (
        b"Subject: x\r\nMESSAGE-ID:\r\n <long.id@\r\n\texample.net>\r\n\r\nMessage-ID: <body@x>\r\n"
    )
    assert find_message_id(raw) == "<long.id@example.net>"
    assert find_message_id(b"Subject: x\r\n\r\nMessage-ID: <in.the.body@x>\r\n") is None
    assert find_message_id(b"Message-ID: <caf\xc3\xa9@x>\r\n\r\n") == "<caf\u00e9@x>"
    assert find_message_id(b"Message-ID: <\xff@x>\r\n\r\n") == "<\\xff@x>"


def test_with_a_message_id_the_key_is_that_id_whatever_its_case_and_spaces() -> None:
    expected = "mid:" + hashlib.sha256(b"<abc.123@example.net>").hexdigest()
    assert dedupe_key(BARE, "<ABC.123@Example.NET>") == expected
    assert dedupe_key(b"another message altogether", "  <abc.123@example.net> ") == expected
    assert dedupe_key(BARE, "<other@example.net>") != expected


@pytest.mark.parametrize(
    "hop",
    [
        b"Received: from mx1.example.net by mx2.example.com; Mon, 2 Nov 2026 10:00:00 -0700",
        b"Delivered-To: connectyou@example.com",
        b"DELIVERED-TO: intake@example.com",
        b"Return-Path: <pat@example.net>",
        b"X-Original-To: connectyou@example.com",
        b"Received: from mx1.example.net\r\n\tby mx2.example.com with ESMTPS\r\n\tid 42",
    ],
)
def test_without_a_message_id_a_header_each_hop_adds_leaves_the_key_alone(hop: bytes) -> None:
    """A re-delivery through another hop (or a second mailbox) is the same message."""
    assert dedupe_key(hop + b"\r\n" + BARE, None) == dedupe_key(BARE, None)
    assert dedupe_key(BARE, None).startswith("sha:")


def test_without_a_message_id_line_endings_leave_the_key_alone() -> None:
    """A relay that rewrites CRLF as LF (or a spool that stored LF) delivers the same one."""
    lf = BARE.replace(b"\r\n", b"\n")
    mixed = BARE.replace(b"Subject: Foggy window\r\n", b"Subject: Foggy window\n")
    assert dedupe_key(lf, None) == dedupe_key(BARE, None)
    assert dedupe_key(mixed, None) == dedupe_key(BARE, None)


def test_without_a_message_id_line_endings_inside_a_folded_header_leave_the_key_alone() -> None:
    """A long To or Subject is folded over lines; its line ends travel as the others do."""
    folded = BARE.replace(
        b"To: connectyou@example.com", b"To: connectyou@example.com,\r\n\tsam@example.org"
    )
    assert dedupe_key(folded.replace(b"\r\n", b"\n"), None) == dedupe_key(folded, None)
    assert dedupe_key(folded, None) != dedupe_key(BARE, None)


def test_without_a_message_id_what_the_sender_wrote_changes_the_key() -> None:
    key = dedupe_key(BARE, None)
    assert dedupe_key(BARE.replace(b"Foggy window\r\n", b"Broken window\r\n"), None) != key
    assert dedupe_key(BARE.replace(b"is foggy", b"is broken"), None) != key
    folded_kept = BARE.replace(b"Subject: Foggy window", b"Subject: Foggy\r\n window")
    assert dedupe_key(folded_kept, None) != key


# --- storing an arrival ------------------------------------------------------------------------


def test_an_arrival_keeps_its_bytes_and_envelope(sessions: sessionmaker[Session]) -> None:
    raw = mail("<req.1@example.net>")
    row_id = put(
        sessions,
        raw,
        mail_from="Pat@Example.net",
        rcpt_tos=["ConnectYou@Example.COM", "intake@example.com"],
        peer="192.0.2.7:40000",
    )
    row = stored(sessions, row_id)
    assert (row.raw, row.size, row.channel, row.state, row.attempts) == (
        raw,
        len(raw),
        "smtp",
        "new",
        0,
    )
    assert row.mail_from == "Pat@Example.net"  # the envelope sender as written
    assert row.rcpt_tos == ["connectyou@example.com", "intake@example.com"]
    assert (row.peer, row.received_at, row.message_id) == (
        "192.0.2.7:40000",
        T0,
        "<req.1@example.net>",
    )
    assert row.dedupe_key == dedupe_key(b"", "<req.1@example.net>")


def test_a_null_envelope_sender_is_stored_as_empty_never_null(
    sessions: sessionmaker[Session],
) -> None:
    """ "" is a bounce (RFC 5321 `MAIL FROM:<>`); NULL is "no envelope" (Slack, replay)."""
    bounce = put(sessions, mail("<dsn.1@mx.example.net>"), mail_from="")
    unknown = put(sessions, mail("<slack.1@example.net>"))
    assert stored(sessions, bounce).mail_from == ""
    assert stored(sessions, unknown).mail_from is None


def test_an_envelope_that_fits_no_column_is_made_to_fit(sessions: sessionmaker[Session]) -> None:
    """NUL and over-long values would fail the INSERT (PostgreSQL) on every retry."""
    row_id = put(
        sessions,
        mail("<fit@example.net>"),
        mail_from="pat\x00@example.net" + "x" * 600,
        rcpt_tos=["Con\x00nectyou@example.com"],
    )
    row = stored(sessions, row_id)
    assert row.mail_from == ("pat@example.net" + "x" * 600)[:512]
    assert row.rcpt_tos == ["connectyou@example.com"]


def test_a_given_identity_is_the_message_id_and_the_key(sessions: sessionmaker[Session]) -> None:
    """A Slack message has no header: its channel and ts are its identity."""
    row_id = put(sessions, b'{"text": "hi"}', message_id="slack:C1:1700000000.000100")
    row = stored(sessions, row_id)
    assert row.message_id == "slack:C1:1700000000.000100"
    assert row.dedupe_key == dedupe_key(b"", "slack:C1:1700000000.000100")


# --- claiming, failures, counting ----------------------------------------------------------


def test_one_worker_takes_waiting_arrivals_oldest_first(sessions: sessionmaker[Session]) -> None:
    first, second, third = (put(sessions, mail(f"<order.{i}@example.net>")) for i in range(3))
    with sessions() as session:
        assert pending_count(session) == 3
    with sessions() as session, session.begin():
        session.execute(
            update(InboundMessage).where(InboundMessage.id == first).values(state="done")
        )
    taken = []
    for _ in range(3):
        with sessions() as session, session.begin():
            row = claim_next(session)
            if row is None:
                break
            taken.append(row.id)
            row.state = "done"
    assert taken == [second, third]
    with sessions() as session:
        assert pending_count(session) == 0


def test_a_failed_attempt_is_counted_and_the_last_one_shunts(
    sessions: sessionmaker[Session],
) -> None:
    row_id = put(sessions, mail("<fails@example.net>"))
    states = []
    for attempt in range(3):
        with sessions() as session, session.begin():
            states.append(record_failure(session, row_id, f"boom {attempt}", max_attempts=3))
    assert states == ["new", "new", "shunted"]
    row = stored(sessions, row_id)
    assert (row.state, row.attempts, row.error) == ("shunted", 3, "boom 2")
    with sessions() as session, session.begin():
        assert claim_next(session) is None
        assert pending_count(session) == 0
        assert record_failure(session, 10_000, "no such row", max_attempts=3) == "gone"


def test_a_failure_never_touches_a_row_processed_meanwhile(
    sessions: sessionmaker[Session],
) -> None:
    row_id = put(sessions, mail("<done@example.net>"))
    with sessions() as session, session.begin():
        session.execute(
            update(InboundMessage).where(InboundMessage.id == row_id).values(state="done")
        )
    with sessions() as session, session.begin():
        assert record_failure(session, row_id, "x" * 5000, max_attempts=1) == "done"
    row = stored(sessions, row_id)
    assert (row.state, row.attempts, row.error) == ("done", 0, None)


def test_an_error_is_kept_to_4000_characters(sessions: sessionmaker[Session]) -> None:
    row_id = put(sessions, mail("<long.error@example.net>"))
    with sessions() as session, session.begin():
        record_failure(session, row_id, "e" * 5000, max_attempts=5)
    assert stored(sessions, row_id).error == "e" * 4000


def two_workers(
    sessions: sessionmaker[Session], arrivals: list[tuple[bytes, ThreadHints]]
) -> tuple[int | None, int | None]:
    """Store `arrivals` (each with the hints the worker reads of it); worker A claims one
    and holds it while worker B claims another: which arrival each took (its place)."""
    order = [put(sessions, raw) for raw, _ in arrivals]
    hints = dict(zip(order, (h for _, h in arrivals), strict=True))

    def hints_of(row: InboundMessage) -> ThreadHints:
        return hints[row.id]

    with sessions() as worker_a, worker_a.begin():
        a = claim_next(worker_a, hints_of)
        with sessions() as worker_b, worker_b.begin():
            b = claim_next(worker_b, hints_of)
            return tuple(order.index(r.id) if r else None for r in (a, b))  # type: ignore[return-value]


NONE = ThreadHints()
ANSWERS_REQ = ThreadHints(references=("<req@example.net>",))


@pytest.fixture
def postgresql(any_engine: Engine) -> None:
    if any_engine.dialect.name != "postgresql":
        pytest.skip("SQLite serves one worker, which takes arrivals strictly in order")


@pytest.mark.usefixtures("postgresql")
def test_a_reply_waits_while_its_request_is_in_another_workers_hands(
    sessions: sessionmaker[Session],
) -> None:
    """Several workers: a reply processed before its request would open a case of its own;
    an unrelated arrival behind it is taken meanwhile."""
    arrivals = [
        (mail("<req@example.net>"), NONE),
        (mail("<re.1@example.net>", in_reply_to="<req@example.net>"), ANSWERS_REQ),
        (mail("<other@example.net>"), NONE),
    ]
    assert two_workers(sessions, arrivals) == (0, 2)


@pytest.mark.usefixtures("postgresql")
def test_a_second_copy_waits_for_the_first(sessions: sessionmaker[Session]) -> None:
    """The copy must find the first one processed (and be a duplicate), not race it."""
    arrivals = [
        (mail("<req@example.net>"), NONE),
        (mail("<req@example.net>"), NONE),
        (mail("<other@example.net>"), NONE),
    ]
    assert two_workers(sessions, arrivals) == (0, 2)


@pytest.mark.usefixtures("postgresql")
def test_two_messages_of_one_case_are_never_processed_side_by_side(
    sessions: sessionmaker[Session],
) -> None:
    """One names the case in its subject (in any case of letters), the other answers a
    message of the case: each would change the case from the same starting point."""
    with sessions() as session, session.begin():
        case = make_case(session, message_ids=["<case.msg@example.net>"])
        number = case.number
    arrivals = [
        (mail("<a@example.net>"), ThreadHints(case_numbers=(number,))),
        (mail("<b@example.net>"), ThreadHints(references=("<case.msg@example.net>",))),
        (mail("<c@example.net>"), ThreadHints(case_numbers=(number.lower(),))),
        (mail("<d@example.net>"), NONE),
    ]
    assert two_workers(sessions, arrivals) == (0, 3)


@pytest.mark.usefixtures("postgresql")
def test_a_reply_waits_for_its_request_even_when_nobody_holds_the_request(
    sessions: sessionmaker[Session],
) -> None:
    """The request is passed over (it names a case another worker is busy with), so no
    lock of its own is held: the reply must still wait, because its request is an earlier
    arrival not yet processed; an unrelated arrival behind them is taken meanwhile."""
    with sessions() as session, session.begin():
        number = make_case(session, message_ids=["<case.msg@example.net>"]).number
    arrivals = [
        (mail("<a@example.net>"), ThreadHints(case_numbers=(number,))),
        (mail("<req@example.net>"), ThreadHints(case_numbers=(number,))),
        (mail("<re.1@example.net>", in_reply_to="<req@example.net>"), ANSWERS_REQ),
        (mail("<other@example.net>"), NONE),
    ]
    assert two_workers(sessions, arrivals) == (0, 3)


@pytest.mark.usefixtures("postgresql")
def test_message_and_case_locks_live_in_key_spaces_of_their_own(
    sessions: sessionmaker[Session],
) -> None:
    """A message key and a case id that happen to be the same number must not make two
    unrelated arrivals wait on each other: each kind of lock has its own space (the first of
    PostgreSQL's two int4 keys); the same kind and number is one lock."""
    take = inbox_module._try_lock
    with sessions() as worker_a, worker_a.begin():
        assert worker_a.scalar(select(take(inbox_module._CASE_LOCKS, 7))) is True
        with sessions() as worker_b, worker_b.begin():
            assert worker_b.scalar(select(take(inbox_module._MESSAGE_LOCKS, 7))) is True
            assert worker_b.scalar(select(take(inbox_module._CASE_LOCKS, 7))) is False


def test_a_key_is_taken_by_one_statement_that_leaves_nothing_pending(
    sessions: sessionmaker[Session],
) -> None:
    """Where the backend has INSERT ... ON CONFLICT (SQLite and PostgreSQL both do), the key
    is written at once on the session's connection: no ORM object waits for a flush, and a
    twin taking the same key in the same transaction is told who holds it."""
    with sessions() as session:
        first = store_inbound(session, raw=mail("<k1@example.net>"), channel="smtp", received_at=T0)
        twin = store_inbound(session, raw=mail("<k2@example.net>"), channel="smtp", received_at=T0)
        session.flush()
        assert take_key(session, "key-1", first.id) == first.id
        assert not session.new  # nothing left for a flush to write
        assert take_key(session, "key-1", twin.id) == first.id
        holder = session.execute(
            select(ProcessedKey.inbound_id).where(ProcessedKey.dedupe_key == "key-1")
        ).scalar_one()
        assert holder == first.id


def test_a_backend_without_on_conflict_is_refused_by_name() -> None:
    with pytest.raises(RuntimeError, match="intake stores on SQLite or PostgreSQL, not mysql"):
        _take_key("mysql")


def test_an_advisory_lock_key_is_a_signed_32_bit_crc_even_of_an_8bit_message_id() -> None:
    """PostgreSQL's advisory locks take two int4s: a key is the CRC-32 of the dedupe key,
    made signed. A Message-ID of raw 8-bit bytes arrives as lone surrogates (bytes decoded
    with surrogateescape); its key must be the CRC of those same bytes, not an error that
    would leave the message waiting for ever."""
    eight_bit = b"<caf\xe9-1@mail.example.net>".decode("utf-8", "surrogateescape")
    assert inbox_module._key_of(eight_bit) == _signed(zlib.crc32(b"<caf\xe9-1@mail.example.net>"))
    high = next(t for t in (f"k{n}" for n in range(100)) if zlib.crc32(t.encode()) >= 1 << 31)
    assert inbox_module._key_of(high) == zlib.crc32(high.encode()) - (1 << 32) < 0
    low = next(t for t in (f"k{n}" for n in range(100)) if zlib.crc32(t.encode()) < 1 << 31)
    assert inbox_module._key_of(low) == zlib.crc32(low.encode()) >= 0


def _signed(value: int) -> int:
    return value - (1 << 32) if value >= 1 << 31 else value
