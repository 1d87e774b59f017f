"""The `intake` command line."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from intake.bot.cli_context import CliObj, fail_clearly, setup_logging
from intake.bot.cli_forms import IntakeGroup
from intake.bot.cli_operator import OPERATOR_GROUPS
from intake.bot.config import Settings


def _listen_option(option: str, section: str) -> Any:
    """--smtp-listen / --http-listen: checked as an option, kept on the context's object and
    applied to the settings by `_apply_listen_options` (the command's signature is left to
    its other options)."""
    from intake.bot.config import parse_host_port

    def remember(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is None:
            return
        try:
            parse_host_port(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
        ctx.find_object(CliObj).listen[section] = value

    return remember


def _apply_listen_options(obj: CliObj) -> None:
    settings = obj.settings
    for section, address in obj.listen.items():
        key = "listen" if section == "smtp" else "http_listen"
        part = getattr(settings, section).model_copy(update={key: address})
        settings = settings.model_copy(update={section: part})
    obj._settings = settings


@click.group(cls=IntakeGroup)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML settings file (default: ./intake.toml when present).",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Debug logging, and the traceback of a failure."
)
@click.option(
    "--utc",
    is_flag=True,
    help="Show and read times in UTC instead of the organisation's time zone.",
)
@click.pass_context
def main(ctx: click.Context, config: str | None, verbose: bool, utc: bool) -> None:
    """intake: turns emailed quote and service requests into numbered, owned cases.

    Case numbers may be written CASE-000123, CASE-123 or 123. Times are shown in the
    organisation's time zone with their offset (--utc: in UTC)."""
    setup_logging(verbose)
    ctx.obj = CliObj(config, verbose, utc)


@main.command()
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=None,
    help="Worker processes beside the listener (PostgreSQL only; default: the "
    "worker.processes setting, 0 = a worker thread in this process).",
)
@click.option(
    "--smtp-listen",
    metavar="HOST:PORT",
    expose_value=False,
    callback=_listen_option("--smtp-listen", "smtp"),
    help="Where the SMTP listener listens (overrides INTAKE_SMTP_LISTEN and smtp.listen; "
    "default 127.0.0.1:8025).",
)
@click.option(
    "--http-listen",
    metavar="HOST:PORT",
    expose_value=False,
    callback=_listen_option("--http-listen", "slack"),
    help="Where /healthz, /metrics and Slack's /slack/events are served (overrides "
    "INTAKE_HTTP_LISTEN and slack.http_listen; default 127.0.0.1:3000).",
)
@click.pass_obj
@fail_clearly
def serve(obj: CliObj, workers: int | None) -> None:
    """Run the SMTP listener, the worker and the outbox dispatcher."""
    from intake.bot.startup import TEMPLATES_FIX
    from intake.handlers.templates_check import TemplatesError, check_templates

    _apply_listen_options(obj)
    try:
        # A missing template would otherwise shunt every message it is needed for.
        check_templates(obj.settings.bot.templates)
    except TemplatesError as exc:
        raise click.ClickException(f"cannot serve: {exc}; {TEMPLATES_FIX}") from None
    # Only now the pipeline (the language model and the rest, a second or two): a mistake
    # in the settings, the templates or the organisation file is reported without waiting.
    from intake.parsers.org import load_organisation

    load_organisation(obj.settings.bot.org)
    from intake.bot.app import build_app
    from intake.bot.serve import serve as run

    app = build_app(obj.settings)
    try:
        run(app, workers=workers)
    finally:
        app.close()


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option(
    "--revision", default="head", show_default=True, help="Alembic revision to upgrade to."
)
@click.pass_obj
@fail_clearly
def db_upgrade(obj: CliObj, revision: str) -> None:
    """Apply migrations (also done automatically on start)."""
    from intake.storage import db as storage_db

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
@click.option(
    "--until",
    help="Run the SLA clocks too, up to this time: +5d or +36h after the last message, or "
    "an ISO time. Every reminder that falls due is fired and listed in the report.",
)
@click.option(
    "--check-senders",
    is_flag=True,
    help="Judge the files' senders like live mail (only an Authentication-Results header of "
    "[senders] authserv_id vouches for a From); by default replayed files are trusted.",
)
@click.option("-q", "--quiet", is_flag=True, help="No table, only the totals.")
@click.pass_obj
@fail_clearly
def replay(
    obj: CliObj,
    directory: Path,
    report: Path | None,
    database_url: str | None,
    outbox_dir: Path | None,
    deliver_to: str | None,
    until: str | None,
    check_senders: bool,
    quiet: bool,
) -> None:
    """Replay the .eml files of DIRECTORY in name order, with their Date: as the clock."""
    from intake.bot.replay import eml_files, replay_dir, summary_table, until_instant, write_report

    if until is not None:
        try:
            until_instant(until, None)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--until") from None
    logging.getLogger().setLevel(logging.WARNING)
    # A bar on a terminal only: piped into a file or a pipeline, it would be noise.
    bar = click.progressbar(length=len(eml_files(directory)), label="replaying", width=30)
    with bar if sys.stdout.isatty() else contextlib.nullcontext() as shown:
        records = replay_dir(
            directory,
            obj.settings,
            database_url=database_url,
            outbox_dir=outbox_dir,
            deliver_to=deliver_to,
            until=until,
            check_senders=check_senders,
            progress=(lambda _: shown.update(1)) if shown is not None else None,
        )
    if report:
        write_report(records, report)
    table = summary_table(records)
    click.echo(table.splitlines()[-1] if quiet else table)


# Headers of which a message has at least one; a file with none of them is not an email.
_MAIL_HEADERS = (
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "delivered-to",
    "received",
    "return-path",
    "mime-version",
)


def _read_email(file: Path) -> bytes:
    """The raw bytes of FILE, or a one-line error when it cannot be read or is not an email."""
    from email.parser import BytesHeaderParser
    from email.policy import compat32

    try:
        raw = file.read_bytes()
    except IsADirectoryError:
        raise click.ClickException(f"{file}: is a directory, not an email file") from None
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read: {exc.strerror or exc}") from None
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    names = {k.lower() for k in headers}
    if not raw.strip() or not names.intersection(_MAIL_HEADERS):
        raise click.ClickException(f"{file}: not an email (no From, To, Subject or Date header)")
    return raw


def _extract_file(
    settings: Settings, raw: bytes, fallback_queue: str | None
) -> tuple[dict[str, Any], str | None]:
    """What the pipeline would extract from one new message; nothing touches the database.

    Returns the report ({"queue", "fields", "missing"}) and the mailbox it was routed to.
    """
    from datetime import UTC, datetime

    from intake.bot.app import build_extractor
    from intake.bot.replay import envelope_of
    from intake.handlers.case_ops import FIELD_LABELS
    from intake.handlers.pipeline import mailbox_of
    from intake.parsers.fields import missing_fields
    from intake.parsers.mime import parse_email
    from intake.parsers.org import load_organisation

    org = load_organisation(settings.bot.org)
    msg = parse_email(raw)
    # No envelope here: the recipients a mail server would have used come from the headers
    # (Resent-To, Delivered-To, To, Cc), as in `intake replay`.
    _, rcpts, date = envelope_of(raw)
    box = mailbox_of(org, rcpts, msg)
    queue = box.queue if box is not None else (fallback_queue or "quotes")
    found = build_extractor(org, settings.extraction).extract(
        msg,
        queue,
        now=date or datetime.now(UTC),
        sender_is_staff=org.is_company_address(msg.from_addr),
        is_reply=False,
    )
    order = {name: i for i, name in enumerate(FIELD_LABELS)}
    names = sorted(found, key=lambda n: order.get(n, len(order)))
    report = {
        "queue": queue,
        "fields": {
            name: {
                "value": found[name].value,
                "confidence": round(float(found[name].confidence), 3),
                "source": found[name].source,
            }
            for name in names
        },
        "missing": missing_fields(dict(found), org.required_fields(queue)),
    }
    return report, box.address if box is not None else None


def _extraction_table(report: dict[str, Any], mailbox: str | None) -> str:
    import textwrap

    width = 56
    where = f"addressed to {mailbox}" if mailbox else "no mailbox of ours in the headers"
    lines = [f"queue: {report['queue']} ({where})", ""]
    fields = report["fields"]
    name_w = max([len("field"), *(len(n) for n in fields)])
    lines.append(f"{'field':{name_w}}  {'value':{width}}  {'confidence':10}  source")
    for name, fv in fields.items():
        value = fv["value"]
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        chunks = textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False) or [""]
        lines.append(
            f"{name:{name_w}}  {chunks[0]:{width}}  {fv['confidence']:<10.2f}  {fv['source']}"
        )
        lines += [f"{'':{name_w}}  {chunk}" for chunk in chunks[1:]]
    if not fields:
        lines.append("(no fields)")
    lines += ["", "missing: " + (", ".join(report["missing"]) or "none")]
    return "\n".join(lines)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of the table.")
@click.option(
    "--queue",
    "fallback_queue",
    type=click.Choice(["quotes", "service"]),
    default=None,
    help="Queue to read the message for when it is addressed to none of our mailboxes "
    "(default: quotes). A message to one of them is read for that mailbox's queue.",
)
@click.pass_obj
@fail_clearly
def extract(obj: CliObj, file: Path, as_json: bool, fallback_queue: str | None) -> None:
    """Show what would be extracted from one .eml FILE, for tuning the organisation file.

    The message is routed and read as the pipeline reads a new request (its Date: as the
    clock, staff or not by the sender's domain); no database is opened and nothing is stored.
    """
    raw = _read_email(file)
    report, mailbox = _extract_file(obj.settings, raw, fallback_queue)
    if fallback_queue and mailbox and report["queue"] != fallback_queue:
        click.echo(
            f"note: {mailbox} feeds the {report['queue']} queue; --queue applies only to "
            "messages addressed to none of our mailboxes",
            err=True,
        )
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(_extraction_table(report, mailbox))


for _group in OPERATOR_GROUPS:
    main.add_command(_group)


if __name__ == "__main__":
    main()
