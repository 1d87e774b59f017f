"""The `intake` command line."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from bot.config import ConfigError, Settings, load_settings
from parsers.org import OrgFileError


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


class _Obj:
    def __init__(self, config: str | None) -> None:
        self.config = config
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings


def _fail_clearly(fn: Any) -> Any:
    """Configuration mistakes end with one line naming key and file, never a traceback."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ConfigError, OrgFileError) as exc:
            raise click.ClickException(f"configuration error: {exc}") from None

    return wrapper


@click.group()
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML settings file (default: ./intake.toml when present).",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
@click.pass_context
def main(ctx: click.Context, config: str | None, verbose: bool) -> None:
    """intake: turns emailed quote and service requests into numbered, owned cases."""
    _setup_logging(verbose)
    ctx.obj = _Obj(config)


@main.command()
@click.pass_obj
@_fail_clearly
def serve(obj: _Obj) -> None:
    """Run the SMTP listener, the worker and the outbox dispatcher."""
    from bot.app import build_app
    from bot.serve import serve as run

    app = build_app(obj.settings)
    try:
        run(app)
    finally:
        app.close()


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@click.pass_obj
@_fail_clearly
def db_upgrade(obj: _Obj, revision: str) -> None:
    """Apply migrations (also done automatically on start)."""
    from storage import db as storage_db

    engine = storage_db.make_engine(obj.settings.database.url)
    storage_db.upgrade(engine, revision)
    click.echo(f"database at revision {storage_db.current_revision(engine)}")
    engine.dispose()


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON Lines report here.",
)
@click.option(
    "--database", "database_url", help="SQLAlchemy URL (default: a fresh temporary SQLite file)."
)
@click.option(
    "--outbox",
    "outbox_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each captured outgoing email here as an .eml file.",
)
@click.option(
    "--to",
    "deliver_to",
    help="Deliver every message to this mailbox (envelope "
    "recipient) instead of the addresses in its headers.",
)
@click.option("-q", "--quiet", is_flag=True, help="No table, only the totals.")
@click.pass_obj
@_fail_clearly
def replay(
    obj: _Obj,
    directory: Path,
    report: Path | None,
    database_url: str | None,
    outbox_dir: Path | None,
    deliver_to: str | None,
    quiet: bool,
) -> None:
    """Replay the .eml files of DIRECTORY in name order, with their Date: as the clock."""
    from bot.replay import replay_dir, summary_table, write_report

    logging.getLogger().setLevel(logging.WARNING)
    records = replay_dir(
        directory,
        obj.settings,
        database_url=database_url,
        outbox_dir=outbox_dir,
        deliver_to=deliver_to,
    )
    if report:
        write_report(records, report)
    table = summary_table(records)
    click.echo(table.splitlines()[-1] if quiet else table)


@main.group()
def cases() -> None:
    """Look at cases."""


@cases.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@_fail_clearly
def cases_list(obj: _Obj, as_json: bool) -> None:
    from bot.case_views import case_summaries

    rows = case_summaries(obj.settings)
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    click.echo(f"{'number':12} {'queue':8} {'status':14} {'account':30} {'due':17} subject")
    for r in rows:
        click.echo(
            f"{r['number']:12} {r['queue']:8} {r['status']:14} "
            f"{(r['account'] or '-')[:30]:30} {(r['due'] or '-')[:16]:17} "
            f"{r['subject'][:60]}"
        )


@cases.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@_fail_clearly
def cases_show(obj: _Obj, number: str, as_json: bool) -> None:
    from bot.case_views import case_detail, format_case

    detail = case_detail(obj.settings, number)
    if detail is None:
        raise click.ClickException(f"no case {number}")
    click.echo(json.dumps(detail, indent=2, default=str) if as_json else format_case(detail))


if __name__ == "__main__":
    main()
