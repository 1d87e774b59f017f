"""Scale-out, part of issue 11: two `intake serve` processes on one PostgreSQL database, one
of them with worker processes, 300 messages sent to both listeners, and the one with
workers SIGKILLed in the middle of the burst and started again.

Both processes run everything the bot runs (listener, worker(s), email and Slack dispatchers,
SLA sweep), relay to one aiosmtpd sink and post to one fake Slack Web API. The senders
behave like MTAs with two MX hosts: a message that got no 250 is sent again a moment later,
to the other listener when its own is down. The burst mixes service requests (a third of
them without a phone number), quote requests from account managers, replies that bring the
missing phone by In-Reply-To (often while their request is still being processed
elsewhere), replies naming the case number, and second copies of earlier messages.

Then: every 250 named a row holding that message; every distinct message was processed
exactly once; every reply joined its request's case; every case has one acknowledgement and
every completed case one confirmation, each delivered once (one the kill left `uncertain`
may be missing, never doubled); every Slack post of a case went out once; and each case's
emails reached the relay, and its Slack posts reached Slack, in the order they were queued.
The killed process's worker processes end by themselves.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from tests.conftest import ORG_FILE, ROOT
from tests.mailhelpers import (
    BurstSenders,
    Sink,
    as_raw,
    children_of,
    free_port,
    make_request,
    rows,
    wait_for,
    wait_for_port,
)
from tests.slack_api import DEFAULT_TOKEN, FakeSlack

pytestmark = pytest.mark.slow

COMPLETE, WITHOUT_PHONE, QUOTES = 100, 60, 40  # new requests: one case each
SUBJECT_REPLIES, DUPLICATES = 20, 20  # (the phone replies: one per request without one)
TOTAL = COMPLETE + WITHOUT_PHONE + QUOTES + WITHOUT_PHONE + SUBJECT_REPLIES + DUPLICATES
CONNECTIONS_PER_LISTENER = 3
KILL_AFTER = 150  # 250s given, and ACKS_BEFORE_KILL acknowledgements delivered: mid-burst,
ACKS_BEFORE_KILL = 40  # with both processes' workers and dispatchers busy
PACE = 0.4  # seconds between two sends on one connection: ~15 msg/s, a burst of ~20 s
TIME_LIMIT = 400.0
STARTUP = 150.0  # seconds for a serve process to listen, or its workers to be ready
RETRY_DELAY = 0.2
AMS = [
    ("Alex Martin <alex.martin@example.com>", "Prairie Crest Homes"),
    ("Priya Shah <priya.shah@example.com>", "Ridgeline Custom Builds Ltd."),
    ("Dan Schultz <dan.schultz@example.com>", "Northgate Modular Inc."),
]


@dataclass
class Item:
    key: str
    kind: str  # service | quote | phone_reply | subject_reply | duplicate
    message_id: str
    sender: str
    rcpt: str
    subject: str
    raw: bytes
    parent: str | None = None
    after: str | None = None  # the request that must have had its 250 first
    chases: bool = False  # sent on the same connection the moment its request got its 250
    not_before: float = 0.0


def letters(n: int) -> str:
    """A number written in letters (`Bcd`), for names that differ without digits."""
    out = ""
    for _ in range(3):
        n, digit = divmod(n, 26)
        out = chr(ord("a") + digit) + out
    return out.capitalize()


def reply_item(key: str, kind: str, parent: Item, msg: EmailMessage, chases: bool = False) -> Item:
    """A reply from `parent`'s sender, sent no earlier than its request's 250."""
    return Item(
        key,
        kind,
        str(msg["Message-ID"]),
        parent.sender,
        parent.rcpt,
        str(msg["Subject"]),
        as_raw(msg),
        parent=parent.key,
        after=parent.key,
        chases=chases,
    )


def plan(rng: random.Random) -> list[Item]:
    requests: list[Item] = []
    for i in range(COMPLETE + WITHOUT_PHONE):
        # No digits but the address's and the phone's: the extractor must find no phone in
        # the requests written without one.
        name = f"Sam {letters(i)} Owner"
        phone = f"Phone: 403-555-{2000 + i:04d}\n" if i < COMPLETE else ""
        msg = make_request(
            sender=f"{name} <sam{i:03d}@example.net>",
            subject=f"Service {i:03d}: the patio door sticks",
            body=(
                "Hello, the patio door sticks when it is cold.\n\n"
                f"Name: {name}\n{phone}Address: {i + 10} Oak Street, Calgary AB\n"
            ),
        )
        kind = "service" if i < COMPLETE else "service_no_phone"
        requests.append(
            Item(
                f"svc-{i:03d}",
                kind,
                str(msg["Message-ID"]),
                f"sam{i:03d}@example.net",
                "connectyou@example.com",
                str(msg["Subject"]),
                as_raw(msg),
            )
        )
    for i in range(QUOTES):
        sender, account = AMS[i % len(AMS)]
        msg = make_request(
            sender=sender,
            to="accountteam@example.com",
            subject=f"Quote {i:03d} please: Block {i}",
            body=(
                "Please quote:\n\n"
                f"Account: {account}\n"
                f"Product specs: {i + 3} awnings 24x36, double pane\n"
                "Factor: 0.55\n"
                f"Opportunity name: Block {i} showhome\n"
                "Opportunity type: Standard\n"
                "Stage: Submissions\n"
                "Close date: 2027-04-22\n"
            ),
        )
        requests.append(
            Item(
                f"quote-{i:03d}",
                "quote",
                str(msg["Message-ID"]),
                email.utils.parseaddr(sender)[1],
                "accountteam@example.com",
                str(msg["Subject"]),
                as_raw(msg),
            )
        )
    rng.shuffle(requests)
    order = list(requests)
    for n, parent in enumerate(r for r in requests if r.kind == "service_no_phone"):
        msg = make_request(
            sender=parent.sender,
            to=parent.rcpt,
            subject="Re: " + parent.subject,
            body=f"Sorry, forgot it.\nPhone: 403-555-{3000 + n:04d}\n",
            extra={"In-Reply-To": parent.message_id, "References": parent.message_id},
        )
        # Two in three are sent the moment their request is stored: they race its
        # processing, in whichever process and worker takes each first.
        reply = reply_item(f"phone-{n:03d}", "phone_reply", parent, msg, chases=n % 3 != 0)
        order.insert(rng.randrange(order.index(parent) + 1, len(order) + 1), reply)
    complete = [r for r in requests if r.kind in ("service", "quote")]
    for n, parent in enumerate(rng.sample(complete, SUBJECT_REPLIES)):
        msg = make_request(
            sender=parent.sender,
            to=parent.rcpt,
            subject="Re: " + parent.subject,  # gets [CASE-...] once the number is known
            body="Any news on this one? Thanks.\n",
        )
        reply = reply_item(f"news-{n:03d}", "subject_reply", parent, msg)
        order.insert(rng.randrange(order.index(parent) + 1, len(order) + 1), reply)
    originals = [o for o in order if o.kind != "subject_reply"]
    for n, original in enumerate(rng.sample(originals, DUPLICATES)):
        copy = Item(
            f"dup-{n:03d}",
            "duplicate",
            original.message_id,
            original.sender,
            original.rcpt,
            original.subject,
            original.raw,
            parent=original.key,
            after=original.after,  # a request's copy may race the request itself
        )
        order.insert(rng.randrange(order.index(original) + 1, len(order) + 1), copy)
    assert len(order) == TOTAL == 300
    return order


def write_config(
    tmp_path: Path, name: str, database_url: str, port: int, relay: str, slack_api: str, **worker
) -> Path:
    config = tmp_path / f"{name}.toml"
    processes = worker.get("processes", 0)
    config.write_text(
        f"""
[database]
url = "{database_url}"
[smtp]
listen = "127.0.0.1:{port}"
[relay]
address = "{relay}"
timeout_seconds = 3
[bot]
org = "{ORG_FILE}"
[worker]
poll_seconds = 0.5
processes = {processes}
[outbox]
poll_seconds = 0.5
backoff_first_seconds = 0.2
backoff_max_seconds = 1
[slack]
bot_token = "{DEFAULT_TOKEN}"
signing_secret = "not-used-here"
api_url = "{slack_api}"
http_listen = "127.0.0.1:{free_port()}"
poll_seconds = 0.5
timeout_seconds = 2
""",
        encoding="utf-8",
    )
    return config


def start_serve(config: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`intake serve` as a real process, as tests/mailhelpers.start_intake starts it, with
    more time to listen (and the end of its log when it does not)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "SLACK_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "intake.bot.cli", "--config", str(config), "serve"],
        cwd=ROOT,
        env=base,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, timeout=STARTUP)
    except AssertionError:
        proc.kill()
        proc.wait(10)
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
        raise AssertionError(f"intake serve did not listen on {port}:\n{tail}") from None
    return proc


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def describe(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:2]
    except OSError:
        return "gone"
    return f"{state} {command[:200]}"


def drained(engine: Engine, sink: Sink, slack: FakeSlack) -> bool:
    counts = rows(
        engine,
        "select"
        " (select count(*) from inbound_messages where state = 'new') as waiting,"
        " (select count(*) from outbox where state in ('pending', 'sending')) as unsent,"
        " (select count(*) from outbox where state = 'sent' and channel = 'email') as mails,"
        " (select count(*) from outbox where state = 'sent' and channel = 'slack') as posts",
    )[0]
    slack_calls = len(slack.calls_of("chat.postMessage")) + len(slack.calls_of("chat.update"))
    return (
        counts["waiting"] == 0
        and counts["unsent"] == 0
        and sink.count >= counts["mails"]
        and slack_calls >= counts["posts"]
    )


@pytest.mark.timeout(TIME_LIMIT + 60)  # its own budget, and time to stop the bots
def test_two_serves_one_killed_mid_burst_lose_nothing_double_nothing_keep_order(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serves one process; several serve processes need PostgreSQL")
    started = time.monotonic()
    deadline = started + TIME_LIMIT - 30
    items = plan(random.Random(11))
    by_key = {i.key: i for i in items if i.kind != "duplicate"}
    engine = create_engine(database_url)
    log = tmp_path / "bots.log"
    kill: dict = {}
    with Sink() as sink, FakeSlack() as slack:
        ports = [free_port(), free_port()]
        config_a = write_config(
            tmp_path, "a", database_url, ports[0], sink.address, slack.base_url, processes=2
        )
        config_b = write_config(tmp_path, "b", database_url, ports[1], sink.address, slack.base_url)
        bot_a = start_serve(config_a, ports[0], log)
        # B after A has migrated the database and its workers are up: on a busy machine
        # five interpreters loading the extractor at once take minutes.
        wait_for(lambda: log.read_text().count("ready (pid") >= 2, timeout=STARTUP)
        bot_b = start_serve(config_b, ports[1], log)
        senders = BurstSenders(
            items,
            ports,
            engine,
            deadline,
            subject_kind="subject_reply",
            retry_delay=RETRY_DELAY,
            pace=PACE,
            hold_in_queue=True,
        )
        threads = [
            threading.Thread(target=senders.run, args=(port, by_key), daemon=True)
            for port in ports
            for _ in range(CONNECTIONS_PER_LISTENER)
        ]
        try:
            for t in threads:
                t.start()
            wait_for(
                lambda: (
                    senders.finished
                    or (senders.accepted_count >= KILL_AFTER and sink.count >= ACKS_BEFORE_KILL)
                ),
                timeout=max(1.0, deadline - time.monotonic()),
                step=0.005,
            )
            assert not senders.finished, "the burst ended before the kill"
            workers_of_a = children_of(bot_a.pid)
            bot_a.send_signal(signal.SIGKILL)
            bot_a.wait(10)
            kill = {
                "after_250s": senders.accepted_count,
                "at_seconds": round(time.monotonic() - started, 2),
                "acks_at_sink": sink.count,
                "worker_processes": len(workers_of_a),
            }
            # Orphaned worker processes notice and end by themselves.
            try:
                wait_for(lambda: not any(alive(p) for p in workers_of_a), timeout=45)
            except AssertionError:
                left = {p: describe(p) for p in workers_of_a if alive(p)}
                raise AssertionError(f"orphaned processes still running: {left}") from None
            bot_a = start_serve(config_a, ports[0], log)
            for t in threads:
                t.join(max(1.0, deadline - time.monotonic()))
            assert senders.finished, f"senders still had {senders.outstanding} messages queued"
            # Drained; both bots are then stopped before the sink and Slack are read, so a
            # doubled send is there by then (no sleep needed to let one show up).
            wait_for(
                lambda: drained(engine, sink, slack),
                timeout=max(1.0, deadline + 25 - time.monotonic()),
            )
        finally:
            for bot in (bot_a, bot_b):
                bot.send_signal(signal.SIGTERM)
            for bot in (bot_a, bot_b):
                try:
                    bot.wait(30)
                except subprocess.TimeoutExpired:
                    bot.kill()
                    bot.wait(10)
        delivered = sink.messages
        slack_calls = [c for c in slack.calls if c.ok]
    elapsed = time.monotonic() - started

    inbound = {r["id"]: r for r in rows(engine, "select * from inbound_messages")}
    cases = {r["id"]: r for r in rows(engine, "select id, number, subject, slack_ts from cases")}
    outbox = rows(
        engine,
        "select id, channel, kind, state, message_id, case_id, raw, attempts, last_error "
        "from outbox order by id",
    )
    engine.dispose()

    assert not senders.refused, f"refused for good: {senders.refused}"
    every = {i.key: i for i in items}
    # Every 250 named a committed row holding that very message.
    for key, row_id, _ in senders.accepted:
        row = inbound.get(row_id)
        assert row is not None, f"{key} got 250 as #{row_id}, which is not in the database"
        assert row["message_id"] == every[key].message_id, (key, row_id)
    assert Counter(r["state"] for r in inbound.values()) == {"done": len(inbound)}
    # Each distinct message processed exactly once, its other arrivals ignored as copies.
    arrivals: dict[str, list[dict]] = {}
    for r in inbound.values():
        arrivals.setdefault(r["message_id"], []).append(r)
    assert set(arrivals) == {i.message_id for i in by_key.values()}, "a message never arrived"
    first: dict[str, dict] = {}
    for mid, group in arrivals.items():
        effective = [r for r in group if r["outcome"] in ("new_case", "append")]
        brief = [(r["id"], r["outcome"], r["reason"], r["case_id"]) for r in group]
        assert len(effective) == 1, f"{mid} processed {len(effective)} times: {brief}"
        first[mid] = effective[0]
        assert all(r["reason"].startswith("duplicate") for r in group if r is not effective[0])
    # One case per request; each reply joined its request's case (never opened one).
    requests = [i for i in by_key.values() if i.kind in ("service", "service_no_phone", "quote")]
    assert sorted(c["subject"] for c in cases.values()) == sorted(i.subject for i in requests)
    for item in by_key.values():
        row = first[item.message_id]
        if item.parent is None:
            assert row["outcome"] == "new_case", item.key
        else:
            parent = first[by_key[item.parent].message_id]
            assert (row["outcome"], row["case_id"]) == ("append", parent["case_id"]), item.key

    # Email: one acknowledgement per case, one confirmation per completed case, each once.
    mails = [o for o in outbox if o["channel"] == "email"]
    kinds = Counter((o["case_id"], o["kind"]) for o in mails)
    assert {k for k, n in kinds.items() if n > 1} == set(), "a case got a reply twice"
    assert sorted(o["case_id"] for o in mails if o["kind"] == "ack") == sorted(cases)
    completed = {first[i.message_id]["case_id"] for i in by_key.values() if i.kind == "phone_reply"}
    assert {o["case_id"] for o in mails if o["kind"] == "confirm"} == completed
    assert {o["state"] for o in outbox} <= {"sent", "uncertain"}, (
        Counter(o["state"] for o in outbox),
        [
            (o["id"], o["channel"], o["kind"], o["attempts"], o["last_error"])
            for o in outbox
            if o["state"] not in ("sent", "uncertain")
        ],
    )
    arrived = [str(m["Message-ID"]) for m in delivered]
    doubled = {mid: n for mid, n in Counter(arrived).items() if n > 1}
    assert not doubled, f"delivered more than once: {doubled}"
    for o in mails:
        assert o["message_id"] in arrived or o["state"] == "uncertain", o["message_id"]
    uncertain = [o for o in outbox if o["state"] == "uncertain"]
    assert len(uncertain) <= 2, uncertain  # at most the hand-over of each dispatcher killed
    # Each case's emails reached the relay in the order they were queued.
    position = {mid: n for n, mid in enumerate(arrived)}
    for case_id in cases:
        # (a row left "uncertain" by the kill may never have reached the relay: it has no
        # place in the order)
        sent = [position.get(o["message_id"]) for o in mails if o["case_id"] == case_id]
        sent = [p for p in sent if p is not None]
        assert sent == sorted(sent), f"case #{case_id}: its emails arrived out of order"

    # Slack: every post once, and each case's posts in the order they were queued.
    posts = [o for o in outbox if o["channel"] == "slack"]
    top_level = Counter(
        c.args.get("text")
        for c in slack_calls
        if c.method == "chat.postMessage" and not c.args.get("thread_ts")
    )
    for case_id, case in cases.items():
        queued = [
            json.loads(o["raw"]) | {"state": o["state"]} for o in posts if o["case_id"] == case_id
        ]
        assert queued and queued[0]["announce"], f"case #{case_id} was not announced first"
        announced = top_level[queued[0]["text"]]
        assert announced == (queued[0]["state"] == "sent") or queued[0]["state"] == "uncertain"
        assert announced <= 1, f"case #{case_id} was announced {announced} times"
        ts = case["slack_ts"]
        if ts is None:  # its announcement is uncertain: the thread posts went top-level
            continue
        seen = [
            ("update" if c.method == "chat.update" else "post", c.args.get("text"))
            for c in slack_calls
            if c.response.get("ts") == ts
            and c.method == "chat.postMessage"
            or c.args.get("thread_ts") == ts
            or (c.method == "chat.update" and c.args.get("ts") == ts)
        ]
        expected = [("update" if q.get("update") else "post", q["text"]) for q in queued]
        if all(q["state"] == "sent" for q in queued):
            assert seen == expected, f"case #{case_id}: Slack saw {seen}, queued {expected}"
        else:  # an uncertain post may or may not have reached Slack; never twice
            assert len(seen) == len(set(seen)) and set(seen) <= set(expected), case_id

    assert elapsed < TIME_LIMIT
    summary = {
        "seconds": round(elapsed, 1),
        "sends_planned": len(items),
        "answered_250": len(senders.accepted),
        "answered_by_listener": dict(Counter(p for _, _, p in senders.accepted)),
        "sender_events": dict(senders.events),
        "kill": kill,
        "inbound_rows": len(inbound),
        "outcomes": dict(Counter(r["outcome"] for r in inbound.values())),
        "cases": len(cases),
        "outbox": dict(Counter(f"{o['channel']}/{o['kind']}/{o['state']}" for o in outbox)),
        "delivered_to_sink": len(delivered),
        "slack_calls": len(slack_calls),
        "load_avg": os.getloadavg(),
    }
    (tmp_path / "scale-out.json").write_text(json.dumps(summary, indent=2, default=str))
    print("\nscale out:", json.dumps(summary, default=str))
