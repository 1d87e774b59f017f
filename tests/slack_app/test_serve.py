"""`intake serve` with Slack down, and with Slack off: an outage of the Web API never blocks
email intake, and without a Slack token no Slack events are taken (the HTTP front door
still serves /healthz)."""

from __future__ import annotations

import http.client
import json
import logging
import smtplib
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.bot.app import build_app
from intake.bot.config import Settings
from intake.bot.serve import serve
from intake.storage.models import OutboxMessage
from tests.conftest import ORG_FILE
from tests.mailhelpers import Sink, free_port, make_request, wait_for, wait_for_port
from tests.slack_api import FakeSlack
from tests.slack_app.helpers import SECRET, post, settings_for
from tests.test_pipeline import COMPLETE_QUOTE


@pytest.mark.parametrize("outage", ["500", "down"])
def test_a_slack_outage_never_blocks_email_intake(
    migrated_database_url: str, tmp_path: Path, slack: FakeSlack, outage: str
) -> None:
    if outage == "500":
        for _ in range(200):
            slack.fail_next("chat.postMessage", 500)
            slack.fail_next("auth.test", 500)
        api_url = slack.base_url
    else:
        api_url = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    smtp_port = free_port()
    with Sink() as sink:
        settings = settings_for(
            migrated_database_url,
            tmp_path,
            api_url,
            smtp={"listen": f"127.0.0.1:{smtp_port}"},
            relay={"address": sink.address},
        )
        app = build_app(settings)
        stop = threading.Event()
        thread = threading.Thread(target=serve, args=(app, stop), daemon=True)
        thread.start()
        try:
            wait_for_port(smtp_port)
            http_port = int(settings.slack.http_listen.rsplit(":", 1)[1])
            wait_for_port(http_port)
            request = make_request(
                sender="Alex Martin <alex.martin@example.com>",
                to="accountteam@example.com",
                subject="Quote please",
                body=COMPLETE_QUOTE,
            )
            started = time.monotonic()
            with smtplib.SMTP("127.0.0.1", smtp_port) as client:
                client.send_message(request)
            (ack,) = wait_for(lambda: sink.messages, timeout=15)
            assert time.monotonic() - started < 10
            assert ack["To"] == "alex.martin@example.com"
            assert ack["In-Reply-To"] == request["Message-ID"]
            assert "[CASE-000001]" in ack["Subject"]

            def slack_rows() -> list[OutboxMessage]:
                with app.sessions() as session:
                    stmt = select(OutboxMessage).where(OutboxMessage.channel == "slack")
                    return list(session.scalars(stmt))

            def tried() -> list[OutboxMessage]:
                # at least one attempt made and over (a row is `sending` during an attempt)
                rows = slack_rows()
                done = all(r.attempts >= 1 and r.state in ("pending", "failed") for r in rows)
                return rows if rows and done else []

            (row,) = wait_for(tried, timeout=10)
            assert row.kind == "slack_announce" and row.sent_at is None
            assert row.last_error
            if outage == "500":
                assert any(c.status == 500 for c in slack.calls_of("chat.postMessage"))
            assert slack.posts() == []
            # the endpoint still answers Slack
            body = json.dumps({"token": "x", "challenge": "c0ffee", "type": "url_verification"})
            assert post(http_port, body, "application/json")[0] == 200
        finally:
            stop.set()
            thread.join(15)
            app.close()
        assert not thread.is_alive()
        assert len(sink.messages) == 1


def test_serve_without_a_slack_token_takes_no_slack_events(
    migrated_database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="intake")
    smtp_port, http_port = free_port(), free_port()
    settings = Settings.model_validate(
        {
            "database": {"url": migrated_database_url},
            "bot": {"org": str(ORG_FILE)},
            "smtp": {"listen": f"127.0.0.1:{smtp_port}"},
            "relay": {"spool_dir": str(tmp_path / "spool")},
            "worker": {"poll_seconds": 0.05},
            "outbox": {"poll_seconds": 0.05},
            "slack": {"signing_secret": SECRET, "http_listen": f"127.0.0.1:{http_port}"},
        }
    )
    app = build_app(settings)
    assert app.pipeline.slack is None
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(app, stop), daemon=True)
    thread.start()
    try:
        wait_for_port(smtp_port)
        wait_for(lambda: any("intake serving" in r.getMessage() for r in caplog.records))
        with smtplib.SMTP("127.0.0.1", smtp_port) as client:
            client.send_message(
                make_request(
                    sender="Alex Martin <alex.martin@example.com>",
                    to="accountteam@example.com",
                    body=COMPLETE_QUOTE,
                )
            )
        wait_for(lambda: list((tmp_path / "spool").glob("*.eml")), timeout=15)
        # The HTTP front door runs for /healthz and /metrics; Slack's path is not served.
        body = json.dumps({"token": "x", "challenge": "c0ffee", "type": "url_verification"})
        assert post(http_port, body, "application/json")[0] == 404
        conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
        conn.close()
        with app.sessions() as session:
            kinds = [r.channel for r in session.scalars(select(OutboxMessage))]
        assert kinds == ["email"]
    finally:
        stop.set()
        thread.join(15)
        app.close()
    off = [r for r in caplog.records if "Slack off" in r.getMessage()]
    assert len(off) == 1
    assert not any("Slack on" in r.getMessage() for r in caplog.records)
