"""Readers `prose_quote` and `prose_specs`: cue words, products and instructions in a quote
request's prose."""

from __future__ import annotations

from datetime import datetime

import pytest

from intake.parsers.fields import LabelExtractor, missing_fields
from intake.parsers.fields.resolver import GUESS
from tests.fields.helpers import MST, message, quote, read_not_guessed, values


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


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("I need it by Thursday - they're presenting Friday.", "2026-11-05"),
        ("Can I get this one by tomorrow at noon?", "2026-11-05"),
        ("No rush on this one, anytime before Dec 4 is fine.", None),
        ("Can you send it by Friday next week?", None),
        ("They want the install done before the 18th.", None),
        ("They need to close by Friday.", None),
    ],
)
def test_quote_due_only_when_earlier_than_the_sla(extractor, text, due):
    got = quote(extractor, message(text), reply=True)
    assert got.get("quote_due") == due


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


def test_an_opp_name_in_quotes_after_the_writers_own_words(extractor):
    """'For the opportunity I was thinking "Ridgeline - Lot 7", type Standard': the name is
    the quoted one, not the words that lead up to it."""
    text = 'Quote 12 casements 30x48. For the opportunity I was thinking "Ridgeline - Lot 7".'
    assert quote(extractor, message(text))["opportunity_name"] == "Ridgeline - Lot 7"


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


def test_a_stage_given_as_its_probability(extractor):
    got = quote(
        extractor, message("Account: Bow Valley\nWe're at 50% on this one, they liked it.\n")
    )
    assert got["stage"] == "Submissions"


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


def test_opportunity_name_after_call_it(extractor):
    text = "Hi team, Ridgeline is early on a cabin, standard opp. Call it Ridgeline - Elk Cabin 2."
    assert quote(extractor, message(text))["opportunity_name"] == "Ridgeline - Elk Cabin 2"
    later = "Hi team, Ridgeline wants 4 casements 30x48. Call it a day if they balk at the price."
    assert "opportunity_name" not in quote(extractor, message(later))


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


def test_an_instruction_that_points_to_the_attachment(extractor):
    text = (
        "Hi team, Tamarack wants 40 single hung 36x48 dual pane white.\n\n"
        "Please price per house type (A and B) - the breakdown is in the attached plan set.\n"
    )
    got = quote(extractor, message(text))
    assert got["special_instructions"].startswith("Please price per house type (A and B)")


def test_quote_due_only_from_the_clause_that_asks_for_the_quote(extractor):
    text = (
        "Hi team, new builder. I sent them the credit form today, so the account should be "
        "there by Monday - in the meantime can you get started on the quote? "
        "12 casements 30x48 dual pane white."
    )
    assert "quote_due" not in quote(extractor, message(text))
    asked = "Hi team, PCH needs 12 casements 30x48 - can I get the quote by tomorrow?"
    assert quote(extractor, message(asked))["quote_due"] == "2026-11-05"


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


def test_stage_said_in_sales_words(extractor):
    # a probability the sender puts on it, a stage word before "stage", a won opportunity
    said = {
        "The builder is in, so I'd call it 90%. Quote 4 awnings 30x20.": "Approvals",
        "They're at the submissions stage with the owner. Quote 4 awnings 30x20.": "Submissions",
        "The opportunity (RCB - Elbow Drive) is won. Quote 4 awnings 30x20.": "Closed Won",
    }
    for text, stage in said.items():
        assert quote(extractor, message(text))["stage"] == stage, text
    reply = quote(
        extractor,
        message("Stage check on Elbow Drive - we're at 25 now, waiting on the bank."),
        reply=True,
    )
    assert reply["stage"] == "Funding"
    assert "stage" not in quote(extractor, message("We're negotiating, I'd call it 10% off list."))


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


def test_factor_sentence_before_a_dashed_stage(extractor):
    got = quote(
        extractor, message("Factor is 52%. Stage – not sure yet, will confirm.\n\nA"), reply=True
    )
    assert got["factor"] == "0.52"
    assert "stage" not in got


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


def test_an_opportunity_set_up_as_a_name_written_across_a_line_break(extractor):
    text = (
        "Ridgeline needs 8 casements 30x48 triple white at .5. Please set the opportunity "
        "up as Ridgeline -\nMcKenzie Lake Reno, it's a Standard at Funding, closing Dec 18."
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Ridgeline - McKenzie Lake Reno"


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


def test_a_factor_corrected_in_the_same_sentence_takes_the_later_one(extractor):
    text = (
        "Ridgeline needs 4 casements 30x48 triple white. Factor is .52 - sorry, I checked "
        "their contract and it is .55. Opp is Ridgeline - Varsity Reno, Standard, Funding."
    )
    assert quote(extractor, message(text))["factor"] == "0.55"


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


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # "stage 50" in a run-on of the opportunity: the stage by its probability
        ("Opp name Ridgeline - Elbow Reno, type Standard, stage 90, factor 0.5, close Jun 2.",
         "Approvals"),
        # "at 25" in a sentence that names that very stage
        ("Ridgeline - Elbow Reno is a Standard. They're at 25 - funding is still pending.",
         "Funding"),
        # a run-on paragraph that is no opportunity line: "stage 25" as a clause of its own
        ("hey team PCH wants pricing for the lot 52 showhome, use factor point five one, "
         "stage 25, close in 3 weeks, it's a Project", "Funding"),
    ],
)  # fmt: skip
def test_a_stage_by_its_percentage_without_the_sign(extractor, text, stage):
    assert quote(extractor, message(text))["stage"] == stage


def test_at_a_number_with_no_stage_named_is_no_stage(extractor):
    text = "Ridgeline - Elbow Reno is a Standard. They're at 25 - the crew starts Monday."
    assert "stage" not in quote(extractor, message(text))


def test_the_number_before_the_word_factor(extractor):
    text = "Ridgeline - Elbow Reno, 6 casements 30x48 triple white, use the 54 factor as usual."
    assert quote(extractor, message(text))["factor"] == "0.54"


def test_a_factor_corrected_in_a_later_paragraph_beats_its_label(extractor):
    text = (
        "Account: Aspen & Oak\nOpp: Aspen & Oak - Airdrie Infill\nType: Standard\n"
        "Stage: Funding\nClose: 2026-12-11\nFactor: .48\n\n"
        "Specs: 12 casements 24x48 white\n\n"
        "Oops - the factor should be .46 for them, not .48 - they moved up a tier.\n"
    )
    assert quote(extractor, message(text))["factor"] == "0.46"


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


def test_a_name_part_after_a_comma_stays_when_capitalised(extractor):
    text = (
        "Opportunity is Ridgeline - Elbow Reno, Phase 2, standard, close Jun 2. 4 casements 24x60."
    )
    assert quote(extractor, message(text))["opportunity_name"] == "Ridgeline - Elbow Reno, Phase 2"


def test_the_due_date_follows_its_own_cue_not_the_first_for(extractor):
    """ "quick one for bow valley ... need by thurs noon": "for" is followed by no date; the
    cue the date follows is the one that counts."""
    text = "quick one for bow valley pls, need by thurs noon, cust mtg fri am"
    assert quote(extractor, message(text))["quote_due"] == "2026-11-05"


@pytest.mark.parametrize(
    "text",
    [
        "Clearview - Rossi residence, all in the form. They need it Thursday AM for their "
        "client meeting, so earlier than the usual 48h please.",
        "opp Clearview - Lakeshore Budget, standard, 5%, close Dec 15\n\n"
        "need by thurs noon if at all possible, they meet the homeowner thurs afternoon",
    ],
)
def test_the_due_date_said_after_need_it_or_in_a_paragraph_of_its_own(extractor, text):
    """ "They need it Thursday AM": the day the quote is needed, with no "by" before it; and
    a paragraph of its own is a sentence of its own, not the close date's clause above."""
    assert quote(extractor, message(text))["quote_due"] == "2026-11-05"


def test_a_factor_corrected_as_percentages_without_the_sign(extractor):
    text = "Change on this one - fctr should be 51 not 52 (Lena ok'd it), close is now Sept 15."
    assert quote(extractor, message(text), reply=True)["factor"] == "0.51"


def test_a_stage_put_at_a_percentage_on_a_reply(extractor):
    text = "They signed off on the budget - put it at 50% please."
    assert quote(extractor, message(text), reply=True)["stage"] == "Submissions"


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


def test_a_stage_the_sender_moved_the_opportunity_to(extractor):
    text = "It's a Project, and I've moved it to Submissions since he wants numbers this week."
    assert quote(extractor, message(text))["stage"] == "Submissions"


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


def test_a_whole_number_factor_followed_by_its_reason(extractor):
    msg = message("Account: Clearview\n\nFactor 57 since they're a CX dealer.")
    assert quote(extractor, msg)["factor"] == "0.57"


def test_a_width_in_feet_is_no_quantity(extractor):
    msg = message("The 12-ft sliding patio door came off its track, can you quote a new one?")
    assert "product_specs" not in quote(extractor, msg)


def test_need_it_back_tomorrow_is_a_due_date(extractor):
    text = "Need it back tomorrow - site super wants pricing before the framing walk Wed AM."
    assert quote(extractor, message(text))["quote_due"] == "2026-11-05"


def test_back_by_thursday_is_a_due_date_and_no_instruction(extractor):
    text = (
        "Opp: Ridgeline - Kowalchuk Residence\nType: Project w/ install\n\n"
        "Dave is meeting them Friday morning so I'd really like this back by Thursday EOD."
    )
    got = quote(extractor, message(text))  # Wednesday Nov 4
    assert got["quote_due"] == "2026-11-05"
    assert "special_instructions" not in got


def test_back_today_is_no_due_date(extractor):
    got = quote(extractor, message("Back today - Lena approved factor 0.56 for Sunridge."))
    assert "quote_due" not in got


def test_close_pushed_on_a_wrapped_line_and_a_type_made_another(extractor):
    text = "Northgate's shutdown moved, so please push the close date on\nthis to 5/18."
    assert quote(extractor, message(text), reply=True)["close_date"] == "2027-05-18"
    text = "Their crew will install, so please make it Project instead of Project w/ installation."
    assert quote(extractor, message(text), reply=True)["opportunity_type"] == "Project"


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


def test_setting_up_the_account_today_asks_no_quote_date(extractor):
    text = (
        "Met with a new builder yesterday, Larkspur Homes out of Airdrie – they're not in SF "
        "yet, I'll get the account set up today. They want our pricing on 16 casements "
        "30 x 48, triple pane. We'll go .60 factor to start."
    )
    got = quote(extractor, message(text))
    assert "quote_due" not in got
    assert got["account"] == "Larkspur Homes"


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


def test_a_reply_that_reruns_the_factor_and_pushes_the_decision(extractor):
    text = (
        "Tara – PCH came back on this one. Can you rerun it at .46 instead of .48? They've also "
        "pushed their decision out to Nov 15. Everything else stays the same."
    )
    got = quote(extractor, message(text), reply=True)
    assert (got["factor"], got["close_date"]) == ("0.46", "2026-11-15")


def test_a_labelled_close_still_being_decided_gives_none(extractor):
    text = (
        "Opp: Silverberry - Crestview Spec Home\nType: Standard\nStage: 5%\n"
        "Close date: depends on their lender - either end of August or end of September.\n"
        "Products: 18 x casement 3060 triple pane"
    )
    got = quote(extractor, message(text))
    assert "close_date" not in got and got["stage"] == "Basic Qualification"


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


def test_back_by_the_slas_last_day_at_an_earlier_hour_is_a_quote_date(extractor):
    """The 48 h SLA of a Monday 15:47 request ends Wednesday 15:47: "back by Wednesday noon"
    asks for it earlier."""
    when = datetime(2028, 6, 5, 15, 47, tzinfo=MST)
    text = (
        "Please quote 12 casements 30x48 for Ridgeline. I'm presenting to the client Thursday "
        "morning, so could I please have this back by Wednesday noon?"
    )
    got = quote(extractor, message(text, date=when))
    assert got["quote_due"] == "2028-06-07"
    later = text.replace("Wednesday noon", "Wednesday at 5pm")
    assert "quote_due" not in quote(extractor, message(later, date=when))


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


def test_the_one_line_of_a_bare_form_that_is_no_value_is_the_name(extractor):
    text = (
        "Hi all,\n\nPlease quote exactly what's in Dana's email.\n\nPrairie Crest Homes\n"
        "PCH Aurora Ridge Ph 4 Showhome\nProject\n90%\nFactor 46 (same as Ph 3)\n"
        "Close 04/15/29\nAmount $41,750"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "PCH Aurora Ridge Ph 4 Showhome"
    assert (got["stage"], got["factor"]) == ("Approvals", "0.46")


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


def test_a_due_time_inside_the_special_instructions_label(extractor):
    text = (
        "Account: Prairie Crest Homes\nStage: Approvals\nFactor: .50\n"
        "Special instructions: I need this back by Thursday 10 AM – it's going to their "
        "purchasing meeting."
    )
    assert quote(extractor, message(text))["quote_due"] == "2026-11-05"


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


def test_an_opportunity_name_in_quotes_after_opened_as(extractor):
    text = (
        'The Okafors want new basement windows. Can you have this opened as "Okafor – Basement '
        '2027", basic qual for now. Factor .60.\n\n4x hopper 32x20, white/white.'
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Okafor – Basement 2027"
    assert "special_instructions" not in got  # the sentence that names it is no instruction


@pytest.mark.parametrize("said", ["to start", "for now"])
def test_a_whole_number_factor_said_for_now(extractor, said):
    text = f"Please quote 10 casements 30x60. Factor 48 {said}, we'll sharpen it later."
    assert quote(extractor, message(text))["factor"] == "0.48"


def test_a_probability_said_for_now_among_the_opportunitys_values(extractor):
    text = "20 fixed units 72x84, silver.\n\n.57, Project, 5% for now, close end of Q2."
    assert quote(extractor, message(text))["stage"] == "Basic Qualification"


def test_an_opportunity_name_label_that_says_the_name_is_still_to_come(extractor):
    text = (
        "18 casements 30x60, white. Factor .55, Standard, 25%, close June 30.\n\n"
        "Opp name - the dealer hasn't told me what they call it yet, I'll send it on."
    )
    got = quote(extractor, message(text))
    assert "opportunity_name" not in got


def test_a_count_before_a_numbered_series(extractor):
    text = "Can you price this up: 8 2000-series sliders, mostly 48x36, white. Factor .51."
    assert quote(extractor, message(text))["product_specs"].startswith("8 2000-series sliders")


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


def test_a_probability_said_as_about_so_much(extractor):
    text = "Northgate 2031 homes, 40 sliders 30x48. We're at about 25% on it right now."
    assert quote(extractor, message(text))["stage"] == "Funding"


def test_a_reply_that_bumps_the_stage_by_its_probability(extractor):
    said = "They said yes!! bump to 90% and close Oct 4th pls."
    got = quote(extractor, message(said), reply=True)
    assert got["stage"] == "Approvals"
    other = quote(extractor, message("Can you bump the discount to 40% off list?"), reply=True)
    assert "stage" not in other


def test_openings_are_a_count_of_products(extractor):
    text = "PCH Ph 4, 3 showhomes, approx 27 openings each, tri-pane, grey ext/white int."
    assert "27 openings each" in quote(extractor, message(text))["product_specs"]


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


def test_a_whole_number_factor_corrected_on_the_spot(extractor):
    text = "Opportunity: BVR - Elm Sunroom\nType: Project\nFactor 52 — sorry, 55. Lena bumped it."
    assert quote(extractor, message(text))["factor"] == "0.55"


def test_a_factor_corrected_for_this_one(extractor):
    text = "Factor: .47\nSpecs: 24 sliders 48x36.\n\nSorry - factor on this one is .45, not .47."
    assert quote(extractor, message(text))["factor"] == "0.45"


def test_a_type_corrected_below_the_line_that_gave_it(extractor):
    text = (
        '4 casements 24x48, white.\nFactor .55, opp "Ridgeline - Elm Garage Suite", Project, '
        "Submissions, close July 19.\nActually - make the type Project w/ installation, they "
        "want us to do the install."
    )
    got = quote(extractor, message(text))
    assert got["opportunity_type"] == "Project w/ installation"
    assert "special_instructions" not in got


def test_a_name_that_runs_into_what_to_make_it(extractor):
    text = (
        "Ben can you quote 7 sliders 36x36 white for Northgate, call the opp Northgate MY2031 "
        "Single-Wide Package and make it Account Monthly / Standard / Submissions, factor .50"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Northgate MY2031 Single-Wide Package"
    assert got["record_type"] == "Account Monthly"


def test_a_type_still_being_decided_gives_none_and_is_no_instruction(extractor):
    text = (
        "Clearview wants pricing for Elm Townhomes, 22 casements 30x60 white. Factor 0.50. Opp "
        "name Clearview - Elm Townhomes. Close date Sept 20.\n\nNot sure yet whether it's a "
        "Project or Project w/ install - they're still deciding if their own crew installs."
    )
    got = quote(extractor, message(text))
    assert "opportunity_type" not in got
    assert "special_instructions" not in got


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


def test_a_stage_said_with_how_far_along_before_it(extractor):
    # an adverb between "we're"/"they're" and "at" still names the stage that follows
    said = {
        "Quote 4 awnings 30x20. They're already at Submissions with the owner.": "Submissions",
        "Quote 4 awnings 30x20. So we're essentially at Approvals, pending the number.": (
            "Approvals"
        ),
    }
    for text, stage in said.items():
        assert quote(extractor, message(text))["stage"] == stage, text


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


def test_a_record_type_after_the_name_in_shorthand(extractor):
    # "rec type single" after the name: the name ended, the clause is the record type
    text = (
        "Quote 4 casements 30x48. Opp name Martel Basement Egress, rec type single, "
        "type Standard, stage 50%, close Oct 17th."
    )
    got = quote(extractor, message(text))
    assert (got["opportunity_name"], got["record_type"]) == ("Martel Basement Egress", "Single")


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
    "said", ["Need the qte tmrw EOD", "need it tmrw am pls", "can I get it 2moro noon"]
)
def test_tomorrow_as_people_text_it(extractor, said):
    text = f"Quote 4 casements 30x48 for Clearview, factor .60. {said}."
    assert quote(extractor, message(text))["quote_due"] == "2026-11-05"  # written Wed Nov 4


def test_what_must_come_with_the_quote_is_an_instruction(extractor):
    text = (
        "Harbourfront - Bayview amenity building. Need:\n"
        "* 26 Series 500 fixed + awning, black/black, dual pane Low-E\n\n"
        "Factor 0.50\nOpp: HFD Bayview Amenity Bldg\n\n"
        "Need stamped shop drawings w/ the quote.\n"
    )
    got = quote(extractor, message(text))
    assert got["special_instructions"] == "Need stamped shop drawings w/ the quote."


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


@pytest.mark.parametrize(
    ("said", "stage"),
    [
        ("Bow Valley den, 10 casements. .52 project 25% close end of next month", "Funding"),
        ("Bow Valley den, 10 casements. std, factor .47, 50% close 3/31", "Submissions"),
        ("Bow Valley den, 10 casements. factor .52 std 25 close apr 30", "Funding"),
        ("Bow Valley den, 10 casements. factor .52 std single 50 close apr 30", "Submissions"),
    ],
)
def test_a_stage_as_its_percentage_in_a_run_of_values(extractor, said, stage):
    assert quote(extractor, message(said))["stage"] == stage


def test_a_bare_number_before_the_close_after_no_type_is_no_stage(extractor):
    got = quote(extractor, message("Bow Valley den, 10 casements, factor 25 close apr 30"))
    assert "stage" not in got


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


def test_a_glued_factor_corrected_on_the_spot(extractor):
    got = quote(extractor, message("Bow Valley, 10 casements. factor pt54 - sorry pt57, new tier"))
    assert got["factor"] == "0.57"


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


@pytest.mark.parametrize(
    ("said", "stage"),
    [
        ("Please move the opp to Funding.", "Funding"),
        ("They signed - can you bump it to Funding?", "Funding"),
        ("They went elsewhere. Please mark it closed lost, reason: price.", "Closed Lost"),
        ("approved, move to 90. close date stays end of july", "Approvals"),
        ("HFD signed off today. Pls move Maple Run Ph2 to 95%.", "Proofing"),
    ],
)
def test_a_stage_asked_for_in_the_imperative(extractor, said, stage):
    """ "Please move the opp to Funding", "mark it closed lost", "move to 90": the stage the
    writer tells us to set, by its name or its probability."""
    got = quote(extractor, message(f"News on the Olsen job. {said}"), reply=True)
    assert got["stage"] == stage


def test_a_type_changed_back(extractor):
    """ "so back to Standard, no install from us": a change undone names the type."""
    text = "Ignore my last email re Lindqvist - BVR found a sub so back to Standard, sorry!"
    assert quote(extractor, message(text), reply=True)["opportunity_type"] == "Standard"


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


def test_a_stage_permitted_for_later_is_no_stage(extractor):
    """ "You can move it to Funding once they confirm": a stage for later, not now."""
    got = quote(
        extractor,
        message("Approved at .47. You can move it to Funding once they confirm."),
        reply=True,
    )
    assert "stage" not in got


def test_an_opportunity_set_up_in_salesforce_as_a_quoted_name(extractor):
    text = 'Hi,\n\nI\'ve set it up in SF as "Martel - Whitemud full replacement", a Single record.'
    assert (
        quote(extractor, message(text))["opportunity_name"] == "Martel - Whitemud full replacement"
    )


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
