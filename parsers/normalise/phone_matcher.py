"""libphonenumber's matcher without the parsing of candidates too short to be a number.

The matcher takes every run of digits and punctuation in a line as a candidate and parses
it, and parts of it, with the full parser (country codes, prefixes, an exception for most).
In a line of headers, logs or a table most candidates are dates, times, versions and ids of
a few digits: in the corpus nine in ten candidates hold six digits or fewer, and none of
them is ever a number. `FastMatcher` answers "no number" for such a candidate at once and
leaves everything else to the library, so it finds exactly the numbers the matcher finds.

Why six characters can be no number, for a North American region at `POSSIBLE` leniency
(the only case `matcher` speeds up): a match needs `is_possible_number`, so a number of
the region has at least seven digits (its shortest possible length); one dialled abroad
without "+" starts with the international prefix "011", a country code and a national
number of four digits or more (the shortest of any region), eight or more. Only a "+" lets
fewer digits through ("+49 1234"), and a candidate with one is parsed as before. Letters are
counted with the digits: a vanity number's letters become digits when parsed.

The override is at `_parse_and_verify`, the one step that parses: the matcher's own search
and its count of tries go on as before, so which candidates it tries, and in what order,
does not change.
"""

from __future__ import annotations

from typing import Any

import phonenumbers

# Fewer letters and digits than this, and no plus sign: no possible North American number.
SHORTEST_NANP_CANDIDATE = 7
_PLUS_SIGNS = ("+", "\uff0b")  # the plus signs libphonenumber reads as one


def too_short(candidate: str) -> bool:
    """No possible North American number can be read from `candidate` (see the module doc)."""
    if any(plus in candidate for plus in _PLUS_SIGNS):
        return False
    return sum(map(str.isalnum, candidate)) < SHORTEST_NANP_CANDIDATE


class FastMatcher(phonenumbers.PhoneNumberMatcher):
    """`PhoneNumberMatcher` for a North American region at `POSSIBLE` leniency that skips
    the parse of candidates too short to be a number."""

    def _parse_and_verify(self, candidate: str, offset: int) -> Any:
        if too_short(candidate):
            return None  # what the parse would end in: no possible number
        return super()._parse_and_verify(candidate, offset)


def matcher(text: str, region: str) -> phonenumbers.PhoneNumberMatcher:
    """The matcher of possible numbers in `text`: `FastMatcher` where its shortcut holds
    (a region of country code 1), else libphonenumber's own."""
    leniency = phonenumbers.Leniency.POSSIBLE
    if phonenumbers.country_code_for_region(region) == 1:
        return FastMatcher(text, region, leniency=leniency)
    return phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency)
