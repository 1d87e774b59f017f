"""Logging of a running bot: what an operator reads at INFO, and JSON for log shippers.

At INFO each message is one line (the pipeline's: where it came from and what became of
it). aiosmtpd logs every connection's greeting, commands and disconnect at INFO on its
logger "mail.log", a dozen lines per message that drown that one; they are moved to DEBUG
here, where `-v` shows them. Its warnings and errors stay as they are.

`INTAKE_LOG_FORMAT=json` writes one JSON object per line (time, level, logger, message, and
the traceback when there is one), which Loki, Fluent Bit, Vector and the like read without
a parsing rule.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

AIOSMTPD_LOGGER = "mail.log"
# Loggers that say nothing an operator needs at INFO (shown with -v).
_QUIET = ("alembic",)  # Alembic logs every migration step at INFO
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class DemoteToDebug(logging.Filter):
    """INFO records of a chatty logger become DEBUG records, kept only when DEBUG is on."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


def setup(verbose: bool, fmt: str = "text") -> None:
    """Logging to stderr for one command: DEBUG with -v, else INFO; `fmt` "text" or "json"."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.WARNING)
    smtp = logging.getLogger(AIOSMTPD_LOGGER)
    if not any(isinstance(f, DemoteToDebug) for f in smtp.filters):
        smtp.addFilter(DemoteToDebug())
