"""Readers `prose_numbers`, `prose_corrections` and `prose_instructions`: a factor, a correction
or an instruction said in a sentence."""

from __future__ import annotations

import pytest

from tests.fields.helpers import message, quote


@pytest.mark.parametrize(
    ("sentence", "factor"),
    [
        ("use 52 on the factor", "0.52"),
        ("use .47 for the multiplier", "0.47"),
        ("price it at a .5 factor", "0.50"),
        ("we agreed 48% as the pricing factor", "0.48"),
        ("2 on the factor", None),  # no factor is a 2
    ],
)
def test_the_number_first_and_the_factor_word_after_it(extractor, sentence, factor):
    text = (
        "Morning team, can I get a quote for Prairie Crest, opp is PCH - Sage Hill Ph2, "
        f"they're at Funding, {sentence}, takeoff attached, thanks Alex"
    )
    assert quote(extractor, message(text)).get("factor") == factor


def test_a_postscript_after_the_sign_off_corrects_the_labelled_factor(extractor):
    """ "PS ... she approved .51 for Clearview on all spring orders, so use .51 not .53": the
    note written after the sign-off is the request's, and its factor beats the label's."""
    text = (
        "Morning team,\nPls quote 8 x casement 24x48, dual pane.\nFactor .53\n"
        "Opp: Clearview - Sylvan Lake Cabin Package\n\nThanks\nDan\n\n"
        "PS just saw Lena's note from Friday - she approved .51 for Clearview on\n"
        "all spring orders, so use .51 not .53."
    )
    msg = message(text, from_name="Dan Schultz", from_addr="dan.schultz@example.com")
    assert quote(extractor, msg)["factor"] == "0.51"


def test_a_correction_inside_a_run_on_request_corrects_only_its_clause(extractor):
    """One long sentence carrying the whole request: "factor 51, actually make that 50" is
    the factor; the close date and the meeting day said later in it are no correction."""
    text = (
        "Morning team, PCH wants a price on a triple pane upgrade for the Saddleback Ph2 "
        "showhomes, 3 x (14 casements 24x48, 3 basement sliders 36x24), colours white/white, "
        "factor 51, actually make that 50, Lena ok'd it last night, opp PCH - Saddleback Ph2 "
        "Upgrade, Standard, Submissions, close July 29, and I need this by tomorrow noon if "
        "at all possible since their meeting is Thursday morning. Thanks Alex"
    )
    got = quote(extractor, message(text))
    assert (got["factor"], got["close_date"]) == ("0.50", "2027-07-29")


def test_a_sentence_saying_where_things_are_is_no_instruction(extractor):
    """ "Mark's list is below and his measure sheet is attached" points; it asks nothing."""
    text = (
        "Priya's account, she's on the road today. Factor .55, opp BVR - 14 Aspen Cres Reno, "
        "Standard, Submissions, close June 10.\nMark's list is below and his measure sheet is "
        "attached.\n"
    )
    assert "special_instructions" not in quote(extractor, message(text))


@pytest.mark.parametrize(
    ("line", "factor"), [("BVR, .5, Standard / Single", "0.50"), ("gap is .5 in", None)]
)
def test_a_lone_decimal_with_one_place_is_the_factor_to_check(extractor, line, factor):
    """ "Quote pls - BVR, .5, Standard / Single, close July 20": the only decimal below one is
    the factor (to check), a size is not."""
    assert quote(extractor, message(f"Quote pls - {line}, close July 20.")).get("factor") == factor
