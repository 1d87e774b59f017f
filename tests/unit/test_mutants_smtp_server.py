"""Kills the mutants of bot/smtp_server.py that the rest of the suite let live
(`make mutation`): what the front door logs. An operator reading `intake.smtp` learns who was
refused at RCPT and from where, which message could not be stored (peer and size, with the
traceback), and each stored message's row (DEBUG)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest
from aiosmtpd.smtp import Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.smtp_server import TRY_LATER, IntakeHandler
from intake.storage import db
from intake.storage.models import InboundMessage
from tests.unit.builders import SERVICE, T0, new_session

PEER = ("192.0.2.7", 40000)
RAW = b"From: pat@example.net\r\nSubject: x\r\n\r\nbody\r\n"


def hook(call: Callable[[SmtpSession], Awaitable[str]]) -> str:
    async def run() -> str:
        session = SmtpSession(asyncio.get_running_loop())
        session.peer = PEER
        session.host_name = "mail.example.net"
        return await call(session)

    return asyncio.run(run())


def data(handler: IntakeHandler) -> str:
    envelope = Envelope()
    envelope.mail_from = "pat@example.net"
    envelope.rcpt_tos = [SERVICE]
    envelope.original_content = RAW
    return hook(lambda session: handler.handle_DATA(None, session, envelope))


def logged(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "intake.smtp"]


def test_a_refused_recipient_is_logged_with_the_peer(caplog: pytest.LogCaptureFixture) -> None:
    handler = IntakeHandler(sessionmaker(), [SERVICE], now=lambda: T0)
    with caplog.at_level(logging.INFO, logger="intake.smtp"):
        hook(lambda s: handler.handle_RCPT(None, s, Envelope(), "who@example.com", []))
    assert logged(caplog) == [
        (logging.INFO, "RCPT who@example.com from ('192.0.2.7', 40000) refused: not our mailbox")
    ]


def test_a_message_that_cannot_be_stored_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> Session:
        raise RuntimeError("database is gone")

    handler = IntakeHandler(broken, [SERVICE], now=lambda: T0)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="intake.smtp"):
        assert data(handler) == TRY_LATER
    assert logged(caplog) == [
        (logging.ERROR, f"could not store message from 192.0.2.7:40000 ({len(RAW)} bytes)")
    ]
    (record,) = [r for r in caplog.records if r.name == "intake.smtp"]
    assert record.exc_info is not None and "database is gone" in str(record.exc_info[1])


def test_a_stored_message_is_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    engine = new_session().get_bind()
    try:
        handler = IntakeHandler(db.make_sessionmaker(engine), [SERVICE], now=lambda: T0)  # type: ignore[arg-type]
        with caplog.at_level(logging.DEBUG, logger="intake.smtp"):
            assert data(handler) == "250 2.0.0 OK: stored as #1"
        assert logged(caplog) == [
            (logging.DEBUG, f"stored inbound #1 from 192.0.2.7:40000 ({len(RAW)} bytes)")
        ]
    finally:
        engine.dispose()


def test_a_session_without_peer_or_helo_and_an_empty_message_is_stored() -> None:
    """Nothing the session lacks may turn into a 451: no peer address, no HELO yet, no
    content (stored as b"", never as anything else)."""
    checked: list[tuple[bytes, str | None, str, str | None]] = []

    def verify(raw: bytes, ip: str | None, mail_from: str, helo: str | None) -> dict[str, str]:
        checked.append((raw, ip, mail_from, helo))
        return {"method": "none"}

    engine = new_session().get_bind()
    try:
        sessions = db.make_sessionmaker(engine)  # type: ignore[arg-type]
        handler = IntakeHandler(sessions, [SERVICE], now=lambda: T0, verify_sender=verify)
        envelope = Envelope()
        envelope.mail_from = "pat@example.net"
        envelope.rcpt_tos = [SERVICE]
        envelope.original_content = None

        async def run() -> str:
            session = SmtpSession(asyncio.get_running_loop())
            session.peer = None
            return await handler.handle_DATA(None, session, envelope)

        assert asyncio.run(run()) == "250 2.0.0 OK: stored as #1"
        assert checked == [(b"", None, "pat@example.net", None)]
        with sessions() as session:
            row = session.get(InboundMessage, 1)
            assert row is not None and (row.raw, row.peer) == (b"", None)
    finally:
        engine.dispose()
