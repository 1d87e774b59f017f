"""Reader `prose_numbers`: the factor, close date and amount a quote request says in
prose."""

from __future__ import annotations

import pytest

from tests.fields.helpers import message, quote, values


def test_bare_picklist_clauses_and_a_lone_fraction_as_the_factor(extractor):
    got = quote(extractor, message("Northgate - opp NMI - Cedar Lane. Project, Funding, .57."))
    assert got["opportunity_type"] == "Project"
    assert got["stage"] == "Funding"
    assert got["factor"] == "0.57"


@pytest.mark.parametrize(
    "text",
    [
        "Two options: .55 or .58 depending on volume.",  # two candidates: ask, do not pick
        "Use 0.75 in thick glass stops and 12 x casement 30 x 48.",  # a size, not a factor
        "Budget is $.50 per sq ft on the trim.",  # money
        "Version 2.55 of the configurator crashed again.",
    ],
)
def test_a_lone_decimal_that_is_not_the_factor(extractor, text):
    assert "factor" not in quote(extractor, message(text))


@pytest.mark.parametrize(
    ("sentence", "factor"),
    [
        ("Pricing at 0.5x list per the program.", "0.50"),
        ("Their factor on heritage jobs is 50 percent, approved.", "0.50"),
        ("The factor is half, as agreed with Lena.", "0.50"),
    ],
)
def test_factor_wordings(extractor, sentence, factor):
    assert quote(extractor, message(f"Account: Ridgeline\n\n{sentence}"))["factor"] == factor


def test_values_named_before_their_cue_and_commit_dates(extractor):
    text = (
        "Account: Ridgeline\n\nI went with Project as the type and Single as the record type. "
        "For the stage I put Submissions. They will commit by Dec 18th."
    )
    got = quote(extractor, message(text))
    assert got["opportunity_type"] == "Project"
    assert got["record_type"] == "Single"
    assert got["stage"] == "Submissions"
    assert got["close_date"] == "2026-12-18"


@pytest.mark.parametrize(
    ("sentence", "factor"),
    [
        ("Factor is 52 like always.", "0.52"),
        ("Multiplier at 48%.", "0.48"),
        ("Factor 0,58 on this one.", "0.58"),
        ("We factor in 30 days for delivery.", None),  # a verb and a period, no factor
    ],
)
def test_factor_in_prose_as_a_bare_number_or_percentage(extractor, sentence, factor):
    text = f"Hi team, Ridgeline wants 8 casements 30x48 dual pane white. {sentence}\n\nAlex"
    assert quote(extractor, message(text)).get("factor") == factor


def test_amount_in_words_and_in_the_sentence_after_its_cue(extractor):
    text = "Hi team, BVR wants 9 casements 30x48. The job should come in around forty-two grand."
    assert quote(extractor, message(text))["amount"] == "42000.00"
    fix = "Sorry - I had the value wrong on this one. It's 46k, not forty-two."
    assert quote(extractor, message(fix), reply=True)["amount"] == "46000.00"


def test_factor_after_an_at_sign(extractor):
    text = "Hi team, BVR wants 9 casements 30x48 @ .47 like last time."
    assert quote(extractor, message(text))["factor"] == "0.47"


def test_a_corrected_close_date_after_actually(extractor):
    text = "Sorry, close date is actually Dec 18, not end of the month. Everything else stands."
    assert quote(extractor, message(text), reply=True)["close_date"] == "2026-12-18"


def test_prose_name_set_up_as_usual_factor_today_close(extractor):
    text = (
        "Ridgeline wants pricing on the Bragg Creek cabin. Please set it up as Ridgeline - "
        "Cabin Windows Phase 2. Quote 6 casements 30x48 white. Use our usual 48 on this one, "
        "and show today as the close date. Ship to the yard."
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Ridgeline - Cabin Windows Phase 2"
    assert got["factor"] == "0.48"
    assert got["close_date"] == "2026-11-04"  # the message's own date
    assert "usual" not in got.get("special_instructions", "")


def test_factor_sentence_before_a_dashed_stage(extractor):
    got = quote(
        extractor, message("Factor is 52%. Stage – not sure yet, will confirm.\n\nA"), reply=True
    )
    assert got["factor"] == "0.52"
    assert "stage" not in got


def test_the_number_before_the_word_factor(extractor):
    text = "Ridgeline - Elbow Reno, 6 casements 30x48 triple white, use the 54 factor as usual."
    assert quote(extractor, message(text))["factor"] == "0.54"


def test_an_approval_that_changes_the_factor_beats_the_drafts_label(extractor):
    text = (
        "Approved, but go .50 not .52 - they have the fleet discount.\n\n"
        "Account: Aspen & Oak\nOpp: Aspen & Oak - Airdrie Infill\nType: Standard\n"
        "Stage: Funding\nClose: 2026-12-11\nFactor: .52\nSpecs: 12 casements 24x48 white\n"
    )
    assert quote(extractor, message(text))["factor"] == "0.50"


@pytest.mark.parametrize("said", ["close is moving to", "the close slipped to", "close shifts to"])
def test_a_close_date_said_as_moving(extractor, said):
    msg = message(f"Also {said} Dec 11, not the 4th.")
    got = values(
        extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=True)
    )
    assert got["close_date"] == "2026-12-11"


def test_a_factor_corrected_as_percentages_without_the_sign(extractor):
    text = "Change on this one - fctr should be 51 not 52 (Lena ok'd it), close is now Sept 15."
    assert quote(extractor, message(text), reply=True)["factor"] == "0.51"


def test_an_approval_that_corrects_a_whole_number_factor(extractor):
    fwd = "From: Alex Martin <alex.martin@example.com>\nSubject: Approval needed\n\nFactor: 53\n"
    msg = message("Team - approved, but at 49, not 53. Go ahead and quote.", forwarded=fwd)
    assert quote(extractor, msg)["factor"] == "0.49"


def test_a_numbered_list_of_changes_on_a_case(extractor):
    msg = message(
        "Tara - two changes on this one before it goes out:\n\n"
        "1. Lena signed off on 46 (not 48)\n"
        "2. PCH pushed the close out to Friday, December the eleventh\n\n"
        "Everything else stays the same."
    )
    got = values(
        extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=True)
    )
    assert (got["factor"], got["close_date"]) == ("0.46", "2026-12-11")


def test_a_door_added_on_a_case_and_a_close_date_that_slides(extractor):
    msg = message(
        "Change on the Holland job: the homeowners want to add a patio door. Please add 1 x 6' "
        "two-panel sliding patio door, sandstone ext / white int, Low-E argon.\n\n"
        "Close date slides to 12/15 with the extra approval time."
    )
    got = values(
        extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=True)
    )
    assert got["product_specs"].startswith("1 x 6' two-panel sliding patio door")
    assert got["close_date"] == "2026-12-15"


def test_an_approval_with_the_value_it_replaces_in_brackets(extractor):
    msg = message("Quick change on this one - Lena approved 50 (was 52). Everything else stays.")
    got = values(
        extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=True)
    )
    assert got["factor"] == "0.50"


def test_a_whole_number_factor_followed_by_its_reason(extractor):
    msg = message("Account: Clearview\n\nFactor 57 since they're a CX dealer.")
    assert quote(extractor, msg)["factor"] == "0.57"


def test_close_pushed_on_a_wrapped_line_and_a_type_made_another(extractor):
    text = "Northgate's shutdown moved, so please push the close date on\nthis to 5/18."
    assert quote(extractor, message(text), reply=True)["close_date"] == "2027-05-18"
    text = "Their crew will install, so please make it Project instead of Project w/ installation."
    assert quote(extractor, message(text), reply=True)["opportunity_type"] == "Project"


def test_two_close_dates_offered_give_none(extractor):
    """ "Close is Q1 or Q2, depends when their reno wraps up": not decided, so no close date
    (and the bot asks for it)."""
    text = (
        "Please quote 3 entry doors 36x80 for Clearview. Opp Clearview - Showroom Doors, "
        "standard, 25%. Close is Q1 or Q2, depends when their reno wraps up - I'll confirm."
    )
    got = quote(extractor, message(text))
    assert "close_date" not in got
    assert got["stage"] == "Funding"


def test_a_reply_that_reruns_the_factor_and_pushes_the_decision(extractor):
    text = (
        "Tara – PCH came back on this one. Can you rerun it at .46 instead of .48? They've also "
        "pushed their decision out to Nov 15. Everything else stays the same."
    )
    got = quote(extractor, message(text), reply=True)
    assert (got["factor"], got["close_date"]) == ("0.46", "2026-11-15")


@pytest.mark.parametrize("said", ["to start", "for now"])
def test_a_whole_number_factor_said_for_now(extractor, said):
    text = f"Please quote 10 casements 30x60. Factor 48 {said}, we'll sharpen it later."
    assert quote(extractor, message(text))["factor"] == "0.48"


def test_a_factor_corrected_for_this_one(extractor):
    text = "Factor: .47\nSpecs: 24 sliders 48x36.\n\nSorry - factor on this one is .45, not .47."
    assert quote(extractor, message(text))["factor"] == "0.45"


@pytest.mark.parametrize(
    ("said", "amount"), [("~6.2k", "6200.00"), ("$9,000", "9000.00"), ("approx $24k", "24000.00")]
)
def test_a_sum_alone_as_a_sentence_is_the_amount(extractor, said, amount):
    text = f"Quote 4 casements 30x48 for Martel, Standard, close Oct 17th. {said}. Prepaid terms."
    assert quote(extractor, message(text))["amount"] == amount


def test_a_sum_inside_a_sentence_is_not_taken_for_the_amount(extractor):
    text = "Quote 4 casements 30x48 for Martel, Standard. Their deposit was ~2k last time."
    assert "amount" not in quote(extractor, message(text))


@pytest.mark.parametrize(
    ("said", "factor"),
    [("pt52 project, close end of next month", "0.52"), ("opp BVR Den, pt.58 std", "0.58")],
)
def test_a_factor_as_its_glued_shorthand(extractor, said, factor):
    got = quote(extractor, message(f"new opp for Bow Valley. {said}"))
    assert got["factor"] == factor


def test_a_count_of_pints_is_no_factor(extractor):
    got = quote(extractor, message("Bow Valley wants 2 pt 52 of caulk with the 10 casements."))
    assert "factor" not in got
