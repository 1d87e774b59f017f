"""The seeds' SLAs walked through their lives on a frozen clock (freezegun).

Each test runs the real pipeline, clocks and sweep on SQLite and PostgreSQL: messages go in
through the inbox, time moves with `freeze_time`, and the sweep runs every few minutes of
simulated time, as the scheduler would. What is checked is what people see: the reminder
emails in the outbox (who, which step, when), the case events and the SLA report.
"""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from freezegun import freeze_time
from sqlalchemy import select

from intake.bot.app import build_app
from intake.bot.cli import main as cli
from intake.bot.config import Settings
from intake.bot.scheduler import sweep_until_done
from intake.handlers import sla_report
from intake.handlers.lifecycle import LifecycleError, set_status
from intake.handlers.sla_policy import business_hours_mapping, load_sla, parse_duration
from intake.parsers.org import load_organisation
from intake.storage.cases import by_number
from intake.storage.models import CaseEvent, OutboxMessage, SlaClock
from tests.conftest import ORG_FILE, settings_for
from tests.test_pipeline import COMPLETE_QUOTE, PARTIAL_QUOTE, deliver, mail, reply_to

H = timedelta(hours=1)
MONDAY_10 = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # Mon 23 Nov 2026, 10:00 in Edmonton
TARA, OMAR = "tara.nguyen@example.com", "omar.haddad@example.com"
LENA, ALEX = "lena.fischer@example.com", "alex.martin@example.com"


def now() -> datetime:
    return datetime.now(UTC)


def run_clock(app, frozen, until: datetime, step: timedelta = timedelta(minutes=5)) -> list:
    """Move the frozen clock to `until` in steps, sweeping at each, as the scheduler does."""
    fired = []
    while now() < until:
        frozen.move_to(min(now() + step, until))
        fired += [(now(), r) for r in sweep_until_done(app.sessions, app.pipeline.sla, now)]
    return fired


def reminders(app, case_number: str | None = None) -> list[OutboxMessage]:
    with app.sessions() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.kind.like("sla_%"))
        rows = list(session.scalars(stmt.order_by(OutboxMessage.id)))
        if case_number is None:
            return rows
        case = by_number(session, case_number)
        return [r for r in rows if case is not None and r.case_id == case.id]


def clock_of(app, number: str, policy: str) -> SlaClock:
    with app.sessions() as session:
        case = by_number(session, number)
        assert case is not None
        return session.scalars(
            select(SlaClock).where(SlaClock.case_id == case.id, SlaClock.policy == policy)
        ).one()


def events(app, number: str, prefix: str = "sla_") -> list[tuple[str, dict]]:
    with app.sessions() as session:
        case = by_number(session, number)
        assert case is not None
        rows = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
        return [(e.kind, e.data) for e in rows if e.kind.startswith(prefix)]


def set_case(app, number: str, command: str, actor: str = "cli", **kw) -> None:
    with app.sessions() as session, session.begin():
        case = by_number(session, number)
        set_status(session, app.pipeline.sla, case, command, actor=actor, now=now(), **kw)


def steps(fired) -> list[tuple[str, str, list[str]]]:
    return [(r.policy, r.step, r.to) for _, r in fired]


# --- the quote: 48 hours on working days, warned, breached, escalated, stopped -------------


def test_quote_turnaround_lives_through_warning_breach_escalation_and_quote_sent(app) -> None:
    with freeze_time(MONDAY_10) as frozen:
        result = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now())
        number = result.case_number
        with app.sessions() as session:
            case = by_number(session, number)
            owner, am = case.owner, case.account_manager
        assert owner == "tara.nguyen" and am == "alex.martin"  # west rep, the account's AM
        clock = clock_of(app, number, "quote_turnaround")
        assert clock.state == "running"
        assert clock.due_at == MONDAY_10 + 48 * H  # Wed 10:00: two working days
        assert clock.warn_at == MONDAY_10 + 36 * H  # 75 % of the target

        fired = run_clock(app, frozen, MONDAY_10 + 36 * H - timedelta(minutes=1))
        assert fired == []
        fired = run_clock(app, frozen, MONDAY_10 + 48 * H + timedelta(minutes=1))
        assert steps(fired) == [
            ("quote_turnaround", "warning", [TARA]),
            ("quote_turnaround", "breach", [TARA]),
        ]
        # The warning fell due Tuesday 22:00 and waited for Wednesday's opening (quiet hours).
        assert fired[0][0] - (MONDAY_10 + 46 * H) < timedelta(minutes=5)  # not later
        with app.sessions() as session:
            report = {r["policy"]: r for r in sla_report.report(session, app.pipeline.sla, now())}
        assert report["quote_turnaround"]["state"] == "breached"

        # 24 h in breach (working days): the repeat to the owner and the manager's escalation.
        fired = run_clock(app, frozen, MONDAY_10 + 72 * H + timedelta(minutes=1))
        assert steps(fired) == [
            ("quote_turnaround", "repeat", [TARA]),
            ("quote_turnaround", "escalation", [LENA]),
        ]
        set_case(app, number, "quote-sent", actor=TARA)
        clock = clock_of(app, number, "quote_turnaround")
        assert clock.state == "stopped" and clock.stopped_by == "quote_sent"
        assert clock.next_at is None
        stopped = [d for k, d in events(app, number) if k == "sla_stopped"]
        assert stopped[-1]["policy"] == "quote_turnaround" and stopped[-1]["met"] is False
        # Stopped means silent: a week later nothing more about the quote itself.
        fired = run_clock(app, frozen, now() + 2 * H, step=timedelta(minutes=30))
        assert all(r.policy != "quote_turnaround" for _, r in fired)

    mails = reminders(app, number)
    assert [m.kind for m in mails] == ["sla_warning", "sla_breach", "sla_repeat", "sla_escalation"]
    breach = email.message_from_bytes(mails[1].raw, policy=email.policy.default)
    assert breach["To"] == TARA and breach["Auto-Submitted"] == "auto-generated"
    assert breach["Subject"].startswith(f"[{number}] Overdue: quote for Prairie Crest Homes")
    assert "Wed 25 Nov 10:00 MST" in breach["Subject"]
    assert len({m.message_id for m in mails}) == 4


def test_quote_due_over_a_weekend_and_a_holiday_counts_working_days_only(app) -> None:
    thursday = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)  # Thu 24 Dec 2026, 10:00 MST
    with freeze_time(thursday):
        number = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now()).case_number
    clock = clock_of(app, number, "quote_turnaround")
    # Thu 24 counts from 10:00; Fri 25 (Christmas) and the weekend do not (Boxing Day is
    # not a general holiday in Alberta): 14 h on the 24th + 24 h on Mon 28 + 10 h on Tue 29.
    assert clock.due_at == datetime(2026, 12, 29, 17, 0, tzinfo=UTC)


def test_an_earlier_agreed_date_replaces_the_target(app) -> None:
    body = COMPLETE_QUOTE + "Quote needed by: 2026-11-24\n"
    with freeze_time(MONDAY_10) as frozen:
        number = deliver(app, mail(body, when=now()), when=now()).case_number
        clock = clock_of(app, number, "quote_turnaround")
        tuesday_17 = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # Tue 24 Nov 17:00 MST
        assert clock.agreed_due_at == tuesday_17 and clock.due_at == tuesday_17
        with app.sessions() as session:
            assert by_number(session, number).due_at == tuesday_17  # what the ack promised
        fired = run_clock(app, frozen, tuesday_17 + timedelta(minutes=1))
        assert [r.step for _, r in fired] == ["warning", "breach"]
        assert fired[1][0] - tuesday_17 < timedelta(minutes=5)
    (ack,) = [m for m in _outbox(app) if m.kind == "ack"]
    assert b"due by Tue 24 Nov, 17:00 MST." in ack.raw


def test_a_later_date_than_the_target_does_not_extend_it(app) -> None:
    body = COMPLETE_QUOTE + "Quote needed by: 2026-12-10\n"
    with freeze_time(MONDAY_10):
        number = deliver(app, mail(body, when=now()), when=now()).case_number
    clock = clock_of(app, number, "quote_turnaround")
    assert clock.agreed_due_at is None and clock.due_at == MONDAY_10 + 48 * H


def test_a_date_agreed_later_in_the_thread_moves_the_clock(app) -> None:
    with freeze_time(MONDAY_10) as frozen:
        result = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now())
        (ack,) = _outbox(app)
        frozen.move_to(MONDAY_10 + H)
        deliver(app, reply_to(ack, "Sorry, need it by 2026-11-24 please.", now()), when=now())
    clock = clock_of(app, result.case_number, "quote_turnaround")
    assert clock.due_at == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert any(k == "sla_due_changed" for k, _ in events(app, result.case_number))


# --- pauses: missing information, waiting on the customer ---------------------------------


def test_missing_information_pauses_the_quote_clock_until_it_arrives(app) -> None:
    with freeze_time(MONDAY_10) as frozen:
        result = deliver(app, mail(PARTIAL_QUOTE, when=now()), when=now())
        number = result.case_number
        clock = clock_of(app, number, "quote_turnaround")
        assert clock.state == "paused" and clock.next_at is None and clock.due_at is None
        fired = run_clock(app, frozen, MONDAY_10 + 72 * H, step=timedelta(hours=1))
        assert all(r.policy != "quote_turnaround" for _, r in fired)
        (ack,) = [m for m in _outbox(app) if m.kind == "ack"]
        deliver(
            app,
            reply_to(ack, "Factor: 0.52\nStage: Submissions\nClose date: 2026-12-18\n", now()),
            when=now(),
        )
    clock = clock_of(app, number, "quote_turnaround")
    assert clock.state == "running"
    # The whole target from when it was complete: Thu 10:00 + 14 h, all of Friday, and Monday
    # to 10:00 (the weekend does not count).
    assert clock.due_at == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    kinds = [(k, d.get("on")) for k, d in events(app, number) if d["policy"] == "quote_turnaround"]
    assert kinds == [
        ("sla_started", "opened"),
        ("sla_paused", "info_requested"),
        ("sla_resumed", "info_received"),
    ]
    assert [r.kind for r in reminders(app, number) if b"quote for" in r.raw] == []


def test_waiting_on_the_customer_pauses_and_their_reply_resumes(app) -> None:
    with freeze_time(MONDAY_10) as frozen:
        result = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now())
        number = result.case_number
        frozen.move_to(MONDAY_10 + 8 * H)  # 8 of 48 working-day hours used
        set_case(app, number, "waiting", actor=TARA)
        clock = clock_of(app, number, "quote_turnaround")
        assert clock.state == "paused" and clock.remaining_seconds == 40 * 3600
        run_clock(app, frozen, MONDAY_10 + 56 * H, step=timedelta(hours=1))
        assert reminders(app, number) == []  # paused: no warning, no breach
        (ack,) = [m for m in _outbox(app) if m.kind == "ack"]
        deliver(app, reply_to(ack, "Here are the sizes you asked for.", now()), when=now())
        resumed_at = now()
    clock = clock_of(app, number, "quote_turnaround")
    assert clock.state == "running" and clock.due_at == resumed_at + 40 * H
    with app.sessions() as session:
        assert by_number(session, number).status == "open"
    # The customer wrote back, so the owner owes them an answer too.
    assert clock_of(app, number, "case_owner_response").state == "running"


# --- the owner's answer within 24 hours ---------------------------------------------------


def test_an_inquiry_starts_the_owner_clock_and_the_owners_reply_stops_it(app) -> None:
    with freeze_time(MONDAY_10) as frozen:
        number = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now()).case_number
        (ack,) = _outbox(app)
        frozen.move_to(MONDAY_10 + H)
        deliver(app, reply_to(ack, "Any news on this one?", now()), when=now())
        clock = clock_of(app, number, "case_owner_response")
        assert clock.state == "running" and clock.due_at == MONDAY_10 + 25 * H
        fired = run_clock(app, frozen, MONDAY_10 + 25 * H + timedelta(minutes=1))
        owner_steps = [(r.step, r.to) for _, r in fired if r.policy == "case_owner_response"]
        assert owner_steps == [("warning", [TARA]), ("breach", [TARA])]
        frozen.move_to(now() + H)
        deliver(
            app,
            reply_to(ack, "On it, quote tomorrow.", now(), sender=f"Tara Nguyen <{TARA}>"),
            when=now(),
        )
        clock = clock_of(app, number, "case_owner_response")
        assert clock.state == "stopped" and clock.stopped_by == "owner_replied"
        fired = run_clock(app, frozen, now() + 48 * H, step=timedelta(minutes=30))
        assert all(r.policy != "case_owner_response" for _, r in fired)


def test_a_service_request_must_be_answered_within_a_working_day(app) -> None:
    friday_16 = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)  # Fri 27 Nov 16:00 MST
    body = (
        "Contact: Gail Martel\nPhone: 403-555-0142\nSite address: 12 Elm St, Calgary AB\n"
        "Description: Foggy glass in the kitchen window.\n"
    )
    with freeze_time(friday_16) as frozen:
        result = deliver(
            app,
            mail(
                body, sender="Gail <g.martel@example.net>", to="connectyou@example.com", when=now()
            ),
            when=now(),
        )
        number = result.case_number
        with app.sessions() as session:
            assert by_number(session, number).owner == "rita.santos"
        clock = clock_of(app, number, "service_response")
        # Friday 16:00 + 24 h, the weekend not counted: Monday 16:00.
        assert clock.due_at == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
        fired = run_clock(
            app, frozen, datetime(2026, 12, 1, 23, 1, tzinfo=UTC), step=timedelta(minutes=30)
        )
        got = [(r.step, r.to) for _, r in fired if r.policy == "service_response"]
        assert got == [
            ("warning", ["rita.santos@example.com"]),
            ("breach", ["rita.santos@example.com"]),
            ("repeat", ["rita.santos@example.com"]),
            ("escalation", ["mike.welker@example.com"]),
        ]


# --- quotes awaiting approval: follow up every 72 hours, or when the customer said ----------


def test_follow_ups_every_72_hours_until_the_quote_is_won(app) -> None:
    with freeze_time(MONDAY_10) as frozen:
        number = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now()).case_number
        frozen.move_to(MONDAY_10 + 4 * H)
        set_case(app, number, "quote-sent", actor=TARA)
        sent_at = now()
        fired = run_clock(app, frozen, sent_at + 170 * H, step=timedelta(minutes=30))
        follow = [(t, r) for t, r in fired if r.policy == "quote_approval_followup"]
        assert [r.step for _, r in follow] == ["follow_up", "follow_up"]
        # Thursday 14:00, then Sunday 14:00, sent at Monday's opening (08:00): quiet hours
        assert [r.scheduled for _, r in follow] == [sent_at + 72 * H, sent_at + 162 * H]
        assert follow[1][1].due_at == sent_at + 144 * H  # the cadence keeps its own time
        assert follow[0][1].to == [TARA, ALEX]  # the owner and the account's AM
        with pytest.raises(LifecycleError, match="PO number"):
            set_case(app, number, "won", actor=ALEX)
        set_case(app, number, "won", actor=ALEX, po="PO-44817")
        fired = run_clock(app, frozen, now() + 30 * 24 * H, step=timedelta(hours=6))
        assert fired == []  # won: every clock of the case stopped
    with app.sessions() as session:
        case = by_number(session, number)
        assert case.status == "won" and case.fields["po_number"] == "PO-44817"
        running = session.scalars(
            select(SlaClock).where(SlaClock.case_id == case.id, SlaClock.state != "stopped")
        ).all()
        assert running == []


def test_an_approval_date_from_the_customer_sets_the_first_follow_up(app) -> None:
    with freeze_time(MONDAY_10):
        number = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now()).case_number
        set_case(app, number, "quote-sent", actor=TARA, approval_by=date(2026, 12, 2))
    clock = clock_of(app, number, "quote_approval_followup")
    assert clock.due_at == datetime(2026, 12, 3, 0, 0, tzinfo=UTC)  # Wed 2 Dec 17:00 MST


def test_lost_needs_a_reason_and_a_done_case_must_be_reopened_first(app) -> None:
    with freeze_time(MONDAY_10):
        number = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now()).case_number
        with pytest.raises(LifecycleError, match="reason"):
            set_case(app, number, "lost")
        set_case(app, number, "lost", reason="went with a competitor")
        with pytest.raises(LifecycleError, match="reopen"):
            set_case(app, number, "quote-sent")
        set_case(app, number, "open")
    assert clock_of(app, number, "quote_turnaround").state == "stopped"
    with app.sessions() as session:
        case = by_number(session, number)
        assert case.status == "open" and case.fields["lost_reason"] == "went with a competitor"


def test_weekly_opportunity_update_reminds_the_am_and_restarts_on_their_update(app) -> None:
    with freeze_time(MONDAY_10) as frozen:
        number = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now()).case_number
        set_case(app, number, "quote-sent", actor=TARA)
        fired = run_clock(app, frozen, MONDAY_10 + 7 * 24 * H + H, step=timedelta(hours=1))
        weekly = [r for _, r in fired if r.policy == "opportunity_update"]
        assert [(r.step, r.to, r.scheduled) for r in weekly] == [
            ("follow_up", [ALEX], MONDAY_10 + 7 * 24 * H)
        ]
        frozen.move_to(now() + 24 * H)
        (ack,) = [m for m in _outbox(app) if m.kind == "ack"]
        deliver(app, reply_to(ack, "Spoke to them, decision next week.", now()), when=now())
        assert clock_of(app, number, "opportunity_update").due_at == now() + 7 * 24 * H


# --- business hours, daylight saving, the report, the command line ------------------------

BUSINESS_POLICY = """
[sla.policies.case_owner_response]
target = "9h"
basis = "business"
"""


def business_app(database_url: str, tmp_path: Path):
    org_file = tmp_path / "org.toml"
    org_file.write_text(ORG_FILE.read_text() + BUSINESS_POLICY)
    return build_app(settings_for(database_url, org_file))


@pytest.mark.parametrize(
    ("asked", "due"),
    [
        # Friday 16:00 MST: one hour on Friday, eight on Monday.
        (datetime(2026, 11, 27, 23, 0, tzinfo=UTC), datetime(2026, 11, 30, 23, 0, tzinfo=UTC)),
        # Friday before Family Day (Mon 15 Feb 2027, Alberta): Tuesday 16:00.
        (datetime(2027, 2, 12, 23, 0, tzinfo=UTC), datetime(2027, 2, 16, 23, 0, tzinfo=UTC)),
        # Friday before the clocks spring forward (Sun 14 Mar 2027): Monday 16:00 MDT is
        # 22:00 UTC, not 23:00: the opening hours stay put on the wall clock.
        (datetime(2027, 3, 12, 23, 0, tzinfo=UTC), datetime(2027, 3, 15, 22, 0, tzinfo=UTC)),
    ],
)
def test_business_hour_targets_skip_nights_weekends_holidays_and_follow_dst(
    migrated_database_url: str, tmp_path: Path, asked: datetime, due: datetime
) -> None:
    app = business_app(migrated_database_url, tmp_path)
    try:
        with freeze_time(asked - 7 * 24 * H) as frozen:
            number = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now()).case_number
            (ack,) = _outbox(app)
            frozen.move_to(asked)
            deliver(app, reply_to(ack, "Any news?", now()), when=now())
            clock = clock_of(app, number, "case_owner_response")
            assert clock.due_at == due
            fired = run_clock(app, frozen, due + timedelta(minutes=1), step=timedelta(minutes=15))
            breach = [
                r for _, r in fired if r.policy == "case_owner_response" and r.step == "breach"
            ]
            assert len(breach) == 1 and breach[0].scheduled == due
    finally:
        app.close()


def test_the_report_puts_the_overdue_first(app) -> None:
    with freeze_time(MONDAY_10) as frozen:
        first = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now()).case_number
        frozen.move_to(MONDAY_10 + 30 * H)
        second = deliver(app, mail(COMPLETE_QUOTE, subject="Another", when=now()), when=now())
        frozen.move_to(MONDAY_10 + 49 * H)
        with app.sessions() as session:
            rows = sla_report.report(session, app.pipeline.sla, now())
    quote_rows = [r for r in rows if r["policy"] == "quote_turnaround"]
    assert [(r["case"], r["state"]) for r in quote_rows] == [
        (first, "breached"),
        (second.case_number, "on time"),
    ]
    assert quote_rows[0]["late"] == "1 hour" and quote_rows[0]["owner"] == "tara.nguyen"
    assert rows[0]["state"] == "breached"


def test_cli_sets_status_with_the_crm_rules_and_reports(migrated_database_url: str) -> None:
    settings = settings_for(migrated_database_url)
    app = build_app(settings)
    with freeze_time(MONDAY_10):
        number = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now()).case_number
    app.close()
    env = {"INTAKE_DATABASE_URL": migrated_database_url, "INTAKE_ORG": str(ORG_FILE)}
    runner = CliRunner()
    with freeze_time(MONDAY_10 + 50 * H):
        out = runner.invoke(cli, ["sla", "report", "--json"], env=env)
        assert out.exit_code == 0, out.output
        rows = json.loads(out.output)
        assert rows[0]["case"] == number and rows[0]["state"] == "breached"
        out = runner.invoke(cli, ["sla", "report"], env=env)
        assert "breached" in out.output and number in out.output
        out = runner.invoke(cli, ["cases", "set", number, "status", "won"], env=env)
        assert out.exit_code != 0 and "PO number" in out.output
        out = runner.invoke(
            cli, ["cases", "set", number, "status", "quote-sent", "--as", TARA], env=env
        )
        assert out.exit_code == 0 and "open -> quote_sent" in out.output
        out = runner.invoke(cli, ["cases", "set", "CASE-999999", "status", "closed"], env=env)
        assert out.exit_code != 0 and "no case CASE-999999" in out.output


def test_replay_until_fires_what_falls_due_and_reports_it(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "001-quote.eml").write_bytes(mail(COMPLETE_QUOTE, when=MONDAY_10).as_bytes())
    report = tmp_path / "report.jsonl"
    env = {"INTAKE_ORG": str(ORG_FILE)}
    out = CliRunner().invoke(
        cli, ["replay", str(folder), "--until", "+49h", "--report", str(report)], env=env
    )
    assert out.exit_code == 0, out.output
    import json

    records = [json.loads(line) for line in report.read_text().splitlines()]
    assert records[0]["file"] == "001-quote.eml" and records[0]["action"] == "new_case"
    fired = [(r["policy"], r["step"], r["at"]) for r in records[1:]]
    assert fired == [
        ("quote_turnaround", "warning", (MONDAY_10 + 46 * H).isoformat()),  # quiet hours
        ("quote_turnaround", "breach", (MONDAY_10 + 48 * H).isoformat()),
    ]
    assert all(r["file"] is None and r["to"] == [TARA] for r in records[1:])
    out = CliRunner().invoke(cli, ["replay", str(folder), "--until", "soon"], env=env)
    assert out.exit_code != 0 and "--until" in out.output


# --- the policies as the organisation file writes them ------------------------------------


def test_policies_come_from_the_short_keys_and_tables(org) -> None:
    config = load_sla(org.sla, org.teams, time_zone=org.time_zone, country=org.phone_region)
    assert set(config.policies) == {
        "quote_turnaround",
        "case_owner_response",
        "service_response",
        "quote_approval_followup",
        "opportunity_update",
    }
    assert config.policies["quote_approval_followup"].target == 72 * H
    assert config.default_calendar.holiday_region == "CA-AB"
    changed = load_sla(
        {
            **org.sla,
            "policies": {"quote_turnaround": {"target": "24h", "account_types": ["Dealer"]}},
        },
        org.teams,
        time_zone=org.time_zone,
        country="CA",
    )
    quote = changed.policies["quote_turnaround"]
    assert quote.target == 24 * H and quote.starts_on == ["opened"]  # the rest is kept
    assert quote.applies_to("quotes", "Dealer") and not quote.applies_to("quotes", "Consumer")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"policies": {"x": {"starts_on": ["sunrise"], "target": "1h"}}},
            "sla.policies.x.starts_on",
        ),
        ({"policies": {"x": {"starts_on": ["opened"], "target": "soon"}}}, "sla.policies.x.target"),
        (
            {"policies": {"x": {"starts_on": ["opened"], "target": "1h", "notify": ["ceo"]}}},
            "notify",
        ),
        (
            {"policies": {"x": {"starts_on": ["opened"], "target": "1h", "calendar": "mars"}}},
            "mars",
        ),
        ({"business_hours": "weekdays 9 to 5"}, "sla.business_hours"),
        ({"holidays": "XX-YY"}, "holidays"),
        ({"calendars": {"east": {"hours": "17:00-08:00"}}}, "sla.calendars.east"),
    ],
)
def test_bad_sla_tables_are_named(org, extra: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        load_sla({**org.sla, **extra}, org.teams, time_zone=org.time_zone, country="CA")


def test_a_team_can_work_to_its_own_calendar(tmp_path: Path) -> None:
    text = ORG_FILE.read_text().replace(
        'slack_channel = "C0EASTQ01"', 'slack_channel = "C0EASTQ01"\ncalendar = "toronto"'
    )
    text += '\n[sla.calendars.toronto]\ntime_zone = "America/Toronto"\nholidays = "CA-ON"\n'
    org_file = tmp_path / "org.toml"
    org_file.write_text(text)
    org = load_organisation(org_file)
    config = load_sla(org.sla, org.teams, time_zone=org.time_zone, country="CA")
    policy = config.policies["case_owner_response"]
    assert config.team_calendar(policy, "east").time_zone == "America/Toronto"
    assert config.team_calendar(policy, "west").time_zone == "America/Edmonton"
    assert config.calendar_for(policy, "east").opens.hour == 0  # working days: whole days


def test_short_forms() -> None:
    assert parse_duration("1.5h") == timedelta(minutes=90) and parse_duration("2 weeks").days == 14
    with pytest.raises(ValueError):
        parse_duration("48")
    assert business_hours_mapping("Sun-Thu 09:00-18:00 Asia/Dubai")["days"] == [
        "sun",
        "mon",
        "tue",
        "wed",
        "thu",
    ]


def _outbox(app) -> list[OutboxMessage]:
    with app.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_message_on_a_won_case_starts_no_clock(app) -> None:
    with freeze_time(MONDAY_10) as frozen:
        number = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now()).case_number
        set_case(app, number, "won", actor=ALEX, po="PO-1")
        (ack,) = [m for m in _outbox(app) if m.kind == "ack"]
        frozen.move_to(MONDAY_10 + H)
        deliver(app, reply_to(ack, "Great, thanks all!", now()), when=now())
        fired = run_clock(app, frozen, now() + 30 * 24 * H, step=timedelta(hours=6))
    assert fired == []
    with app.sessions() as session:
        case = by_number(session, number)
        running = session.scalars(
            select(SlaClock).where(SlaClock.case_id == case.id, SlaClock.state != "stopped")
        ).all()
    assert running == []


# --- quiet hours ---------------------------------------------------------------------------

ROUND_THE_CLOCK = """
[sla.policies.quote_turnaround]
send_outside_hours = true
"""


def test_a_night_warning_waits_for_the_opening_and_the_due_time_stays(app) -> None:
    """Thursday 10:00 request: the 75 % warning falls Friday 22:00 and goes out Monday at
    08:00; the deadline (Monday 10:00, two working days) does not move."""
    thursday_10 = MONDAY_10 + 3 * 24 * H
    monday_8 = thursday_10 + 4 * 24 * H - 2 * H
    with freeze_time(thursday_10) as frozen:
        number = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now()).case_number
        clock = clock_of(app, number, "quote_turnaround")
        assert clock.warn_at == thursday_10 + 36 * H  # Friday 22:00
        assert clock.due_at == monday_8 + 2 * H and clock.next_at == monday_8
        fired = run_clock(app, frozen, monday_8 + 3 * H, step=timedelta(minutes=30))
    quote = [(t, r) for t, r in fired if r.policy == "quote_turnaround"]
    assert [(r.step, r.scheduled) for _, r in quote] == [
        ("warning", monday_8),
        ("breach", monday_8 + 2 * H),
    ]
    assert clock_of(app, number, "quote_turnaround").breached_at == monday_8 + 2 * H


def test_send_outside_hours_keeps_the_old_timing(
    migrated_database_url: str, tmp_path: Path
) -> None:
    org_file = tmp_path / "org.toml"
    org_file.write_text(ORG_FILE.read_text() + ROUND_THE_CLOCK)
    app = build_app(settings_for(migrated_database_url, org_file))
    try:
        with freeze_time(MONDAY_10):
            number = deliver(app, mail(COMPLETE_QUOTE, when=now()), when=now()).case_number
        clock = clock_of(app, number, "quote_turnaround")
        assert clock.next_at == clock.warn_at == MONDAY_10 + 36 * H  # Tuesday 22:00
    finally:
        app.close()


def test_every_reminder_of_the_corpus_replay_is_sent_in_working_hours(corpus: Path) -> None:
    from intake.bot.replay import replay_dir
    from intake.handlers.business_hours import DEFAULT_CALENDAR, next_opening

    settings = Settings.model_validate({"bot": {"org": str(ORG_FILE)}})
    records = replay_dir(corpus / "intake", settings, until="+5d")
    sent = [datetime.fromisoformat(r["at"]) for r in records if r["action"] == "reminder"]
    assert len(sent) > 100
    assert all(next_opening(DEFAULT_CALENDAR, at) == at for at in sent)  # opening to close


def test_clock_events_name_the_bot_as_actor_and_the_message_that_moved_them(app) -> None:
    """Issue 14: the actor of a clock's event is the bot, which moved it; what made it move
    (the stored arrival, its Message-ID and its sender, or a person's command) is data."""
    with freeze_time(MONDAY_10):
        request = mail(PARTIAL_QUOTE, when=now())
        result = deliver(app, request, when=now())
        number = result.case_number
        (ack,) = [m for m in _outbox(app) if m.kind == "ack"]
        answer = reply_to(ack, "Factor: 0.52\nStage: Submissions\nClose date: 2026-12-18\n", now())
        deliver(app, answer, when=now())
        set_case(app, number, "quote-sent", actor=TARA)
    with app.sessions() as session:
        case = by_number(session, number)
        rows = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind.like("sla_%"))
            .order_by(CaseEvent.id)
        ).all()
        inbound = {m.message_id: m.inbound_id for m in case.messages if m.direction == "in"}
    assert rows and {e.actor for e in rows} == {"intake-bot"}
    by_kind = [(e.kind, e.data.get("on"), e.data) for e in rows]
    started = next(d for k, on, d in by_kind if k == "sla_started" and on == "opened")
    assert started["sender"] == "alex.martin@example.com"
    assert started["message_id"] == request["Message-ID"]
    assert started["inbound_id"] == inbound[request["Message-ID"]]
    resumed = next(d for k, on, d in by_kind if k == "sla_resumed")
    assert resumed["message_id"] == answer["Message-ID"]
    assert resumed["inbound_id"] == inbound[answer["Message-ID"]]
    stopped = next(d for k, on, d in by_kind if k == "sla_stopped" and on == "quote_sent")
    assert stopped["by"] == TARA and "inbound_id" not in stopped
