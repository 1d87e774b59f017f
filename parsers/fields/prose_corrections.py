"""Reader: what a quote request's sentences say about values given elsewhere in it.

A later sentence may correct a value ("Correction – close is Aug 31", "use .56 not .58"),
weigh two values not yet chosen ("whether it's a Project or Project w/ install", "either .52
or .54") or say a value will follow ("Type and close date to follow"). The newest statement
wins, a choice not made gives no value, and what is to follow is declared rather than
guessed, so the bot asks for what the sender has not settled instead of sending a value the
sender has already taken back."""

from __future__ import annotations

import re

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields import prose_specs
from intake.parsers.fields.common import QUOTES, Context, _label_key, sentences
from intake.parsers.fields.prose_numbers import _FACTOR_ALONE, _prose_factor
from intake.parsers.fields.resolver import LABELLED, Found
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded

# A sentence that corrects a value given earlier in the message: "Correction – close is Aug
# 31", "Correction on the factor – use .56 not .58", "Put it at Submissions – actually no,
# leave it at Funding"
_CORRECTS = cued(
    re.compile(
        r"\b(?:correction|corrected|actually no|scratch that|change (?:that|it) to|"
        r"make (?:it|that|the type|the stage|the factor))\b",
        re.IGNORECASE,
    )
)
# What a corrected value is not: "use .56 not .58", "instead of Jan 12"
_REPLACED = re.compile(r"(?:\bnot|instead of|rather than|\bwas|\bfrom)\s*$", re.IGNORECASE)
_CLOSE_WORD = re.compile(r"\b(?:close|closing)|" + prose_specs.DECIDES.pattern, re.IGNORECASE)


def _correcting_clause(after: str, sentence: str) -> str:
    """What a correction says: to the sentence's end, or in a run-on sentence of a whole
    request ("factor 51, actually make that 50, Lena ok'd it, opp ..., close July 29, ...")
    to the comma after its first number, so the values said after it are not its."""
    if len(sentence.split()) <= RUN_ON_CLAUSE_WORDS:
        return after
    m = re.search(r"\d[^,;]*[,;]", after)
    return after[: m.end() - 1] if m else after


RUN_ON_CLAUSE_WORDS = 30  # a "sentence" longer than this is a run-on of several statements


def corrected_later(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """The value a correcting sentence gives beats the one stated before it, a label's too
    (the newest statement wins): its factor, close date or stage, the last one it names
    that is not the one it replaces."""
    for sentence in (s for line in text.splitlines() for s in sentences(line)):
        marker = _CORRECTS.search(sentence)
        if not marker:
            continue
        after = _correcting_clause(sentence[marker.start() :], sentence)
        factors = [
            m.group(1)
            for m in _FACTOR_ALONE.finditer(after)
            if not _REPLACED.search(after[: m.start()])
        ]
        said = _prose_factor(factors[-1]) if factors else None
        names_factor = "factor" in sentence.lower() or re.search(
            r"\b(?:use|make it)\s+[x×]?\s?0?[.,]\d", after
        )
        if names_factor and said is not None:
            found.offer("factor", str(said), LABELLED + 0.05, ctx.source)
        if _CLOSE_WORD.search(sentence):
            dates, at = [], 0
            while hit := ctx.find_date(after[at:]):
                if not _REPLACED.search(after[: at + hit[1]]):
                    dates.append(hit[0])
                at += max(hit[2], 1)
            if dates:
                found.offer("close_date", dates[-1].isoformat(), LABELLED + 0.05, ctx.source)
        stages = [value for value, _, _ in v.picklists["stage"].find(after)]
        if stages:
            found.offer("stage", stages[-1], LABELLED + 0.05, ctx.source)
        # "Actually - make the type Project w/ installation": the type it names
        if re.search(r"\btype\b", after, re.IGNORECASE):
            types = [value for value, _, _ in v.picklists["opportunity_type"].find(after)]
            if types:
                found.offer("opportunity_type", types[-1], LABELLED + 0.05, ctx.source)


# "Type and close date to follow", "factor TBD": fields the sender says are still coming
_TO_FOLLOW = cued(
    re.compile(
        r"\b(?P<a>type|close(?: date)?|stage|factor|amount|specs?)(?:\s+(?:and|&)\s+"
        r"(?P<b>type|close(?: date)?|stage|factor|amount|specs?))?\s+(?:are\s+|is\s+)?"
        r"(?:to follow|to come|tbd|tbc|coming later|still to come)\b",
        re.IGNORECASE,
    )
)


# The words of a choice not made yet, before its "or"
_WEIGHING = r"not sure|whether|still deciding|undecided|either|(?:haven(?:'|’)?t|have not) decided"
# "Not sure yet whether it's a Project or Project w/ install": two values still in the running
_DECIDING = cued(re.compile(rf"\b(?:{_WEIGHING})\b[^.!?\n]*\bor\b", re.IGNORECASE))


# "Factor either .52 or .54 depending ...", "not sure yet if they stay on .48 or move to the
# new program rate", "back and forth between .58 and .60": a factor still being weighed
_FACTOR_WEIGHED = guarded(
    re.compile(
        rf"\b(?:(?P<or>{_WEIGHING})|between)\b"
        # within one clause: the cue, a factor, and "or" (after "between", "and") close after it
        r"(?:[^.!?\n;]|\.\d){0,40}?(?<![\w.,$/])[x×]?\s?0?[.,]\d{2,3}(?!\d)[^.!?\n;]{0,30}?"
        r"\b(?(or)or|and)\b",
        re.IGNORECASE,
    )
)
# "factor .45 or .47 depending on volume": two candidates said side by side, no cue needed
_TWO_FACTORS = cued(
    re.compile(r"(?<![\w.,$/])0?[.,]\d{2,3}(?!\d)\s+or\s+(?:maybe\s+)?0?[.,]\d{2,3}(?![\d%])")
)
_FACTOR_WORD = cued(guarded(re.compile(rf"\b(?:{nz.FACTOR_WORDS}|facteur)\b", re.IGNORECASE)))
# "I have not yet agreed the opportunity type with Clearview", "I shall confirm the stage after
# my meeting": a value the writer says is not settled
_NOT_SETTLED = cued(
    re.compile(
        r"\b(?:(?:(?:have|has)\s+not|haven(?:'|’)?t|hasn(?:'|’)?t|not)\s+(?:yet\s+)?"
        r"(?:agreed|confirmed|decided|settled|fixed)(?:\s+on)?"
        r"|(?:i|we)(?:(?:'|’)ll|\s+will|\s+shall)\s+confirm)\s+(?:the\s+)?(?:opp(?:ortunity)?\s+)?"
        r"(?P<a>type|stage|close date|factor|amount)\b",
        re.IGNORECASE,
    )
)


def _still_deciding(v: OrgVocabulary, found: Found, text: str) -> None:
    """A picklist whose two values a sentence weighs ("whether it's a Project or Project w/
    install"), or a factor it weighs ("either .52 or .54"), gives no value: the bot asks for
    it once it is decided."""
    for sentence in sentences(text):
        weighed = []
        if _FACTOR_WORD.search(sentence) and (
            _FACTOR_WEIGHED.search(sentence) or _TWO_FACTORS.search(sentence)
        ):
            weighed.append("factor")
        if _DECIDING.search(sentence):
            weighed += v.weighed_picklists(sentence)
        for m in _NOT_SETTLED.finditer(sentence):
            named = v.labels[QUOTES].get(_label_key(m["a"]))
            weighed += [named] if named else []
        for name in weighed:
            held = found.values.get(name)
            if held is not None and held.confidence < LABELLED:
                del found.values[name]
            found.declared_empty.add(name)


def _to_follow(v: OrgVocabulary, found: Found, text: str) -> None:
    """What the sender says will follow is declared, not missing by oversight: no guess is
    made for it (the bot still asks for it). The words are the quote labels'."""
    for m in _TO_FOLLOW.finditer(text):
        for said in (m["a"], m["b"]):
            name = v.labels[QUOTES].get(_label_key(said)) if said else None
            if name and not found.has(name):
                found.declared_empty.add(name)
