"""first_chars.guarded: the same matches as the pattern it guards, or the pattern itself."""

import re

from intake.parsers.first_chars import guarded

TEXTS = [
    "Call me at +1 (403) 555-0199 or 780.555.0164, ext 2.",
    "The HOMEOWNER is Mark Jensen; the window is cracked and leaking.",
    "",
    "no digits, no cues here",
]


def test_guarded_patterns_match_as_the_originals():
    patterns = [
        re.compile(
            r"(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b|\+\d{1,3}(?:[\s.-]?\d{2,4}){3,5}\b"
        ),
        re.compile(r"\b(?i:home ?owners?|owner) is ([A-Z][a-z]+ [A-Z][a-z]+)"),
        re.compile(r"\b(?:crack|leak)(?:ed|ing)?\b", re.IGNORECASE),
    ]
    for pattern in patterns:
        fast = guarded(pattern)
        assert fast is not pattern
        for text in TEXTS:
            want = [(m.span(), m.groups()) for m in pattern.finditer(text)]
            assert [(m.span(), m.groups()) for m in fast.finditer(text)] == want


def test_patterns_that_can_start_anywhere_are_left_alone():
    for pattern in (
        re.compile(r"\d*"),
        re.compile(r"."),
        re.compile(r"[^a]b"),
        re.compile(r"(?i)x"),
    ):
        assert guarded(pattern) is pattern


def test_a_guarded_pattern_splits_and_substitutes_as_the_original():
    # a column gap (its second branch opens with a lookbehind) and a clause's subject (every
    # branch of its opening group a lookbehind): the guard sits before them, zero-width
    gap = re.compile(r"\t+|(?<![.!?])\s{2,}")
    lead = re.compile(r"(?:(?<=^)|(?<=[.,]\s)|(?<=\band\s))(?:i|we|it)(?:'s)?\s+", re.I)
    texts = ["Qty  Item\tSize", "Done.  Next  cell", "We left it, and it's stuck. It leaks", ""]
    for pattern in (gap, lead):
        fast = guarded(pattern)
        assert fast is not pattern and fast.pattern.startswith("(?=")
        for text in texts:
            assert fast.split(text) == pattern.split(text)
            assert fast.sub("", text) == pattern.sub("", text)
