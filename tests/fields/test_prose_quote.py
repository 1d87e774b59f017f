"""Readers `prose_quote` and `prose_specs`: a quote request's prose read whole, its products,
the accounts it names and the picklist values it says."""

from __future__ import annotations

from datetime import datetime

import pytest

from intake.parsers.fields import LabelExtractor
from intake.parsers.fields.resolver import GUESS
from tests.fields.helpers import MST, message, quote, read_not_guessed


def test_prose_request(extractor):
    text = (
        "Hi team,\n\nAspen and Oak have a condo retrofit they're bidding on. Can you quote "
        "36 sliders 60x48 and 12 awnings 30x24, all dual pane Low-E argon in white, at x0.50? "
        'Opportunity is "Aspen & Oak - Lakeview Condo Retrofit", Project type, Submissions, '
        "and they expect to close end of next month. Amount should land around $61,000. "
        "Dealer will handle install - quote supply only.\n\nThanks,\nAlex"
    )
    msg = message(text, from_name="Alex Martin", from_addr="alex.martin@example.com")
    got = quote(extractor, msg, now=datetime(2026, 11, 12, 9, 0, tzinfo=MST))
    assert got["account"] == "Aspen & Oak Dealers Co."
    assert got["factor"] == "0.50"
    assert got["opportunity_name"] == "Aspen & Oak - Lakeview Condo Retrofit"
    assert got["opportunity_type"] == "Project"
    assert got["stage"] == "Submissions"
    assert got["close_date"] == "2026-12-31"
    assert got["amount"] == "61000.00"
    assert got["product_specs"].startswith("36 sliders 60x48 and 12 awnings 30x24")
    assert "0.50" not in got["product_specs"]
    assert got["special_instructions"] == "Dealer will handle install - quote supply only."


def test_two_accounts_named_the_one_quoted_for_wins(extractor):
    text = (
        "Hi team (cc Mark at Bow Valley Renovations, who's installing),\n\n"
        "Please quote for Ridgeline Custom Builds:\n"
        "Product specs: 10 casements 30x60\nFactor: 0.48\n"
        "Opportunity: Ridgeline - Bragg Creek Cabin / Standard / Submissions / close 2027-01-22\n"
        "Special instructions: ship to Bow Valley's yard."
    )
    got = quote(extractor, message(text, subject="Ridgeline cabin (BVR installing)"))
    assert got["account"] == "Ridgeline Custom Builds Ltd."
    assert got["account_id"] == "ACC-1002"


def test_prose_with_number_words_decision_date_and_a_later_quoted_opp_name(extractor):
    text = (
        "Could you price eight double-hung windows at 32 by 60, white, for Bow Valley? "
        'I set the opportunity up in Salesforce as "BVR - Elbow Park Reno", type Standard, '
        "and it's sitting at Funding. They expect to decide on the 10th of next month."
    )
    got = quote(extractor, message(text))
    assert got["product_specs"].startswith("eight double-hung windows at 32 by 60")
    assert got["opportunity_name"] == "BVR - Elbow Park Reno"
    assert got["opportunity_type"] == "Standard"
    assert got["stage"] == "Funding"
    assert got["close_date"] == "2026-12-10"  # written Wed 4 Nov


def test_product_nouns_from_the_organisation_file(org):
    """[synonyms.products] adds a site's own product words to the built-in ones."""
    text = "Account: Clearview\nCan you quote 12 crank-outs 30x48 white and 4 crankouts 24x36?\n"
    # (without the words, the sizes make the products at best a guess to check)
    plain = read_not_guessed(LabelExtractor(org), message(text))
    assert "product_specs" not in plain
    products = {"crank-out": ["crankout"]}
    site = org.model_copy(update={"synonyms": {**org.synonyms, "products": products}})
    got = quote(LabelExtractor(site), message(text))
    assert got["product_specs"].startswith("12 crank-outs 30x48 white and 4 crankouts 24x36")


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("It's a project (four homes) and we're at funding.", "Project"),
        ("They want us to install, so this one is a project with installation.",
         "Project w/ installation"),
        ("It's a project manager's call when they sign.", None),  # another noun
    ],
)  # fmt: skip
def test_opportunity_type_said_in_a_sentence(extractor, sentence, kind):
    text = f"Hi team, Ridgeline wants 8 casements 30x48 dual pane white. {sentence}\n\nAlex"
    msg = message(text)
    got = extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True)
    said = got.get("opportunity_type")
    if kind is None:  # at most the last-resort guess, to be checked
        assert said is None or said.confidence <= GUESS
    else:
        assert said is not None and said.value == kind and said.confidence > GUESS


def test_dictated_request_numbers_dates_dash_and_said_label(extractor):
    text = (
        "Hi team quote for aspen and oak please. Six sliders 60 by 48 dual pane white. "
        "Multiplier point four nine. Opportunity name Aspen dash Hillcrest Condo. Type project "
        "stage funding close date March twenty-first. Special instructions dealer wants the "
        "screens shipped loose period cheers Alex"
    )
    msg = message(text, from_name="Alex Martin", from_addr="alex.martin@example.com")
    got = quote(extractor, msg, now=datetime(2026, 11, 12, 9, 0, tzinfo=MST))
    assert got["factor"] == "0.49"
    assert got["close_date"] == "2027-03-21"
    assert got["opportunity_name"].startswith("Aspen - Hillcrest Condo")
    assert got["special_instructions"] == "dealer wants the screens shipped loose"


@pytest.mark.parametrize(
    "said",
    [
        "New customer, no account set up yet: Larkspur Custom Homes, out of Airdrie.",
        "New prospect - Larkspur Custom Homes out of Airdrie, met them at the home show.",
        "Met with a new builder yesterday, Larkspur Custom Homes out of Airdrie.",
        "New one for you – Larkspur Custom Homes, first job with them (account is being set up).",
        "Great meeting with Larkspur Custom Homes. They're a brand new account for us.",
        "New account - not set up in CRM yet, credit app is in progress: Larkspur Custom Homes, "
        "a small builder.",
        "Met a new builder at the mixer last week - Larkspur Custom Homes. They're doing a 4-plex.",
        "Please quote for Larkspur Custom Homes – new customer, not set up yet.",
    ],
)
def test_a_new_account_the_crm_does_not_know_yet(extractor, said):
    text = f"{said}\nThey need 6 casements 24x48 dual white, factor .55."
    got = quote(extractor, message(text))
    assert got["account"] == "Larkspur Custom Homes"


def test_a_record_type_said_before_the_word_record(extractor):
    text = "Factor 47. Opp Northgate Q2 Run, project, close June 15. Single record."
    assert quote(extractor, message(text))["record_type"] == "Single"


def test_a_list_with_a_dash_after_each_quantity(extractor):
    text = "Account: A&O\n\n6 - 2-lite slider 60x48\n3 - casement 24x60\n2 - picture 72x48"
    assert quote(extractor, message(text))["product_specs"] == (
        "6 - 2-lite slider 60x48; 3 - casement 24x60; 2 - picture 72x48"
    )


def test_a_phase_or_lot_number_is_no_quantity(extractor):
    msg = message("Clearview is bidding the Lakeview Phase 2 package too, Lot 9 windows as well.")
    assert "product_specs" not in read_not_guessed(extractor, msg)


def test_a_width_in_feet_is_no_quantity(extractor):
    msg = message("The 12-ft sliding patio door came off its track, can you quote a new one?")
    assert "product_specs" not in quote(extractor, msg)


def test_a_new_builder_named_before_its_note(extractor):
    text = (
        "Kestrel Ridge Homes (new custom builder, not in SF yet - I'll set up the account "
        "tonight) wants pricing on their Glenora show home: 14 casements 30x48."
    )
    assert quote(extractor, message(text))["account"] == "Kestrel Ridge Homes"


def test_a_form_written_as_bullets_without_labels(extractor):
    """ "- .49", "- 50%", "- Aspen & Oak - Hendricks reno": each bullet one value of the form,
    the products among them, and the plain note below it the instructions."""
    text = (
        "Aspen & Oak\n- 8x 3500 casement 30x48 white/white triple\n"
        "- 2x 6' patio door white, grids 3w1h\n- .49\n- Aspen & Oak - Hendricks reno\n"
        "- Standard\n- 50%\n- close end of next month\n\n"
        "Dealer is doing the install, just supply."
    )
    got = quote(extractor, message(text, subject="Aspen & Oak quote"))
    assert got["factor"] == "0.49"
    assert got["opportunity_name"] == "Aspen & Oak - Hendricks reno"
    assert got["opportunity_type"] == "Standard"
    assert got["stage"] == "Submissions"
    assert got["close_date"] == "2026-12-31"
    assert got["product_specs"].startswith("8x 3500 casement 30x48")
    assert got["special_instructions"] == "Dealer is doing the install, just supply."


def test_a_bullet_of_a_product_list_is_never_the_note(extractor):
    text = (
        "Clearview wants our pricing:\n\n- 40 x Series 1500 PVC slider 48x36, white\n"
        '- 12 x Series 1500 PVC picture 60x48, white\n- white capping, 2 3/4" jamb\n\n'
        "Factor 52%\nOpp: Clearview - Lakeshore Condo Reno\nClose date end of Q2"
    )
    got = quote(extractor, message(text))
    assert "special_instructions" not in got
    assert got["product_specs"].endswith('white capping, 2 3/4" jamb')


@pytest.mark.parametrize(
    "sentence, field, value",
    [
        ("Early days – basic qualification at this point.", "stage", "Basic Qualification"),
        ("This time they want it as Project w/ installation.", "opportunity_type",
         "Project w/ installation"),
        ("Factor 52 please (their usual).", "factor", "0.52"),
        (".46 is too thin with the freight. Go .48, that's as low as I'll go.", "factor",
         "0.48"),
        ("We're pushing the decision, sign-off will be by Jan 21, not Dec 20.", "close_date",
         "2027-01-21"),
        ("They want supply and install, and I'd call it Funding stage right now.", "stage",
         "Funding"),
        ("We're only at Basic Qualification but the owner decides by the end of Q2.", "stage",
         "Basic Qualification"),
        ("Is there any chance you could turn this around by tomorrow end of day?", "quote_due",
         "2026-11-05"),
    ],
)  # fmt: skip
def test_fields_said_in_prose(extractor, sentence, field, value):
    text = f"Please quote 12 casements 30x48 for Bow Valley. {sentence}"
    assert quote(extractor, message(text))[field] == value


def test_the_last_bullet_of_a_product_list_is_one_more_item(extractor):
    """ "- nail fin on everything, no brickmould" under product bullets: part of the list
    (the specs), not an instruction."""
    text = (
        "Ben -\n\n- 40 x 3040 SH, dual pane, white, LowE 272\n- 40 x 2030 slider, same spec\n"
        "- nail fin on everything, no brickmould\n\nRoughly $240K over the quarter."
    )
    got = quote(extractor, message(text))
    assert "special_instructions" not in got
    assert got["product_specs"].endswith("nail fin on everything, no brickmould")


@pytest.mark.parametrize(
    "text, field, value",
    [
        ("Opp name PCH - Aurora Park Show Home. Project, 50%, closing the 30th.", "stage",
         "Submissions"),
        ("It's the usual monthly thing so Standard type, 90% - they've basically said yes.",
         "stage", "Approvals"),
        ("Factor .46 - actually scratch that, Lena signed off on .45, use .45.", "factor",
         "0.45"),
    ],
)  # fmt: skip
def test_a_probability_or_a_correction_said_in_passing(extractor, text, field, value):
    body = f"Please quote 12 x Series 300 casement 30x48 for Prairie Crest. {text}"
    assert quote(extractor, message(body))[field] == value


def test_an_opportunity_label_inside_a_paragraph_ends_with_its_sentence(extractor):
    text = (
        "Clearview has a condo retrofit at the Fairbanks building. Opportunity: Clearview - "
        "Fairbanks Condo Retrofit. Type is Project w/ installation (they're subbing the "
        "install to us), Stage Funding - the board votes on April 20th, so put the close "
        "date at April 28.\n\nSpec: 192 x Series 500 casement/fixed combos, almond/white."
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Clearview - Fairbanks Condo Retrofit"
    assert (got["opportunity_type"], got["stage"]) == ("Project w/ installation", "Funding")
    assert got["close_date"] == "2027-04-28"


def test_product_lines_counted_with_an_x_need_no_size(extractor):
    text = (
        "For the first job they want pricing on the Willow 1480:\n\n"
        "    12 x Series 300 casement, dual pane LowE 180 argon, white/white\n"
        "    3 x 3040 basement sliders\n    1 x 6' patio slider\n\n"
        "Let's set it up as Tamarack - Willow 1480 Bungalow."
    )
    assert quote(extractor, message(text))["product_specs"] == (
        "12 x Series 300 casement, dual pane LowE 180 argon, white/white; "
        "3 x 3040 basement sliders; 1 x 6' patio slider"
    )


def test_what_the_package_is_worth_is_no_product(extractor):
    forwarded = "From: Jordan <j@example.org>\nSubject: list\n\n- 18 x Series 700 tilt & turn\n"
    text = "Opp name Ridgeline - Sandhu Acreage. He's guessing around 95K for the package."
    got = quote(extractor, message(text, forwarded=forwarded))
    assert got["product_specs"] == "18 x Series 700 tilt & turn"
    assert got["amount"] == "95000.00"


def test_products_for_so_many_sets_with_their_glass_after_them(extractor):
    text = (
        "Opp name Northgate Spring Production Run 2028, standard.\n"
        "24 sets for the 14x70 single section. Each set = 7 horiz sliders 36x36 + 1 bath "
        "slider 30x54 obscure. Dbl pane low-e, white, MH flange."
    )
    got = quote(extractor, message(text))
    assert got["product_specs"] == (
        "24 sets for the 14x70 single section: 7 horiz sliders 36x36 + 1 bath slider 30x54 "
        "obscure, Dbl pane low-e, white, MH flange"
    )
    assert "special_instructions" not in got


def test_a_form_of_bullets_with_a_whole_number_factor_and_a_product_without_a_size(extractor):
    text = (
        "Bow Valley Renos, new one:\n\n• 9 casements + 2 awnings, triple pane, white/white, "
        "no grids\n• 55\n• Standard\n• Basic qual\n\nI'll send you the name and a close "
        "date once Ravi confirms the permit."
    )
    got = quote(extractor, message(text))
    assert got["factor"] == "0.55"
    assert got["product_specs"] == "9 casements + 2 awnings, triple pane, white/white, no grids"
    assert (got["opportunity_type"], got["stage"]) == ("Standard", "Basic Qualification")


def test_an_opportunity_line_with_an_estimate_in_thousands(extractor):
    text = (
        "Opp: HFD Quayside Phase 2 - Bldg C\nProject, 50%, close end of Q3, est. $212,000\n\n"
        "192 x Series 4500 casement 2448 dbl LowE argon white"
    )
    got = quote(extractor, message(text))
    assert (got["amount"], got["stage"], got["close_date"]) == (
        "212000.00",
        "Submissions",
        "2027-09-30",
    )


def test_the_one_line_of_a_bare_form_that_is_no_value_is_the_name(extractor):
    text = (
        "Hi all,\n\nPlease quote exactly what's in Dana's email.\n\nPrairie Crest Homes\n"
        "PCH Aurora Ridge Ph 4 Showhome\nProject\n90%\nFactor 46 (same as Ph 3)\n"
        "Close 04/15/29\nAmount $41,750"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "PCH Aurora Ridge Ph 4 Showhome"
    assert (got["stage"], got["factor"]) == ("Approvals", "0.46")


def test_the_name_labels_value_is_its_first_sentence(extractor):
    text = (
        "Opportunity name: Martel Basement Windows. Standard, Single. They're only at the Basic "
        "Qualification stage right now, haven't committed to anything. Ballpark about 4.2k.\n"
        "6 basement windows, 3624 two-lite sliders, white."
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Martel Basement Windows"
    assert (got["stage"], got["amount"]) == ("Basic Qualification", "4200.00")


def test_a_summary_line_with_a_labelled_name_cell_and_this_one_is_a_type(extractor):
    text = (
        "Harbourfront – Harbour Point Townhomes, schedule attached.\n\n"
        "Factor 0.45 | Project | 50% | close Jan 31 | Opp: HFD - Harbour Point Blk C&D | "
        "est. $212,400"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "HFD - Harbour Point Blk C&D"
    assert (got["amount"], got["stage"]) == ("212400.00", "Submissions")
    other = "Please quote 11 sliders and include install – this one is Project w/ installation."
    assert quote(extractor, message(other))["opportunity_type"] == "Project w/ installation"


def test_a_reply_that_moves_the_stage(extractor):
    text = "Update: they've accepted the budget numbers, so please move the stage to Approvals."
    assert quote(extractor, message(text), reply=True)["stage"] == "Approvals"


@pytest.mark.parametrize(
    "text",
    [
        "New one. Larkspur Custom Homes isn't set up in the CRM yet, the credit app is in.\n"
        "Opp: Larkspur - Hilltop Bungalow, Standard, 25%, close May 30, factor .55.\n"
        "12 casements 30x60, white.",
        "Quick one, new customer, not in SF yet. Kinnear Timber Co., building a cabin.\n"
        "Opp: Kinnear - Lakeside Cabin, Standard, 25%, close May 30, factor .55.\n"
        "12 casements 30x60, white.",
        "Morning. Tamsin Builders is a small outfit from Okotoks - first time dealing with us.\n"
        "Opp: Tamsin - Show Home, Standard, 25%, close May 30, factor .55.\n"
        "12 casements 30x60, white.",
    ],
)
def test_a_new_account_named_beside_what_says_it_is_new(extractor, text):
    got = quote(extractor, message(text))
    assert got["account"].split()[0] in ("Larkspur", "Kinnear", "Tamsin")
    assert got["account"].split()[-1] in ("Homes", "Co.", "Builders")
    assert "account_id" not in got


def test_a_known_account_beside_a_new_account_word_is_no_new_account(extractor):
    text = (
        "Prairie Crest Homes sent the credit app for their new division. 6 casements 30x60, "
        "white, factor .52."
    )
    got = quote(extractor, message(text))
    assert (got["account"], got["account_id"]) == ("Prairie Crest Homes", "ACC-1001")


def test_a_count_before_a_numbered_series(extractor):
    text = "Can you price this up: 8 2000-series sliders, mostly 48x36, white. Factor .51."
    assert quote(extractor, message(text))["product_specs"].startswith("8 2000-series sliders")


def test_openings_are_a_count_of_products(extractor):
    text = "PCH Ph 4, 3 showhomes, approx 27 openings each, tri-pane, grey ext/white int."
    assert "27 openings each" in quote(extractor, message(text))["product_specs"]


def test_a_hurried_request_with_lower_case_sentences_and_a_factor_in_words(extractor):
    text = (
        "Omar - PCH Redwood Lot 7 spec home: 18 openings 3500 casement tri-pane white/white. "
        "factor fifty four, Single, Standard, stage 95 (they've signed), close the 21st. opp "
        "PCH Redwood L7 Spec. plans attached"
    )
    got = quote(extractor, message(text))
    assert got["product_specs"] == "18 openings 3500 casement tri-pane white/white"
    assert (got["factor"], got["stage"]) == ("0.54", "Proofing")
    assert got["opportunity_name"] == "PCH Redwood L7 Spec"


def test_two_picklist_values_side_by_side_in_lower_case(extractor):
    text = "Bow Valley wants 3 awnings 30x24, all white. project, submissions, close end of Q2."
    got = quote(extractor, message(text))
    assert got["opportunity_type"] == "Project"
    assert got["stage"] == "Submissions"


def test_one_lower_case_picklist_word_alone_names_nothing(extractor):
    got = quote(extractor, message("Bow Valley wants 3 awnings 30x24. submissions go in friday."))
    assert "stage" not in got


@pytest.mark.parametrize(
    ("text", "account"),
    [
        ("bvr elm st reno is a go, 9 casements 30x48. fac 53", "Bow Valley Renovations"),
        ("a&o - elm st reno, 9 casements 30x48. fac 53 std", "Aspen & Oak Dealers Co."),
    ],
)
def test_an_accounts_acronym_in_lower_case_from_a_lower_case_writer(extractor, text, account):
    assert quote(extractor, message(text))["account"] == account


@pytest.mark.parametrize(
    ("text", "account"),
    [
        # the first letter of each word, and one from inside "Northgate" (North-Gate)
        ("NGM cabin pilot - 12 awnings 30x24 white. Factor .45.", "Northgate Modular Inc."),
        ("Quote for RCB please: 4 casements 24x36. Factor .5.", "Ridgeline Custom Builds Ltd."),
    ],
)  # fmt: skip
def test_an_account_written_as_its_capital_initials(extractor, text, account):
    """The organisation file gives the name in full; the writer uses its initials."""
    assert quote(extractor, message(text))["account"] == account


def test_capitals_that_fit_no_accounts_initials_name_none(extractor):
    text = "Need this ASAP - the IGU sizes are RO. 4 casements 24x36. Factor .5."
    assert "account" not in quote(extractor, message(text))


def test_a_lower_case_acronym_among_capitals_is_no_account(extractor):
    text = "Hi team. The bvr cutout is 30x48 on all 9 casements. Factor .53."
    assert "account" not in quote(extractor, message(text))


def test_a_type_changed_back(extractor):
    """ "so back to Standard, no install from us": a change undone names the type."""
    text = "Ignore my last email re Lindqvist - BVR found a sub so back to Standard, sorry!"
    assert quote(extractor, message(text), reply=True)["opportunity_type"] == "Standard"


@pytest.mark.parametrize(
    "line",
    [
        "Aspen & Oak - Millrise Duplex, standard, 50%, close end of june, factor 55%",
        "Here's how I'd set it up: Aspen & Oak - Millrise Duplex, Standard, Submissions, "
        "close June 30.",
    ],
)
def test_an_opportunity_as_a_bare_comma_list_led_by_its_name(extractor, line):
    """No cue word names the opportunity: its "<Account> - <name>" form, followed by the
    opportunity's own values, does; the values are read too."""
    got = quote(extractor, message(f"Drawings attached, pls quote.\n\n{line}"))
    assert got["opportunity_name"] == "Aspen & Oak - Millrise Duplex"
    assert (got["opportunity_type"], got["close_date"]) == ("Standard", "2027-06-30")
    assert got["stage"] == "Submissions"


def test_an_account_led_list_of_products_names_no_opportunity(extractor):
    text = "Aspen & Oak - Millrise, kitchen and nook, white inside, black outside. Plans attached."
    assert "opportunity_name" not in quote(extractor, message(text))


def test_a_picklist_value_broken_over_a_hard_wrap_is_one_value(extractor):
    text = (
        "Aspen and Oak want us to supply and install the windows, so please set it up as\n"
        "Project w/\ninstallation when you open the opp.\n"
    )
    assert quote(extractor, message(text))["opportunity_type"] == "Project w/ installation"
