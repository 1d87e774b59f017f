"""The SMTP front door against real SMTP peers: smtplib in, aiosmtpd as the relay out."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from intake.bot.config import Settings
from intake.storage import db
from intake.storage.models import Case
from tests.conftest import settings_for
from tests.mailhelpers import Sink, free_port, make_request, serving, settled_outbox, wait_for

pytestmark = pytest.mark.slow


def serve_settings(
    database_url: str, smtp_port: int, relay: str, tmp_path: Path, max_size: int = 200_000
) -> Settings:
    """The shared settings (tests/conftest.py) and what `intake serve` needs beyond them: a
    listener, a relay, and loops that poll fast enough for a test."""
    return settings_for(
        database_url,
        smtp={"listen": f"127.0.0.1:{smtp_port}", "max_message_size": max_size},
        relay={"address": relay, "spool_dir": str(tmp_path / "spool")},
        worker={"poll_seconds": 0.1},
        outbox={"poll_seconds": 0.1, "backoff_first_seconds": 0.2},
    )


@pytest.fixture
def running(
    request: pytest.FixtureRequest, migrated_database_url: str, tmp_path: Path
) -> Iterator[tuple[int, Sink, Settings]]:
    """`intake serve` in a thread, relaying to a sink (indirect parameters: the Sink's)."""
    with Sink(**getattr(request, "param", {})) as sink:
        port = free_port()
        settings = serve_settings(migrated_database_url, port, sink.address, tmp_path)
        with serving(settings):
            yield port, sink, settings


def test_request_gets_a_numbered_acknowledgement_through_the_relay(running) -> None:
    port, sink, settings = running
    request = make_request()
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.send_message(request)
    ack = wait_for(lambda: sink.messages)[0]
    assert ack["To"] == "pat@example.net"
    assert ack["In-Reply-To"] == request["Message-ID"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["Subject"] == "[CASE-000001] Foggy window in the kitchen"
    assert "CASE-000001" in ack.get_body(("plain",)).get_content()
    # The sink has the ack before the dispatcher commits `sent`: wait for the row to say so.
    assert settled_outbox(settings.database.url) == [("sent", ack["Message-ID"])]
    engine = db.make_engine(settings.database.url)
    with db.make_sessionmaker(engine)() as session:
        case = session.scalars(select(Case)).one()
        assert case.queue == "service"
    engine.dispose()


def test_unknown_recipient_is_refused_with_550(running) -> None:
    port, sink, _ = running
    with (
        smtplib.SMTP("127.0.0.1", port) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as err,
    ):
        client.sendmail(
            "pat@example.net", ["someone@elsewhere.example.org"], b"Subject: x\r\n\r\nx"
        )
    ((code, _),) = err.value.recipients.values()
    assert code == 550


def test_oversized_message_is_refused_with_552(running) -> None:
    port, _, settings = running
    big = make_request(body=("x" * 70 + "\n") * (settings.smtp.max_message_size // 70 + 100))
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.ehlo()
        code, _ = client.mail("pat@example.net")  # no SIZE: the limit is enforced on DATA too
        assert code == 250
        assert client.rcpt("connectyou@example.com")[0] == 250
        code, _ = client.data(big.as_bytes(policy=big.policy.clone(linesep="\r\n")))
    assert code == 552


def test_storage_failure_answers_451_and_the_retry_is_kept(
    running, migrated_database_url: str
) -> None:
    port, sink, settings = running
    engine = create_engine(migrated_database_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE inbound_messages RENAME TO inbound_messages_away"))
    request = make_request(subject="Door will not latch")
    try:
        with (
            smtplib.SMTP("127.0.0.1", port) as client,
            pytest.raises(smtplib.SMTPDataError) as err,
        ):
            client.send_message(request)
        assert err.value.smtp_code == 451
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE inbound_messages_away RENAME TO inbound_messages"))
    with smtplib.SMTP("127.0.0.1", port) as client:  # what the sending MTA does next
        client.send_message(request)
    wait_for(lambda: sink.messages)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from inbound_messages")).scalar() == 1
    engine.dispose()


def test_relay_trouble_is_retried_and_the_ack_sent_once(running) -> None:
    port, sink, settings = running
    sink.handler.fail_next = 2
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.send_message(make_request())
    wait_for(lambda: sink.messages, timeout=30)
    with sink.handler.lock:
        assert sink.handler.fail_next == 0
    # Its row sent and none waiting: nothing is left that could be sent a second time.
    ((state, message_id),) = settled_outbox(settings.database.url)
    assert state == "sent" and [m["Message-ID"] for m in sink.messages] == [message_id]


def test_second_delivery_of_the_same_message_changes_nothing(
    running, migrated_database_url
) -> None:
    port, sink, _ = running
    request = make_request()
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.send_message(request)
        client.send_message(request)
    engine = create_engine(migrated_database_url)

    def both_done() -> bool:
        with engine.connect() as conn:
            return (
                conn.execute(
                    text("select count(*) from inbound_messages where state = 'done'")
                ).scalar()
                == 2
            )

    wait_for(both_done)
    wait_for(lambda: sink.messages)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from cases")).scalar() == 1
        reasons = [r for (r,) in conn.execute(text("select reason from inbound_messages"))]
    assert any("duplicate" in (r or "") for r in reasons)
    assert len(sink.messages) == 1
    engine.dispose()


UTF8_SENDER = (
    "From: =?utf-8?q?Jos=C3=A9?= <jos\xc3\xa9@example.net>\r\n"
    "To: connectyou@example.com\r\nSubject: Foggy window\r\n"
    "Message-ID: <utf8-sender@example.net>\r\nDate: Mon, 02 Nov 2026 09:00:00 -0700\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "The kitchen window is foggy.\r\nPhone: 403-555-0188\r\nAddress: 12 Elm St, Calgary\r\n"
).encode("latin-1")


@pytest.mark.parametrize("running", [{"smtputf8": True}], indirect=True)
def test_a_utf8_sender_is_acknowledged_through_an_smtputf8_relay(running) -> None:
    port, sink, _ = running
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail("bounces@example.net", ["connectyou@example.com"], UTF8_SENDER)
    wait_for(lambda: sink.count == 1)
    ((_, rcpts),) = sink.envelopes
    assert rcpts == ["josé@example.net"]
    assert "[CASE-000001]" in sink.messages[0]["Subject"]


def test_a_utf8_sender_does_not_hold_up_the_next_acknowledgement(running) -> None:
    """The relay offers no SMTPUTF8: that one acknowledgement fails, the next one goes."""
    port, sink, settings = running
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail("bounces@example.net", ["connectyou@example.com"], UTF8_SENDER)
        client.send_message(make_request(sender="Pat <pat@bücher.example>"))
    ack = wait_for(lambda: sink.messages)[0]
    assert ack["To"] == "pat@xn--bcher-kva.example" and "[CASE-000002]" in ack["Subject"]
    engine = db.make_engine(settings.database.url)
    with engine.connect() as conn:
        states = dict(conn.execute(text("SELECT recipient, state FROM outbox")).all())
    engine.dispose()
    assert states["josé@example.net"] == "failed"
