"""The SLA sweep with real parts: two sweepers racing on one database, a bot stopped for two
days and restarted (by hand and through the real sweep loop on bot/loop.py), a database that
fails once, and a reminder delivered by the real dispatcher to a real SMTP sink (aiosmtpd).

The organisation is fixtures/org.toml: Mon-Fri 08:00-17:00 America/Edmonton, CA-AB holidays;
service_response and quote_turnaround count working days (24 h and 48 h), warn at 75 %,
repeat every 24 h in breach and escalate to the team's manager after 24 h in breach.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import intake.handlers.sla_sweep as sla_module
from intake.bot.app import App, build_app
from intake.bot.config import OutboxSettings, RelaySettings
from intake.bot.outbox import SmtpRelay, dispatch_due
from intake.bot.scheduler import SlaScheduler, sweep_until_done
from intake.bot.worker import drain
from intake.handlers.pipeline import Result
from intake.handlers.sla import Reminder, apply_signals
from intake.handlers.sla_sweep import sweep
from intake.storage import db
from intake.storage.models import Case, CaseEvent, CaseMessage, OutboxMessage, SlaClock
from tests.conftest import ORG_FILE, settings_for
from tests.mailhelpers import Sink, free_port, make_request, store_submission, wait_for
from tests.test_pipeline import COMPLETE_QUOTE

T0 = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)  # Monday 2 Nov 2026, 10:00 in Edmonton
STOP = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)  # Tuesday 05:00 Edmonton: the bot stops
RESTART = STOP + timedelta(days=2)  # Thursday 5 Nov, 05:00 Edmonton: the bot is back
END = datetime(2026, 11, 6, 18, 0, tzinfo=UTC)  # Friday 11:00 Edmonton
TICK = timedelta(minutes=10)  # the simulated sweep interval

SERVICE, QUOTE = "CASE-000001", "CASE-000002"  # opened in this order by `open_two_cases`
RITA, MIKE = "rita.santos@example.com", "mike.welker@example.com"  # service owner, manager
TARA, LENA = "tara.nguyen@example.com", "lena.fischer@example.com"  # quotes owner, manager

QUOTE_BODY = COMPLETE_QUOTE  # every required field: the case opens complete


def utc(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


# These timelines test the sweep's catch-up at exact instants, night ones included, so the
# policies send at any hour here; quiet hours have their own tests in tests/test_sla.py.
ANY_HOUR = "".join(
    f"\n[sla.policies.{name}]\nsend_outside_hours = true\n"
    for name in (
        "quote_turnaround",
        "service_response",
        "case_owner_response",
        "quote_approval_followup",
        "opportunity_update",
    )
)


def any_hour_org(tmp_path: Path) -> Path:
    """The demo organisation with ANY_HOUR, written into the test's folder."""
    org_file = tmp_path / "org.toml"
    org_file.write_text(ORG_FILE.read_text() + ANY_HOUR)
    return org_file


@pytest.fixture
def app(migrated_database_url: str, tmp_path: Path) -> Iterator[App]:
    """Not the shared `app` (tests/conftest.py): the organisation here sends at any hour."""
    app = build_app(settings_for(migrated_database_url, any_hour_org(tmp_path)))
    yield app
    app.close()


def backend(app: App) -> str:
    return app.engine.dialect.name


def deliver(app: App, msg: EmailMessage, rcpt: str, when: datetime) -> Result:
    """Store and process one message as a front door and the worker would, at `when`."""
    with app.sessions() as session, session.begin():
        store_submission(session, msg.as_bytes(), received_at=when, rcpt_tos=[rcpt])
    (result,) = drain(app.sessions, app.pipeline, lambda row: when)
    return result


def open_two_cases(app: App, when: datetime = T0) -> dict[str, str]:
    """A customer's service request to connectyou@ and a complete quote request from an AM
    to accountteam@, both at `when`; returns each case's request Message-ID."""
    service_request = make_request()
    service = deliver(app, service_request, "connectyou@example.com", when)
    assert (service.outcome, service.case_number, service.missing) == ("new_case", SERVICE, [])
    quote_request = EmailMessage()
    quote_request["From"] = "Alex Martin <alex.martin@example.com>"
    quote_request["To"] = "accountteam@example.com"
    quote_request["Subject"] = "Quote please"
    quote_request["Date"] = format_datetime(when)
    quote_request["Message-ID"] = make_msgid(domain="mail.example.com")
    quote_request.set_content(QUOTE_BODY)
    quote = deliver(app, quote_request, "accountteam@example.com", when)
    assert (quote.outcome, quote.case_number, quote.missing) == ("new_case", QUOTE, [])
    with app.sessions() as session:
        owners = dict(session.execute(select(Case.number, Case.owner)).all())
    assert owners == {SERVICE: "rita.santos", QUOTE: "tara.nguyen"}
    return {SERVICE: service_request["Message-ID"], QUOTE: quote_request["Message-ID"]}


def sla_rows(app: App) -> list[OutboxMessage]:
    with app.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind.like("sla_%"))
                .order_by(OutboxMessage.id)
            )
        )


def reminder_events(app: App) -> list[tuple[str, datetime, dict]]:
    with app.sessions() as session:
        rows = session.execute(
            select(Case.number, CaseEvent.at, CaseEvent.data)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.kind == "sla_reminder")
            .order_by(CaseEvent.id)
        )
        return [(number, at, data) for number, at, data in rows]


def assert_no_duplicates(app: App) -> None:
    """No Message-ID twice in the outbox, and no reminder of one step twice for the same
    scheduled instant of the same clock."""
    with app.sessions() as session:
        twice = session.execute(
            select(OutboxMessage.message_id, func.count())
            .group_by(OutboxMessage.message_id)
            .having(func.count() > 1)
        ).all()
    assert twice == []
    events = [(n, d["policy"], d["step"], d["scheduled"]) for n, _, d in reminder_events(app)]
    assert [k for k, c in Counter(events).items() if c > 1] == []


# --- 1. two sweeps at once -------------------------------------------------------------------

N_QUOTES, N_SERVICE = 100, 100
SWEEP_AT = T0 + timedelta(days=10)  # Thu 12 Nov: every clock is long in breach
# What one catch-up at SWEEP_AT sends per case: the latest overdue notice (it covers the
# warning, the breach and the earlier repeats) and the escalation; a quote's weekly
# opportunity update fell due once (Mon 9 Nov).
EXPECTED_KINDS = {
    "quotes": Counter(sla_repeat=1, sla_escalation=1, sla_follow_up=1),
    "service": Counter(sla_repeat=1, sla_escalation=1),
}


def seed_cases(app: App, at: datetime) -> None:
    """Many cases opened at `at`, their clocks started by the `opened` signal."""
    runtime = app.pipeline.sla
    assert runtime is not None
    with app.sessions() as session, session.begin():
        for i in range(1, N_QUOTES + N_SERVICE + 1):
            quote = i <= N_QUOTES
            case = Case(
                seq=i,
                number=f"CASE-{i:06d}",
                queue="quotes" if quote else "service",
                mailbox="accountteam@example.com" if quote else "connectyou@example.com",
                team="west" if quote else "connectyou",
                status="open",
                subject=f"Request {i}",
                requester_email="alex.martin@example.com" if quote else "pat@example.net",
                owner="tara.nguyen" if quote else "rita.santos",
                account_manager="alex.martin" if quote else None,
                account_id="ACC-1001" if quote else None,
                fields={"account": "Prairie Crest Homes"} if quote else {},
                created_at=at,
                updated_at=at,
            )
            session.add(case)
            session.add(
                CaseMessage(
                    case=case,
                    direction="in",
                    channel="email",
                    message_id=f"<request-{i}@mail.example.com>",
                    at=at,
                )
            )
            apply_signals(session, runtime, case, ["opened"], at)
    with app.sessions() as session:
        clocks = Counter(session.scalars(select(SlaClock.policy)))
    assert clocks == {
        "quote_turnaround": N_QUOTES,
        "opportunity_update": N_QUOTES,
        "service_response": N_SERVICE,
    }


def race_two_sweepers(
    app: App, database_url: str, batch: int
) -> tuple[list[list[Reminder]], list[BaseException]]:
    """Two sweepers, each on its own engine (its own connection), released together."""
    runtime = app.pipeline.sla
    assert runtime is not None
    engines = [db.make_engine(database_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[list[Reminder]] = [[], []]
    errors: list[BaseException] = []

    def run(k: int) -> None:
        sessions = db.make_sessionmaker(engines[k])
        with sessions() as warm:  # connect before the start line, so both start at once
            warm.execute(select(1))
        try:
            barrier.wait(timeout=30)
            results[k] = sweep_until_done(sessions, runtime, lambda: SWEEP_AT, batch)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,), name=f"sweeper-{k}") for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a sweeper hung"
    for engine in engines:
        engine.dispose()
    return results, errors


def races_logged(caplog: pytest.LogCaptureFixture) -> int:
    return sum("raced another process" in r.getMessage() for r in caplog.records)


def test_two_sweepers_at_once_send_each_reminder_exactly_once(
    app: App, migrated_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL: FOR UPDATE SKIP LOCKED lets two sweeps work side by side on disjoint
    clocks; SQLite: BEGIN IMMEDIATE makes them take turns. Either way every due step is
    sent once, by exactly one of them, and neither has to retry after a clash."""
    caplog.set_level(logging.INFO, logger="intake.sla")
    seed_cases(app, T0)
    (first, second), errors = race_two_sweepers(app, migrated_database_url, batch=7)
    assert errors == []

    # The outbox: every expected (case, kind) once, every Message-ID once.
    with app.sessions() as session:
        rows = session.execute(
            select(Case.number, Case.queue, OutboxMessage.kind, OutboxMessage.message_id).join(
                Case, Case.id == OutboxMessage.case_id
            )
        ).all()
    per_case: dict[str, Counter[str]] = {}
    queue_of: dict[str, str] = {}
    for number, queue, kind, _ in rows:
        per_case.setdefault(number, Counter())[kind] += 1
        queue_of[number] = queue
    assert len(per_case) == N_QUOTES + N_SERVICE
    wrong = {n: c for n, c in per_case.items() if c != EXPECTED_KINDS[queue_of[n]]}
    assert wrong == {}
    outbox_ids = Counter(m for *_, m in rows)
    assert [m for m, c in outbox_ids.items() if c > 1] == []
    expected_total = 3 * N_QUOTES + 2 * N_SERVICE
    assert len(rows) == expected_total

    # What the two sweepers returned: disjoint, and together exactly the outbox.
    ids = [[r.message_id for r in fired] for fired in (first, second)]
    assert all(m is not None for m in ids[0] + ids[1])
    assert len(set(ids[0])) == len(ids[0]) and len(set(ids[1])) == len(ids[1])
    assert set(ids[0]).isdisjoint(ids[1])
    assert set(ids[0]) | set(ids[1]) == set(outbox_ids)
    assert len(ids[0]) + len(ids[1]) == expected_total

    # No clash was caught by the Message-ID index and rolled back: the claims were exclusive.
    assert races_logged(caplog) == 0
    if backend(app) == "postgresql":
        assert ids[0] and ids[1], "the two sweeps did not actually run side by side"

    # The audit trail agrees, and every clock has moved past the sweep.
    assert_no_duplicates(app)
    events = reminder_events(app)
    assert len(events) == expected_total
    sent_per_clock = Counter((number, data["policy"]) for number, _, data in events)
    with app.sessions() as session:
        clocks = session.execute(select(Case.number, SlaClock).join(Case)).all()
    assert len(clocks) == 2 * N_QUOTES + N_SERVICE
    for number, clock in clocks:
        assert clock.next_at is not None and clock.next_at > SWEEP_AT
        assert clock.notices == sent_per_clock[(number, clock.policy)]
    # A second sweep at the same instant finds nothing left to do.
    assert sweep_until_done(app.sessions, app.pipeline.sla, lambda: SWEEP_AT, 7) == []


def test_without_skip_locked_the_clash_is_caught(
    app: App, migrated_database_url: str, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    """The control for the test above: claim clocks with a plain SELECT (what the sweep
    would do without FOR UPDATE SKIP LOCKED) and both sweepers take the same clocks. The
    test above would see it: the clashes show up as rolled-back batches ("raced another
    process"); the outbox's unique Message-ID is the backstop that still keeps the mail
    single (a reminder's Message-ID is derived from its clock and step)."""
    if backend(app) != "postgresql":
        pytest.skip("SQLite serialises writers; only PostgreSQL sweeps truly side by side")
    caplog.set_level(logging.INFO, logger="intake.sla")

    def due_clocks_without_locks(session: Session, now: datetime, limit: int) -> list[SlaClock]:
        stmt = (
            select(SlaClock)
            .where(SlaClock.next_at <= now)
            .order_by(SlaClock.next_at, SlaClock.id)
            .limit(limit)
        )
        return list(session.scalars(stmt))

    monkeypatch.setattr(sla_module, "due_clocks", due_clocks_without_locks)
    seed_cases(app, T0)
    (first, second), errors = race_two_sweepers(app, migrated_database_url, batch=7)
    assert errors == []
    assert races_logged(caplog) > 0  # what `races_logged(caplog) == 0` above would catch
    assert_no_duplicates(app)
    ids = {r.message_id for r in first} | {r.message_id for r in second}
    assert len(ids) == 3 * N_QUOTES + 2 * N_SERVICE


# --- 2. a restart after two days ---------------------------------------------------------

# Every reminder of the two cases from T0 to END with the bot stopped from STOP to RESTART:
# (sent at, case, policy, step, scheduled, recipients, covers).
BEFORE_STOP = [
    (utc(3, 11), SERVICE, "service_response", "warning", utc(3, 11), [RITA], []),
]
AT_RESTART = [
    # The service case missed its breach (Tue 17:00 UTC), its first repeat and its
    # escalation (both Wed 17:00 UTC): one "still overdue" notice stands in for the breach
    # and the repeat, and the manager is told once.
    (
        RESTART,
        SERVICE,
        "service_response",
        "repeat",
        utc(4, 17),
        [RITA],
        ["breach@2026-11-03T17:00:00+00:00"],
    ),
    (RESTART, SERVICE, "service_response", "escalation", utc(4, 17), [MIKE], []),
    # The quote missed its warning (Wed 05:00 UTC) and its breach (Wed 17:00 UTC): the
    # warning is moot, the breach is sent.
    (
        RESTART,
        QUOTE,
        "quote_turnaround",
        "breach",
        utc(4, 17),
        [TARA],
        ["warning@2026-11-04T05:00:00+00:00"],
    ),
]
AFTER_RESTART = [
    # The quote has been overdue for 24 h (since Wed 17:00): the manager is told.
    (utc(5, 17), QUOTE, "quote_turnaround", "escalation", utc(5, 17), [LENA], []),
    # A notice sent late at the restart counts as the latest: the next repeat is a full day
    # after it, not at the old schedule's next slot five hours later.
    (utc(6, 12), SERVICE, "service_response", "repeat", utc(6, 12), [RITA], []),
    (utc(6, 12), QUOTE, "quote_turnaround", "repeat", utc(6, 12), [TARA], []),
]


def as_row(r: Reminder) -> tuple:
    return (r.at, r.case, r.policy, r.step, r.scheduled, r.to, r.covers)


def simulate(app: App, start: datetime, end: datetime) -> list[Reminder]:
    """Sweep every TICK of simulated time from `start` to `end` (both included)."""
    runtime = app.pipeline.sla
    assert runtime is not None
    fired: list[Reminder] = []
    now = start
    while now <= end:
        fired += sweep_until_done(app.sessions, runtime, lambda now=now: now, batch=50)
        now += TICK
    return fired


def assert_outbox_matches(app: App, fired: list[Reminder], requests: dict[str, str]) -> None:
    """The outbox and the case events say what the sweeps returned, once each."""
    rows = sla_rows(app)
    assert [r.message_id for r in rows] == [f.message_id for f in fired]
    assert [r.kind for r in rows] == [f"sla_{f.step}" for f in fired]
    assert [r.recipients for r in rows] == [f.to for f in fired]
    assert all(b"Auto-Submitted: auto-generated" in r.raw for r in rows)
    for row, reminder in zip(rows, fired, strict=True):
        assert f"In-Reply-To: {requests[reminder.case]}".encode() in row.raw
    events = reminder_events(app)
    assert [(n, at, d["step"], d["covers"], d["message_id"]) for n, at, d in events] == [
        (f.case, f.at, f.step, f.covers, f.message_id) for f in fired
    ]
    assert_no_duplicates(app)


def test_restart_after_two_days_sends_one_catch_up_per_missed_step(app: App) -> None:
    requests = open_two_cases(app)
    before = simulate(app, T0, STOP)
    assert [as_row(r) for r in before] == BEFORE_STOP

    # The bot is stopped for two days: no sweeps. Then one sweep at the restart.
    runtime = app.pipeline.sla
    restart = sweep_until_done(app.sessions, runtime, lambda: RESTART, batch=50)
    assert [as_row(r) for r in restart] == AT_RESTART
    # One reminder per missed kind of notice on each clock, never the same step twice.
    assert Counter((r.case, r.step) for r in restart) == Counter(
        {(SERVICE, "repeat"): 1, (SERVICE, "escalation"): 1, (QUOTE, "breach"): 1}
    )

    after = simulate(app, RESTART + TICK, END)
    assert [as_row(r) for r in after] == AFTER_RESTART

    fired = before + restart + after
    assert_outbox_matches(app, fired, requests)
    escalations = Counter(r.case for r in fired if r.step == "escalation")
    assert escalations == {SERVICE: 1, QUOTE: 1}
    # The clocks' notice counters agree with what went out.
    with app.sessions() as session:
        notices = dict(session.execute(select(SlaClock.policy, SlaClock.notices)).all())
    assert notices == {"service_response": 4, "quote_turnaround": 3, "opportunity_update": 0}


def test_catch_up_records_covered_steps_on_the_notice_that_covers_them(app: App) -> None:
    """The service case's breach is sent on time (Tue 17:00 UTC); the bot stops right after
    and comes back two days later (Thu 18:00 UTC), having missed the repeat and the
    escalation of Wed 17:00 and the repeat of Thu 17:00. The Wednesday repeat is moot: the
    Thursday repeat stands in for it. The module says a moot notice "is recorded on the
    reminder that covered it", so the Thursday repeat's `covers` names the Wednesday repeat
    and the escalation (to the manager, a different person) covers nothing."""
    open_two_cases(app)
    before = simulate(app, T0, utc(3, 17))
    assert [(r.case, r.step) for r in before] == [(SERVICE, "warning"), (SERVICE, "breach")]
    restart = sweep_until_done(
        app.sessions, app.pipeline.sla, lambda: utc(3, 17) + timedelta(days=2, hours=1), 50
    )
    service = [(r.step, r.scheduled, r.covers) for r in restart if r.case == SERVICE]
    assert service == [
        ("escalation", utc(4, 17), []),
        ("repeat", utc(5, 17), ["repeat@2026-11-04T17:00:00+00:00"]),
    ]


# --- the same through the real sweep loop (bot/scheduler.py on bot/loop.py) ---------------


class SimClock:
    """A clock the test moves forward by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class CountingSessions:
    """The app's sessionmaker, counting the transactions opened through it (each sweep opens
    at least one), and failing the first `failures` of them as a database that is down
    would: the session is bound to a port where nothing listens."""

    def __init__(self, sessions: sessionmaker[Session], database_url: str, failures: int = 0):
        self.sessions, self.failures, self.calls = sessions, failures, 0
        self.lock = threading.Lock()
        dead = make_url(database_url)
        if dead.get_backend_name() == "sqlite":  # a SQLite file in a folder that is not there
            dead = dead.set(database=f"/nonexistent-{free_port()}/intake.db")
            self.dead = create_engine(dead)
        else:
            dead = dead.set(host="127.0.0.1", port=free_port())
            self.dead = create_engine(dead, connect_args={"connect_timeout": 2})

    def __call__(self) -> Session:
        with self.lock:
            self.calls += 1
            fail = self.calls <= self.failures
        return Session(self.dead) if fail else self.sessions()

    def close(self) -> None:
        self.dead.dispose()


def make_scheduler(
    app: App,
    clock: Callable[[], datetime],
    sessions: Callable[[], Session] | None = None,
) -> SlaScheduler:
    runtime = app.pipeline.sla
    assert runtime is not None
    return SlaScheduler(
        sessions or app.sessions,  # type: ignore[arg-type]
        runtime,
        clock,
        interval_seconds=0.2,
        batch=50,
    )


def wait_for_more_calls(counter: CountingSessions, more: int, timeout: float = 10.0) -> None:
    start = counter.calls
    wait_for(lambda: counter.calls >= start + more, timeout)


def test_scheduler_stopped_for_two_days_catches_up_once_per_missed_step(
    app: App, migrated_database_url: str
) -> None:
    requests = open_two_cases(app)
    clock = SimClock(STOP)
    counter = CountingSessions(app.sessions, migrated_database_url)
    try:
        first = make_scheduler(app, clock, counter)
        first.start()
        try:
            # Its first run is at once: the service case's warning (due 11:00 UTC) goes out.
            wait_for(lambda: len(sla_rows(app)) >= 1, timeout=10)
            wait_for_more_calls(counter, 3)  # a few more runs at the same instant: no more
        finally:
            first.stop()
        (warning,) = sla_rows(app)
        assert (warning.kind, warning.recipients, warning.created_at) == (
            "sla_warning",
            [RITA],
            STOP,
        )

        # Two days without a bot; then a new scheduler.
        clock.at = RESTART
        second = make_scheduler(app, clock, counter)
        second.start()
        try:
            wait_for(lambda: len(sla_rows(app)) >= 4, timeout=10)
            wait_for_more_calls(counter, 3)
        finally:
            second.stop()
    finally:
        counter.close()
    rows = sla_rows(app)
    assert [(r.kind, r.recipients, r.created_at) for r in rows[1:]] == [
        (f"sla_{step}", to, at) for at, _, _, step, _, to, _ in AT_RESTART
    ]
    events = reminder_events(app)
    assert [(n, at, d["step"], d["scheduled"], d["covers"]) for n, at, d in events] == [
        (case, at, step, scheduled.isoformat(), covers)
        for at, case, _, step, scheduled, _, covers in [
            (STOP, SERVICE, "service_response", "warning", utc(3, 11), [RITA], []),
            *AT_RESTART,
        ]
    ]
    assert_no_duplicates(app)
    for row in rows:
        case = SERVICE if b"CASE-000001" in row.raw else QUOTE
        assert f"In-Reply-To: {requests[case]}".encode() in row.raw


def test_scheduler_first_sweep_does_not_wait_for_the_injected_clock(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The class says it "starts the sweep every interval_seconds (at once too)". With a
    clock moved forward two days, as in the restart test, the first sweep never comes."""
    app = build_app(settings_for(sqlite_url, any_hour_org(tmp_path)))
    try:
        ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
        open_two_cases(app, when=ahead - timedelta(days=14))  # long overdue by `ahead`
        runtime = app.pipeline.sla
        assert runtime is not None
        scheduler = SlaScheduler(
            app.sessions, runtime, lambda: ahead, interval_seconds=0.2, batch=50
        )
        scheduler.start()
        try:
            wait_for(lambda: sla_rows(app), timeout=2)
        finally:
            scheduler.stop()
    finally:
        app.close()


# --- 3. a database failure does not stop the scheduler ---------------------------------------


def test_scheduler_survives_a_database_failure(
    app: App, migrated_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="intake.sla")
    open_two_cases(app)
    counter = CountingSessions(app.sessions, migrated_database_url, failures=3)
    try:
        scheduler = make_scheduler(app, SimClock(RESTART), counter)
        # Called directly while the database is down: logged, nothing sent, nothing raised.
        assert scheduler.run_once() == []
        failures = [r for r in caplog.records if r.getMessage().startswith("sla sweep failed")]
        assert len(failures) == 1 and failures[0].exc_info is not None
        scheduler.start()
        try:
            # The next two scheduled runs fail too; the one after them does the work.
            wait_for(lambda: len(sla_rows(app)) >= 3, timeout=10)
            wait_for_more_calls(counter, 2)
        finally:
            scheduler.stop()
    finally:
        counter.close()
    failures = [r for r in caplog.records if r.getMessage().startswith("sla sweep failed")]
    assert len(failures) == 3
    assert all(r.exc_info and "OperationalError" in type(r.exc_info[1]).__name__ for r in failures)
    # The warning became moot in this catch-up at the restart instant: the same three
    # reminders as a bot that was stopped, once each.
    assert [(r.kind, r.recipients) for r in sla_rows(app)] == [
        ("sla_repeat", [RITA]),
        ("sla_escalation", [MIKE]),
        ("sla_breach", [TARA]),
    ]
    assert_no_duplicates(app)


# --- 4. a reminder through the real dispatcher to a real SMTP relay ----------------------------


def test_reminder_is_delivered_to_the_owner_through_the_relay(app: App) -> None:
    requests = open_two_cases(app)
    warn_at = utc(3, 11)  # 75 % of the service case's 24 working hours
    with app.sessions() as session, session.begin():
        assert sweep(session, app.pipeline.sla, warn_at - timedelta(minutes=1)) == []
    with app.sessions() as session, session.begin():
        (reminder,) = sweep(session, app.pipeline.sla, warn_at)
    assert (reminder.case, reminder.step, reminder.to) == (SERVICE, "warning", [RITA])

    with Sink() as sink:
        relay = SmtpRelay(RelaySettings(address=sink.address))
        settings = OutboxSettings()
        try:
            # The two acknowledgements and the warning; then nothing is left to send.
            assert dispatch_due(app.sessions, relay, settings, lambda: warn_at) == 3
            assert dispatch_due(app.sessions, relay, settings, lambda: warn_at) == 0
        finally:
            relay.close()
        received = list(zip(sink.handler.received, sink.messages, strict=True))
    reminders = [(env, msg) for env, msg in received if msg["Auto-Submitted"] == "auto-generated"]
    assert len(reminders) == 1
    (mail_from, rcpt_tos, _), msg = reminders[0]
    assert (mail_from, rcpt_tos) == ("connectyou@example.com", [RITA])
    assert msg["To"] == RITA
    assert msg["Subject"].startswith(f"[{SERVICE}] Due soon: ")
    assert msg["Message-ID"] == reminder.message_id
    assert msg["In-Reply-To"] == requests[SERVICE]
    assert requests[SERVICE] in msg["References"]
    text = msg.get_body(("plain",)).get_content()
    assert SERVICE in text
    acks = [msg for _, msg in received if msg["Auto-Submitted"] == "auto-replied"]
    assert len(acks) == 2
    with app.sessions() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.message_id == reminder.message_id)
        ).one()
        assert (row.state, row.kind, row.sent_at) == ("sent", "sla_warning", warn_at)


# --- 5. a clock whose reminder can never be stored -------------------------------------------


def test_a_clock_whose_reminder_always_fails_to_insert_is_given_up_with_its_reason(
    app: App,
) -> None:
    """The service clock restored from a backup older than the outbox: its next reminder gets
    a Message-ID the outbox already holds, so its insert fails at every sweep. The sweep
    retried that IntegrityError without end (and no other clock moved meanwhile); it now
    records each failure on the case, stops the clock after `MAX_SWEEP_FAILURES` with the
    reason, and sweeps the other clocks all the same."""
    open_two_cases(app)
    with app.sessions() as session:
        clock = session.scalars(select(SlaClock).where(SlaClock.policy == "service_response")).one()
        backup = {a.key: getattr(clock, a.key) for a in inspect(SlaClock).column_attrs}
    (breach,) = sweep_until_done(app.sessions, app.pipeline.sla, lambda: utc(3, 18))
    assert (breach.case, breach.step) == (SERVICE, "breach")
    with app.sessions() as session, session.begin():
        session.execute(update(SlaClock).where(SlaClock.id == backup["id"]).values(**backup))

    sweeps = [
        sweep_until_done(
            app.sessions, app.pipeline.sla, lambda m=m: utc(4, 6) + timedelta(minutes=m)
        )
        for m in range(sla_module.MAX_SWEEP_FAILURES + 1)
    ]
    assert [[(r.case, r.step) for r in fired] for fired in sweeps] == [
        [(QUOTE, "warning")],  # the quote's warning is not held up by the failing clock
        *[[]] * sla_module.MAX_SWEEP_FAILURES,
    ]
    with app.sessions() as session:
        failures = session.scalars(
            select(CaseEvent).where(CaseEvent.kind == "sla_sweep_failed").order_by(CaseEvent.id)
        ).all()
        clock = session.get(SlaClock, backup["id"])
        assert clock is not None
        assert (clock.state, clock.next_at, clock.stopped_by) == ("stopped", None, "sweep failed")
    assert [(e.case_id, e.data["attempt"], e.data["gave_up"]) for e in failures] == [
        (backup["case_id"], n, n == sla_module.MAX_SWEEP_FAILURES)
        for n in range(1, sla_module.MAX_SWEEP_FAILURES + 1)
    ]
    assert all(  # the step the restored clock is stuck at; the error says what failed
        e.data["step"] == "warning" and e.data["error"].startswith("IntegrityError: ")
        for e in failures
    )
    assert_no_duplicates(app)
