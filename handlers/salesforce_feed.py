"""The case in Salesforce: its Case (and a quote's Opportunity) kept up to date, and its story
told on the Case's Chatter feed with the people concerned @mentioned.

Nothing here talks to Salesforce. Each step is an outbox row (`channel="salesforce"`)
committed with the change that caused it, and `bot/salesforce_out.py` sends them, a case's
in order:

- `sf_sync`: upsert the Case (and the Opportunity) from the case as it is when sent, by the
  external id holding our case number; so a sync can be repeated, or sent late, safely;
- `sf_post`: one Chatter post on the Case's feed, whose message segments (text, and a
  Mention segment per person with a Salesforce user id) are fixed when it is queued.

Chatter text segments are plain text: what a sender wrote can never become a mention.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from intake.handlers.case_ops import BOT
from intake.parsers.org import Organisation
from intake.storage.audit import record
from intake.storage.models import Case, OutboxMessage
from intake.storage.outbox_rows import json_raw, queue_row

if TYPE_CHECKING:
    from intake.handlers.pipeline import Context

CHANNEL = "salesforce"
SYNC, POST = "sf_sync", "sf_post"
TEXT_LIMIT = 2000  # characters of a message quoted on the feed
POST_LIMIT = 9000  # a feed element's body may hold 10,000 characters; room for the reference
KIND_NAMES = {"quotes": "quote request", "service": "service request"}

Segment = dict[str, str]


def text(value: str) -> Segment:
    return {"type": "Text", "text": value}


def _short(value: Any, limit: int) -> str:
    value = " ".join(str(value or "").split()) if "\n" not in str(value or "") else str(value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass(frozen=True)
class SalesforceFeed:
    """Queues the Salesforce side of a case's life; built only when Salesforce is on."""

    org: Organisation

    def mention(self, person_key: str | None) -> Segment:
        """A Mention segment for a person with a Salesforce user id, else their name."""
        person = self.org.people.get(person_key or "")
        if person is None:
            return text("nobody yet")
        return (
            {"type": "Mention", "id": person.salesforce} if person.salesforce else text(person.name)
        )

    def who(self, address: str) -> Segment:
        """Whoever `address` is: a person of the organisation mentioned, else the address."""
        if "@" not in address:
            return text(address)
        found = self.org.person_by_email(address)
        return self.mention(found[0]) if found else text(address)

    # -- what happens to a case ------------------------------------------------------------

    def case_opened(self, session: Session, case: Case, now: datetime) -> None:
        """A new case: its Case (and Opportunity) created, then announced on its feed with
        the owner (and the AM, when another person) @mentioned."""
        self.sync(session, case, now, "opened")
        kind = KIND_NAMES.get(case.queue, case.queue)
        title = (case.fields or {}).get("account") or case.subject or "(no subject)"
        segments = [
            text(f"New {kind} {case.number}: {_short(title, 200)}. Owner: "),
            self.mention(case.owner),
        ]
        if case.account_manager and case.account_manager != case.owner:
            segments += [text(", AM: "), self.mention(case.account_manager)]
        if case.missing:
            missing = ", ".join(m.replace("_", " ") for m in case.missing)
            segments.append(text(f". Missing: {missing}"))
        segments.append(text("."))
        self.post(session, case, segments, now)

    def message_received(
        self, session: Session, case: Case, sender: str, said: str, now: datetime, *, changed: bool
    ) -> None:
        """A message joined the case: quoted on its feed for the owner; `changed`: it gave
        or changed fields (or the status), so the records are synced first."""
        if changed:
            self.sync(session, case, now, "message")
        segments = [self.mention(case.owner), text(" new message from "), self.who(sender)]
        segments.append(text(":\n" + (_short(said.strip(), TEXT_LIMIT) or "(no text)")))
        if case.missing:
            segments.append(
                text("\nStill missing: " + ", ".join(m.replace("_", " ") for m in case.missing))
            )
        self.post(session, case, segments, now)

    def status_changed(
        self, session: Session, case: Case, old: str, new: str, actor: str, now: datetime
    ) -> None:
        """A lifecycle command: the records follow (won: closed-won stage and PO; lost:
        closed-lost and the reason), and the owner is told who did it."""
        self.sync(session, case, now, "status")
        fields = case.fields or {}
        line = f" status: {new.replace('_', ' ')} (was {old.replace('_', ' ')}), by "
        segments = [self.mention(case.owner), text(line), self.who(actor)]
        if new == "won":
            segments.append(text(f"; PO {fields.get('po_number', '')}"))
        elif new == "lost":
            segments.append(text(f"; reason: {fields.get('lost_reason', '')}"))
        self.post(session, case, segments, now)

    def owner_changed(
        self, session: Session, case: Case, old: str | None, actor: str, now: datetime
    ) -> None:
        self.sync(session, case, now, "owner")
        segments = [self.mention(case.owner), text(" is now the owner")]
        if old:
            segments += [text(" (was "), self.mention(old), text(")")]
        segments += [text(", by "), self.who(actor), text(".")]
        self.post(session, case, segments, now)

    def reminder(
        self,
        session: Session,
        case: Case,
        title: str,
        line: str,
        concerns: list[str],
        now: datetime,
    ) -> None:
        """An SLA reminder or escalation, @mentioning whom it concerns (the owner, the AM,
        or the team's manager)."""
        segments: list[Segment] = []
        for person in dict.fromkeys(concerns):
            segments += [self.mention(person), text(" ")]
        segments.append(text(f"{title}: {line}"))
        self.post(session, case, segments, now)

    # -- the rows ---------------------------------------------------------------------------

    def sync(self, session: Session, case: Case, now: datetime, why: str) -> OutboxMessage:
        return self._queue(session, case, SYNC, {"why": why}, now)

    def post(
        self, session: Session, case: Case, segments: list[Segment], now: datetime
    ) -> OutboxMessage:
        segments = _limited(segments)
        row = self._queue(session, case, POST, {"segments": segments}, now)
        shown = "".join(s.get("text") or f"@{s.get('id')}" for s in segments)
        record(
            session,
            case,
            at=now,
            actor=BOT,
            kind="salesforce_posted",
            data={"text": shown[:TEXT_LIMIT]},
        )
        return row

    def _queue(
        self, session: Session, case: Case, kind: str, payload: dict[str, Any], now: datetime
    ) -> OutboxMessage:
        return queue_row(
            session,
            channel=CHANNEL,
            kind=kind,
            case=case,
            message_id=f"<sf-out.{uuid.uuid4().hex}@intake>",
            mail_from=CHANNEL,
            recipients=[case.number],
            raw=json_raw(payload),
            now=now,
        )


def mirror(ctx: Context) -> None:
    """Pipeline step: a new case goes to Salesforce and is announced on its feed; a message
    that joins a case is quoted there, after a sync when it changed fields or the status."""
    feed, case = ctx.config.salesforce, ctx.case
    if feed is None or case is None:
        return
    if ctx.outcome == "new_case":
        feed.case_opened(ctx.session, case, ctx.now)
    elif ctx.outcome == "append":
        changed = bool(ctx.reported_fields) or case.status != ctx.status_before
        feed.message_received(
            ctx.session, case, ctx.sender, ctx.msg.new_text or "", ctx.now, changed=changed
        )


def _limited(segments: list[Segment]) -> list[Segment]:
    """The segments cut to `POST_LIMIT` characters of text in all."""
    out: list[Segment] = []
    room = POST_LIMIT
    for segment in segments:
        if segment["type"] != "Text":
            out.append(segment)
            continue
        if room <= 0:
            break
        value = segment["text"]
        out.append(text(value if len(value) <= room else value[: room - 1] + "…"))
        room -= len(value)
    return out
