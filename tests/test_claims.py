"""Claims (storage/claims.py, storage/inbox.py): several processes work one database without
taking the same row, a case's outgoing rows go in order, a dead sender's row becomes
uncertain when its lease ends, and a reply never overtakes its request.

Two sessions on two connections stand for two processes; on PostgreSQL each holds its claim
in an open transaction, as a dispatcher or worker does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.config import OutboxSettings
from intake.bot.outbox import SpoolFolder, dispatch_due, recover_expired
from intake.storage import claims, db, inbox
from intake.storage.claims import OutboxQueue
from intake.storage.inbox import ThreadHints
from intake.storage.models import Case, CaseEvent, CaseMessage, InboundMessage, OutboxMessage

NOW = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
EMAIL = OutboxQueue("email")
FAST = OutboxSettings(backoff_first_seconds=60, max_attempts=3)


@pytest.fixture
def sessions(migrated_database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(migrated_database_url)
    db.upgrade(engine)
    yield db.make_sessionmaker(engine)
    engine.dispose()


def postgres_only(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        if not claims.locks_rows(session):
            pytest.skip("SQLite serves one process: nothing claims beside it")


def make_case(sessions: sessionmaker[Session], seq: int) -> int:
    with sessions() as session, session.begin():
        case = Case(
            seq=seq,
            number=f"CASE-{seq:06d}",
            queue="service",
            status="open",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(case)
        session.flush()
        return case.id


def queue_mail(sessions: sessionmaker[Session], case_id: int | None, name: str) -> int:
    with sessions() as session, session.begin():
        row = OutboxMessage(
            channel="email",
            kind="ack",
            case_id=case_id,
            message_id=f"<{name}@intake>",
            mail_from="connectyou@example.com",
            recipients=["pat@example.net"],
            recipient="pat@example.net",
            raw=f"Message-ID: <{name}@intake>\r\nSubject: {name}\r\n\r\n{name}\r\n".encode(),
            next_attempt_at=NOW,
            created_at=NOW,
        )
        session.add(row)
        session.flush()
        return row.id


def state_of(sessions: sessionmaker[Session], row_id: int) -> OutboxMessage:
    with sessions() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        return row


def claimed(sessions: sessionmaker[Session], stack: ExitStack) -> int | None:
    """Take the next email row and hold it until `stack` closes; its id, or None."""
    claim = stack.enter_context(claims.claim_outbox(sessions, EMAIL, NOW))
    return None if claim is None else claim.row.id


# --- the outbox --------------------------------------------------------------------------


def test_two_dispatchers_never_take_the_same_row(sessions) -> None:
    postgres_only(sessions)
    first, second = queue_mail(sessions, None, "a"), queue_mail(sessions, None, "b")
    with ExitStack() as one, ExitStack() as two, ExitStack() as three:
        assert claimed(sessions, one) == first
        assert claimed(sessions, two) == second  # the first is held: passed over, not waited
        assert claimed(sessions, three) is None
    with ExitStack() as again:  # given back untouched when the holders went away
        assert claimed(sessions, again) == first
    assert state_of(sessions, first).state == "pending"
    assert state_of(sessions, first).attempts == 0


def test_a_cases_later_row_waits_for_its_earlier_one(sessions) -> None:
    case = make_case(sessions, 1)
    other = make_case(sessions, 2)
    ack = queue_mail(sessions, case, "ack")
    confirm = queue_mail(sessions, case, "confirm")
    elsewhere = queue_mail(sessions, other, "elsewhere")
    with ExitStack() as one, ExitStack() as two:
        assert claimed(sessions, one) == ack
        # PostgreSQL: `ack` is held, `confirm` must wait for it, so the other case's row is
        # next. SQLite holds nothing (one process): `ack` is still the oldest due row.
        assert claimed(sessions, two) == (elsewhere if _locks(sessions) else ack)
    for state, confirm_free in [
        ("sending", False),
        ("pending", False),
        ("uncertain", True),
        ("failed", True),
        ("sent", True),
    ]:
        with sessions() as session, session.begin():
            session.get(OutboxMessage, ack).state = state
            session.get(OutboxMessage, elsewhere).state = "sent"
        with ExitStack() as stack:
            assert (claimed(sessions, stack) == confirm) is confirm_free, state


def test_a_backed_off_row_holds_its_case_back_but_not_others(sessions) -> None:
    case = make_case(sessions, 1)
    first = queue_mail(sessions, case, "first")
    second = queue_mail(sessions, case, "second")
    loose = queue_mail(sessions, None, "loose")  # no case: no order to keep
    with sessions() as session, session.begin():
        session.get(OutboxMessage, first).next_attempt_at = NOW + timedelta(minutes=5)
    with ExitStack() as stack:
        assert claimed(sessions, stack) == loose
    with sessions() as session, session.begin():
        session.get(OutboxMessage, loose).state = "sent"
    with ExitStack() as stack:
        assert claimed(sessions, stack) is None  # `second` waits for `first`, not yet due
    assert state_of(sessions, second).state == "pending"


def test_another_process_cannot_take_a_claimed_row_before_the_point_of_no_return(
    sessions, tmp_path
) -> None:
    """PostgreSQL: the claim's row lock stops the other process. SQLite holds no lock over
    a claim: there the compare-and-set to `sending` loses, and the message is never made
    final (the relay would never get the end of DATA)."""
    row_id = queue_mail(sessions, None, "raced")
    locks = _locks(sessions)
    raced: list[str] = []

    class Raced(SpoolFolder):
        def send(self, row, commit_point):
            try:
                with sessions() as session, session.begin():  # the other process, meanwhile
                    if locks:
                        session.execute(text("SET LOCAL lock_timeout = '300ms'"))
                    session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id == row.id, OutboxMessage.state == "pending")
                        .values(state="sending")
                    )
                raced.append("moved it")
            except OperationalError:
                raced.append("was kept out")
            return super().send(row, commit_point)

    sent = dispatch_due(sessions, Raced(tmp_path), FAST, lambda: NOW)
    if locks:
        assert (raced, sent, state_of(sessions, row_id).state) == (["was kept out"], 1, "sent")
    else:
        assert (raced, sent, state_of(sessions, row_id).attempts) == (["moved it"], 0, 0)
        assert not list(tmp_path.glob("*.eml"))  # never made final


def _locks(sessions: sessionmaker[Session]) -> bool:
    with sessions() as session:
        return claims.locks_rows(session)


def test_a_sending_row_becomes_uncertain_only_when_its_lease_has_ended(sessions) -> None:
    case = make_case(sessions, 1)
    row_id = queue_mail(sessions, case, "in-flight")
    lease = claims.lease(NOW, 30)
    assert lease == NOW + timedelta(seconds=65)
    with sessions() as session, session.begin():
        row = session.get(OutboxMessage, row_id)
        row.state, row.attempts, row.next_attempt_at = "sending", 1, lease
    # Another process may still be waiting for the relay's answer: not touched.
    assert recover_expired(sessions, "email", now=NOW + timedelta(seconds=64)) == []
    assert state_of(sessions, row_id).state == "sending"
    assert recover_expired(sessions, "slack", now=NOW + timedelta(hours=1)) == []  # other queue
    (gone,) = recover_expired(sessions, "email", now=NOW + timedelta(seconds=66))
    assert gone.id == row_id
    row = state_of(sessions, row_id)
    assert row.state == "uncertain" and "lease ended" in row.last_error
    with sessions() as session:
        events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case)).all()
        assert [e.kind for e in events] == ["delivery_uncertain"]
    # The slow sender hears the relay's 250 after all: the answer is proof, recorded.
    with sessions() as session:
        claim = claims.Claim(session, session.get(OutboxMessage, row_id))
        assert claim.move("sent", expect=("sending", "uncertain"), sent_at=NOW)
    assert state_of(sessions, row_id).state == "sent"


def test_a_lease_outlasts_both_time_outs_of_the_hand_over() -> None:
    # The end of DATA (one time-out) and the relay's answer (another) fit in the lease.
    assert claims.lease(NOW, 2) - NOW > timedelta(seconds=4)


# --- the inbox ---------------------------------------------------------------------------


def arrive(sessions: sessionmaker[Session], mid: str, *, refs: str = "", subject: str = "") -> int:
    head = f"Message-ID: <{mid}>\r\nSubject: {subject or mid}\r\n"
    if refs:
        head += f"In-Reply-To: {refs}\r\nReferences: {refs}\r\n"
    with sessions() as session, session.begin():
        row = inbox.store_inbound(
            session, raw=(head + "\r\nbody\r\n").encode(), channel="smtp", received_at=NOW
        )
        return row.id


def hints(row: InboundMessage) -> ThreadHints:
    """As bot/worker.thread_hints reads them, for these plain test messages."""
    head = inbox.header_block(row.raw).decode()
    refs = [line.split(":", 1)[1].strip() for line in head.splitlines() if line.startswith("In-")]
    subject = next(line[9:] for line in head.splitlines() if line.startswith("Subject: "))
    numbers = tuple(w.strip("[]") for w in subject.split() if w.strip("[]").startswith("CASE-"))
    return ThreadHints(references=tuple(refs), case_numbers=numbers)


class Worker:
    """A worker's transaction, open from its claim until `finish` (or the end of the test)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.session = sessions()
        self.session.begin()

    def claim(self) -> int | None:
        row = inbox.claim_next(self.session, hints)
        return None if row is None else row.id

    def finish(self, row_id: int, case_id: int | None = None, mid: str | None = None) -> None:
        row = self.session.get(InboundMessage, row_id)
        assert row is not None
        row.state = "done"
        if case_id is not None and mid is not None:  # what processing a request leaves
            self.session.add(
                CaseMessage(case_id=case_id, direction="in", channel="smtp", message_id=mid, at=NOW)
            )
        self.session.commit()
        self.session.close()


@pytest.fixture
def workers(sessions) -> Iterator[list[Worker]]:
    postgres_only(sessions)
    made: list[Worker] = []
    yield made
    for worker in made:
        worker.session.close()


def worker(sessions, workers: list[Worker]) -> Worker:
    workers.append(Worker(sessions))
    return workers[-1]


def test_a_reply_waits_while_its_request_is_in_another_workers_hands(sessions, workers) -> None:
    request = arrive(sessions, "req@example.net")
    reply = arrive(sessions, "re@example.net", refs="<req@example.net>")
    other = arrive(sessions, "other@example.net")
    a, b = worker(sessions, workers), worker(sessions, workers)
    assert a.claim() == request
    assert b.claim() == other  # the reply is passed over, not the queue behind it
    case = make_case(sessions, 1)
    a.finish(request, case, "<req@example.net>")
    c = worker(sessions, workers)
    assert c.claim() == reply  # its request is done: now it finds the case


def test_a_second_copy_waits_for_the_first(sessions, workers) -> None:
    first = arrive(sessions, "same@example.net")
    arrive(sessions, "same@example.net")  # the sending MTA tried again
    a, b = worker(sessions, workers), worker(sessions, workers)
    assert a.claim() == first
    assert b.claim() is None


def test_two_messages_of_one_case_are_never_processed_at_once(sessions, workers) -> None:
    case = make_case(sessions, 1)
    with sessions() as session, session.begin():
        session.add(
            CaseMessage(
                case_id=case, direction="out", channel="email", message_id="<ack@i>", at=NOW
            )
        )
    by_header = arrive(sessions, "r1@example.net", refs="<ack@i>")
    by_number = arrive(sessions, "r2@example.net", subject="Re: [CASE-000001] window")
    unrelated = arrive(sessions, "new@example.net")
    a, b = worker(sessions, workers), worker(sessions, workers)
    assert a.claim() == by_header
    assert b.claim() == unrelated  # the other reply to the same case waits
    a.finish(by_header)
    c = worker(sessions, workers)
    assert c.claim() == by_number


def test_a_failure_is_never_counted_over_a_message_processed_meanwhile(sessions) -> None:
    """A worker that failed and let go of its claim must not put back in the queue a message
    another worker has processed since (it would be processed again, for ever)."""
    row_id = arrive(sessions, "once@example.net")
    with sessions() as session, session.begin():
        session.get(InboundMessage, row_id).state = "done"
    with sessions() as session, session.begin():
        assert inbox.record_failure(session, row_id, "boom", max_attempts=3) == "done"
    with sessions() as session:
        row = session.get(InboundMessage, row_id)
        assert (row.state, row.attempts, row.error) == ("done", 0, None)


def test_without_hints_or_on_sqlite_arrivals_are_taken_in_order(sessions) -> None:
    request = arrive(sessions, "req@example.net")
    arrive(sessions, "re@example.net", refs="<req@example.net>")
    with sessions() as session, session.begin():
        assert inbox.claim_next(session).id == request
        if not claims.locks_rows(session):
            assert inbox.claim_next(session, hints).id == request
