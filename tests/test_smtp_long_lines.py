"""Lines longer than RFC 5321's 998 octets at the SMTP front door, with a real smtplib client.

Outlook and Exim send such lines and Postfix and Exchange accept them; aiosmtpd's default
answered them `500 Line too long`, a permanent refusal, so real mail bounced. Each message is
checked to be stored byte for byte as it was sent.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.smtp_server import MAX_LINE_OCTETS, IntakeHandler, make_controller
from intake.storage import db
from intake.storage.models import InboundMessage
from tests.mailhelpers import free_port

pytestmark = pytest.mark.slow

MAILBOX = "connectyou@example.com"
RFC_LIMIT = 998  # octets of a line without CRLF (RFC 5321 4.5.3.1.6, RFC 5322 2.1.1)


@pytest.fixture
def front_door(migrated_database_url: str) -> Iterator[tuple[int, sessionmaker[Session]]]:
    """The real front door (handler and controller) storing into a fresh database."""
    engine = db.make_engine(migrated_database_url)
    db.upgrade(engine)
    sessions = db.make_sessionmaker(engine)
    handler = IntakeHandler(sessions, [MAILBOX], lambda: datetime.now(UTC))
    port = free_port()
    controller = make_controller(
        handler, "127.0.0.1", port, hostname="intake.test", max_size=25 * 1024 * 1024
    )
    controller.start()
    try:
        yield port, sessions
    finally:
        controller.stop()
        engine.dispose()


def stored(sessions: sessionmaker[Session]) -> list[bytes]:
    with sessions() as session:
        return list(session.scalars(select(InboundMessage.raw).order_by(InboundMessage.id)))


def send(client: smtplib.SMTP, raw: bytes) -> tuple[int, bytes]:
    """One transaction; the reply to the end of DATA (smtplib dot-stuffs the lines)."""
    client.ehlo_or_helo_if_needed()
    assert client.mail("pat@example.net")[0] == 250
    assert client.rcpt(MAILBOX)[0] == 250
    return client.data(raw)


def message(*body_lines: bytes) -> bytes:
    head = [
        b"From: Pat <pat@example.net>",
        b"To: " + MAILBOX.encode(),
        b"Subject: Foggy window, long lines",
        b"Message-ID: <long-lines@example.net>",
        b"",
    ]
    return b"\r\n".join([*head, *body_lines]) + b"\r\n"


def as_sent_by_an_mta(raw: bytes) -> bytes:
    """Line ends as they travel in SMTP: CRLF for every line end, one at the end."""
    crlf = re.sub(rb"\r\n|\n|\r", b"\r\n", raw)
    return crlf if crlf.endswith(b"\r\n") else crlf + b"\r\n"


def longest_line(raw: bytes) -> int:
    return max(len(line) for line in raw.split(b"\r\n"))


def test_lines_of_5000_and_200000_octets_are_stored_byte_identical(front_door) -> None:
    port, sessions = front_door
    raw = message(
        b"The unit is foggy. " + b"x" * (5_000 - 19),
        b"<p>" + b"y" * (200_000 - 7) + b"</p>",
        b".a line that starts with a dot, " + b"z" * 3_000,  # dot-stuffed on the wire
        b"Name: Pat Lee",
    )
    assert sorted(len(line) for line in raw.split(b"\r\n"))[-3:] == [3_032, 5_000, 200_000]
    with smtplib.SMTP("127.0.0.1", port) as client:
        code, reply = send(client, raw)
    assert code == 250, reply
    assert stored(sessions) == [raw]


def test_a_line_at_the_limit_is_taken_one_octet_more_is_refused_and_the_session_goes_on(
    front_door,
) -> None:
    port, sessions = front_door
    at_limit = message(b"a" * MAX_LINE_OCTETS)
    # A leading dot travels doubled: this line is at the limit on the wire.
    dotted = message(b"." + b"c" * (MAX_LINE_OCTETS - 2))
    too_long = message(b"b" * (MAX_LINE_OCTETS + 1))
    small = message(b"Name: Pat Lee")
    with smtplib.SMTP("127.0.0.1", port) as client:
        assert send(client, at_limit)[0] == 250
        assert send(client, dotted)[0] == 250
        code, reply = send(client, too_long)
        assert code == 500 and b"Line too long" in reply
        assert client.rset()[0] == 250
        assert send(client, small)[0] == 250
    assert stored(sessions) == [at_limit, dotted, small]


def test_every_wild_corpus_message_with_a_long_line_is_accepted(front_door, corpus: Path) -> None:
    port, sessions = front_door
    long_ones = []
    for path in sorted((corpus / "wild").glob("*.eml")):
        raw = as_sent_by_an_mta(path.read_bytes())
        if longest_line(raw) > RFC_LIMIT:
            long_ones.append((path.name, raw))
    # 6 when this was written (Outlook, Exim, Zammad's and talon's samples); the longest is a
    # 707,606-octet quoted reply.
    assert len(long_ones) >= 6
    assert max(longest_line(raw) for _, raw in long_ones) > 700_000
    answers = {}
    with smtplib.SMTP("127.0.0.1", port) as client:
        for name, raw in long_ones:
            answers[name] = send(client, raw)[0]
    assert answers == {name: 250 for name, _ in long_ones}
    assert stored(sessions) == [raw for _, raw in long_ones]
