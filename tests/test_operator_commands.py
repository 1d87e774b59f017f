"""The operator's commands through the real CLI, on both databases: outgoing messages whose
delivery is uncertain or failed (`intake outbox list|resend`, `intake cases show`), shunted
inbound messages (`intake inbox shunted|retry`), and `intake serve` refusing to start without
a template it needs.

The rows get into their states the way they do in production: a crash at the point of no
return and the restart's recovery (uncertain), a relay refusing the recipient (failed), a
templates folder missing `email/ack.txt.j2` (shunted); and they go out to a real SMTP sink.
"""

from __future__ import annotations

import ast
import json
import logging
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from intake.bot.app import build_app
from intake.bot.cli import main
from intake.bot.config import OutboxSettings, RelaySettings, Settings, load_settings
from intake.bot.outbox import SmtpRelay, SpoolFolder, dispatch_due, recover_interrupted
from intake.bot.worker import drain
from intake.handlers.templates_check import EMAIL_TEMPLATES, required_files, template_problems
from intake.storage import inbox
from intake.storage.models import CaseEvent, InboundMessage, OutboxMessage
from tests.conftest import ORG_FILE, ROOT
from tests.mailhelpers import Sink, free_port, make_request

T0 = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)  # a Monday, 10:00 in Edmonton
FAST = OutboxSettings(backoff_first_seconds=60, max_attempts=3)


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def config(migrated_database_url: str, tmp_path: Path) -> Path:
    """A settings file on the test's database, with a copy of the templates to break."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    cfg = tmp_path / "intake.toml"
    cfg.write_text(
        f'[database]\nurl = "{migrated_database_url}"\n'
        f'[bot]\norg = "{ORG_FILE}"\ntemplates = "{templates}"\n'
        f'[smtp]\nlisten = "127.0.0.1:{free_port()}"\n'
        f'[relay]\nspool_dir = "{tmp_path / "spool"}"\n'
    )
    return cfg


@pytest.fixture
def app(config: Path):
    """Not the shared `app` (tests/conftest.py): the bot the `config` file describes, the
    one the commands under test read, with templates a test may break."""
    app = build_app(load_settings(str(config)))
    yield app
    app.close()


def intake(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def error_line(done: Result) -> str:
    """The one line a refused command prints (click's "Error: ..."), checked to be one."""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.output, done.output
    return lines[0]


def receive(app, *subjects: str) -> None:
    """Store requests as the front door does and let the worker process them."""
    for subject in subjects:
        with app.sessions() as session, session.begin():
            inbox.store_inbound(
                session,
                raw=make_request(subject=subject).as_bytes(),
                channel="smtp",
                received_at=T0,
                mail_from="pat@example.net",
                rcpt_tos=["connectyou@example.com"],
            )
    drain(app.sessions, app.pipeline, lambda row: T0, app.settings.worker.max_attempts)


def outbox_row(app, row_id: int) -> OutboxMessage:
    with app.sessions() as session:
        return session.get(OutboxMessage, row_id)


class DiesAfterCommit(SpoolFolder):
    """The process dies at the point of no return: the row is committed `sending` and the
    end of DATA never reaches the relay."""

    def send(self, row, commit_point):
        commit_point()
        raise SystemExit("killed")


def crash_while_sending(app, tmp_path: Path, feed=None) -> int:
    """The acknowledgement of a new case, left uncertain by a crash and the restart (which
    notes it on the case and, given a Slack `feed`, in the case's thread)."""
    receive(app, "Foggy window in the kitchen")
    with pytest.raises(SystemExit):
        dispatch_due(app.sessions, DiesAfterCommit(tmp_path / "never"), FAST, lambda: T0)
    (row,) = recover_interrupted(app.sessions, feed, T0)  # what `intake serve` does at start
    assert outbox_row(app, row.id).state == "uncertain"
    return row.id


# --- uncertain and failed outgoing messages ------------------------------------------------


def test_an_uncertain_acknowledgement_is_shown_as_such_by_cases_show(
    app, config: Path, tmp_path: Path
) -> None:
    row_id = crash_while_sending(app, tmp_path)

    done = intake(config, "cases", "show", "CASE-000001", "--json")
    assert done.exit_code == 0, done.output
    detail = json.loads(done.stdout)
    (out,) = [m for m in detail["messages"] if m["direction"] == "out"]
    assert out["delivery"]["outbox_id"] == row_id
    assert out["delivery"]["state"] == "uncertain"
    assert "stopped while handing" in out["delivery"]["last_error"]
    assert [(r["id"], r["state"], r["kind"]) for r in detail["outbox"]] == [
        (row_id, "uncertain", "ack")
    ]

    text = intake(config, "cases", "show", "CASE-000001").stdout
    (out_line,) = [line for line in text.splitlines() if " out " in line]
    assert "UNCERTAIN" in out_line and f"outbox #{row_id}" in out_line
    assert "needs a decision" in text


def test_a_sent_acknowledgement_is_an_ordinary_message(app, config: Path) -> None:
    receive(app, "Foggy window in the kitchen")
    with Sink() as sink:
        relay = SmtpRelay(RelaySettings(address=sink.address))
        assert dispatch_due(app.sessions, relay, FAST, lambda: T0) == 1
    detail = json.loads(intake(config, "cases", "show", "CASE-000001", "--json").stdout)
    (out,) = [m for m in detail["messages"] if m["direction"] == "out"]
    assert out["delivery"]["state"] == "sent"
    text = intake(config, "cases", "show", "CASE-000001").stdout
    assert "UNCERTAIN" not in text and "outbox #" not in text and "needs a decision" not in text


def test_outbox_list_reports_by_state(app, config: Path, tmp_path: Path) -> None:
    uncertain_id = crash_while_sending(app, tmp_path)
    receive(app, "Door will not latch")  # its acknowledgement stays pending

    rows = json.loads(intake(config, "outbox", "list", "--json").stdout)
    assert [(r["id"], r["state"]) for r in rows] == [(uncertain_id, "uncertain"), (2, "pending")]
    assert rows[0]["case"] == "CASE-000001" and rows[0]["to"] == "pat@example.net"
    assert rows[0]["subject"] == "[CASE-000001] Foggy window in the kitchen"

    only = json.loads(intake(config, "outbox", "list", "--state", "uncertain", "--json").stdout)
    assert [r["id"] for r in only] == [uncertain_id]
    assert json.loads(intake(config, "outbox", "list", "--state", "sent", "--json").stdout) == []

    table = intake(config, "outbox", "list", "--state", "uncertain")
    assert table.exit_code == 0, table.output
    (line,) = [ln for ln in table.stdout.splitlines() if ln.strip().startswith(str(uncertain_id))]
    assert "uncertain" in line and "CASE-000001" in line and "pat@example.net" in line
    assert "intake outbox resend ID" in table.stdout
    assert intake(config, "outbox", "list", "--state", "failed").stdout.strip() == (
        "no failed outgoing messages"
    )
    refused = intake(config, "outbox", "list", "--state", "lost")
    assert refused.exit_code == 2 and "'lost' is not one of" in refused.output


def test_resending_an_uncertain_message_records_who_decided_and_it_goes_out_once(
    app, config: Path, tmp_path: Path
) -> None:
    row_id = crash_while_sending(app, tmp_path)

    done = intake(config, "outbox", "resend", str(row_id), "--as", "Dana.Ops@Example.com")
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == (
        f"outbox #{row_id} (ack to pat@example.net, CASE-000001): uncertain -> pending; "
        "the running bot sends it"
    )
    row = outbox_row(app, row_id)
    assert row.state == "pending" and row.attempts == 0
    with app.sessions() as session:
        (event,) = session.scalars(select(CaseEvent).where(CaseEvent.kind == "outbox_resend"))
        assert event.actor == "dana.ops@example.com"
        assert event.data["outbox_id"] == row_id and event.data["was"] == "uncertain"
        assert "stopped while handing" in event.data["last_error"]
    shown = intake(config, "cases", "show", "CASE-000001").stdout
    assert "outbox_resend" in shown and "dana.ops@example.com" in shown

    with Sink() as sink:  # the running bot's dispatcher, on the wall clock as the resend
        relay = SmtpRelay(RelaySettings(address=sink.address))
        assert dispatch_due(app.sessions, relay, FAST, now) == 1
        assert dispatch_due(app.sessions, relay, FAST, now) == 0
        (msg,) = sink.messages
    assert msg["Message-ID"] == row.message_id  # the same message, not a new one
    assert outbox_row(app, row_id).state == "sent"

    again = intake(config, "outbox", "resend", str(row_id))
    assert again.exit_code == 1
    assert error_line(again) == (
        f"Error: outbox #{row_id} is sent: only an uncertain or failed message can be resent"
    )


def test_a_failed_message_can_be_resent_once_the_cause_is_fixed(app, config: Path) -> None:
    receive(app, "Foggy window in the kitchen")
    with Sink() as sink:
        sink.handler.refuse.add("pat@example.net")  # the customer's mailbox was full
        relay = SmtpRelay(RelaySettings(address=sink.address))
        dispatch_due(app.sessions, relay, FAST, lambda: T0)
        (row,) = json.loads(intake(config, "outbox", "list", "--state", "failed", "--json").stdout)
        assert "refused" in row["last_error"]

        sink.handler.refuse.clear()
        done = intake(config, "outbox", "resend", str(row["id"]))
        assert done.exit_code == 0, done.output
        assert "failed -> pending" in done.stdout
        assert dispatch_due(app.sessions, relay, FAST, now) == 1
        assert len(sink.messages) == 1
    with app.sessions() as session:
        (event,) = session.scalars(select(CaseEvent).where(CaseEvent.kind == "outbox_resend"))
        assert event.actor == "cli" and event.data["was"] == "failed"


def test_resend_refuses_pending_and_unknown_messages_in_one_line(app, config: Path) -> None:
    receive(app, "Foggy window in the kitchen")
    pending = intake(config, "outbox", "resend", "1")
    assert pending.exit_code == 1
    assert error_line(pending) == (
        "Error: outbox #1 is pending: only an uncertain or failed message can be resent"
    )
    unknown = intake(config, "outbox", "resend", "999")
    assert unknown.exit_code == 1
    assert error_line(unknown) == "Error: no outbox message #999"
    not_a_number = intake(config, "outbox", "resend", "one")
    assert not_a_number.exit_code == 2 and "'one' is not a valid integer" in not_a_number.output
    assert outbox_row(app, 1).state == "pending"  # nothing changed


# --- shunted inbound messages ---------------------------------------------------------------


def shunt_for_a_missing_template(app, tmp_path: Path) -> Path:
    """The incident: ack.txt.j2 gone, every new request shunted. Returns the file to restore."""
    ack = tmp_path / "templates" / "email" / "ack.txt.j2"
    ack.rename(ack.with_suffix(".away"))
    receive(app, "Foggy window in the kitchen", "Door will not latch")
    return ack


def test_shunted_messages_are_listed_with_their_error(app, config: Path, tmp_path: Path) -> None:
    assert intake(config, "inbox", "shunted").stdout.strip() == "no shunted messages"
    shunt_for_a_missing_template(app, tmp_path)

    rows = json.loads(intake(config, "inbox", "shunted", "--json").stdout)
    assert [(r["id"], r["subject"]) for r in rows] == [
        (1, "Foggy window in the kitchen"),
        (2, "Door will not latch"),
    ]
    for r in rows:
        assert r["attempts"] == app.settings.worker.max_attempts
        assert "TemplateNotFound" in r["error"] and "email/ack.txt.j2" in r["error"]
        assert r["from"] == "Pat Homeowner <pat@example.net>"
        assert r["to"] == ["connectyou@example.com"]

    table = intake(config, "inbox", "shunted")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[1].split()[0] == "1" and "Foggy window in the kitchen" in lines[1]
    assert "error after 3 attempts" in lines[2] and "email/ack.txt.j2" in lines[2]


def test_retry_puts_shunted_messages_back_after_the_fix(
    app, config: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ack = shunt_for_a_missing_template(app, tmp_path)
    ack.with_suffix(".away").rename(ack)  # the fix

    with caplog.at_level(logging.WARNING, logger="intake.operator"):
        done = intake(config, "inbox", "retry", "--all", "--as", "dana.ops@example.com")
    assert done.exit_code == 0, done.output
    assert [ln.split(":")[0] for ln in done.stdout.splitlines()] == ["inbound #1", "inbound #2"]
    assert "email/ack.txt.j2" in done.stdout
    logged = [r.getMessage() for r in caplog.records if r.name == "intake.operator"]
    assert len(logged) == 2
    assert all("dana.ops@example.com" in m and "email/ack.txt.j2" in m for m in logged)
    with app.sessions() as session:
        rows = session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        assert [(r.state, r.attempts) for r in rows] == [("new", 0), ("new", 0)]
        assert all("ack.txt.j2" in r.error for r in rows)  # the reason is kept

    results = drain(app.sessions, app.pipeline, lambda row: T0)  # the running worker
    assert [r.outcome for r in results] == ["new_case", "new_case"]
    with app.sessions() as session:
        assert [o.kind for o in session.scalars(select(OutboxMessage))] == ["ack", "ack"]
    assert intake(config, "inbox", "shunted").stdout.strip() == "no shunted messages"
    assert intake(config, "inbox", "retry", "--all").stdout.strip() == "no shunted messages"

    done_one = intake(config, "inbox", "retry", "1")
    assert done_one.exit_code == 1
    assert error_line(done_one) == "Error: inbound #1 is done, not shunted: nothing to retry"


def test_retry_one_message_by_id_and_refusals(app, config: Path, tmp_path: Path) -> None:
    shunt_for_a_missing_template(app, tmp_path)
    done = intake(config, "inbox", "retry", "2")
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("inbound #2: back in the queue")
    with app.sessions() as session:
        states = session.scalars(select(InboundMessage.state).order_by(InboundMessage.id)).all()
        assert states == ["shunted", "new"]

    unknown = intake(config, "inbox", "retry", "999")
    assert unknown.exit_code == 1
    assert error_line(unknown) == "Error: no inbound message #999"
    for args in ([], ["1", "--all"]):
        usage = intake(config, "inbox", "retry", *args)
        assert usage.exit_code == 2
        assert "give the ID of a shunted message, or --all" in usage.output


# --- serve refuses to start without its templates -------------------------------------------


def test_serve_refuses_to_start_naming_the_missing_template(config: Path, tmp_path: Path) -> None:
    missing = tmp_path / "templates" / "email" / "ack.txt.j2"
    missing.unlink()
    done = subprocess.run(
        [sys.executable, "-m", "intake.bot.cli", "--config", str(config), "serve"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,  # a serve that started anyway would run until killed here
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == (
        f"Error: cannot serve: missing template {missing}; "
        "set bot.templates to the folder that holds email/"
    )


def test_the_template_check_finds_every_kind_of_problem(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    assert template_problems(ROOT / "templates") == []
    assert template_problems(templates) == []
    email = templates / "email"
    (email / "refusal.html.j2").unlink()
    (email / "_footer.txt.j2").unlink()  # included by ack, confirm and request_info
    (email / "sla_reminder.txt.j2").write_text("Hello {{ name }\n")
    problems = template_problems(templates)
    assert f"missing template {email / 'refusal.html.j2'}" in problems
    assert f"missing template {email / '_footer.txt.j2'} (included by email/ack.txt.j2)" in (
        problems
    )
    (syntax,) = [p for p in problems if "sla_reminder" in p]
    assert syntax.startswith(f"template {email / 'sla_reminder.txt.j2'} line 1: ")
    assert len(problems) == 3
    assert template_problems(tmp_path / "nowhere") == [
        f"templates folder {tmp_path / 'nowhere'} does not exist (bot.templates)"
    ]


def _rendered_names() -> set[str]:
    """Template names the code hands to the renderer: string literals given to `render`,
    `queue_email` and `queue_case_reply`, and those `reply_kind` returns."""
    names: set[str] = set()
    for path in [*(ROOT / "handlers").glob("*.py"), *(ROOT / "bot").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in ("render", "queue_email", "queue_case_reply"):
                    names |= {
                        a.value
                        for a in node.args[:2]
                        if isinstance(a, ast.Constant) and isinstance(a.value, str)
                    }
            elif isinstance(node, ast.FunctionDef) and node.name == "reply_kind":
                names |= {
                    r.value.value
                    for r in ast.walk(node)
                    if isinstance(r, ast.Return)
                    and isinstance(r.value, ast.Constant)
                    and isinstance(r.value.value, str)
                }
    return names


def test_the_checked_templates_are_every_one_the_code_renders_and_ships() -> None:
    rendered = _rendered_names()
    assert {"ack", "confirm", "request_info", "refusal", "sla_reminder"} <= rendered
    assert rendered <= set(EMAIL_TEMPLATES)
    shipped = {
        f"email/{p.name}"
        for p in (ROOT / "templates" / "email").glob("*.j2")
        if not p.name.startswith("_")
    }
    assert shipped == set(required_files())


def test_settings_file_is_read_as_intended(config: Path, migrated_database_url: str) -> None:
    settings: Settings = load_settings(str(config))
    assert settings.database.url == migrated_database_url
    assert settings.bot.templates.endswith("templates")


# --- the optional notice of an uncertain email ----------------------------------------------


def test_an_uncertain_email_is_noticed_on_the_case_and_in_its_slack_thread(
    app, config: Path, tmp_path: Path
) -> None:
    from intake.handlers.delivery_notice import notice_uncertain
    from intake.handlers.slack_feed import SlackFeed

    row_id = crash_while_sending(app, tmp_path, feed=SlackFeed(app.org))
    with app.sessions() as session:
        (post,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "slack_thread")
        ).all()
        text = json.loads(post.raw)["text"]
    assert post.recipient == "C0CONNECT1"
    assert "acknowledgement to pat@example.net may not have been delivered" in text
    assert f"`intake outbox resend {row_id}`" in text
    detail = json.loads(intake(config, "cases", "show", "CASE-000001", "--json").stdout)
    (event,) = [e for e in detail["events"] if e["kind"] == "delivery_uncertain"]
    assert event["data"]["outbox_id"] == row_id and "stopped" in event["data"]["why"]

    intake(config, "outbox", "resend", str(row_id))
    with app.sessions() as session, session.begin():  # no longer uncertain: no notice
        assert notice_uncertain(session, SlackFeed(app.org), [row_id], T0) == []
