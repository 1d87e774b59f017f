"""Reader `tables`: column tables, field tables, one-line summaries, product lists."""

from __future__ import annotations

from intake.parsers.message import Attachment
from tests.fields.helpers import message, quote


def test_plain_text_column_table_gives_the_specs(extractor):
    text = """Account:      Harbourfront Developments
Factor:       0.50

QTY  TYPE            SIZE (in)   GLASS                   COLOUR
40   Casement        24 x 60     Triple, Low-E, argon    White/Black
12   Patio door      72 x 80     Triple, Low-E, argon    Black
"""
    got = quote(extractor, message(text))
    assert got["product_specs"] == (
        "40 Casement 24 x 60 Triple, Low-E, argon White/Black; "
        "12 Patio door 72 x 80 Triple, Low-E, argon Black"
    )
    assert got["factor"] == "0.50"


def test_html_table_turned_to_text(extractor):
    text = """Details below.

Account | Northgate Modular Inc.
Factor | 0.55
Close date | Dec 11, 2026

Products:

Qty | Product | Size (W x H, in) | Glass
24 | Slider | 48 x 36 | Double pane, Low-E
6 | Entry door | 36 x 80 | Half-lite
"""
    got = quote(extractor, message(text))
    assert got["account_id"] == "ACC-1003"
    assert got["factor"] == "0.55"
    assert got["close_date"] == "2026-12-11"
    assert (
        got["product_specs"]
        == "24 Slider 48 x 36 Double pane, Low-E; 6 Entry door 36 x 80 Half-lite"
    )


def test_a_horizontal_field_table_header_row_then_values(extractor):
    text = (
        "Please quote the attached.\n\n"
        "Account\tOpp Name\tStage\tClose\tFactor\tAmount\n"
        "Harbourfront\tHFD - Pier 7 Towns\tFunding\tMarch 3, 2027\t0.51\t$90,500\n"
    )
    got = quote(extractor, message(text))
    assert got["account"] == "Harbourfront Developments"
    assert got["opportunity_name"] == "HFD - Pier 7 Towns"
    assert got["stage"] == "Funding"
    assert got["close_date"] == "2027-03-03"
    assert got["factor"] == "0.51"
    assert got["amount"] == "90500.00"


def test_a_product_table_is_not_a_field_table(extractor):
    text = "Account: Clearview\n\nQty  Product   Size\n4  Casement  30 x 48\n2  Awning  36 x 20\n"
    got = quote(extractor, message(text))
    assert "4  Casement" in got["product_specs"] or "4 Casement" in got["product_specs"]
    assert "stage" not in got and "factor" not in got


def test_one_line_summary_of_cells(extractor):
    text = (
        "Ben -\n\n"
        "Northgat Modular | NMI - Lakeside | Project | Approvals | close 12/15 | fctr 0.49"
        " | ~$1.2M\n"
    )
    got = quote(extractor, message(text))
    assert got["account"] == "Northgate Modular Inc."
    assert got["opportunity_name"] == "NMI - Lakeside"
    assert (got["opportunity_type"], got["stage"]) == ("Project", "Approvals")
    assert got["close_date"] == "2026-12-15"
    assert got["factor"] == "0.49"
    assert got["amount"] == "1200000.00"


def test_a_list_mixing_products_and_fields(extractor):
    text = (
        "BVR again.\n\n"
        "- 6 casements 24x60, white\n"
        "- factor .51\n"
        "- BVR - Elbow Park Sunroom / Standard / Basic Qualification / close Dec 4\n"
        "- quote the garden window with and without the vent please\n"
    )
    got = quote(extractor, message(text))
    assert got["factor"] == "0.51"
    assert got["opportunity_name"] == "BVR - Elbow Park Sunroom"
    assert (got["opportunity_type"], got["stage"]) == ("Standard", "Basic Qualification")
    assert got["close_date"] == "2026-12-04"


def test_the_changes_to_an_earlier_quote_are_the_specs(extractor):
    msg = message(
        "Account: PCH\nFactor: .48\n\n"
        "Same as the Lot 12 quote from June but:\n"
        " - swap the 6' sliders for 8' garden doors\n"
        " - black exterior instead of white\n"
        " - drop the transoms\n\nThanks"
    )
    assert quote(extractor, msg)["product_specs"] == (
        "Same as the Lot 12 quote from June but: swap the 6' sliders for 8' garden doors; "
        "black exterior instead of white; drop the transoms"
    )


def test_a_list_after_other_words_gives_no_specs(extractor):
    msg = message(
        "Account: PCH\nFactor: .48\n\nSame as always, a few things to know:\n"
        " - the site is closed Mondays\n - call before delivery\n\nThanks"
    )
    assert "product_specs" not in quote(extractor, msg)


def test_two_labels_over_two_values_side_by_side(extractor):
    text = (
        "Account / Opp   | Prairie Crest Homes / PCH Savanna Ph2 Showhomes\n"
        "Factor          | 45\nType / Record   | Project / Single\nStage           | 25%\n"
    )
    got = quote(extractor, message(text))
    assert got["account"] == "Prairie Crest Homes"
    assert got["opportunity_name"] == "PCH Savanna Ph2 Showhomes"
    assert (got["opportunity_type"], got["record_type"]) == ("Project", "Single")


def test_a_two_column_table_of_quantities_and_items(extractor):
    """ "Qty | Item" over a "----+----" rule: every row below is an item, whether or not it
    names a product ("same as A, no grids")."""
    text = (
        "Factor | 45\n\nQty | Item\n----+--------------------------------\n"
        " 2  | Showhome pkg A: 3500 casements, triple, full grids\n"
        " 2  | Showhome pkg B: same as A, no grids\n"
        " 4  | 36x96 fibreglass entry, oak woodgrain\n\n"
        "They want the black hardware upgrade on both packages."
    )
    got = quote(extractor, message(text))
    assert got["product_specs"] == (
        "2 Showhome pkg A: 3500 casements, triple, full grids; 2 Showhome pkg B: same as A, "
        "no grids; 4 36x96 fibreglass entry, oak woodgrain"
    )


def test_of_two_tables_the_one_listing_products_gives_the_specs(extractor):
    """A spec sheet's header block ("MODEL: NG-1476D (14x76 DOUBLE SECTION)") lines up in
    columns too; the products are the table below it."""
    text = (
        "MODEL:  NG-1476D  (14x76 DOUBLE SECTION)\nREV:    B        ISSUED: 2028-01-07\n\n"
        "QTY/HOME  TYPE                 SIZE (RO)   NOTES\n"
        "--------  -------------------  ----------  --------------\n"
        "6         HORIZONTAL SLIDER    36 x 48     LOW-E, WHITE\n"
        "2         HORIZONTAL SLIDER    30 x 36     OBSCURE GLASS\n"
    )
    sheet = Attachment("NG-1476D_window_spec.txt", "text/plain", text.encode())
    msg = message("Spec sheet attached. Factor 0.51.", attachments=(sheet,))
    assert quote(extractor, msg)["product_specs"] == (
        "6 HORIZONTAL SLIDER 36 x 48 LOW-E, WHITE; 2 HORIZONTAL SLIDER 30 x 36 OBSCURE GLASS"
    )


def test_a_schedule_whose_header_names_each_rows_type_and_count(extractor):
    """ "Plan  Mark  Type  Width (in)  Height (in)  Qty": every row is an item, though none
    writes a quantity before a product or a size with an x."""
    text = (
        "Plan,Mark,Type,Width (in),Height (in),Qty,Glazing\r\n"
        "NM-24A,W1,Slider,60,48,1,Dual pane Low-E argon\r\n"
        "NM-24B,W2,Casement,24,48,4,Dual pane Low-E argon\r\n"
    )
    sheet = Attachment("schedule.csv", "text/csv", text.encode())
    msg = message("Schedule attached. Factor .44.", attachments=(sheet,))
    assert quote(extractor, msg)["product_specs"] == (
        "NM-24A W1 Slider 60 48 1 Dual pane Low-E argon; NM-24B W2 Casement 24 48 4 Dual pane "
        "Low-E argon"
    )


def test_a_field_table_with_abbreviated_instructions_and_a_due_at_end_of_day(extractor):
    text = (
        "Field            | Value\n"
        "-----------------|------------------------\n"
        "Account          | Prairie Crest Homes\n"
        "Quote needed by  | EOD Thu Nov 5\n"
        "Product specs    | 14x 200 Series casement, triple pane\n"
        "Special instr.   | Rack delivery, one rack per lot. No grids.\n"
    )
    got = quote(extractor, message(text))  # written Wed Nov 4 2026
    assert got["product_specs"] == "14x 200 Series casement, triple pane"
    assert got["special_instructions"] == "Rack delivery, one rack per lot. No grids."
    assert got["quote_due"] == "2026-11-05"  # the end of that day, not today's


def test_a_dash_inside_a_rows_value_cell_is_no_label(extractor):
    # a sheet's row as two cells; the value's own " - " does not make "... CX dealer" a label
    text = (
        "field  value\nAccount  Clearview Windows\nFactor  0.41\n"
        "Product specs  40x 100 Series slider 48x48\n"
        "Special instructions  CX dealer - they submit the order themselves. Quote only.\n"
    )
    got = quote(extractor, message(text))
    assert (
        got["special_instructions"] == "CX dealer - they submit the order themselves. Quote only."
    )
    assert got["account"] == "Clearview Window Centre"


def test_a_pasted_spreadsheet_row_keeps_its_empty_cells_under_the_header(extractor):
    text = (
        "Row below.\n\n"
        "Account\tOpp Name\tOpp Type\tStage\tClose Date\tFactor\tProduct\n"
        "Bow Valley\tBVR - Den Reno\tStandard\t\t15-Jun-27\t52%\t10 casements 30x48, white\n"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "BVR - Den Reno"
    assert got["close_date"] == "2027-06-15"
    assert got["factor"] == "0.52"
    assert "stage" not in got
    assert got["product_specs"] == "10 casements 30x48, white"
