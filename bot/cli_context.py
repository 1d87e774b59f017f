"""What every `intake` command shares: the object on its click context (settings, times as
people read them, case numbers as typed), logging set up once, and the one-line failures
(`fail_clearly`) that stand in for tracebacks."""

from __future__ import annotations

import json
import logging
from typing import Any

import click

from intake.bot.cli_forms import Times, case_number
from intake.bot.config import ConfigError, Settings, load_settings
from intake.parsers.org import OrgFileError, OrgFileMissing


def setup_logging(verbose: bool) -> None:
    """bot/logs.py: text or JSON (INTAKE_LOG_FORMAT), aiosmtpd's chatter at DEBUG."""
    from intake.bot import logs
    from intake.bot.config import log_format

    try:
        fmt = log_format()
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    logs.setup(verbose, fmt)


class CliObj:
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


def fail_clearly(fn: Any) -> Any:
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
            obj = click.get_current_context().find_object(CliObj)
            url = obj.settings.database.url if obj is not None and obj._settings else None
            line = startup.explain(exc, url)
            if line is None:
                raise
            logging.getLogger("intake").debug("traceback", exc_info=True)
            raise click.ClickException(line) from None

    return wrapper


def require_database(settings: Settings) -> None:
    """A command that only reads must not create an empty database where there was none
    (run from the wrong folder, it would show nothing and leave a stray var/intake.db)."""
    from intake.bot import startup

    startup.require_database(settings.database.url)
