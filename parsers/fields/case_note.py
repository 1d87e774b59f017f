"""A service request's description written as a case note, the way the team writes one.

The sender's own words stay in the stored message; the case's description is what the
owner reads in Slack, in Salesforce and on the case: the fault, said short. People who
take a problem down by hand ("patio door letting water in at bottom left corner in heavy
rain, laminate beside it lifting") leave out who is speaking, whose things they are and the
hedging, and keep everything that says what is wrong, where and since when. So does this:
it drops

- the subject pronoun and its auxiliary that open a clause ("we've taped it" → "taped
  it", "there's glass on the floor" → "glass on the floor", "it won't close" → "won't
  close");
- possessive determiners ("my son's bedroom window" → "son's bedroom window");
- hedges and politeness ("honestly", "I think", "looks like", "please");

and nothing else: no word that names a part, a symptom, a place, a time or a number goes.
Sentences that are not about the fault at all are left out earlier, where the description
is chosen (`prose_service`).
"""

from __future__ import annotations

import re

from intake.parsers.cues import cued
from intake.parsers.first_chars import guarded

_HEDGE = cued(
    re.compile(
        r"(?<![\w'’])(?:please|really|honestly|actually|basically|kind of|sort of|pretty much|"
        r"i (?:think|guess|believe)|we (?:think|guess|believe)|it seems(?: like)?|"
        r"(?:it )?looks like)\s+",
        re.IGNORECASE,
    )
)

# A clause opens at the start, after a sentence's or a clause's punctuation, or after a
# joining "and", "but" or "so" ("..., and we've taped it", "so there's a gap").
_CLAUSE_START = r"(?:(?<=^)|(?<=[.!?;,:–—-]\s)|(?<=\band\s)|(?<=\bbut\s)|(?<=\bso\s))"
# "I", "we", "they" and "it" lead a clause on their own; "this"/"that" only with a verb
# joined on ("that's", "this is"), as "this morning" is a time, not a subject.
_SUBJECT = (
    r"(?:(?:i|we|you|they|he|she|it|there)(?:['’](?:m|ve|re|d|s|ll))?"
    r"(?:\s+(?:am|are|is|was|were|have|has|had)(?!\s+to\b))?"
    r"|(?:this|that)(?:['’]s|\s+(?:is|was)))"
)
_LEAD = cued(
    guarded(  # tried only where a match can start (first_chars)
        re.compile(
            _CLAUSE_START
            + r"(?:(?:also|now|then)\s+)?"
            + _SUBJECT
            + r"(?:\s+(?:also|now|just|still|got))?\s+(?=\w)",
            re.IGNORECASE,
        )
    )
)
# "one of their customers" keeps its "their": "one of customers" says something else
_POSSESSIVE = cued(
    re.compile(r"(?<![\w'’])(?<!\bof )(?:my|our|your|their|his|her)\s+(?=\w)", re.IGNORECASE)
)


def case_note(text: str) -> str:
    """The description without its speaker, possessives and hedges (see the module doc);
    the text as it is if that would leave less than two words."""
    note = _HEDGE.sub("", text)
    note = _LEAD.sub("", note)
    note = _POSSESSIVE.sub("", note)
    note = re.sub(r"\s+", " ", note).strip()
    if len(note.split()) < 2:
        return text
    if text[:1].isupper():
        note = note[:1].upper() + note[1:]
    return note
