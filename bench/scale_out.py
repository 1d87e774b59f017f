"""Benchmark: `intake serve --workers N` on PostgreSQL, throughput and latency.

A real `intake serve --workers N` process (the listener, the dispatchers and the sweep in
it; the pipeline in N spawned worker processes) on a fresh PostgreSQL database relays to an
aiosmtpd sink in this process, which notes when each reply is handed to it.

throughput: the corpus (`bench/throughput.py`'s messages: fresh Message-IDs, no threading)
  is sent over 4 SMTP connections; the clock runs from the first send until every message
  is processed and every reply has reached the sink. Run for each N of `--workers`, in
  alternation, `--runs` times; the figure is msg/s, and the ratio of each N's median to the
  first N's.
latency: messages are sent at a steady `--rate` per second (open loop: a send never waits
  for the previous reply) for `--seconds`; for each message that gets a reply, the time from
  the 250 to the reply's arrival at the relay (matched by In-Reply-To). p50 and p99.

Each serve is warmed up first (a few messages, until their replies arrive: the workers have
loaded the extractor). CPU seconds of the serve process, its workers, the PostgreSQL server
and this process are reported per message, so a ratio can be read against where the time
went; so are the load averages, since other work on the machine moves every figure.

usage: python bench/scale_out.py [--workers 1,2] [--runs 3] [--copies 4] [--rate 20]
                                 [--seconds 30] [--json]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench.throughput import envelope, load_messages  # noqa: E402
from tests.mailhelpers import (  # noqa: E402
    backlog,
    children_of,
    free_port,
    make_request,
    wait_for,
    wait_for_port,
)

PG_ADMIN = os.environ.get(
    "INTAKE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ORG = ROOT / "fixtures" / "org.toml"
CONNECTIONS = 4
TICKS = os.sysconf("SC_CLK_TCK")


class TimedSink:
    """The relay: keeps each message's In-Reply-To and when its end of DATA arrived."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: list[tuple[float, str]] = []  # (monotonic, In-Reply-To)
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        at = time.monotonic()
        head = envelope.original_content.split(b"\r\n\r\n", 1)[0]
        msg = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.compat32)
        with self.lock:
            self.arrivals.append((at, str(msg.get("In-Reply-To", "")).strip()))
        return "250 OK"

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)

    def __enter__(self) -> TimedSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class Database:
    """A fresh PostgreSQL database for one serve, dropped afterwards."""

    def __init__(self) -> None:
        self.name = "intake_bench_" + uuid.uuid4().hex[:10]
        self.url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{self.name}"

    def __enter__(self) -> Database:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        admin.dispose()
        self.engine = create_engine(self.url)
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()

    def done(self) -> bool:
        """Everything stored is processed, and every reply queued is handed over."""
        with self.engine.connect() as conn:
            waiting, unsent = backlog(conn)
        return waiting == 0 and unsent == 0


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def postgres_pids() -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() in ("postgres", "postmaster"):
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


def rss_mib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def self_cpu() -> float:
    t = os.times()
    return t.user + t.system


class Serve:
    """`intake serve --workers N` as a subprocess, on its own database, relaying to `sink`."""

    def __init__(self, workers: int, db: Database, sink: TimedSink, tmp: Path) -> None:
        self.port = free_port()
        config = tmp / f"intake-{workers}.toml"
        config.write_text(
            f"""
[database]
url = "{db.url}"
[smtp]
listen = "127.0.0.1:{self.port}"
[relay]
address = "127.0.0.1:{sink.port}"
[bot]
org = "{ORG}"
""",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "SLACK_"))}
        self.log = tmp / f"serve-{workers}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "intake.bot.cli", "--config", str(config), "serve"]
            + ["--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, timeout=120)

    def pids(self) -> list[int]:
        return [self.proc.pid, *children_of(self.proc.pid)]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def send_all(port: int, jobs: list[tuple[bytes, str, list[str]]], connections: int) -> None:
    def send(chunk: list[tuple[bytes, str, list[str]]]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            for raw, sender, rcpts in chunk:
                client.sendmail(sender, rcpts, raw)

    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(send, [jobs[i::connections] for i in range(connections)]))


def warm_up(serve: Serve, db: Database, sink: TimedSink) -> None:
    """A few requests until their replies arrive: the workers are up and warm."""
    before = sink.count
    jobs = []
    for n in range(8):
        msg = make_request(sender=f"Warm {n} <warm{n}@example.net>", subject=f"Warm up {n}")
        jobs.append((msg.as_bytes(), f"warm{n}@example.net", ["connectyou@example.com"]))
    send_all(serve.port, jobs, 2)
    wait_for(lambda: sink.count >= before + len(jobs) and db.done(), timeout=180, step=0.05)


def throughput_run(workers: int, raws: list[bytes]) -> dict[str, Any]:
    jobs = [(raw, *envelope(raw)) for raw in raws]
    jobs = [j for j in jobs if j[2]]
    with tempfile.TemporaryDirectory() as tmp, Database() as db, TimedSink() as sink:
        serve = Serve(workers, db, sink, Path(tmp))
        try:
            warm_up(serve, db, sink)
            pids, pg = serve.pids(), postgres_pids()
            cpu0 = (cpu_seconds(pids[:1]), cpu_seconds(pids[1:]), cpu_seconds(pg), self_cpu())
            load0 = os.getloadavg()[0]
            start = time.perf_counter()
            send_all(serve.port, jobs, CONNECTIONS)
            wait_for(db.done, timeout=900, step=0.01)
            elapsed = time.perf_counter() - start
            cpu1 = (cpu_seconds(pids[:1]), cpu_seconds(pids[1:]), cpu_seconds(pg), self_cpu())
            rss = {pid: rss_mib(pid) for pid in pids}
        finally:
            serve.stop()
    n = len(jobs)
    return {
        "workers": workers,
        "messages": n,
        "msgs_per_s": round(n / elapsed, 1),
        "cpu_ms_per_msg": {
            name: round(1000 * (after - before) / n, 2)
            for name, before, after in zip(
                ("serve_process", "worker_processes", "postgresql", "bench_clients_and_sink"),
                cpu0,
                cpu1,
                strict=True,
            )
        },
        "rss_mib": {"serve_process": rss[pids[0]], "worker_processes": [rss[p] for p in pids[1:]]},
        "load_1min_before": round(load0, 2),
        "load_1min_after": round(os.getloadavg()[0], 2),
    }


def latency_run(workers: int, raws: list[bytes], rate: float, seconds: float) -> dict[str, Any]:
    jobs = [(raw, *envelope(raw)) for raw in raws]
    jobs = [j for j in jobs if j[2]]
    total = int(rate * seconds)
    with tempfile.TemporaryDirectory() as tmp, Database() as db, TimedSink() as sink:
        serve = Serve(workers, db, sink, Path(tmp))
        try:
            warm_up(serve, db, sink)
            accepted: dict[str, float] = {}
            lock = threading.Lock()
            load0 = os.getloadavg()[0]
            start = time.monotonic()

            def send(k: int) -> None:
                raw, sender, rcpts = jobs[k % len(jobs)]
                mid = f"<lat-{k}-{uuid.uuid4().hex[:8]}@example.org>"
                raw = raw.replace(_message_id(raw), mid.encode(), 1)
                with smtplib.SMTP("127.0.0.1", serve.port, timeout=60) as client:
                    client.sendmail(sender, rcpts, raw)
                    at = time.monotonic()
                with lock:
                    accepted[mid] = at

            with ThreadPoolExecutor(16) as pool:
                for k in range(total):
                    delay = start + k / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    pool.submit(send, k)
            wait_for(db.done, timeout=600, step=0.01)
            time.sleep(0.5)
        finally:
            serve.stop()
    with sink.lock:
        first_reply: dict[str, float] = {}
        for at, irt in sink.arrivals:
            first_reply.setdefault(irt, at)
    waits = sorted(first_reply[m] - t for m, t in accepted.items() if m in first_reply)
    return {
        "workers": workers,
        "rate_msgs_per_s": rate,
        "sent": total,
        "answered_with_a_reply": len(waits),
        "p50_ms": round(1000 * statistics.median(waits), 1),
        "p99_ms": round(1000 * waits[min(len(waits) - 1, int(0.99 * len(waits)))], 1),
        "max_ms": round(1000 * waits[-1], 1),
        "load_1min_before": round(load0, 2),
        "load_1min_after": round(os.getloadavg()[0], 2),
    }


def _message_id(raw: bytes) -> bytes:
    start = raw.lower().index(b"message-id:") + len(b"message-id:")
    end = raw.index(b"\r\n", start)
    return raw[start:end].strip()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--rate", type=float, default=20.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    raws = load_messages(args.copies)
    started = time.strftime("%Y-%m-%d %H:%M")
    runs: list[dict[str, Any]] = []
    for _ in range(args.runs):
        for n in counts:
            runs.append(throughput_run(n, raws))
            print(json.dumps(runs[-1]), file=sys.stderr)
    medians = {
        n: statistics.median(r["msgs_per_s"] for r in runs if r["workers"] == n) for n in counts
    }
    result: dict[str, Any] = {
        "started": started,
        "cpus": os.cpu_count(),
        "throughput_median_msgs_per_s": medians,
        "ratio_to_first": {n: round(medians[n] / medians[counts[0]], 2) for n in counts},
        "throughput_runs": runs,
    }
    if not args.skip_latency:
        result["latency"] = []
        for n in counts:
            result["latency"].append(latency_run(n, raws, args.rate, args.seconds))
            print(json.dumps(result["latency"][-1]), file=sys.stderr)
    result["loadavg_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
