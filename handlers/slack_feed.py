"""The case feed in Slack: each new case announced in its team's channel, and everything that
happens to it afterwards posted in that announcement's thread (Chatter-style).

Nothing here talks to Slack: each post is an outbox row (`channel="slack"`) committed with the
change that caused it, and `bot/slack_out.py` posts it once, in order, into the right thread
(the announcement's `ts` is only known once it has been posted). Text from senders is escaped
for Slack's mrkdwn, so a request cannot @channel the team or fake a mention.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from intake.handlers.case_ops import BOT
from intake.parsers.org import Organisation
from intake.parsers.slack_event import parse_slack_id
from intake.storage.audit import record
from intake.storage.models import Case, OutboxMessage
from intake.storage.outbox_rows import json_raw, queue_row

FIELD_LIMIT = 200  # characters of one field value in an announcement
TEXT_LIMIT = 600  # characters of a message quoted into the thread
KIND_NAMES = {"quotes": "Quote request", "service": "Service request"}
ANNOUNCED_FIELDS = {
    "quotes": ("account", "product_specs", "factor", "opportunity_name", "stage", "close_date"),
    "service": ("contact_name", "contact_phone", "site_address", "description", "urgency"),
}
LABELS = {
    "account": "Account",
    "product_specs": "Product specs",
    "factor": "Factor",
    "opportunity_name": "Opportunity",
    "stage": "Stage",
    "close_date": "Close date",
    "contact_name": "Contact",
    "contact_phone": "Phone",
    "site_address": "Site",
    "description": "Description",
    "urgency": "Urgency",
}
# Button action ids, read back by the Slack app (bot/slack_app.py).
ACTION_TAKE, ACTION_QUOTE_SENT, ACTION_ASK_INFO = "case_take", "case_quote_sent", "case_ask_info"


def escape(text: str) -> str:
    """Sender text made inert in mrkdwn: no `<!channel>`, no fake `<@U…>` mentions."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(value: Any, limit: int) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_date(at: datetime, fallback_zone: Any) -> str:
    """A time every reader sees in their own zone (`<!date^…>`), with a fallback text."""
    local = at.astimezone(fallback_zone).strftime("%a %d %b %H:%M %Z")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{local}>"


@dataclass(frozen=True)
class SlackFeed:
    """Builds the posts of the case feed and queues them; built only when Slack is on."""

    org: Organisation

    def channel_for(self, case: Case) -> str | None:
        team = self.org.teams.get(case.team or "")
        return team.slack_channel if team is not None else None

    def mention(self, person_key: str | None) -> str:
        """`<@U…>` for a person with a Slack id, else their name (never a raw key)."""
        person = self.org.people.get(person_key or "")
        if person is None:
            return "nobody yet"
        return f"<@{person.slack}>" if person.slack else escape(person.name)

    def mention_address(self, address: str | None) -> str:
        found = self.org.person_by_email(address or "")
        return self.mention(found[0]) if found else escape(address or "someone")

    # -- the posts --------------------------------------------------------------------

    def announce(self, session: Session, case: Case, now: datetime) -> OutboxMessage | None:
        """The case's announcement in its team's channel: number, queue, account, the key
        fields, what is missing, when it is due, the owner @mentioned, and buttons."""
        channel = self.channel_for(case)
        if channel is None:
            return None
        text, blocks = self.announcement(case)
        return self._queue(session, case, channel, text, blocks, kind="slack_announce", now=now)

    def refresh(self, session: Session, case: Case, now: datetime) -> OutboxMessage | None:
        """The announcement redrawn (chat.update) after its owner, status or fields changed,
        so the channel shows where each case stands without opening its thread."""
        channel = self.case_channel(case)
        if channel is None:
            return None
        text, blocks = self.announcement(case)
        return self._queue(session, case, channel, text, blocks, kind="slack_update", now=now)

    def announcement(self, case: Case) -> tuple[str, list[dict[str, Any]]]:
        fields = case.fields or {}
        title = fields.get("account") or case.subject or "(no subject)"
        kind = KIND_NAMES.get(case.queue, case.queue)
        shown = [
            {
                "type": "mrkdwn",
                "text": f"*{LABELS[name]}*\n{escape(_short(fields[name], FIELD_LIMIT))}",
            }
            for name in ANNOUNCED_FIELDS.get(case.queue, ())
            if fields.get(name) not in (None, "", [])
        ]
        facts = [f"Status: {case.status.replace('_', ' ')}", f"Owner: {self.mention(case.owner)}"]
        if case.account_manager and case.account_manager != case.owner:
            facts.append(f"AM: {self.mention(case.account_manager)}")
        if case.due_at is not None:
            facts.append(f"Due: {slack_date(case.due_at, _zone(self.org))}")
        if case.missing:
            facts.append("Missing: " + ", ".join(escape(m.replace("_", " ")) for m in case.missing))
        blocks: list[dict[str, Any]] = [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": _short(f"{case.number} · {kind}: {title}", 150),
                },
            }
        ]
        if shown:
            blocks.append({"type": "section", "fields": shown[:10]})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "  ·  ".join(facts)}})
        if case.status not in ("won", "lost", "closed"):
            buttons = [_button("Take it", ACTION_TAKE, case.number, style="primary")]
            if case.queue == "quotes":
                buttons.append(_button("Quote sent", ACTION_QUOTE_SENT, case.number))
            buttons.append(_button("Ask for information", ACTION_ASK_INFO, case.number))
            blocks.append(
                {"type": "actions", "block_id": f"case:{case.number}", "elements": buttons}
            )
        owner = self.mention(case.owner)
        text = f"{case.number} {kind.lower()}: {escape(_short(title, 80))}; owner {owner}"
        return text, blocks

    def post(self, session: Session, case: Case, text: str, now: datetime) -> OutboxMessage | None:
        """One line (mrkdwn, already escaped where it quotes a sender) in the case's thread."""
        channel = self.case_channel(case)
        if channel is None:
            return None
        return self._queue(session, case, channel, text, None, kind="slack_thread", now=now)

    def answer(
        self, session: Session, case: Case, message_id: str | None, kind: str, now: datetime
    ) -> OutboxMessage | None:
        """The acknowledgement of a request made in Slack, in the thread of that message:
        the case number, and what is still missing."""
        origin = parse_slack_id(message_id or "")
        if origin is None:
            return None
        ts, channel = origin
        if kind == "ack":
            text = f"Logged as *{case.number}*; owner {self.mention(case.owner)}."
        elif kind == "confirm":
            text = f"Thanks: *{case.number}* is complete."
        else:
            text = f"Thanks: *{case.number}* updated."
        if case.missing:
            text += " Still missing: " + ", ".join(m.replace("_", " ") for m in case.missing)
            text += ". Reply in this thread with them."
        # A request filed by slash command stands under the person's user id (U…/W…): the
        # answer goes to them directly, there being no message of theirs to thread under.
        if channel.startswith(("U", "W")):
            return self._queue(session, case, channel, text, None, kind="slack_direct", now=now)
        return self._queue(
            session, case, channel, text, None, kind="slack_thread", now=now, thread_ts=ts
        )

    def case_channel(self, case: Case) -> str | None:
        return case.slack_channel or self.channel_for(case)

    def message_received(
        self, session: Session, case: Case, sender: str, text: str, now: datetime
    ) -> OutboxMessage | None:
        quoted = "\n".join("> " + line for line in escape(_short(text, TEXT_LIMIT)).splitlines())
        line = f"New message from {self.mention_address(sender)}:\n{quoted or '> (no text)'}"
        if case.missing:
            line += "\nStill missing: " + ", ".join(m.replace("_", " ") for m in case.missing)
        return self.post(session, case, line, now)

    def _queue(
        self,
        session: Session,
        case: Case,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        *,
        kind: str,
        now: datetime,
        thread_ts: str | None = None,
    ) -> OutboxMessage:
        """`thread_ts`: a given thread (the one a request was made in); else a thread post
        goes to the case's announcement thread, which may not be posted yet."""
        payload: dict[str, Any] = {
            "channel": channel,
            "text": text,
            "thread": kind == "slack_thread",
            "announce": kind == "slack_announce",
            "update": kind == "slack_update",
        }
        if thread_ts:
            payload["thread_ts"] = thread_ts
        if blocks:
            payload["blocks"] = blocks
        row = queue_row(
            session,
            channel="slack",
            kind=kind,
            case=case,
            message_id=f"<slack-out.{uuid.uuid4().hex}@intake>",
            mail_from="slack",
            recipients=[channel],
            raw=json_raw(payload),
            now=now,
        )
        # The feed is part of the case's story: `intake cases show` lists every post.
        record(
            session,
            case,
            at=now,
            actor=BOT,
            kind={
                "slack_thread": "slack_posted",
                "slack_direct": "slack_posted",
                "slack_update": "slack_updated",
            }.get(kind, "slack_announced"),
            data={"channel": channel, "text": text[:TEXT_LIMIT], "thread_ts": thread_ts},
        )
        return row


def _button(label: str, action_id: str, number: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": number,
    }
    if style:
        button["style"] = style
    return button


def _zone(org: Organisation) -> ZoneInfo:
    return ZoneInfo(org.time_zone)
