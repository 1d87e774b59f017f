"""A new operator's first hour (issue 14): every start-up failure of `intake serve` is one
line naming the cause and the setting that fixes it; read-only commands never leave a
database behind; the command line takes its options where a person writes them.

The failures are real: `intake serve` runs as a subprocess, the port is taken by a real
listening socket, the unreachable database is a real closed port (127.0.0.1:1).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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
        [sys.executable, "-m", "bot.cli", *args],
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
