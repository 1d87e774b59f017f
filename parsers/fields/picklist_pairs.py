"""Reader: an opportunity's type and record type written side by side, with nothing between
("std single", "Project / Single", "single proj").

One word alone says little ("single" is a glazing too, "standard" a colour or a hardware);
two picklists' values next to each other are a run of the opportunity's values, so each
names its own picklist.
"""

from __future__ import annotations

import re

from intake.parsers.fields.common import Context, prose_sentences
from intake.parsers.fields.resolver import PROSE, Found
from intake.parsers.fields.structure import Block
from intake.parsers.fields.vocab import OrgVocabulary

# The picklists whose values make such a pair
_PAIRED = ("opportunity_type", "record_type")
# What may stand between the two: a space, a slash, a comma
_BETWEEN = re.compile(r"\s*(?:[/,]\s*)?")
# ... and what before them makes them words of prose ("not a one-off project", "the
# standard single-hung"): an article or a negation
_SAID_OF = re.compile(r"\b(?:a|an|the|not|no)\s+$", re.IGNORECASE)


def read(v: OrgVocabulary, found: Found, blocks: list[Block], ctx: Context) -> None:
    """Both values of the first such pair in the paragraphs (a surer reading stands)."""
    for sentence in prose_sentences(blocks):
        pair = _pair(v, sentence)
        if pair:
            for name, value in pair.items():
                found.offer(name, value, PROSE - 0.1, ctx.source)
            return


def _pair(v: OrgVocabulary, sentence: str) -> dict[str, str] | None:
    """The type and record type named next to each other in `sentence`, in either order."""
    first, second = (list(v.picklists[name].find(sentence)) for name in _PAIRED)
    for a_value, a_start, a_end in first:
        for b_value, b_start, b_end in second:
            gap = sentence[a_end:b_start] if a_end <= b_start else sentence[b_end:a_start]
            apart = max(a_start, b_start) >= min(a_end, b_end)
            said_of = _SAID_OF.search(sentence[: min(a_start, b_start)])
            if _BETWEEN.fullmatch(gap) and apart and not said_of:
                return {_PAIRED[0]: a_value, _PAIRED[1]: b_value}
    return None
