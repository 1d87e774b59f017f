"""`GET /healthz` and `GET /metrics` over HTTP while `intake serve` runs (issue 14, item 7).

The bot is a real `intake serve` process with Slack off, on each database backend; mail
arrives over real SMTP; the answers are read with a plain HTTP client and the metrics with
prometheus-client's own parser. The database is then taken away for real (the SQLite file
moved aside, the PostgreSQL database dropped) and the bot must say so.
"""

from __future__ import annotations

import http.client
import shutil
import signal
import smtplib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from tests.conftest import ORG_FILE, PG_ADMIN_URL
from tests.mailhelpers import free_port, make_request, start_intake, wait_for, wait_for_port

pytestmark = pytest.mark.slow


@dataclass
class Running:
    smtp: int
    http: int
    log: Path
    database_url: str

    def get(self, path: str) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.http, timeout=15)
        try:
            conn.request("GET", path)
            answer = conn.getresponse()
            return answer.status, answer.getheader("Content-Type") or "", answer.read().decode()
        finally:
            conn.close()

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        status, kind, body = self.get("/metrics")
        assert status == 200 and kind.startswith("text/plain; version=")
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body)
            for s in family.samples
        }


@pytest.fixture
def bot(database_url: str, tmp_path: Path) -> Iterator[Running]:
    smtp, port = free_port(), free_port()
    config = tmp_path / "intake.toml"
    config.write_text(
        f'[database]\nurl = "{database_url}"\n'
        f'[smtp]\nlisten = "127.0.0.1:{smtp}"\n'
        f'[slack]\nhttp_listen = "127.0.0.1:{port}"\n'
        f'[relay]\nspool_dir = "{tmp_path}/spool"\n'
        f'[bot]\norg = "{ORG_FILE}"\n'
        "[worker]\npoll_seconds = 0.05\n[outbox]\npoll_seconds = 0.05\n"
    )
    log = tmp_path / "serve.log"
    proc = start_intake(config, cwd=tmp_path, port=smtp, log=log)
    try:
        wait_for_port(port)  # the front door starts just after the SMTP listener
        yield Running(smtp, port, log, database_url)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def sample(metrics: dict, name: str, **labels: str) -> float:
    return metrics[(name, tuple(sorted(labels.items())))]


def test_healthz_is_200_while_the_bot_runs_slack_off(bot: Running) -> None:
    assert bot.get("/healthz")[:3:2] == (200, "ok\n")
    assert bot.get("/healthz?verbose")[0] == 200
    assert bot.get("/nothing")[0] == 404
    assert bot.get("/slack/events")[0] == 405


def test_metrics_count_what_the_bot_did_and_what_waits(bot: Running) -> None:
    before = bot.metrics()
    assert sample(before, "intake_database_up") == 1
    assert sample(before, "intake_inbox_backlog") == 0
    assert sample(before, "intake_inbox_oldest_unprocessed_seconds") == 0
    for channel in ("email", "slack"):
        for state in ("pending", "sending", "uncertain", "failed"):
            assert sample(before, "intake_outbox_messages", channel=channel, state=state) == 0
    assert sample(before, "intake_sla_clocks", state="running") == 0

    with smtplib.SMTP("127.0.0.1", bot.smtp) as client:
        client.send_message(make_request())  # a service request: a new case
        client.send_message(make_request(extra={"Auto-Submitted": "auto-replied"}))  # ignored

    def processed() -> dict:
        m = bot.metrics()
        done = sum(v for (name, _), v in m.items() if name == "intake_messages_processed_total")
        return m if done == 2 else {}

    after = wait_for(processed, timeout=30)
    assert sample(after, "intake_messages_processed_total", channel="smtp", outcome="new_case") == 1
    assert sample(after, "intake_messages_processed_total", channel="smtp", outcome="ignore") == 1
    assert sample(after, "intake_processing_seconds_count", channel="smtp") == 2
    assert 0 < sample(after, "intake_processing_seconds_sum", channel="smtp") < 30
    assert sample(after, "intake_processing_seconds_bucket", channel="smtp", le="+Inf") == 2
    assert sample(after, "intake_inbox_backlog") == 0
    # the new service request's answer clock runs, and nothing is past due yet
    assert sample(after, "intake_sla_clocks", state="running") >= 1
    assert sample(after, "intake_sla_clocks_breached") == 0


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        shutil.move(path, path.with_suffix(".gone"))
        return
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_healthz_is_503_with_the_reason_when_the_database_goes(bot: Running) -> None:
    assert bot.get("/healthz")[0] == 200
    drop_database(bot.database_url)
    status, _, body = bot.get("/healthz")
    assert status == 503
    lines = body.splitlines()
    assert lines[0] == "unhealthy"
    assert lines[1].startswith("database: ")
    assert "does not exist" in lines[1] or "unable to open database file" in lines[1]
    metrics = bot.metrics()
    assert sample(metrics, "intake_database_up") == 0
    assert "healthz: database: " in bot.log.read_text()


def test_healthz_is_503_when_a_listener_stopped(sqlite_url: str) -> None:
    """The listener check, on a front door of its own (a real socket, a real database)."""
    from intake.bot.health import Health, side_engine, start_http
    from intake.bot.metrics import Metrics
    from intake.storage import db

    engine = db.make_engine(sqlite_url)
    db.upgrade(engine)
    running = {"smtp": True}
    health = Health(side_engine(engine), {"smtp": lambda: running["smtp"]})
    port = free_port()
    server, _ = start_http(f"127.0.0.1:{port}", health, Metrics(side_engine(engine), _now))
    probe = Running(0, port, Path("/dev/null"), sqlite_url)
    try:
        assert probe.get("/healthz")[0] == 200
        running["smtp"] = False
        assert probe.get("/healthz")[::2] == (503, "unhealthy\nsmtp: not running\n")
    finally:
        server.shutdown()
        health.close()
        engine.dispose()


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_a_processed_message_counts_when_its_transaction_commits_not_its_savepoint() -> None:
    """The worker runs the pipeline in a savepoint and SQLAlchemy fires after_commit for its
    release too: counted there, a scrape could show a message processed whose row still
    waits (the flake this test pins), or count an attempt the outer transaction undoes."""
    from sqlalchemy.orm import sessionmaker

    from intake.bot.metrics import Metrics
    from intake.handlers.pipeline import PROCESSED

    engine = create_engine("sqlite://")
    metrics = Metrics(engine, _now)
    sessions = sessionmaker(engine)
    metrics.watch(sessions)

    def counted() -> float:
        labels = {"channel": "smtp", "outcome": "new_case"}
        return metrics.registry.get_sample_value("intake_messages_processed_total", labels) or 0

    with sessions() as session, session.begin():
        with session.begin_nested():
            session.info.setdefault(PROCESSED, []).append(("smtp", "new_case", None))
        assert counted() == 0  # released, not committed
    assert counted() == 1
    with sessions() as session:
        session.begin()
        with session.begin_nested():
            session.info.setdefault(PROCESSED, []).append(("smtp", "new_case", None))
        session.rollback()
    assert counted() == 1  # rolled back: counts nothing
