"""The opportunity's values written as a bare run of parts: where its name ends, and
what the parts after it say."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.fields.helpers import MST, message, quote

MAY_3 = datetime(2027, 5, 3, 9, 0, tzinfo=MST)


def test_products_written_after_the_name_end_it_and_are_the_specs(extractor):
    text = (
        "Hi all - opp Bayside Towns x2, S3000 csmt + awning pkg, bronze ext. project, "
        "50%, close june 30\nthx"
    )
    got = quote(extractor, message(text), now=MAY_3)
    assert got["opportunity_name"] == "Bayside Towns x2"
    assert got["product_specs"] == "S3000 csmt + awning pkg, bronze ext"
    assert got["opportunity_type"] == "Project"
    assert got["stage"] == "Submissions"
    assert got["close_date"] == "2027-06-30"


def test_a_capitalised_part_naming_products_is_still_the_name(extractor):
    text = "opp Bayside Towns, Windows & Doors Phase 2, project, 50%, close june 30"
    got = quote(extractor, message(text), now=MAY_3)
    assert got["opportunity_name"] == "Bayside Towns, Windows & Doors Phase 2"


def test_a_new_builder_led_paragraph_is_read_as_prose_after_its_name(extractor):
    # the account label's value ends with its sentence, even when the next one starts with a
    # count; the values after it are read, the stage by its win probability
    text = (
        "new builder - Foothill Crest Homes, credit app pending, not set up yet. "
        "2 custom homes in cranston, 40 casements, black ext. pt57 std single, 25%, "
        "close end of june"
    )
    got = quote(extractor, message(text), now=MAY_3)
    assert got["account"] == "Foothill Crest Homes"
    assert got["stage"] == "Funding"
    assert got["factor"] == "0.57"
    assert got["close_date"] == "2027-06-30"


def test_a_companys_name_with_a_capitalised_part_after_a_comma_is_kept_whole(extractor):
    got = quote(extractor, message("Builder: Foothill Crest, Ltd.\n12 casements 30x48"))
    assert got["account"] == "Foothill Crest, Ltd."


@pytest.mark.parametrize(
    "said, kind, record",
    [
        ("std single", "Standard", "Single"),
        ("Project / Single", "Project", "Single"),
        ("single proj", "Project", "Single"),
    ],
)
def test_a_type_and_a_record_type_side_by_side(extractor, said, kind, record):
    got = quote(extractor, message(f"8 awnings 24x36, {said}, 50%, close june 30"), now=MAY_3)
    assert (got["opportunity_type"], got["record_type"]) == (kind, record)


def test_a_type_and_a_record_type_apart_say_nothing_of_the_opportunity(extractor):
    got = quote(extractor, message("single glazed sliders x4 for the shed, std hardware"))
    assert "record_type" not in got


def test_a_type_and_a_record_type_said_of_the_job_in_prose_are_no_pair(extractor):
    got = quote(extractor, message("Standard - their base plan, not a one-off project. 50%"))
    assert "record_type" not in got


def test_a_clause_said_of_the_products_after_the_name_is_no_spec(extractor):
    text = "call the opp Bayside Towns, bronze exterior on every unit so check the lead time thx"
    got = quote(extractor, message(text), now=MAY_3)
    assert got["opportunity_name"] == "Bayside Towns"
    assert "product_specs" not in got


def test_a_new_account_line_that_only_says_it_is_new_names_no_company(extractor):
    text = "New account for us - first quote for them. All the details are in the attached txt."
    assert "account" not in quote(extractor, message(text), now=MAY_3)


@pytest.mark.parametrize("dash", ["–", "-"])
def test_a_type_after_one_more_dash_is_no_part_of_the_name(extractor, dash):
    """ "Opp: PCH - Sage Hill Showhome 2 Upgrade – Standard / Single": the name is "X - Y",
    the picklist value after the next dash its type; a name whose words merely start like
    one ("Clearview - Standard Windows Refit") keeps them."""
    text = f"Opp: PCH - Sage Hill Showhome 2 Upgrade {dash} Standard / Single\nFactor 52%\n"
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "PCH - Sage Hill Showhome 2 Upgrade"
    assert (got["opportunity_type"], got["record_type"]) == ("Standard", "Single")
    kept = quote(extractor, message("Opp: Clearview - Standard Windows Refit\n"))
    assert kept["opportunity_name"] == "Clearview - Standard Windows Refit"


def test_parts_set_apart_by_middle_dots(extractor):
    text = "Opp: HFD – Cove at Auburn Ph 2 · Project · Submissions · close by month end\n"
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "HFD – Cove at Auburn Ph 2"
    assert (got["opportunity_type"], got["stage"]) == ("Project", "Submissions")


@pytest.mark.parametrize(
    "line",
    [
        "Opp: BVR - Parkdale Basement Egress. Kyle's list below.",
        "Opp: BVR - Parkdale Basement Egress, Kyle's email + schedule below",
    ],
)
def test_a_pointer_after_the_name_is_no_part_of_it(extractor, line):
    assert quote(extractor, message(line))["opportunity_name"] == "BVR - Parkdale Basement Egress"


@pytest.mark.parametrize(
    "sentence",
    [
        "Bow Valley needs a quote on BVR - Mission Infill Duplex, it's Project w/ installation",
        "please quote BVR - Mission Infill Duplex as a Standard, Basic Qualification",
    ],
)
def test_the_job_asked_for_by_its_opportunitys_name(extractor, sentence):
    text = f"Hi team, Priya asked me to send this in: {sentence}, factor .50."
    assert quote(extractor, message(text))["opportunity_name"] == "BVR - Mission Infill Duplex"
