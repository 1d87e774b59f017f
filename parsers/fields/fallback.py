"""The last reader: a weak guess for a required field nothing else read, to check, not ask.

Asking an account manager for the close date they wrote is the moment they stop trusting
the bot. So before a required field is listed as missing, this reader looks once more for
any plausible value of it in the new text: the one future date, the one factor-shaped
number, the one picklist value named anywhere; of a service request, the first sentence that
names a fault. A value found here is offered at the weakest
confidence (`GUESS`), so the acknowledgement names it in its "please check" sentence instead
of asking for it, and any real reading of the field outranks it. Two candidates are no
guess: a field still being decided gives nothing.
"""

from __future__ import annotations

import re
from datetime import date

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields.common import (
    SERVICE,
    Context,
    _cut_at_cue,
    _strip_greeting,
    sentences,
)
from intake.parsers.fields.description import describes_fault
from intake.parsers.fields.patterns import (
    _ADDRESS,
    _FIELD_CUE,
    _PERSON_ON_ONE_LINE,
    _PHONE_SHAPE,
)
from intake.parsers.fields.product_signs import (
    PRODUCT_SIGNS,
    counted_signs,
    names_products,
    product_signs,
)
from intake.parsers.fields.prose_service import _PLACE_WORD, _THIRD_PARTY, _a_persons_name
from intake.parsers.fields.resolver import GUESS, Found
from intake.parsers.fields.vocab import OrgVocabulary

# A factor-shaped number standing alone: ".47", "0.47", "0,47", "x.47", "@ .47" (never part
# of a size "30x54", a price "$0.47", a date "4.30.27" or a version).
_FACTOR = re.compile(
    r"(?<![\w$.,/-])(?<!not )(?<!instead of )(?:[x@]\s?)?(0?[.,][2-9]\d)"
    r"(?![\w%/-]|[.,]\d|\s?[x×]\s?\d|\s?(?:mm|cm|m|in|ft|kg|lbs?|mil)\b|\s?[\"'″])"
)
# A date worth guessing names its month, day number, quarter or period: "Wednesday's call"
# or "by Monday" is a meeting, not when the deal closes.
_DATED = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\bq[1-4]\b|"
    r"\b(?:quarter|month|year)\b",
    re.I,
)
_PERCENT = re.compile(r"(?<![\w.$])(\d{1,3})\s?%")
# (behind their words: IGNORECASE has re try them at every position of the whole text)
_INSTALL = cued(re.compile(r"\b(?:install(?:ed|ation|ing)?|supply (?:and|&) install)\b", re.I))
_TYPE_WORDS = (  # the picklist value a plain word most likely means, in prose
    (_INSTALL, "Project w/ installation"),
    (cued(re.compile(r"\bproject\b", re.I)), "Project"),
)
# "the Savanna project", "that project": the word naming a job, not the job's type
# (on the same line: "opp name PCH Ridgeview Ph3 Showhomes" over "project, stage ...")
_A_JOB_BEFORE = re.compile(
    r"(?:\b(?i:the|this|that|same|our|their)[ \t]+|\b[A-Z][a-z][\w'-]*[ \t]+)$"
)


def _names_a_job(text: str, at: int, value: str) -> bool:
    """Whether the word "project" at `at` names a job ("the Savanna project")."""
    return value == "Project" and bool(_A_JOB_BEFORE.search(text, max(0, at - 40), at))


def read(v: OrgVocabulary, found: Found, text: str, ctx: Context, required: list[str]) -> None:
    """Offer a guess for each required field of `ctx.queue` that `found` lacks."""
    if ctx.is_reply or not text.strip():
        return
    text = _unclaimed(found, text)
    for name in required:
        if found.has(name) or name in found.declared_empty:
            continue
        guess = _GUESSERS.get(name)
        value = guess(v, found, text, ctx) if guess else None
        if value:
            found.offer(name, value, GUESS, ctx.source)


def _unclaimed(found: Found, text: str) -> str:
    """`text` without the values other fields already took surely: a date inside labelled
    special instructions ("pricing valid to June 30") is theirs, not a close date (leftover
    prose that was only guessed to be instructions stays readable)."""
    for held in found.values.values():
        if isinstance(held.value, str) and len(held.value) > 3 and held.confidence > GUESS:
            text = text.replace(held.value, " ")
    return text


_NAMES_A_THING = re.compile(
    r"\s+(?:run|program|programme|release|order|line|model|batch|build|production|schedule|"
    r"stock|job|package|quote)s?\b",
    re.IGNORECASE,
)


def _close_date(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> str | None:
    today = ctx.now.date()
    taken = {str(found.values[n].value) for n in ("quote_due",) if found.has(n)}
    seen: set[date] = set()
    for line in text.splitlines():
        at = 0
        while (hit := ctx.find_date(line[at:])) is not None:
            day, start, end = hit
            said = line[at + start : at + end]
            named = _NAMES_A_THING.match(line, at + end)  # "the Q3 run": a name, no date
            if day >= today and day.isoformat() not in taken and _DATED.search(said) and not named:
                seen.add(day)
            at += max(end, 1)
    return seen.pop().isoformat() if len(seen) == 1 else None


def _factor(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> str | None:
    values = {m.group(1).replace(",", ".") for m in _FACTOR.finditer(text)}
    stages = v.org.picklists.get("stage")
    stage_percents = set(stages.values()) if isinstance(stages, dict) else set()
    for m in _PERCENT.finditer(text):
        n = int(m.group(1))
        if 20 <= n <= 99 and n not in stage_percents:
            values.add(f"{n / 100:.2f}")
    parsed = {nz.parse_factor(x) for x in values} - {None}
    return f"{parsed.pop():.2f}" if len(parsed) == 1 else None


def _opportunity_type(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> str | None:
    """The one type value named anywhere, else the value a plain word most likely means;
    never a word that describes a product ("std screens", "standard hardware")."""
    named = {
        value
        for value, start, end in v.picklists["opportunity_type"].find(text)
        if not _PRODUCT_ATTRIBUTE.match(text, end) and not _names_a_job(text, start, value)
    }
    if named:
        return named.pop() if len(named) == 1 else None
    return next(
        (
            value
            for pattern, value in _TYPE_WORDS
            if any(not _names_a_job(text, m.start(), value) for m in pattern.finditer(text))
        ),
        None,
    )


# "std screens", "standard white", "Standard hardware": the word says what a part is like
_PRODUCT_ATTRIBUTE = re.compile(
    r"\s+(?:screens?|hardware|colou?rs?|white|black|bronze|glass|glazing|grids?|grilles?|"
    r"sizes?|trim|finish|handles?|locks?|options?|jambs?|sills?|depth|brickmould|casing)\b",
    re.IGNORECASE,
)


def _description(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> str | None:
    """A service request whose every sentence the description reader set aside, because a
    phone number, an address or a request for a visit sits in it ("Cracked window in front
    room 47 Tamarack Cres NW - Karen Blum 780-555-0199 pls call", "got 3 windows off the rack
    w cracked glass ... need replacements before we close in"): its first sentence that names
    a fault, up to any phone number or address in it."""
    for sentence in sentences(text):
        sentence = _strip_greeting(sentence)
        cuts = [m.start() for m in (_PHONE_SHAPE.search(sentence), _ADDRESS.search(sentence)) if m]
        sentence = sentence[: min(cuts, default=len(sentence))].rstrip(" ,;:-–—(")
        if len(sentence.split()) >= 2 and describes_fault(sentence):
            return sentence
    return None


def _contact_name(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> str | None:
    """A request passed on by staff that names one person outside the company, in no form a
    contact reader knows ("Logging a call - Rosa Delgado, 14 Willow Bend", "Northgate's QA
    lead Lyle Brandt will meet the tech"): that person, to check. Two people are no guess."""
    if ctx.queue != SERVICE or not ctx.sender_is_staff:
        return None
    addresses = [m.span() for m in _ADDRESS.finditer(text)]
    named = {
        m.group(0)
        for m in _PERSON.finditer(text)
        if not any(a <= m.start() < b for a, b in addresses)
        and _a_persons_name(v, m.group(0))
        and not _PLACE_WORD.search(m.group(0))
        and not _THING_WORD.search(m.group(0))
        # "our neighbour Mr. Karl Haas has a key": someone beside the request, not its contact
        and not _THIRD_PARTY.search(text[max(0, m.start() - 60) : m.end() + 40])
    }
    return named.pop() if len(named) == 1 else None


# "Service Request", "Warranty Dept", "Lakeview Lot": a heading, a department or a place
# written in capitals, never a person
_THING_WORD = re.compile(
    r"\b(?:Request|Service|Form|Submission|Warranty|Customer|Department|Dept|Team|Order|Quote|"
    r"Job|Site|Unit|Lot|Phase|Block|Window|Door|Patio|Sash|Glass|Frame|Issue|Problem)s?\b"
    # "Hi Rita", "Thanks Marco": a greeting or a thanks to someone
    r"|^(?:Hi|Hello|Hey|Dear|Thanks|Thank|Cheers|Morning|Afternoon|Evening)\b"
)
_PERSON = re.compile(r"(?<![\w'’])" + _PERSON_ON_ONE_LINE + r"(?![\w'’])")


def _product_specs(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> str | None:
    """A quote request whose products no reader took, because they are written in shorthand
    with no quantity before a product word ("NM-2440 x5, NM-2840 x6, same lines as april",
    "same pkg as ph1 but coastal hw on all units", "std pkg s2000 csmt wht/wht dbl pane"):
    the first sentence naming products twice over, cut before what it says of price or
    the opportunity."""
    if counted_signs(text) < PRODUCT_SIGNS:
        return None  # (no piece of a text with fewer signs has enough)
    pieces = [
        piece
        for sentence in sentences(text)
        # (a hurried writer's next sentence starts lower-case: "... monthly. aug starts ...")
        for piece in re.split(r"(?<=\w)\.\s+(?=[a-z])", _strip_greeting(sentence))
    ]
    for at, piece in enumerate(pieces):
        if not names_products(piece) or len((first := _cut_at_cue(piece)).split()) < 2:
            continue
        spec = [first]
        # "... the whole NM-24 line to triple pane. Same units and sizes as the NM-24 schedule."
        for follow in pieces[at + 1 : at + 3]:
            if _FIELD_CUE.search(follow) or not product_signs(follow, enough=1):
                break
            spec.append(_cut_at_cue(follow))
        return " ".join(", ".join(spec).split())
    return None


# "stage submisions", "stage is aprovals": the word for the field, then a slip of the keys
_STAGE_SAID = re.compile(r"\bstage\s*(?:is\s+|[:=-]\s*)?([^\W\d_]+(?: [^\W\d_]+)?)", re.I)


def _stage(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> str | None:
    """A stage named after the word "stage" but misspelt, to check: the one value its
    spelling is near (a stage word alone, "Funding season is over", is never a guess)."""
    named = set()
    for m in _STAGE_SAID.finditer(text):
        words = m.group(1)
        value = v.picklists["stage"].misspelt(words) or v.picklists["stage"].misspelt(
            words.split()[0]
        )
        if value:
            named.add(value)
    return named.pop() if len(named) == 1 else None


_GUESSERS = {
    "description": _description,
    "stage": _stage,
    "product_specs": _product_specs,
    "contact_name": _contact_name,
    "close_date": _close_date,
    "factor": _factor,
    # A stage word alone ("Funding season is over") is too often something else: a stage is
    # read only where a reader sees it said as one, or guessed from a misspelling after the
    # word "stage" (above).
    "opportunity_type": _opportunity_type,
}
