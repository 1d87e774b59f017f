"""Reader `prose_quote`: a factor said in a sentence, its word after the number."""

from __future__ import annotations

import pytest

from tests.fields.helpers import message, quote


@pytest.mark.parametrize(
    ("sentence", "factor"),
    [
        ("use 52 on the factor", "0.52"),
        ("use .47 for the multiplier", "0.47"),
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
