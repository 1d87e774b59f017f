"""Reader `prose_numbers`: the close date said in a sentence."""

from __future__ import annotations

import pytest

from tests.fields.helpers import message, quote


@pytest.mark.parametrize(
    ("sentence", "close"),
    [
        # a second-language writer's verb, the period over a hard wrap
        ("the closing is foreseen at the end of the first\nquarter 2027.", "2027-03-31"),
        ("Closing is planned for March 3.", "2027-03-03"),
        ("close is scheduled for the 20th of January", "2027-01-20"),
    ],
)
def test_a_close_date_foreseen_planned_or_scheduled(extractor, sentence, close):
    text = (
        "Hello team,\nHere is the demand for Prairie Crest. The opportunity is named\n"
        f'"PCH - Sage Hill Ph3", it is a Project. The stage is Funding, {sentence}\n'
        "The factor is 0,51."
    )
    assert quote(extractor, message(text))["close_date"] == close
