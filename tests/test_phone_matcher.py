"""parsers/normalise/phone_matcher.py: the matcher that skips short candidates finds exactly
what libphonenumber's matcher finds."""

from __future__ import annotations

import itertools

import phonenumbers
import pytest

from intake.parsers.normalise.phone_matcher import FastMatcher, matcher, too_short

TEXTS = [
    "Call 403-555-0199 or (780) 555-0164 ext. 12 after 3:30 on 2024-11-05",
    "Received: from mx1 (192.0.2.3) by mx2 with SMTP id 15.1.2; 4 Nov 1999 21:42:35 -0000",
    "Mobile: +39 335 7368459, office +49 1234, local 555-1234",
    "items 1/2 3/4 12 x 48, PO 2291, SO-558213, 1-800-FLOWERS, 587 555 0119 2207 Erin Dr",
    "tel ４０３ ５５５ ０１９９ and +1 403 555 0100 x 44",
]


def _found(m: phonenumbers.PhoneNumberMatcher) -> list[tuple[int, int, str]]:
    return [(x.start, x.end, phonenumbers.format_number(x.number, 0)) for x in m]


@pytest.mark.parametrize("text", TEXTS)
def test_it_finds_what_the_library_matcher_finds(text: str) -> None:
    plain = phonenumbers.PhoneNumberMatcher(text, "CA", leniency=phonenumbers.Leniency.POSSIBLE)
    assert _found(matcher(text, "CA")) == _found(plain)


def test_only_a_north_american_region_gets_the_shortcut() -> None:
    assert isinstance(matcher("x", "CA"), FastMatcher)
    assert isinstance(matcher("x", "US"), FastMatcher)
    assert not isinstance(matcher("x", "DE"), FastMatcher)  # "030 1234" is a number there


def test_short_candidates_are_told_apart() -> None:
    assert too_short("21:42:35") and too_short("2024-11") and too_short("(403) 55")
    assert not too_short("555-1234")  # seven digits: a local number
    assert not too_short("+49 1234")  # a plus lets a short foreign number through
    assert not too_short("1-800-FLOW")  # letters of a vanity number count


def test_no_short_candidate_is_a_possible_number_for_the_library() -> None:
    # the shortcut's premise, checked against the library itself: every shape of six
    # digits or fewer, with the prefixes that change how it is parsed, parses to nothing
    library = phonenumbers.PhoneNumberMatcher("", "CA", leniency=phonenumbers.Leniency.POSSIBLE)
    shapes = []
    for length in range(1, 7):
        for lead in ("", "0", "1", "011", "01", "00"):
            digits = (lead + "4035550199")[:length]
            shapes += [digits, "-".join(digits), f"({digits[:3]}) {digits[3:]}"]
    for shape, tail in itertools.product(shapes, ("", " ext 9")):
        candidate = (shape + tail).strip()
        if too_short(candidate):
            assert library._parse_and_verify(candidate, 0) is None, candidate
