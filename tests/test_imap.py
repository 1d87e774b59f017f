"""The IMAP front door (issue 12) against a real Dovecot (tests/dovecot.py).

Each test starts its own Dovecot on a free loopback port and `intake serve` in a thread
(relaying to an aiosmtpd sink), APPENDs messages as another mail client would, and reads
the outcome from the database, the sink and the server's folders. Then the settings, the
start-up refusals (through the real `intake serve` process) and the sender verdict alone.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from imapclient import IMAPClient
from sqlalchemy import select

from intake.bot import imap_poller
from intake.bot.config import ConfigError, Settings, load_settings
from intake.bot.imap_front import ImapStartError, check_account
from intake.bot.imap_settings import ImapAccount, parse_imap_url
from intake.handlers.senders import SenderPolicy, judge
from intake.storage.models import Case, ImapCheckpoint, InboundMessage
from tests import dovecot as dovecot_helper
from tests.conftest import ORG_FILE, ROOT
from tests.dovecot import Dovecot
from tests.mailhelpers import Sink, free_port, make_request, serving, settled_outbox, wait_for

pytestmark = pytest.mark.slow

USER, PASSWORD = "connectyou", "s3cret"
MAILBOX = "connectyou@example.com"
PROCESSED = "Intake.Processed"  # "Intake/Processed" in Dovecot's Maildir++ separator
AM = "alex.martin@example.com"
QUOTE = (
    "Hi team, please quote Ridgeline Homes.\n"
    "Product specs: 12 casement windows, white\nPricing factor: 0.62\n"
    "Opportunity: Ridgeline Phase 2, New Construction, Proposal, close 2027-02-15\n"
)


@pytest.fixture
def dovecot_installed() -> None:
    """Skip where Dovecot is not installed (a developer's machine); CI installs it, so
    there its absence fails the test."""
    problem = dovecot_helper.available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


@pytest.fixture
def server(dovecot_installed: None) -> Iterator[Dovecot]:
    with Dovecot({USER: PASSWORD, "team": "t3am", "west": "w3st"}) as dc:
        yield dc


@pytest.fixture
def sink() -> Iterator[Sink]:
    with Sink() as s:
        yield s


def account(server: Dovecot, **overrides: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "none",
        "username": USER,
        "password": PASSWORD,
        "mailbox": MAILBOX,
        "timeout_seconds": 10,
        **overrides,
    }


def bot_settings(
    database_url: str, tmp_path: Path, sink: Sink, accounts: list[dict[str, Any]], **imap: Any
) -> Settings:
    return Settings.model_validate(
        {
            "database": {"url": database_url},
            "smtp": {"listen": f"127.0.0.1:{free_port()}"},
            "relay": {"address": sink.address, "spool_dir": str(tmp_path / "spool")},
            "bot": {"org": str(ORG_FILE)},
            "worker": {"poll_seconds": 0.1},
            "outbox": {"poll_seconds": 0.1},
            "imap": {
                "accounts": accounts,
                "poll_seconds": 0.5,
                "backoff_first_seconds": 0.1,
                "backoff_max_seconds": 1,
                **imap,
            },
        }
    )


def request(n: int, **kw: Any) -> bytes:
    """A complete service request from customer n (each customer has a reply budget)."""
    msg: EmailMessage = make_request(
        sender=f"Customer {n} <customer{n}@example.net>", subject=f"Foggy window {n}", **kw
    )
    return msg.as_bytes().replace(b"\n", b"\r\n")


def append(server: Dovecot, raws: list[bytes], folder: str = "INBOX", user: str = USER) -> None:
    with server.client(user) as client:
        for raw in raws:
            client.append(folder, raw)


def uids_in(client: IMAPClient, folder: str, criteria: list[Any] | None = None) -> list[int]:
    client.select_folder(folder)
    return client.search(criteria or ["ALL"])


def count(server: Dovecot, folder: str, user: str = USER) -> int:
    with server.client(user) as client:
        return len(uids_in(client, folder))


def rows(app: Any) -> list[InboundMessage]:
    with app.sessions() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def cases(app: Any) -> list[Case]:
    with app.sessions() as session:
        return list(session.scalars(select(Case).order_by(Case.id)))


def checkpoints(app: Any) -> list[ImapCheckpoint]:
    with app.sessions() as session:
        return list(session.scalars(select(ImapCheckpoint)))


def settled(app: Any, n: int, timeout: float = 30) -> list[InboundMessage]:
    """Wait until exactly `n` arrivals are stored and every one is processed."""

    def done() -> list[InboundMessage] | None:
        found = rows(app)
        return found if len(found) == n and all(r.state == "done" for r in found) else None

    return wait_for(done, timeout)


def logged(caplog: pytest.LogCaptureFixture, text: str) -> Callable[[], bool]:
    return lambda: any(text in r.getMessage() for r in caplog.records)


# --- end to end ---------------------------------------------------------------------------


def test_appended_mail_becomes_cases_acknowledged_then_moved(
    server: Dovecot, sink: Sink, database_url: str, tmp_path: Path
) -> None:
    append(server, [request(n) for n in range(3)])  # waiting before the bot starts
    settings = bot_settings(database_url, tmp_path, sink, [account(server)])
    with serving(settings) as app:
        found = settled(app, 3)
        assert [r.outcome for r in found] == ["new_case"] * 3
        assert all(r.channel == "imap" and r.rcpt_tos == [MAILBOX] for r in found)
        assert found[0].sender_auth == {
            "method": "imap",
            "account": f"{USER}@127.0.0.1",
            "authserv_id": None,
        }
        assert len(cases(app)) == 3
        wait_for(lambda: sink.count == 3)
        assert sorted(r for _, (r,) in sink.envelopes) == [
            f"customer{n}@example.net" for n in range(3)
        ]
        assert all(m["Subject"].startswith("[CASE-") for m in sink.messages)
        wait_for(lambda: count(server, "INBOX") == 0)
        assert count(server, PROCESSED) == 3  # created by the bot, "/" as Dovecot's "."
        (cp,) = checkpoints(app)
        assert (cp.folder, cp.last_uid) == ("INBOX", 3)
        with server.client(USER) as client:
            assert cp.uidvalidity == client.select_folder("INBOX")[b"UIDVALIDITY"]
            # The customer's message, byte for byte, as stored.
            client.select_folder(PROCESSED)
            fetched = client.fetch(client.search(["ALL"]), ["BODY.PEEK[]"])
            assert sorted(v[b"BODY[]"] for v in fetched.values()) == sorted(r.raw for r in found)


def test_flag_mode_leaves_mail_in_place_and_a_restart_stores_nothing_twice(
    server: Dovecot, sink: Sink, database_url: str, tmp_path: Path
) -> None:
    append(server, [request(n) for n in range(2)])
    settings = bot_settings(database_url, tmp_path, sink, [account(server, after_store="flag")])
    with serving(settings) as app:
        settled(app, 2)
        with server.client(USER) as client:
            wait_for(lambda: len(uids_in(client, "INBOX", ["KEYWORD", "$IntakeStored"])) == 2)
            assert not client.folder_exists(PROCESSED)
    append(server, [request(2)])
    with serving(settings) as app:
        settled(app, 3)  # only the new one
        with server.client(USER) as client:  # all flagged: the poller's pass is over
            wait_for(lambda: len(uids_in(client, "INBOX", ["KEYWORD", "$IntakeStored"])) == 3)
        assert len(rows(app)) == 3 and len(cases(app)) == 3
    assert count(server, "INBOX") == 3


def test_mail_appended_during_idle_arrives_within_two_seconds(
    server: Dovecot,
    sink: Sink,
    sqlite_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO, logger="intake.imap")
    idles: list[float] = []  # each time the server took up the poller's IDLE
    real_idle = IMAPClient.idle

    def counted_idle(self: IMAPClient) -> Any:
        answer = real_idle(self)
        idles.append(time.monotonic())
        return answer

    monkeypatch.setattr(IMAPClient, "idle", counted_idle)
    settings = bot_settings(sqlite_url, tmp_path, sink, [account(server)])
    latencies: list[float] = []
    in_idle_before = 0  # IDLEs taken up before the previous message was appended
    with serving(settings) as app, server.client(USER) as client:
        wait_for(logged(caplog, "waiting with IDLE"))
        for n in range(5):
            # Back in IDLE after the previous message (a latency, not a catch-up, is measured).
            wait_for(lambda seen=in_idle_before: len(idles) > seen, step=0.005)
            in_idle_before = len(idles)
            started = time.monotonic()
            client.append("INBOX", request(n))
            wait_for(lambda n=n: len(rows(app)) == n + 1, timeout=2, step=0.005)
            latencies.append(time.monotonic() - started)
        settled(app, 5)
        wait_for(lambda: sink.count == 5)
    print(
        f"\nAPPEND -> stored under IDLE: median {statistics.median(latencies) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms over {len(latencies)}"
    )
    assert max(latencies) < 2


def test_without_idle_or_move_it_polls_and_copies(
    sink: Sink,
    sqlite_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    dovecot_installed: None,
) -> None:
    """An older server: no IDLE, no MOVE (COPY, \\Deleted and UID EXPUNGE instead)."""
    caplog.set_level(logging.INFO, logger="intake.imap")
    plain = "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE UNSELECT CHILDREN NAMESPACE UIDPLUS"
    with Dovecot({USER: PASSWORD}, capability=plain) as server:
        settings = bot_settings(sqlite_url, tmp_path, sink, [account(server)], poll_seconds=0.3)
        with serving(settings) as app:
            wait_for(logged(caplog, "no IDLE, looking every 0.3s"))
            append(server, [request(0), request(1)])
            settled(app, 2, timeout=10)
            wait_for(lambda: count(server, "INBOX") == 0)
            assert count(server, PROCESSED) == 2


def test_dovecot_restarts_mid_burst_and_nothing_is_lost_or_doubled(
    server: Dovecot,
    sink: Sink,
    database_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="intake.imap")
    total = 30
    settings = bot_settings(database_url, tmp_path, sink, [account(server)])
    with serving(settings) as app:
        wait_for(logged(caplog, "waiting with IDLE"))

        def appender() -> None:
            """Another client delivering a burst, riding out the restarts itself."""
            n = 0
            while n < total:
                try:
                    with server.client(USER) as client:
                        while n < total:
                            client.append("INBOX", request(n))
                            n += 1
                            time.sleep(0.05)
                except Exception:  # noqa: BLE001 - the server is restarting: try again
                    time.sleep(0.2)

        thread = threading.Thread(target=appender)
        thread.start()
        for _ in range(2):
            wait_for(lambda: len(rows(app)) >= 5, timeout=20)
            server.restart(down_seconds=0.5)
        thread.join(60)
        found = settled(app, total, timeout=60)
        assert [r.outcome for r in found] == ["new_case"] * total
        assert len(cases(app)) == total
        wait_for(lambda: sink.count == total, timeout=30)
        wait_for(lambda: count(server, "INBOX") == 0)
        assert count(server, PROCESSED) == total
    drops = [r for r in caplog.records if "connecting again" in r.getMessage()]
    assert drops, "the poller never noticed the restarts"
    assert all("\n" not in r.getMessage() for r in drops)  # one line each, no traceback


def test_a_crash_between_store_and_move_moves_it_later_and_stores_it_once(
    server: Dovecot,
    sink: Sink,
    database_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO, logger="intake.imap")
    real = imap_poller.FolderPoller.after_store
    failures = []

    def failing_once(self: Any, conn: Any, uids: Any, target: Any) -> None:
        if not failures:
            failures.append(list(uids))
            raise RuntimeError("injected failure after storing, before moving")
        real(self, conn, uids, target)

    monkeypatch.setattr(imap_poller.FolderPoller, "after_store", failing_once)
    append(server, [request(0)])
    settings = bot_settings(database_url, tmp_path, sink, [account(server)])
    with serving(settings) as app:
        wait_for(lambda: count(server, "INBOX") == 0)
        (row,) = settled(app, 1)
        assert row.outcome == "new_case"
        assert len(cases(app)) == 1 and failures == [[1]]
        # Moved, so nothing is left in INBOX to store again; no reply waits to be sent.
        wait_for(lambda: count(server, PROCESSED) == 1)
        assert [state for state, _ in settled_outbox(database_url)] == ["sent"]
        assert sink.count == 1 and len(rows(app)) == 1
    assert count(server, PROCESSED) == 1
    assert logged(caplog, "injected failure after storing, before moving; connecting again")()
    assert logged(caplog, "1 message(s) stored before were not yet moved")()


def test_a_message_that_cannot_be_stored_stays_on_the_server_until_it_is(
    server: Dovecot,
    sink: Sink,
    database_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database refusing (down, full) leaves the message where it is: it is moved only
    once it is committed."""
    caplog.set_level(logging.INFO, logger="intake.imap")
    real = imap_poller.inbox.store_inbound
    broken = threading.Event()
    broken.set()
    attempts: list[int] = []

    def store(*args: Any, **kwargs: Any) -> Any:
        attempts.append(1)
        if broken.is_set():
            raise RuntimeError("database unavailable (injected)")
        return real(*args, **kwargs)

    monkeypatch.setattr(imap_poller.inbox, "store_inbound", store)
    # A periodic look each second, as the other tests here that are not about IDLE have: in
    # two CI runs the message appended right at start-up was announced together with IDLE's
    # "+ idling" and went unread (fixed since: imap_client.buffered_lines, test_imap_idle.py).
    settings = bot_settings(database_url, tmp_path, sink, [account(server)], idle_seconds=1)
    with serving(settings) as app:
        append(server, [request(0)])
        wait_for(lambda: len(attempts) >= 3, timeout=60)
        assert count(server, "INBOX") == 1 and count(server, PROCESSED) == 0
        assert rows(app) == []
        broken.clear()
        (row,) = settled(app, 1)
        assert row.outcome == "new_case"
        wait_for(lambda: count(server, "INBOX") == 0)
        assert count(server, PROCESSED) == 1
    assert logged(caplog, "database unavailable (injected); connecting again")()


def test_a_refused_move_holds_up_no_new_mail_and_is_tried_again(
    server: Dovecot,
    sink: Sink,
    sqlite_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The processed folder deleted under the running bot: MOVE is refused (NO), the mail is
    stored all the same, and the next periodic look makes the folder again and moves it."""
    caplog.set_level(logging.INFO, logger="intake.imap")
    settings = bot_settings(sqlite_url, tmp_path, sink, [account(server)], idle_seconds=1)
    with serving(settings) as app:
        wait_for(logged(caplog, "waiting with IDLE"))
        with server.client(USER) as client:
            client.delete_folder(PROCESSED)
        append(server, [request(0), request(1)])
        assert [r.outcome for r in settled(app, 2)] == ["new_case", "new_case"]
        wait_for(logged(caplog, f"created folder {PROCESSED} again"))
        wait_for(lambda: count(server, "INBOX") == 0)
        assert count(server, PROCESSED) == 2 and len(rows(app)) == 2
    refusals = [r.getMessage() for r in caplog.records if "could not move" in r.getMessage()]
    assert refusals and "Mailbox doesn't exist" in refusals[0]
    assert not logged(caplog, "connecting again")()


def test_a_new_uidvalidity_reads_the_folder_again_without_doubles(
    server: Dovecot,
    sink: Sink,
    database_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The folder is deleted and made again (a restored mailbox): the old messages come back
    under new UIDs beside a new one; only the new one is a new case."""
    caplog.set_level(logging.INFO, logger="intake.imap")
    with server.client(USER) as client:
        client.create_folder("Requests")
    old = [request(0), request(1)]
    append(server, old, folder="Requests")
    acc = account(server, folders=["Requests"], after_store="flag")
    # The change shows when IDLE is issued again (Dovecot tells the session nothing).
    settings = bot_settings(database_url, tmp_path, sink, [acc], idle_seconds=1)
    with serving(settings) as app:
        settled(app, 2)
        (before,) = checkpoints(app)
        with server.client(USER) as client:
            client.delete_folder("Requests")
            client.create_folder("Requests")
            for raw in [*old, request(2)]:
                client.append("Requests", raw)
            uidvalidity = client.select_folder("Requests")[b"UIDVALIDITY"]
        assert uidvalidity != before.uidvalidity
        found = settled(app, 5)
        assert [r.outcome for r in found] == ["new_case"] * 2 + sorted(
            [r.outcome for r in found[2:]]
        )
        assert sorted(r.outcome for r in found[2:]) == ["ignore", "ignore", "new_case"]
        assert all("duplicate" in r.reason for r in found[2:] if r.outcome == "ignore")
        assert len(cases(app)) == 3
        wait_for(lambda: sink.count == 3)
        (after,) = checkpoints(app)
        assert (after.uidvalidity, after.last_uid) == (uidvalidity, 3)
        assert after.started_at == before.started_at
    assert logged(caplog, f"UIDVALIDITY changed from {before.uidvalidity} to {uidvalidity}")()


def test_first_run_new_leaves_the_old_mail_alone(
    server: Dovecot, sink: Sink, sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="intake.imap")
    append(server, [request(0), request(1)])
    settings = bot_settings(sqlite_url, tmp_path, sink, [account(server, first_run="new")])
    with serving(settings) as app:
        wait_for(logged(caplog, "waiting with IDLE"))
        append(server, [request(2)])
        (row,) = settled(app, 1)
        assert b"customer2@" in row.raw
        wait_for(lambda: count(server, "INBOX") == 2)
    assert logged(caplog, "first start, taking mail after UID 2")()


def test_first_run_new_skips_old_mail_again_when_uidvalidity_changes(
    server: Dovecot, sink: Sink, sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The rescan of an account that takes only new mail starts after the last message
    delivered before the folder was first seen (by INTERNALDATE)."""
    caplog.set_level(logging.INFO, logger="intake.imap")
    old, seen, later = request(0), request(1), request(2)
    long_ago = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
    with server.client(USER) as client:
        client.create_folder("Requests")
        client.append("Requests", old, msg_time=long_ago)
    acc = account(server, folders=["Requests"], after_store="flag", first_run="new")
    settings = bot_settings(sqlite_url, tmp_path, sink, [acc], idle_seconds=1)
    with serving(settings) as app:
        wait_for(logged(caplog, "waiting with IDLE"))
        append(server, [seen], folder="Requests")
        settled(app, 1)
        with server.client(USER) as client:
            client.delete_folder("Requests")
            client.create_folder("Requests")
            client.append("Requests", old, msg_time=long_ago)
            client.append("Requests", seen)
            client.append("Requests", later)
        found = settled(app, 3)
        assert [r.outcome for r in found] == ["new_case", "ignore", "new_case"]
        assert not any(b"customer0@" in r.raw for r in found)
        (cp,) = checkpoints(app)
        assert (cp.skip_uid, cp.last_uid) == (1, 3)


# --- who vouches for the sender -----------------------------------------------------------


def am_quote(to: str, results: str | None) -> bytes:
    msg = make_request(sender=f"Alex Martin <{AM}>", to=to, subject="Quote", body=QUOTE)
    raw = msg.as_bytes().replace(b"\n", b"\r\n")
    return (f"Authentication-Results: {results}\r\n".encode() + raw) if results else raw


def test_the_accounts_authserv_id_vouches_for_staff_and_nothing_else_does(
    server: Dovecot, sink: Sink, sqlite_url: str, tmp_path: Path
) -> None:
    """The provider's header (of the account's authserv_id) lets an AM open a quote case;
    the same mail in an account without one, or with only the id trusted for the SMTP
    front door, is an outsider's (a forger could have written that header)."""
    passed = "mx.test; dmarc=pass (p=reject) header.from=example.com"
    forged = "intake-mta; dmarc=pass (p=reject) header.from=example.com"
    accounts = [
        account(
            server,
            username="team",
            password="t3am",
            mailbox="accountteam@example.com",
            authserv_id="mx.test",
        ),
        account(server, username="west", password="w3st", mailbox="accountteam-west@example.com"),
    ]
    settings = bot_settings(sqlite_url, tmp_path, sink, accounts)
    settings = settings.model_copy(
        update={"senders": settings.senders.model_copy(update={"authserv_id": "intake-mta"})}
    )
    append(server, [am_quote("accountteam@example.com", passed)], user="team")
    append(server, [am_quote("accountteam-west@example.com", forged)], user="west")
    with serving(settings) as app:
        found = settled(app, 2)
        by_box = {r.rcpt_tos[0]: r for r in found}
        team, west = by_box["accountteam@example.com"], by_box["accountteam-west@example.com"]
        assert team.outcome == "new_case", team.reason
        assert west.outcome == "reject" and "not vouched for" in west.reason
        (case,) = cases(app)
        assert case.queue == "quotes"


def test_judge_reads_the_imap_accounts_authserv_id_only() -> None:
    raw = am_quote("accountteam@example.com", "mx.test; dmarc=pass header.from=example.com")
    policy = SenderPolicy(authserv_id="mx.test", trust_replay=False)
    imap = {"method": "imap", "account": "a", "authserv_id": "mx.test"}
    kw = {"channel": "imap", "raw": raw, "from_addr": AM}
    assert judge(SenderPolicy(), verdict=imap, **kw).verified
    assert not judge(policy, verdict={**imap, "authserv_id": None}, **kw).verified
    assert not judge(policy, verdict={**imap, "authserv_id": "mx.other"}, **kw).verified
    failed = am_quote("accountteam@example.com", "mx.test; dmarc=fail (p=reject) header.from=x")
    assert not judge(SenderPolicy(), verdict=imap, **{**kw, "raw": failed}).verified
    # SMTP mail still reads the [senders] id, as before.
    assert judge(policy, verdict={"method": "checked"}, **{**kw, "channel": "smtp"}).verified


# --- start-up ---------------------------------------------------------------------------


def serve_process(tmp_path: Path, accounts_toml: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "intake.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/intake.db"\n'
        f'[smtp]\nlisten = "127.0.0.1:{free_port()}"\n'
        f'[bot]\norg = "{ORG_FILE}"\n' + accounts_toml,
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "intake.bot.cli", "--config", str(config), "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def toml_account(**values: Any) -> str:
    lines = [f"{k} = {v!r}" if not isinstance(v, int) else f"{k} = {v}" for k, v in values.items()]
    return "[[imap.accounts]]\n" + "\n".join(lines).replace("'", '"') + "\n"


def test_a_wrong_password_or_an_unreachable_host_stops_serve_with_one_line(
    server: Dovecot, tmp_path: Path
) -> None:
    base = {
        "host": "127.0.0.1",
        "security": "none",
        "username": USER,
        "mailbox": MAILBOX,
        "timeout_seconds": 5,
    }
    wrong = serve_process(tmp_path, toml_account(**base, port=server.port, password="nope"))
    closed = serve_process(tmp_path, toml_account(**base, port=free_port(), password=PASSWORD))
    for done, expected in [
        (wrong, "login refused: [AUTHENTICATIONFAILED] Authentication failed."),
        (closed, "connection refused"),
    ]:
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith("Error: configuration error: imap account connectyou@127.0.0.1")
        assert line.endswith(expected), line


def test_start_up_checks_say_what_is_wrong_in_one_line(server: Dovecot) -> None:
    def problem(**overrides: Any) -> str:
        with pytest.raises(ImapStartError) as caught:
            check_account(ImapAccount.model_validate(account(server, **overrides)), [MAILBOX])
        return str(caught.value)

    assert "): folder 'Nowhere': select failed: Mailbox doesn't exist: Nowhere" in problem(
        folders=["Nowhere"]
    )
    assert "is not one of the organisation file's mailboxes" in problem(mailbox="x@example.com")
    assert problem(security="starttls").endswith(
        "the server offers no STARTTLS, so the password would go in clear"
    )
    assert "TLS" in problem(security="ssl")  # a TLS handshake with a plain-text server
    # And the processed folder is created by the check, before any mail is fetched.
    check_account(ImapAccount.model_validate(account(server)), [MAILBOX])
    with server.client(USER) as client:
        assert client.folder_exists(PROCESSED)


def test_tls_and_starttls_with_a_private_ca(dovecot_installed: None) -> None:
    with Dovecot({USER: PASSWORD}, tls=True) as server:
        ca = str(server.cert)
        ssl_account = account(server, security="ssl", port=server.tls_port, tls_ca_file=ca)
        check_account(ImapAccount.model_validate(ssl_account), [MAILBOX])
        starttls = account(server, security="starttls", tls_ca_file=ca)
        check_account(ImapAccount.model_validate(starttls), [MAILBOX])
        untrusted = account(server, security="ssl", port=server.tls_port)
        with pytest.raises(ImapStartError, match="TLS certificate not accepted: self.signed"):
            check_account(ImapAccount.model_validate(untrusted), [MAILBOX])


def test_password_file_and_oauth2_token_command(server: Dovecot, tmp_path: Path) -> None:
    secret = tmp_path / "imap-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    plain = account(server, password=None, password_file=str(secret))
    check_account(ImapAccount.model_validate(plain), [MAILBOX])
    failing = account(
        server, password=None, oauth2_token_command=["sh", "-c", "echo no >&2; exit 3"]
    )
    with pytest.raises(ImapStartError, match=r"oauth2_token_command failed \(exit 3\): no$"):
        check_account(ImapAccount.model_validate(failing), [MAILBOX])


class Introspection(BaseHTTPRequestHandler):
    """An OAuth2 token introspection endpoint (RFC 7662) that knows one token."""

    tokens: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        token = parse_qs(body).get("token", [""])[0]
        self.tokens.append(token)
        answer = {"active": True, "username": USER} if token == "t0ken-1" else {"active": False}
        out = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: Any) -> None:
        pass


def test_xoauth2_logs_in_with_a_fresh_token_from_the_command(
    tmp_path: Path, dovecot_installed: None
) -> None:
    """Dovecot's oauth2 passdb asks a local introspection endpoint about each token; the
    command is run at every login, so the token it prints is always the current one."""
    Introspection.tokens = []
    endpoint = HTTPServer(("127.0.0.1", 0), Introspection)
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{endpoint.server_address[1]}/introspect"
    counter = tmp_path / "runs"
    script = f'echo run >> {counter}; echo "t0ken-$(wc -l < {counter})"'
    try:
        with Dovecot({USER: PASSWORD}, oauth2_introspection_url=url) as server:
            acc = account(server, password=None, oauth2_token_command=["sh", "-c", script])
            check_account(ImapAccount.model_validate(acc), [MAILBOX])  # token 1: accepted
            with pytest.raises(ImapStartError) as caught:  # token 2: expired, say
                check_account(ImapAccount.model_validate(acc), [MAILBOX])
            assert str(caught.value).endswith(
                "login refused: [AUTHENTICATIONFAILED] Authentication failed."
            )
            assert Introspection.tokens == ["t0ken-1", "t0ken-2"]
            assert "method=XOAUTH2" in server.log()
    finally:
        endpoint.shutdown()


# --- settings ---------------------------------------------------------------------------


def test_an_imap_url_is_one_account() -> None:
    acc = parse_imap_url(
        "imaps://team%40example.com:p%40ss@imap.example.com/Shared%2FIntake"
        "?mailbox=AccountTeam@example.com&after_store=flag&authserv_id=mx.example.com"
    )
    assert (acc.host, acc.server_port, acc.security) == ("imap.example.com", 993, "ssl")
    assert (acc.username, acc.password, acc.folders) == (
        "team@example.com",
        "p@ss",
        ["Shared/Intake"],
    )
    assert (acc.mailbox, acc.after_store, acc.authserv_id) == (
        "accountteam@example.com",
        "flag",
        "mx.example.com",
    )
    plain = parse_imap_url("imap://u:p@localhost:1143?mailbox=a@example.com&security=none")
    assert (plain.security, plain.server_port, plain.folders) == ("none", 1143, ["INBOX"])
    assert parse_imap_url("imap://u:p@mail.example.com?mailbox=a@example.com").security == (
        "starttls"
    )
    env = {"INTAKE_IMAP_URL": "imaps://u:p@imap.example.com/INBOX?mailbox=a@example.com"}
    (from_env,) = load_settings(None, env=env).imap.every_account
    assert from_env.key == "u@imap.example.com"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("imaps://u:hunter2@imap.example.com/INBOX", "needs ?mailbox="),
        ("imap://u:hunter2@imap.example.com/?mailbox=a@x.com&security=none", "loopback"),
        ("imaps://u:hunter2@imap.example.com/?mailbox=a@x.com&after=move", "unknown URL param"),
        ("https://u:hunter2@imap.example.com/?mailbox=a@x.com", "imaps:// or imap://"),
        ("imaps://imap.example.com/?mailbox=a@x.com", "needs user, password and host"),
    ],
)
def test_a_bad_imap_url_is_one_line_without_the_password(url: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, env={"INTAKE_IMAP_URL": url})
    message = str(caught.value)
    assert message.startswith("environment variable INTAKE_IMAP_URL: imap.url: ")
    assert expected in message and "hunter2" not in message and "\n" not in message


def test_account_tables_are_checked_key_by_key(tmp_path: Path) -> None:
    def error(table: str) -> str:
        path = tmp_path / "intake.toml"
        path.write_text("[[imap.accounts]]\n" + table, encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_settings(path, env={})
        return str(caught.value)

    ok = 'host = "imap.example.com"\nusername = "u"\npassword = "p"\nmailbox = "a@example.com"\n'
    assert "intake.toml: imap.accounts.0.hots: " in error(ok + 'hots = "x"\n')
    assert "allowed for a loopback host only" in error(ok + 'security = "none"\n')
    assert "exactly one of password" in error(ok + 'password_file = "/run/secret"\n')
    assert "must not be one of the folders" in error(
        ok + 'folders = ["INBOX", "Done"]\nprocessed_folder = "Done"\n'
    )
    assert "imap.accounts.0.after_store" in error(ok + 'after_store = "delete"\n')
    path = tmp_path / "ok.toml"
    path.write_text("[[imap.accounts]]\n" + ok, encoding="utf-8")
    (acc,) = load_settings(path, env={}).imap.every_account
    assert (acc.server_port, acc.folders, acc.processed_folder) == (
        993,
        ["INBOX"],
        "Intake/Processed",
    )
