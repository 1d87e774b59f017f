"""Slack messages as the pipeline sees them: a stored event in, a ParsedMessage out.

A Slack message is threaded like an email: its Message-ID is made from its channel and `ts`,
and a reply in a thread names the thread's parent (`thread_ts`) as its In-Reply-To. The bot's
announcement of a case is recorded as an outgoing case message with the id of its own `ts`,
so a reply in that thread finds its case through the same look-up as an email reply.
Pure: JSON bytes in, ParsedMessage out; who a Slack user is comes from a mapping the caller
passes (Slack user id -> (name, email)).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from intake.parsers.message import ParsedMessage

_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+\|([^>]*)>")


def slack_message_id(channel: str, ts: str) -> str:
    """The Message-ID a Slack message stands under in our case threads."""
    return f"<{ts}.{channel}@slack.intake>"


_SLACK_ID = re.compile(r"^<(\d+\.\d+)\.([A-Z0-9]+)@slack\.intake>$")


def parse_slack_id(message_id: str) -> tuple[str, str] | None:
    """(ts, channel) of a Message-ID made by `slack_message_id`; None for any other."""
    m = _SLACK_ID.match(message_id)
    return (m.group(1), m.group(2)) if m else None


_FILE_ID = re.compile(r"^F[A-Z0-9]{1,31}$")


@dataclass(frozen=True)
class SlackFile:
    """A file shared with a Slack message, as the event names it. The event's copy may be
    partial (`file_access: check_file_info`), so the fetcher asks files.info for the rest."""

    id: str
    name: str
    mimetype: str


def slack_files(raw: bytes) -> tuple[SlackFile, ...]:
    """The files of a stored Slack message (`{"event": {...}}`), each once, in order; an
    entry without a well-formed file id is left out (it could not be fetched anyway)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ()
    event = data.get("event", data) if isinstance(data, dict) else {}
    files = event.get("files") if isinstance(event, dict) else None
    found: dict[str, SlackFile] = {}
    for item in files if isinstance(files, list) else []:
        if not isinstance(item, dict):
            continue
        file_id = str(item.get("id") or "")
        if not _FILE_ID.match(file_id) or file_id in found:
            continue
        name = str(item.get("name") or item.get("title") or file_id)
        mimetype = str(item.get("mimetype") or "application/octet-stream")
        found[file_id] = SlackFile(file_id, name, mimetype)
    return tuple(found.values())


def slack_text_to_plain(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack's mrkdwn escapes and link forms to plain text: `<@U1>` -> `@Name`, `<url|label>`
    -> `label (url)`, `&amp;` -> `&`."""
    names = names or {}
    text = _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text or "")
    text = _CHANNEL.sub(lambda m: "#" + m.group(1), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_slack_event(
    raw: bytes, people: Mapping[str, tuple[str, str]] | None = None
) -> ParsedMessage:
    """A stored Slack message (`{"event": {...}}` or the event itself) as a ParsedMessage.

    The first line is the subject, the whole text the body; a user in `people` gets their
    email as the sender, anyone else `<user id>@slack.invalid`, which is no company address."""
    data: dict[str, Any] = json.loads(raw.decode("utf-8"))
    event = data.get("event", data)
    people = people or {}
    user = str(event.get("user") or "")
    name, address = people.get(user, ("", f"{user.lower() or 'unknown'}@slack.invalid"))
    names = {uid: person[0] for uid, person in people.items()}
    text = slack_text_to_plain(str(event.get("text") or ""), names).strip()
    channel = str(event.get("channel") or "")
    ts = str(event.get("ts") or "")
    thread_ts = event.get("thread_ts")
    parent = slack_message_id(channel, str(thread_ts)) if thread_ts and thread_ts != ts else None
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    try:
        date = datetime.fromtimestamp(float(ts), UTC) if ts else None
    except ValueError:
        date = None
    return ParsedMessage(
        message_id=slack_message_id(channel, ts),
        subject=first_line[:120],
        from_name=name,
        from_addr=address.lower(),
        date=date,
        in_reply_to=(parent,) if parent else (),
        references=(parent,) if parent else (),
        body_text=text,
        new_text=text,
    )
