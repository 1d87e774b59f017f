"""Reader: the numbers a quote request says in prose: factor, close date and amount.

Away from a label, a number is a field only by the cue words around it ("factor is .48",
"use the 53 factor", "approved at .54, not .57", "closing Jan 15", "they decide on the
10th", "~6.2k" alone as a sentence), so each cue is a pattern of its own, read in a fixed
order with the surer readings offered first. Text not from an attachment is then read for
the quote's due date (`prose_due_date`)."""

from __future__ import annotations

import re
from decimal import Decimal

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields import prose_specs
from intake.parsers.fields.common import Context, _split_parts, sentences
from intake.parsers.fields.patterns import (
    _BARE_DECIMAL,
    _FACTOR_INSTEAD,
    _FACTOR_SAID,
    _FIELD_CUE,
    FOR_NOW,
)
from intake.parsers.fields.prose_due_date import prose_due
from intake.parsers.fields.resolver import GUESS, LABELLED, PROSE, Found
from intake.parsers.fields.values import undecided
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded

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


def _prose_factor(said: str) -> Decimal | None:
    """A factor said in prose, away from its label, is believed only where pricing factors
    live (a discount off list, 0.2 to under 1): ".46" yes, ".1" or "1.2" (a tolerance, a
    ratio) no."""
    factor = nz.parse_factor(said)
    return factor if factor is not None and Decimal("0.2") <= factor < 1 else None


def _bare_factor(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """'Quote for the Martels please -- .62, opp ...' or, in a reply, 'go with .56': in a
    quote request a lone decimal below one written as a fraction is the pricing factor,
    when it is the only one (sizes, money and percentages are other numbers)."""
    candidates = {_prose_factor(m.group(1)) for m in _BARE_DECIMAL.finditer(text)} - {None}
    if len(candidates) == 1:
        found.offer("factor", str(candidates.pop()), GUESS, ctx.source)
