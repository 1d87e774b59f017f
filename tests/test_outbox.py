"""The outbox dispatcher against a real SMTP relay (aiosmtpd): once, retried, never doubled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from intake.bot.config import OutboxSettings, RelaySettings
from intake.bot.outbox import SmtpRelay, SpoolFolder, dispatch_due, recover_interrupted
from intake.handlers.outgoing import queue_rendered
from intake.handlers.replies import ReplyRenderer
from intake.storage import db
from intake.storage.models import OutboxMessage
from tests.conftest import ROOT
from tests.mailhelpers import Sink, wait_for

NOW = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
FAST = OutboxSettings(backoff_first_seconds=60, max_attempts=3)


@pytest.fixture
def sessions(migrated_database_url: str):
    engine = db.make_engine(migrated_database_url)
    db.upgrade(engine)
    yield db.make_sessionmaker(engine)
    engine.dispose()


def queue(sessions, to: str = "pat@example.net", body_line: str = "Hello") -> int:
    renderer = ReplyRenderer(ROOT / "templates", "Intake")
    rendered = renderer.render(
        "refusal",
        {"mailbox": "accountteam@example.com", "allowed": "staff", "alternative": None},
        mailbox="accountteam@example.com",
        to=to,
        subject=f"Re: {body_line}",
        now=NOW,
        in_reply_to="<orig@example.net>",
    )
    with sessions() as session, session.begin():
        row = queue_rendered(
            session,
            rendered,
            kind="refusal",
            case=None,
            mail_from="accountteam@example.com",
            now=NOW,
        )
        session.flush()
        return row.id


def state_of(sessions, row_id: int) -> OutboxMessage:
    with sessions() as session:
        return session.get(OutboxMessage, row_id)


def test_sent_once_with_dots_and_headers_intact(sessions) -> None:
    row_id = queue(sessions, body_line=".leading dot")
    with Sink() as sink:
        relay = SmtpRelay(RelaySettings(address=sink.address))
        assert dispatch_due(sessions, relay, FAST, lambda: NOW) == 1
        assert dispatch_due(sessions, relay, FAST, lambda: NOW) == 0
        (msg,) = sink.messages
    row = state_of(sessions, row_id)
    assert row.state == "sent" and row.attempts == 1
    assert msg["Message-ID"] == row.message_id and msg["Auto-Submitted"] == "auto-replied"


def test_temporary_failure_backs_off_then_succeeds(sessions) -> None:
    row_id = queue(sessions)
    with Sink() as sink:
        sink.handler.fail_next = 1
        relay = SmtpRelay(RelaySettings(address=sink.address))
        assert dispatch_due(sessions, relay, FAST, lambda: NOW) == 0
        row = state_of(sessions, row_id)
        assert row.state == "pending" and row.attempts == 1 and "451" in row.last_error
        assert row.next_attempt_at >= NOW + timedelta(seconds=45)
        assert dispatch_due(sessions, relay, FAST, lambda: NOW) == 0  # not due yet
        later = NOW + timedelta(minutes=5)
        assert dispatch_due(sessions, relay, FAST, lambda: later) == 1
        assert len(sink.messages) == 1


def test_a_lost_answer_after_the_end_of_data_is_uncertain_never_resent(sessions) -> None:
    row_id = queue(sessions)
    with Sink() as sink:
        sink.handler.slow_next = 2.5  # the relay keeps the message but answers too late
        relay = SmtpRelay(RelaySettings(address=sink.address, timeout_seconds=1))
        assert dispatch_due(sessions, relay, FAST, lambda: NOW) == 0
        row = state_of(sessions, row_id)
        assert row.state == "uncertain" and "no answer after the end of DATA" in row.last_error
        later = NOW + timedelta(hours=1)
        assert dispatch_due(sessions, relay, FAST, lambda: later) == 0
        wait_for(lambda: len(sink.messages) == 1)
        assert len(sink.messages) == 1  # the relay has it once; we never sent it again


def test_refused_recipient_fails_at_once(sessions) -> None:
    row_id = queue(sessions, to="gone@example.net")
    with Sink() as sink:
        sink.handler.refuse.add("gone@example.net")
        relay = SmtpRelay(RelaySettings(address=sink.address))
        dispatch_due(sessions, relay, FAST, lambda: NOW)
        assert sink.messages == []
    row = state_of(sessions, row_id)
    assert row.state == "failed" and "refused" in row.last_error


def test_relay_down_is_retried_until_the_limit(sessions) -> None:
    row_id = queue(sessions)
    relay = SmtpRelay(RelaySettings(address="127.0.0.1:1", timeout_seconds=2))
    when = NOW
    for _ in range(FAST.max_attempts):
        dispatch_due(sessions, relay, FAST, lambda when=when: when)
        when += timedelta(days=1)
    row = state_of(sessions, row_id)
    assert row.state == "failed" and row.attempts == FAST.max_attempts


def test_crash_at_the_point_of_no_return_is_reported_not_resent(sessions, tmp_path) -> None:
    row_id = queue(sessions)

    class DiesAfterCommit(SpoolFolder):
        def send(self, row, commit_point):
            commit_point()
            raise SystemExit("killed")  # the process dies here

    with pytest.raises(SystemExit):
        dispatch_due(sessions, DiesAfterCommit(tmp_path), FAST, lambda: NOW)
    assert state_of(sessions, row_id).state == "sending"
    assert [r.id for r in recover_interrupted(sessions)] == [row_id]
    spool = SpoolFolder(tmp_path / "spool")
    assert dispatch_due(sessions, spool, FAST, lambda: NOW) == 0
    assert state_of(sessions, row_id).state == "uncertain"
    assert not (tmp_path / "spool").exists()


def test_without_a_relay_mail_is_spooled_to_files(sessions, tmp_path) -> None:
    row_id = queue(sessions)
    assert dispatch_due(sessions, SpoolFolder(tmp_path), FAST, lambda: NOW) == 1
    (path,) = tmp_path.glob("*.eml")
    with sessions() as session:
        raw = session.scalars(select(OutboxMessage.raw).where(OutboxMessage.id == row_id)).one()
    assert path.read_bytes() == raw


# --- one row never holds up another (issue 13, item 1) ----------------------------------


def test_a_utf8_mailbox_goes_out_with_smtputf8_when_the_relay_offers_it(sessions) -> None:
    row_id = queue(sessions, to="josé@example.net")
    with Sink(smtputf8=True) as sink:
        relay = SmtpRelay(RelaySettings(address=sink.address))
        assert dispatch_due(sessions, relay, FAST, lambda: NOW) == 1
        ((_, rcpts),) = sink.envelopes
        (raw,) = sink.raws
    assert rcpts == ["josé@example.net"]
    assert b"\r\nTo: jos\xc3\xa9@example.net\r\n" in b"\r\n" + raw  # RFC 6532, not =?utf-8?
    assert state_of(sessions, row_id).state == "sent"


def test_a_utf8_mailbox_fails_alone_when_the_relay_cannot_take_it(sessions) -> None:
    """The address that used to stop every later acknowledgement, for good."""
    stuck = queue(sessions, to="josé@example.net")
    behind = [queue(sessions, to=f"pat{i}@example.net") for i in range(3)]
    with Sink() as sink:  # no SMTPUTF8, like many relays
        relay = SmtpRelay(RelaySettings(address=sink.address))
        assert dispatch_due(sessions, relay, FAST, lambda: NOW) == 3
        assert [rcpts for _, rcpts in sink.envelopes] == [[f"pat{i}@example.net"] for i in range(3)]
        assert dispatch_due(sessions, relay, FAST, lambda: NOW + timedelta(days=1)) == 0
    row = state_of(sessions, stuck)
    assert row.state == "failed" and "SMTPUTF8" in row.last_error and row.attempts == 1
    assert all(state_of(sessions, r).state == "sent" for r in behind)


def test_an_internationalised_domain_is_written_in_a_labels(sessions) -> None:
    row_id = queue(sessions, to="pat@bücher.example")
    with Sink() as sink:
        relay = SmtpRelay(RelaySettings(address=sink.address))
        assert dispatch_due(sessions, relay, FAST, lambda: NOW) == 1
        ((_, rcpts),) = sink.envelopes
        (msg,) = sink.messages
    assert rcpts == ["pat@xn--bcher-kva.example"] and msg["To"] == "pat@xn--bcher-kva.example"
    row = state_of(sessions, row_id)
    assert row.state == "sent" and row.recipients == ["pat@xn--bcher-kva.example"]


def test_an_unexpected_error_fails_its_row_and_the_queue_moves_on(sessions) -> None:
    first, second = queue(sessions, to="a@example.net"), queue(sessions, to="b@example.net")

    class Fussy:
        sent: list[int] = []

        def send(self, row, commit_point):
            if row.id == first:
                raise KeyError("a bug in a transport")
            commit_point()
            self.sent.append(row.id)
            return "ok"

        def close(self) -> None:
            pass

    transport = Fussy()
    assert dispatch_due(sessions, transport, FAST, lambda: NOW) == 1
    assert transport.sent == [second]
    row = state_of(sessions, first)
    assert row.state == "failed" and "KeyError" in row.last_error


def test_a_non_ascii_message_id_is_left_out_of_our_threading_headers() -> None:
    """Written as an encoded-word it would thread nothing; the case number still does."""
    renderer = ReplyRenderer(ROOT / "templates", "Intake")
    rendered = renderer.render(
        "refusal",
        {"mailbox": "accountteam@example.com", "allowed": "staff", "alternative": None},
        mailbox="accountteam@example.com",
        to="pat@example.net",
        subject="Re: hello",
        now=NOW,
        in_reply_to="<café@example.net>",
        references=("<plain@example.net>", "<naïve@example.net>"),
    )
    head = rendered.raw.split(b"\r\n\r\n")[0]
    assert b"=?" not in head.replace(b"=?utf-8?q?Intake", b"")
    assert b"References: <plain@example.net>\r\n" in head and b"In-Reply-To" not in head
