"""Reader: the prose of a quote request. Cue words in its sentences give the factor, close
date, amount, quote due date, the opportunity clause and picklist values; the product
quantities and the instructions after them are `prose_specs`."""

from __future__ import annotations

import re
from decimal import Decimal

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields import prose_picklists, prose_specs
from intake.parsers.fields.bare_lines import is_opportunity_name
from intake.parsers.fields.common import (
    QUOTES,
    Context,
    _clean,
    _label_key,
    _looks_like_products,
    _split_parts,
    sentences,
)
from intake.parsers.fields.patterns import (
    _BARE_DECIMAL,
    _DIMENSION,
    _FACTOR_INSTEAD,
    _FACTOR_SAID,
    _FIELD_CUE,
    _MONEY,
    _NOT_A_QUOTE_DATE,
    _SIGN_OFF,
    _WANTS_QUOTE,
    CAPITALISED_NAME,
    FOR_NOW,
    NAMES_OPPORTUNITY,
)
from intake.parsers.fields.resolver import CLAUSE, GUESS, LABELLED, PROSE, RUN_ON, Found
from intake.parsers.fields.structure import Block
from intake.parsers.fields.tables import summary_row
from intake.parsers.fields.values import _CLAUSE_START, due_of, opportunity, undecided
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded


def _joined(units: list[tuple[str, str]], paragraphs: set[int]) -> str:
    """The sentences as one text. A label or product line between two of them, or a new
    paragraph (`paragraphs`: where each starts in `units`), ends the one before ("Opp name
    BVR - Lindqvist Kitchen" / "factor 57" / "type project ..."), so that no value runs on
    into the next prose line."""
    out: list[str] = []
    broken = False
    for i, (kind, said) in enumerate(units):
        if kind != "sentence":
            broken = bool(out)
            continue
        if (broken or i in paragraphs) and out and not re.search(r"[.!?]\W*$", out[-1]):
            out[-1] += "."
        out.append(said)
        broken = False
    return " ".join(out)


def read(v: OrgVocabulary, found: Found, blocks: list[Block], ctx: Context) -> None:
    """Cue words in the paragraphs: factor, close date, amount, opportunity clause, type,
    stage, record type, quote due, product quantities, and the instructions after them."""
    units: list[tuple[str, str]] = []  # ("spec", "") markers and ("sentence", text)
    paragraphs: set[int] = set()
    for block in blocks:
        if block.kind == "prose":
            paragraphs.add(len(units))
            units.extend(("sentence", s) for s in sentences(block.text))
        elif block.kind == "bullets":
            # "- factor .51" / "- BVR - Elbow Park Sunroom / Standard / close May 28":
            # a list mixing products and fields; each line is read for what it says.
            products = _looks_like_products(block.lines, v.qty_product)
            for line in block.lines:
                if v.qty_product.search(line) or _DIMENSION.search(line):
                    units.append(("spec", ""))
                elif products and not (_FIELD_CUE.search(line) or _INSTRUCTION.search(line)):
                    # "- nail fin on everything, no brickmould": one more item of the products
                    units.append(("spec", ""))
                elif len(_split_parts(line)) >= 3:
                    line = nz.take_corrections(line, now=ctx.now)  # "Oct 15 - sorry, Oct 22"
                    summary_row(v, found, _split_parts(line), ctx)
                else:
                    units.extend(("sentence", s) for s in sentences(line))
        elif block.kind == "label":
            units.append(("label", block.target))
    text = nz.from_speech(_joined(units, paragraphs))
    _prose_numbers(v, found, nz.take_corrections(text, now=ctx.now), ctx)
    for block in blocks:  # "Special instructions: I need this back by Thursday 10 AM"
        if (
            block.kind == "label"
            and block.target == "special_instructions"
            and not found.has("quote_due")
        ):
            prose_due(v, found, " ".join([block.text, *block.lines]), ctx)
    _still_deciding(v, found, text)
    _prose_opportunity(v, found, text, ctx)
    prose_picklists.type_in_prose(v, found, text, ctx)
    prose_specs.read(v, found, units, ctx)
    _instruction_sentences(v, found, blocks, ctx)
    _said_instructions(found, text, ctx)
    _to_follow(v, found, text)


def values_said(v: OrgVocabulary, text: str, ctx: Context) -> Found:
    """The opportunity's values a run of words states as prose states them ("pt62 std single
    50% close 4/30"): factor, close date, amount, type, record type and stage; no name."""
    said = Found()
    _prose_numbers(v, said, text, ctx)
    prose_picklists.read(v, said, text, ctx)
    prose_picklists.stage_by_probability(v, said, text, ctx)
    return said


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


def _prose_factor(said: str) -> Decimal | None:
    """A factor said in prose, away from its label, is believed only where pricing factors
    live (a discount off list, 0.2 to under 1): ".46" yes, ".1" or "1.2" (a tolerance, a
    ratio) no."""
    factor = nz.parse_factor(said)
    return factor if factor is not None and Decimal("0.2") <= factor < 1 else None


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


# "Special instructions customer wants black hardware": the label said in a sentence, no colon
_SAID_INSTRUCTIONS = re.compile(
    r"^(?i:special instructions?|instructions)\s*(?:[:\-–]|are|is)?\s+(?P<what>[a-z].{8,})$"
)


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


def _said_instructions(found: Found, text: str, ctx: Context) -> None:
    if ctx.is_reply or found.has("special_instructions"):
        return
    for sentence in sentences(text):
        said = re.split(r"\.\s+(?i:thanks|thank you|thx|cheers|regards)\b", sentence)[0]
        m = _SAID_INSTRUCTIONS.match(said.strip().rstrip(" .!"))
        if m:
            found.offer("special_instructions", m["what"], PROSE - 0.15, ctx.source)
            return


# After a factor said as a whole number ("Factor is 52 like always."): the sentence ends or
# goes on about the factor, never a unit ("30 days", "52 casements").
_WHOLE_FACTOR_END = re.compile(
    r"\s*(?:$|[,.;!)(]|[-–—]\s|(?:like|as|again|same|per usual|this time|on this|since|because|"
    rf"please|pls|thanks|thx|{FOR_NOW}|"
    r"for (?:this|these|them|the|that))\b)",
    re.I,
)


# "Sorry - factor is .53 on this one, not .51": the sender corrects a factor given above
# ("fctr should be 51 not 52": the factors as percentages without the sign)
# A factor standing alone in a sentence, never part of another number ("LowE 272", "$14,250")
_FACTOR_ALONE = re.compile(r"(?<![\w.,$/])" + _FACTOR_SAID)
# "use 52 on the factor", ".47 for the multiplier", "price it at a .5 factor": the number
# first, the word after it
_FACTOR_WORD_AFTER = cued(
    re.compile(
        r"(?<![\w.,$/])(\d?[.,]?\d+\s*%?)\s+(?:(?:on|for|as)\s+(?:the\s+|our\s+)?)?"
        r"(?:pricing\s+)?(?:factor|multiplier|fctr|mult)\b",
        re.IGNORECASE,
    )
)
_FACTOR_CORRECTION = cued(
    re.compile(
        rf"\b(?:{nz.FACTOR_WORDS}|facteur)"
        r"(?:\s+(?:on|for)\s+(?:this|that|these|it)"
        r"(?:\s+one)?)?\s+(?:is|should be|should have been|s/b|"
        r"will be|needs to be|was supposed to be|=|:)"
        rf"\s*{_FACTOR_SAID}(?:[^.;!?\n]|\.\d){{0,50}}?,?\s+not\s+(?:the\s+)?{_FACTOR_SAID}",
        re.IGNORECASE,
    )
)


# "PS ... she approved .51 for Clearview, so use .51 not .53": the factor's word left out
_USE_NOT = cued(
    re.compile(
        rf"\b(?:use|go with|quote (?:it |this )?at|make it)\s+{_FACTOR_SAID},?\s+"
        rf"(?:not|instead of)\s+(?:the\s+)?{_FACTOR_SAID}",
        re.IGNORECASE,
    )
)


# The cues `_prose_numbers` reads a value after (or before). Each runs over the whole text;
# behind its cue words and first characters (`cued`, `guarded`), a text without them costs
# a few substring tests, not a pass of the engine at every position.
_FACTOR_THEN_NUMBER = cued(
    guarded(
        re.compile(
            r"\b(?:factor|facteur|multiplier|multiplicateur|fctr)\b(?:\s+(?!is\b|of\b|at\b)[a-z]+){0,3}?"
            r"(?:\s*(?:of|is|at|de|est|now|"
            r"will be|should be|to be|approved at|set at|updated to|changed to|moved to|"
            r"goes to|becomes)\b|\s*[=:])*\s*([x×]?\s?\d*[.,]?\d+\s*(?:%|percent\b|pct\b)?|half\b)",
            re.IGNORECASE,
        )
    )
)
# "at x0.50", "0.5x list"
_FACTOR_TIMES = guarded(
    re.compile(
        r"(?<![\w.])[x×@]\s?(0?[.,]\d{1,3}|1(?:[.,]\d{1,3})?)\b(?!\s*[x×\"])"
        r"|(?<![\w.])(0?[.,]\d{1,3})\s?x\s+(?:list|net|retail)\b"
    )
)
_FACTOR_APPROVED = cued(
    guarded(
        re.compile(
            r"\b(?:approved?|ok(?:ay)?(?:'d)?|go(?: ahead)? with|sign(?:ed)?[- ]off on)\b,?\s+"
            r"(?:but\s+)?(?:(?:use|at|with|go with|go|make it)\s+)?(?:([x×]?\s?0?[.,]\d{2,3})"
            r"(?![\w%/×\"']|[.,]\d|\s*(?:x|×|in\b|mm\b))(,?\s+\(?(?:not|was)\s+[x×]?\s?0?[.,]\d)?"
            # "approved, but at 49, not 53", "signed off on 46 (not 48)": whole numbers, only
            # as a correction
            r"|([2-9]\d)(,?\s+\(?(?:not|was)\s+[2-9]\d)\b)",
            re.IGNORECASE,
        )
    )
)
_NUMBER_THEN_FACTOR = cued(
    guarded(
        re.compile(
            r"\b(?:the|our|a|that|same)\s+(\d{2}|0?[.,]\d{2,3})\s+(?:factor|multiplier)\b",
            re.IGNORECASE,
        )
    )
)
_CLOSE_THEN_DATE = cued(
    guarded(
        re.compile(
            r"\b(?:close|closing|closes|closed|clôture|cloture)\b(?:\s+date)?(?:\s*(?:is|on|of|by|"
            r"in|actually|really|"
            r"for|around|de|le|la|est|prévue|prevue|expected|set for|now|moved to|pushed to|"
            # "the closing is foreseen at the end of the first quarter"
            r"foreseen|planned|scheduled|forecast(?:ed)?|targeted|anticipated|projected|"
            r"changed to|moved|pushed back to|updated to|will be|should be|"
            r"moving to|moves to|moving out to|out to|slipping to|slips to|slipped to|shifting to|"
            r"slides to|slid to|sliding to|"
            r"shifts to|shifted to|going to|goes to|bumped to|to|as|at|this|it|"
            # "the close date should now read 15/05/2043"
            r"should|read|reads)\b|\s*[:=])*\s*",
            re.IGNORECASE,
        )
    )
)
_DATE_AS_CLOSE = cued(
    guarded(
        re.compile(
            r"\b(\w+(?:\s+\w+){0,2})\s+as\s+(?:the\s+|our\s+)?clos(?:e|ing)(?:\s+date)?\b",
            re.IGNORECASE,
        )
    )
)
_POINTS_BACK = re.compile(r"\b(?:that|this|it)$", re.IGNORECASE)
_DECISION_THEN_DATE = cued(
    guarded(
        re.compile(
            r"\b(?:decide|decision|award(?:ed|ing)?|sign(?:ing|s|[- ]?off)?|signature|commit|"
            # "We'll be finalizing suppliers for Ph 2 by May 15 now"
            r"finali[sz](?:e|ing)\s+(?:the\s+)?(?:suppliers?|vendors?)(?:\s+for\s+[\w ]{1,20}?)?"
            r"(?=\s+(?:by|on|before)\b))\b"
            r"(?:\s+(?:is|will be|should be))?(?:\s+(?:out|back))?"
            r"(?:\s+(?:on|by|around|before|expected|due|to|until|till))?\s*",
            re.IGNORECASE,
        )
    )
)


def _prose_numbers(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    src = ctx.source
    corrections = [*_FACTOR_CORRECTION.finditer(text), *_USE_NOT.finditer(text)]
    for m in sorted(corrections, key=lambda m: m.start(), reverse=True):  # the last one stands
        said, replaced = nz.parse_factor(m.group(1)), nz.parse_factor(m.group(2))
        if said is not None and said != replaced:
            found.offer("factor", str(said), LABELLED + 0.05, src)  # beats the label it fixes
    # "Can you rerun it at .46 instead of .48?": the new factor, and the one it replaces
    m = _FACTOR_INSTEAD.search(text)
    said = _prose_factor(m.group(1)) if m else None
    if said is not None:
        found.offer("factor", str(said), PROSE, src)
    for m in _FACTOR_THEN_NUMBER.finditer(text):
        said = m.group(1).lower()
        if said.strip().isdigit() and not _WHOLE_FACTOR_END.match(text, m.end(1)):
            continue  # "factor in 30 days", "multiplier of 2 per unit": no percentage
        factor = Decimal("0.50") if said == "half" else nz.parse_factor(said)
        if factor is not None:
            found.offer("factor", str(factor), PROSE, src)
            break
    m = _FACTOR_WORD_AFTER.search(text)  # "use 52 on the factor"
    factor = nz.parse_factor(m.group(1)) if m else None
    if factor is not None:
        found.offer("factor", str(factor), PROSE, src)
    # "pt52 project 25% close end of next month": the factor as its glued shorthand
    m = nz.FACTOR_GLUED.search(text)
    factor = _prose_factor(m.group(1)) if m else None
    if factor is not None:
        found.offer("factor", str(factor), PROSE, src)
    m = _FACTOR_TIMES.search(text)
    factor = nz.parse_factor(m.group(1) or m.group(2)) if m else None
    if factor is not None:
        found.offer("factor", str(factor), PROSE - 0.1, src)  # "at x0.50"
    # "approved at .54, not .57", "Approved, but use .50, not .53": the factor a manager
    # approves (the one said with "not" is the one replaced)
    m = _FACTOR_APPROVED.search(text)
    factor = _prose_factor(m.group(1) or m.group(3)) if m else None
    if m and factor is not None:
        # "approved, but go .47 not .45": a correction of the draft's label, which it beats
        corrects = m.group(2) or m.group(4)
        found.offer("factor", str(factor), LABELLED + 0.05 if corrects else PROSE, src)
    # "Dan - .46 is too thin with the freight. Go .48.", "Use .52 on this one.": the factor
    # said as an order, a sentence of its own
    m = _FACTOR_ORDERED.search(text)
    factor = _prose_factor(m.group(1)) if m else None
    if factor is not None:
        found.offer("factor", str(factor), PROSE, src)
    # "use the 53 factor like last time": the number before the word
    m = _NUMBER_THEN_FACTOR.search(text)
    factor = _prose_factor(m.group(1)) if m else None
    if factor is not None:
        found.offer("factor", str(factor), PROSE - 0.05, src)
    # "Use our usual 55 on this one": the factor the sender always uses
    for m in _USUAL_FACTOR.finditer(text):
        said = m.group(1)
        if said.strip().isdigit() and not _WHOLE_FACTOR_END.match(text, m.end(1)):
            continue
        factor = _prose_factor(said)
        if factor is not None:
            found.offer("factor", str(factor), PROSE - 0.05, src)
            break
    if not found.has("factor") and "factor" not in found.declared_empty:
        _bare_factor(v, found, text, ctx)
    for m in _CLOSE_THEN_DATE.finditer(text):
        hit = ctx.find_date(text[m.end() : m.end() + 40])
        if hit and hit[1] == 0:
            if undecided(text[m.end() + hit[2] : m.end() + hit[2] + 40], ctx):
                found.declared_empty.add("close_date")  # "Close is Q1 or Q2": not settled
                break
            found.offer("close_date", hit[0].isoformat(), PROSE, src)
            break
    # "please show today as the close date": the date said before the cue
    m = _DATE_AS_CLOSE.search(text)
    hit = ctx.find_date(m.group(1)) if m else None
    if m and not hit and _POINTS_BACK.search(m.group(1)):
        # "They are now targeting the end of Q2 ..., so please use that as the close date":
        # the date the sentence gave before
        start = max(text.rfind(stop, 0, m.start()) for stop in (". ", "\n", "! ", "? "))
        hit = ctx.find_date(text[start + 1 : m.start()])
    if hit and not found.has("close_date"):
        found.offer("close_date", hit[0].isoformat(), PROSE, src)
    # The customer's decision date is the opportunity's close date in the CRM.
    for m in _DECISION_THEN_DATE.finditer(text):
        hit = ctx.find_date(text[m.end() : m.end() + 40])
        if hit and hit[1] == 0:
            found.offer("close_date", hit[0].isoformat(), PROSE - 0.1, src)
            break
    said = sentences(text)
    for i, sentence in enumerate(said):
        if prose_specs.AMOUNT_CUE.search(sentence):
            amount = nz.find_amount(sentence)
            # "I had the value wrong on this one. It's 46k, not forty-two.": the cue's
            # sentence says which field, the next one the sum
            if amount is None and i + 1 < len(said) and not _FIELD_CUE.search(said[i + 1]):
                amount = nz.find_amount(said[i + 1])
            if amount is not None:
                found.offer("amount", str(amount), PROSE, src)
                break
    for sentence in said if not found.has("amount") else ():
        # "... close Oct 17th. ~6.2k. Prepaid terms": a sum alone as a sentence of its own
        # ("fctr .6 std single 25% close June 5th, $21k": one of a shorthand line's items,
        # in dollars)
        items = [sentence, *(p for p in _split_parts(sentence) if "$" in p)]
        money = next((p for p in items if _MONEY_ALONE.fullmatch(p.strip().rstrip(".!"))), None)
        amount = nz.find_amount(money) if money else None
        if amount is not None:
            found.offer("amount", str(amount), PROSE - 0.1, src)
            break
    if not ctx.source.startswith("attachment"):
        prose_due(v, found, text, ctx)


# A sum written as money and nothing else: "~6.2k", "$9,000", "approx $24k"
_MONEY_ALONE = re.compile(
    r"(?i:~|≈|approx\.?\s*|(?:about|around|roughly)\s+)?"
    r"(?:\$\s?\d[\d,]*(?:\.\d+)?\s?[kKmM]?|\d[\d,]*(?:\.\d+)?\s?[kKmM])"
)


_FACTOR_ORDERED = cued(
    re.compile(
        r"(?:^|[.!?]\s+|\n)\s*(?:go|use|let(?:'|’)?s (?:do|go)|make it|do)\s+(?:with\s+)?"
        r"[x×@]?\s?(0?[.,]\d{2,3})(?![\w%/×\"']|[.,]\d|\s*(?:x|×|in\b|mm\b))",
        re.IGNORECASE,
    )
)
_USUAL_FACTOR = cued(
    re.compile(
        r"\b(?:our|the|my|his|her)\s+usual\s+(?:factor\s+(?:of\s+)?)?"
        r"([x×]?\s?\d*[.,]?\d+\s*(?:%|percent\b)?)",
        re.IGNORECASE,
    )
)


def _bare_factor(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """'Quote for the Martels please -- .62, opp ...' or, in a reply, 'go with .56': in a
    quote request a lone decimal below one written as a fraction is the pricing factor,
    when it is the only one (sizes, money and percentages are other numbers)."""
    candidates = {_prose_factor(m.group(1)) for m in _BARE_DECIMAL.finditer(text)} - {None}
    if len(candidates) == 1:
        found.offer("factor", str(candidates.pop()), GUESS, ctx.source)


# Where a clause that may ask for the quote by a date ends
_CLAUSE_BREAK = guarded(
    re.compile(
        # (a hurried writer's sentences start lower-case: "need by thurs noon. show install")
        r"\s[-–—]\s|;\s*|,\s+(?=(?:so|and|but|in the meantime)\b)|(?<=\w)\.\s+(?=[a-z])"
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


# Where a name written after "opp" in running prose ends though no comma says so: a busy
# writer goes straight on, lower-case, with a field ("opp A&O Hendricks Acreage. pt58 std",
# "opp BVR 17 Ave Reno factor tbd"), a clause ("... Prod Run they added the 2 new plans"),
# a note ("... Bldg C same 2 colour options as B") or a count of what to quote ("opp PCH Sage
# Meadows Ph3 - 14 homes same pkg"). A name's own words are capitalised ("Lot 14", "Ph 2").
_NAME_RUNS_ON = re.compile(
    r"(?<=\S)[.,]?\s+(?:[-–]\s+(?=\d+\s+[a-z]{3,})"
    r"|(?=(?:they|we|he|she|i|pls|please|thx|thanks|same|see|factor|fctr|stage|close|"
    r"closing|type|record type)\b[^\n]*?\s[a-z0-9]"
    r"|" + nz.FACTOR_GLUED.pattern + "))"
)

# ... only after a name whose every word is capitalised (patterns.CAPITALISED_NAME)


_OPP_CUE = cued(
    guarded(
        re.compile(
            r"\b(?:opp|oppty|opportunity|opportunit[ée])\b(?:\s+name)?(?:\s+(?:is|will be|would be|"
            r"called|named|is called|is named|name is|titled|up as|up in \w+ as)\b|\s*[:=\-–])?\s*",
            re.IGNORECASE,
        )
    )
)


def _prose_opportunity(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """'The opp is "Ridgeline - Cougar Ridge Reno", standard type, we're at Submissions'."""
    for sentence in sentences(text):
        m = _OPP_CUE.search(sentence)
        if not m:
            continue
        rest = sentence[m.end() :].rstrip(" .!?")
        quoted = re.match(r"[\"“«'‘]([^\"”»’']{3,80})[\"”»’']\s*,?\s*(.*)$", rest)
        later = re.search(r"[\"“«]([^\"”»\n]{3,80})[\"”»]", rest)
        if quoted:
            found.offer("opportunity_name", _clean(quoted.group(1)), PROSE + 0.1, ctx.source)
            opportunity(v, found, quoted.group(2), CLAUSE, ctx, name_first=False)
        elif later and not CAPITALISED_NAME.fullmatch(rest[: later.start()].strip()):
            # 'For the opportunity I was thinking "Ridgeline - Lot 7", type Standard': the
            # name in quotes after the writer's own words
            found.offer("opportunity_name", _clean(later.group(1)), PROSE, ctx.source)
        elif re.match(r"[A-Z0-9]", rest) and not _CLAUSE_START.match(rest):
            # ("This will be its own Project opp – I'll get you the name": no name)
            ends = _NAME_RUNS_ON.search(rest)
            # "opp BVR 17 Ave Reno factor tbd": the name, then the rest's values
            if ends and CAPITALISED_NAME.fullmatch(rest[: ends.start()]):
                found.offer("opportunity_name", _clean(rest[: ends.start()]), PROSE, ctx.source)
                opportunity(v, found, rest[ends.start() :], CLAUSE, ctx, name_first=False)
            else:
                opportunity(v, found, rest, PROSE, ctx, name_first=True)
        elif paren := re.match(r"\(([A-Z0-9][^()]{1,30}?\s[-–]\s[^()]{2,60})\)", rest):
            # "so the opportunity (HFD - Quayside Towns Block E) is won"
            found.offer("opportunity_name", _clean(paren.group(1)), PROSE, ctx.source)
        elif later:  # 'set the opportunity up in Salesforce as "BVR - Bowness Refit"'
            found.offer("opportunity_name", _clean(later.group(1)), PROSE, ctx.source)
    if not found.has("opportunity_name"):
        _called(v, found, text, ctx)
    if not found.has("opportunity_name"):
        _quoted_job(v, found, text, ctx)
    prose_picklists.read(v, found, text, ctx)
    prose_picklists.bare_clauses(v, found, text, ctx)
    prose_picklists.stage_by_probability(v, found, text, ctx)


# A sentence that tells the quoter what to do: "Please price each lot separately.",
# "Include removal and disposal of the old units.", "... so please include the hardware."
_INSTRUCTION_VERBS = (
    r"(?:include|show|ship|deliver|add|provide|list|break out|separate|split|itemi[sz]e|leave|"
    r"note (?:that |it |this )?on the quote|"
    r"mark|label|crate|rack|hold|exclude|omit|use|allow for|break\s+(?:\w+\s+){0,3}?out|"
    r"double[- ]check|make sure|ensure|verify|"
    # "so please copy him on the quote", "pls cc Dan": who else gets it
    r"copy|cc|"
    # "Send the quote straight to Gilles when done": where the quote goes
    r"(?:send|email|e-mail)\s+(?:the\s+)?(?:quote|it|pricing)(?:\s+(?:straight|directly))?\s+to)"
)
_QUOTE_VERB_HOW = re.compile(
    r"\b(?:separately|separate|each|per|individually|option|options|alternate|both|upgraded?|"
    r"with and without|line item|lines)\b"
    # "Quote it as prepaid, B2C terms": how to quote it
    r"|\b(?:quote|price)\s+(?:it|them|this|these|everything|all)\s+as\b",
    re.IGNORECASE,
)
_INSTRUCTION = cued(
    guarded(
        re.compile(
            rf"^(?:(?:also|and|oh and|ps|p\.s\.)\s*[,:-]?\s*)?(?:please\s+|pls\s+|kindly\s+)?"
            rf"(?P<verb>{_INSTRUCTION_VERBS}|price|quote)\b"
            rf"|\b(?:please|pls|could you(?: please| also)?|can you(?: please| also)?)\s+"
            rf"(?P<asked>{_INSTRUCTION_VERBS}|price|quote)\b"
            # "pebble exterior on everything so double check availability": what to do, after "so"
            r"|\bso\s+(?:please\s+|pls\s+)?(?P<so>double[- ]check|make sure|check|verify)\b"
            # "Dealer is doing the install, just supply.", "NO install, supply only": who installs
            # "Need the install pricing broken out separate from product please."
            # "Need stamped shop drawings w/ the quote": what must come with it
            r"|\b(?P<need>needs?\b[^.!?\n]{0,40}?\b(?:broken out|split out|separated|itemi[sz]ed|"
            r"listed separately|shown separately|separate from|"
            r"(?:with|w/|along with)\s*(?:the|our|your)\s+(?:quote|pricing|numbers)\b))"
            r"|\b(?P<supply>(?:just|only) supply|supply[- ]only|no install(?:ation)?\b|"
            r"install(?:ation)? (?:is )?by (?:others|the dealer|the builder|them)|"
            r"(?:dealer|builder|customer|client|they|gc)(?:'s|’s| is| are)? (?:doing|handling) "
            r"(?:the |their own )?install)",
            re.IGNORECASE,
        )
    )
)


# What makes a please-sentence about the email, not the quote ("please let me know").
_NOT_INSTRUCTION = re.compile(
    r"\b(?:thanks|thank you|let me know|questions|call me|cheers|regards|fyi|merci|"
    r"see (?:the )?(?:attached|below|above)|"
    # "Please quote per the request below": the request is elsewhere, this points to it
    r"(?:per|as per|see|in)\s+(?:the\s+|my\s+|her\s+|his\s+|their\s+)?(?:request|e-?mail|"
    r"note|mail|message|draft|details|thread|chain)\s+(?:below|above|attached)|"
    # "Mark's list is below and his measure sheet is attached": where things are
    r"(?:is|are)\s+(?:below|above|attached|in the attachment))\b",
    re.IGNORECASE,
)


def _instruction_sentences(
    v: OrgVocabulary, found: Found, blocks: list[Block], ctx: Context
) -> None:
    """Sentences of instruction in the prose (and after the specs of a products label),
    surer than the plain sentences `prose_specs` guesses are instructions."""
    held = found.values.get("special_instructions")
    if ctx.is_reply or (held is not None and held.confidence > GUESS):
        return
    said: list[str] = []
    in_run_on = False
    for block in blocks:
        if block.kind == "prose":
            pieces = sentences(block.text)
        elif block.kind == "label" and block.target == "product_specs":
            pieces = sentences(_unwrapped(block))[1:]  # the specs' own later sentences
        else:
            continue
        for sentence in pieces:
            if _is_instruction(v, sentence, ctx):
                said.append(sentence)
            elif block.kind == "prose" and _is_run_on(v, sentence):
                clauses = _run_on_clauses(sentence)
                told = [c for c in clauses if _is_instruction(v, c, ctx, clause=True)]
                said.extend(told)
                in_run_on = in_run_on or bool(told)
    if said and in_run_on:
        # a clause read out of a run-on is less sure than a sentence of its own (and an
        # unlabelled line of the form, whose lines the paragraph joined, is surer)
        found.offer("special_instructions", " ".join(said), RUN_ON, ctx.source)
    elif said:
        # The plain sentences already guessed hold these and more ("Install has to be done
        # before Dec 18. Please include casing."): they stand, now surer.
        if held is not None and all(sentence in str(held.value) for sentence in said):
            found.offer("special_instructions", held.value, PROSE - 0.15, held.source)
        else:
            found.offer("special_instructions", " ".join(said), PROSE - 0.15, ctx.source)


def _unwrapped(block: Block) -> str:
    """A label's value and the lines below it as one text: a line that starts lower-case
    continues the one above ("... Include" / "removal and disposal"), one that starts with a
    capital after an unpunctuated line is a sentence of its own ("Quote valid 60 days")."""
    text = block.text
    for line in block.lines:
        line = line.strip()
        joined = line[:1].islower() or text.rstrip()[-1:] in (".", "!", "?", ";", ":", "")
        text = text.rstrip() + (" " if joined else ". ") + line
    return text


# "..., owner wants screens on every unit", "they want a per-home breakdown": in a run-on,
# what the customer wants done (not the quote itself, nor when they sign).
_WANTS_DONE = re.compile(
    r"^(?:and\s+|also\s+)?(?:the\s+)?(?:they|owner|owners|customer|client|builder|"
    r"homeowners?|dealer|super|gc|he|she)\s+(?:wants?|needs?|would like|(?:'|’)d like)\s+"
    r"(?!(?:to\s+)?(?:pricing|a quote|quote|numbers|prices?|sign|close|decide|award|commit)\b)",
    re.IGNORECASE,
)
# How long the quote's prices must hold: an instruction, and its date is no close date
# ("the pricing held until the end of the year", "hold pricing to June 30").
_PRICE_VALIDITY = re.compile(
    r"\b(?:pric(?:e|es|ing)|quote|numbers)\s+(?:(?:to be|is|are|must be|should be)\s+)?"
    r"(?:held|hold|valid|good|locked|firm|honou?red)\b"
    r"|\b(?:hold|lock|honou?r)\s+(?:the\s+|our\s+)?(?:pric(?:e|es|ing)|quote|numbers)\b",
    re.IGNORECASE,
)
# "The two pictures facing the deck need to be tempered.": what the products must be made as
_MUST_BE_DONE = re.compile(
    r"^(?:the|all|both|every|each|any)\b[^,;]{3,60}?\b(?:needs?|have|has|must|should)\s+"
    r"(?:to\s+)?be\s+(?:tempered|laminated|obscured?|frosted|painted|stained|"
    r"\w+ed\s+(?:with|in|to)\b)",
    re.IGNORECASE,
)


def _is_run_on(v: OrgVocabulary, sentence: str) -> bool:
    """One sentence written as a whole request: four or more comma clauses on one line,
    among them the products or a field ("..., factor is .53, opp name ...")."""
    return (
        "\n" not in sentence.strip()
        and sentence.count(",") >= 3  # (what the pattern counts, and cheaper to rule out)
        and len(re.findall(r",\s+", sentence)) >= 3
        and bool(_FIELD_CUE.search(sentence) or v.qty_product.search(sentence))
    )


# "... double check availability thx Alex": thanks and a name run into the last clause
_THANKS_AT_END = re.compile(r"\s+(?:thx|thanks|thank you|ty|cheers)\b[\s\w.!]{0,30}$", re.I)


def _run_on_clauses(sentence: str) -> list[str]:
    """The comma clauses of a run-on sentence ("..., factor is .53, opp name ..., please
    break the pricing out per home, thanks!")."""
    clauses = []
    for clause in re.split(r",\s+|\s[-–—]\s", sentence):
        # "... not our yard. thx P": a sign-off run into the last clause is no part of it
        # ("..., close end of Oct. pls send the quote to me": each sentence its own clause)
        for piece in re.split(r"(?<=[.!?])\s+", clause):
            if _SIGN_OFF.match(piece):
                continue
            piece = _THANKS_AT_END.sub("", piece).strip(" .!?")
            piece = re.sub(r"^(?i:and|also|oh and|plus)\s+", "", piece)  # "..., and please ..."
            if piece:
                clauses.append(piece)
    return clauses


_ABOUT_PRICING = cued(re.compile(r"\b(?:quote|pric|numbers|approv)", re.IGNORECASE))


def _is_instruction(v: OrgVocabulary, sentence: str, ctx: Context, *, clause: bool = False) -> bool:
    """A sentence (or a run-on's clause) telling the quoter what to do."""
    m = _INSTRUCTION.search(sentence)
    wants = clause and _WANTS_DONE.search(sentence)
    if not clause and _MUST_BE_DONE.search(sentence):  # a product said in it is the point
        return not (
            _FIELD_CUE.search(sentence)
            or _NOT_INSTRUCTION.search(sentence)
            or _ABOUT_PRICING.search(sentence)
            or _MONEY.search(sentence)
            or _DIMENSION.search(sentence)
        )
    if (not m and not wants) or _FIELD_CUE.search(sentence) or _NOT_INSTRUCTION.search(sentence):
        return False
    verb = (m["verb"] or m["asked"] or m["so"] or "").lower() if m else ""
    if (
        m
        and not wants
        and verb in ("price", "quote")
        and not (_QUOTE_VERB_HOW.search(sentence) or _PRICE_VALIDITY.search(sentence))
    ):
        return False  # "Please quote the following" asks for the quote itself
    return not (
        v.qty_product.search(sentence)
        or _MONEY.search(sentence)
        or prose_specs.states_amount(sentence)
        or prose_specs.states_factor(sentence)
        or _USUAL_FACTOR.search(sentence)
        or (clause and prose_specs.DECIDES.search(sentence))
        or _asks_by_date(sentence, ctx, clause=clause)
        or len(sentence.split()) < 4
    )


# "Bow Valley needs a quote on BVR - Mission Infill Duplex, it's ...", "please quote PCH -
# Harvest Hills Duplex Plan B as a Standard": the job asked for by its opportunity's name
_QUOTE_ON = cued(re.compile(r"\b(?i:quote)\s+(?:(?i:on|for)\s+)?(?=[A-Z])"))
_JOB_NAME_ENDS = re.compile(r"\s*[,;(]\s*|\.\s|\s+(?:as|it(?:'|’)s|it is|for|with|and|but)\s+")


def _quoted_job(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """A name led by an account the organisation knows, right after "quote (on)"."""
    for m in _QUOTE_ON.finditer(text):
        name = _JOB_NAME_ENDS.split(text[m.end() : m.end() + 90], maxsplit=1)[0].strip()
        if is_opportunity_name(v, name):
            found.offer("opportunity_name", _clean(name), PROSE - 0.05, ctx.source)
            return


def _called(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """ "Call it PCH - Livingston Showhome 4.", "set it up as ...": a name in the
    "<Account> - <name>" form after "call it" / "name it" / "set it up as"; 'I'd like this
    opened as "Martel – Basement Windows 2030"': any name in quotes after them."""
    for sentence in sentences(text):
        m = NAMES_OPPORTUNITY.search(sentence)
        if not m:
            continue
        rest = sentence[m.end() :].rstrip(" .!?")
        quoted = re.match(r"[\"“«‘']([^\"”»’\n]{3,80})[\"”»’']", rest)
        if quoted:
            found.offer("opportunity_name", _clean(quoted.group(1)), PROSE, ctx.source)
            return
        name = re.split(r"\s*[,;(]\s*|\s+(?:and|but|for|since|because)\s+", rest)[0]
        words = name.split()
        if re.fullmatch(r"[A-Z0-9][\w&'’.]*(?:\s+[\w&'’.]+){0,3}\s+[-–]\s+\S.{0,60}", name) or (
            # "I've set it up as Northgate 2031 Rural Series, a Project opp": a name that
            # opens with the account
            2 <= len(words) <= 6 and nz.match_account(words[0], v.org) is not None
        ):
            found.offer("opportunity_name", _clean(name), PROSE, ctx.source)
            return
