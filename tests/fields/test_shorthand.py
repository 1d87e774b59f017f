"""Reader `shorthand`: a busy writer's run of short labels, each followed by its value."""

from __future__ import annotations

import pytest

from tests.fields.helpers import message, quote


def test_a_run_of_short_labels_and_values_on_one_line(extractor):
    text = (
        "bvr elm st reno is a go, 9 casements 30x48 white dbl pane. "
        'fac 53 opp "Elm St Reno" proj stg 25 cls end of dec amt approx 14k'
    )
    got = quote(extractor, message(text))
    assert got["factor"] == "0.53"
    assert got["stage"] == "Funding"
    assert got["close_date"] == "2026-12-31"
    assert got["amount"] == "14000.00"
    assert got["opportunity_type"] == "Project"


def test_bare_picklist_words_after_a_short_labels_value(extractor):
    got = quote(extractor, message("Bow Valley, 9 casements 30x48. FX .46 STD SUBM, close 3/12"))
    assert got["factor"] == "0.46"
    assert got["opportunity_type"] == "Standard"
    assert got["stage"] == "Submissions"


def test_a_short_labelled_factor_and_the_one_it_replaces(extractor):
    got = quote(extractor, message("fyi bvr came back - fac 47 not 50. rest same"), reply=True)
    assert got["factor"] == "0.47"


@pytest.mark.parametrize(
    "text",
    [
        "Bow Valley, 9 casements 30x48. prob 25 days out on the install",
        "Bow Valley, 9 casements 30x48. stg 25 guys on site monday",
    ],
)
def test_a_short_label_whose_words_are_no_value_says_nothing(extractor, text):
    got = quote(extractor, message(text))
    assert "stage" not in got
