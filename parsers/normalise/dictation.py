"""Dictated text: words a phone's dictation writes for digits, marks and ordinals."""

from __future__ import annotations

import re

from intake.parsers.cues import cued
from intake.parsers.first_chars import guarded
from intake.parsers.normalise.dates import _MONTHS_EN
from intake.parsers.normalise.numbers import _ONES

_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_ORDINAL_SAID = r"(?:(?P<tens>twenty|thirty)[\s-]+)?(?P<ord>" + "|".join(_ORDINAL_WORDS) + r")"
_MONTH_THEN_ORDINAL = cued(
    guarded(
        re.compile(
            r"\b(?P<month>" + "|".join(_MONTHS_EN) + r")\s+(?:the\s+)?" + _ORDINAL_SAID + r"\b",
            re.IGNORECASE,
        )
    )
)
# "close date the twentieth", "due by the third": a day said with no month, after what says
# it is a date (elsewhere "the second window" is a window)
_DATE_CUE_THEN_ORDINAL = cued(
    guarded(
        re.compile(
            r"\b(?P<cue>(?:close|closing)(?:\s+date)?(?:\s+is)?|due(?:\s+by)?|by)\s+the\s+"
            + _ORDINAL_SAID
            + r"\b",
            re.IGNORECASE,
        )
    )
)
# "point four nine", and "point 5 2" where the phone wrote each spoken digit as a figure
_POINT_DIGITS = cued(
    guarded(
        re.compile(
            r"(?<![\w.])point((?:\s+(?:" + "|".join(_DIGIT_WORDS) + r"|\d(?![\d,]|\.\d))\b){1,3})",
            re.IGNORECASE,
        )
    )
)
# "seven eight zero five five five zero one two seven": a number said digit by digit (a
# phone's seven to eleven digits, never fewer: "two of the ..." is a count)
_DIGIT_SAID = "(?:" + "|".join(_DIGIT_WORDS) + ")"
_DIGIT_RUN = cued(
    guarded(re.compile(rf"\b{_DIGIT_SAID}(?:[\s-]+{_DIGIT_SAID}){{6,10}}\b", re.IGNORECASE))
)
# "BVR dash Elbow Drive": a spoken dash between two words, the second capitalised
_SPOKEN_DASH = cued(re.compile(r"(?<=\w)\s+dash\s+(?=[A-Z0-9])"))
# "... on the casements period thanks Priya": a spoken full stop before a sign-off or at the end
_SPOKEN_PERIOD = cued(
    guarded(
        re.compile(r"\s+period(?=\s+(?:thanks|thank you|thx|cheers|regards)\b|\s*$)", re.IGNORECASE)
    )
)


def from_speech(text: str) -> str:
    """Dictated words written as typed: "point five two" -> ".52", "December fifteenth" ->
    "December 15", "seven eight zero five five five ..." -> "780555...", "BVR dash Elbow
    Drive" -> "BVR - Elbow Drive", "... casements period thanks" -> "... casements. thanks".
    Anything else is left as it is."""

    def ordinal(m: re.Match[str]) -> str:
        day = _day_number(m)
        return m.group(0) if day is None else f"{m['month']} {day}"

    text = _MONTH_THEN_ORDINAL.sub(ordinal, text)
    text = _DATE_CUE_THEN_ORDINAL.sub(_day_said, text)
    text = _POINT_DIGITS.sub(_point_in_digits, text)
    text = _DIGIT_RUN.sub(_digits, text)
    text = _SPOKEN_DASH.sub(" - ", text)
    text = _FACTOR_IN_WORDS.sub(_factor_in_digits, text)
    text = _PERCENT_IN_WORDS.sub(_percent_in_digits, text)
    return _SPOKEN_PERIOD.sub(".", text)


def _day_number(m: re.Match[str]) -> int | None:
    """The day an ordinal said in words names ("thirty first" -> 31), or None past 31."""
    day = _ORDINAL_WORDS[m["ord"].lower()]
    if m["tens"]:
        if day > 9:
            return None
        day += 20 if m["tens"].lower() == "twenty" else 30
    return day if day <= 31 else None


def _day_said(m: re.Match[str]) -> str:
    day = _day_number(m)
    if day is None:
        return m.group(0)
    suffix = "th" if 10 < day < 14 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{m['cue']} the {day}{suffix}"


def _digits(m: re.Match[str]) -> str:
    return "".join(_DIGIT_WORDS[w.lower()] for w in re.split(r"[\s-]+", m.group(0)))


def _point_in_digits(m: re.Match[str]) -> str:
    """ ".49" for "point four nine" or "point 4 9"; a lone figure ("point 3 of the list") is
    a point made, not a decimal said, and is left."""
    said = m.group(1).split()
    if len(said) == 1 and said[0].isdigit():
        return m.group(0)
    return "." + "".join(_DIGIT_WORDS.get(w.lower(), w) for w in said)


# "factor fifty four": a factor said as a whole number in words (the number words of
# amounts, `_ONES`: its tens twenty to ninety, then one to nine)
_TENS = [w for w, n in _ONES.items() if n >= 20]
_UNITS = [w for w, n in _ONES.items() if 1 <= n <= 9 and w not in ("a", "an")]
_FACTOR_IN_WORDS = cued(
    guarded(
        re.compile(
            r"\b(?P<label>factor|fctr|multiplier)(?P<cue>\s+(?:of|is|at)\s+|\s+)"
            rf"(?P<tens>{'|'.join(_TENS)})(?:[\s-](?P<units>{'|'.join(_UNITS)}))?\b",
            re.IGNORECASE,
        )
    )
)


def _tens_and_units(m: re.Match[str]) -> int:
    """ "fifty four" -> 54: a match's `tens` and optional `units` words."""
    return _ONES[m["tens"].lower()] + (_ONES[m["units"].lower()] if m["units"] else 0)


def _factor_in_digits(m: re.Match[str]) -> str:
    return f"{m['label']}{m['cue']}{_tens_and_units(m)}"


# "stage ninety percent": a probability said in words
_PERCENT_IN_WORDS = cued(
    guarded(
        re.compile(
            rf"\b(?P<tens>{'|'.join(_TENS)})(?:[\s-](?P<units>{'|'.join(_UNITS)}))?\s+per\s?cent\b",
            re.IGNORECASE,
        )
    )
)


def _percent_in_digits(m: re.Match[str]) -> str:
    return f"{_tens_and_units(m)}%"
