"""Reader aid: a chat copied out of Teams or Slack into the mail.

"See below from Kyle at Harbourfront (copied out of Teams)" over lines such as

    Kyle Brandt  10:47 AM
    hey Dan still missing screens on the lot 12 + 14 show homes ...
    Dan Schultz  10:52 AM
    on it, will get connect you to book

Each message sits under a line naming who wrote it and when. Two such lines make a chat.
Read as prose, the name-and-time lines run into the messages ("... Etobicoke. Kyle Brandt
10:47 AM hey Dan still missing screens ..."), and a factor the manager settles on sits
among the ones the account manager proposed. So the header lines are taken out of the text
the readers see, and who said what is kept: the manager's last factor is the one to quote
("Go 0.50" after "can I go 0.48?"), and on a service request the one speaker who is not our
staff is the person to call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intake.parsers import normalise as nz
from intake.parsers.body_parts import SHARED_CHAT_LINE
from intake.parsers.fields.common import SERVICE, Context
from intake.parsers.fields.resolver import CLAUSE, PROSE, Found
from intake.parsers.org import Organisation

_DAY = r"(?:Yesterday|Today|[A-Z][a-z]{2,5}day)"  # "Dan Schultz  Sunday 6:42 PM"
_TIME = r"\d{1,2}:\d{2}(?:[ \t]?[AaPp]\.?[Mm]\.?)?"
_NAME = rf"[A-ZÀ-Ý][\w'’.-]+(?:[ \t]+(?!{_DAY}\b)[A-ZÀ-Ý][\w'’.-]+){{0,2}}"
_COMPANY = r"[ \t]+\((?P<company>[^()\n]{1,60})\)"  # "Raj Dhillon (Harbourfront Developments)"
# Teams' time, and the day before it when the chat is not today's: "[10:42 AM]", "[2/21 4:12 PM]"
_BRACKETED_TIME = rf"\[(?:\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?[ \t]+)?{_TIME}\]"
# "Kyle Brandt  10:47 AM", "Lena Fischer, 4:15 PM", "Priya Shah [4:02 PM]", "Ray 16:05",
# "Dan Schultz  11/30/2039 4:05 PM", "Travis Lund (Prairie Crest Homes)  7:14 AM  #pch-shared";
# and Teams' copy with the time first: "[10:42 AM] Lena Fischer", "[2/21 4:12 PM] Dan Schultz"
_HEADER = re.compile(
    rf"^[ \t]*(?:(?P<name>{_NAME})(?:{_COMPANY})?(?:[ \t]{{2,}}|,[ \t]*|[ \t]*\[|[ \t]+)"
    rf"(?:(?:\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|{_DAY}),?[ \t]+)?{_TIME}\]?"
    r"(?:[ \t]+(?P<channel>#[\w-]+))?"
    rf"|{_BRACKETED_TIME}[ \t]+(?P<named>{_NAME})(?:[ \t]+\((?P<guest>[^()\n]{{1,60}})\))?"
    # Slack's forward: "#pch-sagehill  |  Kyle Brandt (Prairie Crest)  |  Fri Feb 14, 2:58 PM"
    rf"|#[\w-]+[ \t]+\|[ \t]+(?P<piped>{_NAME})(?:[ \t]+\((?P<firm>[^()\n]{{1,60}})\))?"
    r"[ \t]+\|"
    rf"[^|\n]{{0,30}}?{_TIME})[ \t]*$"
    # WhatsApp's copy, each message on its header's line: "[6:42 PM, 6/1/2043] Ron Pelletier: ok"
    rf"|^[ \t]*\[{_TIME},[ \t]*\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\][ \t]*(?P<inline>{_NAME}):[ \t]*",
    re.MULTILINE,
)
# The lines that frame a pasted chat: "---------- Forwarded Slack message ----------",
# "----- pasted from Teams -----", "----"
_FRAME = re.compile(r"^[ \t]*-{3,}(?:[^\n]*?-{3,})?[ \t]*(?:\n|$)", re.MULTILINE)
MIN_HEADERS = 2  # one such line may be anything; two make a chat ...
_SAYS_CHAT = re.compile(r"#[\w-]|\(")  # ... or one with a channel or a company in brackets
# What Teams writes around a conversation it shares to Outlook (the line above it is the one
# the signature split stops at)
_SHARE_FRAME = re.compile(
    rf"^[ \t]*(?:{SHARED_CHAT_LINE}"
    r"|go to (?:message|conversation) in (?:microsoft )?teams\b[^\n]*)[ \t]*(?:\n|$)",
    re.IGNORECASE | re.MULTILINE,
)
# "Karen Liu (External)": Teams' mark of a guest, no company
_GUEST_MARKS = frozenset({"external", "guest", "extern", "externe"})
# Where a writer says the lines below come from
_NAMES_CHAT = re.compile(r"\b(?:slack|teams|chat|dm)\b", re.IGNORECASE)
# A chat's sentences end at any stop: its writers skip capitals ("not .44. go .46 on ...")
_STOPS = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Said:
    """One message of the chat: who wrote it and what."""

    speaker: str
    text: str


def split(text: str) -> tuple[str, list[Said]]:
    """(`text` without the chat's header lines, the chat's messages in order); the text as
    it is and [] when it holds no chat."""
    if ":" not in text:
        return text, []
    headers = list(_HEADER.finditer(text))
    # (one message copied alone is a chat when its header says so: a channel, a company)
    # (or when the writer says they copied it out of a chat: "it came in on our Slack")
    if (
        len(headers) < MIN_HEADERS
        and not any(_SAYS_CHAT.search(m.group(0)) for m in headers)
        and not (headers and _NAMES_CHAT.search(text, 0, headers[0].start()))
    ):
        return text, []
    said = [
        Said(
            m["name"] or m["named"] or m["piped"] or m["inline"],
            # (a frame line ends the paste: "👍 thx" over "-----" over the sign-off)
            _SHARE_FRAME.sub(
                "", _FRAME.split(text[m.end() : after.start() if after else len(text)])[0]
            ).strip(),
        )
        for m, after in zip(headers, [*headers[1:], None], strict=True)
    ]
    kept, at = [], 0
    for m in headers:
        kept.append(text[at : m.start()])
        # (the writer's company stays in the text: "Kyle Brandt (Prairie Crest)" says whose
        # job it is)
        company = m["company"] or m["guest"] or m["firm"]
        company = None if company and company.strip().casefold() in _GUEST_MARKS else company
        kept.append(f"\n{company}\n\n" if company else "")
        at = m.end() + (0 if m["inline"] else 1)  # the header line and its line break
    kept.append(text[at:])
    return _SHARE_FRAME.sub("", _FRAME.sub("", "".join(kept))), said


def read(org: Organisation, found: Found, chat: list[Said], ctx: Context) -> None:
    """The manager's last factor in the chat (the approval: it beats a factor the account
    manager only proposed in prose); on a service request, the one speaker who is not our
    staff, the person to call."""
    roles = {person.name.casefold(): person.role for person in org.people.values()}
    settled = next(
        (
            factor
            for message in reversed(chat)
            if roles.get(message.speaker.casefold()) == "MGR"
            for sentence in reversed(_STOPS.split(message.text))
            if (factor := nz.factor_said_in(sentence)) is not None
        ),
        None,
    )
    if settled is not None:
        found.offer("factor", str(settled), CLAUSE, ctx.source)
    if ctx.queue != SERVICE:
        return
    outside = {m.speaker for m in chat if m.speaker.casefold() not in roles}
    (speaker,) = outside if len(outside) == 1 else ("",)
    if len(speaker.split()) >= 2:
        # (below a contact the chat names: "Super on site is Colin Baptiste 403-...")
        found.offer("contact_name", speaker, PROSE - 0.05, ctx.source)
