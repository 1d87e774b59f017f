"""Benchmark: one SLA sweep of 1,000 due clocks among 100,000 open cases, and among 1,000.

The claim is that a sweep costs what is due, not what is open: `due_clocks` reads an indexed
range on `sla_clocks.next_at`. Two scenarios, on each backend (a SQLite file in a temporary
folder; a fresh `intake_bench_<random>` database on the local PostgreSQL, dropped afterwards):

  open100k_due1k   100,000 open quote cases, each with a running quote_turnaround clock;
                   1,000 of them are due, 99,000 fall due over the next days
  open1k_due1k     1,000 open quote cases, all 1,000 due

The database is built by `build_app` (migrations included) and filled with bulk Core inserts
(executemany, one transaction), not through the pipeline: cases in queue "quotes", team
"west", owner tara.nguyen, AM alex.martin, mailbox accountteam@example.com, one inbound
message on each due case (the reminder threads under it), one clock per case whose
`due_at`/`warn_at`/`next_at`/`next_step` are planned by `handlers.sla.plan` itself. A due
clock has had its warning and is at its breach (`next_step` "breach", `next_at` within the
hour before `now`), so each sends exactly one reminder: an outbox row, a case message and a
case event. The not-due clocks were started over the last 30 hours and next warn between 6
hours and a few days from `now`. PostgreSQL gets VACUUM ANALYZE after loading; populate_s
is all of it (making the rows in Python, inserting, committing, vacuuming).

What is timed is what the bot does per batch (`bot.scheduler.sweep_until_done`): one
transaction that calls `sweep(session, runtime, now, limit=1000)` and commits (the bot's
default batch, `sla.batch`, is 500). The first
sweep after loading is reported on its own ("cold"); before each of the `--repeat` timed
sweeps that follow, the state is restored outside the clock: one UPDATE puts the
swept clocks back at their breach, the reminders' rows are deleted, and on PostgreSQL the
touched tables are vacuumed (otherwise each repetition would leave 1,000 dead index entries
in the due range of `next_at` for the next one to step over: an artefact of the reset, not of
the bot). Every sweep is checked to have sent exactly the 1,000 reminders. One more,
untimed, sweep counts the SQL statements it sends (sql_stmts; an executemany counts once).

This process is pinned to one CPU, as in bench/extraction.py; the PostgreSQL server runs in
its own processes and is not pinned. `--explain` prints the plan of the claim query (the
statement `due_clocks` really sends, captured from the engine, run under EXPLAIN ANALYZE on
PostgreSQL and EXPLAIN QUERY PLAN on SQLite); `--profile` runs one more sweep under cProfile.

usage: python bench/sla_sweep.py [--repeat 5] [--backends sqlite,postgresql]
                                 [--scenarios open100k_due1k,open1k_due1k] [--explain] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, delete, event, text, update  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from intake.bot.app import App, build_app  # noqa: E402
from intake.bot.config import load_settings  # noqa: E402
from intake.handlers.sla import plan  # noqa: E402
from intake.handlers.sla_sweep import due_clocks, sweep  # noqa: E402
from intake.storage.models import (  # noqa: E402
    Case,
    CaseEvent,
    CaseMessage,
    OutboxMessage,
    SlaClock,
)

PG_ADMIN_URL = os.environ.get(
    "INTAKE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SCENARIOS = {"open100k_due1k": (100_000, 1_000), "open1k_due1k": (1_000, 1_000)}
POLICY = "quote_turnaround"
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Edmonton
CHUNK = 10_000
TABLES = ("sla_clocks", "cases", "outbox", "case_messages", "case_events")


@dataclass
class Result:
    backend: str
    scenario: str
    open_cases: int
    due: int
    populate_s: float
    cold_ms: float
    runs_ms: list[float]
    statements: Counter[str]


# --- databases -----------------------------------------------------------------------------


@contextmanager
def database(backend: str, admin_url: str) -> Iterator[str]:
    """A fresh, empty database URL, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="intake-bench-") as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    name = "intake_bench_" + uuid.uuid4().hex[:12]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def vacuum(engine: Engine) -> None:
    """VACUUM ANALYZE the tables the sweep touches (PostgreSQL only; outside a transaction)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(TABLES)}")


# --- the data ------------------------------------------------------------------------------


class Planner:
    """Clock columns as `handlers.sla.plan` works them out, memoised per start minute."""

    def __init__(self, app: App) -> None:
        rt = app.pipeline.sla
        self.policy = rt.config.policies[POLICY]
        self.cal = rt.config.calendar_for(self.policy, "west")
        self.memo: dict[tuple[datetime, bool], dict[str, Any]] = {}

    def clock(self, started: datetime, warned: bool) -> dict[str, Any]:
        key = (started, warned)
        if key not in self.memo:
            c = SlaClock(
                policy=POLICY,
                state="running",
                started_at=started,
                resumed_at=started,
                remaining_seconds=self.policy.target.total_seconds(),
                agreed_due_at=None,
                warned=warned,
                breached_at=None,
                escalated=False,
            )
            plan(c, self.policy, self.cal)
            self.memo[key] = {
                "due_at": c.due_at,
                "warn_at": c.warn_at,
                "next_at": c.next_at,
                "next_step": c.next_step,
            }
        return self.memo[key]


def rows(app: App, open_cases: int, due: int) -> Iterator[tuple[dict, dict, dict | None]]:
    """(case, clock, first message or None) for every case, oldest first, so that ids
    follow opening time as they do in a real database: the due cases have the lowest."""
    planner = Planner(app)
    target = planner.policy.target
    for i in range(open_cases):
        if i < due:
            # At its breach: due in the hour before NOW (spread over it), warning sent.
            breach = NOW - timedelta(seconds=3600 * (due - i) / due)
            started = (breach - target).replace(second=0, microsecond=0)
            plan = planner.clock(started, warned=True)
            if plan["next_step"] != "breach" or plan["next_at"] > NOW:
                raise SystemExit(f"due clock planned as {plan}: pick another NOW")
        else:
            # Started over the last 30 hours, one a minute or so; next step ahead of NOW.
            back = 30 * 60 * (open_cases - i) / max(open_cases - due, 1)
            started = (NOW - timedelta(minutes=back)).replace(second=0, microsecond=0)
            plan = planner.clock(started, warned=False)
            if plan["next_at"] is None or plan["next_at"] <= NOW:
                raise SystemExit(f"not-due clock planned as {plan}: pick another NOW")
        case_id = i + 1
        number = f"CASE-{case_id:06d}"
        account = f"Bench Account {case_id % 997}"
        case = {
            "id": case_id,
            "seq": case_id,
            "number": number,
            "queue": "quotes",
            "mailbox": "accountteam@example.com",
            "team": "west",
            "status": "open",
            "subject": f"Quote request {number}",
            "requester_email": "alex.martin@example.com",
            "requester_name": "Alex Martin",
            "owner": "tara.nguyen",
            "account_manager": "alex.martin",
            "account_id": None,
            "fields": {"account": account},
            "confidence": {},
            "missing": [],
            "participants": ["alex.martin@example.com"],
            "due_at": plan["due_at"],
            "created_at": started,
            "updated_at": started,
        }
        clock = {
            "case_id": case_id,
            "policy": POLICY,
            "state": "running",
            "generation": 1,
            "started_at": started,
            "resumed_at": started,
            "remaining_seconds": target.total_seconds(),
            "agreed_due_at": None,
            **plan,
            "warned": i < due,
            "breached_at": None,
            "last_notice_at": None,
            "escalated": False,
            "notices": 0,
            "paused_at": None,
            "stopped_at": None,
            "stopped_by": None,
            "updated_at": started,
        }
        message = None
        if i < due:
            message = {
                "case_id": case_id,
                "direction": "in",
                "channel": "email",
                "message_id": f"<bench-{case_id}@example.com>",
                "inbound_id": None,
                "outbox_id": None,
                "sender": "alex.martin@example.com",
                "recipients": ["accountteam@example.com"],
                "subject": f"Quote request {number}",
                "text": f"Please quote for {account}.",
                "extracted": {},
                "at": started,
            }
        yield case, clock, message


def populate(app: App, open_cases: int, due: int) -> None:
    """Bulk Core inserts (executemany) in chunks, one transaction; ANALYZE on PostgreSQL."""
    cases, clocks, messages = [], [], []
    with app.engine.begin() as conn:

        def flush() -> None:
            conn.execute(Case.__table__.insert(), cases)
            conn.execute(SlaClock.__table__.insert(), clocks)
            if messages:
                conn.execute(CaseMessage.__table__.insert(), messages)
            cases.clear()
            clocks.clear()
            messages.clear()

        for case, clock, message in rows(app, open_cases, due):
            cases.append(case)
            clocks.append(clock)
            if message is not None:
                messages.append(message)
            if len(cases) >= CHUNK:
                flush()
        if cases:
            flush()
        if conn.dialect.name == "postgresql":  # the ids were given: move the sequence on
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"
            )
    vacuum(app.engine)


def reset(app: App) -> None:
    """Put the swept clocks back at their breach and delete what the sweep queued."""
    with app.engine.begin() as conn:
        conn.execute(
            update(SlaClock)
            .where(SlaClock.breached_at.is_not(None))
            .values(
                next_at=SlaClock.due_at,
                next_step="breach",
                breached_at=None,
                last_notice_at=None,
                notices=0,
                updated_at=SlaClock.started_at,
            )
        )
        conn.execute(delete(CaseMessage).where(CaseMessage.direction == "out"))
        conn.execute(delete(CaseEvent).where(CaseEvent.kind == "sla_reminder"))
        conn.execute(delete(OutboxMessage))
    vacuum(app.engine)


# --- measuring -----------------------------------------------------------------------------


def one_sweep(app: App, due: int) -> float:
    """Seconds for one transaction: sweep(limit=1000) and commit."""
    start = time.perf_counter()
    with app.sessions() as session, session.begin():
        fired = sweep(session, app.pipeline.sla, NOW, limit=1000)
    elapsed = time.perf_counter() - start
    if len(fired) != min(due, 1000) or any(r.message_id is None for r in fired):
        raise SystemExit(f"the sweep sent {len(fired)} reminders, expected {min(due, 1000)}")
    return elapsed


def explain(app: App) -> str:
    """The plan of the claim query exactly as `due_clocks` sends it."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:  # noqa: ANN001
        if not captured and "FROM sla_clocks" in statement:
            captured.append((statement, parameters))

    event.listen(app.engine, "before_cursor_execute", capture)
    try:
        with app.sessions() as session, session.begin():
            due_clocks(session, NOW, 1000)
            statement, parameters = captured[0]
            prefix = (
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
                if app.engine.dialect.name == "postgresql"
                else "EXPLAIN QUERY PLAN "
            )
            conn = session.connection()
            plan = conn.exec_driver_sql(prefix + statement, parameters).all()
            session.rollback()
    finally:
        event.remove(app.engine, "before_cursor_execute", capture)
    sql = re.sub(r"^SELECT .*? FROM", "SELECT sla_clocks.* FROM", " ".join(statement.split()))
    return "    " + sql + "\n    " + "\n    ".join(str(row[-1]) for row in plan)


def count_statements(app: App, due: int) -> Counter[str]:
    """The SQL statements one sweep sends, as "VERB table" -> how many (an untimed sweep)."""
    counts: Counter[str] = Counter()

    def count(_conn, _cursor, statement, _parameters, _context, _many) -> None:  # noqa: ANN001
        verb = statement.split(None, 1)[0].upper()
        table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", statement)
        counts[f"{verb} {table.group(1) if table else ''}".strip()] += 1

    reset(app)
    event.listen(app.engine, "before_cursor_execute", count)
    try:
        one_sweep(app, due)
    finally:
        event.remove(app.engine, "before_cursor_execute", count)
    return counts


def profile(app: App, due: int, top: int = 10) -> str:
    reset(app)
    prof = cProfile.Profile()
    prof.enable()
    one_sweep(app, due)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    body = out.getvalue().strip().splitlines()
    keep = [line for line in body if line.strip()]
    start = next(i for i, line in enumerate(keep) if "function calls" in line)
    return "\n".join("    " + line for line in keep[start:])


def run(backend: str, scenario: str, args: argparse.Namespace) -> Result:
    open_cases, due = SCENARIOS[scenario]
    with database(backend, args.pg_admin_url) as url:
        app = build_app(load_settings(), database_url=url)
        try:
            t0 = time.perf_counter()
            populate(app, open_cases, due)
            populate_s = time.perf_counter() - t0
            if args.explain:
                print(f"\n[{backend} {scenario}] claim query plan:\n{explain(app)}", flush=True)
            cold = one_sweep(app, due)
            runs = []
            for _ in range(args.repeat):
                reset(app)
                runs.append(one_sweep(app, due))
            statements = count_statements(app, due)
            if args.profile:
                print(
                    f"\n[{backend} {scenario}] one sweep under cProfile, top {args.profile_top} "
                    f"by cumulative time:\n{profile(app, due, args.profile_top)}",
                    flush=True,
                )
        finally:
            app.close()
    result = Result(backend, scenario, open_cases, due, populate_s, cold * 1000, [], statements)
    result.runs_ms = [r * 1000 for r in runs]
    print(
        f"  done {backend:10} {scenario:15} populate {populate_s:6.1f} s, "
        f"median {statistics.median(result.runs_ms):7.1f} ms",
        flush=True,
    )
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed sweeps per scenario")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS), help=", ".join(SCENARIOS))
    ap.add_argument("--explain", action="store_true", help="print the claim query's plan")
    ap.add_argument("--profile", action="store_true", help="cProfile one more sweep")
    ap.add_argument("--profile-top", type=int, default=10)
    ap.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    args = ap.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    scenarios = [s for s in args.scenarios.split(",") if s]
    for name in scenarios:
        if name not in SCENARIOS:
            ap.error(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    for name in backends:
        if name not in ("sqlite", "postgresql"):
            ap.error(f"unknown backend {name!r}; known: sqlite, postgresql")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    load_before = os.getloadavg()
    began = time.perf_counter()
    results = [run(b, s, args) for b in backends for s in scenarios]
    load_after = os.getloadavg()

    print(
        f"\nSLA sweep, limit=1000, one transaction incl. commit; {args.repeat} timed runs "
        f"after 1 cold; now={NOW.isoformat()}"
    )
    print(
        f"cpus {os.cpu_count()} (this process pinned to 1), "
        f"load avg before {' '.join(f'{x:.2f}' for x in load_before)}, "
        f"after {' '.join(f'{x:.2f}' for x in load_after)}, "
        f"wall {time.perf_counter() - began:.0f} s"
    )
    head = (
        f"{'backend':10} {'scenario':15} {'open':>7} {'due':>5} {'populate_s':>10} "
        f"{'cold_ms':>8} {'median_ms':>9} {'min_ms':>8} {'max_ms':>8} {'reminders/s':>11} "
        f"{'sql_stmts':>9}"
    )
    print(head)
    print("-" * len(head))
    medians: dict[tuple[str, str], float] = {}
    for r in results:
        med = statistics.median(r.runs_ms)
        medians[r.backend, r.scenario] = med
        print(
            f"{r.backend:10} {r.scenario:15} {r.open_cases:>7} {r.due:>5} {r.populate_s:>10.1f} "
            f"{r.cold_ms:>8.1f} {med:>9.1f} {min(r.runs_ms):>8.1f} {max(r.runs_ms):>8.1f} "
            f"{r.due / med * 1000:>11.0f} {sum(r.statements.values()):>9}"
        )
    for backend in backends:
        big = medians.get((backend, "open100k_due1k"))
        small = medians.get((backend, "open1k_due1k"))
        if big and small:
            print(f"{backend}: median open100k_due1k / open1k_due1k = {big / small:.2f}")
    print("SQL statements sent by one sweep (untimed run; executemany counts once):")
    for r in results:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(r.statements.items()))
        print(f"  {r.backend:10} {r.scenario:15} {parts}")


if __name__ == "__main__":
    main()
