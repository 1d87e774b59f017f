"""Folding text for comparison, and the values that say a field is not known yet."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Case-, accent-, punctuation- and space-insensitive form used for every comparison.

    "Projet avec installation", "PROJET  avec-installation" and "projet avec installation"
    all fold to the same key, so synonym tables can be written once in plain lower case.
    Cached: picklist values and synonyms are folded again on every comparison.
    """
    if not text.isascii():  # (ASCII has no decompositions and no combining marks)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[^\w/+]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


# Values that people write in a field to say they do not know it yet. They give no field.
# Whole-value placeholders: "No" alone says nothing, but "No screens needed" is a value.
_NO_VALUE_WHOLE = re.compile(
    r"^(?:n\s*/\s*a|n\.a\.?|none|nil|nothing|no|na|unknown|pending|blank|tbd|tba|tbc|"
    r"aucune?|s\.?\s*o\.?|sans objet|inconnu|neant|néant|[-–—?.\s]*)$",
    re.IGNORECASE,
)
# Placeholders that may carry an explanation: "TBD - new account", "will confirm with Lena".
_NO_VALUE_PREFIX = re.compile(
    r"^(?:tbd|tba|tbc|t\.b\.[dac]\.?|to be (?:confirmed|determined|advised|decided)|"
    r"to (?:confirm|follow|come)|will (?:confirm|advise|follow|send|update|let (?:you|u) know)|"
    r"not (?:yet )?(?:known|decided|sure|set|confirmed)|waiting (?:on|for)|pending|"
    # "dunno yet, will know after i see the dealer Thurs"
    r"(?:dunno|idk|no idea|(?:i )?don'?t know|not sure)(?: yet)?\b|"
    # "checking w/ them if install is incl, will confirm": a value still being decided
    r"(?:still )?(?:checking|confirming) (?:w/|with) (?:them|him|her|the \w+|\w+)|"
    r"still (?:checking|deciding|confirming|figuring|tbd|tbc|tba|unknown)|"
    r"à (?:confirmer|venir|déterminer)|a (?:confirmer|venir|determiner)|"
    r"(?:none|n\s*/\s*a|unknown)(?=\s*[-–—,;:(.])|"
    # "?? (Priya to confirm whether install is included)": the question marks, then why
    r"\?+(?=\s*[-–—,;:(]))(?:\W|$)",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def is_no_value(text: str) -> bool:
    """True for "n/a", "none", "TBD - new account", "will confirm with Lena", "-", "".

    A label followed by one of these gives no field, so the bot asks for it rather than
    storing the placeholder as if it were the value. Memoised: each picklist asks it of
    the same clause in turn.
    """
    value = text.strip().strip(".:;,").strip()
    return not value or bool(_NO_VALUE_WHOLE.match(value) or _NO_VALUE_PREFIX.match(value))
