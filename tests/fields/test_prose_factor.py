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
