"""A row's way through the relay: what becomes of an email row for each answer the loopback
relay (aiosmtpd) gives, scripted by the test.

The rules that matter to a customer: a temporary refusal (4xx) at RCPT is retried, never
taken as a bounce (a greylisting relay would otherwise lose every first acknowledgement);
251 ("not local, will forward") is a success; a permanent failure is an attempt like any
other (the operator reads `attempts` to see what was tried); a row that was handed over is
never sent again (a lease that ended in `sending` leaves it `uncertain`, never `pending`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.outbox import PointOfNoReturn, SpoolFolder, dispatch_due, recover_expired
from intake.storage.models import OutboxMessage
from tests.unit.builders import QUOTES, make_case
from tests.unit.infra import Relay
from tests.unit.outbox.helpers import NOW, PAT, RAW, SAM, SETTINGS, H, dispatch, queue, row_of


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


def test_an_8bit_body_under_ascii_headers_needs_no_smtputf8(
    sessions: sessionmaker[Session], relay: Relay
) -> None:
    """Only the header block decides SMTPUTF8: a UTF-8 body (a customer's "crème" quoted
    back, with blank lines after it) goes to a relay that does not offer it."""
    raw = RAW.replace(b"We have your request.\r\n", "Cr\u00e8me door.\r\n\r\nThanks\r\n".encode())
    row_id = queue(sessions, [PAT], raw=raw)
    assert dispatch(sessions, relay) == 1
    assert row_of(sessions, row_id).state == "sent"


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
