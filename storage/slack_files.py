"""Slack files of a case: recorded as pending when their message joins the case, attached
once when fetched.

A pending file is an outbox row (`channel="slack_file"`), so the fetcher
(bot/slack_files.py) is claimed, retried, backed off and failed by the same claim layer as
every other queue (storage/claims.py), and a failed file shows with its reason wherever the
outbox does (`intake case show`, `intake outbox`). The row is written in the transaction
that adds the message to its case: a file is never known to a case without being queued.

A fetch never needs `sending`: downloading a file twice does no harm, so there is no point
of no return and nothing is ever uncertain. While a fetch is in flight its row stays
`pending` with `next_attempt_at` pushed past the fetch's longest time (a lease); a process
that dies mid-fetch leaves the row to be taken again once that passes. Attaching is one
transaction that adds the attachment and moves the row to `sent`; the unique key of
(case, Slack file id) on the attachments makes a second fetch of the same file add nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from intake.storage.models import AttachmentRow, Case, CaseEvent, CaseMessage, OutboxMessage
from intake.storage.outbox_rows import json_raw, queue_row
from intake.storage.safe_text import fit

CHANNEL = "slack_file"
KIND = "slack_file"
ACTOR = "intake"


@dataclass(frozen=True)
class PendingFile:
    """What the fetcher needs of one queued file (the row's payload)."""

    file_id: str
    name: str
    mimetype: str
    case_message_id: int

    @classmethod
    def of(cls, row: OutboxMessage) -> PendingFile:
        """Raises ValueError for a payload that is not one of ours."""
        try:
            data: dict[str, Any] = json.loads(row.raw.decode("utf-8"))
            return cls(
                str(data["file_id"]),
                str(data.get("name") or data["file_id"]),
                str(data.get("mimetype") or "application/octet-stream"),
                int(data["case_message_id"]),
            )
        except (UnicodeDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"unreadable file row: {type(exc).__name__}: {exc}") from None


def queue_file(
    session: Session,
    case: Case,
    message: CaseMessage,
    *,
    file_id: str,
    name: str,
    mimetype: str,
    now: datetime,
) -> OutboxMessage:
    """Record one file of `message` as pending, in the caller's transaction (the message is
    flushed for its id)."""
    if message.id is None:
        session.flush()
    payload = {
        "file_id": file_id,
        "name": name,
        "mimetype": mimetype,
        "case_message_id": message.id,
    }
    return queue_row(
        session,
        channel=CHANNEL,
        kind=KIND,
        case=case,
        # Unique per file and message: the same message is never added to a case twice.
        message_id=f"<file.{file_id}.{message.id}@slack.intake>",
        recipient=fit(OutboxMessage.recipient, name),
        raw=json_raw(payload),
        now=now,
    )


def attach(
    sessions: sessionmaker[Session],
    row_id: int,
    attempts: int,
    pending: PendingFile,
    *,
    filename: str,
    content_type: str,
    content: bytes,
    now: datetime,
) -> str:
    """Attach a fetched file to its case and mark its row sent, in one transaction.

    Returns "attached", "already" (the case has this file: a repeated fetch) or "moved"
    (the row is no longer this fetch's: its lease ended and another fetch took it)."""
    sha256 = hashlib.sha256(content).hexdigest()
    try:
        with sessions() as session, session.begin():
            row = session.get(OutboxMessage, row_id)
            if row is None or row.case_id is None:
                return "moved"
            if not _finish(session, row_id, attempts, "sent", now=now):
                return "moved"
            session.add(
                AttachmentRow(
                    case_id=row.case_id,
                    case_message_id=pending.case_message_id,
                    filename=fit(AttachmentRow.filename, filename),
                    content_type=fit(AttachmentRow.content_type, content_type),
                    size=len(content),
                    sha256=sha256,
                    inline=False,
                    content=content,
                    slack_file_id=pending.file_id,
                )
            )
            session.flush()  # the unique key speaks here, before the case is touched
            case = session.get(Case, row.case_id)
            assert case is not None
            names = list((case.fields or {}).get("attachments") or [])
            if filename not in names:
                case.fields = {**(case.fields or {}), "attachments": [*names, filename]}
            session.add(
                CaseEvent(
                    case_id=case.id,
                    at=now,
                    actor=ACTOR,
                    kind="attachment_added",
                    data={
                        "slack_file": pending.file_id,
                        "filename": filename,
                        "size": len(content),
                        "sha256": sha256,
                    },
                )
            )
        return "attached"
    except IntegrityError:
        pass  # rolled back whole: neither the row nor the case changed
    # The unique key refused a second copy: the file is attached; the row is done.
    with sessions() as session, session.begin():
        existing = session.scalar(
            select(AttachmentRow.id).where(
                AttachmentRow.slack_file_id == pending.file_id,
                AttachmentRow.case_id
                == select(OutboxMessage.case_id)
                .where(OutboxMessage.id == row_id)
                .scalar_subquery(),
            )
        )
        if existing is None:
            raise RuntimeError(f"file row #{row_id}: attachment refused but not found")
        _finish(session, row_id, attempts, "sent", now=now)
    return "already"


def give_up(
    sessions: sessionmaker[Session],
    row_id: int,
    attempts: int,
    pending: PendingFile | None,
    reason: str,
    now: datetime,
) -> bool:
    """Mark the file failed with its reason, and say so on its case; False if the row was
    no longer this fetch's."""
    with sessions() as session, session.begin():
        row = session.get(OutboxMessage, row_id)
        if row is None or not _finish(session, row_id, attempts, "failed", error=reason):
            return False
        if row.case_id is not None:
            session.add(
                CaseEvent(
                    case_id=row.case_id,
                    at=now,
                    actor=ACTOR,
                    kind="attachment_failed",
                    data={
                        "slack_file": pending.file_id if pending else None,
                        "filename": pending.name if pending else None,
                        "reason": reason[:500],
                    },
                )
            )
    return True


def retry_later(
    sessions: sessionmaker[Session],
    row_id: int,
    attempts: int,
    *,
    at: datetime,
    error: str,
    counted: bool = True,
) -> bool:
    """Put the file back for another fetch at `at`; `counted=False` when the failure was no
    attempt (Slack said to slow down). False if the row was no longer this fetch's."""
    with sessions() as session, session.begin():
        values: dict[str, Any] = {"next_attempt_at": at}
        if not counted:
            values["attempts"] = attempts - 1
        return _finish(session, row_id, attempts, "pending", error=error, **values)


def _finish(
    session: Session,
    row_id: int,
    attempts: int,
    state: str,
    *,
    now: datetime | None = None,
    error: str | None = None,
    **values: Any,
) -> bool:
    """Compare-and-set: the row moves only while it is still pending at this fetch's
    attempt (a fetch whose lease ended and was taken again has lost it)."""
    values["state"] = state
    if now is not None:
        values["sent_at"] = now
    if error is not None:
        values["last_error"] = error[:2000]
    moved = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            OutboxMessage.state == "pending",
            OutboxMessage.attempts == attempts,
        )
        .values(**values),
        execution_options={"synchronize_session": False},
    ).rowcount
    return bool(moved)
