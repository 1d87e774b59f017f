"""A new operator's first hour (issue 14): every start-up failure of `intake serve` is one
line naming the cause and the setting that fixes it; read-only commands never leave a
database behind; the command line takes its options where a person writes them.

The failures are real: `intake serve` runs as a subprocess, the port is taken by a real
listening socket, the unreachable database is a real closed port (127.0.0.1:1).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import ORG_FILE, ROOT
from tests.mailhelpers import free_port

pytestmark = pytest.mark.slow


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the overrides that would decide for the file."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "SLACK_"))}
    return {**base, **extra}


def intake(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120):
    """`intake ARGS` as a real process; a serve that started anyway is killed by the
    time-out and fails the test."""
    return subprocess.run(
        [sys.executable, "-m", "intake.bot.cli", *args],
        cwd=cwd,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The whole of what a failed start said: exactly one line on stderr, nothing on stdout,
    exit code 1."""
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A working folder with a settings file that puts everything inside it."""
    (tmp_path / "intake.toml").write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/var/intake.db"\n'
        f'[smtp]\nlisten = "127.0.0.1:{free_port()}"\n'
        f'[slack]\nhttp_listen = "127.0.0.1:{free_port()}"\n'
        f'[relay]\nspool_dir = "{tmp_path}/spool"\n'
        f'[bot]\norg = "{ORG_FILE}"\n'
    )
    return tmp_path


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


# == start-up failures ===========================================================================


def test_smtp_port_in_use(folder: Path, taken_port: int) -> None:
    line = one_line(intake("serve", "--smtp-listen", f"127.0.0.1:{taken_port}", cwd=folder))
    assert line == (
        f"Error: cannot listen on 127.0.0.1:{taken_port}: address in use; "
        "set INTAKE_SMTP_LISTEN or smtp.listen or --smtp-listen"
    )


def test_http_port_in_use(folder: Path, taken_port: int) -> None:
    """/healthz and /metrics listen whether Slack is on or not: their port too."""
    line = one_line(intake("serve", "--http-listen", f"127.0.0.1:{taken_port}", cwd=folder))
    assert line == (
        f"Error: cannot listen on 127.0.0.1:{taken_port}: address in use; "
        "set INTAKE_HTTP_LISTEN or slack.http_listen or --http-listen"
    )


def test_smtp_port_in_use_from_the_environment(folder: Path, taken_port: int) -> None:
    env = clean_env(INTAKE_SMTP_LISTEN=f"127.0.0.1:{taken_port}")
    line = one_line(intake("serve", cwd=folder, env=env))
    assert f"cannot listen on 127.0.0.1:{taken_port}: address in use" in line


def test_database_unreachable(folder: Path) -> None:
    env = clean_env(INTAKE_DATABASE_URL="postgresql+psycopg://intake:secret@127.0.0.1:1/intake")
    line = one_line(intake("serve", cwd=folder, env=env))
    assert line.startswith(
        "Error: cannot use the database postgresql+psycopg://intake:***@127.0.0.1:1/intake: "
    )
    assert "Connection refused" in line and "secret" not in line
    assert line.endswith("; set INTAKE_DATABASE_URL or database.url")


def test_database_url_that_is_no_url(folder: Path) -> None:
    line = one_line(intake("serve", cwd=folder, env=clean_env(INTAKE_DATABASE_URL="intake.db")))
    assert line == (
        "Error: database URL 'intake.db' is not a database URL (like sqlite:///var/intake.db "
        "or postgresql+psycopg://user@host/intake); set INTAKE_DATABASE_URL or database.url"
    )


def test_database_of_a_kind_sqlalchemy_does_not_know(folder: Path) -> None:
    env = clean_env(INTAKE_DATABASE_URL="postgress://db.internal/intake")
    line = one_line(intake("serve", cwd=folder, env=env))
    assert line == (
        "Error: database URL postgress://db.internal/intake: SQLAlchemy knows no database "
        "'postgress'; set INTAKE_DATABASE_URL or database.url"
    )


def test_database_driver_missing(folder: Path) -> None:
    env = clean_env(INTAKE_DATABASE_URL="mysql://intake@127.0.0.1:1/intake")
    line = one_line(intake("serve", cwd=folder, env=env))
    assert line == (
        "Error: the database driver 'MySQLdb' for mysql://intake@127.0.0.1:1/intake is not "
        "installed (pip install mysqlclient); set INTAKE_DATABASE_URL or database.url"
    )


def test_templates_missing(folder: Path) -> None:
    with (folder / "intake.toml").open("a") as f:
        f.write(f'templates = "{folder / "nowhere"}"\n')
    line = one_line(intake("serve", cwd=folder))
    assert line == (
        f"Error: cannot serve: templates folder {folder / 'nowhere'} does not exist "
        "(bot.templates); set bot.templates to the folder that holds email/"
    )


def test_settings_file_with_an_unknown_key(folder: Path) -> None:
    cfg = folder / "intake.toml"
    cfg.write_text(cfg.read_text() + "[worker]\npoll_secs = 1\n")
    line = one_line(intake("serve", cwd=folder))
    assert line == "Error: configuration error: intake.toml: worker.poll_secs: unknown key"


def test_settings_file_with_a_bad_value(folder: Path) -> None:
    cfg = folder / "intake.toml"
    cfg.write_text(cfg.read_text().replace('listen = "127.0.0.1:', 'listen = "localhost '))
    line = one_line(intake("serve", cwd=folder))
    assert line.startswith("Error: configuration error: intake.toml: smtp.listen: ")


def test_settings_file_that_is_not_there(folder: Path) -> None:
    line = one_line(intake("--config", "nope.toml", "serve", cwd=folder))
    assert line == "Error: configuration error: nope.toml: configuration file not found"


def test_organisation_file_that_is_not_there(folder: Path) -> None:
    line = one_line(intake("serve", cwd=folder, env=clean_env(INTAKE_ORG="/nowhere/org.toml")))
    assert line == (
        "Error: configuration error: /nowhere/org.toml: organisation file not found; "
        "set INTAKE_ORG or bot.org"
    )


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("time_zone =", "time_zon ="), "organisation.time_zon: unknown key"),
        (("[picklists]", "[picklist]"), "[picklist]: unknown section"),
        (('role = "AM"', 'rol = "AM"'), "people.alex.martin.rol: unknown key"),
    ],
)
def test_organisation_file_with_an_unknown_key(
    folder: Path, change: tuple[str, str], named: str
) -> None:
    org = folder / "org.toml"
    org.write_text(ORG_FILE.read_text().replace(*change, 1))
    line = one_line(intake("serve", cwd=folder, env=clean_env(INTAKE_ORG=str(org))))
    assert line.startswith(f"Error: configuration error: {org}: {named}")


def test_verbose_shows_the_traceback_before_the_line(folder: Path) -> None:
    env = clean_env(INTAKE_DATABASE_URL="postgresql+psycopg://intake@127.0.0.1:1/intake")
    done = intake("-v", "serve", cwd=folder, env=env)
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert "OperationalError" in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: cannot use the database postgresql+psycopg://")


def test_listen_options_are_checked_as_options(folder: Path) -> None:
    done = intake("serve", "--smtp-listen", "everywhere", cwd=folder)
    assert done.returncode == 2
    assert "--smtp-listen" in done.stderr and "expected host:port" in done.stderr


# == read-only commands leave no database behind ==================================================


@pytest.mark.parametrize(
    "command",
    [
        ["cases", "list"],
        ["cases", "show", "1"],
        ["sla", "report"],
        ["outbox", "list"],
        ["inbox", "shunted"],
    ],
)
def test_read_only_commands_create_no_database(tmp_path: Path, command: list[str]) -> None:
    """Run from the wrong folder, each says where it looked and leaves nothing there."""
    shutil.copy(ORG_FILE, tmp_path / "org.toml")
    done = intake(*command, cwd=tmp_path, env=clean_env(INTAKE_ORG=str(tmp_path / "org.toml")))
    assert one_line(done) == (
        f"Error: no database at {tmp_path.resolve()}/var/intake.db; run from the folder "
        "where intake serve runs, or set INTAKE_DATABASE_URL"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.toml"]


def test_read_only_command_on_a_postgresql_database_without_our_schema() -> None:
    from tests.conftest import PG_ADMIN_URL, _pg_available

    if _pg_available():
        pytest.skip("PostgreSQL not reachable")
    done = intake("cases", "list", cwd=ROOT, env=clean_env(INTAKE_DATABASE_URL=PG_ADMIN_URL))
    line = one_line(done)
    assert re.fullmatch(
        r"Error: no intake database at postgresql\+psycopg://\S+ \(no schema\); run from the "
        r"folder where intake serve runs, or set INTAKE_DATABASE_URL",
        line,
    )


def test_verbose_after_the_command_shows_the_traceback_too(folder: Path) -> None:
    env = clean_env(INTAKE_DATABASE_URL="postgresql+psycopg://intake@127.0.0.1:1/intake")
    done = intake("serve", "-v", cwd=folder, env=env)
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("Error: cannot use the database")


# == the command line ============================================================================


def foggy_window(folder: Path) -> Path:
    """One service request as an .eml file, dated Thu 3 Dec 2026 10:00 in Edmonton."""
    from email.message import EmailMessage

    mails = folder / "mails"
    mails.mkdir(exist_ok=True)
    msg = EmailMessage()
    msg["From"] = "Pat Lee <pat@example.net>"
    msg["To"] = "connectyou@example.com"
    msg["Subject"] = "Foggy window"
    msg["Date"] = "Thu, 03 Dec 2026 17:00:00 +0000"
    msg["Message-ID"] = "<foggy-1@example.net>"
    msg.set_content(
        "The kitchen window is foggy.\nName: Pat Lee\nPhone: 403-555-0188\n"
        "Address: 12 Elm St, Calgary AB\n"
    )
    (mails / "001.eml").write_bytes(bytes(msg))
    return mails


@pytest.fixture(scope="module")
def replay_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A real `intake replay` of the mail into a new database, its output piped, once per
    module: a replay is a process start and an extractor load, seconds on a busy machine.
    The folder it ran in (the mail, and CASE-000001 in cases.db) and what it said."""
    folder = tmp_path_factory.mktemp("replayed")
    done = intake(
        "replay", str(foggy_window(folder)), "--database", f"sqlite:///{folder}/cases.db",
        "-q", cwd=folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder, done


@pytest.fixture(scope="module")
def replayed(replay_run: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    """A folder holding the mail and a database with CASE-000001, made by the module's real
    replay: a dozen tests read the same case (each from a copy: `one_case`)."""
    return replay_run[0]


@pytest.fixture
def one_case(tmp_path: Path, replayed: Path) -> Path:
    """A folder whose settings file (elsewhere.toml, not the default name) points at a
    database holding CASE-000001, made by a real replay; a copy of its own, so a test may
    change the case."""
    shutil.copytree(replayed, tmp_path, dirs_exist_ok=True)
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/cases.db"\n[bot]\norg = "{ORG_FILE}"\n'
    )
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ["--config", "elsewhere.toml", "cases", "list"],
        ["cases", "--config", "elsewhere.toml", "list"],
        ["cases", "list", "--config", "elsewhere.toml"],
        ["cases", "list", "--config=elsewhere.toml", "-v"],
        ["-v", "cases", "list", "--utc", "--config", "elsewhere.toml"],
    ],
)
def test_global_options_in_any_position(one_case: Path, args: list[str]) -> None:
    done = intake(*args, cwd=one_case)
    assert done.returncode == 0, done.stderr
    assert "CASE-000001" in done.stdout and "Foggy window" in done.stdout


def test_verbose_after_the_command_turns_on_verbose_logging(one_case: Path) -> None:
    quiet = intake("cases", "list", "--config", "elsewhere.toml", cwd=one_case)
    loud = intake("cases", "list", "--config", "elsewhere.toml", "-v", cwd=one_case)
    # -v lets alembic's lines through (it is quietened to warnings otherwise)
    assert "alembic" not in quiet.stderr
    assert "INFO alembic.runtime.migration" in loud.stderr


@pytest.mark.parametrize("form", ["CASE-000001", "CASE-1", "case-1", "1", "000001"])
def test_case_numbers_in_every_form(one_case: Path, form: str) -> None:
    done = intake("cases", "show", form, "--config", "elsewhere.toml", cwd=one_case)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("CASE-000001  [service]")


def test_a_case_number_that_is_none_is_a_usage_error(one_case: Path) -> None:
    done = intake("cases", "show", "CASE-12a", "--config", "elsewhere.toml", cwd=one_case)
    assert done.returncode == 2
    assert "expected a case number like CASE-000123, CASE-123 or 123, got 'CASE-12a'" in done.stderr
    moved = intake(
        "cases", "set", "1", "status", "closed", "--at", "2026-12-04T09:00",
        "--config", "elsewhere.toml", cwd=one_case,
    )  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.strip() == "CASE-000001: open -> closed"
    shown = intake("cases", "show", "1", "--config", "elsewhere.toml", cwd=one_case).stdout
    # a zone-less --at is the organisation's time, shown with its offset
    assert "2026-12-04 09:00-07:00 cli" in shown


def test_times_in_the_organisations_zone_with_offset_or_utc(one_case: Path) -> None:
    def run(*args: str) -> str:
        done = intake(*args, "--config", "elsewhere.toml", cwd=one_case)
        assert done.returncode == 0, done.stderr
        return done.stdout

    # received Thu 3 Dec 10:00 MST; the service answer is due a working day later
    assert "2026-12-04 10:00-07:00" in run("cases", "list")
    assert "2026-12-04 17:00+00:00" in run("cases", "list", "--utc")
    shown = run("cases", "show", "1")
    assert "due:       2026-12-04 10:00-07:00" in shown
    assert "2026-12-03 10:00-07:00 in  pat@example.net: Foggy window" in shown
    assert "'due_at': '2026-12-04T10:00:00-07:00'" in shown  # inside an event's data too
    assert "+00:00" not in shown
    as_json = json.loads(run("cases", "show", "1", "--json"))
    assert as_json["due"] == "2026-12-04T10:00:00-07:00"
    assert json.loads(run("cases", "show", "1", "--json", "--utc"))["due"] == (
        "2026-12-04T17:00:00+00:00"
    )
    assert "2026-12-04 10:00-07:00" in run("sla", "report", "--at", "2026-12-03T12:00")
    assert "2026-12-03 10:00-07:00" in run("outbox", "list")


def test_every_command_and_option_has_help() -> None:
    import click

    from intake.bot.cli import main

    def walk(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
        yield path, command
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from walk(sub, f"{path} {name}")

    bare = []
    for path, command in walk(main, "intake"):
        if not (command.help or "").strip():
            bare.append(path)
        for param in command.params:
            if isinstance(param, click.Option) and not (param.help or "").strip():
                bare.append(f"{path} {param.opts[0]}")
    assert bare == []
    shown = intake("cases", "show", "--help", cwd=ROOT)
    assert "before or after the command" in shown.stdout
    assert "--utc" in intake("--help", cwd=ROOT).stdout


def test_replay_shows_a_progress_bar_on_a_terminal_only(
    tmp_path: Path, replay_run: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    import pty

    _, piped = replay_run  # the module's replay, its output piped
    assert piped.returncode == 0 and "replaying" not in piped.stdout + piped.stderr
    mails = foggy_window(tmp_path)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "intake.bot.cli", "replay", str(mails), "-q"],
        cwd=tmp_path,
        env=clean_env(),
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(120) == 0
    os.close(leader)
    text = seen.decode()
    assert "replaying" in text and "100%" in text
    assert "1 messages: new_case 1" in text


# == logs ========================================================================================


def serve_one_message(folder: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """`intake serve` as a process, one real message over SMTP, processed; then SIGTERM.
    Returns everything it logged."""
    import signal
    import smtplib

    from tests.mailhelpers import make_request, wait_for

    cfg = folder / "intake.toml"
    port = int(re.search(r'listen = "127\.0\.0\.1:(\d+)"', cfg.read_text()).group(1))
    log = folder / "serve.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "intake.bot.cli", *args, "serve"],
        cwd=folder,
        env=clean_env(**(env or {})),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    try:
        from tests.mailhelpers import wait_for_port

        wait_for_port(port, timeout=60)
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(make_request())
        wait_for(lambda: "CASE-000001" in log.read_text(), timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    return log.read_text()


def test_one_line_per_message_at_info_and_aiosmtpd_at_debug(folder: Path) -> None:
    text = serve_one_message(folder)
    assert "mail.log" not in text  # aiosmtpd's per-connection lines
    lines = [line for line in text.splitlines() if "inbound #1" in line]
    assert len(lines) == 1, text
    (line,) = lines
    assert " INFO intake.pipeline: inbound #1 smtp from pat@example.net to " in line
    assert "connectyou@example.com" in line and "new_case (opened) case CASE-000001" in line
    assert "database: SQLite file " + str(folder.resolve() / "var" / "intake.db") in text

    loud = serve_one_message(folder, "-v")
    assert " DEBUG mail.log: " in loud  # shown with -v, as DEBUG
    assert " INFO mail.log: " not in loud


def test_json_logs_for_log_shippers(folder: Path) -> None:
    text = serve_one_message(folder, env={"INTAKE_LOG_FORMAT": "json"})
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert entries and all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    (processed,) = [e for e in entries if e["message"].startswith("inbound #1 ")]
    assert processed["level"] == "INFO" and processed["logger"] == "intake.pipeline"
    assert processed["time"].endswith("+00:00")


def test_an_unknown_log_format_is_one_line(folder: Path) -> None:
    line = one_line(intake("cases", "list", cwd=folder, env=clean_env(INTAKE_LOG_FORMAT="xml")))
    assert line == (
        "Error: configuration error: environment variable INTAKE_LOG_FORMAT: expected text or "
        "json, got 'xml'"
    )


# == the emails ==================================================================================

SATURDAY_10 = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)  # Sat 5 Dec 2026, 10:00 in Edmonton
PROSE_REQUEST = (
    "Hi team,\n\nCan you put together a quote for Prairie Crest Homes? 10 casements 30x48, "
    "triple pane.\nPricing factor .52. Call it PCH - Lot 9.\n\nThanks\n"
)


def plain(row) -> str:
    import email
    import email.policy

    parsed = email.message_from_bytes(row.raw, policy=email.policy.default)
    return parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html(row) -> str:
    import email
    import email.policy

    parsed = email.message_from_bytes(row.raw, policy=email.policy.default)
    return parsed.get_body(("html",)).get_content()


def test_due_time_at_midnight_is_the_end_of_the_working_day_before(app) -> None:
    """48 working-day hours from a Saturday run out at midnight starting Wednesday: the
    acknowledgement says Tuesday at the team's closing time, not "Wed 09 Dec 2026 00:00"."""
    from tests.test_pipeline import COMPLETE_QUOTE, deliver, mail, outbox

    deliver(app, mail(COMPLETE_QUOTE, when=SATURDAY_10), SATURDAY_10)
    (ack,) = outbox(app)
    assert "Your quote is due by Tue 8 Dec, 17:00 MST.\n" in plain(ack)
    assert "00:00" not in plain(ack) and "Your quote is due by Tue 8 Dec, 17:00 MST." in html(ack)


def test_service_ack_echoes_the_phone_as_written_and_no_default_urgency(app) -> None:
    from tests.test_pipeline import deliver, mail, outbox

    body = (
        "The kitchen window is foggy between the panes.\n\nName: Pat Lee\n"
        "Phone: (403) 555-0188\nAddress: 12 Elm Street, Calgary AB\n"
    )
    when = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # Thu 10:00
    deliver(app, mail(body, sender="Pat Lee <pat@example.net>", to="connectyou@example.com"), when)
    (ack,) = outbox(app)
    text = plain(ack)
    assert "  Contact phone: 403-555-0188\n" in text and "+1403" not in text
    assert "Urgency" not in text  # nobody named one; "normal" is not said back
    assert "The case owner will answer by Fri 4 Dec, 10:00 MST." in text
    with app.sessions() as session:
        from intake.storage.models import Case

        case = session.scalars(select(Case)).one()
        assert case.fields["contact_phone"] == "+14035550188"  # the case keeps E.164
        assert case.fields["urgency"] == "normal"


def test_an_emergency_is_said_back(app) -> None:
    from tests.test_pipeline import deliver, mail, outbox

    body = (
        "URGENT: the patio door glass shattered and there is broken glass everywhere.\n\n"
        "Name: Pat Lee\nPhone: 403-555-0188\nAddress: 12 Elm Street, Calgary AB\n"
    )
    deliver(app, mail(body, sender="Pat Lee <pat@example.net>", to="connectyou@example.com"))
    (ack,) = outbox(app)
    assert "  Urgency: emergency\n" in plain(ack)


def test_footer_has_the_organisations_name_phone_and_signature(app) -> None:
    from tests.test_pipeline import COMPLETE_QUOTE, deliver, mail, outbox

    deliver(app, mail(COMPLETE_QUOTE))
    (ack,) = outbox(app)
    assert plain(ack).endswith(
        "\n-- \nExample Windows & Doors, Customer Experience\n403-555-0100\n"
        "This is an automated message from our intake bot; a person reads your reply.\n"
    )
    assert "Example Windows &amp; Doors, Customer Experience<br>403-555-0100<br>" in html(ack)


def test_footer_defaults_without_name_phone_or_signature(
    migrated_database_url: str, tmp_path
) -> None:
    from intake.bot.app import build_app
    from intake.bot.config import Settings
    from tests.test_pipeline import COMPLETE_QUOTE, deliver, mail, outbox

    org = tmp_path / "org.toml"
    text = ORG_FILE.read_text()
    start = text.index("[organisation]\n") + len("[organisation]\n")
    org.write_text(text[:start] + text[text.index("domains =", start) :])
    settings = Settings.model_validate(
        {"database": {"url": migrated_database_url}, "bot": {"org": str(org)}}
    )
    bare = build_app(settings)
    try:
        deliver(bare, mail(COMPLETE_QUOTE))
        (ack,) = outbox(bare)
    finally:
        bare.close()
    assert plain(ack).endswith(
        "\n-- \nCustomer Experience\nThis is an automated message from the intake bot.\n"
    )


def test_please_check_only_weak_values_never_an_exact_account_and_only_once(app) -> None:
    """Prose: the factor and the opportunity name are read from cues and asked about once;
    the account, written as the organisation file has it, is never asked about; the
    confirmation that completes the case does not ask again."""
    from sqlalchemy import select as sql_select

    from intake.storage.models import Case, CaseEvent
    from tests.test_pipeline import deliver, mail, outbox, reply_to

    deliver(app, mail(PROSE_REQUEST, when=SATURDAY_10), SATURDAY_10)
    (ack,) = outbox(app)
    text = " ".join(plain(ack).split())
    assert (
        'Please check: we read the factor as "0.52" and the opportunity name as "PCH - Lot 9". '
        "Reply if either is wrong."
    ) in text
    assert "the account as" not in text
    with app.sessions() as session:
        case = session.scalars(sql_select(Case)).one()
        assert case.fields["account"] == "Prairie Crest Homes"
        assert case.confidence["account"] < 0.7  # unsure by its reading, yet written exactly
    later = SATURDAY_10 + timedelta(hours=1)
    answer = "Opportunity type: Standard\nStage: Submissions\nClose date: Dec 18\n"
    deliver(app, reply_to(ack, answer, later), later)
    confirm = outbox(app)[-1]
    assert confirm.kind == "confirm"
    assert "Please check" not in plain(confirm) and "Please check" not in html(confirm)
    assert "now has everything we need" in plain(confirm)
    with app.sessions() as session:
        queued = session.scalars(
            sql_select(CaseEvent.data).where(CaseEvent.kind == "reply_queued")
        ).all()
    assert queued[0]["checked"] == {"factor": "0.52", "opportunity_name": "PCH - Lot 9"}
    assert "checked" not in queued[1]


def test_due_phrase_at_the_end_of_a_working_day() -> None:
    from intake.handlers.echo import due_phrase, team_calendar

    cal = team_calendar(None, None, "America/Edmonton")  # 08:00-17:00
    now = datetime(2026, 12, 3, tzinfo=UTC)
    mst = timedelta(hours=7)
    assert due_phrase(datetime(2026, 12, 8).replace(tzinfo=UTC) + mst, cal, now) == (
        "Mon 7 Dec, 17:00 MST"
    )  # midnight: the end of the day before
    assert (
        due_phrase(datetime(2026, 12, 7, 10, tzinfo=UTC) + mst, cal, now) == "Mon 7 Dec, 10:00 MST"
    )
    assert (
        due_phrase(datetime(2026, 12, 7, 22, tzinfo=UTC) + mst, cal, now) == "Mon 7 Dec, 17:00 MST"
    )
    assert (
        due_phrase(datetime(2027, 1, 5, tzinfo=UTC) + mst, cal, now) == "Mon 4 Jan 2027, 17:00 MST"
    )
    summer = datetime(2027, 7, 6, 16, tzinfo=UTC)  # daylight time: MDT, UTC-6
    assert due_phrase(summer, cal, now) == "Tue 6 Jul 2027, 10:00 MDT"


def test_phones_are_echoed_as_people_write_them() -> None:
    from intake.handlers.echo import shown_phone

    assert shown_phone("+14035550188", "CA") == "403-555-0188"
    assert shown_phone("+442079460018", "CA") == "+44 20 7946 0018"  # from elsewhere
    assert shown_phone("+33142685300", "FR") == "01 42 68 53 00"
    assert shown_phone("call me", "CA") == "call me"
