"""The site address a service request's prose gives: as written, in lower case on a phone
("19 mapleridge cres se calgary"), or corrected by its sender ("its 91 not 19")."""

from __future__ import annotations

import re
from functools import lru_cache

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields.common import _clean
from intake.parsers.fields.patterns import (
    _ADDRESS,
)
from intake.parsers.first_chars import guarded

# An address typed in lower case on a phone ("19 mapleridge cres se calgary"): the street
# type and a quadrant make it one; the word after is its city unless it is a common word.
_LOWER_STREET = (
    r"(?:street|st|avenue|ave|road|rd|drive|dr|boulevard|blvd|crescent|cres|court|ct|crt|"
    r"lane|ln|way|place|pl|trail|terrace|circle|cir|parkway|pkwy|highway|hwy|close|gate|"
    r"heights|hts|landing|common|green|grove|bay|rise|point|view|ridge|park|mews|manor|link|"
    r"square|sq)"
)
_COMMON_WORDS = (
    r"(?:not|and|but|the|is|was|please|can|could|we|i|it|its|our|my|in|on|at|for|to|with|"
    r"near|by|from|so|if|or|thanks|thx|sorry|ok|okay|cell|phone|call)"
)
_LOWER_ADDRESS = cued(
    guarded(
        re.compile(
            # (a numbered street: "1417 8 ave nw calgary")
            r"(?<![\w\-.#])\d{1,6}[a-z]?\s+"
            r"(?:\d{1,3}(?:st|nd|rd|th)?\s+(?:[a-z][\w'’-]*\s+){0,2}?|(?:[a-z][\w'’-]*\s+){1,3}?)"
            + _LOWER_STREET
            + r"\.?\s+(?:nw|ne|sw|se)\b(?:,?\s+(?!"
            + _COMMON_WORDS
            + r"\b)[a-z][a-z'’-]{2,}\b)?",
            re.IGNORECASE,
        )
    )
)
# "we are at 1650 industrial rd, dock 3, olds": an address written all in lower case and
# without a quadrant, taken only where the sender says it is where they are
_CUED_LOWER_ADDRESS = cued(
    re.compile(
        r"\b(?:we(?:'re|’re| are) at|i(?:'m|’m| am) at|located at|address is|site is at|"
        r"come (?:out )?to|deliver(?:ed)? to|at our (?:plant|shop|yard|site|office)(?: at)?)\s+"
        r"(?P<address>\d{1,6}[a-z]?\s+(?:[a-z][\w'’-]*\s+){1,3}?"
        + _LOWER_STREET
        + r"\.?(?:,?\s*(?:dock|bay|door|gate|unit|suite|bldg|building)\s*#?\s*\w{1,5})?"
        r"(?:,\s*(?!" + _COMMON_WORDS + r"\b)[a-z][a-z'’-]{2,}(?:\s[a-z][a-z'’-]{2,})?)?)"
        r"(?=\s*(?:[.;!\n]|$))",
        re.IGNORECASE,
    )
)
# "harbour view flats 9020 jasper ave edmonton": a line of its own that is only an address,
# typed in lower case and without a quadrant: a building's name (lower case, one space
# between its words: never a name before a number blanked out), the street, the town
_WORD = r"(?!" + _COMMON_WORDS + r"\b)[a-z][\w'’-]*"
_LINE_LOWER_ADDRESS = re.compile(
    rf"^[ \t]*(?P<address>(?:(?-i:[a-z])[\w'’-]* ){{0,4}}"
    rf"\d{{1,6}}[a-z]?[ \t]+(?:{_WORD}[ \t]+){{1,3}}?"
    + _LOWER_STREET
    + rf"\.?(?:,?[ \t]+{_WORD}){{0,2}})[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# "its 91 not 19 Mapleridge Cres SE": the number before "not" replaces the address's own.
_NUMBER_CORRECTION = re.compile(r"\b(\d{1,6}[A-Za-z]?)\s*,?\s*(?:and |but )?not\s*$", re.I)


def _title_address(text: str) -> str:
    words = _clean(text).replace(",", " ").split()
    out: list[str] = []
    for i, word in enumerate(words):
        if word.lower() in ("nw", "ne", "sw", "se"):
            out.append(word.upper())
            if i + 1 < len(words):
                out[-1] += ","
        else:
            out.append(word[:1].upper() + word[1:] if word[:1].islower() else word)
    return " ".join(out)


_DIGIT = re.compile(r"\d")


def _address_spans(text: str, region: str) -> list[tuple[int, int, str]]:
    """Addresses in prose as (start, end, value), phone numbers blanked first so that a
    number's digits never start a street ("587 555 0119 2207 Erin Woods Dr SE").
    A fresh list each call: the memo behind it is shared."""
    if not _DIGIT.search(text):
        return []  # every address form starts with a number: most sentences need no scan
    return list(_spans_of(text, region))


@lru_cache(maxsize=1024)
def _spans_of(text: str, region: str) -> tuple[tuple[int, int, str], ...]:
    """_address_spans, memoised: the description asks about each sentence with a digit
    twice or more (its contact tail, whether it is only an address), and the site address
    asks about the text the sentences are cut from."""
    for _, start, end in nz.find_phones(text, region):
        text = text[:start] + " " * (end - start) + text[end:]
    spans: dict[int, tuple[int, int, str]] = {}
    for m in _ADDRESS.finditer(text):
        spans[m.start()] = (m.start(), m.end(), _clean(m.group(0)).rstrip("."))
    for m in _LOWER_ADDRESS.finditer(text):
        known = spans.get(m.start())
        if known is None or m.end() > known[1]:
            spans[m.start()] = (m.start(), m.end(), _title_address(m.group(0)))
    for m in _CUED_LOWER_ADDRESS.finditer(text):
        start, end = m.span("address")
        known = spans.get(start)
        if known is None or end > known[1]:
            spans[start] = (start, end, _clean(m["address"]))
    for m in _LINE_LOWER_ADDRESS.finditer(text):  # the whole line, the building's name too
        start, end = m.span("address")
        if not any(x[0] < start < x[1] or x[0] == start and x[1] >= end for x in spans.values()):
            spans = {k: x for k, x in spans.items() if not start <= x[0] < end}
            spans[start] = (start, end, _title_address(m["address"]))
    for start, end, value in nz.find_rural_addresses(text):  # "Box 19, Site 7, RR 2, Town, AB"
        spans = {k: x for k, x in spans.items() if x[1] <= start or x[0] >= end}
        spans[start] = (start, end, value)
    out = []
    for start, end, value in sorted(spans.values()):
        fix = _NUMBER_CORRECTION.search(text[max(0, start - 20) : start])
        if fix:
            value = re.sub(r"^#?\d{1,6}[A-Za-z]?", fix.group(1), value)
        out.append((start, end, value))
    return tuple(out)


def site_address(text: str, region: str = "CA") -> str | None:
    """The first address the prose gives, corrected when the sender corrects its number."""
    spans = _address_spans(text, region)
    return spans[0][2] if spans else None
