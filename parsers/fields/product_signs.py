"""Whether a piece of prose names products when no quantity stands before a product word.

Shorthand names products by a product word ("pkg", "csmt"), a series or plan code ("S2000",
"NM-2840", "Series 3000"), a count of some ("x5"), a size or a glass word. One such sign
alone is too often something else ("the window", "S2000 is late"); two are products. Both
the last reader's guess at the specs (`fallback`) and the opportunity clause, which must
tell where a name ends and its products begin (`values.opportunity`), ask this.
"""

from __future__ import annotations

import re

from intake.parsers.cues import cued
from intake.parsers.fields.lexicon import PRODUCT_NOUNS
from intake.parsers.fields.patterns import _DIMENSION, _META, _SPEC_WORDS
from intake.parsers.first_chars import guarded

# (matched on the lower-cased piece: an alternation of words under IGNORECASE loses the
# regex engine's literal scan, several times slower on every piece of every request)
_PRODUCT_WORD = cued(
    guarded(
        re.compile(
            r"\b(?:"
            + "|".join(sorted((re.escape(n.lower()) for n in PRODUCT_NOUNS), key=len, reverse=True))
            + r"|pkg|line|series|glass)(?:e?s)?\b"
        )
    )
)
_PRODUCT_CODE = cued(
    guarded(
        re.compile(
            r"(?<![\w-])(?!(?:acc|po|ref|inv|ph|lot|cls|stg|fx|pt)\b|(?:acc|po|ref|inv|case)-?\d)"
            r"(?:[a-z]{1,3}-?\d{2,4}[a-z]?|series\s?\d{2,4}|x\s?\d{1,3})(?![\w-])"
        )
    )
)
# "takeoff TBD", "as soon as I get it", "don't have the sizes yet": the products are still
# to come (the sender's own follow-ups, "I'll send the line list", are `_META`'s)
_STILL_TO_COME = cued(
    guarded(
        re.compile(r"\b(?:tb[ad]|as soon as|once (?:i|we) (?:have|get)|(?:don'?t|do not) have)\b")
    )
)
# How many signs make a piece of prose a naming of products
PRODUCT_SIGNS = 2


def counted_signs(text: str, enough: int = PRODUCT_SIGNS) -> int:
    """The signs of products in `text`, up to `enough`, whatever else it says (a whole
    request has fewer than two only if none of its pieces has two)."""
    return _counted(text, text.lower(), enough)


def product_signs(piece: str, enough: int = PRODUCT_SIGNS) -> int:
    """How many times a piece of prose names a product, counted up to `enough` (all a
    caller asks is whether it reaches that); none when they are still to come."""
    low = piece.lower()
    signs = _counted(piece, low, enough)
    if not signs or _STILL_TO_COME.search(low) or _META.search(piece):
        return 0
    return signs


def _counted(text: str, low: str, enough: int) -> int:
    signs = 0
    for pattern in (_PRODUCT_CODE, _DIMENSION, _PRODUCT_WORD):
        for _ in pattern.finditer(low):
            signs += 1
            if signs >= enough:
                return signs
    # ("the same job as my last email": "same" says nothing of a product by itself)
    signs += sum(w.lower() != "same" for w in _SPEC_WORDS.findall(text))
    return min(signs, enough)


def names_products(piece: str) -> bool:
    """The piece names products twice over."""
    return product_signs(piece) >= PRODUCT_SIGNS
