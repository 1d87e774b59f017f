"""Phone numbers: found in running text and written in E.164."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from intake.parsers.first_chars import guarded
from intake.parsers.normalise.phone_matcher import matcher


def normalise_phone(text: str, region: str = "CA") -> str | None:
    """A phone number in E.164 ("+14035550199"), its extension left out; None if there is none.

    "(780) 555-0164", "403 555 0193", "780-555-0175 (ext. 2 at the gate)" all work: the first
    number found in the text is taken, so a label value with a comment around it is fine.
    """
    found = find_phones(text, region)
    if found:
        return found[0][0]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# (from a run's start only: the same runs, where trying every position inside a shorter one
# cost a count to its end from each)
_LONG_RUN = re.compile(r"(?<!\S)\S{40,}")


def blank_long_runs(text: str) -> str:
    """`text` with every run of 40+ non-space characters (encoded data, URLs, hashes) turned
    into spaces of the same length: no name or phone is in one, and regex and tokenizer work
    on them grows fast, so they are skipped while offsets stay those of `text`."""
    return _LONG_RUN.sub(lambda m: " " * len(m.group(0)), text)


_SEVEN_DIGITS = guarded(re.compile(r"(?:\d\D{0,4}){6}\d"))  # (first_chars)
# In North America a number one can dial from anywhere has ten digits (an area code, then
# seven), and only such numbers are kept (see _line_phones); the matcher need not see less.
_TEN_DIGITS = guarded(re.compile(r"(?:\d\D{0,4}){9}\d"))  # (first_chars)


@lru_cache(maxsize=16)
def _enough_digits(region: str) -> re.Pattern[str]:
    return _TEN_DIGITS if phonenumbers.country_code_for_region(region) == 1 else _SEVEN_DIGITS


def find_phones(text: str, region: str = "CA") -> list[tuple[str, int, int]]:
    """Every phone number in running text as (E.164, start, end), in order of appearance.

    libphonenumber's matcher is slow on long texts full of digits (logs, tables, encoded
    junk), so it only sees the lines that hold as many digits as a number of the region can
    (ten in North America, else seven); a number never spans lines.
    A fresh list each call: the memo behind it is shared.
    """
    return list(_text_phones(text, region))


# What str.splitlines ends a line at (one break per line, "\r\n" counted as one).
_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@lru_cache(maxsize=4096)
def _text_phones(text: str, region: str) -> tuple[tuple[str, int, int], ...]:
    """find_phones, memoised: one message's text is asked for its phones by several readers
    (the caller's phone, the address scan, each sentence of the description)."""
    # Most texts asked hold no seven digits at all, and then no line of them does: a long
    # run is blanked whole, bounded by spaces, so a match on a blanked line is never in
    # one and is the same characters in `text`.
    enough = _enough_digits(region)
    if not enough.search(text):
        return ()
    out: list[tuple[str, int, int]] = []
    offset = 0
    for line in blank_long_runs(text).splitlines(keepends=True):
        if enough.search(line):
            # asked without its line break, which no number includes: a sentence cut from
            # a line and the line itself then share one memo entry
            body = line.rstrip(_LINE_BREAKS)
            out.extend((e164, offset + s, offset + e) for e164, s, e in _line_phones(body, region))
        offset += len(line)
    return tuple(out)


# A North American number written 3-3-4 with separators, which libphonenumber's matcher
# misses when more digits follow on the line ("587 555 0119 2207 Erin Woods Dr").
_NANP_SHAPE = re.compile(r"(?<![\d-])(?:\+?1[\s.-])?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\d-])")


_DIALLABLE = phonenumbers.ValidationResult.IS_POSSIBLE
# A fraction of an inch ("1/2", "3/4", "5/16") as sizes are written
_INCH_FRACTION = re.compile(r"(?<![\d/])\d{1,2}/(?:2|4|8|16|32)(?![\d/])")


@lru_cache(maxsize=4096)
def _line_phones(line: str, region: str) -> tuple[tuple[str, int, int], ...]:
    found = [
        (phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164), m.start, m.end)
        for m in matcher(line, region)
        # a number one can dial from anywhere: seven digits with no area code ("5316 112
        # Street NW" is a street address) are possible only as a local number
        if phonenumbers.is_possible_number_with_reason(m.number) == _DIALLABLE
        # "(23-1/2 x 47-1/2) - 11": sizes in inches and fractions are no number to call
        and not _INCH_FRACTION.search(m.raw_string)
    ]
    for m in _NANP_SHAPE.finditer(line):
        if any(s < m.end() and m.start() < e for _, s, e in found):
            continue
        try:
            number = phonenumbers.parse(m.group(0), region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            found.append((e164, m.start(), m.end()))
    return tuple(sorted(found, key=lambda x: x[1]))
