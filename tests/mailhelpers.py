"""Real SMTP peers for tests: a sink that plays the outgoing relay, and small helpers."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import re
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, step: float = 0.05) -> Any:
    """Poll until `predicate()` is truthy; fail loudly on time-out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout}s")


def settled_outbox(database_url: str, timeout: float = 20.0) -> list[tuple[str, str]]:
    """Wait until the outbox has rows and none is pending or sending; their (state,
    message_id) in order. The dispatcher commits `sent` after the relay's 250, so a message
    at the sink does not yet mean its row says so; and once no row waits, nothing is left
    that a dispatcher could send again (what a test would otherwise sleep for)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)

    def rows_once_settled() -> list[tuple[str, str]] | None:
        with engine.connect() as conn:
            found = conn.execute(text("select state, message_id from outbox order by id")).all()
        waiting = any(state in ("pending", "sending") for state, _ in found)
        return None if waiting or not found else [(state, mid) for state, mid in found]

    try:
        return wait_for(rows_once_settled, timeout)
    finally:
        engine.dispose()


class RoundCounter:
    """Counts the rounds a loop of bot/loop.py has finished, so that a test can wait until
    the loop has looked again after some moment (and found nothing more to do) instead of
    sleeping for "a few rounds"."""

    def __init__(self, loop: Any) -> None:
        self.loop, self.finished, self.lock = loop, 0, threading.Lock()
        original = loop.round

        def counted() -> bool:
            try:
                return original()
            finally:
                with self.lock:
                    self.finished += 1

        loop.round = counted

    def wait_for_rounds(self, more: int = 2, timeout: float = 10.0) -> None:
        """Wake the loop and wait until `more` rounds have finished from now: with two, one
        of them began after this call (the first may have been under way)."""
        with self.lock:
            start = self.finished
        for n in range(1, more + 1):
            self.loop.wake.set()
            wait_for(lambda n=n: self.finished >= start + n, timeout, step=0.01)


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    def is_open() -> bool:
        with socket.socket() as s:
            s.settimeout(0.2)
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_for(is_open, timeout)


class SinkHandler:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []  # raw, parsed only when read
        self.lock = threading.Lock()
        self.fail_next = 0  # answer 451 to this many deliveries (a relay having trouble)
        self.refuse: set[str] = set()  # recipients answered 550 at RCPT
        self.slow_next = 0.0  # keep the message, but answer the end of DATA this much later

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return "451 4.3.0 try again later"
            self.received.append(
                (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
            delay, self.slow_next = self.slow_next, 0.0
        if delay:
            await asyncio.sleep(delay)
        return "250 OK"


class Sink:
    """An aiosmtpd server on localhost that keeps every message it is given."""

    def __init__(self, *, smtputf8: bool = False) -> None:
        """`smtputf8`: offer SMTPUTF8 (RFC 6531), as Postfix 3 and Exchange Online do."""
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=smtputf8
        )

    @property
    def envelopes(self) -> list[tuple[str, list[str]]]:
        """(MAIL FROM, RCPT TOs) of every message kept, in order."""
        with self.handler.lock:
            return [(sender, rcpts) for sender, rcpts, _ in self.handler.received]

    @property
    def raws(self) -> list[bytes]:
        with self.handler.lock:
            return [raw for _, _, raw in self.handler.received]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def count(self) -> int:
        with self.handler.lock:
            return len(self.handler.received)

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            raws = [raw for _, _, raw in self.handler.received]
        return [email.message_from_bytes(r, policy=email.policy.default) for r in raws]

    def __enter__(self) -> Sink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def make_request(
    *,
    sender: str = "Pat Homeowner <pat@example.net>",
    to: str = "connectyou@example.com",
    subject: str = "Foggy window in the kitchen",
    body: str = (
        "Hello, the kitchen window is foggy between the panes.\n\n"
        "Name: Pat Homeowner\nPhone: 403-555-0188\nAddress: 12 Elm Street, Calgary AB\n"
    ),
    message_id: str | None = None,
    extra: dict[str, str] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = message_id or email.utils.make_msgid(domain="example.net")
    for k, v in (extra or {}).items():
        msg[k] = v
    msg.set_content(body)
    return msg


def start_intake(
    config: Path, *, cwd: Path, port: int, log: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`intake --config CONFIG serve` as a real process (killable like the real thing), its
    output appended to `log`; returns once its SMTP listener on `port` takes connections.

    The environment is this process's without the `INTAKE_*`/`SLACK_*` overrides (unless
    `env` gives them), so the settings file alone decides what the bot runs with.
    """
    base = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "SLACK_"))}
    if "http_listen" not in config.read_text():
        # /healthz and /metrics listen too: on a port of their own, never the shared default
        base["INTAKE_HTTP_LISTEN"] = f"127.0.0.1:{free_port()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "intake.bot.cli", "--config", str(config), "serve"],
        cwd=cwd,
        env={**base, **(env or {})},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, timeout=60)
    except AssertionError:
        proc.kill()
        proc.wait(10)
        raise AssertionError(f"intake serve did not listen on {port}; see {log}") from None
    return proc


# The verdict the SMTP front door stores for a connection from a trusted network (the
# company's own submission server): tests that store arrivals directly use it for mail
# that came "from inside"; sender-authentication tests store other verdicts.
TRUSTED_SUBMISSION = {"method": "trusted_network", "peer": "127.0.0.1"}


def store_submission(
    session: Any,
    raw: bytes,
    *,
    received_at: Any,
    mail_from: str | None = None,
    rcpt_tos: Sequence[str] = (),
    sender_auth: dict[str, Any] | None = TRUSTED_SUBMISSION,
) -> Any:
    """Store an arrival as the SMTP front door does, with its sender verdict."""
    from intake.storage import inbox

    row = inbox.store_inbound(
        session,
        raw=raw,
        channel="smtp",
        received_at=received_at,
        mail_from=mail_from,
        rcpt_tos=rcpt_tos,
    )
    row.sender_auth = sender_auth
    return row


@contextlib.contextmanager
def serving(settings: Any) -> Iterator[Any]:
    """`intake serve` with `settings` in a thread, its SMTP port open, until the block ends;
    yields the running App."""
    from intake.bot.app import build_app
    from intake.bot.config import SlackSettings
    from intake.bot.serve import serve

    if settings.slack.http_listen == SlackSettings().http_listen:
        # /healthz and /metrics listen too: on a port of their own, never the shared default
        slack = settings.slack.model_copy(update={"http_listen": f"127.0.0.1:{free_port()}"})
        settings = settings.model_copy(update={"slack": slack})
    app = build_app(settings)
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(app, stop), daemon=True)
    thread.start()
    wait_for_port(settings.smtp.host_port[1])
    try:
        yield app
    finally:
        stop.set()
        thread.join(15)
        app.close()


def as_raw(msg: EmailMessage) -> bytes:
    """A message as a mail server sends it: CRLF line ends."""
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def rows(engine: Any, sql: str) -> list[dict[str, Any]]:
    """The rows of one SQL query as dicts (reconciling a run against the database)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql))]


def backlog(conn: Any) -> tuple[int, int]:
    """On an open connection: inbound rows still `new`, and outbox rows still pending or
    sending (both 0 once everything stored is processed and every reply handed over)."""
    from sqlalchemy import text

    waiting = conn.execute(text("select count(*) from inbound_messages where state = 'new'"))
    unsent = conn.execute(text("select count(*) from outbox where state in ('pending', 'sending')"))
    return waiting.scalar(), unsent.scalar()


def children_of(pid: int) -> list[int]:
    """The pids whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


STORED_AS = re.compile(r"stored as #(\d+)")


class BurstSenders:
    """The sending MTAs of a burst: one retry queue shared by several SMTP connections
    (threads calling `run`), each trying the listener `ports` in turn as MX hosts.

    Items need key, kind, message_id, sender, rcpt, subject, raw, parent, after and
    not_before; an item with a true `chases` goes out on the same connection the moment
    its request (`after`) got its 250. A reply waits for its request's 250: in the queue
    (`hold_in_queue`) or taken and put back as an event; one whose request was refused
    for good is refused too. A reply of `subject_kind` gets the case number in its
    subject once the request's case has one. `pace` is a pause after a 250,
    `reconnect_pause` one after a connection error, `idle` the poll of an empty queue."""

    def __init__(
        self,
        items: Sequence[Any],
        ports: Sequence[int],
        engine: Any,
        deadline: float,
        *,
        subject_kind: str,
        retry_delay: float,
        pace: float = 0.0,
        reconnect_pause: float = 0.0,
        idle: float = 0.01,
        hold_in_queue: bool = False,
    ) -> None:
        self.queue: deque[Any] = deque(i for i in items if not getattr(i, "chases", False))
        self.chasers = {i.after: i for i in items if getattr(i, "chases", False)}
        self.outstanding = len(items)
        self.ports, self.engine, self.deadline = list(ports), engine, deadline
        self.subject_kind, self.retry_delay, self.pace = subject_kind, retry_delay, pace
        self.reconnect_pause, self.idle, self.hold_in_queue = reconnect_pause, idle, hold_in_queue
        self.lock = threading.Lock()
        self.accepted: list[tuple[str, int, int]] = []  # (key, inbound id, listener port)
        self.accepted_keys: set[str] = set()
        self.refused: list[tuple[str, int, str]] = []
        self.refused_keys: set[str] = set()
        self.events: Counter[str] = Counter()  # connection errors, 4xx answers, retries
        self.subject_replies: dict[str, str] = {}  # key -> case number it was sent with

    @property
    def accepted_count(self) -> int:
        with self.lock:
            return len(self.accepted)

    @property
    def finished(self) -> bool:
        with self.lock:
            return self.outstanding == 0

    def _take(self) -> Any | None:
        with self.lock:
            now = time.monotonic()
            for _ in range(len(self.queue)):
                item = self.queue.popleft()
                if item.not_before <= now and (
                    not self.hold_in_queue or item.after is None or item.after in self.accepted_keys
                ):
                    return item
                self.queue.append(item)
        return None

    def _later(self, item: Any, why: str) -> None:
        item.not_before = time.monotonic() + self.retry_delay
        with self.lock:
            self.events[why] += 1
            self.queue.append(item)

    def _case_number(self, request_key: str, by_key: Mapping[str, Any]) -> str | None:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return conn.execute(
                text(
                    "select c.number from inbound_messages i join cases c on c.id = i.case_id"
                    " where i.message_id = :mid and i.outcome = 'new_case'"
                ),
                {"mid": by_key[request_key].message_id},
            ).scalar()

    def _ready(self, item: Any, by_key: Mapping[str, Any]) -> bool:
        """A reply is written after its request was accepted (and, by subject, once the
        acknowledgement could have told the case number)."""
        if item.after is not None:
            with self.lock:
                if item.after not in self.accepted_keys:
                    return False
        if item.kind != self.subject_kind or item.key in self.subject_replies:
            return True
        assert item.parent is not None
        number = self._case_number(item.parent, by_key)
        if number is None:
            return False
        item.raw = item.raw.replace(b"Subject: Re: ", f"Subject: Re: [{number}] ".encode(), 1)
        item.subject = f"Re: [{number}] " + item.subject.removeprefix("Re: ")
        self.subject_replies[item.key] = number
        return True

    @staticmethod
    def _send(client: smtplib.SMTP, item: Any) -> tuple[int, str]:
        client.ehlo_or_helo_if_needed()
        code, resp = client.mail(item.sender)
        if code == 250:
            code, resp = client.rcpt(item.rcpt)
        if code == 250:
            code, resp = client.data(item.raw)
        if code != 250:
            client.rset()
        return code, resp.decode(errors="replace")

    def run(self, first_port: int, by_key: Mapping[str, Any]) -> None:
        port, client = first_port, None
        chaser: Any | None = None
        waited = "waited for the case number" if self.hold_in_queue else "waited for its request"
        while time.monotonic() < self.deadline and not self.finished:
            item, chaser = chaser or self._take(), None
            if item is None:
                time.sleep(self.idle)
                continue
            with self.lock:
                if item.after in self.refused_keys:  # never sent: its request was refused
                    self.refused.append((item.key, 0, f"{item.after} refused"))
                    self.outstanding -= 1
                    continue
            if not self._ready(item, by_key):
                self._later(item, waited)
                continue
            try:
                if client is None:
                    client = smtplib.SMTP("127.0.0.1", port, timeout=10)
                code, resp = self._send(client, item)
            except (OSError, smtplib.SMTPException) as exc:
                if client is not None:
                    client.close()
                client = None
                port = self.ports[(self.ports.index(port) + 1) % len(self.ports)]  # next MX
                self._later(item, f"connection error ({type(exc).__name__})")
                if self.reconnect_pause:
                    time.sleep(self.reconnect_pause)  # this MTA waits before it tries again
                continue
            if code == 250:
                found = STORED_AS.search(resp)
                assert found, f"250 without the stored row's number: {resp!r}"
                with self.lock:
                    self.accepted.append((item.key, int(found.group(1)), port))
                    self.accepted_keys.add(item.key)
                    self.outstanding -= 1
                    chaser = self.chasers.pop(item.key, None)
                if chaser is None and self.pace:
                    time.sleep(self.pace)
            elif 400 <= code < 500:
                self._later(item, f"{code} answer")
            else:
                with self.lock:
                    self.refused.append((item.key, code, resp))
                    self.refused_keys.add(item.key)
                    self.outstanding -= 1
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
