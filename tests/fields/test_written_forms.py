"""Forms found in the blind sets written by careful, formal and second-language writers and
by busy ones on phones (sets 80-97): each a way people write a field, read wherever it turns
up, one test per form."""

from __future__ import annotations

import pytest

from intake.parsers.body_parts import split_signature
from intake.parsers.message import Attachment
from tests.fields.helpers import message, quote, service


@pytest.mark.parametrize("said", ["25%", "25 per cent", "25 percent", "25pct"])
def test_a_stage_by_its_percentage_in_words(extractor, said):
    text = f"It is a Standard opportunity and is currently sitting at {said}, as they wait."
    assert quote(extractor, message(f"Please quote Northgate Modular. {text}"))["stage"] == (
        "Funding"
    )


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        (
            "Opportunity: Aspen & Oak - Willowbrook Estates Phase 1. Standard, stage 50%.",
            "Aspen & Oak - Willowbrook Estates Phase 1",
            "Standard",
        ),
        (
            "Opportunity name: HFD - Quayside Phase 2. It is a project with installation.",
            "HFD - Quayside Phase 2",
            "Project w/ installation",
        ),
        (
            "Opportunity name: HFD - Quayside Phase 2. It is a project.",
            "HFD - Quayside Phase 2",
            "Project",
        ),
    ],
)
def test_the_opportunity_names_sentence_ends_where_the_values_begin(extractor, text, name, kind):
    got = quote(extractor, message(text))
    assert (got["opportunity_name"], got["opportunity_type"]) == (name, kind)


def test_an_opportunity_line_wrapped_after_its_separator(extractor):
    text = (
        "1. Opp: Aspen & Oak - Red Deer Showroom Stock / Standard / 25% /\n"
        "   close June 14\n"
        "2. Mult: .51\n"
    )
    got = quote(extractor, message(text))
    assert (got["stage"], got["opportunity_type"]) == ("Funding", "Standard")
    assert got["opportunity_name"] == "Aspen & Oak - Red Deer Showroom Stock"


@pytest.mark.parametrize(("said", "day"), [("15.7.", "2027-07-15"), ("03.08.", "2027-08-03")])
def test_a_day_and_month_each_closed_by_a_stop(extractor, said, day):
    text = f"Opportunity name: Ridgeline - Elbow River. Type Standard, closing date {said}"
    assert quote(extractor, message(text))["close_date"] == day


def test_initials_joined_by_an_ampersand_name_the_account(extractor):
    got = quote(extractor, message("A&O - Hendricks acreage. specs in pdf. fctr .6 std single"))
    assert got["account"] == "Aspen & Oak Dealers Co."
    assert "account" not in quote(extractor, message("R&D budget for the Lot 9 job. fctr .6"))


def test_a_customers_decision_date_on_their_own_form_is_the_close_date(extractor):
    """Northgate's request sheet: "Decision by | first week of December" among its rows."""
    from tests.ooxml import ODS, odf_package, ods_sheet

    rows = [
        ["Customer", "Northgate Modular Inc."],
        ["Opportunity", "Northgate Spring Program"],
        ["Decision by", "first week of December"],
        ["Pricing factor", "55%"],
    ]
    sheet = odf_package(
        ODS, f"<office:spreadsheet>{ods_sheet('Request', rows)}</office:spreadsheet>"
    )
    att = Attachment("request.ods", ODS, sheet)
    got = quote(extractor, message("Everything is in the sheet.\n\nDan", attachments=(att,)))
    assert got["close_date"] == "2026-12-07"


def test_a_factor_put_in_place_of_another_in_a_reply(extractor):
    text = "Lena approved a sharper factor; kindly use 0.45 rather than the 0.47 I gave you."
    assert quote(extractor, message(text), reply=True)["factor"] == "0.45"


@pytest.mark.parametrize(
    "text",
    [
        "Two amendments: the close date should now read 15/05/2027.",
        "They now target May 15 to place the order, so please use that as the close date.",
    ],
)
def test_a_close_date_restated_in_a_reply(extractor, text):
    assert quote(extractor, message(text), reply=True)["close_date"] == "2027-05-15"


def test_where_a_contact_label_applies_does_not_hide_the_label(extractor):
    text = (
        "Six sliders are binding.\n\n"
        "Site: Northgate Modular Inc., 2200 Industrial Way, Nisku AB T9E 7Z1\n"
        "Contact at the plant: Sunil Rao, Quality Assurance Lead. He will meet your tech.\n"
    )
    got = service(extractor, message(text), staff=True)
    assert got["contact_name"] == "Sunil Rao"
    assert got["site_address"] == "Northgate Modular Inc., 2200 Industrial Way, Nisku AB T9E 7Z1"


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("contact Marco at BVR 403.555.0170 x22.", "Marco"),
        ("call Marco on 403-555-0170.", "Marco"),
        ("contact Marco Bellini (403) 555-0170", "Marco Bellini"),
    ],
)
def test_whom_to_call_by_the_number_after_their_name(extractor, said, name):
    text = f"URGENT - BVR jobsite 8 Cougar Ridge Pl SW. glass shards all over the deck. {said}"
    got = service(extractor, message(text, from_name="Priya Shah"), staff=True)
    assert got["contact_name"] == name


def test_an_orders_ship_to_row_is_the_site(extractor):
    text = (
        "Pasted from the order:\n\nSales Order\tSO-561047\n"
        "Ship To\tNorthgate Modular plant, 9120 27 St NW, Edmonton AB T6P 1X9\n"
        "Contact\tWes Hoang (receiving)\n"
    )
    got = service(extractor, message(text), staff=True)
    assert got["site_address"] == "Northgate Modular plant, 9120 27 St NW, Edmonton AB T6P 1X9"
    named = "Our PO-20917 was 11 screens short.\n\nShip to: Harbourfront Developments - Bridgewater"
    assert "site_address" not in service(extractor, message(named), staff=False)


def test_the_customer_items_bracketed_address_and_the_contacts_role(extractor):
    text = (
        "1. Customer: PCH homeowner, lot 7 Westbrook (88 Westbrook Grove SW)\n"
        "2. Issue: patio door lock is hard to engage\n"
        "3. Contact: homeowner Aisha Rahman 403-555-0129, home after 3 most days\n"
    )
    got = service(extractor, message(text, from_name="Alex Martin"), staff=True)
    assert got["site_address"] == "88 Westbrook Grove SW"
    assert got["contact_name"] == "Aisha Rahman"


def test_a_sum_in_dollars_as_one_item_of_a_shorthand_line(extractor):
    got = quote(
        extractor, message("Hendricks acreage. fctr .6 std single 25% close June 5th, $21k")
    )
    assert got["amount"] == "21000.00"
    assert "amount" not in quote(extractor, message("12 casements 30x48, $400 each, fctr .5"))


def test_quantities_in_words_with_their_digits_in_brackets(extractor):
    text = (
        "Please quote Northgate Modular. The product requirement is sixty (60) vertical "
        'sliders 36" x 48" and thirty (30) two-panel patio doors 60" x 80", all double glazed.'
    )
    specs = quote(extractor, message(text))["product_specs"]
    assert specs.startswith('60 vertical sliders 36" x 48" and 30 two-panel patio doors')


def test_a_value_the_writer_says_is_not_settled_is_asked_for_not_guessed(extractor):
    text = (
        "Please use a factor of 0.51. I have not yet agreed the opportunity type with "
        "Clearview, as they may wish us to install, and I shall confirm the stage after my "
        "meeting with them on Friday."
    )
    got = quote(extractor, message(text))
    assert got["factor"] == "0.51"
    assert "opportunity_type" not in got and "stage" not in got
    settled = quote(extractor, message("It is a Project. I have confirmed the stage: Funding."))
    assert settled["opportunity_type"] == "Project"


def test_a_stage_named_first_then_put_at_its_percentage(extractor):
    text = "Mike confirmed 52% on the factor. Stage you can put at 90%, they've signed off."
    got = quote(extractor, message(text), reply=True)
    assert (got["factor"], got["stage"]) == ("0.52", "Approvals")


def test_a_dealer_systems_ticket_dotted_labels_surname_first_and_rules(extractor):
    text = (
        "Mfr Case # .......:                     Mfr Order # ...: SO-558871\n"
        "----------------------------------------------------------\n"
        "  Name ...........: DHILLON, HARJIT\n"
        "  Phone ..........: 780-555-0187\n"
        "----------------------------------------------------------\n"
        "PROBLEM\n"
        "  Homeowner reports fogging between the panes on both bedroom casements.\n"
    )
    got = service(
        extractor, message(text, from_name="", from_addr="erp@dealer.example.org"), staff=False
    )
    assert got["reference"] == "SO-558871"
    assert got["contact_name"] == "Harjit Dhillon"
    assert got["description"].startswith("Homeowner reports fogging between the panes")
    comma = service(extractor, message("Contact: Marco, site super, 403-555-0100"), staff=True)
    assert comma["contact_name"] == "Marco"


def test_the_builder_who_built_a_homeowners_house_is_not_the_account(extractor):
    text = (
        "Hi there our patio door is really hard to slide, the wheels grind. House was built by "
        "prairie crest in 2039 if that matters.\n\nAddress is 52 Sandpiper Bay NW Edmonton"
    )
    msg = message(text, from_name="Kelly Brandt", from_addr="kb@example.net")
    assert "account" not in service(extractor, msg, staff=False)


def test_a_label_glossed_in_brackets_and_a_surveyors_contract_sum(extractor):
    """An estimator's own words for our fields, glossed ("Scheme (opportunity):"), and the
    trade's "Contract sum" for the amount."""
    text = (
        "Client: Northgate Modular Inc.\n"
        "Scheme (opportunity): Northgate - Red Deer Plant Q2 Programme\n"
        "Type of opportunity: Standard\n"
        "Contract sum: CAD 96,250.00\n"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Northgate - Red Deer Plant Q2 Programme"
    assert got["amount"] == "96250.00"
    # a gloss that names no field of ours leaves the label to its own words
    assert "opportunity_name" not in quote(extractor, message("Colour (ph 2): Bayside\n"))
    # a form's choices in brackets after our word: the label is ours, and "URGENT" is no
    # emergency by itself nor routine: the break-in's hazard decides
    form = (
        "Site address: 7720 Birchview Road NW, Edmonton\n"
        "Issue description: Attempted break-in overnight. Patio slider glass shattered, door "
        "cannot be locked. Unit is unsecured.\nPriority (Routine / Urgent): URGENT\n"
    )
    assert service(extractor, message(form), staff=True)["urgency"] == "emergency"


@pytest.mark.parametrize(
    ("said", "urgency"),
    [
        ("It is not, I should say, an emergency, but do call at your convenience.", "normal"),
        ("It is not an emergency, but do call.", "normal"),
        ("It is, I should say, an emergency: the glass is hanging loose.", "emergency"),
    ],
)
def test_a_not_set_off_by_an_aside_still_denies_the_emergency(extractor, said, urgency):
    text = f"The patio door is stiff to slide. {said}\nAddress: 4417 53 Avenue, St. Albert"
    msg = message(text, from_name="Georges Martel", from_addr="g.martel@example.net")
    assert service(extractor, msg, staff=False)["urgency"] == urgency


@pytest.mark.parametrize(
    ("said", "amount"),
    [
        ("CAD 13,10,000", "1310000.00"),  # India's grouping: thirteen lakh ten thousand
        ("$1,25,50,000", "12550000.00"),
        ("CAD 13.1 lakh", "1310000.00"),
        ("$1.2 crore", "12000000.00"),
        ("$1,310,000", "1310000.00"),  # the usual grouping reads as before
        ("12,50 $", "12.50"),
    ],
)
def test_an_amount_grouped_or_named_the_indian_way(extractor, said, amount):
    text = f"Opp: HFD - Bayview Phase 3\nTheir revised budget is {said}.\n"
    assert quote(extractor, message(text))["amount"] == amount


@pytest.mark.parametrize("hello", ["G'day team,", "G’day Priya -", "Howdy folks,", "Hiya,"])
def test_a_regional_greeting_is_no_part_of_the_fault(extractor, hello):
    text = f"{hello} the big fixed unit over the stairwell has cracked right across.\n"
    msg = message(text, from_name="Shane Doyle", from_addr="shane@example.net")
    got = service(extractor, msg, staff=False)
    assert got["description"].lower().startswith("the big fixed unit over the stairwell")


def test_the_ams_shorthand_for_a_field_is_no_instruction(extractor):
    text = (
        "7 csmt 28x54 TP lowe arg white/charcoal\nfctr .50 ok'd by lena\n"
        "opp Kestrel Point - Lot 3 Showhome, standard, stage 5%, close apr 30\nthx\n"
    )
    got = quote(extractor, message(text))
    assert got["factor"] == "0.50"
    assert "special_instructions" not in got


@pytest.mark.parametrize(
    "said",
    [
        "needs to be quoted w/ installation + disposal of old units",
        "It has to be priced with installation and disposal of the old units.",
        "pls quote w/ installation + disposal of old units",
    ],
)
def test_how_the_quote_takes_in_the_install_is_an_instruction(extractor, said):
    text = f"Quote for Bow Valley:\n- 4 double hung 32x56 TP white\n\nfctr 52%\n\n{said}\n"
    got = quote(extractor, message(text))
    assert "disposal of" in got["special_instructions"]


def test_a_line_typed_as_a_thought_of_its_own_under_a_fields_line(extractor):
    """A phone's lines, no stops: the paragraph runs them into one sentence, where the
    instruction and the due date sit beside a field's cue ("amount", "close")."""
    text = (
        "opp BVR - Mission Duplex\ntype Project w/ installation, stage 25%, close EOM\n"
        "record type Single, amount $31,400\n"
        "needs to be quoted w/ installation + disposal of old units\n"
        "need it back by tmrw noon pls\n"
    )
    got = quote(extractor, message(text))  # written Wed Nov 4
    assert got["special_instructions"] == (
        "needs to be quoted w/ installation + disposal of old units"
    )
    assert got["quote_due"] == "2026-11-05"
    # a sentence hard-wrapped over two lines is no two thoughts
    wrapped = (
        "Please make sure the quote for the Elbow Park house shows the screens and the\n"
        "close date of the opportunity is the end of the month, thanks\n"
    )
    assert quote(extractor, message(wrapped)).get("special_instructions") is None


def test_a_chats_question_about_the_opp_then_its_answer(extractor):
    text = (
        "pasting from slack\n\n12x 2460 fixed\nwhat fctr? and opp name?\n"
        ".44 same as last run. opp = Northgate - Spring Stock 2050, standard, close Mar 31\n"
    )
    assert quote(extractor, message(text))["opportunity_name"] == "Northgate - Spring Stock 2050"


def test_a_counter_clerks_lines_each_a_thought(extractor):
    """A dealer's clerk, no stops, one thought a line (one longer than any client wraps
    at): who writes and the address to come are no part of the fault."""
    text = (
        "hi connect you, aspen & oak counter here\ncustomer Doug Pruitt, 403-555-0152\n"
        "his 2 yr old picture window (5060) has condensation between panes, bottom half. "
        "our inv INV-20931\naddr - he's gonna email it to me, will fwd\nthx becca"
    )
    msg = message(text, from_name="Aspen & Oak Counter", from_addr="counter@aspenoak.example.org")
    got = service(extractor, msg, staff=False)
    assert "condensation between panes" in got["description"]
    assert "counter here" not in got["description"]
    assert "email it" not in got["description"]


def test_a_formal_writers_labels_project_title_sum_contact_person(extractor):
    text = (
        "Client: Ridgeline Custom Builds Ltd.\nProject title: Ridgeline - Elbow Ridge Residence\n"
        "Pricing factor: 52%\nSum: one hundred and twelve thousand dollars\n"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Ridgeline - Elbow Ridge Residence"
    assert got["amount"] == "112000.00"
    form = "Site address: 4410 68 Avenue NW, Edmonton\nContact person: Maricel Dizon\n"
    assert service(extractor, message(form), staff=True)["contact_name"] == "Maricel Dizon"


@pytest.mark.parametrize(
    "said",
    [
        "We would appreciate receiving the quotation by tomorrow, the 5th, as they meet Friday.",
        "I should be grateful for your figures at your earliest convenience, and in any event "
        "by Thursday the 5th of November, as the cost report goes out on the Friday.",
    ],
)
def test_a_formal_request_for_the_quotation_by_a_date(extractor, said):
    text = f"Client: Bow Valley Renovations\nFactor: .5\n\n{said}\n"
    assert quote(extractor, message(text))["quote_due"] == "2026-11-05"  # written Wed Nov 4


def test_a_department_mailbox_signed_by_a_person_over_a_disclaimer(extractor):
    """ "Respectfully yours," and a name over a rule and a legal notice, sent from a
    department's mailbox: the person who signs is the one to call; the courtesies, and the
    address that is still to come, are no part of the fault."""
    text = (
        "Good day Connect You Team!\n\nHope this email finds you well. Three (3) window "
        "screens were torn by the strong wind and one casement crank handle is broken.\n\n"
        "The site address will be advised by our Site Engineer.\n\n"
        "Kindly do the needful at your earliest convenience.\n\nThank you and God bless!\n\n"
        "Respectfully yours,\n\nMaricel Dizon\nOffice Administrator\n\n" + "_" * 60 + "\n"
        "CONFIDENTIALITY NOTICE AND DISCLAIMER: This electronic mail message, including any "
        "attachments, is intended solely for the use of the addressee(s) named above. If you "
        "are not the intended recipient, you are hereby notified that any review or "
        "distribution is strictly prohibited.\n"
    )
    body, signature = split_signature(text, "Northgate Modular - Admin Office")
    assert signature.startswith("Respectfully yours,") and "Maricel Dizon" in signature
    msg = message(
        body,
        signature=signature,
        from_name="Northgate Modular - Admin Office",
        from_addr="admin.office@example.org",
    )
    got = service(extractor, msg, staff=False)
    assert got["contact_name"] == "Maricel Dizon"
    assert got["description"].startswith("3 window screens were torn")
    assert got["description"].endswith("crank handle is broken.")


@pytest.mark.parametrize(
    "said",
    [
        "The whole unit is loose and could drop onto the driveway below.",
        "We've propped it from the inside and taped off the drive.",
    ],
)
def test_a_unit_that_could_drop_onto_the_drive_is_an_emergency(extractor, said):
    text = f"The upstairs bedroom window frame has pulled away from the studs. {said}"
    msg = message(text, from_name="Hemi Walker", from_addr="hemi.walker@example.net")
    assert service(extractor, msg, staff=False)["urgency"] == "emergency"


@pytest.mark.parametrize(
    ("said", "field", "value"),
    [
        ("Stage: 25% - my apologies, kindly make that 50%, as the drawings were shown.", "stage",
         "Submissions"),
        ("Stage: 25% - sorry, 50%", "stage", "Submissions"),
        ("Stage: 25", "stage", "Funding"),
        ("Close: Nov 15 - apologies, Nov 22", "close_date", "2026-11-22"),
        ("Factor .52, please make that .54", "factor", "0.54"),
    ],
)  # fmt: skip
def test_a_formal_writers_correction_on_the_spot(extractor, said, field, value):
    assert quote(extractor, message(f"Opp: Ridgeline - Crowfoot Bungalow\n{said}\n"))[field] == (
        value
    )


def test_a_forms_urgency_with_its_choices_and_a_pressing_priority(extractor):
    form = (
        "Issue: kitchen awning operator is very stiff.\n"
        "Urgency (Routine / Urgent / Emergency): Routine\n"
    )
    got = service(extractor, message(form), staff=True)
    assert got["urgency"] == "normal"
    assert "Routine" not in got["description"]
    pressing = "Issue: kitchen awning operator is very stiff.\nPriority: URGENT\n"
    assert service(extractor, message(pressing), staff=True)["urgency"] == "normal"
    units = "Units (48 suites):\n- 96 casement 30x60\n  stop (NOT the snap-in stop)\n- 48 awning\n"
    assert quote(extractor, message(units))["product_specs"].endswith("48 awning")


def test_a_line_that_only_names_someone_is_no_part_of_the_fault(extractor):
    text = (
        "Lot 14 Blk 3 - 88 Crestview Gate SW Calgary\n"
        "Bedroom 2 window came in 30x48, plans show 36x48.\n"
        "Curtis Yellowhorn, site super PCH\nHarpreet Sandhu\n"
    )
    got = service(extractor, message(text), staff=True)
    assert got["description"] == "Bedroom 2 window came in 30x48, plans show 36x48."


def test_a_later_bare_opportunity_heading_names_nothing(extractor):
    text = (
        "No need to redo the quote - just so the case matches the opp.\n\n"
        "---------- Opportunity Field History ----------\n"
        "1/27/2044 9:24 AM  Alex Martin  Changed Amount from CAD 84,600.00 to CAD 91,350.00.\n"
    )
    assert "opportunity_name" not in quote(extractor, message(text), reply=True)
