"""Reader `signatures` (and accounts by sender): who the customer is, never our own staff."""

from __future__ import annotations

import dataclasses

import pytest

from intake.parsers.fields import missing_fields, split_tail
from tests.fields.helpers import WED_NOV_4, message, quote, service, values


def test_staff_signature_gives_no_field(extractor):
    body = """1. Account: Northgate Modular Inc.
2. Product specs: 30 sliders 36x36, white
3. Factor: 0.55
4. Northgate - Plant 2 Units; Standard; Order Follow Up; 2026-12-04
5. Special instructions: match original labels.

Dan
"""
    signature = (
        "--\nDan Schultz | Account Manager, East\nProud partner of Harbourfront Developments\n"
        "(factor your savings: ask about our 0.45 show-home program)\nT 587-555-0120"
    )
    for text in (body, body + "\n" + signature):  # signature cut by mime, or left in the body
        got = quote(extractor, message(text, signature=signature))
        assert got["account"] == "Northgate Modular Inc."
        assert got["factor"] == "0.55"
        assert got["stage"] == "Order Follow Up"


def test_staff_service_request_contact_from_body_not_signature(extractor, org):
    text = """Hi Connect You,

Ridgeline's delivery to Hillcrest Lot 9 had two casements with cracked outer glass.
Units are on site in the garage, not installed. Order SO-558213. Photos attached.

Site: 2218 Hillcrest Drive SW, Calgary, AB
Site contact: Marco Rossi (Ridgeline site super), 403-555-0111

Can you get replacement units ordered?"""
    signature = (
        "Thanks,\nPriya\n\n--\nPriya Shah | Account Manager, West\n"
        "4410 - 52 Street SE, Calgary, AB T2C 4X9\nT 403-555-0101 | M 403-555-0102"
    )
    msg = message(text, from_name="Priya Shah", from_addr="priya.shah@example.com",
                  signature=signature)  # fmt: skip
    got = service(extractor, msg, staff=True)
    assert got["account"] == "Ridgeline Custom Builds Ltd."
    assert got["contact_name"] == "Marco Rossi"
    assert got["contact_phone"] == "+14035550111"
    assert got["site_address"] == "2218 Hillcrest Drive SW, Calgary, AB"
    assert got["reference"] == "SO-558213"
    assert got["urgency"] == "normal"
    assert "cracked outer glass" in got["description"]
    assert "Photos attached" not in got["description"]


def test_staff_own_phone_and_name_are_never_the_contact(extractor, org):
    text = "Hi Rita,\n\nPlease book a visit at 23 Westbrook Gate SW, Calgary: awning won't seal."
    signature = "Thanks,\nAlex\n\nAlex Martin | Account Manager\nT 403-555-0104"
    msg = message(text, from_name="Alex Martin", from_addr="alex.martin@example.com",
                  signature=signature)  # fmt: skip
    for body in (text, text + "\n\n" + signature):
        msg = message(body, from_name="Alex Martin", from_addr="alex.martin@example.com",
                      signature=signature)  # fmt: skip
        fields = extractor.extract(msg, "service", now=WED_NOV_4, sender_is_staff=True)
        assert "contact_phone" not in fields
        assert "contact_name" not in fields
        assert missing_fields(fields, org.required_fields("service")) == [
            "contact_name",
            "contact_phone",
        ]


def test_customer_signature_gives_contact_but_office_phone_comes_last(extractor):
    text = "The awning leaks at the bottom corner in heavy rain. Not urgent."
    signature = (
        "Thanks,\nTom Okonkwo\nFoothills Grain Co-operative Ltd.\n"
        "200, 1501 - 17 Avenue SE, Calgary, AB\nOffice 403-555-0185\nCell 587-555-0133"
    )
    msg = message(text, from_name="", from_addr="tom@example.org", signature=signature)
    got = service(extractor, msg, staff=False)
    assert got["contact_name"] == "Tom Okonkwo"
    assert got["contact_phone"] == "+15875550133"
    assert got["urgency"] == "normal"  # "not urgent" is not an emergency
    assert "account" not in got  # an employer in a signature is not the account


def test_signature_phones_on_one_line_are_judged_each_by_its_own_label(extractor):
    text = "The storm door closer is broken and the door slams. Not urgent."
    signature = (
        "Wen Li | Site Manager\nT/A Maple Row Lofts\n"
        "O: 403-555-0171 x12 | C: 403-555-0172 | F: 403-555-0173"
    )
    msg = message(text, from_name="", from_addr="wen@example.org", signature=signature)
    assert service(extractor, msg, staff=False)["contact_phone"] == "+14035550172"


def test_a_stores_shared_line_ranks_below_the_persons_direct_line(extractor):
    """ "Showroom: ... | Direct: ..." in a dealer's signature: the showroom's number is the
    store's, like an office line; the direct line, wherever it stands, is the person's."""
    text = "The garden window in our display fogs up between the panes. Not urgent."
    signature = (
        "Kim Albers\nService Desk, Prairie Glass & Door\n"
        "Showroom: 306-555-0140 | Direct: 306-555-0147 | Fax: 306-555-0141"
    )
    msg = message(text, from_name="Kim Albers", from_addr="kim@example.org", signature=signature)
    assert service(extractor, msg, staff=False)["contact_phone"] == "+13065550147"


def test_bare_sender_one_line(extractor, org):
    msg = message("bedroom window screen torn, can someone fix it", subject="screen",
                  from_name="", from_addr="jdoe77@example.net")  # fmt: skip
    fields = extractor.extract(msg, "service", now=WED_NOV_4, sender_is_staff=False)
    assert values(fields) == {
        "description": "bedroom window screen torn, can someone fix it",
        "urgency": "normal",
    }
    assert missing_fields(fields, org.required_fields("service")) == [
        "contact_name",
        "contact_phone",
        "site_address",
    ]


def test_known_consumer_by_sender_address_and_dealer_for_homeowner(extractor):
    crank = message(
        "The crank is stripped. We're at 88 Rue Marcel, St. Albert, AB T8N 5K1. "
        "Best number is 780-555-0187.",
        from_name="Genevieve Martel",
        from_addr="g.martel@example.net",
    )
    got = service(extractor, crank, staff=False)
    assert (got["account"], got["account_id"]) == ("Martel Family", "ACC-1008")
    assert got["site_address"] == "88 Rue Marcel, St. Albert, AB T8N 5K1"
    assert got["description"] == "The crank is stripped."

    dealer = message(
        "We (Clearview Window Centre) installed a patio door under PO-45821. The door no "
        "longer latches.\n\nHomeowner: Linda Park\nPhone: (780) 555-0164\n"
        "Address: 12 Birch Crescent, St. Albert, AB T8N 2R4\n\nThanks,\nNadia Petrov\n780-555-0160",
        from_name="Nadia Petrov",
        from_addr="nadia@example.org",
    )
    got = service(extractor, dealer, staff=False)
    assert got["account"] == "Clearview Window Centre"
    assert got["contact_name"] == "Linda Park"
    assert got["contact_phone"] == "+17805550164"
    assert got["reference"] == "PO-45821"


def test_unknown_company_in_body_is_kept_as_written(extractor):
    text = (
        "I manage Bridgeland Court for Keystone Property Management. Tenants report drafts "
        "around the sliders.\n\nBuilding address: 1020 Bridgeland Court NE, Calgary, AB\n"
        "Contact me at 403-555-0161."
    )
    msg = message(text, from_name="Sam Whitehorse", from_addr="sam@example.org")
    got = service(extractor, msg, staff=False)
    assert got["account"] == "Keystone Property Management"
    assert "account_id" not in got
    assert got["contact_phone"] == "+14035550161"


def test_split_tail_cuts_sign_off_and_bare_names():
    assert split_tail("Factor: .49\n\nP.", "Priya Shah") == ("Factor: .49", "P.")
    core, tail = split_tail("Specs below.\n\nThanks,\nSandra Whitfield\n403-555-0123")
    assert core == "Specs below."
    assert tail.startswith("Thanks,")
    assert split_tail("Dan will confirm the factor.", "Dan Schultz")[1] == ""


def test_customer_signature_names_a_known_account(extractor):
    msg = message(
        "Hi, the patio door at 14 Cedar Close SW, Calgary sticks. Call me at 403-555-0109.",
        from_name="Jo Reyes",
        from_addr="jreyes@example.net",
        signature="Jo Reyes\nService Lead | Clearview Window Centre\n403-555-0100",
    )
    got = service(extractor, msg, staff=False)
    assert got["account"] == "Clearview Window Centre"
    assert got["account_id"] == "ACC-1005"


def test_an_unknown_company_from_a_customer_title_line(extractor):
    msg = message(
        "The rear door of our clinic drafts badly. Call 587-555-0199.",
        from_name="Farah Lind",
        from_addr="farah@example.org",
        signature="Farah Lind\nOffice Manager, Juniper Dental\n587-555-0199",
    )
    got = service(extractor, msg, staff=False)
    assert got["account"] == "Juniper Dental"
    assert "account_id" not in got  # kept as written, never matched to a known account


def test_a_property_managers_company_on_its_own_signature_line(extractor):
    """A property manager signs with title and company on separate lines: the company is
    the account; a homeowner's employer signed the same way is not."""
    text = "The balcony slider in unit 3 drags on its track. Please call me to arrange access."
    signature = "Regards,\nNoor Haddad\nProperty Manager\nBirchwood Property Group\n780-555-0170"
    msg = message(text, from_name="Noor Haddad", from_addr="noor@example.org",
                  signature=signature)  # fmt: skip
    got = service(extractor, msg, staff=False)
    assert got["account"] == "Birchwood Property Group"
    assert "account_id" not in got
    signature = "Thanks,\nLuis Ortega\nPlant Supervisor\nPrairie Grain Co-operative Ltd.\n"
    msg = message("Our bathroom awning leaks. Cell 587-555-0171.", from_name="Luis Ortega",
                  from_addr="luis@example.net", signature=signature)  # fmt: skip
    assert "account" not in service(extractor, msg, staff=False)


def test_a_rural_route_in_a_customer_signature(extractor):
    text = "Hello,\n\nThe casement in the bedroom is fogged between the panes.\n\nRegards,"
    signature = "Nell Varga\nBox 8, RR 4, Site 2\nSundre, AB T0M 1X0\n403 555 0177"
    msg = message(text, subject="Fogged", from_name="Nell Varga",
                  from_addr="nell@example.net", signature=signature)  # fmt: skip
    got = service(extractor, msg, staff=False)
    assert got["site_address"] == "Box 8, RR 4, Site 2, Sundre, AB T0M 1X0"
    assert got["contact_phone"] == "+14035550177"


def test_staff_forwarding_a_voicemail_names_the_caller(extractor):
    """A voicemail system's mail (a company address) forwarded by staff: the caller who
    introduces themselves in the transcript is the contact, not the staff member."""
    forwarded = (
        "From: Voicemail <voicemail@example.com>\nDate: Tue, Nov 3, 2026 at 7:58 AM\n"
        "Subject: New voicemail from (403) 555-0150\nTo: Jon Price <jon.price@example.com>\n\n"
        'Caller: (403) 555-0150\nTranscription: "Hi, this is Harold Kim at 55 Edgebrook Rise '
        "Northwest. The screen door on our patio slider came off the track. You can call me "
        'back at 403-555-0150. Thanks."\n'
    )
    msg = message(
        "Logging this one from the phone line.",
        subject="Fwd: New voicemail",
        from_name="Jon Price",
        from_addr="jon.price@example.com",
        forwarded=forwarded,
    )
    assert service(extractor, msg, staff=True)["contact_name"] == "Harold Kim"


def test_a_department_mailbox_is_no_contact_its_signer_is(extractor):
    text = (
        "We have a deficiency at 2231 Sage Meadows Drive SW, Edmonton: the basement patio "
        "slider will not latch. Please call me to book.\n\nThank you,\n\nKendra Boyce\n"
        "Warranty Coordinator | Prairie Crest Homes\nT 780-555-0110 ext. 214"
    )
    msg = message(text, subject="Deficiency", from_name="Prairie Crest Warranty",
                  from_addr="warranty@prairiecrest.example.org")  # fmt: skip
    assert service(extractor, msg, staff=False)["contact_name"] == "Kendra Boyce"


@pytest.mark.parametrize("mailbox", ["Bow Valley Purchasing", "Receiving - Larch Homes"])
def test_a_purchasing_or_receiving_mailbox_is_no_contact(extractor, mailbox):
    """A builder's shared purchasing mailbox: the person who signs is the contact."""
    text = (
        "Our PO-20311 came 4 screens short. Can you confirm when the rest ship?\n\n"
        "Regards,\n\nMaria Olsen\nPurchasing Coordinator\n403-555-0181"
    )
    msg = message(text, subject="Short shipped", from_name=mailbox,
                  from_addr="purchasing@builder.example.org")  # fmt: skip
    assert service(extractor, msg, staff=False)["contact_name"] == "Maria Olsen"


def test_values_set_off_above_the_signature_proper_are_the_requests(extractor):
    msg = message(
        "Hi - Martel replacement quote please, takeoff attached.",
        signature=(
            "Thx,\n\n--\nMartel Family\nOpp: Martel - upstairs replacement\nStd / Single\n"
            "Stg 50%\nClose Apr 25\nFctr 62\n--\nPriya Shah\nAccount Manager - West\n"
            "o 403.555.0110 | m 403.555.0111"
        ),
        from_name="Priya Shah",
        from_addr="priya.shah@example.com",
    )
    got = quote(extractor, msg)
    assert got["opportunity_name"] == "Martel - upstairs replacement"
    assert (got["stage"], got["factor"], got["close_date"]) == ("Submissions", "0.62", "2027-04-25")
    assert (got["opportunity_type"], got["record_type"]) == ("Standard", "Single")


def test_a_signature_with_one_delimiter_adds_nothing(extractor):
    msg = message(
        "Hi - quote please for the Martels, takeoff attached.",
        signature="--\nPriya Shah\nAccount Manager - West\nStage manager, Fctr Club 62",
        from_name="Priya Shah",
        from_addr="priya.shah@example.com",
    )
    assert "stage" not in quote(extractor, msg) and "factor" not in quote(extractor, msg)


def test_a_customers_signature_gives_the_cell_before_a_plain_or_office_number(extractor):
    for block in (
        "Gord Whitehorse | Site Superintendent\nT 403-555-0180 | C 403-555-0185 | F 403-555-0181",
        "Minh Tran\nTel: 403-555-0180 ext. 204\nMobile: +1 403 555 0185\nToll free: 1-800-555-0199",
    ):
        msg = message(
            "The lobby door glass cracked, please send someone.",
            signature=block,
            from_name="Gord Whitehorse",
            from_addr="gord@builder.example.net",
        )
        assert service(extractor, msg, staff=False)["contact_phone"] == "+14035550185", block


def test_a_dealer_asking_to_be_booked_through_is_the_contact(extractor):
    text = (
        "Our customer Bill Haldane has 4 casement operators that are stripping. "
        "Site: 312 Maple Ridge Dr, Sherwood Park AB. Please book through me rather than "
        "calling the homeowner."
    )
    msg = message(text, subject="Service request", from_name="Janice Worobetz",
                  from_addr="jworobetz@example.org")  # fmt: skip
    assert service(extractor, msg, staff=False)["contact_name"] == "Janice Worobetz"
    msg = dataclasses.replace(msg, new_text=text.replace("Please book through me rather", "Not"))
    assert service(extractor, msg, staff=False)["contact_name"] == "Bill Haldane"


def test_an_address_signed_in_lower_case(extractor):
    text = "our patio door is hard to open, it grinds. can someone come look at it"
    msg = message(
        text,
        from_name="kyle brandt",
        from_addr="kbrandt@example.net",
        signature="kyle brandt\n403 555 0187\n118 sagewood cres sw airdrie",
    )
    got = service(extractor, msg, staff=False)
    assert got["site_address"].lower().startswith("118 sagewood cres sw")


def test_the_dealer_asks_to_be_called_rather_than_the_customer_by_name(extractor):
    """ "Please call me to set up the appointment rather than Nora directly": the dealer
    who writes for the customer named above is the one to call."""
    text = (
        "We need a service call for one of our customers, Nora Lindahl at 88 Heron Bay NW, "
        "Calgary. The awning crank spins. Please call me to set up the appointment rather "
        "than Nora directly, she works days.\n\nThanks,\n\nPat Reyes\nService Coordinator"
    )
    msg = message(text, subject="Service", from_name="Pat Reyes",
                  from_addr="pat@dealer.example.net")  # fmt: skip
    assert service(extractor, msg, staff=False)["contact_name"] == "Pat Reyes"


def test_a_department_that_signs_is_no_contact_the_person_below_it_is(extractor):
    text = "The awning over the sink won't close all the way. Not urgent."
    desk = message(
        text, from_name="", from_addr="care@example.org", signature="Thanks,\nCustomer Care Team"
    )
    assert "contact_name" not in service(extractor, desk, staff=False)
    person = message(
        text,
        from_name="",
        from_addr="care@example.org",
        signature="Thanks,\nWarranty Dept.\nLeah Marsh\nCell 587-555-0190",
    )
    got = service(extractor, person, staff=False)
    assert (got["contact_name"], got["contact_phone"]) == ("Leah Marsh", "+15875550190")


def test_a_crm_record_below_the_sign_off_is_the_request(extractor):
    """ "Email this record": the AM's note and sign-off, a rule, then the opportunity's fields,
    which the signature splitter files under the sign-off. Three required fields on label
    lines there make it the request; a staff signature's own lines never do."""
    record = (
        "Thanks\nDan\n\n________________________________\nOpportunity Information\n"
        "Opportunity Name: Clearview - Okotoks Showroom Stock Q3\n"
        "Account Name: Clearview Window Centre\nType: Standard\n"
        "Record Type: Non-Forecast Quote\nStage: Funding\nClose Date: 06/30/2027\n"
        "Opportunity Owner: Dan Schultz\n"
    )
    msg = message("Ben - can you quote this for Clearview? Line items are below.", signature=record)
    got = quote(extractor, msg)
    assert got["opportunity_name"] == "Clearview - Okotoks Showroom Stock Q3"
    assert (got["opportunity_type"], got["stage"]) == ("Standard", "Funding")
    assert got["close_date"] == "2027-06-30"
    plain = "Thanks\nDan\n\n__________________\nDan Schultz | Account Manager\nT 905-555-0160"
    assert "opportunity_name" not in quote(extractor, message("Quote pls.", signature=plain))


def test_the_address_said_in_full_in_the_signature_beats_its_start_in_the_subject(extractor):
    text = (
        "Hello,\nTwo of our bedroom windows have gone foggy between the panes over the winter. "
        "Could someone come and take a look?\n\nThank you,\nHannah Lindqvist\n"
        "57 Copperfield Lane SE\nCalgary, AB T2Z 4R1\n(403) 555-0187"
    )
    msg = message(
        text,
        subject="Foggy windows - 57 Copperfield Lane",
        from_name="Hannah Lindqvist",
        from_addr="hannah.lindqvist@example.net",
    )
    got = service(extractor, msg, staff=False)
    assert got["site_address"] == "57 Copperfield Lane SE, Calgary, AB T2Z 4R1"
