"""The operator's commands: `intake cases`, `intake sla`, `intake outbox` and `intake inbox`,
registered on the `intake` group by bot/cli.py."""

from __future__ import annotations

from typing import Any

import click

from intake.bot.cli_context import CliObj, fail_clearly, require_database
from intake.bot.cli_forms import IntakeGroup


@click.group(cls=IntakeGroup)
def cases() -> None:
    """Look at cases."""


@cases.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of the table.")
@click.pass_obj
@fail_clearly
def cases_list(obj: CliObj, as_json: bool) -> None:
    """Every case with its queue, status, account, due time and subject."""
    from intake.bot.case_views import case_summaries

    require_database(obj.settings)
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
@fail_clearly
def cases_show(obj: CliObj, number: str, as_json: bool) -> None:
    """Case NUMBER: its fields with their confidence, owner, messages, attachments and every
    event (assignment, clocks, reminders)."""
    from intake.bot.case_views import case_detail, format_case

    number = obj.case_number(number)
    require_database(obj.settings)
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
@fail_clearly
def cases_set(
    obj: CliObj,
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


@click.group(cls=IntakeGroup)
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
@fail_clearly
def sla_report(obj: CliObj, as_json: bool, at: str | None) -> None:
    """Every running clock with owner, due time and state, overdue first."""
    from intake.bot.case_commands import sla_report as read_report

    require_database(obj.settings)
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


@click.group(cls=IntakeGroup)
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
@fail_clearly
def outbox_list(obj: CliObj, state: str | None, as_json: bool) -> None:
    """Outgoing emails and Slack posts with their state, attempts and last error.

    uncertain: the relay (or Slack) may have it, so it is not sent again by itself; failed:
    refused for good or out of attempts. `intake outbox resend ID` sends either again.
    """
    from intake.bot.operator_commands import outbox_report

    require_database(obj.settings)
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
@fail_clearly
def outbox_resend(obj: CliObj, row_id: int, actor: str) -> None:
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


@click.group(cls=IntakeGroup)
def inbox() -> None:
    """Inbound messages: the ones the worker gave up on, and retrying them."""


@inbox.command("shunted")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of the table.")
@click.pass_obj
@fail_clearly
def inbox_shunted(obj: CliObj, as_json: bool) -> None:
    """Messages shunted after failing worker.max_attempts times, with their error."""
    from intake.bot.operator_commands import shunted_report

    require_database(obj.settings)
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
@fail_clearly
def inbox_retry(obj: CliObj, ids: tuple[int, ...], every: bool, actor: str) -> None:
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


OPERATOR_GROUPS = (cases, sla, outbox, inbox)
