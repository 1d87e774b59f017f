"""What the per-step unit tests share: a complete quote's fields, the Stop a step raises,
the pipeline's log lines, and contexts for a message that joined a case or opened one."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.orm import Session

from intake.handlers import pipeline
from intake.handlers.pipeline import Context, Stop
from intake.handlers.senders import SenderTrust
from intake.storage.models import Case
from tests.unit.builders import (
    PAT,
    QUOTES,
    TRUSTED,
    config,
    context,
    fv,
    make_case,
    outbox,
)

QUOTE_FIELDS = {
    "account": fv("Prairie Crest Homes"),
    "product_specs": fv("10 casements 30x48"),
    "factor": fv("0.52"),
    "opportunity_name": fv("PCH - Lot 9"),
    "opportunity_type": fv("Standard"),
    "stage": fv("Submissions"),
    "close_date": fv("2026-12-18"),
}


def stopped(step: Any, ctx: Context) -> tuple[str, str]:
    """(outcome, reason) of the Stop that `step` raises."""
    with pytest.raises(Stop) as caught:
        step(ctx)
    return caught.value.outcome, caught.value.reason


def invitation(text: str) -> bytes:
    """A calendar invitation (METHOD:REQUEST) whose text part says `text`."""
    return (
        f"From: {PAT}\r\nTo: {QUOTES}\r\nSubject: Quote review\r\nMessage-ID: <inv@x>\r\n"
        "Date: Mon, 2 Nov 2026 09:00:00 -0700\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        f"Content-Type: text/plain\r\n\r\n{text}\r\n--b\r\n"
        "Content-Type: text/calendar; method=REQUEST\r\n\r\n"
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n--b--\r\n"
    ).encode()


def joined(session: Session, body: str, trust: SenderTrust = TRUSTED, **case: Any) -> Context:
    """A reply from the AM that has joined an open quote case (as the steps before leave it)."""
    ctx = context(session, body, trust=trust, subject="Re: [CASE-000001] Quote", mailbox=QUOTES)
    ctx.case = make_case(session, **case)
    ctx.outcome = "append"
    return ctx


def opened(session: Session, address: str, fields: dict[str, Any], **cfg: Any) -> Context:
    """A request from the AM that `open_or_update_case` has just opened."""
    ctx = context(session, cfg=config(**cfg), trust=TRUSTED, mailbox=address, fields=fields)
    pipeline.open_or_update_case(ctx)
    return ctx


@dataclass
class RecordingFeed:
    """Stands in for handlers/slack_feed.SlackFeed: notes which post the step asked for."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)

    def announce(self, session: Session, case: Case, now: Any) -> None:
        self.calls.append(("announce", case.number))

    def message_received(
        self, session: Session, case: Case, sender: str, text: str, now: Any
    ) -> None:
        self.calls.append(("message_received", case.number, sender, text))

    def refresh(self, session: Session, case: Case, now: Any) -> None:
        self.calls.append(("refresh", case.number))


def logged(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "intake.pipeline"]


def refusal_text(session: Session) -> str:
    (refusal,) = outbox(session)
    message = email.message_from_bytes(refusal.raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return " ".join(body.get_content().split())
