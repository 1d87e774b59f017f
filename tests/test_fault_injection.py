"""A hostile world, part 1: `intake serve` SIGKILLed twice in the middle of a mixed burst.

The bot runs as a real process, configured by a settings file, relaying to an aiosmtpd sink
in this process. Five SMTP clients send about 200 messages: new service requests from
customers, quote requests from account managers, replies that join earlier cases by the
case number in the subject or by In-Reply-To, and second copies of messages already sent
(same Message-ID, same bytes). The clients behave like sending MTAs: a message that did not
get 250 (the connection died with the bot, or was refused while it was down, or got a 4xx)
stays in their queue and is sent again a moment later. The bot is killed with SIGKILL twice,
at different points of the burst, and restarted each time.

Then everything is reconciled against the database and the sink: each 250 named a row that
holds that message; each distinct message was processed exactly once (its copies ignored as
duplicates); each request has one case, each reply joined its request's case; each case has
exactly one acknowledgement in the outbox, delivered once. An acknowledgement the kill left
`uncertain` (handed to the relay, answer never recorded: see bot/outbox.py) may be missing
from the sink but never doubled; those are counted and reported.
"""

from __future__ import annotations

import email
import email.policy
import json
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.conftest import ORG_FILE, ROOT
from tests.mailhelpers import (
    BurstSenders,
    Sink,
    as_raw,
    backlog,
    free_port,
    make_request,
    rows,
    start_intake,
    wait_for,
)

pytestmark = pytest.mark.slow

SERVICE, QUOTES = 80, 50  # new requests: one case each
REPLIES_BY_SUBJECT, REPLIES_BY_HEADER = 20, 20  # join the case of an earlier request
DUPLICATES = 30  # the same bytes (same Message-ID) as an earlier item, sent again
CONNECTIONS = 5
KILLS = (50, 140)  # SIGKILL once this many 250s have been given (the second also waits for
# acknowledgements to be flowing, so the worker and the dispatcher are busy too)
# Seconds for the whole test, restarts included: a bound for a bot that hangs, not a speed
# test (speed is bench/'s). 90 s was passed in 30-60 s on a quiet machine, but not on two
# cores with the whole suite and other work beside it (a clean-clone CI run at load 6 still
# had 60 of the burst's 200 messages to send at the deadline).
TIME_LIMIT = 150.0
RETRY_DELAY = 0.2  # a sending MTA's retry interval, shortened

AMS = [  # (sender, account): staff quote requests, each for an account of that AM
    ("Alex Martin <alex.martin@example.com>", "Prairie Crest Homes"),
    ("Priya Shah <priya.shah@example.com>", "Ridgeline Custom Builds Ltd."),
    ("Dan Schultz <dan.schultz@example.com>", "Northgate Modular Inc."),
]


@dataclass
class Item:
    """One message in a sending MTA's queue."""

    key: str
    kind: str  # service | quote | reply_subject | reply_header | duplicate
    message_id: str
    sender: str  # envelope sender
    rcpt: str
    subject: str
    raw: bytes  # a subject reply's gets its case number when that is known
    parent: str | None = None  # key of the request replied to, or of the item copied
    after: str | None = None  # key of a request that must have had its 250 first
    not_before: float = 0.0


def plan(rng: random.Random) -> list[Item]:
    """The burst, in sending order: replies after their requests, copies anywhere after."""
    requests: list[Item] = []
    for i in range(SERVICE):
        name = f"Pat{i:03d} Homeowner"
        msg = make_request(
            sender=f"{name} <pat{i:03d}@example.net>",
            subject=f"Service {i:03d}: foggy window in the kitchen",
            body=(
                f"Hello, the kitchen window at number {i} is foggy between the panes.\n\n"
                f"Name: {name}\nPhone: 403-555-{1000 + i:04d}\n"
                f"Address: {i + 1} Elm Street, Calgary AB\n"
            ),
        )
        requests.append(
            Item(
                f"svc-{i:03d}",
                "service",
                str(msg["Message-ID"]),
                f"pat{i:03d}@example.net",
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
            subject=f"Quote {i:03d} please: Lot {i}",
            body=(
                "Please quote:\n\n"
                f"Account: {account}\n"
                f"Product specs: {i + 2} casements 30x48, triple pane\n"
                "Factor: 0.52\n"
                f"Opportunity name: Lot {i} showhome\n"
                "Opportunity type: Standard\n"
                "Stage: Submissions\n"
                "Close date: 2027-03-18\n"
            ),
        )
        address = email.utils.parseaddr(sender)[1]
        requests.append(
            Item(
                f"quote-{i:03d}",
                "quote",
                str(msg["Message-ID"]),
                address,
                "accountteam@example.com",
                str(msg["Subject"]),
                as_raw(msg),
            )
        )
    rng.shuffle(requests)
    order: list[Item] = list(requests)
    by_key = {r.key: r for r in requests}
    parents = rng.sample(requests, REPLIES_BY_SUBJECT + REPLIES_BY_HEADER)
    for n, parent in enumerate(parents):
        by_subject = n < REPLIES_BY_SUBJECT
        kind = "reply_subject" if by_subject else "reply_header"
        msg = make_request(
            sender=parent.sender,
            to=parent.rcpt,
            subject="Re: " + parent.subject,  # a subject reply gets [CASE-...] when sent
            body="Any news on this one? Thanks.\n",
            extra={} if by_subject else {"In-Reply-To": parent.message_id},
        )
        if not by_subject:
            msg["References"] = parent.message_id
        reply = Item(
            f"re-{n:03d}",
            kind,
            str(msg["Message-ID"]),
            parent.sender,
            parent.rcpt,
            str(msg["Subject"]),
            as_raw(msg),
            parent=parent.key,
            after=parent.key,
        )
        after = order.index(parent) + 1
        order.insert(rng.randrange(after, len(order) + 1), reply)
        by_key[reply.key] = reply
    originals = [o for o in order if o.kind != "reply_subject"]  # theirs changes when sent
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
            after=original.after,  # a reply's copy is no earlier than the reply could be
        )
        order.insert(rng.randrange(0, len(order) + 1), copy)
    assert len(order) == SERVICE + QUOTES + REPLIES_BY_SUBJECT + REPLIES_BY_HEADER + DUPLICATES
    return order


def write_config(tmp_path: Path, database_url: str, port: int, relay: str) -> Path:
    config = tmp_path / "intake.toml"
    config.write_text(
        f"""
[database]
url = "{database_url}"
[smtp]
listen = "127.0.0.1:{port}"
[relay]
address = "{relay}"
spool_dir = "{tmp_path / "spool"}"
# On PostgreSQL a row the kill left `sending` is taken for uncertain once its lease ends,
# twice this time-out and a margin after the hand-over (bot/outbox.py): a short wait.
timeout_seconds = 3
[bot]
org = "{ORG_FILE}"
[worker]
poll_seconds = 0.05
[outbox]
poll_seconds = 0.05
backoff_first_seconds = 0.2
backoff_max_seconds = 1
""",
        encoding="utf-8",
    )
    return config


def drained(engine: Engine, sink: Sink) -> bool:
    with engine.connect() as conn:
        waiting, unsent = backlog(conn)
        sent = conn.execute(text("select count(*) from outbox where state = 'sent'")).scalar()
    return waiting == 0 and unsent == 0 and sink.count >= (sent or 0)


def test_two_sigkills_in_a_mixed_burst_lose_nothing_and_double_nothing(
    database_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    deadline = started + TIME_LIMIT - 15  # leave time to reconcile and stop
    items = plan(random.Random(13))
    by_key = {i.key: i for i in items if i.kind != "duplicate"}
    engine = create_engine(database_url)
    log = tmp_path / "bot.log"
    kills: list[dict] = []
    with Sink() as sink:
        port = free_port()
        config = write_config(tmp_path, database_url, port, sink.address)
        proc: subprocess.Popen[bytes] = start_intake(config, cwd=ROOT, port=port, log=log)
        senders = BurstSenders(
            items,
            [port],
            engine,
            deadline,
            subject_kind="reply_subject",
            retry_delay=RETRY_DELAY,
            reconnect_pause=RETRY_DELAY,
            idle=0.02,
        )
        threads = [
            threading.Thread(target=senders.run, args=(port, by_key), daemon=True)
            for _ in range(CONNECTIONS)
        ]
        try:
            for t in threads:
                t.start()
            sink_at_restart = 0
            for n, threshold in enumerate(KILLS):

                def due(threshold: int = threshold, n: int = n, since: int = sink_at_restart):
                    busy = n == 0 or sink.count > since
                    return senders.finished or (senders.accepted_count >= threshold and busy)

                wait_for(due, timeout=max(1.0, deadline - time.monotonic()), step=0.005)
                assert not senders.finished, f"the burst ended before kill {n + 1}"
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
                kills.append(
                    {
                        "after_250s": senders.accepted_count,
                        "at_seconds": round(time.monotonic() - started, 2),
                        "acks_at_sink": sink.count,
                    }
                )
                proc = start_intake(config, cwd=ROOT, port=port, log=log)
                sink_at_restart = sink.count
            for t in threads:
                t.join(max(1.0, deadline - time.monotonic()))
            assert senders.finished, f"senders still had {senders.outstanding} messages queued"
            # Drained; the bot is then stopped before the sink is read, so a doubled send is
            # at the sink by then (no sleep needed to let one show up).
            wait_for(lambda: drained(engine, sink), timeout=max(1.0, deadline - time.monotonic()))
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        delivered = sink.messages
    elapsed = time.monotonic() - started

    inbound = {r["id"]: r for r in rows(engine, "select * from inbound_messages")}
    cases = {r["id"]: r for r in rows(engine, "select id, number, subject from cases")}
    outbox = rows(engine, "select kind, state, message_id, case_id from outbox")
    engine.dispose()

    assert not senders.refused, f"refused for good: {senders.refused}"
    # Every 250 named a committed row holding that very message.
    every = {i.key: i for i in items}
    for key, row_id, _ in senders.accepted:
        row = inbound.get(row_id)
        mid = every[key].message_id
        assert row is not None, f"{key} got 250 as #{row_id}, which is not in the database"
        assert row["message_id"] == mid, f"#{row_id} holds {row['message_id']}, not {key}"
    # Every arrival processed; no message shunted or left waiting.
    states = Counter(r["state"] for r in inbound.values())
    assert states == {"done": len(inbound)}, f"inbound states: {dict(states)}"
    # Each distinct message processed exactly once; its other arrivals ignored as duplicates.
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
        for r in group:
            if r is not effective[0]:
                assert r["outcome"] == "ignore", brief
                assert r["reason"].startswith("duplicate"), brief
    # One case per request; replies joined their request's case, the way they were written.
    requests = [i for i in by_key.values() if i.kind in ("service", "quote")]
    assert sorted(c["subject"] for c in cases.values()) == sorted(i.subject for i in requests)
    for item in requests:
        assert first[item.message_id]["outcome"] == "new_case", item.key
    for item in by_key.values():
        if item.kind.startswith("reply"):
            row = first[item.message_id]
            parent = first[by_key[item.parent].message_id]  # type: ignore[index]
            assert (row["outcome"], row["case_id"]) == ("append", parent["case_id"]), item.key
            how = "case number" if item.kind == "reply_subject" else "In-Reply-To"
            assert how in row["reason"], (item.key, row["reason"])
    # Exactly one acknowledgement per case in the outbox, sent or uncertain, never doubled.
    acks = [o for o in outbox if o["kind"] == "ack"]
    assert sorted(a["case_id"] for a in acks) == sorted(cases), "a case without exactly one ack"
    assert {a["state"] for a in acks} <= {"sent", "uncertain"}, Counter(a["state"] for a in acks)
    at_sink = Counter(str(m["Message-ID"]) for m in delivered)
    doubled = {mid: n for mid, n in at_sink.items() if n > 1}
    assert not doubled, f"delivered more than once: {doubled}"
    assert set(at_sink) <= {o["message_id"] for o in outbox}, "the sink got mail nobody queued"
    uncertain = [a for a in acks if a["state"] == "uncertain"]
    missing = [a for a in acks if a["message_id"] not in at_sink]
    assert all(a["state"] == "uncertain" for a in missing), f"sent but never delivered: {missing}"
    # A kill interrupts at most the one hand-over to the relay in progress at that moment.
    assert len(uncertain) <= len(KILLS)
    assert elapsed < TIME_LIMIT

    summary = {
        "backend": database_url.split(":", 1)[0],
        "seconds": round(elapsed, 1),
        "sends_planned": len(items),
        "distinct_messages": len(by_key),
        "answered_250": len(senders.accepted),
        "sender_events": dict(senders.events),
        "kills": kills,
        "inbound_rows": len(inbound),
        "stored_but_250_lost": len(inbound) - len(senders.accepted),
        "outcomes": dict(Counter(r["outcome"] for r in inbound.values())),
        "duplicates_ignored": sum(len(g) - 1 for g in arrivals.values()),
        "cases": len(cases),
        "acks": dict(Counter(a["state"] for a in acks)),
        "uncertain_missing_from_sink": len(missing),
        "uncertain_delivered": len(uncertain) - len(missing),
        "outbox_kinds": dict(Counter(o["kind"] for o in outbox)),
        "delivered_to_sink": len(delivered),
    }
    (tmp_path / "fault-injection.json").write_text(json.dumps(summary, indent=2))
    print("\nfault injection:", json.dumps(summary))
