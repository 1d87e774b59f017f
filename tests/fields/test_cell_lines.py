"""Reader `cell_lines`: a line of picklist cells with no label in front."""

from __future__ import annotations

import pytest

from tests.fields.helpers import message, quote

REQUEST = "Hi team,\n\nNew one for Ridgeline Custom: 12 casements 30x54 white.\n\n{line}\n\nAlex"


@pytest.mark.parametrize(
    ("line", "stated"),
    [
        ("Std / Single / Submissions", ("Standard", "Single", "Submissions")),
        (
            "Factor 56%. Single / Project w/ installation / Approvals (90). Close 30 April.",
            ("Project w/ installation", "Single", "Approvals"),
        ),
        ("Project | Non-Forecast Quote | 25%", ("Project", "Non-Forecast Quote", "Funding")),
        # a label without a colon in front, a comment after a cell, cells set apart by commas
        ("Type Standard / Account Monthly / Approvals", ("Standard", "Account Monthly",
                                                         "Approvals")),
        ("std, single, 5% (just qualifying), close june 16", ("Standard", "Single",
                                                              "Basic Qualification")),
    ],
)  # fmt: skip
def test_a_line_of_picklist_cells_gives_each_value(extractor, line, stated):
    got = quote(extractor, message(REQUEST.format(line=line)))
    assert (got.get("opportunity_type"), got.get("record_type"), got.get("stage")) == stated


@pytest.mark.parametrize(
    "line",
    [
        "sizes 30x48 / 36x60, white / black",  # slashes in a sentence of specs
        "Single / Standard / they will tell me the stage Friday",  # a cell that is no value
        "Submissions / Approvals",  # two stages: still being decided
        "Standard, 50% (maybe), and they will tell me Friday",  # a clause that is no value
    ],
)
def test_a_line_that_is_not_all_values_gives_no_stage(extractor, line):
    assert "stage" not in quote(extractor, message(REQUEST.format(line=line)))
