"""Reader `labels`: "Label: value" lines and blocks, other separators, unknown labels by
their last word, labels inside a paragraph."""

from __future__ import annotations

import pytest

from intake.parsers.fields import LABELLED, missing_fields
from intake.parsers.fields.case_note import case_note
from tests.fields.helpers import WED_NOV_4, message, quote, service


@pytest.mark.parametrize(
    "line",
    [
        "4. HFD - Quayside Block E, Project, Approvals, close 2026-12-18",
        "4. HFD - Quayside Block E; Project; Approvals; 2026-12-18",
        "Opportunity: HFD - Quayside Block E / Project / Approvals / close Dec 18",
        "Opp: HFD - Quayside Block E | Type: Project | Stage: Approvals | Close: Dec 18",
        "Opp: HFD - Quayside Block E (Project)\nStage: Approvals  |  Close: Dec 18",
    ],
)
def test_opportunity_on_one_line(extractor, line):
    text = f"1. Account: HFD\n2. Specs: 4 casements 24x60\n3. Factor: .5\n{line}\n"
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "HFD - Quayside Block E"
    assert got["opportunity_type"] == "Project"
    assert got["stage"] == "Approvals"
    assert got["close_date"] == "2026-12-18"


LABEL_BLOCK = """Morning,

Acct: PCH
Opp: PCH - Cranston Lot 8
Opp type: proj w/ install
Record type: Single
Stage: Approbation (90 %)
Closing: Dec 18
Multiplier factor: .52
Amount: $48.5k

Specs:
 - 12 sliders 48x36, dual pane Low-E argon, white
 - 3 patio doors 72x80, 2-panel slider

Notes: quote each lot separately please.

Cheers
Dan
"""


def test_label_block_short_labels_synonyms_and_multiline_specs(extractor):
    got = quote(extractor, message(LABEL_BLOCK))
    assert got == {
        "account": "Prairie Crest Homes",
        "account_id": "ACC-1001",
        "opportunity_name": "PCH - Cranston Lot 8",
        "opportunity_type": "Project w/ installation",
        "record_type": "Single",
        "stage": "Approvals",
        "close_date": "2026-12-18",
        "factor": "0.52",
        "amount": "48500.00",
        "product_specs": "12 sliders 48x36, dual pane Low-E argon, white; "
        "3 patio doors 72x80, 2-panel slider",
        "special_instructions": "quote each lot separately please.",
    }


def test_french_labels(extractor):
    text = """Bonjour,

Compte : Clearview
Produits : 4 fenêtres à battant 32 x 54 po, triple vitrage
Facteur : 0,47
Opportunité : Clearview – Rue Principale
Type : Projet avec installation
Étape : Approbation
Date de clôture : 15 janvier 2027
Instructions spéciales : livraison en une seule fois
"""
    got = quote(extractor, message(text))
    assert got["account"] == "Clearview Window Centre"
    assert got["factor"] == "0.47"
    assert got["opportunity_name"] == "Clearview – Rue Principale"
    assert got["opportunity_type"] == "Project w/ installation"
    assert got["stage"] == "Approvals"
    assert got["close_date"] == "2027-01-15"
    assert got["special_instructions"] == "livraison en une seule fois"


def test_date_inside_special_instructions_is_not_the_close_date(extractor, org):
    text = """Customer: Praire Crest Homes
Opportunity Name: PCH - Harvest Hills Phase 2
Opportunity Type: Project
Stage: Submissions
Factor: 0.52
Product: 18 homes, package B, dual pane Low-E argon, white/white
Special instructions: phase pricing valid to June 30, 2027; release by lot."""
    fields = extractor.extract(message(text), "quotes", now=WED_NOV_4, sender_is_staff=True)
    assert fields["account"].value == "Prairie Crest Homes"  # misspelt, still recognised
    assert "close_date" not in fields
    assert "quote_due" not in fields
    assert (
        fields["special_instructions"].value
        == "phase pricing valid to June 30, 2027; release by lot."
    )
    assert missing_fields(fields, org.required_fields("quotes")) == ["close_date"]


def test_labelled_service_request_from_staff_for_a_customer(extractor):
    text = """Please book a service call for my customer.

Customer: Linda Park
Cell: (780) 555-0164
Site address:
12 Birch Crescent
St. Albert, AB
Problem: the patio door keeper is out of line.
Urgency: normal"""
    got = service(extractor, message(text), staff=True)
    assert got["contact_name"] == "Linda Park"
    assert got["contact_phone"] == "+17805550164"
    assert got["site_address"] == "12 Birch Crescent St. Albert, AB"
    assert got["description"] == "the patio door keeper is out of line."
    assert got["urgency"] == "normal"


def test_unknown_labels_are_read_by_their_last_word(extractor):
    text = """Account Name: Northgate Modular
Opportunity/Job name: Northgate - Plant 3 Pilot
Sales stage: Qualification
Est. close date: Friday, December 18
Pricing multiplier: .55
Product(s): 20 sliders 36x36
Delivery instructions: label by unit"""
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Northgate - Plant 3 Pilot"
    assert got["stage"] == "Basic Qualification"
    assert got["close_date"] == "2026-12-18"
    assert got["factor"] == "0.55"
    assert got["product_specs"] == "20 sliders 36x36"
    assert got["special_instructions"] == "label by unit"


def test_equals_dash_and_dot_leader_separators(extractor):
    text = (
        "Acct = Bow Valley Renovations\n"
        "Multiplier = 47%\n"
        "Close date ....... 2026-12-11\n"
        "Shipping - deliver to the yard, not the site\n"
        "$ = 18,400\n"
        "Items =\n"
        "  6 x casement 30 x 48, white\n"
        "  2 x awning 36 x 20, white\n"
    )
    got = quote(extractor, message(text))
    assert got["account"] == "Bow Valley Renovations"
    assert got["factor"] == "0.47"
    assert got["close_date"] == "2026-12-11"
    assert got["amount"] == "18400.00"
    assert got["special_instructions"] == "deliver to the yard, not the site"
    assert "6 x casement 30 x 48" in got["product_specs"]
    assert "2 x awning" in got["product_specs"]


def test_an_unknown_short_label_with_a_picklist_value_is_that_picklist(extractor):
    text = "Account: Northgate\nKind: Project\nPhase = Funding\nRec - Single\nMood: Standard-ish\n"
    got = quote(extractor, message(text))
    assert got["opportunity_type"] == "Project"
    assert got["stage"] == "Funding"
    assert got["record_type"] == "Single"


def test_a_label_that_is_not_a_picklist_value_stays_unread(extractor):
    got = quote(extractor, message("Account: Northgate\nWeather: Funding season is over\n"))
    assert "stage" not in got


def test_ini_sections_and_heading_labels(extractor):
    text = (
        "[request]\ndealer = Northgate\nfactor = 55%\n\n"
        "[lines]\n1 = 4 | casement | 24x36 | white\n\n"
        "[notes]\nquote one unit, they will multiply\n\n"
        "special\n  deliver after the 15th only\n"
    )
    got = quote(extractor, message(text))
    assert got["account"] == "Northgate Modular Inc."
    assert got["factor"] == "0.55"
    assert "casement" in got["product_specs"]
    assert got["special_instructions"] == "quote one unit, they will multiply"  # the first


def test_french_record_type_and_a_site_label_that_runs_on(extractor):
    got = quote(extractor, message("Compte : Clearview\nType d'enregistrement : Unique\n"))
    assert got["record_type"] == "Single"
    msg = message(
        "Site: 12 Elm Close SW, Calgary. The owners work from home, any day is fine.",
        from_addr="a@example.net",
    )
    assert service(extractor, msg, staff=False)["site_address"] == "12 Elm Close SW, Calgary"


def test_a_labelled_picklist_value_followed_by_a_comment(extractor):
    got = quote(extractor, message("Compte : Clearview\nStage : Submissions, ils ont vu le plan\n"))
    assert got["stage"] == "Submissions"


def test_tab_separated_row_reads_an_ambiguous_date_in_the_organisations_order(extractor):
    from tests.fields.helpers import message, quote

    text = (
        "pasted from the tracker:\n\n"
        "Account\tOpportunity\tType\tStage\tClose\tFactor\tProducts\n"
        "Clearview\tClearview - Row Test\tStandard\tFunding\t03/04/2027\t0.51\t"
        "4 awnings 30x24 white\n"
    )
    got = quote(extractor, message(text))
    assert got["close_date"] == "2027-03-04"  # month first: the demo organisation is CA
    assert got["opportunity_name"] == "Clearview - Row Test"


def test_a_stage_given_by_its_percentage_in_an_opportunity_line(extractor):
    from tests.fields.helpers import message, quote

    text = "4 awnings 30x24 white\nopp Clearview - Percent Test, standard, 25% for now\n"
    got = quote(extractor, message(text))
    assert got["stage"] == "Funding"
    assert got["opportunity_name"] == "Clearview - Percent Test"


def test_stage_label_by_percentage_number(extractor):
    from tests.fields.helpers import message, quote

    assert (
        quote(extractor, message("Type: Project\nStage: 50"), reply=True)["stage"] == "Submissions"
    )


def test_notes_that_open_with_a_picklist_value_give_that_value(extractor):
    text = (
        "Account: Bow Valley\nOpp: BVR - Ogden Reno\nFactor: .5\n"
        "Notes: proj w/ install quote, crew needs a boom lift for the second floor."
    )
    got = quote(extractor, message(text))
    assert got["opportunity_type"] == "Project w/ installation"
    assert got["special_instructions"] == "crew needs a boom lift for the second floor."


def test_notes_that_open_with_an_ordinary_phrase_stay_whole(extractor):
    text = "Account: Bow Valley\nFactor: .5\nNotes: standard delivery, call the site first."
    got = quote(extractor, message(text))
    assert got["special_instructions"] == "standard delivery, call the site first."
    assert "opportunity_type" not in got


def test_abbreviated_amount_and_factor_labels(extractor):
    text = "acct: BVR\nfctr: .53\namt: 41,500\nspecs: 3 casement 24x36 white"
    got = quote(extractor, message(text))
    assert (got["factor"], got["amount"]) == ("0.53", "41500.00")


def test_labels_side_by_side_in_columns_with_an_unknown_one(extractor):
    # a form's row laid out in columns: the unknown label is another column, not a value
    text = (
        "Ticket no.: 5521  Raised by: front desk\n"
        "Owners: Lou & Sam Park  On-site contact: Sam Park\n"
        "Phone: 587-555-0162\n"
        "Address: 14 Evergreen Way SW, Calgary AB\n"
        "Problem: sliding door drags on the track\n"
    )
    got = service(extractor, message(text, from_name="Front Desk"), staff=False)
    assert got["contact_name"] == "Sam Park"
    assert got["description"] == "sliding door drags on the track"


def test_numbered_items_of_a_work_order_are_one_description(extractor):
    text = (
        "Address: 14 Evergreen Way SW, Calgary AB\n"
        "Contact: Sam Park, 587-555-0162\n"
        "Item 1: Living room picture window - seal failed, fogging between the panes\n"
        "Item 2: Back door - weatherstrip torn at the hinge side.\n"
        "Access: weekdays after 4\n"
    )
    got = service(extractor, message(text), staff=False)
    assert got["description"] == (
        "Living room picture window - seal failed, fogging between the panes "
        "Back door - weatherstrip torn at the hinge side."
    )


@pytest.mark.parametrize("label", ["Issue reported", "Deficiency #1", "Concern 1"])
def test_description_labels_of_service_forms(extractor, label):
    text = f"Address: 14 Evergreen Way SW, Calgary AB\n{label}: patio screen off its track\n"
    got = service(extractor, message(text), staff=False)
    assert got["description"] == "patio screen off its track"


def test_two_labels_over_one_cell_of_two_lines(extractor):
    """An Outlook table turned to text: "Close / Value" with the date on one line and the
    money on the next, "Type / Record" likewise; each line goes to its own field."""
    text = (
        "Account         Northgate Modular\n"
        "Opportunity     Northgate - Plant Run B\n"
        "Products        40 x slider 48x36, white\n"
        "Factor          0.47\n"
        "Type / Record   Standard\n"
        "                Account Monthly\n"
        "Stage           Approvals\n"
        "Close / Value   end of Q2\n"
        "                ~$112k\n"
    )
    got = quote(extractor, message(text))
    assert got["close_date"] == "2027-06-30"
    assert got["amount"] == "112000.00"
    assert got["opportunity_type"] == "Standard"
    assert got["record_type"] == "Account Monthly"
    assert got["stage"] == "Approvals"


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("Amount: 80k - sorry, 85k, they added the garage units", "amount", "85000.00"),
        ("Factor: .54 - sorry, .56", "factor", "0.56"),
        ("Close: Oct 15, I mean Oct 22", "close_date", "2027-10-22"),
        # a picklist's word, then "sorry no," and the right one with a comment after it
        ("Stage: Submissions -- sorry no, Approvals, they signed off today", "stage", "Approvals"),
        (
            "Type: Standard - sorry, Project w/ installation",
            "opportunity_type",
            "Project w/ installation",
        ),
        ("Stage: Approvals, sorry for the delay on this one", "stage", "Approvals"),
        # taken back, the right one said in a sentence after it
        ("Factor 55.. nvm just talked to Lena, she's ok with 53 for this one", "factor", "0.53"),
        ("Factor: .55 - never mind, Lena is fine with .53 on this", "factor", "0.53"),
        # who said it between the date and the correction
        (
            "Close date moves to Oct 15 per Ryan - sorry Oct 17, he just texted",
            "close_date",
            "2027-10-17",
        ),
    ],
)
def test_a_labelled_value_corrected_on_the_spot(extractor, line, field, value):
    text = f"Account: HFD\nOpportunity: HFD - Quayside\nSpecs: 4 casements 24x60\n{line}\n"
    assert quote(extractor, message(text))[field] == value


def test_labels_written_without_a_colon(extractor):
    """A hurried AM's shorthand: a known label, a space, its value, one a line."""
    text = (
        "hey - quick one for bow valley pls\n\n"
        "opp: BVR - Hendricks Kitchen Reno\nfctr 52\n"
        "prod: 3 x casmt 30x48 + 1 picture 72x48, triple pane\n"
        "type proj w/ install\nstage 25%\nrec type single\nclose EOM\namt ~14k\n\n"
        "need by thurs noon pls, cust mtg fri am. show install labour as sep line\n"
    )
    got = quote(extractor, message(text))  # Wednesday Nov 4 2026, 08:40
    assert got["factor"] == "0.52"
    assert got["record_type"] == "Single"
    assert got["opportunity_type"] == "Project w/ installation"
    assert got["stage"] == "Funding"
    assert got["close_date"] == "2026-11-30"
    assert got["amount"] == "14000.00"
    assert got["quote_due"] == "2026-11-05"
    assert got["product_specs"].startswith("3 x casmt 30x48 + 1 picture 72x48")


@pytest.mark.parametrize(
    "text",
    [
        # a wrapped paragraph's line that starts with a label word, or goes on below it
        "The crew said the close to the lake units need\nbigger sills, factor in the delay.",
        "Factor .49, opp PCH - May Release, Standard, Account Monthly,\nstage Approvals.",
        # a second sentence after the value
        "Standard, Submissions, close Dec 15. Ignore the old numbers below.",
    ],
)
def test_a_label_word_in_prose_is_no_label_line(extractor, text):
    from intake.parsers.fields import bare_lines
    from intake.parsers.fields.structure import Structure

    v = extractor.vocab
    structure = Structure(v.labels["quotes"], "quotes", v.picklist_of_value)
    structure.states = lambda field, value: bare_lines.states(v, field, value)
    assert [b.kind for b in structure.parse(text)] == ["prose"]


def test_a_web_form_notification_with_its_address_in_parts(extractor):
    """A website form relayed by mail: the address in parts, the customer's words under
    "Message:", the upload under "Photos:" (no part of the description)."""
    text = (
        "New submission: Service Request\n\n"
        "Name: Pat Olsen\nEmail: pat@example.net\nPhone: (780) 555-0163\n"
        "Street address: 11 Larch Crescent\nCity: St. Albert\nProvince: AB\n"
        "Postal code: T8N 2K4\nType of request: Warranty / repair\n"
        "Message: Two of the living room windows have gone foggy between the glass. "
        "It started in the spring and now you can barely see through the left one.\n"
        "Photos: living-room-fog.jpg (attached)\n"
    )
    msg = message(text, subject="[Service Request] Pat Olsen", from_name="Website Form",
                  from_addr="forms@example.com")  # fmt: skip
    got = service(extractor, msg, staff=False)
    assert got["site_address"] == "11 Larch Crescent, St. Albert, AB, T8N 2K4"
    assert got["description"] == case_note(
        "Two of the living room windows have gone foggy between the glass. "
        "It started in the spring and now you can barely see through the left one."
    )
    assert got["contact_name"] == "Pat Olsen" and got["contact_phone"] == "+17805550163"


def test_a_web_form_with_the_name_in_parts(extractor):
    """ "First name:" then "Last name:": one contact, the form's two parts joined."""
    text = (
        "First name: Harjit\nLast name: Sandhu\nPhone: (780) 555-0158\nStreet address: 11 Oak Way"
    )
    msg = message(text, subject="Service request", from_name="Website Form",
                  from_addr="forms@example.com")  # fmt: skip
    assert service(extractor, msg, staff=False)["contact_name"] == "Harjit Sandhu"


def test_a_stage_label_by_its_percentage_with_a_comment(extractor):
    text = "Account: Northgate Modular\nStage: 25% (budget goes to their board next week)\n"
    assert quote(extractor, message(text))["stage"] == "Funding"


def test_two_spaces_after_a_full_stop_are_no_column(extractor):
    """An older typist's two spaces between sentences: the paragraph stays prose, and its
    reference and description are read (it was a "table" of sentence cells before)."""
    text = (
        "Last April your company replaced our front entry door (invoice INV-20931).  Since "
        "this cold spell started the door has become very hard to close.  I have to slam it."
    )
    msg = message(text, subject="Front door", from_name="Walter Brandt", from_addr="wb@example.net")
    got = service(extractor, msg, staff=False)
    assert got["reference"] == "INV-20931"
    assert got["description"].startswith("Since this cold spell started the door")


def test_a_total_of_units_is_no_amount(extractor):
    """A schedule's "Total: 14 casements, 2 awnings" counts units; "Total: $48,500" is money."""
    got = quote(extractor, message("Opp: BVR - Elbow Reno\nTotal: 14 casements, 2 awnings\n"))
    assert "amount" not in got
    got = quote(extractor, message("Opp: BVR - Elbow Reno\nTotal: $48,500\n"))
    assert got["amount"] == "48500.00"


def test_a_second_picklist_value_beside_a_labelled_one(extractor):
    for type_line in (
        "Type: Project, record type Single",
        "Type: Project / Single",
        "Type / Record: Project / Single",
    ):
        got = quote(extractor, message(f"Account: PCH\n{type_line}\nStage: Submissions"))
        assert (got["opportunity_type"], got["record_type"]) == ("Project", "Single"), type_line


def test_a_stated_record_type_is_not_overridden_by_a_part_of_another_value(extractor):
    got = quote(
        extractor,
        message("Account: PCH\nType: Project / Non-Forecast Quote\nRecord type: Single"),
    )
    assert got["record_type"] == "Single"


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("stg - submisions", "stage", "Submissions"),
        ("rec type - non forcast", "record_type", "Non-Forecast Quote"),
        ("Type: standart", "opportunity_type", "Standard"),
    ],
)
def test_a_labelled_picklist_value_with_a_slip_of_the_keys(extractor, line, field, value):
    assert quote(extractor, message(f"Account: PCH\n{line}\nFactor: .5"))[field] == value


def test_a_short_or_distant_word_is_no_slip(extractor):
    got = quote(extractor, message("Account: PCH\nStage: closed\nRecord type: annual"))
    assert "stage" not in got and "record_type" not in got


def test_a_forms_ticked_box_is_the_value(extractor):
    text = (
        "Account Name: PCH\nRecord Type:\t☐ Single   ☐ Non-Forecast Quote   ☒ Account Monthly\n"
        "Type:\t[ ] Standard  [x] Project  [ ] Project w/ installation\n"
        "Stage:\t☐ Funding ☐ Submissions"
    )
    got = quote(extractor, message(text))
    assert (got["record_type"], got["opportunity_type"]) == ("Account Monthly", "Project")
    assert "stage" not in got  # no box ticked: nothing chosen


def test_a_copied_form_with_its_edits_in_brackets(extractor):
    text = (
        "Same as the one I sent Monday, I changed the bits in [brackets].\n\n"
        "Account: Ridgeline Custom Builds -> [Bow Valley Renovations]\n"
        "Factor: 0.54 -> [0.58]\n"
        "Opp name: Ridgeline - Elbow Falls -> [BVR - Crowfoot Reno]\n"
        "Stage: Submissions -> [no change]\n"
        "Close: end of April -> [May 16]"
    )
    got = quote(extractor, message(text))
    assert (got["account"], got["factor"]) == ("Bow Valley Renovations", "0.58")
    assert (got["opportunity_name"], got["stage"]) == ("BVR - Crowfoot Reno", "Submissions")
    assert got["close_date"] == "2027-05-16"


def test_specs_after_a_pointer_to_the_attachment_are_the_specs(extractor):
    text = "Account: HFD\nSpecs: per attached schedule - 18 townhome units, 6000 series casements"
    assert (
        quote(extractor, message(text))["product_specs"]
        == "18 townhome units, 6000 series casements"
    )
    assert "product_specs" not in quote(extractor, message("Account: HFD\nSpecs: see attached"))


@pytest.mark.parametrize(
    "line", ["Type: Standard, stage 50%", "Type: Standard / Stage: 50% / Close: end of month"]
)
def test_a_stage_and_close_named_inside_the_type_line(extractor, line):
    got = quote(extractor, message(f"Account: PCH\n{line}\nFactor: .5"))
    assert (got["opportunity_type"], got["stage"]) == ("Standard", "Submissions")
    if "Close" in line:
        assert got["close_date"] == "2026-11-30"


def test_rows_pasted_from_a_crm_screen_end_the_value_above_them(extractor):
    text = (
        "Pasted from the opp:\n\nOpportunity Name\tCV - Elm Row\nFactor\t0.44\n"
        "Product Specs\tUltra 8200 tilt-turn, triple pane, anthracite ext / white int, 112 "
        "units\nCreated By\tBen Okafor, 11/5/2030 4:12 PM\n"
        "Last Modified By\tBen Okafor, 11/6/2030 8:58 AM\n"
    )
    got = quote(extractor, message(text))
    assert got["product_specs"].endswith("112 units")
    assert "special_instructions" not in got


def test_labels_inside_a_paragraph_after_a_type_label_that_runs_on(extractor):
    text = (
        "Factor 0.52. Opp name: Ridgeline - Hollis Residence. Type: Project w/ installation. "
        "Stage 50%, close date 30/09. Record type Single, amount est 86,500."
    )
    got = quote(extractor, message(text))
    assert got["opportunity_type"] == "Project w/ installation"
    assert (got["stage"], got["record_type"]) == ("Submissions", "Single")


@pytest.mark.parametrize("label", ["What they want", "Looking for", "They need"])
def test_a_label_that_says_what_the_customer_wants_gives_the_products(extractor, label):
    text = (
        "The Okafors want to replace the four original basement windows in their bungalow.\n\n"
        f"{label}: 4x hopper 32x20, white/white, dual pane LoE-366 argon."
    )
    assert quote(extractor, message(text))["product_specs"].startswith("4x hopper 32x20")


def test_a_call_centres_screen_names_the_caller_and_the_callback_number(extractor):
    text = (
        "Logging a call for service - screen below.\n\n"
        "Call ID:        IN-20311111-0133\n"
        "Caller:         Doreen Pilkington\n"
        "Callback:       780.555.0190\n"
        "Site address:   56 Grandin Woods Estates, St. Albert AB\n"
        "Notes:          Bay window crank handle broke off, window stuck open.\n"
    )
    got = service(extractor, message(text, subject="Call-in"), staff=True)
    assert (got["contact_name"], got["contact_phone"]) == ("Doreen Pilkington", "+17805550190")


@pytest.mark.parametrize("label", ["Amount est", "Value (est.)", "Amt est"])
def test_an_estimate_said_after_the_amounts_label(extractor, label):
    text = f"Account: A&O\nProducts:\n11x Series 300 casement 30x48\n{label}: 19,800\n"
    got = quote(extractor, message(text))
    assert (got["amount"], got["product_specs"]) == ("19800.00", "11x Series 300 casement 30x48")


def test_a_label_inside_a_values_bracket_is_part_of_the_value(extractor):
    text = (
        "Service needed on one of our reno jobs:\n\n"
        " * Site: 10327 84 Ave NW, Edmonton (homeowner: Patel)\n"
        " * Your SO: SO-561077\n"
        " * Issue: 2 casements won't close fully\n"
    )
    msg = message(text, subject="Service", from_name="Nadia Kowalczyk", from_addr="n@example.org")
    got = service(extractor, msg, staff=False)
    assert got["contact_name"] == "Nadia Kowalczyk"
    assert got["site_address"] == "10327 84 Ave NW, Edmonton (homeowner: Patel)"
    assert got["reference"] == "SO-561077"  # "Your SO:", as "Our PO:"


def test_the_customer_label_yields_to_the_contact_to_schedule_with(extractor):
    text = (
        "Customer: Hendricks\nSite: 1190 Lakeside Bay, Sherwood Park AB\n"
        "Issue: condensation between the panes\n"
        "Scheduling contact: Marisol Ortega, 780-555-0155\n"
    )
    got = service(extractor, message(text, subject="Service request"), staff=False)
    assert got["contact_name"] == "Marisol Ortega"
    text = "Customer: Bill Hendricks, 780-555-0155\nIssue: condensation between the panes\n"
    assert service(extractor, message(text), staff=False)["contact_name"] == "Bill Hendricks"


def test_a_label_naming_the_opportunity_beats_the_trades_word_for_the_job(extractor):
    text = (
        "Quote request for Bow Valley Renovations:\n"
        "- Job: Chen residence full window replacement, Mackenzie Towne\n"
        "- 14 windows: Series 300 casement/awning combos, white\n"
        "- Opp name: BVR Chen Residence Retrofit\n"
    )
    assert quote(extractor, message(text))["opportunity_name"] == "BVR Chen Residence Retrofit"
    alone = "Account: BVR\nProject: Chen Residence Retrofit\nSpecs: 14 casements 30x48\n"
    assert quote(extractor, message(alone))["opportunity_name"] == "Chen Residence Retrofit"


@pytest.mark.parametrize(("said", "stage"), [("50%", "Submissions"), ("25", "Funding")])
def test_a_stage_labelled_as_its_win_probability(extractor, said, stage):
    text = f"Client: Bow Valley\nMultiplier: .55\nDeal type: Standard\nProbability: {said}\n"
    assert quote(extractor, message(text))["stage"] == stage


def test_an_opportunity_line_whose_parts_are_set_apart_by_double_slashes(extractor):
    text = (
        "Bow Valley wants 9 casements 30x48 white.\n"
        "Opp: Elm Street Reno // Project // Funding // close 3/12\n"
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Elm Street Reno"
    assert got["opportunity_type"] == "Project"
    assert got["stage"] == "Funding"
    assert got["close_date"] == "2027-03-12"


@pytest.mark.parametrize(("said", "stage"), [("prob 25", "Funding"), ("stg 90", "Approvals")])
def test_an_opportunity_part_that_is_the_stages_short_label_and_probability(extractor, said, stage):
    text = f"Bow Valley wants 9 casements 30x48.\nOpp: Elm Street Reno / Std / {said} / close 3/12"
    assert quote(extractor, message(text))["stage"] == stage


@pytest.mark.parametrize("said", ["Proj w install", "project w install"])
def test_with_written_as_a_bare_w_in_the_type(extractor, said):
    text = f"Bow Valley wants 9 casements 30x48.\nOpp: Elm Street Reno / {said} / Funding\n"
    got = quote(extractor, message(text))
    assert got["opportunity_type"] == "Project w/ installation"
    assert got["opportunity_name"] == "Elm Street Reno"


def test_an_opportunity_sentence_ending_in_a_bracket(extractor):
    text = (
        "Bow Valley wants 9 casements 30x48. Opp: Elm Street Reno / Standard / prob 25 (Funding). "
        "Mult + CD TBC, they are still waiting on the bank."
    )
    got = quote(extractor, message(text))
    assert got["stage"] == "Funding"
    assert got["opportunity_name"] == "Elm Street Reno"


def test_an_opportunity_part_that_is_a_picklist_values_abbreviation(extractor):
    text = "Bow Valley wants 9 casements 30x48.\nOpp: Elm Street Reno // Std // Subm // 3/12\n"
    got = quote(extractor, message(text))
    assert got["stage"] == "Submissions"
    assert got["opportunity_name"] == "Elm Street Reno"


@pytest.mark.parametrize(
    ("said", "field", "value"),
    [
        ("CD 3/12", "close_date", "2027-03-12"),
        ("cls 3/12", "close_date", "2027-03-12"),
        ("~45k", "amount", "45000.00"),
        ("amt 45,250", "amount", "45250.00"),
    ],
)
def test_an_opportunity_part_with_a_short_label_or_a_sum_in_thousands(
    extractor, said, field, value
):
    text = f"Bow Valley wants 9 casements 30x48.\nOpp: Elm Street Reno / Std / Funding / {said}\n"
    assert quote(extractor, message(text))[field] == value


def test_labels_run_together_with_slashes_one_value_still_undecided(extractor):
    """ "Opp: X / Type: A or B w/ install - not decided, TBD / Stage: Y": each slash before a
    label starts the next label, and the comma inside the undecided type's value splits
    nothing; the type itself is left to ask for."""
    line = (
        "Opportunity: Larkin Homes - Bluebird Acreage / Type: Standard or Project w/ install - "
        "owner is still deciding, TBD / Stage: Submissions / Close: Dec 18"
    )
    got = quote(extractor, message(f"1. Account: Larkin Homes\n2. Factor: .5\n3. {line}\n"))
    assert got["opportunity_name"] == "Larkin Homes - Bluebird Acreage"
    assert got["stage"] == "Submissions"
    assert got["close_date"] == "2026-12-18"
    assert "opportunity_type" not in got


def test_a_sentence_after_an_account_word_names_no_account(extractor):
    """ "New custom builder - credit app is in progress, ...": "builder" reads as the account
    label, but the sentence after it is no company's name; the labelled one below is."""
    text = (
        "New custom builder - credit app is in progress, so they're not set up yet.\n\n"
        "1. Account: Larkin Homes\n2. Factor: .5\n"
    )
    assert quote(extractor, message(text))["account"] == "Larkin Homes"


def test_a_new_accounts_name_is_its_first_sentence(extractor):
    """ "New account - Summit Ridge Framing Ltd. (credit app is in). They're framing ...": the
    name ends with its sentence ("Ltd." ends none); what is said of the company after it is no
    part of it."""
    text = (
        "New account - Summit Ridge Framing Ltd. (credit app is in with Marcy's team). They're "
        "framing and supplying windows on a 6-plex in Cougar Creek.\n\n1. Factor: .5\n"
    )
    assert quote(extractor, message(text))["account"] == "Summit Ridge Framing Ltd."


@pytest.mark.parametrize(
    "line",
    [
        "New custom builder, first quote for them - Wolfe & Dunmore Builders. Side by side.",
        "New builder - Wolfe & Dunmore Builders. Side by side duplex in Crescent Heights.",
    ],
)
def test_a_new_accounts_name_with_an_ampersand_and_without_its_stop(extractor, line):
    """The name keeps its "&" and loses the full stop that ends its sentence."""
    text = f"{line}\nOpp name: Wolfe & Dunmore - Crescent Heights Duplex\n"
    assert quote(extractor, message(text))["account"] == "Wolfe & Dunmore Builders"


def test_a_factor_label_that_says_which_of_two_to_use(extractor):
    """ "Factor - Wendell asks for .47 below, I got Lena to approve .48, so use .48 NOT .47":
    the one the writer says to use."""
    text = "Account: HFD\nFactor: Wendell asks for .47, Lena approved .48, so use .48 NOT .47\n"
    assert quote(extractor, message(text))["factor"] == "0.48"


@pytest.mark.parametrize("value", ["52 - sorry, 55", "52 no sorry 55", "52, I mean 55"])
def test_a_whole_number_factor_corrected_on_the_spot(extractor, value):
    """ "Factor: 52 - sorry, 55": after its label a whole number is a factor, and the one
    said after the correction stands."""
    got = quote(extractor, message(f"Account: Larkin Homes\nFactor: {value}\n"))
    assert got["factor"] == "0.55"


@pytest.mark.parametrize("gap", ["     ", "\t"])
def test_a_label_padded_to_a_value_with_a_colon_of_its_own(extractor, gap):
    text = (
        f"ACCOUNT:{gap}Aspen & Oak Dealers Co.\n"
        f"PRODUCT SPECS:{gap}Spring patio door program: 12 x 2-panel sliding patio door 72x80\n"
        f"FACTOR:{gap}0.51"
    )
    got = quote(extractor, message(text))
    assert (
        got["product_specs"] == "Spring patio door program: 12 x 2-panel sliding patio door 72x80"
    )
    assert got["factor"] == "0.51"


def test_a_contact_line_with_the_homes_address_gives_the_site(extractor):
    """A dealer's "Homeowner: name, street, town, phone" on one line: the one to call, their
    number, and their home as the site; a "Site:" line of its own says where the work is."""
    line = "Homeowner: Dale Foster, 27 Willow Bend NW, Airdrie, 403-555-0161 - call him direct"
    text = f"Hi - warranty call please, the awning will not close.\n{line}"
    got = service(extractor, message(text, from_addr="desk@example.org"), staff=False)
    assert (got["contact_name"], got["contact_phone"]) == ("Dale Foster", "+14035550161")
    assert got["site_address"] == "27 Willow Bend NW, Airdrie"
    sited = message(f"{text}\nSite: 4 Ridge Rd, Cochrane", from_addr="desk@example.org")
    assert service(extractor, sited, staff=False)["site_address"] == "4 Ridge Rd, Cochrane"


# Items answered one to a line in the writer's own order, each behind a pictograph, "Re:"
# before the item's name and an em dash before its value.
ANSWERED = """Hello all 🌞

☑️ Re: Factor — .49
☑️ Re: Opportunity — Northgate - Cabin Pilot Run / Standard / Funding / close Dec 11
☑️ Re: Specs — 10 x awning 30x20 dual pane, white; 2 x patio door 60x80, white
☑️ Re: Special instructions — ship the doors knocked down, the plant assembles them
☑️ Re: Account — Northgate
👉 Re: Attachments — cut list to follow
"""


def test_pictograph_bullets_answer_the_items_by_name(extractor):
    got = quote(extractor, message(ANSWERED))
    assert got["factor"] == "0.49"
    assert got["opportunity_name"] == "Northgate - Cabin Pilot Run"
    assert (got["opportunity_type"], got["stage"]) == ("Standard", "Funding")
    assert got["close_date"] == "2026-12-11"
    # each bullet is its own item: the specs end where the next bullet starts
    assert got["product_specs"] == "10 x awning 30x20 dual pane, white; 2 x patio door 60x80, white"
    assert got["special_instructions"] == "ship the doors knocked down, the plant assembles them"
    assert got["account"] == "Northgate Modular Inc."


def test_a_stage_by_its_probability_with_a_note_in_brackets(extractor):
    """ "stage 90% (owner signed)": the probability, a note in brackets after it."""
    text = "✔ Re: Opportunity — Cougar Creek Infill, Project, stage 90% (owner signed), close Jan 8"
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "Cougar Creek Infill"
    assert got["stage"] == "Approvals"


def test_a_reference_label_skips_whose_it_is(extractor):
    for line in ("Ref: our SO-662019", "➡️ Re: Ref — your SO-662019"):
        assert service(extractor, message(line), staff=True)["reference"] == "SO-662019"


def test_labels_pointed_at_their_values_with_chevrons_or_arrows(extractor):
    """A call log written "LABEL >> value", padded to a column, a value running on to the
    next indented line; "->" and "→" point the same way."""
    text = (
        "ACCT  >> Ridgeline\n"
        "SPECS >> 12 x casement 30x48 dual pane white\n"
        "         4 x awning 30x20 dual pane white\n"
        "FX    >> 51%\n"
        "STAGE >> 50%\n"
        "CLOSE -> 8/14\n"
        "NOTES → deliver to the Airdrie yard\n"
    )
    got = quote(extractor, message(text))
    assert (
        got["product_specs"]
        == "12 x casement 30x48 dual pane white; 4 x awning 30x20 dual pane white"
    )
    assert (got["factor"], got["stage"], got["close_date"]) == ("0.51", "Submissions", "2027-08-14")
    assert got["special_instructions"] == "deliver to the Airdrie yard"


def test_a_crm_description_pasted_into_a_quote_request_is_what_is_quoted(extractor):
    text = (
        "From the opp:\n\nOpportunity Name\tRidgeline - Tuscany Infill\nType\tStandard\n"
        "Description\t6 x slider 48x36 dual pane white; 2 x patio door 72x80 white\n"
    )
    got = quote(extractor, message(text))
    assert got["product_specs"] == "6 x slider 48x36 dual pane white; 2 x patio door 72x80 white"


def test_a_close_date_labelled_by_its_crm_shorthand(extractor):
    msg = message("Account: Martel\nFactor: .55\nCD: Oct 14\nStage: Funding")
    got = extractor.extract(msg, "quotes", now=WED_NOV_4, sender_is_staff=True)
    # read from its label, not guessed as the one date the text names
    assert (got["close_date"].value, got["close_date"].confidence) == ("2027-10-14", LABELLED)


def test_a_remark_after_a_labels_head_word_is_no_label(extractor):
    """ "Specs to follow - ..." says the specs are still to come; "New account for us - X"
    introduces a company: neither is a label with its value after the dash."""
    text = (
        "Account: Aspen & Oak\nFactor: .54\n\n"
        "Specs to follow - the dealer is still sorting the takeoff out. Monday hopefully.\n"
    )
    assert "product_specs" not in quote(extractor, message(text))
    text = "New account for us - Kestrel Lake Cabins Ltd. (credit app pending), factor .58"
    assert quote(extractor, message(text))["account"] == "Kestrel Lake Cabins Ltd."


def test_who_where_and_what_in_an_ams_own_service_form(extractor):
    text = (
        "Ridgeline's site lead pinged me on Teams, can you book someone:\n"
        "Who: Jordan Reyes, Ridgeline site lead\nPhone: 403 555 0150\n"
        "Where: 28 Cougar Ridge Point SW, Calgary\n"
        "What: lift & slide panel won't lock\n"
    )
    got = service(extractor, message(text), staff=True)
    assert got["contact_name"] == "Jordan Reyes"
    assert got["site_address"] == "28 Cougar Ridge Point SW, Calgary"
    assert "won't lock" in got["description"]
