"""Pricing factors and amounts: the shapes a factor is written in, and sums in figures or words."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from intake.parsers.cues import cued
from intake.parsers.normalise.folding import is_no_value

# A decimal written as a fraction (a factor, a rate): ".54", "0.56", "0,515"
# (one digit after a point only: ".5" is half, ",5" more often a list's comma)
_FRACTION = r"(?<![\w.,$/])(0?[.,]\d{2,3}|0?\.\d)(?![\w%/×]|[.,]\d)"
_FRACTION_AT_END = re.compile(_FRACTION + r"\s*$")
_FRACTION_IN = re.compile(_FRACTION)
# The words a factor is labelled with in running text (the label lines' own list is
# lexicon.QUOTE_LABELS["factor"])
FACTOR_WORDS = r"factor|fctr|mult(?:iplier)?|fac|fx"
# A factor as a whole number, said after its label: "Factor 52 — sorry, 55"
_WHOLE_FACTOR_AT_END = re.compile(rf"\b(?i:{FACTOR_WORDS})\s*[:=]?\s*([2-9]\d)\s*$")
_WHOLE_FACTOR_IN = re.compile(r"(?<![\w.,$/])([2-9]\d)(?![\w%/×]|[.,]\d)")
_SENTENCE_END = re.compile(r"[!?\n]|\.(?=\s|$)")
# A factor written as a shorthand glued to its number, as people type it on a phone: "pt52",
# "pt.52", "fctr52". Only glued (no space), so "2 pt 52" or a model code with a space is not one.
_GLUED = r"(?<![\w.])(?i:pt|fctr)([2-9]\d|[.,]\d{2,3})"
FACTOR_GLUED = cued(re.compile(_GLUED + r"(?![\w%]|[.,]\d)"))
_GLUED_FACTOR_AT_END = re.compile(_GLUED + r"\s*$")


# A factor said before a correction, and how the corrected one is written after it: a
# fraction (".54 - sorry, .56"), a whole number after its label ("Factor 52 — sorry, 55"),
# the glued shorthand ("pt54 - sorry pt57")
_FACTOR_FORMS = (
    (_FRACTION_AT_END, _FRACTION_IN),
    (_WHOLE_FACTOR_AT_END, _WHOLE_FACTOR_IN),
    (_GLUED_FACTOR_AT_END, FACTOR_GLUED),
)


_REFUSED = re.compile(r"\b(?:not|instead of|rather than)\s+$", re.IGNORECASE)


def factor_said_in(text: str) -> Decimal | None:
    """The one factor the first sentence of `text` names, written as a fraction, a whole
    number or glued to its shorthand: what follows a correction ("nvm just talked to Lena,
    she's ok with 53 for this one" -> 0.53). None when it names none, or two."""
    end = _SENTENCE_END.search(text)
    said = text[: end.start() if end else len(text)]
    hits = {
        m.group(1)
        for _, form in _FACTOR_FORMS
        for m in form.finditer(said)
        if not _REFUSED.search(said, 0, m.start())  # "not .44": the one turned down
    }
    return parse_factor(hits.pop()) if len(hits) == 1 else None


def _is_marked(m: re.Match[str]) -> bool:
    """An amount written as money ("$80,000", "80k", "80 grand"), not a bare number."""
    return bool(m.group("pre") or m.group("post") or m.group("mult"))


_NUMBER = re.compile(r"(?<![\w.,/])(?:[x×@]\s?)?(\d*[.,]\d+|\d+)\s*(%|pct\b|percent\b)?")
_DIMENSION_NEXT = re.compile(r"\s*[x×]\s*\d|[a-wyzA-WYZ\d\"'/]")
MAX_FACTOR = Decimal("1.5")
# What may follow a whole-number factor said alone: "52", "52.", "52 (as always)".
_WHOLE_ALONE = re.compile(r"\s*(?:$|[,.;(!]|[-–—]\s)")


_PERCENT_SHAPE = re.compile(r"\d{2}(?:[.,]\d)?")  # "52", "49.5"


def _two_places(value: Decimal) -> Decimal:
    """At least two decimals ("0.5" -> "0.50") without dropping a third ("0.525")."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return value.quantize(Decimal("0.01"))
    return value


def parse_factor(text: str) -> Decimal | None:
    """A pricing factor: ".52", "0.52", "x0.52", "52%", "0,47" -> Decimal("0.52").

    The first number of the value is read, so "0.51 (approved by Lena)" works, but
    placeholders and anything outside 0 < f <= 1.5 give None: "TBD", "30x48", "2 options".
    A percentage is divided by 100, and so is a bare whole number from 20 to 99 said as
    the whole value ("52", "52 (as always)": the percentage without its sign); a whole
    number with more after it ("52 casements", "30 days") is no factor.
    """
    if is_no_value(text):
        return None
    m = _NUMBER.search(text)
    if not m or (not m.group(2) and _DIMENSION_NEXT.match(text, m.end())):
        return None
    try:
        value = Decimal(m.group(1).replace(",", "."))
    except InvalidOperation:
        return None
    if m.group(2):
        value = value / 100
    elif value > 1 and (m.group(1).isdigit() or value >= 20):
        # "Factor 49.5": a percentage with a half, without its sign
        if not (
            20 <= value < 100
            and _PERCENT_SHAPE.fullmatch(m.group(1))
            and _WHOLE_ALONE.match(text, m.end())
        ):
            return None
        value = value / 100
    if not (Decimal(0) < value <= MAX_FACTOR):
        return None
    return _two_places(value)


# (India's grouping, in twos above the thousands: "13,10,000" is 1,310,000; and its words
# for a hundred thousand and ten million, "13.1 lakh", "1.2 crore")
_AMOUNT = re.compile(
    r"(?P<pre>(?:CA|C|US|CAD|USD)?\$|CAD|USD)?\s*"
    r"(?P<num>\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d{1,2})?"
    r"|\d{1,3}(?:[ \u00a0\u202f\u2009,.]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
    r"\s*(?P<mult>k|m|mm|thousand|million|grand|lakhs?|lacs?|crores?)?\b"
    r"\s*(?P<post>\$|CAD|USD|dollars?)?",
    re.IGNORECASE,
)


def _decimal_from_grouped(num: str) -> Decimal | None:
    """ "48,500" / "48 500" / "48.500,00" / "212,750.00" -> Decimal, deciding the separators.

    The last separator is the decimal one when one or two digits follow it; every other
    separator groups thousands.
    """
    num = re.sub(r"[\u00a0\u202f\u2009 ]", " ", num)
    m = re.match(r"^(.*?)[.,](\d{1,2})$", num)
    whole, cents = (m.group(1), m.group(2)) if m else (num, "")
    whole = re.sub(r"[ ,.]", "", whole)
    try:
        return Decimal(f"{whole}.{cents}" if cents else whole)
    except InvalidOperation:
        return None


_ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "a": 1, "an": 1,
}  # fmt: skip
_SCALES = {"thousand": 1000, "grand": 1000, "million": 1_000_000}
# "forty-two thousand dollars", "eighty five thousand", "a quarter million", "half a million",
# "one hundred twenty thousand": a sum in words, which must end in a scale word.
_WORDS_AMOUNT = re.compile(
    r"(?<![\w-])(?P<words>(?:(?:"
    + "|".join(sorted(_ONES, key=len, reverse=True))
    + r"|hundred|and|half|quarter)[\s-]+)+(?:thousand|grand|million)"
    r"(?:[\s-]+(?:and[\s-]+)?(?:"
    + "|".join(sorted(set(_ONES) - {"a", "an"}, key=len, reverse=True))
    + r"|hundred|thousand)\b)*)\b(?:\s+(?:dollars|bucks))?",
    re.IGNORECASE,
)


def _words_value(words: str) -> Decimal | None:
    """The number a sum in words names, or None when the words do not make one."""
    total, current, fraction = 0, 0, Decimal(0)
    seen_number = added = False
    split = re.split(r"[\s-]+", words.lower())
    for i, word in enumerate(split):
        if word in ("a", "an") and split[i + 1 : i + 2] in (["half"], ["quarter"]):
            continue  # "and a half": the article of the fraction, not one
        if word in _ONES:
            current += _ONES[word]
            seen_number = True
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in ("half", "quarter"):
            fraction = Decimal("0.5") if word == "half" else Decimal("0.25")
            added = seen_number  # "thirty-eight and a half": after the number, added to it
        elif word in _SCALES:
            if fraction and added:  # "thirty-eight and a half thousand"
                total += int((current + fraction) * _SCALES[word])
            elif fraction and current <= 1:  # "a quarter million", "half a million"
                total += int(fraction * _SCALES[word])
            elif seen_number:
                total += current * _SCALES[word]
            else:
                return None
            current, fraction, seen_number, added = 0, Decimal(0), False, False
        elif word != "and":
            return None
    value = Decimal(total + current)
    return value if value > 0 else None


def _first_amount(text: str) -> re.Match[str] | None:
    """The value's amount: the first one carrying a currency mark, a k or a scale ("end of
    Q2 / ~$112k" is 112k), else the first bare number that is not part of a word ("Q2")."""
    bare = None
    for m in _AMOUNT.finditer(text):
        if _is_marked(m):
            return m
        start = m.start("num")
        if bare is None and not (start and text[start - 1].isalpha()):
            bare = m
    return bare


def parse_amount(text: str) -> Decimal | None:
    """A money amount: "$48,500", "$48.5k", "48 500 $", "$212,750.00", "42 grand",
    "forty-two thousand dollars" -> Decimal("48500.00").

    Returns the first amount of the value with two decimals; None for placeholders.
    """
    if is_no_value(text):
        return None
    m = _first_amount(text)
    if not m:
        words = _WORDS_AMOUNT.search(text)
        value = _words_value(words["words"]) if words else None
        return value.quantize(Decimal("0.01")) if value is not None else None
    value = _decimal_from_grouped(m.group("num"))
    if value is None:
        return None
    mult = (m.group("mult") or "").lower()
    if mult in ("k", "thousand", "grand"):
        value *= 1000
    elif mult in ("m", "mm", "million"):
        value *= 1_000_000
    elif mult.startswith(("lakh", "lac")):
        value *= 100_000
    elif mult.startswith("crore"):
        value *= 10_000_000
    if value <= 0:
        return None
    return value.quantize(Decimal("0.01"))


def find_amount(text: str) -> Decimal | None:
    """The first amount in running text that carries a currency mark ($, CAD), a k or a
    scale ("42 grand"); else the first sum written in words ("forty-two thousand")."""
    for m in _AMOUNT.finditer(text):
        if _is_marked(m):
            return parse_amount(m.group(0))
    words = _WORDS_AMOUNT.search(text)
    value = _words_value(words["words"]) if words else None
    return value.quantize(Decimal("0.01")) if value is not None else None


# "sixty (60) vertical sliders", "thirty (30) days": a number in words, then its digits in
# brackets, as contracts and formal letters write them
_SPELLED_THEN_DIGITS = re.compile(r"((?:\b[A-Za-z]+[- ]){0,3}[A-Za-z]+)\s+\((\d{1,6})\)")


def digits_for_spelled(text: str) -> str:
    """`text` with each "sixty (60)" written as "60": the readers read quantities in digits,
    and the words and the brackets together read as neither."""
    if "(" not in text:
        return text

    def digits(m: re.Match[str]) -> str:
        words = list(re.finditer(r"\S+", m.group(1)))
        said = int(m.group(2))
        for word in words:  # the longest run of words to the end that spells the number
            spelled = m.group(1)[word.start() :]
            if word.group().lower() != "and" and _words_value(spelled) == said:
                return f"{m.group(1)[: word.start()]}{said}"
        return m.group(0)

    return _SPELLED_THEN_DIGITS.sub(digits, text)
