"""Queueing one email: the outbox row that the dispatcher sends, and the outgoing case
message whose Message-ID threads the answer back into the case, committed together.

Acknowledgements (`case_ops.queue_email`) and SLA reminders (`sla_notices.remind`) both go out this
way, so an answer to either joins its case even before the dispatcher has sent it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from intake.handlers.replies import Rendered
from intake.storage.models import Case, CaseMessage, OutboxMessage
from intake.storage.outbox_rows import queue_row


def queue_rendered(
    session: Session,
    rendered: Rendered,
    *,
    kind: str,
    case: Case | None,
    mail_from: str,
    now: datetime,
) -> OutboxMessage:
    """The rendered message goes to the recipients it was rendered for (their domains in
    A-labels), so the envelope and the To header can never disagree."""
    to = list(rendered.recipients)
    row = queue_row(
        session,
        channel="email",
        kind=kind,
        case=case,
        message_id=rendered.message_id,
        mail_from=mail_from,
        recipients=to,
        raw=rendered.raw,
        now=now,
    )
    if case is not None:
        session.add(
            CaseMessage(
                case=case,
                direction="out",
                channel="email",
                message_id=rendered.message_id,
                outbox=row,
                sender=mail_from,
                recipients=to,
                subject=rendered.subject,
                text=rendered.text,
                extracted={},
                at=now,
            )
        )
    return row
