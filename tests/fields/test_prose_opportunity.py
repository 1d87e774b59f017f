"""Reader `prose_opportunity`: the opportunity a quote request names in prose."""

from __future__ import annotations

import pytest

from tests.fields.helpers import message, quote


def test_an_opp_name_in_quotes_after_the_writers_own_words(extractor):
    """'For the opportunity I was thinking "Ridgeline - Lot 7", type Standard': the name is
    the quoted one, not the words that lead up to it."""
    text = 'Quote 12 casements 30x48. For the opportunity I was thinking "Ridgeline - Lot 7".'
    assert quote(extractor, message(text))["opportunity_name"] == "Ridgeline - Lot 7"


def test_opportunity_name_after_call_it(extractor):
    text = "Hi team, Ridgeline is early on a cabin, standard opp. Call it Ridgeline - Elk Cabin 2."
    assert quote(extractor, message(text))["opportunity_name"] == "Ridgeline - Elk Cabin 2"
    later = "Hi team, Ridgeline wants 4 casements 30x48. Call it a day if they balk at the price."
    assert "opportunity_name" not in quote(extractor, message(later))


def test_opportunity_line_date_corrected_and_capitalised_clause(extractor):
    text = (
        "1. Ridgeline\n2. 4 casements 30x48 white\n3. .51\n"
        "4. RCB - Lakeview Cabin. They're keen, supply & install. Close Dec 3 - sorry, Dec 10.\n"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "RCB - Lakeview Cabin"
    assert got["close_date"] == "2026-12-10"
    named = quote(extractor, message("4. opp: Aspen - Loft, It's Time Collection / Standard"))
    assert named.get("opportunity_name", "").startswith("Aspen - Loft")


def test_an_opportunity_set_up_as_a_name_written_across_a_line_break(extractor):
    text = (
        "Ridgeline needs 8 casements 30x48 triple white at .5. Please set the opportunity "
        "up as Ridgeline -\nMcKenzie Lake Reno, it's a Standard at Funding, closing Dec 18."
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Ridgeline - McKenzie Lake Reno"


def test_a_name_part_after_a_comma_stays_when_capitalised(extractor):
    text = (
        "Opportunity is Ridgeline - Elbow Reno, Phase 2, standard, close Jun 2. 4 casements 24x60."
    )
    assert quote(extractor, message(text))["opportunity_name"] == "Ridgeline - Elbow Reno, Phase 2"


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Ben - need a quote for Clearview, 22 slider replacements, dual pane low-e. .58. "
            "Opp: Clearview - Westbrook Retrofit. 90%. Close 30/09.",
            {"opportunity_name": "Clearview - Westbrook Retrofit", "stage": "Approvals",
             "close_date": "2027-09-30"},
        ),
        (
            'Please quote 14 casements for Foothills. I set the opp up as "Foothills TF – '
            'Bragg Creek Lodge", Project w/ installation since we\'re doing the install.',
            {"opportunity_name": "Foothills TF – Bragg Creek Lodge",
             "opportunity_type": "Project w/ installation"},
        ),
        (
            "Please quote 6 casements 24 x 36 for Aspen & Oak. Opp: Aspen & Oak – Cochrane "
            "Showroom, Standard, Submissions – sorry, no, we're at Approvals now. Close end of "
            "October.",
            {"opportunity_name": "Aspen & Oak – Cochrane Showroom", "stage": "Approvals"},
        ),
    ],
)  # fmt: skip
def test_the_opportunitys_values_after_its_name(extractor, text, expected):
    got = quote(extractor, message(text))
    assert {k: got.get(k) for k in expected} == expected


def test_a_promise_of_the_name_is_no_name_and_use_52_no_instruction(extractor):
    text = (
        "Northgate wants 24 x 3040 sliders for the 2029 model year. Use .52 on this one.\n\n"
        "This will be its own Project opp – I'll get you the name, stage and close date after "
        "I talk to their purchasing guy Thursday."
    )
    got = quote(extractor, message(text))
    assert "opportunity_name" not in got and "close_date" not in got
    assert "special_instructions" not in got
    assert (got["factor"], got["opportunity_type"]) == ("0.52", "Project")


def test_an_opportunity_name_in_quotes_after_opened_as(extractor):
    text = (
        'The Okafors want new basement windows. Can you have this opened as "Okafor – Basement '
        '2027", basic qual for now. Factor .60.\n\n4x hopper 32x20, white/white.'
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Okafor – Basement 2027"
    assert "special_instructions" not in got  # the sentence that names it is no instruction


def test_an_opportunity_name_label_that_says_the_name_is_still_to_come(extractor):
    text = (
        "18 casements 30x60, white. Factor .55, Standard, 25%, close June 30.\n\n"
        "Opp name - the dealer hasn't told me what they call it yet, I'll send it on."
    )
    got = quote(extractor, message(text))
    assert "opportunity_name" not in got


@pytest.mark.parametrize(
    "said",
    [
        "Bow Valley, opp 'BVR Elm Infill'. 6 x casement 30x60 white",
        "It's a Standard opp I've named BVR Elm Infill, sitting at Submissions; 6 casements",
        "I've set it up as BVR Elm Infill, a Standard opp; 6 casements 30x60",
    ],
)
def test_an_opportunity_name_said_in_a_sentence(extractor, said):
    got = quote(extractor, message(f"{said}. Factor .51."))
    assert got["opportunity_name"] == "BVR Elm Infill"


def test_a_name_that_runs_into_what_to_make_it(extractor):
    text = (
        "Ben can you quote 7 sliders 36x36 white for Northgate, call the opp Northgate MY2031 "
        "Single-Wide Package and make it Account Monthly / Standard / Submissions, factor .50"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Northgate MY2031 Single-Wide Package"
    assert got["record_type"] == "Account Monthly"


def test_a_record_type_after_the_name_in_shorthand(extractor):
    # "rec type single" after the name: the name ended, the clause is the record type
    text = (
        "Quote 4 casements 30x48. Opp name Martel Basement Egress, rec type single, "
        "type Standard, stage 50%, close Oct 17th."
    )
    got = quote(extractor, message(text))
    assert (got["opportunity_name"], got["record_type"]) == ("Martel Basement Egress", "Single")


@pytest.mark.parametrize(
    "said",
    [
        "opp BVR Den Reno factor tbd, will send",
        "opp BVR Den Reno. pt52 std, close apr 30",
        "new opp BVR Den Reno - 10 casements same as last time",
        "opp BVR Den Reno they added 2 sliders so watch for those",
    ],
)
def test_an_opp_name_ends_where_the_writer_runs_on_lower_case(extractor, said):
    got = quote(extractor, message(f"Bow Valley wants 10 casements 30x48. {said}"))
    assert got["opportunity_name"] == "BVR Den Reno"


def test_a_name_with_a_dash_and_capitalised_parts_is_whole(extractor):
    got = quote(extractor, message("Bow Valley wants 10 casements. opp BVR - Lot 14 Den Reno"))
    assert got["opportunity_name"] == "BVR - Lot 14 Den Reno"


def test_an_opportunity_set_up_in_salesforce_as_a_quoted_name(extractor):
    text = 'Hi,\n\nI\'ve set it up in SF as "Martel - Whitemud full replacement", a Single record.'
    assert (
        quote(extractor, message(text))["opportunity_name"] == "Martel - Whitemud full replacement"
    )
