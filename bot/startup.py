"""Start-up failures as one line: what went wrong, and the setting that puts it right.

A new operator's first `intake serve` meets a port already taken, a database that does not
answer, a driver that is not installed or a typo in a file. Each used to end in a traceback
whose last line named a socket call or a SQLAlchemy class, not the knob to turn. Here each
known failure becomes `StartupError` with one line: the cause, then "set X or Y" naming the
environment variable, the settings key and (for the listeners) the command-line option, in
that order. `-v` still shows the traceback (bot/cli.py).
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from intake.bot.config import parse_host_port

SMTP_FIX = "set INTAKE_SMTP_LISTEN or smtp.listen or --smtp-listen"
HTTP_FIX = "set INTAKE_HTTP_LISTEN or slack.http_listen or --http-listen"
DATABASE_FIX = "set INTAKE_DATABASE_URL or database.url"
ORG_FIX = "set INTAKE_ORG or bot.org"
TEMPLATES_FIX = "set bot.templates to the folder that holds email/"
# Which package brings the driver a URL names, for the "not installed" line.
_DRIVER_PACKAGES = {
    "psycopg": "pip install 'intake[postgres]' (psycopg)",
    "psycopg2": "pip install psycopg2-binary, or use postgresql+psycopg://",
    "asyncpg": "use postgresql+psycopg:// (the bot is not async)",
    "pymysql": "pip install pymysql",
    "MySQLdb": "pip install mysqlclient",
}
_SOCKET_REASONS = {
    errno.EADDRINUSE: "address in use",
    errno.EADDRNOTAVAIL: "no such address on this machine",
    errno.EACCES: "permission denied (ports below 1024 need privileges)",
}


class StartupError(Exception):
    """`intake serve` cannot start; the message is the one line the operator reads."""


def check_listen(address: str, fix: str) -> None:
    """Bind `address` (as the listener will, with SO_REUSEADDR) and let it go again, so a
    taken port is reported before any thread or worker process has started."""
    host, port = parse_host_port(address)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise StartupError(f"cannot listen on {address}: {exc.strerror}; {fix}") from exc
    family, kind, proto, _, where = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(where)
        except OSError as exc:
            raise cannot_listen(address, exc, fix) from exc


def cannot_listen(address: str, exc: OSError, fix: str) -> StartupError:
    reason = _SOCKET_REASONS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
    return StartupError(f"cannot listen on {address}: {reason}; {fix}")


def shown_url(url: str) -> str:
    """The URL as it may appear in a log or an error: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def sqlite_file(url: str) -> Path | None:
    """The absolute file of a SQLite URL (a relative one is in the working directory); None
    for another database or an in-memory one."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def describe_database(url: str) -> str:
    """One log line's worth: which database this process uses, and where it is."""
    file = sqlite_file(url)
    if file is not None:
        return f"database: SQLite file {file}"
    return f"database: {shown_url(url)}"


def require_database(url: str) -> None:
    """For a command that only reads: the database must already exist (a SQLite file, or a
    database with our schema in it), or `StartupError` says where it was looked for."""
    hint = "run from the folder where intake serve runs, or set INTAKE_DATABASE_URL"
    file = sqlite_file(url)
    if file is not None:
        if not file.is_file():
            raise StartupError(f"no database at {file}; {hint}")
        return
    if make_url(url).get_backend_name() == "sqlite":
        return  # in memory: nothing to find
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            ours = inspect(conn).has_table("alembic_version")
    finally:
        engine.dispose()
    if not ours:
        raise StartupError(f"no intake database at {shown_url(url)} (no schema); {hint}")


def explain(exc: BaseException, url: str | None = None) -> str | None:
    """The one line for a failure we know, else None. `url`: the database URL in use."""
    if isinstance(exc, StartupError):
        return str(exc)
    shown = shown_url(url) if url else "the database"
    if isinstance(exc, NoSuchModuleError):
        name = str(exc).rpartition(":")[2].strip() or "?"
        return f"database URL {shown}: SQLAlchemy knows no database {name!r}; {DATABASE_FIX}"
    if isinstance(exc, ArgumentError) and "URL" in str(exc):
        return (
            f"database URL {shown!r} is not a database URL (like sqlite:///var/intake.db or "
            f"postgresql+psycopg://user@host/intake); {DATABASE_FIX}"
        )
    if isinstance(exc, ImportError) and url:
        module = exc.name or str(exc)
        how = _DRIVER_PACKAGES.get(module.split(".")[0], f"pip install {module}")
        return (
            f"the database driver {module!r} for {shown} is not installed ({how}); {DATABASE_FIX}"
        )
    if isinstance(exc, DBAPIError) and url:
        return f"cannot use the database {shown}: {_first_line(exc.orig)}; {DATABASE_FIX}"
    return None


def _first_line(exc: BaseException | None) -> str:
    """The driver's message up to its first line break (psycopg adds advice lines)."""
    text = " ".join(str(exc or "").strip().split("\n", 1)[0].split())
    return text[:300] or type(exc).__name__
