"""bot/outbox.py, the email dispatcher, against a real relay on loopback (aiosmtpd) whose
answers each test scripts: what becomes of a row for each answer a relay can give.

The rules that matter to a customer: a temporary refusal (4xx) at RCPT is retried, never
taken as a bounce (a greylisting relay would otherwise lose every first acknowledgement);
251 ("not local, will forward") is a success; a permanent failure is an attempt like any
other (the operator reads `attempts` to see what was tried); a row that was handed over is
never sent again.
"""

from __future__ import annotations

import itertools
import logging
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.config import OutboxSettings, RelaySettings
from intake.bot.outbox import (
    Dispatcher,
    PermanentFailure,
    PointOfNoReturn,
    SmtpRelay,
    SpoolFolder,
    _check,
    _mail_options,
    _smtp_data,
    dispatch_due,
    recover_expired,
)
from intake.storage import db
from intake.storage.models import Case, OutboxMessage
from tests.unit.builders import QUOTES, make_case
from tests.unit.infra import Relay, fetch

NOW = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
SETTINGS = OutboxSettings(backoff_first_seconds=60, backoff_max_seconds=3600, max_attempts=3)
PAT, SAM = "pat@example.net", "sam@example.org"
H = timedelta(hours=1)
RAW = (
    b"From: Intake <accountteam@example.com>\r\nTo: pat@example.net\r\n"
    b"Subject: Your request\r\nMessage-ID: <out.1@example.com>\r\n\r\n"
    b"We have your request.\r\n"
)
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
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


def queue(
    sessions: sessionmaker[Session],
    to: list[str],
    *,
    attempts: int = 0,
    case: bool = False,
    raw: bytes = RAW,
) -> int:
    """One pending email row, due now (on a case of its own when `case`)."""
    with sessions() as session, session.begin():
        row = OutboxMessage(
            channel="email",
            kind="ack",
            case=make_case(session, mailbox=QUOTES) if case else None,
            message_id=f"<out.{next(_numbers)}@example.com>",
            mail_from="accountteam@example.com",
            recipients=to,
            recipient=to[0],
            raw=raw,
            state="pending",
            attempts=attempts,
            next_attempt_at=NOW,
            created_at=NOW,
        )
        session.add(row)
        session.flush()
        return row.id


def row_of(sessions: sessionmaker[Session], row_id: int) -> OutboxMessage:
    return fetch(sessions, OutboxMessage, row_id)


def dispatch(sessions: sessionmaker[Session], relay: Relay, at: datetime = NOW) -> int:
    transport = SmtpRelay(RelaySettings(address=relay.address, timeout_seconds=5))
    try:
        return dispatch_due(sessions, transport, SETTINGS, lambda: at)
    finally:
        transport.close()


# --- the relay's answers, one by one (no database) ---------------------------------------


@pytest.mark.parametrize(
    ("reply", "expect", "soft", "accepted"),
    [
        ((250, b"OK"), 250, False, True),
        ((251, b"User not local; will forward"), 250, False, True),
        ((251, b"User not local; will forward"), 250, True, True),
        ((354, b"go ahead"), 354, False, True),
        ((550, b"no such user"), 250, True, False),
    ],
)
def test_answers_that_decide(
    reply: tuple[int, bytes], expect: int, soft: bool, accepted: bool
) -> None:
    assert _check(reply, "RCPT x", expect=expect, soft=soft) is accepted


def test_a_temporary_refusal_is_raised_to_be_retried_even_where_5xx_is_soft() -> None:
    for soft in (True, False):
        with pytest.raises(smtplib.SMTPResponseException) as raised:
            _check((450, b"4.2.1 mailbox busy"), "RCPT x", soft=soft)
        assert (raised.value.smtp_code, raised.value.smtp_error) == (450, b"4.2.1 mailbox busy")
    with pytest.raises(smtplib.SMTPResponseException):
        _check((250, b"OK"), "DATA", expect=354)


def test_a_permanent_refusal_says_what_was_refused() -> None:
    with pytest.raises(PermanentFailure) as raised:
        _check((554, b"5.7.1 rejected"), "end of DATA")
    assert str(raised.value) == "end of DATA: 554 b'5.7.1 rejected'"


def test_500_is_the_first_permanent_answer() -> None:
    """500 ("syntax error") is 5xx like the rest: permanent, and refused alone where soft."""
    with pytest.raises(PermanentFailure):
        _check((500, b"5.5.2 syntax error"), "MAIL FROM")
    assert _check((500, b"5.5.2 syntax error"), "RCPT x", soft=True) is False
    with pytest.raises(smtplib.SMTPResponseException):
        _check((499, b"4.0.0 odd"), "RCPT x", soft=True)


def test_data_travels_in_crlf_dot_stuffed_and_ends_with_a_line_end() -> None:
    assert _smtp_data(b"a\nb") == b"a\r\nb\r\n"
    assert _smtp_data(b".x\r\n..y\n.\nz\r\n") == b"..x\r\n...y\r\n..\r\nz\r\n"
    assert _smtp_data(b"a\r\n") == b"a\r\n"


# --- a row's way through the relay ------------------------------------------------------------


def test_an_accepted_message_is_sent_once_as_queued(
    sessions: sessionmaker[Session], relay: Relay
) -> None:
    row_id = queue(sessions, [PAT])
    assert dispatch(sessions, relay) == 1
    assert dispatch(sessions, relay) == 0
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts, row.sent_at, row.last_error) == ("sent", 1, NOW, None)
    assert relay.envelopes == [("accountteam@example.com", [PAT])]
    assert relay.raws == [RAW]


def test_251_at_rcpt_is_a_success(sessions: sessionmaker[Session], relay: Relay) -> None:
    """ "User not local; will forward" (RFC 5321 3.4): the relay took the recipient."""
    relay.handler.at_rcpt[PAT] = "251 2.1.5 User not local; will forward"
    row_id = queue(sessions, [PAT])
    assert dispatch(sessions, relay) == 1
    assert row_of(sessions, row_id).state == "sent"
    assert relay.envelopes == [("accountteam@example.com", [PAT])]


def test_a_4xx_at_rcpt_keeps_the_recipient_and_retries_the_whole_message(
    sessions: sessionmaker[Session], relay: Relay
) -> None:
    """Greylisting: the second try, after the backoff, goes to both recipients."""
    relay.handler.at_rcpt[SAM] = "450 4.2.1 mailbox busy, try later"
    row_id = queue(sessions, [PAT, SAM])
    assert dispatch(sessions, relay) == 0
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.last_error == "SMTPResponseException: (450, b'4.2.1 mailbox busy, try later')"
    assert NOW + timedelta(seconds=48) <= row.next_attempt_at <= NOW + timedelta(seconds=72)
    assert relay.envelopes == []
    relay.handler.at_rcpt.clear()
    assert dispatch(sessions, relay, NOW + timedelta(seconds=30)) == 0  # backing off
    assert dispatch(sessions, relay, NOW + timedelta(minutes=2)) == 1
    assert (row_of(sessions, row_id).state, row_of(sessions, row_id).attempts) == ("sent", 2)
    assert relay.envelopes == [("accountteam@example.com", [PAT, SAM])]


def test_a_4xx_for_the_only_recipient_is_retried_not_failed(
    sessions: sessionmaker[Session], relay: Relay
) -> None:
    relay.handler.at_rcpt[PAT] = "421 4.7.0 too many connections"
    row_id = queue(sessions, [PAT])
    assert dispatch(sessions, relay) == 0
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("pending", 1)


def test_a_5xx_for_one_recipient_sends_to_the_others(
    sessions: sessionmaker[Session], relay: Relay
) -> None:
    relay.handler.at_rcpt[SAM] = "550 5.1.1 no such user"
    row_id = queue(sessions, [PAT, SAM])
    assert dispatch(sessions, relay) == 1
    assert row_of(sessions, row_id).state == "sent"
    assert relay.envelopes == [("accountteam@example.com", [PAT])]


@pytest.mark.parametrize("earlier", [0, 2])
def test_a_permanent_failure_counts_as_an_attempt(
    sessions: sessionmaker[Session], relay: Relay, earlier: int
) -> None:
    """Every recipient refused for good: failed at once, the attempt counted."""
    relay.handler.at_rcpt[PAT] = "550 5.1.1 no such user"
    row_id = queue(sessions, [PAT], attempts=earlier)
    assert dispatch(sessions, relay) == 0
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("failed", earlier + 1)
    assert row.last_error == "every recipient refused: ['pat@example.net']"
    assert relay.envelopes == []


def test_a_refusal_at_the_end_of_data_fails_the_row_and_counts_the_attempt(
    sessions: sessionmaker[Session], relay: Relay
) -> None:
    relay.handler.at_data.append("554 5.7.1 message refused")
    row_id = queue(sessions, [PAT])
    assert dispatch(sessions, relay) == 0
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.last_error == "end of DATA: 554 b'5.7.1 message refused'"
    assert dispatch(sessions, relay, NOW + timedelta(days=1)) == 0  # never tried again


def test_temporary_failures_give_up_after_max_attempts(
    sessions: sessionmaker[Session], relay: Relay
) -> None:
    relay.handler.at_data.extend(["451 4.3.0 try again later"] * SETTINGS.max_attempts)
    row_id = queue(sessions, [PAT])
    seen = []
    for day in range(SETTINGS.max_attempts + 1):
        dispatch(sessions, relay, NOW + timedelta(days=day))
        row = row_of(sessions, row_id)
        seen.append((row.state, row.attempts))
    assert seen == [("pending", 1), ("pending", 2), ("failed", 3), ("failed", 3)]
    assert row.last_error == "SMTPResponseException: (451, b'4.3.0 try again later')"
    assert relay.envelopes == []


def test_a_cases_later_email_waits_for_its_earlier_one(
    sessions: sessionmaker[Session], relay: Relay
) -> None:
    """The acknowledgement before the confirmation, always: the second row of a case is not
    taken while the first is backing off; a row of another case is."""
    with sessions() as session, session.begin():
        case = make_case(session, mailbox=QUOTES)
        case_id = case.id
    first, second = (queue(sessions, [to]) for to in (SAM, PAT))
    other = queue(sessions, ["lee@example.net"])
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([first, second]))
            .values(case_id=case_id)
        )
    relay.handler.at_rcpt[SAM] = "450 4.2.1 busy"
    assert dispatch(sessions, relay) == 1
    states = [row_of(sessions, i).state for i in (first, second, other)]
    assert states == ["pending", "pending", "sent"]
    relay.handler.at_rcpt.clear()
    assert dispatch(sessions, relay, NOW + timedelta(hours=1)) == 2
    assert [rcpts for _, rcpts in relay.envelopes] == [["lee@example.net"], [SAM], [PAT]]


def test_a_utf8_address_fails_alone_on_a_relay_without_smtputf8(
    sessions: sessionmaker[Session], relay: Relay
) -> None:
    """It could never go (RFC 6531 needs the extension): failed at once, one attempt, and
    the row behind it goes out."""
    utf8 = queue(sessions, ["jos\u00e9@example.net"])
    plain = queue(sessions, [PAT])
    assert dispatch(sessions, relay) == 1
    row = row_of(sessions, utf8)
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.last_error == "the address needs SMTPUTF8, which the relay does not offer"
    assert row_of(sessions, plain).state == "sent"
    assert relay.envelopes == [("accountteam@example.com", [PAT])]


def test_a_row_whose_lease_ended_in_sending_becomes_uncertain_never_pending(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """Its process died between the point of no return and the relay's answer: the relay
    may have it, so it is never sent again; a row still within its lease is left alone."""
    orphan, busy = queue(sessions, [PAT]), queue(sessions, [SAM])
    with sessions() as session, session.begin():
        for row_id, lease_end in ((orphan, NOW - timedelta(seconds=1)), (busy, NOW + H)):
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(state="sending", attempts=1, next_attempt_at=lease_end)
            )
    assert [r.id for r in recover_expired(sessions, "email", now=NOW)] == [orphan]
    gone = row_of(sessions, orphan)
    assert (gone.state, gone.attempts) == ("uncertain", 1)
    assert gone.last_error == (
        "no outcome was recorded before its lease ended (the process sending it stopped)"
    )
    assert row_of(sessions, busy).state == "sending"
    assert dispatch_due(sessions, SpoolFolder(tmp_path), SETTINGS, lambda: NOW + 2 * H) == 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("timeout", "lease"),
    # 10 s as well as 30 s: 30 s is also the default of a transport that does not say.
    [(30.0, timedelta(seconds=65)), (10.0, timedelta(seconds=25))],
)
def test_the_lease_of_a_row_in_sending_covers_twice_the_transports_time_out(
    sessions: sessionmaker[Session], tmp_path: Path, timeout: float, lease: timedelta
) -> None:
    row_id = queue(sessions, [PAT])
    seen: list[tuple[str, datetime]] = []

    class Watched(SpoolFolder):
        timeout_seconds = timeout

        def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
            commit_point()
            committed = row_of(sessions, row.id)
            seen.append((committed.state, committed.next_attempt_at))
            return "kept"

    assert dispatch_due(sessions, Watched(tmp_path), SETTINGS, lambda: NOW) == 1
    assert seen == [("sending", NOW + lease)]
    assert row_of(sessions, row_id).state == "sent"


# --- transports that fail in other ways (the spool folder as the transport) -------------------


class Failing(SpoolFolder):
    """The spool transport failing with `error`, before or after the point of no return."""

    def __init__(self, folder: Path, error: Exception, *, after_commit: bool) -> None:
        super().__init__(folder)
        self.error, self.after_commit = error, after_commit

    def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
        if self.after_commit:
            commit_point()
        raise self.error


@pytest.mark.parametrize(
    ("error", "after_commit", "state", "last_error"),
    [
        (ValueError("bad address"), False, "failed", "ValueError: bad address"),
        (RuntimeError("boom"), False, "failed", "unexpected RuntimeError: boom"),
        (
            RuntimeError("boom"),
            True,
            "uncertain",
            "unexpected error after the end of DATA: RuntimeError: boom",
        ),
        (
            TimeoutError("timed out"),
            True,
            "uncertain",
            "no answer after the end of DATA: TimeoutError: timed out",
        ),
        (ConnectionRefusedError("refused"), False, "pending", "ConnectionRefusedError: refused"),
    ],
)
def test_each_kind_of_failure_ends_where_it_belongs(
    sessions: sessionmaker[Session],
    tmp_path: Path,
    error: Exception,
    after_commit: bool,
    state: str,
    last_error: str,
) -> None:
    """Permanent: failed; the other side may have it: uncertain, never resent; may pass:
    pending again. Each is one attempt."""
    row_id = queue(sessions, [PAT], case=True)
    transport = Failing(tmp_path, error, after_commit=after_commit)
    assert dispatch_due(sessions, transport, SETTINGS, lambda: NOW) == 0
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts, row.last_error) == (state, 1, last_error)


def test_a_row_taken_by_another_process_at_the_point_of_no_return_is_not_sent(
    any_engine: Engine,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SQLite: a claim ends its transaction at once, so only the compare-and-set of the
    point of no return keeps the row from going twice (PostgreSQL holds a row lock)."""
    if any_engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL: the claim's row lock keeps other dispatchers away")
    row_id = queue(sessions, [PAT])

    class Overtaken(SpoolFolder):
        def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
            with sessions() as other, other.begin():  # another dispatcher got there first
                other.execute(
                    update(OutboxMessage).where(OutboxMessage.id == row.id).values(state="sent")
                )
            return super().send(row, commit_point)

    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        assert dispatch_due(sessions, Overtaken(tmp_path), SETTINGS, lambda: NOW) == 0
    assert not (tmp_path / f"{row_id:08d}-ack.eml").exists()
    assert (row_of(sessions, row_id).state, row_of(sessions, row_id).attempts) == ("sent", 0)
    assert logged(caplog) == [
        (
            logging.WARNING,
            f"outbox #{row_id} is no longer pending: another process has it; not sent by this one",
        )
    ]


def test_a_batch_sends_at_most_its_size(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    ids = [queue(sessions, [f"p{i}@example.net"]) for i in range(3)]
    spool = SpoolFolder(tmp_path)
    assert dispatch_due(sessions, spool, SETTINGS, lambda: NOW, batch=2) == 2
    assert [row_of(sessions, i).state for i in ids] == ["sent", "sent", "pending"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{i:08d}-ack.eml" for i in ids[:2]]


# --- MAIL FROM parameters (no relay: a client as EHLO leaves it) ------------------------------


def relay_offering(*extensions: str) -> smtplib.SMTP:
    """An SMTP client, never connected, as EHLO leaves it with a relay offering `extensions`."""
    smtp = smtplib.SMTP()
    smtp.esmtp_features = {name.lower(): "" for name in extensions}
    return smtp


def test_a_utf8_header_goes_as_8bitmime_too_where_the_relay_offers_it() -> None:
    """RFC 6531: SMTPUTF8 for a UTF-8 header; the body is 8-bit then as well, which a relay
    may take only when it offers 8BITMIME. Only the header block counts."""
    utf8 = RAW.replace(b"Your request", "Votre demande re\u00e7ue".encode())
    both = relay_offering("SMTPUTF8", "8BITMIME")
    assert _mail_options(both, QUOTES, [PAT], utf8) == ["SMTPUTF8", "BODY=8BITMIME"]
    assert _mail_options(relay_offering("SMTPUTF8"), QUOTES, [PAT], utf8) == ["SMTPUTF8"]
    assert _mail_options(both, QUOTES, [PAT], RAW + "Merci, Jos\u00e9\r\n".encode()) == []


# --- what is logged of a row's way ------------------------------------------------------------


def logged(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "intake.outbox"]


def test_each_failed_attempt_is_logged_and_the_last_one_gives_up(
    sessions: sessionmaker[Session], relay: Relay, caplog: pytest.LogCaptureFixture
) -> None:
    relay.handler.at_data.extend(["451 4.3.0 try again later"] * SETTINGS.max_attempts)
    row_id = queue(sessions, [PAT])
    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        for day in range(SETTINGS.max_attempts):
            dispatch(sessions, relay, NOW + timedelta(days=day))
    error = "(451, b'4.3.0 try again later')"
    assert logged(caplog) == [
        (logging.WARNING, f"outbox #{row_id} attempt 1 failed ({error})"),
        (logging.WARNING, f"outbox #{row_id} attempt 2 failed ({error})"),
        (logging.WARNING, f"outbox #{row_id} attempt 3 failed ({error}); giving up"),
    ]


def test_an_unexpected_error_is_logged_with_its_traceback(
    sessions: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    row_id = queue(sessions, [PAT])
    transport = Failing(tmp_path, RuntimeError("boom"), after_commit=False)
    with caplog.at_level(logging.ERROR, logger="intake.outbox"):
        assert dispatch_due(sessions, transport, SETTINGS, lambda: NOW) == 0
    first = next(r for r in caplog.records if r.name == "intake.outbox")
    assert first.getMessage() == f"outbox #{row_id}: unexpected error while sending"
    assert first.exc_info is not None and first.exc_info[0] is RuntimeError


def test_a_row_that_left_sending_while_the_relay_took_it_is_still_sent(
    sessions: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The relay's 250 is proof of delivery whatever another process wrote meanwhile: the
    dispatcher counts it sent, leaves the other process's state and says so in the log."""
    row_id = queue(sessions, [PAT])

    class Overwritten(SpoolFolder):
        def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
            commit_point()
            with sessions() as other, other.begin():
                other.execute(
                    update(OutboxMessage).where(OutboxMessage.id == row.id).values(state="failed")
                )
            return "kept"

    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        assert dispatch_due(sessions, Overwritten(tmp_path), SETTINGS, lambda: NOW) == 1
    assert logged(caplog) == [
        (logging.WARNING, f"outbox #{row_id} was sent but had left `sending` meanwhile")
    ]
    assert row_of(sessions, row_id).state == "failed"


# --- the relay connection ---------------------------------------------------------------------


def test_a_refused_sender_fails_the_row_and_says_it_was_mail_from(
    sessions: sessionmaker[Session], relay: Relay, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(*_: object) -> str:
        return "553 5.7.1 sender not allowed"

    monkeypatch.setattr(relay.handler, "handle_MAIL", refuse, raising=False)
    row_id = queue(sessions, [PAT])
    assert dispatch(sessions, relay) == 0
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.last_error == "MAIL FROM: 553 b'5.7.1 sender not allowed'"


@pytest.mark.parametrize(("password", "given"), [("s3cret", "s3cret"), (None, "")])
def test_the_relay_login_gives_the_configured_password(
    sessions: sessionmaker[Session],
    relay: Relay,
    monkeypatch: pytest.MonkeyPatch,
    password: str | None,
    given: str,
) -> None:
    """The loopback relay offers no AUTH: `login` stands in, as the relay would see it."""
    logins: list[tuple[str, str]] = []

    def login(smtp: smtplib.SMTP, user: str, password: str) -> tuple[int, bytes]:
        logins.append((user, password))
        return 235, b"2.7.0 Authentication successful"

    monkeypatch.setattr(smtplib.SMTP, "login", login)
    settings = RelaySettings(
        address=relay.address, timeout_seconds=5, username="intake", password=password
    )
    transport = SmtpRelay(settings)
    queue(sessions, [PAT])
    try:
        assert dispatch_due(sessions, transport, SETTINGS, lambda: NOW) == 1
    finally:
        transport.close()
    assert logins == [("intake", given)]


# --- a dispatcher's round ---------------------------------------------------------------------


@dataclass
class NotingFeed:
    """Stands in for the Slack feed: keeps what would be posted in each case's thread."""

    posts: list[tuple[str, str]] = field(default_factory=list)

    def post(self, session: Session, case: Case, text: str, now: datetime) -> None:
        self.posts.append((case.number, text))


def test_a_round_turns_its_channels_ended_leases_uncertain_and_says_so_on_the_case(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    row_id = queue(sessions, [PAT], case=True)
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(state="sending", attempts=1, next_attempt_at=NOW - timedelta(seconds=1))
        )
    feed = NotingFeed()
    dispatcher = Dispatcher(
        sessions,
        SpoolFolder(tmp_path),
        SETTINGS,
        lambda: NOW,
        recover=False,
        feed=feed,  # type: ignore[arg-type]
    )
    assert dispatcher.round() is False
    assert row_of(sessions, row_id).state == "uncertain"
    (post,) = feed.posts
    assert post[1].endswith(f"`intake outbox resend {row_id}`.")


@dataclass
class ClockedFeed:
    """A Slack feed that keeps the time each post was given."""

    times: list[datetime] = field(default_factory=list)

    def post(self, session: Session, case: Case, text: str, now: datetime) -> None:
        self.times.append(now)


def left_sending(sessions: sessionmaker[Session]) -> int:
    """A case's row its process left `sending`, its lease not yet ended."""
    row_id = queue(sessions, [PAT], case=True)
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(state="sending", attempts=1, next_attempt_at=NOW + H)
        )
    return row_id


def test_a_dispatcher_recovers_interrupted_rows_at_setup_unless_told_not_to(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """Without `recover`, setup turns every row left `sending` uncertain (SQLite, one
    process), noting it on the case at the dispatcher's time, not the wall clock's."""
    row_id = left_sending(sessions)
    feed = ClockedFeed()
    Dispatcher(sessions, SpoolFolder(tmp_path), SETTINGS, lambda: NOW, feed=feed).setup()  # type: ignore[arg-type]
    row = row_of(sessions, row_id)
    assert (row.state, row.last_error) == (
        "uncertain",
        "the bot stopped while handing this message to the relay",
    )
    assert feed.times == [NOW]

    other = left_sending(sessions)
    Dispatcher(sessions, SpoolFolder(tmp_path), SETTINGS, lambda: NOW, recover=False).setup()
    assert row_of(sessions, other).state == "sending"


def test_a_dispatchers_failures_are_logged_as_the_outboxs(
    sessions: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def database_down() -> Session:
        raise RuntimeError("database down")

    dispatcher = Dispatcher(database_down, SpoolFolder(tmp_path), SETTINGS, lambda: NOW)  # type: ignore[arg-type]
    dispatcher.stopping.set()  # no rounds: setup and teardown only
    with caplog.at_level(logging.ERROR):
        dispatcher.run()
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("intake.outbox", logging.ERROR, "intake-outbox: setup failed")
    ]
    assert caplog.records[0].exc_info is not None


@dataclass
class DropsAfterData:
    """A transport whose connection drops after the end of DATA went out: the relay may
    have the message, and nobody knows."""

    timeout_seconds: float = 5.0
    error: Exception = field(default_factory=lambda: OSError("connection reset by peer"))

    def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
        commit_point()
        raise self.error

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("error", "why"),
    [
        (OSError("connection reset by peer"), "no answer after the end of DATA: OSError: "),
        (KeyError("surprise"), "unexpected error after the end of DATA: KeyError: "),
    ],
)
def test_a_lost_answer_after_data_is_uncertain_counted_and_noted_on_the_case(
    sessions: sessionmaker[Session], error: Exception, why: str
) -> None:
    """Never sent again by itself: the row is `uncertain` with this attempt counted, the
    case gets a `delivery_uncertain` event at the dispatcher's time, and its Slack thread
    is told how to resend."""
    from intake.storage.models import CaseEvent

    row_id = queue(sessions, [PAT], case=True)
    feed = NotingFeed()
    later = NOW + H
    assert (
        dispatch_due(sessions, DropsAfterData(error=error), SETTINGS, lambda: later, feed=feed) == 0
    )  # type: ignore[arg-type]
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("uncertain", 1)
    assert row.last_error is not None and row.last_error.startswith(why)
    with sessions() as session:
        (note,) = session.query(CaseEvent).filter_by(kind="delivery_uncertain").all()
        assert (note.case_id, note.at.replace(tzinfo=UTC), note.data["outbox_id"]) == (
            row.case_id,
            later,
            row_id,
        )
    (post,) = feed.posts
    assert post[1].endswith(f"`intake outbox resend {row_id}`.")


def test_a_failed_note_on_the_case_leaves_the_row_uncertain_and_is_logged(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenFeed:
        def post(self, session: Session, case: Case, text: str, now: datetime) -> None:
            raise RuntimeError("slack down")

    row_id = queue(sessions, [PAT], case=True)
    with caplog.at_level(logging.ERROR, logger="intake.outbox"):
        dispatch_due(sessions, DropsAfterData(), SETTINGS, lambda: NOW, feed=BrokenFeed())  # type: ignore[arg-type]
    assert row_of(sessions, row_id).state == "uncertain"
    messages = [r.getMessage() for r in caplog.records]
    assert f"outbox #{row_id}: could not note the uncertain delivery on its case" in messages
    lost = f"outbox #{row_id}: relay's answer lost (connection reset by peer); not resent"
    assert lost in messages


def test_a_refusal_that_fails_for_good_is_logged_with_the_row_and_why(
    sessions: sessionmaker[Session], relay: Relay, caplog: pytest.LogCaptureFixture
) -> None:
    relay.handler.at_rcpt[PAT] = "550 5.1.1 no such user"
    row_id = queue(sessions, [PAT])
    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        dispatch(sessions, relay)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"relay refused RCPT {PAT}: 550 b'5.1.1 no such user'",
        f"outbox #{row_id} ack to {PAT} failed for good: every recipient refused: ['{PAT}']",
    ]


def test_an_8bit_body_under_ascii_headers_needs_no_smtputf8(
    sessions: sessionmaker[Session], relay: Relay
) -> None:
    """Only the header block decides SMTPUTF8: a UTF-8 body (a customer's "crème" quoted
    back, with blank lines after it) goes to a relay that does not offer it."""
    raw = RAW.replace(b"We have your request.\r\n", "Cr\u00e8me door.\r\n\r\nThanks\r\n".encode())
    row_id = queue(sessions, [PAT], raw=raw)
    assert dispatch(sessions, relay) == 1
    assert row_of(sessions, row_id).state == "sent"


def test_spool_folder_makes_its_folders_and_leaves_only_the_message(tmp_path: Path) -> None:
    folder = tmp_path / "spool" / "outbox"
    points: list[bool] = []
    row = OutboxMessage(id=7, kind="ack", raw=RAW)
    detail = SpoolFolder(folder).send(row, lambda: points.append(True))
    assert points == [True]
    assert [p.name for p in folder.iterdir()] == ["00000007-ack.eml"]
    assert (folder / "00000007-ack.eml").read_bytes() == RAW
    assert detail == f"no relay configured: written to {folder / '00000007-ack.eml'}"


def test_a_dispatchers_round_sends_at_most_its_batch_and_tells_its_feed(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    first, second = queue(sessions, [PAT], case=True), queue(sessions, [SAM], case=True)
    feed = NotingFeed()
    dispatcher = Dispatcher(sessions, DropsAfterData(), SETTINGS, lambda: NOW, recover=False,
                            feed=feed)  # type: ignore[arg-type]  # fmt: skip
    dispatcher.batch = 1
    assert dispatcher.dispatch() == 0
    assert (row_of(sessions, first).state, row_of(sessions, second).state) == (
        "uncertain",
        "pending",
    )
    assert [text.endswith(f"`intake outbox resend {first}`.") for _, text in feed.posts] == [True]


def test_one_connection_carries_a_batch_and_addresses_go_in_a_labels(
    sessions: sessionmaker[Session], relay: Relay
) -> None:
    """The relay's connection is checked (NOOP) and reused within a round, not reopened per
    message; a recipient's international domain goes in the envelope as A-labels."""
    first = queue(sessions, [PAT])
    second = queue(sessions, ["ana@b\u00fccher.example"])
    assert dispatch(sessions, relay) == 2
    assert (row_of(sessions, first).state, row_of(sessions, second).state) == ("sent", "sent")
    assert len(relay.handler.peers) == 2 and len(set(relay.handler.peers)) == 1
    assert relay.envelopes[1] == ("accountteam@example.com", ["ana@xn--bcher-kva.example"])


def test_a_round_checks_leases_by_the_dispatchers_clock_and_says_when_more_is_due(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """A row `sending` whose lease ends after the dispatcher's now stays `sending` whatever
    the wall clock says; a round that sent a full batch says more may be waiting."""
    leased = left_sending(sessions)  # its lease ends at NOW + 1 h, long before today
    queue(sessions, [PAT]), queue(sessions, [SAM])
    dispatcher = Dispatcher(sessions, SpoolFolder(tmp_path), SETTINGS, lambda: NOW, recover=False)
    dispatcher.batch = 1
    assert dispatcher.round() is True
    assert row_of(sessions, leased).state == "sending"


def test_the_attempt_is_counted_when_the_row_is_committed_sending(
    sessions: sessionmaker[Session],
) -> None:
    """At the point of no return the row says `sending` with this attempt counted: a crash
    right after it leaves a row that shows what was tried."""
    seen: list[tuple[str, int]] = []

    class Peeks:
        timeout_seconds = 5.0

        def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
            commit_point()
            stored = row_of(sessions, row.id)
            seen.append((stored.state, stored.attempts))
            return "taken"

        def close(self) -> None:
            pass

    row_id = queue(sessions, [PAT], attempts=2)
    assert dispatch_due(sessions, Peeks(), SETTINGS, lambda: NOW) == 1  # type: ignore[arg-type]
    assert seen == [("sending", 3)]
    assert (row_of(sessions, row_id).state, row_of(sessions, row_id).attempts) == ("sent", 3)


def test_starttls_checks_the_relays_certificate(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """A relay whose certificate nobody vouches for (self-signed, as a man in the middle's
    would be) is not sent to: the attempt fails on verification and is retried later."""
    import ssl

    from aiosmtpd.controller import Controller

    from tests.certs import self_signed
    from tests.mailhelpers import SinkHandler, free_port

    cert, key = self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    handler, port = SinkHandler(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=tls)
    controller.start()
    try:
        row_id = queue(sessions, [PAT])
        settings = RelaySettings(address=f"127.0.0.1:{port}", starttls=True, timeout_seconds=5)
        transport = SmtpRelay(settings)
        try:
            assert dispatch_due(sessions, transport, SETTINGS, lambda: NOW) == 0
        finally:
            transport.close()
    finally:
        controller.stop()
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("pending", 1)
    assert "CERTIFICATE_VERIFY_FAILED" in (row.last_error or "")
    assert handler.received == []


def test_a_row_whose_lease_ran_out_while_the_relay_took_it_is_sent_and_logged(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    """The relay's 250 is proof: a row another dispatcher turned `uncertain` (its lease ran
    out during a slow answer) is `sent`, and the log names the row, kind and Message-ID."""

    class SlowRelay:
        timeout_seconds = 5.0

        def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
            commit_point()
            with sessions() as session, session.begin():
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id)
                    .values(state="uncertain")
                )
            return "250 queued as 7F3A"

        def close(self) -> None:
            pass

    row_id = queue(sessions, [PAT])
    with caplog.at_level(logging.INFO, logger="intake.outbox"):
        assert dispatch_due(sessions, SlowRelay(), SETTINGS, lambda: NOW) == 1  # type: ignore[arg-type]
    row = row_of(sessions, row_id)
    assert (row.state, row.attempts) == ("sent", 1)
    assert f"outbox #{row_id} ack {row.message_id} sent: 250 queued as 7F3A" in [
        r.getMessage() for r in caplog.records
    ]


def test_an_idle_round_lets_the_relay_connection_go(sessions: sessionmaker[Session]) -> None:
    """Nothing due: the transport is closed (no connection held open to the relay); rows
    sent: it stays open for the next round."""

    @dataclass
    class Counting:
        timeout_seconds: float = 5.0
        closed: int = 0

        def send(self, row: OutboxMessage, commit_point: PointOfNoReturn) -> str:
            commit_point()
            return "ok"

        def close(self) -> None:
            self.closed += 1

    transport = Counting()
    queue(sessions, [PAT])
    assert dispatch_due(sessions, transport, SETTINGS, lambda: NOW) == 1  # type: ignore[arg-type]
    assert transport.closed == 0
    assert dispatch_due(sessions, transport, SETTINGS, lambda: NOW) == 0  # type: ignore[arg-type]
    assert transport.closed == 1


def test_recovering_a_row_left_sending_logs_what_it_was(
    sessions: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    row_id = left_sending(sessions)
    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        Dispatcher(sessions, SpoolFolder(tmp_path), SETTINGS, lambda: NOW).setup()
    row = row_of(sessions, row_id)
    assert (
        f"outbox #{row_id} ack {row.message_id} to {PAT}: delivery uncertain (the bot stopped "
        "while handing this message to the relay); not resent"
    ) in [r.getMessage() for r in caplog.records]


def test_leases_are_checked_once_in_their_interval_not_every_round(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rounds come as often as mail is queued; the look for ended leases (a query over every
    row `sending`) comes once per LEASE_CHECK_SECONDS."""
    from intake.bot import outbox

    checks: list[str] = []
    monkeypatch.setattr(outbox, "recover_expired", lambda *a, **k: checks.append(a[1]) or [])
    dispatcher = Dispatcher(sessions, SpoolFolder(tmp_path), SETTINGS, lambda: NOW, recover=False)
    for _ in range(3):
        dispatcher.round()
    assert checks == ["email"]
