"""What the command line accepts, and how it shows times: the forms a person types.

A person writes `intake cases show 123 -v`, not `intake -v cases show CASE-000123`, and
reads a due time in their own zone. So: the global options (`-v`, `--config FILE`, `--utc`)
may stand anywhere, a case number may be written `CASE-000123`, `CASE-123` or `123`, and
every time shown carries the organisation's zone offset (UTC with `--utc`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

import click

GLOBAL_FLAGS = ("-v", "--verbose", "--utc")
GLOBAL_WITH_VALUE = ("--config",)
GLOBAL_HELP = (
    "Global options, before or after the command: -v/--verbose (debug logging, tracebacks), "
    "--config FILE (settings), --utc (times in UTC instead of the organisation's zone)."
)
_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)")


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """The arguments with the global options moved in front of the command, so
    `intake cases list -v --config x.toml` means `intake -v --config x.toml cases list`.
    Nothing after `--` moves."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg in GLOBAL_FLAGS or any(arg.startswith(f"{o}=") for o in GLOBAL_WITH_VALUE):
            front.append(arg)
        elif arg in GLOBAL_WITH_VALUE and i + 1 < len(args):
            front += [arg, args[i + 1]]
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


def _global_help(formatter: click.HelpFormatter) -> None:
    formatter.write_paragraph()
    with formatter.indentation():
        formatter.write_text(GLOBAL_HELP)


class IntakeCommand(click.Command):
    """A command whose help ends by saying where the global options go."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        _global_help(formatter)


class IntakeGroup(click.Group):
    """Groups of `IntakeCommand`s; the top one takes its options anywhere on the line."""

    command_class = IntakeCommand
    group_class = type  # subgroups are IntakeGroups too

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            args = hoist_global_options(args)
        return super().parse_args(ctx, args)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        _global_help(formatter)


def case_number(text: str, prefix: str, digits: int) -> str:
    """`CASE-000123`, `CASE-123`, `case 123` or `123` -> `CASE-000123`."""
    found = re.fullmatch(rf"(?:{re.escape(prefix)}[-\s]?)?0*(\d{{1,18}})", text.strip(), re.I)
    if found is None:
        example = f"{prefix}-{123:0{digits}d}"
        raise click.BadParameter(
            f"expected a case number like {example}, {prefix}-123 or 123, got {text!r}",
            param_hint="NUMBER",
        )
    return f"{prefix}-{int(found.group(1)):0{digits}d}"


class Times:
    """Times for people: in `zone`, with the offset written, to the minute in tables."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone

    def instant(self, value: str | datetime | None) -> datetime | None:
        if value is None or value == "":
            return None
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(self.zone)

    def show(self, value: str | datetime | None) -> str:
        """ "2026-12-08T00:00:00+00:00" -> "2026-12-07 17:00-07:00"; "-" for none."""
        when = self.instant(value)
        return when.isoformat(sep=" ", timespec="minutes") if when else "-"

    def walk(self, data: Any) -> Any:
        """JSON-bound data with every ISO instant in it (one with an offset) in the zone."""
        if isinstance(data, dict):
            return {k: self.walk(v) for k, v in data.items()}
        if isinstance(data, list):
            return [self.walk(v) for v in data]
        if isinstance(data, str) and _ISO_INSTANT.fullmatch(data):
            when = self.instant(data.replace("Z", "+00:00"))
            return when.isoformat() if when else data
        return data

    def parse(self, text: str | None) -> datetime | None:
        """--at: an ISO time; one without an offset is in the zone. None for now."""
        if text is None:
            return None
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise click.BadParameter(
                f"expected an ISO time like 2026-11-24T09:00, got {text!r}", param_hint="--at"
            ) from None
        return when if when.tzinfo else when.replace(tzinfo=self.zone)
