"""Reader `prose_corrections`: a value corrected later in the text, still being weighed, or
said to follow."""

from __future__ import annotations

import pytest

from intake.parsers.fields import missing_fields
from tests.fields.helpers import message, quote


def test_a_factor_corrected_in_the_same_sentence_takes_the_later_one(extractor):
    text = (
        "Ridgeline needs 4 casements 30x48 triple white. Factor is .52 - sorry, I checked "
        "their contract and it is .55. Opp is Ridgeline - Varsity Reno, Standard, Funding."
    )
    assert quote(extractor, message(text))["factor"] == "0.55"


def test_a_factor_corrected_in_a_later_paragraph_beats_its_label(extractor):
    text = (
        "Account: Aspen & Oak\nOpp: Aspen & Oak - Airdrie Infill\nType: Standard\n"
        "Stage: Funding\nClose: 2026-12-11\nFactor: .48\n\n"
        "Specs: 12 casements 24x48 white\n\n"
        "Oops - the factor should be .46 for them, not .48 - they moved up a tier.\n"
    )
    assert quote(extractor, message(text))["factor"] == "0.46"


def test_fields_said_to_follow_are_asked_for_not_guessed(extractor):
    """ "Type and close date to follow": no date elsewhere in the mail is guessed as the
    close date (the bot asks for both)."""
    text = (
        "Factor: 0.46\nOpp name: Clearview - Hillcrest Sunroom\nStage: Approvals\n\n"
        "Type and close date to follow. Would be great to have this before the holidays, "
        "Clearview shuts down Dec 22."
    )
    got = quote(extractor, message(text))
    assert "close_date" not in got and "opportunity_type" not in got
    assert got["factor"] == "0.46"


def test_a_labelled_close_still_being_decided_gives_none(extractor):
    text = (
        "Opp: Silverberry - Crestview Spec Home\nType: Standard\nStage: 5%\n"
        "Close date: depends on their lender - either end of August or end of September.\n"
        "Products: 18 x casement 3060 triple pane"
    )
    got = quote(extractor, message(text))
    assert "close_date" not in got and got["stage"] == "Basic Qualification"


@pytest.mark.parametrize(
    "later, field, value",
    [
        ("Correction – close is Aug 31, they just pushed their start date.", "close_date",
         "2027-08-31"),
        ("Correction on the factor – just confirmed with Lena, use .56 not .58.", "factor",
         "0.56"),
        ("Correction on the close - A&O just called, they want to lock in before the price "
         "increase, so make it Jan 5.", "close_date", "2027-01-05"),
        ("Put it at Submissions – actually no, leave it at Funding for now.", "stage", "Funding"),
    ],
)  # fmt: skip
def test_a_correction_below_the_form_beats_the_label(extractor, later, field, value):
    text = (
        "Opp: HFD - Marina Point Clubhouse\nType: Project\nStage: Approvals\n"
        "Close: July 31\nFactor: .58\nAmount: 58,900\nSpecs:\n"
        "- 4 x 10' 4-panel multi-slide door, black/black\n"
        "- 16 x fixed 48x96, black/black, LowE 272\n\n" + later
    )
    assert quote(extractor, message(text))[field] == value


def test_a_whole_number_factor_corrected_on_the_spot(extractor):
    text = "Opportunity: BVR - Elm Sunroom\nType: Project\nFactor 52 — sorry, 55. Lena bumped it."
    assert quote(extractor, message(text))["factor"] == "0.55"


def test_a_type_corrected_below_the_line_that_gave_it(extractor):
    text = (
        '4 casements 24x48, white.\nFactor .55, opp "Ridgeline - Elm Garage Suite", Project, '
        "Submissions, close July 19.\nActually - make the type Project w/ installation, they "
        "want us to do the install."
    )
    got = quote(extractor, message(text))
    assert got["opportunity_type"] == "Project w/ installation"
    assert "special_instructions" not in got


def test_a_type_still_being_decided_gives_none_and_is_no_instruction(extractor):
    text = (
        "Clearview wants pricing for Elm Townhomes, 22 casements 30x60 white. Factor 0.50. Opp "
        "name Clearview - Elm Townhomes. Close date Sept 20.\n\nNot sure yet whether it's a "
        "Project or Project w/ install - they're still deciding if their own crew installs."
    )
    got = quote(extractor, message(text))
    assert "opportunity_type" not in got
    assert "special_instructions" not in got


@pytest.mark.parametrize(
    "sentence",
    [
        "Factor either .52 or .54 depending if they commit to all 3, TBD w Lena.",
        "Factor - not sure yet if they stay on .48 or move to the new program rate.",
        "On the factor, I'm still going back and forth between .58 and .60.",
        "factor .45 or .47 depending on volume, still working it out w Lena",  # no cue before
    ],
)
def test_a_factor_still_weighed_between_two_is_asked_for(extractor, sentence):
    text = f"Ridgeline wants pricing on 22 casements 30x48 black, Standard, Funding. {sentence}"
    got = extractor.extract(message(text), "quotes", now=message(text).date, sender_is_staff=True)
    assert "factor" not in got
    assert "factor" in missing_fields(got, ["factor", "product_specs"])


def test_a_factor_beside_another_choice_still_stands(extractor):
    text = "Quote 22 casements 30x48. Not sure whether they want screens; factor .52 or so."
    assert quote(extractor, message(text))["factor"] == "0.52"
    text = "Quote 22 casements 30x48 at factor .52, and close either Oct 15 or Oct 22."
    assert quote(extractor, message(text))["factor"] == "0.52"


def test_a_one_digit_factor_corrected_on_the_spot(extractor):
    text = "Lena ok'd factor .5 - sorry, .52 is what she approved, .5 was my ask. close Oct 31."
    assert quote(extractor, message(text), reply=True)["factor"] == "0.52"


def test_a_glued_factor_corrected_on_the_spot(extractor):
    got = quote(extractor, message("Bow Valley, 10 casements. factor pt54 - sorry pt57, new tier"))
    assert got["factor"] == "0.57"
