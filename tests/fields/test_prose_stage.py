"""Reader `prose_quote`: the stage said in a sentence."""

from __future__ import annotations

import pytest

from tests.fields.helpers import message, quote


@pytest.mark.parametrize(
    ("sentence", "stage"),
    [
        (
            "They're ready to go, so I have it at Approvals and expect to close on the 5th.",
            "Approvals",
        ),
        ("Priya has it at 50% and expects to close by the end of October.", "Submissions"),
        ("I have it at 100 units for now.", None),  # a count, no stage
    ],
)
def test_where_the_writer_has_the_opportunity(extractor, sentence, stage):
    text = f"Bow Valley, factor .54, 3 casements 30x48.\n{sentence}"
    assert quote(extractor, message(text)).get("stage") == stage


def test_a_name_in_quotes_after_put_it_under(extractor):
    text = "Please put it under “BVR - Lakeview Basement Suite”, Project w/ installation, Single."
    assert quote(extractor, message(text))["opportunity_name"] == "BVR - Lakeview Basement Suite"
