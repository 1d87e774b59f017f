"""bot/smtp_server.py, the SMTP front door: its aiosmtpd hooks called directly with aiosmtpd's
own `Session` and `Envelope`, then one real smtplib session against the server it builds.

What matters here: a recipient is ours whatever case it is written in (RFC 5321 leaves the
local part's case to the receiver, and senders' clients write `ConnectYou@Example.com`); a
null envelope sender is stored as "" so the worker knows a bounce; a message is answered
250 only once it is committed, and 451 (try again) when it could not be.
"""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.smtp import Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.smtp_server import (
    MAX_LINE_OCTETS,
    OK_QUEUED,
    REJECT_RECIPIENT,
    TRY_LATER,
    IntakeHandler,
    make_controller,
)
from intake.storage import db
from intake.storage.models import InboundMessage
from tests.mailhelpers import free_port
from tests.unit.builders import QUOTES, SERVICE, T0, raw_mail

MAILBOXES = ["ConnectYou@Example.com", QUOTES]  # as an organisation file may write them
VERDICT = {"method": "none", "peer": "192.0.2.7"}


class Calls:
    """What the handler told its collaborators: `on_stored` and `verify_sender` calls."""

    def __init__(self) -> None:
        self.stored = 0
        self.checked: list[tuple[bytes, str | None, str, str | None]] = []

    def on_stored(self) -> None:
        self.stored += 1

    def verify_sender(
        self, raw: bytes, peer_ip: str | None, mail_from: str, helo: str | None
    ) -> dict[str, Any]:
        self.checked.append((raw, peer_ip, mail_from, helo))
        return dict(VERDICT)


@pytest.fixture
def sessions(any_engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield db.make_sessionmaker(any_engine)


def handler_for(sessions: sessionmaker[Session], calls: Calls) -> IntakeHandler:
    return IntakeHandler(
        sessions,
        MAILBOXES,
        now=lambda: T0,
        on_stored=calls.on_stored,
        verify_sender=calls.verify_sender,
    )


def hook(call: Callable[[SmtpSession], Awaitable[str]]) -> str:
    """Run one hook as aiosmtpd does: in its loop, with the client's session."""

    async def run() -> str:
        session = SmtpSession(asyncio.get_running_loop())
        session.peer = ("192.0.2.7", 40000)
        session.host_name = "mail.example.net"
        return await call(session)

    return asyncio.run(run())


def rcpt(handler: IntakeHandler, envelope: Envelope, address: str) -> str:
    return hook(lambda session: handler.handle_RCPT(None, session, envelope, address, []))


def data(handler: IntakeHandler, mail_from: str | None, raw: bytes) -> str:
    envelope = Envelope()
    envelope.mail_from = mail_from
    envelope.rcpt_tos = [SERVICE]
    envelope.original_content = raw
    return hook(lambda session: handler.handle_DATA(None, session, envelope))


def inbox(sessions: sessionmaker[Session]) -> list[InboundMessage]:
    with sessions() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


# --- RCPT ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "connectyou@example.com",
        "CONNECTYOU@EXAMPLE.COM",
        "ConnectYou@example.COM",
        " ConnectYou@Example.com",
    ],
)
def test_our_mailbox_is_taken_in_any_case(address: str) -> None:
    """The sender's spelling is kept in the envelope; the inbox stores it lower-cased."""
    handler = IntakeHandler(sessionmaker(), MAILBOXES, now=lambda: T0)
    envelope = Envelope()
    assert rcpt(handler, envelope, address) == "250 2.1.5 OK"
    assert envelope.rcpt_tos == [address]


@pytest.mark.parametrize(
    "address", ["someone@example.com", "connectyou@example.com.evil.net", "connectyou", ""]
)
def test_any_other_recipient_is_refused_for_good(address: str) -> None:
    """Never an open relay: 550 at RCPT, and the envelope does not take it."""
    handler = IntakeHandler(sessionmaker(), MAILBOXES, now=lambda: T0)
    envelope = Envelope()
    assert rcpt(handler, envelope, address) == REJECT_RECIPIENT.format(address=address)
    assert envelope.rcpt_tos == []


def test_a_refusal_names_at_most_254_characters_of_the_address() -> None:
    handler = IntakeHandler(sessionmaker(), MAILBOXES, now=lambda: T0)
    address = "x" * 300 + "@example.net"
    reply = rcpt(handler, Envelope(), address)
    assert reply == f"550 5.1.1 <{'x' * 254}>: no such mailbox here (this server is not a relay)"


# --- DATA ------------------------------------------------------------------------------------


@pytest.mark.parametrize("null", [None, "<>", ""])
def test_a_null_envelope_sender_is_stored_as_empty(
    sessions: sessionmaker[Session], null: str | None
) -> None:
    """A bounce must look like a bounce to the worker's auto-mail guard: "" and never NULL."""
    calls = Calls()
    raw = raw_mail("Delivery failed", sender="MAILER-DAEMON@mx.example.net")
    reply = data(handler_for(sessions, calls), null, raw)
    (row,) = inbox(sessions)
    assert reply == OK_QUEUED.format(id=row.id)
    assert row.mail_from == ""
    assert calls.checked == [(raw, "192.0.2.7", "", "mail.example.net")]


def test_a_message_is_stored_with_its_envelope_then_answered(
    sessions: sessionmaker[Session],
) -> None:
    calls = Calls()
    raw = raw_mail("Hello", sender="Pat <pat@example.net>").replace(b"\n", b"\r\n")
    envelope = Envelope()
    envelope.mail_from = "Pat@Example.net"
    envelope.original_content = raw
    handler = handler_for(sessions, calls)
    assert rcpt(handler, envelope, "ConnectYou@EXAMPLE.com") == "250 2.1.5 OK"
    reply = hook(lambda session: handler.handle_DATA(None, session, envelope))
    (row,) = inbox(sessions)
    assert reply == f"250 2.0.0 OK: stored as #{row.id}"
    assert (row.channel, row.raw, row.mail_from, row.rcpt_tos) == (
        "smtp",
        raw,
        "Pat@Example.net",
        ["connectyou@example.com"],
    )
    assert (row.peer, row.received_at, row.sender_auth, row.state) == (
        "192.0.2.7:40000",
        T0,
        VERDICT,
        "new",
    )
    assert calls.stored == 1


def test_a_message_that_cannot_be_stored_is_answered_451_and_nobody_is_woken() -> None:
    """A database without the schema: the sender keeps the message and tries again."""
    broken = sessionmaker(create_engine("sqlite://"))
    calls = Calls()
    assert data(handler_for(broken, calls), "pat@example.net", raw_mail("Hi")) == TRY_LATER
    assert TRY_LATER.startswith("451 ")
    assert calls.stored == 0


# --- a real session -------------------------------------------------------------------------


def test_a_real_smtp_session(sessions: sessionmaker[Session]) -> None:
    """smtplib against the server `make_controller` builds: a bounce to a mixed-case
    recipient, a stranger refused in the same transaction, a line far beyond 998 octets and
    a dot-stuffed line; then a sender with a UTF-8 mailbox (SMTPUTF8); then a message over
    the size limit, refused with 552 and not stored."""
    calls = Calls()
    port = free_port()
    controller = make_controller(
        handler_for(sessions, calls), "127.0.0.1", port, hostname="intake.test", max_size=50_000
    )
    long_line = b"x" * 20_000
    bounce = raw_mail("see below").replace(b"\n", b"\r\n") + b".dot first\r\n" + long_line + b"\r\n"
    hello = raw_mail("Hola").replace(b"\n", b"\r\n")
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo("mail.example.net")
            assert client.mail("") == (250, b"OK")
            assert client.rcpt("CONNECTYOU@Example.com") == (250, b"2.1.5 OK")
            refused = REJECT_RECIPIENT.format(address="nobody@example.com")
            assert client.rcpt("nobody@example.com") == (550, refused[4:].encode())
            answers = [client.data(bounce)]
            assert client.mail("jos\u00e9@example.net", ["SMTPUTF8"]) == (250, b"OK")
            assert client.rcpt(QUOTES) == (250, b"2.1.5 OK")
            answers.append(client.data(hello))
            assert client.mail("pat@example.net") == (250, b"OK")
            assert client.rcpt(QUOTES) == (250, b"2.1.5 OK")
            too_big = client.data(b"Subject: big\r\n\r\n" + b"y" * 60_000 + b"\r\n")
    finally:
        controller.stop()
    first, second = inbox(sessions)
    assert answers == [(250, f"2.0.0 OK: stored as #{r.id}".encode()) for r in (first, second)]
    assert too_big[0] == 552
    assert (first.mail_from, first.rcpt_tos, first.raw) == ("", ["connectyou@example.com"], bounce)
    assert (second.mail_from, second.rcpt_tos, second.raw) == (
        "jos\u00e9@example.net",
        [QUOTES],
        hello,
    )
    assert first.peer is not None and first.peer.startswith("127.0.0.1:")
    assert calls.stored == 2
    assert calls.checked == [
        (bounce, "127.0.0.1", "", "mail.example.net"),
        (hello, "127.0.0.1", "jos\u00e9@example.net", "mail.example.net"),
    ]
    assert len(long_line) < MAX_LINE_OCTETS
