"""The connection to the relay (bot/outbox.py `SmtpRelay`): a refused sender at MAIL FROM,
the login with the configured password, one connection (checked with NOOP) carrying a
round's batch with international domains as A-labels, STARTTLS that checks the relay's
certificate, and the connection let go when a round finds nothing due."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.config import RelaySettings
from intake.bot.outbox import PointOfNoReturn, SmtpRelay, dispatch_due
from intake.storage.models import OutboxMessage
from tests.unit.infra import Relay
from tests.unit.outbox.helpers import NOW, PAT, SETTINGS, dispatch, queue, row_of


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
