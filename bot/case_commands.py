"""Commands that change cases or read their clocks, for the command line (chat later)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from intake.bot.app import build_app
from intake.bot.config import Settings
from intake.handlers.lifecycle import Change, LifecycleError, set_status
from intake.handlers.sla_report import report as clocks_report
from intake.storage import cases as case_repo


class CommandError(ValueError):
    """The command cannot be done; the message says why, for the person who typed it."""


def set_case_status(
    settings: Settings,
    number: str,
    command: str,
    *,
    actor: str,
    now: datetime | None = None,
    po: str | None = None,
    reason: str | None = None,
    approval_by: date | None = None,
) -> Change:
    """Apply a lifecycle command to case `number` in one transaction (its clocks too)."""
    app = build_app(settings)
    try:
        with app.sessions() as session, session.begin():
            case = case_repo.by_number(session, number)
            if case is None:
                raise CommandError(f"no case {number}")
            try:
                return set_status(
                    session,
                    app.pipeline.sla,
                    case,
                    command,
                    actor=actor,
                    now=now or datetime.now(UTC),
                    po=po,
                    reason=reason,
                    approval_by=approval_by,
                )
            except LifecycleError as exc:
                hint = {"po": " (--po)", "reason": " (--reason)"}.get(exc.needs or "", "")
                raise CommandError(f"{exc}{hint}") from None
    finally:
        app.close()


def sla_report(settings: Settings, now: datetime | None = None) -> list[dict[str, Any]]:
    app = build_app(settings)
    try:
        runtime = app.pipeline.sla
        if runtime is None:
            return []
        with app.sessions() as session:
            return clocks_report(session, runtime, now or datetime.now(UTC))
    finally:
        app.close()
