"""The `intake` command line."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from intake.bot.cli_forms import IntakeGroup, Times, case_number
from intake.bot.config import ConfigError, Settings, load_settings
from intake.parsers.org import OrgFileError, OrgFileMissing


def _setup_logging(verbose: bool) -> None:
    """bot/logs.py: text or JSON (INTAKE_LOG_FORMAT), aiosmtpd's chatter at DEBUG."""
    from intake.bot import logs
    from intake.bot.config import log_format

    try:
        fmt = log_format()
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    logs.setup(verbose, fmt)


class _Obj:
    def __init__(self, config: str | None, verbose: bool = False, utc: bool = False) -> None:
        self.config = config
        self.verbose = verbose
        self.utc = utc
        self._times: Times | None = None
        self._settings: Settings | None = None
        self.listen: dict[str, str] = {}  # section -> address given on the command line

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings

    @property
    def times(self) -> Times:
        """Times as people read them: the organisation's zone (UTC with --utc)."""
        if self._times is None:
            from datetime import UTC
            from zoneinfo import ZoneInfo

            from intake.parsers.org import load_organisation

            zone = UTC if self.utc else ZoneInfo(load_organisation(self.settings.bot.org).time_zone)
            self._times = Times(zone)
        return self._times

    def case_number(self, text: str) -> str:
        """NUMBER as typed (`CASE-000123`, `CASE-123`, `123`) in the form cases carry."""
        return case_number(text, self.settings.bot.case_prefix, self.settings.bot.case_digits)

    def json(self, data: Any) -> str:
        return json.dumps(self.times.walk(data), indent=2, default=str)


def _fail_clearly(fn: Any) -> Any:
    """Configuration mistakes and the failures bot/startup.py knows (a port in use, a
    database that does not answer, a driver not installed) end with one line naming the
    cause and what fixes it, never a traceback; -v logs the traceback first."""
    import functools

    from intake.bot import startup

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except click.ClickException:
            raise
        except (ConfigError, OrgFileError) as exc:
            logging.getLogger("intake").debug("traceback", exc_info=True)
            fix = f"; {startup.ORG_FIX}" if isinstance(exc, OrgFileMissing) else ""
            raise click.ClickException(f"configuration error: {exc}{fix}") from None
        except Exception as exc:
            obj = click.get_current_context().find_object(_Obj)
            url = obj.settings.database.url if obj is not None and obj._settings else None
            line = startup.explain(exc, url)
            if line is None:
                raise
            logging.getLogger("intake").debug("traceback", exc_info=True)
            raise click.ClickException(line) from None

    return wrapper


def _require_database(settings: Settings) -> None:
    """A command that only reads must not create an empty database where there was none
    (run from the wrong folder, it would show nothing and leave a stray var/intake.db)."""
    from intake.bot import startup

    startup.require_database(settings.database.url)


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
        ctx.find_object(_Obj).listen[section] = value

    return remember


def _apply_listen_options(obj: _Obj) -> None:
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
    _setup_logging(verbose)
    ctx.obj = _Obj(config, verbose, utc)


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
@_fail_clearly
def serve(obj: _Obj, workers: int | None) -> None:
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
@_fail_clearly
def db_upgrade(obj: _Obj, revision: str) -> None:
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
@_fail_clearly
def replay(
    obj: _Obj,
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
@_fail_clearly
def extract(obj: _Obj, file: Path, as_json: bool, fallback_queue: str | None) -> None:
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


@main.group()
def cases() -> None:
    """Look at cases."""


@cases.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of the table.")
@click.pass_obj
@_fail_clearly
def cases_list(obj: _Obj, as_json: bool) -> None:
    """Every case with its queue, status, account, due time and subject."""
    from intake.bot.case_views import case_summaries

    _require_database(obj.settings)
    rows = case_summaries(obj.settings)
    if as_json:
        click.echo(obj.json(rows))
        return
    click.echo(f"{'number':12} {'queue':8} {'status':14} {'account':30} {'due':22} subject")
    for r in rows:
        click.echo(
            f"{r['number']:12} {r['queue']:8} {r['status']:14} "
            f"{(r['account'] or '-')[:30]:30} {obj.times.show(r['due']):22} "
            f"{r['subject'][:60]}"
        )


@cases.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of the text.")
@click.pass_obj
@_fail_clearly
def cases_show(obj: _Obj, number: str, as_json: bool) -> None:
    """Case NUMBER: its fields with their confidence, owner, messages, attachments and every
    event (assignment, clocks, reminders)."""
    from intake.bot.case_views import case_detail, format_case

    number = obj.case_number(number)
    _require_database(obj.settings)
    detail = case_detail(obj.settings, number)
    if detail is None:
        raise click.ClickException(f"no case {number}")
    detail = obj.times.walk(detail)  # the events' own times (a clock's due_at) too
    click.echo(obj.json(detail) if as_json else format_case(detail, obj.times.show))


@cases.command("set")
@click.argument("number")
@click.argument("what", type=click.Choice(["status"]))
@click.argument(
    "value", type=click.Choice(["quote-sent", "waiting", "won", "lost", "closed", "open"])
)
@click.option("--po", help="The customer's PO number (required for won).")
@click.option("--reason", help="Why it was lost (required for lost).")
@click.option(
    "--approval-by",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="quote-sent: the date the customer said they will decide by (the follow-up is then).",
)
@click.option(
    "--as",
    "actor",
    default="cli",
    show_default=True,
    help="Email address of the person doing it; the owner's counts as their answer.",
)
@click.option(
    "--at",
    "at",
    help="ISO time to record it at (default: now), for replays; without an offset, in the "
    "organisation's zone (UTC with --utc).",
)
@click.pass_obj
@_fail_clearly
def cases_set(
    obj: _Obj,
    number: str,
    what: str,
    value: str,
    po: str | None,
    reason: str | None,
    approval_by: Any,
    actor: str,
    at: str | None,
) -> None:
    """Move case NUMBER on: status quote-sent|waiting|won --po N|lost --reason R|closed|open."""
    from intake.bot.case_commands import CommandError, set_case_status

    try:
        change = set_case_status(
            obj.settings,
            obj.case_number(number),
            value,
            actor=actor.lower(),
            now=obj.times.parse(at),
            po=po,
            reason=reason,
            approval_by=approval_by.date() if approval_by else None,
        )
    except CommandError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{change.case}: {change.old} -> {change.new}")


@main.group()
def sla() -> None:
    """Service-level clocks."""


@sla.command("report")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of the table.")
@click.option(
    "--at",
    "at",
    help="ISO time to judge the clocks at (default: now); without an offset, in the "
    "organisation's zone (UTC with --utc).",
)
@click.pass_obj
@_fail_clearly
def sla_report(obj: _Obj, as_json: bool, at: str | None) -> None:
    """Every running clock with owner, due time and state, overdue first."""
    from intake.bot.case_commands import sla_report as read_report

    _require_database(obj.settings)
    rows = read_report(obj.settings, obj.times.parse(at))
    if as_json:
        click.echo(obj.json(rows))
        return
    if not rows:
        click.echo("no running clocks")
        return
    click.echo(f"{'case':12} {'policy':24} {'state':14} {'owner':16} {'due':22} late")
    for r in rows:
        due = obj.times.show(r["due_at"])
        if r["state"] == "paused":
            due = f"paused, {r['remaining']} left"
        click.echo(
            f"{r['case']:12} {r['policy'][:24]:24} {r['state']:14} "
            f"{(r['owner'] or '-')[:16]:16} {due:22} {r['late'] or ''}"
        )


@main.group()
def outbox() -> None:
    """Outgoing messages: what has not gone out, and sending one again."""


@outbox.command("list")
@click.option(
    "--state",
    type=click.Choice(["uncertain", "failed", "pending", "sending", "sent"]),
    help="Only messages in this state (default: every one not sent yet).",
)
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of the table.")
@click.pass_obj
@_fail_clearly
def outbox_list(obj: _Obj, state: str | None, as_json: bool) -> None:
    """Outgoing emails and Slack posts with their state, attempts and last error.

    uncertain: the relay (or Slack) may have it, so it is not sent again by itself; failed:
    refused for good or out of attempts. `intake outbox resend ID` sends either again.
    """
    from intake.bot.operator_commands import outbox_report

    _require_database(obj.settings)
    rows = outbox_report(obj.settings, state)
    if as_json:
        click.echo(obj.json(rows))
        return
    if not rows:
        click.echo(f"no {state} outgoing messages" if state else "nothing waiting to be sent")
        return
    click.echo(
        f"{'id':>6} {'state':9} {'channel':7} {'kind':14} {'case':12} {'to':30} "
        f"{'tries':>5} {'created':22}  last error"
    )
    for r in rows:
        click.echo(
            f"{r['id']:>6} {r['state']:9} {r['channel']:7} {r['kind'][:14]:14} "
            f"{r['case'] or '-':12} {r['to'][:30]:30} {r['attempts']:>5} "
            f"{obj.times.show(r['created_at']):22}  {(r['last_error'] or '-')[:80]}"
        )
    if any(r["state"] == "uncertain" for r in rows):
        click.echo(
            "\nuncertain: it may have arrived; ask the recipient (or look in the channel) "
            "before `intake outbox resend ID`."
        )


@outbox.command("resend")
@click.argument("row_id", metavar="ID", type=int)
@click.option(
    "--as",
    "actor",
    default="cli",
    show_default=True,
    help="Email address of the person deciding; recorded in the case's events.",
)
@click.pass_obj
@_fail_clearly
def outbox_resend(obj: _Obj, row_id: int, actor: str) -> None:
    """Send outgoing message ID again: only an uncertain or failed one, once a person has
    decided it did not arrive. It goes back to pending, due now, with fresh attempts."""
    from intake.bot.operator_commands import OperatorError, resend

    try:
        r = resend(obj.settings, row_id, actor=actor.lower())
    except OperatorError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"outbox #{r['id']} ({r['kind']} to {r['to']}, {r['case'] or 'no case'}): "
        f"{r['was']} -> pending; the running bot sends it"
    )


@main.group()
def inbox() -> None:
    """Inbound messages: the ones the worker gave up on, and retrying them."""


@inbox.command("shunted")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of the table.")
@click.pass_obj
@_fail_clearly
def inbox_shunted(obj: _Obj, as_json: bool) -> None:
    """Messages shunted after failing worker.max_attempts times, with their error."""
    from intake.bot.operator_commands import shunted_report

    _require_database(obj.settings)
    rows = shunted_report(obj.settings)
    if as_json:
        click.echo(obj.json(rows))
        return
    if not rows:
        click.echo("no shunted messages")
        return
    click.echo(f"{'id':>6} {'received':22}  {'from':36} subject")
    for r in rows:
        click.echo(
            f"{r['id']:>6} {obj.times.show(r['received_at']):22}  "
            f"{(r['from'] or r['mail_from'] or '-')[:36]:36} {r['subject'][:60]}"
        )
        error = " ".join((r["error"] or "no error recorded").split())
        click.echo(f"{'':6} error after {r['attempts']} attempts: {error[:200]}")


@inbox.command("retry")
@click.argument("ids", metavar="[ID]...", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Every shunted message.")
@click.option(
    "--as",
    "actor",
    default="cli",
    show_default=True,
    help="Email address of the person deciding; written to the log.",
)
@click.pass_obj
@_fail_clearly
def inbox_retry(obj: _Obj, ids: tuple[int, ...], every: bool, actor: str) -> None:
    """Put shunted messages back for the worker (state new, no attempts), once the cause is
    fixed. The error each was shunted with is logged and stays on the row."""
    from intake.bot.operator_commands import OperatorError, retry_shunted

    if every == bool(ids):
        raise click.UsageError("give the ID of a shunted message, or --all")
    try:
        done = retry_shunted(obj.settings, None if every else ids, actor=actor.lower())
    except OperatorError as exc:
        raise click.ClickException(str(exc)) from None
    if not done:
        click.echo("no shunted messages")
    for r in done:
        error = " ".join((r["error"] or "no error recorded").split())
        click.echo(f"inbound #{r['id']}: back in the queue (it had failed with: {error[:160]})")


if __name__ == "__main__":
    main()
