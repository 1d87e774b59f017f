"""Queueing one email: the outbox row that the dispatcher sends, and the outgoing case
message whose Message-ID threads the answer back into the case, committed together.

Acknowledgements (`case_ops.queue_email`) and SLA reminders (`sla_notices.remind`) both go out this
way, so an answer to either joins its case even before the dispatcher has sent it.

An email of a case is written with the next flush by Core INSERTs (storage/write_once.py),
not as ORM objects: nothing in the transaction changes either row again, and every new case
sends one (its acknowledgement). An email without a case (a refusal) is an ORM row still:
there is no case to hold the flush for it, and it is rare.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from intake.handlers.replies import Rendered
from intake.storage import write_once
from intake.storage.models import Case, CaseMessage, OutboxMessage
from intake.storage.outbox_rows import Queued, add_row, note_row, row_values

_MESSAGES = CaseMessage.__table__


def queue_rendered(
    session: Session,
    rendered: Rendered,
    *,
    kind: str,
    case: Case | None,
    mail_from: str,
    now: datetime,
) -> OutboxMessage | Queued:
    """The rendered message goes to the recipients it was rendered for (their domains in
    A-labels), so the envelope and the To header can never disagree."""
    to = list(rendered.recipients)
    values = row_values(
        channel="email",
        kind=kind,
        message_id=rendered.message_id,
        mail_from=mail_from,
        recipients=to,
        raw=rendered.raw,
        now=now,
    )
    if case is None:
        return add_row(session, None, values)
    row = note_row(session, case, values)
    message = {
        "direction": "out",
        "channel": "email",
        "message_id": rendered.message_id,
        "inbound_id": None,
        "sender": mail_from,
        "recipients": to,
        "subject": rendered.subject,
        "text": rendered.text,
        "extracted": {},
        "at": now,
    }
    refs = {"case_id": case, "outbox_id": row.noted}
    write_once.note(session, _MESSAGES, message, case=case, refs=refs, collection="messages")
    return row
