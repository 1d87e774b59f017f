"""`intake replay DIR`: feed fixture .eml files through the real pipeline, for testers.

Each file is stored and processed exactly as a delivered message would be, into a fresh
temporary database, with the message's own `Date:` as the clock. Replies in a corpus name
cases that do not exist until the bot opens them, so two placeholders are substituted first
(`CASE{NNN}` and `<ack-NNN@...>`, see the corpus README). Outgoing mail is captured, not sent.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from intake.bot.app import App, build_app
from intake.bot.config import Settings
from intake.bot.worker import process_one
from intake.handlers.pipeline import Result
from intake.handlers.sla import Reminder
from intake.handlers.sla_policy import parse_duration
from intake.handlers.sla_sweep import sweep
from intake.parsers.header_section import read_headers
from intake.storage import inbox
from intake.storage.cases import by_number
from intake.storage.models import InboundMessage, OutboxMessage, SlaClock

_CASE_PLACEHOLDER = re.compile(rb"CASE\{(\d+)\}")
_ACK_PLACEHOLDER = re.compile(rb"<ack-(\d+)@[^>\s]*>")
_FIXTURE_NUMBER = re.compile(r"^(\d+)")


@dataclass
class ReplayState:
    case_of: dict[str, str] = field(default_factory=dict)  # fixture number -> case number
    case_id_of: dict[str, int] = field(default_factory=dict)
    clock: datetime | None = None
    written_outbox_id: int = 0


def substitute(raw: bytes, app: App, state: ReplayState) -> bytes:
    """Replace the corpus placeholders with what this run's bot actually produced."""

    def case_number(m: re.Match[bytes]) -> bytes:
        number = state.case_of.get(m.group(1).decode())
        return number.encode() if number else m.group(0)

    def ack_id(m: re.Match[bytes]) -> bytes:
        case_id = state.case_id_of.get(m.group(1).decode())
        if case_id is None:
            return m.group(0)
        with app.sessions() as session:
            first = session.scalars(
                select(OutboxMessage.message_id)
                .where(OutboxMessage.case_id == case_id)
                .order_by(OutboxMessage.id)
                .limit(1)
            ).first()
        return first.encode() if first else m.group(0)

    return _ACK_PLACEHOLDER.sub(ack_id, _CASE_PLACEHOLDER.sub(case_number, raw))


def _addresses(values: list[str]) -> list[str]:
    """Bare addresses of header values; a header too hostile to parse gives none."""
    try:
        return [a.lower() for _, a in getaddresses(values) if "@" in a]
    except (RecursionError, ValueError, TypeError, IndexError):
        return []


def envelope_of(raw: bytes) -> tuple[str | None, list[str], datetime | None]:
    """What an MTA would have told us: envelope sender, recipients, and the Date as clock."""
    headers = read_headers(raw)
    return_path = headers.get("Return-Path")
    mail_from = None
    if return_path is not None:
        found = _addresses([str(return_path)])
        mail_from = "" if str(return_path).strip() in ("<>", "") else (found or [None])[0]
    rcpts: list[str] = []
    for name in ("Resent-To", "Delivered-To", "To", "Cc"):
        rcpts += _addresses([str(v) for v in headers.get_all(name) or []])
    try:
        date = parsedate_to_datetime(str(headers.get("Date", "")))
        if date.tzinfo is None:
            date = date.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        date = None
    return mail_from, list(dict.fromkeys(rcpts)), date


def eml_files(directory: Path) -> list[Path]:
    """The .eml files a replay of `directory` reads, in the order it reads them."""
    return sorted(p for p in directory.iterdir() if p.suffix.lower() == ".eml")


def replay_dir(
    directory: Path,
    settings: Settings,
    *,
    database_url: str | None = None,
    outbox_dir: Path | None = None,
    deliver_to: str | None = None,
    until: str | None = None,
    check_senders: bool = False,
    progress: Callable[[Path], None] | None = None,
) -> list[dict[str, Any]]:
    """Replay every .eml in `directory` (name order); returns one report record per file.
    `progress(path)` is called after each file (the command line's progress bar).

    The files' senders are trusted (they are fixtures: nobody forged them), unless
    `check_senders`: then only an `Authentication-Results` header of `[senders] authserv_id`
    vouches for a From address, as for mail from an untrusted network with no DNS to ask.

    With `until` ("+5d", "+36h" after the last message's Date, or an ISO time) the SLA
    clocks run too: before each message, every reminder that fell due by its Date is sent
    (at the instant it fell due), and after the last one the clock runs on to `until`. Each
    reminder adds a record `{"file": null, "action": "reminder", ...}`. Without it a replay
    sends no reminders, so its report stays what the corpus labels describe.

    The envelope recipients come from the headers (Resent-To, Delivered-To, To, Cc), as the
    corpus is addressed to our mailboxes; `deliver_to` sets the envelope recipient of every
    message instead, as a mail server's alias would, to push foreign mail through a mailbox.
    """
    files = eml_files(directory)
    with tempfile.TemporaryDirectory(prefix="intake-replay-") as tmp:
        url = database_url or f"sqlite:///{tmp}/replay.db"
        app = build_app(settings, database_url=url, trust_replay=not check_senders)
        try:
            state = ReplayState()
            records: list[dict[str, Any]] = []
            for path in files:
                raw = path.read_bytes()
                if until is not None:
                    records += _run_clocks(app, _file_date(raw, state))
                records.append(_replay_file(app, path, raw, state, outbox_dir, deliver_to))
                if progress is not None:
                    progress(path)
            if until is not None:
                records += _run_clocks(app, until_instant(until, state.clock))
                if outbox_dir is not None:
                    _write_outbox(app, outbox_dir, state)
            return records
        finally:
            app.close()


def until_instant(text: str, last: datetime | None) -> datetime:
    """ "+5d" / "+36h" after `last` (the last message's Date), or an ISO time (UTC if it
    names no zone)."""
    text = text.strip()
    if text.startswith("+"):
        return (last or datetime.now(UTC)) + parse_duration(text[1:])
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--until: expected +5d, +36h or an ISO time, got {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _file_date(raw: bytes, state: ReplayState) -> datetime | None:
    date = envelope_of(raw)[2]
    if date is None:
        return None
    return max(date, state.clock) if state.clock else date


def _run_clocks(app: App, until: datetime | None) -> list[dict[str, Any]]:
    """Fire, in time order and each at the instant it falls due, every reminder due by
    `until`: the sweep a running bot would have made, without waiting for it."""
    runtime = app.pipeline.sla
    if until is None or runtime is None:
        return []
    records: list[dict[str, Any]] = []
    while True:
        with app.sessions() as session:
            next_at = session.scalar(
                select(func.min(SlaClock.next_at)).where(SlaClock.next_at <= until)
            )
        if next_at is None:
            return records
        with app.sessions() as session, session.begin():
            fired = sweep(session, runtime, next_at, limit=100_000)
        records += [reminder_record(r) for r in fired]


def reminder_record(reminder: Reminder) -> dict[str, Any]:
    return {
        "file": None,
        "action": "reminder",
        "case": reminder.case,
        "to": reminder.to,
        "policy": reminder.policy,
        "step": reminder.step,
        "at": reminder.at.isoformat(),
        "due_at": reminder.due_at.isoformat() if reminder.due_at else None,
    }


def _replay_file(
    app: App,
    path: Path,
    raw: bytes,
    state: ReplayState,
    outbox_dir: Path | None,
    deliver_to: str | None,
) -> dict[str, Any]:
    raw = substitute(raw, app, state)
    mail_from, rcpts, date = envelope_of(raw)
    if deliver_to:
        rcpts = [deliver_to.lower()]
    # A message without a usable Date keeps the clock where it was, a second later.
    now = date or ((state.clock + timedelta(seconds=1)) if state.clock else datetime.now(UTC))
    state.clock = max(state.clock, now) if state.clock else now
    with app.sessions() as session, session.begin():
        row = inbox.store_inbound(
            session, raw=raw, channel="replay", received_at=now, mail_from=mail_from, rcpt_tos=rcpts
        )
        row_id = row.id
    result: Result | None = None
    while True:  # process exactly this row; a failure is retried up to the attempt limit
        outcome = process_one(
            app.sessions, app.pipeline, lambda r: now, app.settings.worker.max_attempts
        )
        if isinstance(outcome, Result) and outcome.inbound_id == row_id:
            result = outcome
            break
        if outcome is False:
            break
    record = _record(path, result, app, row_id)
    if result is not None and result.outcome == "new_case" and result.case_number:
        m = _FIXTURE_NUMBER.match(path.name)
        if m:
            state.case_of[m.group(1)] = result.case_number
            with app.sessions() as session:
                case = by_number(session, result.case_number)
                if case is not None:
                    state.case_id_of[m.group(1)] = case.id
    if outbox_dir is not None:
        _write_outbox(app, outbox_dir, state)
    return record


def _record(path: Path, result: Result | None, app: App, row_id: int) -> dict[str, Any]:
    if result is None:
        with app.sessions() as session:
            row = session.get(InboundMessage, row_id)
            error = row.error if row is not None else "unknown"
        return {
            "file": path.name,
            "action": "error",
            "case": None,
            "queue": None,
            "fields": {},
            "missing": [],
            "autoreply": False,
            "reason": error,
        }
    return {
        "file": path.name,
        "action": result.outcome,
        "case": result.case_number,
        "queue": result.queue,
        "fields": result.fields,
        "missing": result.missing,
        "autoreply": result.autoreply,
        "replies": result.replies,
        "reason": result.reason,
    }


def _write_outbox(app: App, outbox_dir: Path, state: ReplayState) -> None:
    """Write the mail queued since the last file as .eml files (a replay never sends)."""
    outbox_dir.mkdir(parents=True, exist_ok=True)
    with app.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id > state.written_outbox_id)
            .order_by(OutboxMessage.id)
        ).all()
        for row in rows:
            (outbox_dir / f"{row.id:05d}-{row.kind}.eml").write_bytes(row.raw)
            state.written_outbox_id = row.id


def write_report(records: list[dict[str, Any]], path: Path) -> None:
    """JSON Lines, one record per replayed file; the folder is made if missing (`var/` is
    not in a fresh checkout)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")


def summary_table(records: list[dict[str, Any]]) -> str:
    lines = [f"{'file':44} {'action':9} {'case':12} {'queue':8} {'reply':13} reason"]
    for r in records:
        if r["action"] == "reminder":
            lines.append(
                f"{'(clock) ' + r['at'][:16]:44} {'reminder':9} {r['case'] or '-':12} "
                f"{'':8} {r['step'][:13]:13} {r['policy']} -> {', '.join(r['to'])}"
            )
            continue
        lines.append(
            f"{r['file'][:44]:44} {r['action']:9} {r['case'] or '-':12} {r['queue'] or '-':8} "
            f"{','.join(r.get('replies') or []) or '-':13} {str(r.get('reason') or '')[:60]}"
        )
    counts: dict[str, int] = {}
    for r in records:
        counts[r["action"]] = counts.get(r["action"], 0) + 1
    lines.append(
        f"{len(records)} messages: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    return "\n".join(lines)
