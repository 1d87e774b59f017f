"""Benchmark: SMTP -> case -> acknowledgement throughput, with a yardstick.

One `intake serve` (in this process, as in production: listener, worker, dispatcher) on a
fresh SQLite database relays to an aiosmtpd sink. The corpus messages are sent over SMTP
with fresh Message-IDs (so every one is new), and the clock runs until every message is
processed and every reply has reached the sink. The yardstick, measured in the same run on
the same messages, is the bare stdlib parse: `email.message_from_bytes(raw, policy=default)`
plus the body text. Prints medians of several runs and the ratio to the yardstick.

usage: python bench/throughput.py [--runs 5] [--copies 4] [--connections 4]
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import json
import os
import re
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from intake.bot.app import build_app  # noqa: E402
from intake.bot.config import Settings  # noqa: E402
from intake.bot.serve import serve  # noqa: E402
from tests.mailhelpers import Sink, free_port, wait_for, wait_for_port  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "intake"


def load_messages(copies: int) -> list[bytes]:
    """Corpus messages made new: fresh Message-IDs, no thread headers or case numbers."""
    out: list[bytes] = []
    raws = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]
    for copy in range(copies):
        for n, raw in enumerate(raws):
            raw = re.sub(rb"(?im)^(in-reply-to|references):.*(\r?\n[ \t].*)*\r?\n", b"", raw)
            raw = re.sub(rb"CASE\{\d+\}", b"", raw)
            raw = re.sub(
                rb"(?im)^message-id:.*(\r?\n[ \t].*)*$",
                f"Message-ID: <bench-{copy}-{n}-{time.time_ns()}@example.org>".encode(),
                raw,
                count=1,
            )
            out.append(re.sub(rb"\r?\n", b"\r\n", raw))  # on the wire, lines end in CRLF
    return out


def envelope(raw: bytes) -> tuple[str, list[str]]:
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    rcpts = [a for _, a in email.utils.getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))]
    ours = [a.lower() for a in rcpts if a.lower().startswith(("accountteam", "connectyou"))]
    return email.utils.parseaddr(msg.get("From", ""))[1] or "x@example.org", ours


def yardstick(raws: list[bytes]) -> float:
    start = time.perf_counter()
    for raw in raws:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        body = msg.get_body(("plain", "html"))
        if body is not None:
            with contextlib.suppress(LookupError, ValueError):
                body.get_content()
    return len(raws) / (time.perf_counter() - start)


def one_run(raws: list[bytes], connections: int) -> float:
    with tempfile.TemporaryDirectory() as tmp, Sink() as sink:
        port = free_port()
        settings = Settings.model_validate(
            {
                "database": {"url": f"sqlite:///{tmp}/bench.db"},
                "smtp": {"listen": f"127.0.0.1:{port}"},
                "slack": {"http_listen": f"127.0.0.1:{free_port()}"},  # /healthz, /metrics
                "relay": {"address": sink.address},
                "worker": {"poll_seconds": 0.05},
                "outbox": {"poll_seconds": 0.05},
            }
        )
        app = build_app(settings)
        stop = threading.Event()
        thread = threading.Thread(target=serve, args=(app, stop), daemon=True)
        thread.start()
        wait_for_port(port)
        jobs = [(raw, *envelope(raw)) for raw in raws]
        jobs = [j for j in jobs if j[2]]

        def send(chunk: list[tuple[bytes, str, list[str]]]) -> None:
            with smtplib.SMTP("127.0.0.1", port) as client:
                for raw, sender, rcpts in chunk:
                    client.sendmail(sender, rcpts, raw)

        start = time.perf_counter()
        with ThreadPoolExecutor(connections) as pool:
            list(pool.map(send, [jobs[i::connections] for i in range(connections)]))

        def finished() -> bool:
            with app.engine.connect() as conn:
                waiting = conn.execute(
                    text("select count(*) from inbound_messages where state = 'new'")
                ).scalar()
                unsent = conn.execute(
                    text("select count(*) from outbox where state = 'pending'")
                ).scalar()
            return waiting == 0 and unsent == 0

        wait_for(finished, timeout=600, step=0.01)
        elapsed = time.perf_counter() - start
        stop.set()
        thread.join(10)
        app.close()
        return len(jobs) / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    raws = load_messages(args.copies)
    load_before = os.getloadavg()
    rates, sticks = [], []
    for _ in range(args.runs):
        sticks.append(yardstick(raws))
        rates.append(one_run(raws, args.connections))
    result = {
        "messages_per_run": len(raws),
        "runs": args.runs,
        "connections": args.connections,
        "smtp_to_ack_msgs_per_s_median": round(statistics.median(rates), 1),
        "smtp_to_ack_all_runs": [round(r, 1) for r in rates],
        "yardstick_parse_msgs_per_s_median": round(statistics.median(sticks), 1),
        "ratio_to_yardstick": round(statistics.median(rates) / statistics.median(sticks), 3),
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    print(
        json.dumps(result, indent=2)
        if args.json
        else "\n".join(f"{k:36} {v}" for k, v in result.items())
    )


if __name__ == "__main__":
    main()
