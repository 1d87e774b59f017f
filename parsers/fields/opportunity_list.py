"""Reader: an opportunity written as a bare comma list led by its name, in a paragraph.

"Ridgeline - Hawthorne Residence, project, 5%, close end of july, factor 52%", or after the
writer's own words, "here's what I'd use: HFD - Quarry Park Bldg C, Project, Submissions,
close Feb 9". No cue word names the opportunity; its "<Account> - <name>" form and the
opportunity's values following it do. The values are read as the opportunity clause reads
them (`values.opportunity`), the name is the part before them.
"""

from __future__ import annotations

import re

from intake.parsers import normalise as nz
from intake.parsers.fields.common import Context, prose_sentences
from intake.parsers.fields.resolver import PROSE, Found
from intake.parsers.fields.structure import Block
from intake.parsers.fields.values import opportunity
from intake.parsers.fields.vocab import OrgVocabulary

# Where such a list may start in a sentence: its beginning, or after a colon
_LIST_START = re.compile(r"(?:^|:\s+)(?=\S)")
# The leading part: "<Account> - <name>", the account in at most four words
_ACCOUNT_LED = re.compile(r"(?P<account>[A-Z0-9][\w&'’.]*(?:\s+[\w&'’.]+){0,3})\s+[-–]\s+\S")
# A part that is an opportunity's value without a picklist word: a probability, a close
# date, a factor ("5%", "close end of july", "factor 52%")
_VALUE_PART = re.compile(r"^(?:\d{1,3}\s?%|(?:close[sd]?|closing|factor|fctr)\b.+)$", re.I)
# The values after the name that make it a list of the opportunity's (not "BVR - Elbow Park,
# kitchen and nook")
_MIN_VALUES = 2


def read(v: OrgVocabulary, found: Found, blocks: list[Block], ctx: Context) -> None:
    """The first such list of the paragraphs, when nothing named the opportunity."""
    if found.has("opportunity_name") or ctx.is_reply:
        return
    for sentence in prose_sentences(blocks):
        listed = _listed(v, sentence.strip().rstrip(".!?"))
        if listed:
            opportunity(v, found, listed, PROSE, ctx, name_first=True)
            return


def _listed(v: OrgVocabulary, sentence: str) -> str | None:
    """The part of a sentence from an account-led name through the opportunity's values."""
    for start in _LIST_START.finditer(sentence):
        text = sentence[start.end() :]
        led = _ACCOUNT_LED.match(text)
        if not led or nz.match_account(led["account"], v.org) is None:
            continue
        parts = [p.strip() for p in text.split(",")[1:]]
        said = [p for p in parts if v.picklist_of_value(p) or _VALUE_PART.match(p)]
        if len(said) >= _MIN_VALUES:
            return text
    return None
