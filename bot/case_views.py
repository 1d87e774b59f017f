"""Read-only views of cases for the command line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intake.bot.config import Settings
from intake.bot.operator_commands import outbox_view
from intake.storage import admin, db
from intake.storage import cases as case_repo
from intake.storage.models import OutboxMessage


def _sessions(settings: Settings) -> Any:
    engine = db.make_engine(settings.database.url)
    db.upgrade(engine)
    return engine, db.make_sessionmaker(engine)


def case_summaries(settings: Settings) -> list[dict[str, Any]]:
    engine, sessions = _sessions(settings)
    try:
        with sessions() as session:
            return [
                {
                    "number": c.number,
                    "queue": c.queue,
                    "status": c.status,
                    "account": (c.fields or {}).get("account"),
                    "owner": c.owner,
                    "due": c.due_at.isoformat() if c.due_at else None,
                    "missing": c.missing,
                    "subject": c.subject,
                    "created_at": c.created_at.isoformat(),
                }
                for c in case_repo.list_cases(session, limit=10_000)
            ]
    finally:
        engine.dispose()


def case_detail(settings: Settings, number: str) -> dict[str, Any] | None:
    engine, sessions = _sessions(settings)
    try:
        with sessions() as session:
            c = case_repo.by_number(session, number)
            if c is None:
                return None
            return {
                "number": c.number,
                "queue": c.queue,
                "status": c.status,
                "mailbox": c.mailbox,
                "team": c.team,
                "owner": c.owner,
                "requester": c.requester_email,
                "due": c.due_at.isoformat() if c.due_at else None,
                "subject": c.subject,
                "fields": c.fields,
                "confidence": c.confidence,
                "missing": c.missing,
                "messages": [
                    {
                        "direction": m.direction,
                        "at": m.at.isoformat(),
                        "from": m.sender,
                        "to": m.recipients,
                        "subject": m.subject,
                        "message_id": m.message_id,
                        "delivery": _delivery(m.outbox),
                    }
                    for m in c.messages
                ],
                # Every outgoing row of the case (Slack posts too), with its state: an
                # uncertain or failed one waits for a person (`intake outbox resend`).
                "outbox": [outbox_view(r) for r in admin.outbox_rows(session, case_id=c.id)],
                "attachments": [
                    {
                        "filename": a.filename,
                        "size": a.size,
                        "sha256": a.sha256,
                        "inline": a.inline,
                        "content_type": a.content_type,
                    }
                    for a in c.attachments
                ],
                "events": [
                    {"at": e.at.isoformat(), "actor": e.actor, "kind": e.kind, "data": e.data}
                    for e in c.events
                ],
            }
    finally:
        engine.dispose()


def _delivery(row: OutboxMessage | None) -> dict[str, Any] | None:
    """Where an outgoing message stands (None for one that was never an outbox row)."""
    if row is None:
        return None
    return {
        "outbox_id": row.id,
        "state": row.state,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
    }


# How a message line shows a delivery that is not done; a sent one shows nothing.
_DELIVERY_NOTES = {
    "pending": "not sent yet",
    "sending": "being sent",
    "uncertain": "UNCERTAIN: may or may not have been delivered",
    "failed": "FAILED: not delivered",
}


def _delivery_note(delivery: dict[str, Any] | None) -> str:
    if delivery is None or delivery["state"] == "sent":
        return ""
    note = _DELIVERY_NOTES.get(delivery["state"], delivery["state"])
    return f"   [{note}; outbox #{delivery['outbox_id']}]"


def format_case(d: dict[str, Any], show: Callable[[str | None], str] | None = None) -> str:
    """The case as text; `show` writes a stored ISO time for people (bot/cli_forms.py: the
    organisation's zone, with its offset), the ISO text itself when not given."""
    show = show or (lambda iso: iso or "-")
    out = [
        f"{d['number']}  [{d['queue']}]  {d['status']}",
        f"subject:   {d['subject']}",
        f"requester: {d['requester']}   team: {d['team'] or '-'}   owner: {d['owner'] or '-'}",
        f"due:       {show(d['due'])}",
        "fields:",
    ]
    for k, v in (d["fields"] or {}).items():
        conf = (d["confidence"] or {}).get(k)
        out.append(f"  {k:22} {v}" + (f"   ({conf:.2f})" if conf is not None else ""))
    if d["missing"]:
        out.append("missing:   " + ", ".join(d["missing"]))
    out.append("messages:")
    for m in d["messages"]:
        out.append(
            f"  {show(m['at'])} {m['direction']:3} {m['from'] or '-'}: {m['subject']}"
            + _delivery_note(m.get("delivery"))
        )
    undecided = [r for r in d.get("outbox", []) if r["state"] in admin.RESENDABLE]
    if undecided:
        out.append("needs a decision (intake outbox resend ID sends it again):")
        for r in undecided:
            out.append(
                f"  outbox #{r['id']} {r['state']:9} {r['channel']} {r['kind']} to {r['to']}: "
                f"{r['last_error'] or '-'}"
            )
    if d["attachments"]:
        out.append("attachments:")
        for a in d["attachments"]:
            out.append(f"  {a['filename']} ({a['size']} bytes{', inline' if a['inline'] else ''})")
    out.append("events:")
    for e in d["events"]:
        out.append(f"  {show(e['at'])} {e['actor']:28} {e['kind']:16} {e['data']}")
    return "\n".join(out)
