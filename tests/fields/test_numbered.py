"""Reader `numbered`: the numbered six-item quote form, items read by position."""

from __future__ import annotations

import io

import docx

from intake.parsers.message import Attachment
from tests.fields.helpers import message, quote

NUMBERED = """Hi team,

Please quote the following.

1. Account name: Bow Valley Renovations
2. Product specs:
   - 6 x casement, 30" x 48", triple pane, Low-E, argon, white
   - 2 x awning, 24" x 20", triple pane, Low-E, argon, white
3. Factor: 0.5
4. Opportunity
   Name: BVR - Lakeview Bungalow
   Type: Project w/ installation
   Stage: Funding
   Close date: 2026-12-11
5. Special instructions: Remove and dispose of the old units.
6. Attachments: none
"""


def test_numbered_six_items_with_opportunity_block(extractor):
    got = quote(extractor, message(NUMBERED))
    assert got["account"] == "Bow Valley Renovations"
    assert got["account_id"] == "ACC-1004"
    assert got["product_specs"] == (
        '6 x casement, 30" x 48", triple pane, Low-E, argon, white; '
        '2 x awning, 24" x 20", triple pane, Low-E, argon, white'
    )
    assert got["factor"] == "0.50"
    assert got["opportunity_name"] == "BVR - Lakeview Bungalow"
    assert got["opportunity_type"] == "Project w/ installation"
    assert got["stage"] == "Funding"
    assert got["close_date"] == "2026-12-11"
    assert got["special_instructions"] == "Remove and dispose of the old units."
    assert "attachments" not in got  # "Attachments: none" and no real attachment


def test_numbered_items_without_labels_are_read_by_position(extractor):
    text = """1. Account: Aspen and Oak
2. Specs: 10 x awning 36x24, dual pane, white
3. Factor: will confirm
4. Aspen & Oak - Spring Stock / Standard / Basic Qualification / close date TBD
5. Ship with the March truck.
6. Stock list attached."""
    got = quote(extractor, message(text))
    assert got["account"] == "Aspen & Oak Dealers Co."
    assert got["opportunity_name"] == "Aspen & Oak - Spring Stock"
    assert got["opportunity_type"] == "Standard"
    assert got["stage"] == "Basic Qualification"
    assert got["special_instructions"] == "Ship with the March truck."
    assert "factor" not in got and "close_date" not in got


def test_numbered_product_list_is_not_the_quote_form(extractor):
    text = """Account: Ridgeline
Factor: 0.48

1. 10 casements 30x48, triple, white
2. 4 awnings 30x20, triple, white
3. 2 patio doors 72x80
4. 1 entry door 36x80, fibreglass
"""
    got = quote(extractor, message(text))
    assert got["account"] == "Ridgeline Custom Builds Ltd."  # item 1 is not an account
    assert "opportunity_name" not in got  # item 4 is not an opportunity
    assert got["product_specs"] == (
        "10 casements 30x48, triple, white; 4 awnings 30x20, triple, white; "
        "2 patio doors 72x80; 1 entry door 36x80, fibreglass"
    )


def test_numbered_item_with_an_unknown_label_is_read_by_position(extractor):
    text = """1. Customer: Harbourfront
2. Windows/doors: 12 casements 24x60 triple
3. Pricing multiplier: 0.50
4. Opp name/type/stage/close: HFD - Pier 7 / Project / Funding / Jan 29
5. Notes: call the site super a day ahead"""
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "HFD - Pier 7"
    assert got["opportunity_type"] == "Project"
    assert got["stage"] == "Funding"
    assert got["close_date"] == "2027-01-29"


def test_two_numbered_items_side_by_side_on_one_line(extractor):
    text = (
        "1. Ridgeline\n2. 4 casement 30x48 triple white      3. .52\n"
        "4. Ridgeline - Elbow Drive Reno, Standard, Funding, 12/15/2026\n5. none\n"
    )
    got = quote(extractor, message(text))
    assert got["product_specs"] == "4 casement 30x48 triple white"
    assert got["factor"] == "0.52"
    assert got["opportunity_name"] == "Ridgeline - Elbow Drive Reno"


# Item 4 split into lettered sub-items, one field each, as a form in Word lays it out.
LETTERED = [
    ("1. Account", "Bow Valley"),
    ("2. Product specs", "5 x double hung 28x54, dual pane, almond"),
    ("3. Factor", "53"),
    ("4a. Opportunity name", "BVR - Ogden Bungalow Windows"),
    ("4b. Type", "Project"),
    ("4c. Stage", "Submissions"),
    ("4d. Close date", "Dec 2"),
    ("5. Special instructions", "almond interior trim kits"),
]
WANT = {
    "account": "Bow Valley Renovations",
    "factor": "0.53",
    "opportunity_name": "BVR - Ogden Bungalow Windows",
    "opportunity_type": "Project",
    "stage": "Submissions",
    "close_date": "2026-12-02",
    "special_instructions": "almond interior trim kits",
}


def test_lettered_sub_items_are_their_items_fields(extractor):
    text = "\n".join(f"{label}: {value}" for label, value in LETTERED)
    got = quote(extractor, message(text))
    assert {name: got.get(name) for name in WANT} == WANT


def test_lettered_sub_items_in_a_word_form(extractor):
    """The same form as a two-column table in an attached .docx, the body only a note."""
    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    for label, value in LETTERED:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    out = io.BytesIO()
    document.save(out)
    form = Attachment(
        "quote_form.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        out.getvalue(),
    )
    got = quote(extractor, message("Form attached.", attachments=(form,)))
    assert {name: got.get(name) for name in WANT} == WANT


def test_a_numbered_list_in_the_writers_own_words(extractor):
    """An AM's own labels for the form's items: "Deal type" carrying type and record type,
    the stage as "Win %", the products under "What we're quoting"."""
    text = (
        "New one for Ridgeline:\n"
        "1. Job name: Ridgeline - Aspen Ridge Lot 7\n"
        "2. Customer: Ridgeline Custom\n"
        "3. Deal type: Project / Single\n"
        "4. Win %: 50\n"
        "5. Target close: Dec 29\n"
        "6. Mult: .57\n"
        "7. What we're quoting:\n"
        "   - 14 casements 30x60, triple pane, black ext / white int\n"
        "   - 2 picture units 72x60, triple pane\n"
    )
    got = quote(extractor, message(text))
    assert (got["opportunity_type"], got["record_type"]) == ("Project", "Single")
    assert got["stage"] == "Submissions"
    assert got["product_specs"] == (
        "14 casements 30x60, triple pane, black ext / white int; 2 picture units 72x60, triple pane"
    )
    assert (got["factor"], got["close_date"]) == ("0.57", "2026-12-29")
