"""Reader: products written in prose ("36 sliders 60x48 and 12 awnings 30x24") and, in a
request without an instructions label, the plain sentences that are its instructions."""

from __future__ import annotations

import re

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields.common import Context, _cut_at_cue, _strip_greeting
from intake.parsers.fields.patterns import (
    _DIMENSION,
    _FIELD_CUE,
    _META,
    _MONEY,
    _NOT_A_QUOTE_DATE,
    _SIGN_OFF,
    _SPEC_WORDS,
    _WANTS_QUOTE,
    NAMES_OPPORTUNITY,
)
from intake.parsers.fields.resolver import GUESS, PROSE, Found
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded


def read(v: OrgVocabulary, found: Found, units: list[tuple[str, str]], ctx: Context) -> None:
    """Quantities of products in prose give the specs; in a request written without
    labels, the plain sentences after the products are the special instructions."""
    spec_at = -1
    if not found.has("product_specs"):
        spec_at = _prose_specs(v, found, units, ctx)
    else:
        spec_at = max((i for i, (k, _) in enumerate(units) if k == "spec"), default=-1)
    labelled_form = any(k == "label" for k, _ in units)
    if labelled_form and not ctx.is_reply and not found.has("special_instructions"):
        _closing_instructions(v, found, units, ctx)
        return
    if spec_at < 0 or ctx.is_reply or found.has("special_instructions") or labelled_form:
        return
    chosen: list[str] = []
    for kind, sentence in units[spec_at + 1 :]:
        if kind != "sentence":
            continue
        if _tells_something_else(v, sentence, ctx):
            continue
        sentence = _strip_greeting(sentence)
        if len(sentence.split()) >= 3 and not v.qty_product.search(sentence):
            chosen.append(sentence)
    if chosen:
        found.offer("special_instructions", " ".join(chosen), GUESS, ctx.source)


# A word that says the sentence is about what the job is worth.
AMOUNT_CUE = cued(
    re.compile(
        r"\b(?:amount|amt|montant|valeur|value|worth|budget|total|estimated|estim[ée]|"
        r"all in|all-in|ballpark|around|about|roughly|approx(?:imately)?)\b",
        re.IGNORECASE,
    )
)


def states_amount(sentence: str) -> bool:
    """ "Budget is eighty-five thousand give or take.": a sum with its cue, in any writing."""
    return bool(AMOUNT_CUE.search(sentence)) and nz.find_amount(sentence) is not None


def _says_when(sentence: str, ctx: Context) -> bool:
    """A sentence about when the quote is wanted or what it is worth is not an
    instruction ("No rush, end of next week is fine", "Probably around $60K all in",
    "Budget is eighty-five thousand give or take")."""
    return bool(
        _MONEY.search(sentence)
        or states_amount(sentence)
        or (
            _WANTS_QUOTE.search(sentence)
            and not _NOT_A_QUOTE_DATE.search(sentence)  # "delivery by mid March" stays
            and ctx.find_date(sentence)
        )
        or _NO_RUSH.search(sentence)
    )


_NO_RUSH = cued(re.compile(r"\bno rush\b|\bpas press[ée]\b", re.IGNORECASE))


# "It's a Project, and we're still at Basic Qualification.", "This one is a non-forecast
# quote.": the sentence says what the opportunity is, a type, stage or record type
_WHAT_IT_IS = re.compile(
    r"^(?:and\s+|so\s+)?(?:it(?:'|’)?s|it is|this(?: one)? is|that(?:'|’)?s|we(?:'|’)?re|"
    r"we are|they(?:'|’)?re|they are)\b",
    re.IGNORECASE,
)


# A sentence this short that names a stage says where the opportunity is ("Early days –
# basic qualification at this point.")
PICKLIST_SENTENCE_WORDS = 10


def _says_what_it_is(v: OrgVocabulary, sentence: str) -> bool:
    if len(sentence.split()) <= PICKLIST_SENTENCE_WORDS and next(
        v.picklists["stage"].find(sentence), None
    ):
        return True  # (a type's "standard" is also a word of the specs: "standard screens")
    if v.weighed_picklists(sentence):
        return True  # "Not sure yet whether it's a Project or Project w/ install"
    return bool(_WHAT_IT_IS.match(sentence)) and any(
        next(picklist.find(sentence), None) for picklist in v.picklists.values()
    )


# "I'd go with 55% on this one", "let's do .52", "Can you do 46 like last year?": the
# factor, said as a choice
_PRICES_AT = cued(
    guarded(
        re.compile(
            r"\b(?:go|going|use|do|at|@)\s+(?:with\s+)?(?:(?:roughly|about|around)\s+)?(?:an?\s+)?"
            r"(?:x\s?)?(?:\d{2}\s?%|0?[.,]\d{2,3}\b|"
            r"\d{2}\s+(?:like|as|again|this time|on (?:this|these|it)|for (?:this|these|them))\b)",
            re.IGNORECASE,
        )
    )
)


def _tells_something_else(v: OrgVocabulary, sentence: str, ctx: Context) -> bool:
    """A plain sentence that is no instruction: it gives a field, talks about the email,
    says when or what the job is worth, or what the opportunity is."""
    return bool(
        _FIELD_CUE.search(sentence)
        or NAMES_OPPORTUNITY.search(sentence)
        or _META.search(sentence)
        or _says_when(sentence, ctx)
        or _says_what_it_is(v, sentence)
        or states_factor(sentence)
        or (DECIDES.search(sentence) and ctx.find_date(sentence))
    )


# "We plan to award by the end of November.": when the customer decides (the close date);
# the words a sentence about the decision has, whatever else it says
DECIDES = cued(re.compile(r"\b(?:award|decid|decision|sign|commit)", re.IGNORECASE))


def states_factor(sentence: str) -> bool:
    """ "Use .52 on this one.", "I'd go with 55%": a sentence that gives the factor."""
    return bool(_PRICES_AT.search(sentence))


def _closing_instructions(
    v: OrgVocabulary, found: Found, units: list[tuple[str, str]], ctx: Context
) -> None:
    """A labelled form followed by a plain paragraph ("Please quote a seat board for the
    bay as a separate line."): with no instructions label, that paragraph is them."""
    last_structure = max(i for i, (k, _) in enumerate(units) if k in ("label", "spec"))
    chosen = []
    for kind, sentence in units[last_structure + 1 :]:
        if kind != "sentence":
            continue
        sentence = _strip_greeting(sentence)
        if (
            _tells_something_else(v, sentence, ctx)
            or _SIGN_OFF.match(sentence)
            or v.qty_product.search(sentence)
            or len(sentence.split()) < 4
        ):
            continue
        chosen.append(sentence)
    if chosen:
        found.offer("special_instructions", " ".join(chosen), GUESS, ctx.source)


# How many of a package the products below are for: "24 sets for the 14x70 single section"
_HOW_MANY_SETS = re.compile(
    r"\d+\s+(?:sets?|homes?|houses?|units?|lots?|models?|packages?|buildings?)\b", re.I
)
# A sentence after the products that only says their glass and colours is short.
SPEC_SENTENCE_WORDS = 16


def _prose_specs(v: OrgVocabulary, found: Found, units: list[tuple[str, str]], ctx: Context) -> int:
    """ "can you quote 36 sliders 60x48 and 12 awnings 30x24, all ... white, at x0.50?"
    -> from the first quantity of a product to the end of its sentence."""
    for i, (kind, sentence) in enumerate(units):
        m = v.qty_product.search(sentence) if kind == "sentence" else None
        if not m or _MONEY.match(sentence, m.start()):
            continue  # "around 95K for the package": what it is worth, not what it is
        spec = _cut_at_cue(sentence[m.start() :])
        lead = units[i - 1][1] if i and units[i - 1][0] == "sentence" else ""
        if _HOW_MANY_SETS.match(lead) and not _FIELD_CUE.search(lead):
            spec = f"{_cut_at_cue(lead)}: {spec}"  # "24 sets for the 14x70 single section."
        last = i
        for j in range(i + 1, min(i + 3, len(units))):
            kind2, follow = units[j]
            if (
                kind2 == "sentence"
                and (_DIMENSION.search(follow) or _SPEC_WORDS.search(follow))
                and not _FIELD_CUE.search(follow)
                and len(follow.split()) <= SPEC_SENTENCE_WORDS
            ):
                follow = re.sub(
                    r"^(?:they(?:'|’)?re|they are|these are|it(?:'|’)?s|all)\s+",
                    "",
                    follow,
                    flags=re.I,
                )
                spec += ", " + _cut_at_cue(follow)
                last = j
            else:
                break
        found.offer("product_specs", spec, PROSE - 0.1, ctx.source)
        return last
    return -1
