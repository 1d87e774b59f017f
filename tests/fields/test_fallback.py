"""Reader `fallback`: a weak guess for a required field nothing else read, so the bot asks
the sender to check it instead of asking for what they wrote."""

from __future__ import annotations

import pytest

from intake.parsers.fields.resolver import GUESS
from tests.fields.helpers import message, quote


def read(extractor, text: str, *, reply: bool = False) -> dict:
    msg = message(text, from_name="Alex Martin", from_addr="alex.martin@example.com")
    return extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=reply)


# Nothing in these texts is a cue any reader knows: only the fallback can offer a value.
LOOSE = (
    "Hi team, Ridgeline Homes again. 12 casements 30x54 dual pane white.\n{line}\n\nThanks, Alex"
)


def test_the_one_dated_mention_is_a_close_date_to_check(extractor) -> None:
    got = read(extractor, LOOSE.format(line="Hopefully 15 January 2027 works for them."))
    assert got["close_date"].value == "2027-01-15" and got["close_date"].confidence == GUESS


def test_two_dates_are_no_guess(extractor) -> None:
    line = "Either 15 January 2027 or 12 February 2027, they have not decided."
    assert "close_date" not in read(extractor, LOOSE.format(line=line))


def test_a_weekday_alone_is_a_meeting_not_a_close_date(extractor) -> None:
    line = "I'll see them on Wednesday to go over it."
    assert "close_date" not in read(extractor, LOOSE.format(line=line))


def test_a_quarter_that_names_a_run_is_no_close_date(extractor) -> None:
    line = "Factor same as the Q3 run, they liked it."
    assert "close_date" not in read(extractor, LOOSE.format(line=line))


def test_the_one_factor_shaped_number_and_a_correction_of_it(extractor) -> None:
    got = read(extractor, LOOSE.format(line="Same deal as always, .47 on this one."))
    assert (got["factor"].value, got["factor"].confidence) == ("0.47", GUESS)
    corrected = read(extractor, LOOSE.format(line="Go with .50, not .53, as agreed."))
    assert corrected["factor"].value == "0.50"


def test_sizes_prices_and_two_candidates_are_no_factor(extractor) -> None:
    for line in ("Units are 0.75 m wide.", "Old price was $0.47 a unit.", "Either .47 or .52."):
        assert "factor" not in read(extractor, LOOSE.format(line=line)), line


def test_a_picklist_word_in_passing_is_a_type_to_check(extractor) -> None:
    got = read(extractor, LOOSE.format(line="It's for their new project in Airdrie."))
    assert (got["opportunity_type"].value, got["opportunity_type"].confidence) == (
        "Project",
        GUESS,
    )


def test_a_reply_gets_no_guesses(extractor) -> None:
    got = read(extractor, LOOSE.format(line="They sign on 15 January 2027."), reply=True)
    assert "close_date" not in got or got["close_date"].confidence > GUESS


def test_a_word_that_describes_a_part_names_no_opportunity_type(extractor) -> None:
    got = read(extractor, "Aspen and Oak - 14 casements 36x48, std screens. factor 48.")
    assert "opportunity_type" not in got
    got = read(extractor, "Aspen and Oak - 14 casements 36x48. factor 48, std.")
    assert got["opportunity_type"].value == "Standard"


def _service(extractor, text: str, subject: str = "window") -> dict:
    msg = message(text, subject=subject, from_name="Wes Dyck", from_addr="wes@example.net")
    return extractor.extract(msg, "service", now=msg.date, sender_is_staff=False)


def test_a_fault_said_beside_a_phone_number_is_a_description_to_check(extractor) -> None:
    subject = (
        "Cracked window in front room 47 Tamarack Cres NW Edmonton - Karen Blum 780-555-0199 "
        "pls call"
    )
    got = _service(extractor, "\n\nSent from my iPhone", subject=subject)
    assert got["description"].value == "Cracked window in front room"


def test_a_fault_in_a_sentence_asking_for_replacements_is_a_description_to_check(extractor):
    text = (
        "hey got 3 windows off todays rack w cracked glass, no rush today but need "
        "replacements before we close in. call 403 555 0162\n\nwes"
    )
    got = _service(extractor, text)
    assert "cracked glass" in got["description"].value


def test_a_request_naming_no_fault_gives_no_description(extractor) -> None:
    got = _service(extractor, "Can someone call me at 403 555 0162 to book a visit?\n\nwes")
    assert "description" not in got


def test_the_wrong_handing_is_the_fault(extractor) -> None:
    text = (
        "Morning,\n\nThe two new casements you shipped (your SO-560114) came hinged on the "
        "left, the order was right hand. We need someone to come swap them asap.\n\nShane"
    )
    assert "hinged on the left" in _service(extractor, text)["description"].value


def _passed_on(extractor, text: str) -> dict:
    msg = message(text, subject="service", from_name="Dan Schultz", from_addr="dan@example.com")
    return extractor.extract(msg, "service", now=msg.date, sender_is_staff=True)


def test_the_one_person_a_staff_member_names_is_a_contact_to_check(extractor) -> None:
    text = (
        "Logging a call that came in on the main line - Rosa Delgado, 14 Willow Bend, "
        "Okotoks. Bathroom awning window: the crank handle snapped off.\n\nDan"
    )
    got = _passed_on(extractor, text)
    assert got["contact_name"].value == "Rosa Delgado"
    assert got["contact_name"].confidence == GUESS


def test_two_people_named_are_no_contact_guess(extractor) -> None:
    text = (
        "Logging a call that came in on the main line - Rosa Delgado and Tom Reyes, 14 Willow "
        "Bend, Okotoks. Bathroom awning window: the crank handle snapped off.\n\nDan"
    )
    assert "contact_name" not in _passed_on(extractor, text)


def test_a_heading_in_capitals_is_no_contact_guess(extractor) -> None:
    text = "New Service Request\n\nThe patio door handle snapped off this morning.\n\nDan"
    assert "contact_name" not in _passed_on(extractor, text)


def _quote(extractor, text: str) -> dict:
    msg = message(
        text, subject="pricing", from_name="Alex Martin", from_addr="alex.martin@example.com"
    )
    return extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True)


def test_products_in_shorthand_are_specs_to_check(extractor) -> None:
    # series and plan codes with counts, no "N <product word>" for the prose reader to take
    got = _quote(
        extractor, "jo - spring run for Aspen and Oak: KB-310 x4, KB-420 x9, as last fall."
    )
    assert got["product_specs"].confidence == GUESS
    assert "KB-310 x4, KB-420 x9" in got["product_specs"].value
    # a package and its glazing, price cut off the end
    got = _quote(extractor, "Aspen and Oak again. std pkg s3000 csmt wht/wht dbl pane, factor .50")
    assert got["product_specs"].value == "std pkg s3000 csmt wht/wht dbl pane"


def test_a_following_sentence_about_the_same_products_joins_the_guess(extractor) -> None:
    text = (
        "Aspen and Oak want the whole KB-30 line moved to triple pane. "
        "Same sizes as the KB-30 schedule, only the glazing changes. Use .47 again."
    )
    value = _quote(extractor, text)["product_specs"].value
    assert (
        value.startswith("Aspen and Oak want the whole KB-30 line") and "glazing changes" in value
    )
    assert ".47" not in value


def test_products_still_to_come_or_named_once_are_no_specs(extractor) -> None:
    for text in (
        "Aspen and Oak, new custom home. Takeoff to follow once I have the KB-30 plans.",
        "Aspen and Oak called about the window order, factor .47, close end of June.",
    ):
        got = _quote(extractor, text)
        assert "product_specs" not in got or got["product_specs"].confidence > GUESS, text


def test_products_promised_for_later_are_no_specs(extractor) -> None:
    for text in (
        "Aspen and Oak garage suite - designer still finalizing the window sizes, "
        "I'll send the line list as soon as I get it.",
        "Need a quote for the same job as my last email, Aspen and Oak want the package too.",
    ):
        got = _quote(extractor, text)
        assert "product_specs" not in got or got["product_specs"].confidence > GUESS, text


def test_a_misspelt_stage_after_the_word_stage_is_a_stage_to_check(extractor) -> None:
    got = read(extractor, LOOSE.format(line="Factor .47, stage aprovals, close end of June."))
    assert (got["stage"].value, got["stage"].confidence) == ("Approvals", GUESS)
    # a word near no stage's spelling gives none
    assert "stage" not in read(extractor, LOOSE.format(line="Factor .47, stage later, close June."))


@pytest.mark.parametrize(
    ("sentence", "guessed"),
    [
        ("It is a project, the plans are attached.", "Project"),
        ("The factor is the same as for the Savanna project.", None),
        ("Same sizes as that project last spring.", None),
        ("Same as the Savanna Ph2 project.", None),
    ],
)
def test_the_word_project_naming_a_job_is_no_type(extractor, sentence, guessed):
    """ "the Savanna project" names a job: the type is not guessed from it (and is asked)."""
    text = f"Quote for Prairie Crest, factor .49, 12 casements 24x48 white. {sentence}"
    assert quote(extractor, message(text)).get("opportunity_type") == guessed


def test_a_type_word_opening_the_line_under_a_name_is_the_type(extractor):
    """ "opp name PCH Ridgeview Ph3 Showhomes" over "project, stage submissions": the capital
    before the word is on the line above, so the word is the type, not part of a name."""
    text = (
        "hi team - new one for prairie crest\nall casement + fixed combos, dual pane\n"
        "factor 52\nopp name PCH Ridgeview Ph3 Showhomes\nproject, stage submissions\n"
    )
    assert quote(extractor, message(text))["opportunity_type"] == "Project"
