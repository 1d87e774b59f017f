"""Benchmark: does a message cost more as the history grows?

Two measurements, on SQLite as intake runs it by default (WAL, synchronous=NORMAL), each
message stored by the front door and processed by the worker (`peer.deliver`), the
500-message mix of bench/peer.py made new for each batch (Message-IDs of its own, Dates a
week later per batch):

  history   a batch of 500 into a database already holding 100,000 cases, against a batch
            into an empty one; the two alternate, each run on a fresh copy (made untimed)
            of the filled or the empty database. Target: per-message cost <= 1.2x.
  batches   six batches of 500 one after another into one database; the 6th batch against
            the 1st. Target <= 1.2x.

The 100,000 cases are bulk-inserted (Core executemany in one transaction, not through the
pipeline; a minute or so): created over two years before the mix, 90 % done (won, lost,
closed) and 10 % open (awaiting_info, open, quote_sent, waiting), owned in turn by the
organisation's reps and service members; each with the inbound message that opened it (a
small stub: its raw bytes are not read again), its processed key, the message on the case,
its acknowledgement (message on the case and a sent outbox row), its events (opened, two
fields set, status, assigned, reply queued) and its quote_turnaround clock (stopped when the
case is done). Cost per message is wall time and process CPU time, medians over the runs.

usage: python bench/history.py [--runs 3] [--cases 100000] [--sequences 1]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from peer import build_mix, deliver  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from intake.bot.app import App, build_app  # noqa: E402
from intake.bot.config import Settings  # noqa: E402
from intake.storage.models import (  # noqa: E402
    Case,
    CaseEvent,
    CaseMessage,
    Counter,
    InboundMessage,
    OutboxMessage,
    ProcessedKey,
    SlaClock,
)

MIX_START = datetime(2025, 3, 1, tzinfo=UTC)
OPEN = ["awaiting_info", "open", "quote_sent", "waiting"]
DONE = ["won", "lost", "closed"]
OWNERS = ["tara.nguyen", "omar.haddad", "ben.okafor", "rita.santos", "jon.price"]


def batch(raws: list[bytes], number: int) -> list[tuple[bytes, datetime]]:
    """The mix made new: Message-IDs of this batch, and the clock a week later per batch."""
    out = []
    for i, raw in enumerate(raws):
        raw = raw.replace(b"Message-ID: <q", f"Message-ID: <b{number}-q".encode(), 1)
        out.append((raw, MIX_START + timedelta(days=7 * number, minutes=7 * i)))
    return out


def open_app(url: str) -> App:
    return build_app(Settings.model_validate({"database": {"url": url}}))


def fill(app: App, cases: int) -> float:
    """Bulk-insert `cases` cases of history with their rows; returns the seconds it took."""
    start = time.perf_counter()
    first = MIX_START - timedelta(days=730)
    step = timedelta(days=730) / cases
    chunk = 10_000
    with app.engine.begin() as conn:
        for low in range(0, cases, chunk):
            models = (Case, InboundMessage, ProcessedKey, OutboxMessage, CaseMessage)
            rows: dict[type, list[dict]] = {m: [] for m in (*models, CaseEvent, SlaClock)}
            for n in range(low + 1, min(cases, low + chunk) + 1):
                at = first + step * n
                status = OPEN[n % 4] if n % 10 == 0 else DONE[n % 3]
                owner = OWNERS[n % len(OWNERS)]
                mid, ack = f"<history-{n}@mail.example.com>", f"<ack-{n}@example.com>"
                rows[Case].append(
                    {
                        "id": n,
                        "seq": n,
                        "number": f"CASE-{n:06d}",
                        "queue": "quotes",
                        "mailbox": "accountteam@example.com",
                        "team": "west",
                        "status": status,
                        "subject": f"Quote request #{n}",
                        "requester_email": "alex.martin@example.com",
                        "requester_name": "Alex Martin",
                        "owner": owner,
                        "account_manager": "alex.martin",
                        "account_id": "ACC-1001",
                        "fields": {"account": "Prairie Crest Homes", "factor": "0.48"},
                        "confidence": {"account": 0.95, "factor": 0.95},
                        "missing": [],
                        "participants": ["alex.martin@example.com"],
                        "due_at": at + timedelta(days=2),
                        "created_at": at,
                        "updated_at": at,
                    }
                )
                rows[InboundMessage].append(
                    {
                        "id": n,
                        "channel": "smtp",
                        "received_at": at,
                        "mail_from": "alex.martin@example.com",
                        "rcpt_tos": ["accountteam@example.com"],
                        "raw": b"Message-ID: " + mid.encode() + b"\r\n\r\nstub\r\n",
                        "size": 40,
                        "message_id": mid,
                        "dedupe_key": f"mid:history-{n}",
                        "state": "done",
                        "attempts": 0,
                        "outcome": "new_case",
                        "case_id": n,
                        "processed_at": at,
                    }
                )
                rows[ProcessedKey].append({"dedupe_key": f"mid:history-{n}", "inbound_id": n})
                rows[OutboxMessage].append(
                    {
                        "id": n,
                        "channel": "email",
                        "kind": "ack",
                        "case_id": n,
                        "message_id": ack,
                        "mail_from": "accountteam@example.com",
                        "recipients": ["alex.martin@example.com"],
                        "recipient": "alex.martin@example.com",
                        "raw": b"stub",
                        "state": "sent",
                        "attempts": 1,
                        "next_attempt_at": at,
                        "created_at": at,
                        "sent_at": at,
                    }
                )
                for direction, message_id, outbox in (("in", mid, None), ("out", ack, n)):
                    rows[CaseMessage].append(
                        {
                            "case_id": n,
                            "direction": direction,
                            "channel": "email",
                            "message_id": message_id,
                            "inbound_id": n if direction == "in" else None,
                            "outbox_id": outbox,
                            "sender": "alex.martin@example.com",
                            "recipients": ["accountteam@example.com"],
                            "subject": f"Quote request #{n}",
                            "text": "Account: Prairie Crest Homes\nFactor: 0.48\n",
                            "extracted": {},
                            "at": at,
                        }
                    )
                for kind, data in (
                    ("opened", {"queue": "quotes"}),
                    ("field_set", {"field": "account", "new": "Prairie Crest Homes"}),
                    ("field_set", {"field": "factor", "new": "0.48"}),
                    ("status_changed", {"old": None, "new": "open"}),
                    ("assigned", {"owner": owner, "old": None, "rule": "history"}),
                    ("reply_queued", {"kind": "ack"}),
                ):
                    rows[CaseEvent].append(
                        {"case_id": n, "at": at, "actor": "intake-bot", "kind": kind, "data": data}
                    )
                done = status in DONE
                rows[SlaClock].append(
                    {
                        "case_id": n,
                        "policy": "quote_turnaround",
                        "state": "stopped" if done else "running",
                        "generation": 1,
                        "started_at": at,
                        "resumed_at": at,
                        "remaining_seconds": 0.0 if done else 172800.0,
                        "due_at": at + timedelta(days=2),
                        "next_at": None if done else at + timedelta(days=2),
                        "next_step": None if done else "breach",
                        "warned": False,
                        "escalated": False,
                        "notices": 0,
                        "stopped_at": at + timedelta(days=1) if done else None,
                        "stopped_by": "closed" if done else None,
                        "updated_at": at,
                    }
                )
            for model, values in rows.items():
                conn.execute(insert(model), values)
        conn.execute(insert(Counter), [{"name": "case:CASE", "value": cases}])
    raw = app.engine.raw_connection()  # outside a transaction: SQLite's autocommit
    try:
        raw.driver_connection.execute("ANALYZE")
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    return time.perf_counter() - start


def timed_batch(app: App, messages: list[tuple[bytes, datetime]]) -> tuple[float, float]:
    """(wall ms, CPU ms) per message for one batch."""
    start, cpu = time.perf_counter(), time.process_time()
    for raw, when in messages:
        result = deliver(app, raw, received_at=when)
        assert getattr(result, "outcome", None) == "new_case", result
    n = len(messages)
    return 1000 * (time.perf_counter() - start) / n, 1000 * (time.process_time() - cpu) / n


def copy_db(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, target)


def history(raws: list[bytes], cases: int, runs: int, tmp: Path) -> None:
    empty, filled = tmp / "empty.db", tmp / "filled.db"
    for path, size in ((empty, 0), (filled, cases)):
        app = open_app(f"sqlite:///{path}")
        took = fill(app, size) if size else 0.0
        app.close()
        if size:
            mib = path.stat().st_size / 2**20
            print(f"filled {size:,} cases in {took:.1f} s ({mib:.0f} MiB)")
    costs: dict[str, list[tuple[float, float]]] = {"empty": [], "filled": []}
    warm = [(raws[0].replace(b"Message-ID: <q", b"Message-ID: <warm-q", 1), MIX_START)]
    for run in range(runs):
        for name in ("empty", "filled") if run % 2 == 0 else ("filled", "empty"):
            live = tmp / "live.db"
            copy_db(empty if name == "empty" else filled, live)
            app = open_app(f"sqlite:///{live}")
            timed_batch(app, warm)  # untimed: imports, caches, the first queries
            load = os.getloadavg()[0]
            costs[name].append(timed_batch(app, batch(raws, 1)))
            app.close()
            wall, cpu = costs[name][-1]
            print(f"run {run + 1} {name:6} {wall:6.1f} ms/msg wall {cpu:6.1f} ms/msg CPU", end="")
            print(f"  load {load:.2f}")
    report(f"{cases:,} cases vs empty", costs["empty"], costs["filled"])


def batches(raws: list[bytes], sequences: int, tmp: Path) -> None:
    firsts, sixths = [], []
    for sequence in range(sequences):
        live = tmp / "batches.db"
        copy_db(tmp / "empty.db", live)
        app = open_app(f"sqlite:///{live}")
        per_batch = []
        for number in range(1, 7):
            load = os.getloadavg()[0]
            per_batch.append(timed_batch(app, batch(raws, number)))
            wall, cpu = per_batch[-1]
            print(
                f"sequence {sequence + 1} batch {number}  {wall:6.1f} ms/msg wall"
                f" {cpu:6.1f} ms/msg CPU  load {load:.2f}"
            )
        app.close()
        firsts.append(per_batch[0])
        sixths.append(per_batch[5])
    report("6th batch vs 1st", firsts, sixths)


def report(what: str, base: list[tuple[float, float]], grown: list[tuple[float, float]]) -> None:
    wall = statistics.median(w for w, _ in grown) / statistics.median(w for w, _ in base)
    cpu = statistics.median(c for _, c in grown) / statistics.median(c for _, c in base)
    print(f"{what}: per-message cost {wall:.2f}x wall, {cpu:.2f}x CPU (target <= 1.2x)\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--sequences", type=int, default=1, help="of six batches")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    raws = build_mix(500)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="intake-history-") as tmp:
        history(raws, args.cases, args.runs, Path(tmp))
        if args.sequences:
            batches(raws, args.sequences, Path(tmp))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
