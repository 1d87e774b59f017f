"""Reader: the date a quote request asks to have the quote back by (`quote_due`).

"Can I get this one by tomorrow at noon?", "They need it Thursday AM": a date is a due date
only in the clause that wants the quote, after a due cue, and only when it is earlier than
the SLA. A close, install or delivery date, how long the prices must hold, or the writer's
own news ("I'm back the 21st") is no quote date; the instruction reader asks the same
question (`_asks_by_date`) so that a sentence asking for the quote by a date is no
instruction."""

from __future__ import annotations

import re

from intake.parsers import normalise as nz
from intake.parsers.fields.common import Context, sentences
from intake.parsers.fields.patterns import _NOT_A_QUOTE_DATE, _WANTS_QUOTE
from intake.parsers.fields.resolver import PROSE, Found
from intake.parsers.fields.values import due_of
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded

# How long the quote's prices must hold: an instruction, and its date is no close date
# ("the pricing held until the end of the year", "hold pricing to June 30").
_PRICE_VALIDITY = re.compile(
    r"\b(?:pric(?:e|es|ing)|quote|numbers)\s+(?:(?:to be|is|are|must be|should be)\s+)?"
    r"(?:held|hold|valid|good|locked|firm|honou?red)\b"
    r"|\b(?:hold|lock|honou?r)\s+(?:the\s+|our\s+)?(?:pric(?:e|es|ing)|quote|numbers)\b",
    re.IGNORECASE,
)


# Where a clause that may ask for the quote by a date ends
_CLAUSE_BREAK = guarded(
    re.compile(
        # (a hurried writer's sentences start lower-case: "need by thurs noon. show install")
        # (but ", and in any event by Thursday" goes on with the wish before it)
        r"\s[-–—]\s|;\s*|,\s+(?=(?:so|and(?! (?:in any (?:event|case)|at the (?:very )?latest|"
        r"no later than|by)\b)|but|in the meantime)\b)|(?<=\w)\.\s+(?=[a-z])"
        # "Dan is at the plant today so please copy him": the reason is no due date
        r"|\s+(?=so (?:please|pls|can you|could you)\b)"
        # "Please send the quote to Marisol, I'm back the 21st": the writer's own news after it
        r"|,\s+(?=(?:I(?:'m|’m| am| will|'ll|’ll)|we(?:'re|’re| are))\s)"
    )
)


def _clauses(sentence: str) -> list[str]:
    """A sentence's clauses, as far as a due date goes: a date asks for the quote only in
    the clause that wants it."""
    return _CLAUSE_BREAK.split(sentence)


def _asks_by_date(sentence: str, ctx: Context, *, clause: bool) -> bool:
    """Whether one clause of the sentence wants the quote and says a date: a due date, not
    an instruction."""
    return any(
        _WANTS_QUOTE.search(part)
        and not (clause and _NOT_A_QUOTE_DATE.search(part))
        and not _PRICE_VALIDITY.search(part)
        and ctx.find_date(part)
        for part in _clauses(sentence)
    )


# The cue a due date follows ("one for bow valley ... by thurs", "They need it Thursday AM")
_DUE_CUE = guarded(
    re.compile(
        r"\b(?:by|before|no later than|due|for|until|d'ici|avant|pour)\s+|"
        r"\bneeds?\s+(?:it|this|them)(?:\s+back)?\s+(?=\w)|"
        r"\b(?=(?:today|tonight|tomorrow|this afternoon|eod|end of (?:the )?day|"
        rf"{nz.TOMORROW_SHORT_RE})\b)",
        re.IGNORECASE,
    )
)


def prose_due(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """ "Can I get this one by tomorrow at noon?", "I need it today" -> quote_due, when
    that is earlier than the SLA. A close, install or delivery date is not a quote date,
    and "no rush, anytime before Dec 4" asks for nothing."""
    clauses = [clause for sentence in sentences(text) for clause in _clauses(sentence)]
    for sentence in clauses:  # "I sent the form today, ... can you start the quote?": no due
        if _NOT_A_QUOTE_DATE.search(sentence) or not _WANTS_QUOTE.search(sentence):
            continue
        for m in _DUE_CUE.finditer(sentence):
            hit = ctx.find_date(sentence[m.end() :])
            if hit and hit[1] <= 4:
                due = due_of(v, sentence[m.end() :], ctx)
                found.offer("quote_due", due, PROSE, ctx.source)
                return
