"""Reader `prose_instructions`: the special instructions a quote request says in prose."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.fields.helpers import MST, message, quote


def test_a_plain_paragraph_after_a_labelled_form_is_the_instructions(extractor):
    text = (
        "Account: Clearview\nOpp: Clearview - Spring Stock\nType: Standard\nStage: Funding\n"
        "Close: Dec 18\nFactor: 0.5\n\nProducts:\n10 x slider 48 x 36\n\n"
        "They pick up at our dock, no delivery. Probably around $60K all in.\n"
        "No rush on the quote itself, end of next week is fine.\n"
    )
    got = quote(extractor, message(text))
    assert got["special_instructions"] == "They pick up at our dock, no delivery."
    assert got["amount"] == "60000.00"


def test_instruction_sentences_in_prose(extractor):
    text = (
        "Hi team, Ridgeline has a reno in Altadore.\n\nWindows: 6 casements 30x48 and 2 awnings "
        "30x20, triple pane. Include removal and disposal of the old units.\n\n"
        "I'm meeting the owner Thursday morning.\n\nAlex"
    )
    got = quote(extractor, message(text))
    assert got["special_instructions"] == "Include removal and disposal of the old units."
    ask = (
        "Hi team, PCH wants 12 casements 30x54 for three homes. Please price each home separately."
    )
    assert quote(extractor, message(ask))["special_instructions"] == (
        "Please price each home separately."
    )
    intro = "Hi team, please quote the following for PCH: 12 casements 30x54. Thanks"
    assert "special_instructions" not in quote(extractor, message(intro))


def test_a_line_on_how_the_units_travel_among_label_lines_is_the_instructions(extractor):
    """ "Rack delivery to site pls, they don't want it crated": "rack" said as what to do."""
    text = (
        "Acct: HFD\nOpp: HFD Maple Run Ph2\nFactor: .48\nRack delivery to site pls\nType: Project"
    )
    assert quote(extractor, message(text))["special_instructions"] == "Rack delivery to site pls"


def test_an_instruction_that_points_to_the_attachment(extractor):
    text = (
        "Hi team, Tamarack wants 40 single hung 36x48 dual pane white.\n\n"
        "Please price per house type (A and B) - the breakdown is in the attached plan set.\n"
    )
    got = quote(extractor, message(text))
    assert got["special_instructions"].startswith("Please price per house type (A and B)")


def test_run_on_request_name_stops_at_the_clause_and_instruction_is_a_clause(extractor):
    text = (
        "hi team, pricing for Ridgeline on the Harvest Hills garage suite, 4 casements 24x36 "
        "and 1 entry door 36x80 white, factor .55, opp name Ridgeline - Harvest Hills Garage "
        "Suite, it's a Standard and we're at Funding, please break the doors out as a "
        "separate line and include the screens, thanks!\n\nPat"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Ridgeline - Harvest Hills Garage Suite"
    assert got["special_instructions"] == (
        "please break the doors out as a separate line and include the screens"
    )


def test_run_on_wants_clause_is_the_instruction_and_validity_date_no_close(extractor):
    text = (
        "Hey, Bow Valley needs pricing on the Cranston reno, 6 awnings 30x24 white, factor "
        ".50, opp name BVR - Cranston Reno, they want the frames left unpainted and the "
        "pricing held until the end of March.\n\nSam"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "BVR - Cranston Reno"
    assert got["special_instructions"] == (
        "they want the frames left unpainted and the pricing held until the end of March"
    )
    assert "close_date" not in got


def test_amount_sentence_in_words_is_not_an_instruction(extractor):
    text = (
        "Please quote 4 awnings 36x24 white for Clearview, factor .58. "
        "Opp name Clearview - Test Clinic. Budget is sixty thousand give or take."
    )
    got = quote(extractor, message(text))
    assert got["amount"] == "60000.00"
    assert "special_instructions" not in got


def test_stage_put_at_a_percentage_and_a_must_be_made_sentence(extractor):
    text = (
        "Hi,\n\nAspen and Oak want pricing on 6 sliders 60x48 dual pane white at .50. "
        "Standard opportunity; I'd put it at 25% for now.\n\n"
        "The patio sliders beside the hot tub must be tempered.\n\nThanks,\nAlex"
    )
    msg = message(text, from_name="Alex Martin", from_addr="alex.martin@example.com")
    got = quote(extractor, msg, now=datetime(2026, 11, 12, 9, 0, tzinfo=MST))
    assert got["stage"] == "Funding"
    assert got["special_instructions"] == "The patio sliders beside the hot tub must be tempered."


@pytest.mark.parametrize(
    "said",
    [
        "It's a Standard, and we're at Funding.",  # what the opportunity is
        "I'll send the factor once we land on it with the owner.",  # the sender's follow-up
    ],
)
def test_sentences_after_the_products_that_are_no_instructions(extractor, said):
    text = f"Ridgeline - Cougar Ridge Reno needs 6 casements 30x48 triple white. {said}"
    assert "special_instructions" not in quote(extractor, message(text))


def test_where_the_quote_goes_is_an_instruction(extractor):
    text = (
        'Quote for the Olsens at .55, opp "Olsen - Sunroom", Standard, Funding, close Mar 3.\n'
        "Send the quote straight to Marta when done (she pays up front)."
    )
    got = quote(extractor, message(text))
    assert got["special_instructions"] == (
        "Send the quote straight to Marta when done (she pays up front)."
    )


def test_who_else_gets_the_quote_is_an_instruction_and_their_day_no_due_date(extractor):
    """ "Omar is on site today so please cc him on the quote": today is where Omar is, not
    when the quote is due; copying him in is what to do with it."""
    text = (
        'Quote for the Olsens at .55, opp "Olsen - Sunroom", Standard, Funding, close Mar 3.\n'
        "Omar is on site today so please cc him on the quote"
    )
    got = quote(extractor, message(text))
    assert got["special_instructions"] == "Omar is on site today so please cc him on the quote"
    assert "quote_due" not in got


def test_a_run_on_name_ends_at_a_lower_case_clause_which_is_an_instruction(extractor):
    """One paragraph: the name after "call the opp" ends where a lower-case clause starts, and
    that clause ("... so double check availability") is what the quoter must do."""
    text = (
        "hey team PCH wants pricing for the Mahogany lot 52 showhome, schedule is in the doc, "
        "use factor .51, stage 25, close in 3 weeks, it's a Project and call the opp PCH - "
        "Mahogany Lot 52 Showhome, pebble exterior on everything so double check availability "
        "thx Alex"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "PCH - Mahogany Lot 52 Showhome"
    assert got["special_instructions"] == (
        "pebble exterior on everything so double check availability"
    )


@pytest.mark.parametrize(
    "closing, instruction",
    [
        (
            "I'd go with 55% on this one, they're a good customer. Could you also make sure "
            "the install shows as a separate line on the quote? Timing I'm still sorting out "
            "with them, I'll let you know.",
            "Could you also make sure the install shows as a separate line on the quote?",
        ),
        (
            "Early days – basic qualification at this point. Please send the quote straight "
            "to their purchaser and cc me.",
            "Please send the quote straight to their purchaser and cc me.",
        ),
    ],
)
def test_a_factor_a_stage_or_a_promise_to_follow_up_is_no_instruction(
    extractor, closing, instruction
):
    text = (
        "Ridgeline needs a quote:\n\n- 14 casements, 3500 series, triple pane\n"
        "- 2 picture windows 96 x 72\n\nOpp: Ridgeline - Elbow Park Residence\n\n" + closing
    )
    assert quote(extractor, message(text))["special_instructions"] == instruction


def test_price_validity_below_a_products_label_is_the_instruction(extractor):
    text = (
        "Account: Ridgeline Custom Builds\nStage: Submissions\n"
        "Product: 22 x Series 3000 casements, triple pane, black/black\n"
        "Quote valid 60 days please - they won't break ground until spring.\n\nThanks,\nPriya"
    )
    got = quote(extractor, message(text))
    assert got["special_instructions"] == (
        "Quote valid 60 days please - they won't break ground until spring."
    )
    assert got["product_specs"] == "22 x Series 3000 casements, triple pane, black/black"


def test_a_products_heading_owns_its_lines_and_a_need_is_the_instruction(extractor):
    text = (
        "Products:\n14 x Series 300 double hung, white vinyl\n2 x 5' garden doors, outswing\n"
        "Removal & disposal of existing wood units\n\n"
        "Need the install pricing broken out separate from product please."
    )
    got = quote(extractor, message(text))
    assert got["special_instructions"] == (
        "Need the install pricing broken out separate from product please."
    )


@pytest.mark.parametrize(
    "said, instruction",
    [
        ("Please split the quote by lot – release dates by lot are on the attached schedule.",
         "Please split the quote by lot – release dates by lot are on the attached schedule."),
        ("Factor 0.62, opp name Martel - Upper Floor, Submissions, amount $18,900 - they're on "
         "pre-paid terms so please note that on the quote and price the install as a separate "
         "line.",
         "they're on pre-paid terms so please note that on the quote and price the install as a "
         "separate line"),
    ],
)  # fmt: skip
def test_instructions_to_split_or_to_note_on_the_quote(extractor, said, instruction):
    text = f"Hi team, Prairie Crest wants 10 x Series 4000 casement 2448 dbl white. {said}"
    assert quote(extractor, message(text))["special_instructions"] == instruction


def test_a_run_on_name_ends_at_a_dash_clause_and_an_upgrade_is_an_instruction(extractor):
    text = (
        "Hi Tara, another one for Ridgeline Custom, opp name is McAllister Garage Suite - it's "
        "a garage suite build so small: 6 Series 600 casements 24x48 black/black, factor .53, "
        "stage is 25% and they want to close by Jan 12, and please quote the entry door with "
        "the upgraded multipoint lock. Thanks! Priya"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "McAllister Garage Suite"
    assert got["special_instructions"] == (
        "please quote the entry door with the upgraded multipoint lock"
    )


@pytest.mark.parametrize(
    "later",
    [
        "Rest to follow, I'm waiting on Raj for timing.",
        "Specs to follow, their architect is still revising the schedule.",
        "Will send both when I have them.",
    ],
)
def test_what_will_follow_is_no_instruction(extractor, later):
    text = f"Clearview - Millwood refresh, 22 x DX-300 slider 48x36, white. Factor .55.\n\n{later}"
    assert "special_instructions" not in quote(extractor, message(text))


def test_an_instruction_after_a_full_stop_inside_a_run_on_request(extractor):
    text = (
        "Tara - Aspen and Oak, Elm reno ph 2. 14 x casement 30x54 white, factor .47, standard, "
        "stage submissions, close end of Oct. pls send the quote to me not the dealer, thx"
    )
    got = quote(extractor, message(text))
    assert got["special_instructions"] == "pls send the quote to me not the dealer"
    assert got["close_date"] == "2027-10-31"  # the next end of October after Nov 4, 2026


def test_how_to_quote_it_is_an_instruction(extractor):
    text = (
        "Specs in the attached txt. Factor .62, Project w/ installation, stage 25%, close 15 "
        "Oct. Quote it as prepaid, B2C terms."
    )
    assert quote(extractor, message(text))["special_instructions"].startswith("Quote it as prepaid")


def test_what_must_come_with_the_quote_is_an_instruction(extractor):
    text = (
        "Harbourfront - Bayview amenity building. Need:\n"
        "* 26 Series 500 fixed + awning, black/black, dual pane Low-E\n\n"
        "Factor 0.50\nOpp: HFD Bayview Amenity Bldg\n\n"
        "Need stamped shop drawings w/ the quote.\n"
    )
    got = quote(extractor, message(text))
    assert got["special_instructions"] == "Need stamped shop drawings w/ the quote."


def test_where_the_quote_goes_with_the_writers_return_date_after_it(extractor):
    """ "Please send the quote straight to Gilles, I'm back the 21st": the date is when the
    writer is back, not when the quote is due; the sentence is the instruction."""
    text = (
        'Quote for the Olsens at .55, opp "Olsen - Sunroom", Standard, Funding, close Mar 3.\n'
        "Please send the quote straight to Gilles at the dealer, I'm back the 21st."
    )
    got = quote(extractor, message(text))
    assert got["special_instructions"].startswith("Please send the quote straight to Gilles")
    assert "quote_due" not in got
