"""The words that move a case, however they arrive: one parser for Slack and email.

`@intake won PO 12345` in a case's Slack thread and a reply to the case whose first line is
`won PO 12345` mean the same thing, and must stay the same as the CRM rules change. A command
is the whole instruction ("close", not "close date is ..."), and a won case's PO has a digit
in it ("won PO" or "won, thanks!" is no PO).

`assign` takes whatever names the person: a Slack mention (`<@U0OMAR001>`), an email
address or a name from the organisation file; the caller resolves it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intake.parsers.org import Organisation

_END = r"\s*[.!]*\s*$"
_MENTION = r"<@([A-Z0-9]+)(?:\|[^>]*)?>"
_ASSIGN = r"^\s*assign\s+(?:(?:it|this)\s+)?(?:to\s+)?"  # then a mention, address or name
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^\s*status" + _END, re.I), "status"),
    (re.compile(r"^\s*assign\s+(?:to\s+)?" + _MENTION + _END, re.I), "assign"),
    (re.compile(_ASSIGN + r"([^\s<>@]+@[^\s<>]+)" + _END, re.I), "assign"),
    (re.compile(_ASSIGN + r"([A-Za-z][\w.'-]*(?: [A-Za-z][\w.'-]*)?)" + _END, re.I), "assign"),
    (re.compile(r"^\s*quote[\s-]*sent" + _END, re.I), "quote-sent"),
    (re.compile(r"^\s*waiting(?:\s+on\s+(?:the\s+)?customer)?" + _END, re.I), "waiting"),
    (
        re.compile(
            r"^\s*won\b(?:\s*[:,-]?\s*(?:PO\s*(?:number|no\.?)?\s*[#:]?\s*)?"
            r"([A-Za-z0-9][\w-]*\d[\w-]*))?(?:\s*[:,-]?\s*\S.*)?$",
            re.I | re.S,
        ),
        "won",
    ),
    # "lost: went with a competitor" (or "lost - ...", "lost because ..."); a bare "lost"
    # asks for the reason. "lost the drawings, resend?" is talk, not a command.
    (
        re.compile(
            r"^\s*lost(?:(?:\s*[:\u2013\u2014-]\s*|\s+(?=because\b|reason\b))(.*))?$",
            re.I | re.S,
        ),
        "lost",
    ),
    (re.compile(r"^\s*(?:close|closed|close it)" + _END, re.I), "closed"),
    (re.compile(r"^\s*(?:re)?open(?:\s+it)?" + _END, re.I), "open"),
]
_ADDRESSED = re.compile(r"^\s*" + _MENTION + r"[\s:,]*")


@dataclass(frozen=True)
class Command:
    name: str  # status | assign | quote-sent | waiting | won | lost | closed | open
    arg: str | None = None  # the PO, the reason, or who to assign


def parse_command(text: str) -> Command | None:
    """`won PO 12345` -> Command("won", "12345"); a leading Slack mention of the bot is
    dropped first. None when the text is no command."""
    text = _ADDRESSED.sub("", text or "", count=1)
    for pattern, name in _PATTERNS:
        m = pattern.match(text)
        if m:
            arg = m.group(1).strip() if m.groups() and m.group(1) else None
            return Command(name, arg)
    return None


def resolve_person(org: Organisation, who: str | None) -> str | None:
    """The organisation's key for `who`: a Slack user id, an email address, a person key, a
    full name or a first name that only one person has; None when nobody (or several) fit."""
    if not who:
        return None
    text = who.strip().strip("<>").lstrip("@").lower()
    found = org.person_by_email(text)
    if found is not None:
        return found[0]
    for key, person in org.people.items():
        if text in (key.lower(), (person.slack or "").lower(), person.name.lower()):
            return key
    first = [k for k, p in org.people.items() if p.name.lower().split(" ")[0] == text]
    return first[0] if len(first) == 1 else None
