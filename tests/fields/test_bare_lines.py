"""Reader `bare_lines`: unlabelled lines in the order of the form, read by their shape."""

from __future__ import annotations

import pytest

from intake.parsers.fields import missing_fields
from intake.parsers.fields.resolver import GUESS
from tests.fields.helpers import WED_NOV_4, message, quote


def test_one_value_a_line_in_the_order_of_the_form(extractor):
    text = (
        "Hi team,\n\nNew one below.\n\n"
        "Aspen & Oak\nAspen & Oak - Banff Lodge Suites\nProj w/ install\nSub\n@ .49\n"
        "15.01.2027\n\n12 casements 30x48 dual pane white\n\nDan"
    )
    got = quote(extractor, message(text))
    assert got["account"] == "Aspen & Oak Dealers Co."
    assert got["opportunity_name"] == "Aspen & Oak - Banff Lodge Suites"
    assert got["opportunity_type"] == "Project w/ installation"
    assert got["stage"] == "Submissions"
    assert (got["factor"], got["close_date"]) == ("0.49", "2027-01-15")


def test_an_opportunity_line_among_unlabelled_lines(extractor):
    text = (
        "Harbourfront\n20 casement 30x60 triple white\n.46\n"
        "HFD - Pier Lofts, Project, Funding, 30/01/2027\n\nD."
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "HFD - Pier Lofts"
    assert (got["opportunity_type"], got["stage"]) == ("Project", "Funding")
    assert (got["factor"], got["close_date"]) == ("0.46", "2027-01-30")


def test_a_plain_line_after_the_product_lines_is_the_instructions(extractor):
    text = (
        "6 casement 24x36 triple wht/blk\n2 awning 24x20 same\n1 picture 60x48 same, with\n"
        "tempered glass\nno grilles, ship with the next Clearview truck\n\nthx\nDan"
    )
    got = quote(extractor, message(text, subject="Clearview - Lavoie Kitchen"))
    assert got["special_instructions"] == "no grilles, ship with the next Clearview truck"
    assert got["product_specs"] == (
        "6 casement 24x36 triple wht/blk; 2 awning 24x20 same; 1 picture 60x48 same, with; "
        "tempered glass"
    )


def test_a_wrapped_paragraph_is_not_a_list_of_lines(extractor):
    text = (
        "The product is: 9 double hung 32x62, triple pane Low-E argon, heritage white,\n"
        "with simulated divided lites 3 over 1; 2 French doors 60x80, triple pane,\n"
        "heritage white; plus removal of the existing wood windows.\n"
    )
    got = quote(extractor, message(text))
    assert got["product_specs"].startswith("9 double hung 32x62")
    assert "special_instructions" not in got


def test_a_single_bare_value_is_not_a_form(extractor):
    text = "PCH is sending plans for 6 casements 30x48.\n50%\nof the homes are bungalows.\n"
    msg = message(text)
    got = extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True)
    assert "stage" not in got or got["stage"].confidence <= GUESS  # at most a guess to check


def test_a_line_of_values_under_labels(extractor):
    text = (
        "Account: Aspen & Oak\nOpp: Aspen & Oak - Canmore Refresh\nStandard / Funding\nFactor .53\n"
    )
    got = quote(extractor, message(text))
    assert (got["opportunity_type"], got["stage"]) == ("Standard", "Funding")


def test_a_bullet_form_whose_product_line_starts_with_its_series(extractor):
    text = (
        "Pls quote:\n\n- Aspen & Oak\n- Foothill Meadows showhome\n"
        "- 3000 series, black ext / white int: 9 casements, 2 pictures\n"
        "- .47\n- Standard\n- Funding\n- closing the 28th\n"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Foothill Meadows showhome"
    assert got["product_specs"].startswith("3000 series, black ext / white int: 9 casements")
    assert (got["factor"], got["stage"]) == ("0.47", "Funding")


@pytest.mark.parametrize("said", ["Stage TBD", "Stage still TBD, waiting to hear back from them"])
def test_a_bare_label_whose_value_is_still_to_come_ends_the_line_above(extractor, said):
    """ "Opp name X" over "Stage still TBD, ...": the second line is the stage's label with
    no value yet, not more of the name above it."""
    got = quote(extractor, message(f"Opp name Bow Valley Garage Suite\n{said}"), reply=True)
    assert got == {"opportunity_name": "Bow Valley Garage Suite"}


def test_a_label_line_corrected_on_the_spot_is_the_label_and_no_note(extractor):
    """ "type project w/ install.. actually no scratch that, Standard, ...": a label without
    its colon whose value the writer corrects; the later value stands, and the line is no
    note under the products. A prose line after label lines starts a sentence of its own,
    so the name above it does not run on into it."""
    text = (
        "Tara - BVR has the Lindqvist kitchen reno\n"
        "- 3 picture windows 60x60 fixed, triple pane\n- 1 casement 30x48\n"
        "Opp name BVR - Lindqvist Kitchen\nfactor 57\nstage 50%\n"
        "type project w/ install.. actually no scratch that, Standard, their own guys install\n"
        "close 2/28"
    )
    got = quote(extractor, message(text))
    assert (got["opportunity_type"], got["opportunity_name"]) == (
        "Standard",
        "BVR - Lindqvist Kitchen",
    )
    assert "special_instructions" not in got


@pytest.mark.parametrize(
    "lines",
    [
        "opp name Aspen&Oak - Kirby Reno\nstandard\nstage 25",
        "Opp Aspen&Oak - Kirby Reno\nStandard\n5%",
    ],
)
def test_a_picklist_value_alone_on_the_line_below_the_name_ends_it(extractor, lines):
    """ "opp name Aspen&Oak - Kirby Reno" then "standard" on a line of its own: a form written
    a value a line, the value no word of the name above it."""
    text = f"Pricing for Kirby please, 9 casements 30x48 almond.\n\n{lines}\nclose end of july"
    assert quote(extractor, message(text))["opportunity_name"] == "Aspen&Oak - Kirby Reno"


@pytest.mark.parametrize(
    "line",
    [
        "SI: email quote to me only, don't send until credit approved",
        "SI- email quote to me only, don't send until credit approved",  # the dash typed on
        "SI email quote to me only, don't send until credit approved",  # no colon at all
    ],
)
def test_special_instructions_abbreviated_si(extractor, line):
    """The account managers' "SI" heads the instructions however it is punctuated."""
    text = f"Opp: Clearview - Fairview Reno\n12 casement 30x48 white\n{line}\nP"
    got = quote(extractor, message(text))
    assert got["special_instructions"] == line[3:].strip()
    assert got["opportunity_name"] == "Clearview - Fairview Reno"


def test_a_capitalised_word_that_is_no_label_stays_prose(extractor):
    """Only a known label's capitals head a line without its colon: "OK" does not."""
    text = "Opp: Clearview - Fairview Reno\n12 casement 30x48 white\nOK to ship partial\nP"
    assert quote(extractor, message(text)).get("special_instructions") != "to ship partial"


def test_values_left_to_someone_else_or_not_known_yet_give_no_field(extractor):
    """ "opp name - ask Tara", "stage n close - dunno yet": the labels are there, their values
    are not, so the bot asks for all three; the label line under a long product line is no
    more of the products."""
    text = (
        "quote for aspen & oak pls, their customer's cabin. fctr .50 std\n"
        "8 x casements 24x48, 2 x picture 48x60, dual Low-E, pine int / bronze ext\n"
        "opp name - ask Tara she set it up last wk\n"
        "stage n close - dunno yet, will know after i see the dealer Thurs\n"
    )
    got = extractor.extract(message(text), "quotes", now=WED_NOV_4, sender_is_staff=True)
    assert {"opportunity_name", "stage", "close_date"} <= set(
        missing_fields(got, ["opportunity_name", "stage", "close_date"])
    )
    assert got["product_specs"].value.endswith("bronze ext")
    assert got["factor"].value == "0.50"


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("opp name Ridgeline Elbow Dr Rebuild", "Ridgeline Elbow Dr Rebuild"),
        ("Opp name PCH - Cityscape Phase 4", "PCH - Cityscape Phase 4"),
    ],
)
def test_an_opportunity_name_without_its_colon_on_a_line_of_its_own(extractor, line, name):
    """The name ends with its line: the next line ("Deliver per lot release sched, ...",
    "dont have stage or close yet") is no part of it."""
    text = (
        "Team - PCH Cityscape Phase 4, 12 homes, window sched attached.\n"
        "factor .53 / stage 50% / close Apr 16 / Project, Single\n"
        f"{line}\nDeliver per lot release sched, not all at once.\n"
    )
    assert quote(extractor, message(text))["opportunity_name"] == name
    lower = "opp name to follow, ask Tara\n"  # no capitalised name: no name
    assert "opportunity_name" not in quote(extractor, message(text.replace(line + "\n", lower)))
