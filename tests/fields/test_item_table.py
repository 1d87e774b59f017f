"""Reader aid `item_table`: a pasted table of items and details, cells of several lines."""

from __future__ import annotations

from intake.parsers.fields import item_table
from tests.fields.helpers import message, quote

# The six items of the quote form as a plain-text table: a number column, the item's name,
# and its detail, some details running over several lines under an empty item cell.
NUMBERED_TABLE = """Morning,

Aspen & Oak's lake cabin, details below.

 No. | Item               | Detail
-----+--------------------+---------------------------------
 1   | Account            | Aspen and Oak
 2   | Product specs      | 8 x casement 30x60 triple pane, bronze
     |                    | 3 x awning 30x20 triple pane, bronze
     |                    | 1 x garden door 60x80, bronze
 3   | Factor             | .51
 4   | Opportunity        | A&O - Sylvan Lake Cabin
     |                    | Type: Project / Stage: Funding / Close: 18-Dec-2026
 5   | Special instr.     | Call the site lead before the truck leaves,
     |                    | the lane is gravel and narrow.
 6   | Attachments        | elevations (pdf)

Cheers
"""


def test_a_numbered_table_of_items_is_read_as_the_form(extractor):
    got = quote(extractor, message(NUMBERED_TABLE))
    assert got["account"] == "Aspen & Oak Dealers Co."
    assert got["product_specs"] == (
        "8 x casement 30x60 triple pane, bronze; 3 x awning 30x20 triple pane, bronze; "
        "1 x garden door 60x80, bronze"
    )
    assert got["factor"] == "0.51"
    assert got["opportunity_name"] == "A&O - Sylvan Lake Cabin"
    assert (got["opportunity_type"], got["stage"]) == ("Project", "Funding")
    assert got["close_date"] == "2026-12-18"
    assert got["special_instructions"] == (
        "Call the site lead before the truck leaves, the lane is gravel and narrow."
    )


def test_a_two_column_table_with_outer_pipes_and_picklist_cells(extractor):
    """ "| Item | Detail |" without numbers; the opportunity's second line is its picklist
    values, a slash between them."""
    text = (
        "| Item          | Detail                          |\n"
        "|---------------|---------------------------------|\n"
        "| Account       | Ridgeline                       |\n"
        "| Specs         | 2 x picture 72x48 dual pane     |\n"
        "|               | 4 x casement 24x48 dual pane    |\n"
        "| Factor        | 55%                             |\n"
        "| Opportunity   | Ridgeline - Aspen Woods Lot 12  |\n"
        "|               | Standard / Submissions / close the 20th |\n"
    )
    got = quote(extractor, message(text))
    assert got["account"] == "Ridgeline Custom Builds Ltd."
    assert got["product_specs"] == "2 x picture 72x48 dual pane; 4 x casement 24x48 dual pane"
    assert got["factor"] == "0.55"
    assert got["opportunity_name"] == "Ridgeline - Aspen Woods Lot 12"
    assert (got["opportunity_type"], got["stage"]) == ("Standard", "Submissions")
    assert got["close_date"] == "2026-11-20"


def test_a_reply_of_one_row_answers_that_item(extractor):
    text = (
        "Factor as promised.\n\n # | Item   | Detail\n---+--------+-----\n 3 | Factor | 0.46 (ok'd)"
    )
    assert quote(extractor, message(text), reply=True)["factor"] == "0.46"


def test_other_tables_are_left_as_they_are(extractor):
    field_for = extractor._structure("quotes").field_for
    products = "Qty | Item | Size\n12 | casement | 30x48\n4 | windows | 24x36\n"
    assert item_table.as_form(products, field_for) == products  # no item names a field
    unordered = "7 | Factor | .5\n2 | Account | BVR\n"
    assert item_table.as_form(unordered, field_for) == unordered  # numbers that do not count up
    ragged = "# | Item | Detail\n1 | Account | BVR | extra\n"
    assert item_table.as_form(ragged, field_for) == ragged
