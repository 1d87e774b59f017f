"""Reader `forwarded`: a forwarded mail, read as a body of its own."""

from __future__ import annotations

import dataclasses

import pytest

from intake.parsers.fields import missing_fields
from intake.parsers.fields.case_note import case_note
from tests.fields.helpers import WED_NOV_4, message, quote, service, values


def test_forwarded_customer_mail_gives_specs_and_instructions(extractor):
    note = (
        'Team - please quote this for Bow Valley. Factor .50. Opp is "BVR - Elbow Park Reno", '
        "Standard, stage Submissions, close Dec 4. Dave's list is below."
    )
    forwarded = """From: Dave K <dave@example.net>
Date: Tue, Nov 3, 2026 at 4:51 PM
Subject: windows

Hi Priya,

We need:

- 2 casement 28 x 52, triple pane Low-E argon, white
- 1 patio door 60 x 80, left-hand active, white

Install has to be done before Dec 18. Please include interior casing.

Thanks,
Dave
403-555-0155
"""
    got = quote(extractor, message(note, forwarded=forwarded))
    assert got["account"] == "Bow Valley Renovations"
    assert got["factor"] == "0.50"
    assert got["opportunity_name"] == "BVR - Elbow Park Reno"
    assert got["stage"] == "Submissions"
    assert got["close_date"] == "2026-12-04"
    assert got["product_specs"] == (
        "2 casement 28 x 52, triple pane Low-E argon, white; "
        "1 patio door 60 x 80, left-hand active, white"
    )
    assert got["special_instructions"] == (
        "Install has to be done before Dec 18. Please include interior casing."
    )
    assert "quote_due" not in got  # an install deadline is not a quote date


@pytest.mark.parametrize(
    "note",
    [
        "Rita - can you help this homeowner? Forwarding below.",
        # no word of forwarding, and no fault either: the customer's mail is the request
        "Jon - another one that came to me direct. Can you book a tech?",
    ],
)
def test_staff_forwarding_a_customer_mail_to_service(extractor, org, note):
    forwarded = """From: Paula Chen <pchen@example.net>
Date: Mon, Nov 2, 2026
Subject: leaking window

Hi Alex, our bedroom window leaks when it rains. We're at 14 Evergreen Cres SW, Calgary.

Thanks,
Paula Chen
587-555-0166"""
    msg = message(note,
                  from_name="Alex Martin", from_addr="alex.martin@example.com",
                  signature="Alex Martin | Account Manager\nT 403-555-0104",
                  forwarded=forwarded)  # fmt: skip
    fields = extractor.extract(msg, "service", now=WED_NOV_4, sender_is_staff=True)
    got = values(fields)
    assert got["contact_name"] == "Paula Chen"
    assert got["contact_phone"] == "+15875550166"  # the customer's, not Alex's 403-555-0104
    assert got["site_address"] == "14 Evergreen Cres SW, Calgary"
    assert got["description"] == case_note("our bedroom window leaks when it rains.")
    assert missing_fields(fields, org.required_fields("service")) == []


def test_a_forwarded_older_thread_gives_no_pricing(extractor):
    old = "From: Dan\nSent: 2026-04-02\n\nFactor: 0.44\nAmount: $210,000\nClose: June 30\n"
    msg = message("Account: Harbourfront\nNew phase, new pricing coming from Lena.", forwarded=old)
    got = quote(extractor, msg)
    assert "factor" not in got and "amount" not in got and "close_date" not in got
    assert got["account"] == "Harbourfront Developments"


def test_a_cover_note_of_logistics_leaves_the_description_to_the_attached_mail(extractor):
    """The note above a forwarded or attached mail says where the details are and asks for
    a visit; the problem is the customer's own words below it."""
    forwarded = """From: Tess Moreau <tess@example.net>
Subject: Back door

Hi Omar,

Our back door drags on the sill and the deadbolt is hard to turn. Can you get someone
out? I'm home most days.

Tess Moreau
12 Cedar Bend SW, Calgary
403-555-0142"""
    note = (
        "Hi team,\n\nOne of Ridgeline's buyers in Cedarbrae. Her contact details are in her "
        "email. Could you book a tech for both items? It's a Ridgeline warranty item.\n\nOmar"
    )
    msg = message(note, from_name="Omar Haddad", from_addr="omar.haddad@example.com",
                  forwarded=forwarded)  # fmt: skip
    got = values(extractor.extract(msg, "service", now=WED_NOV_4, sender_is_staff=True))
    assert got["description"] == case_note(
        "Our back door drags on the sill and the deadbolt is hard to turn."
    )
    assert got["contact_name"] == "Tess Moreau"
    assert got["site_address"] == "12 Cedar Bend SW, Calgary"


def test_an_approval_above_a_forwarded_draft_keeps_the_draft_and_overrides_it(extractor):
    draft = (
        "From: Pat\nSent: 2026-11-03\n\nCan you ok .58 for Clearview's new shop? 2 awnings "
        "30x24 white. Opp would be Clearview - Shop Front, standard, at approvals, and they "
        "want to close on Dec 18th.\n"
    )
    msg = message("Team - approved at .56, not .58. Go ahead.", forwarded=draft)
    got = quote(extractor, msg)
    assert got["factor"] == "0.56"
    assert got["close_date"] == "2026-12-18"
    assert got["stage"] == "Approvals"
    assert got["opportunity_name"] == "Clearview - Shop Front"


def test_a_forward_chain_reads_each_mail_and_takes_the_customer_from_the_oldest(extractor):
    forwarded = """From: Rae Dunn <rae@dealer.example.org>
Sent: Tuesday, March 2, 2027 9:10 AM
To: Dan Schultz <dan.schultz@example.com>
Subject: FW: door

Hi Dan, can you send this to service?

Job: JOB-5521
Model: Patio door 72x80, installed 2025

Rae Dunn
Service Desk | Dealer Windows
403-555-0140

From: Ola Berg <ola.berg@example.net>
Sent: Monday, March 1, 2027 6:00 PM
To: Rae Dunn <rae@dealer.example.org>
Subject: door

Hi Rae,

Our patio door drags on the sill and is hard to slide since the cold snap.

Thanks,

Ola Berg
403 555 0149"""
    msg = message("Please see below.", subject="FW: FW: door", forwarded=forwarded)
    got = service(extractor, msg, staff=True)
    assert got["contact_name"] == "Ola Berg"
    assert got["contact_phone"] == "+14035550149"
    assert got["description"] == case_note(
        "Our patio door drags on the sill and is hard to slide since the cold snap."
    )


def test_a_forwarded_approval_quoting_the_request_it_approves(extractor):
    note = "Approved by Marc below, please go ahead."
    forwarded = """From: Marc Aubin <marc.aubin@example.com>
Date: Mon, Nov 2, 2026 at 3:10 PM
Subject: Re: approval - Ridgeline Varsity

Approved at .48, not .51. Go ahead.

Marc

On Mon, Nov 2, 2026 at 1:02 PM Dan Schultz <dan.schultz@example.com> wrote:
> Marc, can I get approval at .51?
>
> Account: Ridgeline
> Opportunity: Ridgeline - Varsity Reno
> Stage: Approvals
> Products: 6 casements 30x48 triple white
> Special: deliver to the back lane
"""
    got = quote(extractor, message(note, forwarded=forwarded))
    assert got["opportunity_name"] == "Ridgeline - Varsity Reno"
    assert got["factor"] == "0.48"
    assert got["special_instructions"] == "deliver to the back lane"
    assert got["product_specs"] == "6 casements 30x48 triple white"


def test_a_cover_note_pointing_at_the_request_below_is_no_instruction(extractor):
    note = "Please quote per the request below. Marc approved a different factor."
    forwarded = """From: Dan Schultz <dan.schultz@example.com>
Date: Mon, Nov 2, 2026 at 1:02 PM
Subject: Ridgeline Varsity

Account: Ridgeline
Products: 6 casements 30x48 triple white
Special instructions: deliver to the back lane.
"""
    got = quote(extractor, message(note, forwarded=forwarded))
    assert got["special_instructions"] == "deliver to the back lane."


APPROVAL_OVER_UNMARKED_DRAFT = """From: Lena Fischer <lena.fischer@example.com>
Date: Fri, Nov 6, 2026 at 8:02 AM
Subject: Re: BVR Elbow Park - factor approval

Approved at .48. Also push the close to end of next month.

Lena

On Thu, Nov 5, 2026 at 4:40 PM Priya Shah <priya.shah@example.com> wrote:

Lena - can I get sign-off on this one?

Account: Bow Valley Renovations
Opportunity: BVR - Elbow Park Infill
Type: Project w/ installation
Stage: Approvals
Factor: 0.50
Close: 23 December
Products: 14 x casement 30x54 triple pane Low-E argon, black
"""


def test_an_approval_above_a_draft_quoted_without_markers_wins(extractor):
    """A client that quotes the draft below "On ... wrote:" without ">" markers: the
    approval's own words are the newest statement and beat the draft's labels."""
    msg = message("Lena signed off, see below. Please build it with her numbers.",
                  forwarded=APPROVAL_OVER_UNMARKED_DRAFT)  # fmt: skip
    got = quote(extractor, msg)
    assert got["factor"] == "0.48"
    assert got["close_date"] == "2026-12-31"
    assert got["opportunity_name"] == "BVR - Elbow Park Infill"


def test_an_approval_forwarded_into_a_case_is_read_as_new(extractor):
    """A reply pointing at what it forwards ("see Lena's OK below") gives what the newest
    forwarded message says; the older mail it quotes, and the chain below, give nothing."""
    msg = message("Ben - see Lena's OK below. Please update the case and re-run the numbers.",
                  forwarded=APPROVAL_OVER_UNMARKED_DRAFT)  # fmt: skip
    got = quote(extractor, msg, reply=True)
    assert got["factor"] == "0.48"
    assert "stage" not in got and "opportunity_name" not in got
    # without a pointer, a forward on a reply is history
    plain = message("FYI, for the file.", forwarded=APPROVAL_OVER_UNMARKED_DRAFT)
    assert "factor" not in quote(extractor, plain, reply=True)


def test_a_notes_forward_inside_a_forward(extractor):
    """HCL Notes forwards with "----- Forwarded by ... -----" and a header block of directory
    names without addresses; the products are in the oldest message, a series by number."""
    forwarded = (
        "From: Shauna Petrie <spetrie@aspenoak.example.org>\nTo: alex.martin@example.com\n\n"
        "Alex, can you get us pricing on Wendell's list below. Thanks!  Shauna\n\n"
        "----- Forwarded by Shauna Petrie/AspenOak on 11/03/2026 08:58 AM -----\n\n"
        "From:\tWendell Kraus/AspenOak\nTo:\tShauna Petrie/AspenOak@AspenOak\n"
        "Date:\t11/02/2026 04:41 PM\nSubject:\tWhitmore cabin windows\n\n"
        "Shauna - Whitmore cabin, final list:\n"
        "6 x Series 3000 double hung 32x54, clay ext / pine int, double pane LowE\n"
        "2 x Series 3000 picture 60x54 to mull with the DH\n\nWendell\n"
    )
    msg = message("Team - please quote the below for Aspen & Oak.\n\nFactor x0.58\n"
                  "Opp: Aspen & Oak - Whitmore Cabin", forwarded=forwarded)  # fmt: skip
    got = quote(extractor, msg)
    assert got["product_specs"] == (
        "6 x Series 3000 double hung 32x54, clay ext / pine int, double pane LowE; "
        "2 x Series 3000 picture 60x54 to mull with the DH"
    )
    assert got["factor"] == "0.58"


def test_an_approval_note_that_says_why_it_sends_the_draft(extractor):
    """A manager's note of a few sentences (who is away, what to do) that approves the draft
    below: the draft is the request, its stage and close date included."""
    note = (
        "Team - Priya is at the trade show in Vegas through Friday, so I'm sending this in "
        "for her. I've approved it at .50, not the .53 in her draft below. Everything else as "
        "she wrote it. Please send the quote to me and cc Priya."
    )
    fwd = (
        "From: Priya Shah <priya.shah@example.com>\nSubject: Cougar Ridge Lot 7\n\n"
        "Account: Ridgeline Custom Builds\nOpportunity: Ridgeline - Cougar Ridge Lot 7\n"
        "Stage: Approvals\nClose date: Dec 31\nFactor: .53\n"
    )
    got = quote(extractor, message(note, forwarded=fwd))
    assert (got["factor"], got["stage"], got["close_date"]) == ("0.50", "Approvals", "2026-12-31")


def test_a_customers_own_mail_handed_over_names_the_contact(extractor):
    forwarded = (
        "From: Eleanor Fitzgerald <e.fitzgerald@example.org>\nDate: Wed, 18 Jul 2029 19:22\n"
        "Subject: kitchen window\n\nThe kitchen casement won't close, the crank just spins.\n"
        "55 Wellington Crescent, Winnipeg R3M 0A7 - 204-555-0152\n\nEleanor"
    )
    handed = message(
        "Forwarding a service call from one of our customers - her email is attached. "
        "Please call her directly to book.",
        from_name="Rob Sinclair",
        from_addr="rob@dealer.example.net",
        forwarded=forwarded,
    )
    assert service(extractor, handed, staff=False)["contact_name"] == "Eleanor Fitzgerald"
    kept = message(
        "FYI - see the thread below, I'll be on site myself, call me.",
        from_name="Rob Sinclair",
        from_addr="rob@dealer.example.net",
        forwarded=forwarded,
    )
    assert service(extractor, kept, staff=False)["contact_name"] == "Rob Sinclair"


def test_a_hazard_in_the_forwarded_note_makes_the_request_an_emergency(extractor):
    """The cover note asks for a visit without naming a hazard; its "normal" is only the
    default and the site super's note below names one."""
    forwarded = """From: Kyle Brandt <kb@example.net>
Subject: Lot 17 - glass

The outer pane on the upper bedroom window is cracked corner to corner and the glass is
bowing out of the frame, couple pieces already came down on the front step.

Address is 214 Cranston Ridge Blvd SE."""
    note = "Rita - can someone get out to this one today? See Kyle's note below."
    msg = message(note, from_name="Alex Martin", from_addr="alex.martin@example.com",
                  forwarded=forwarded)  # fmt: skip
    got = service(extractor, msg, staff=True)
    assert got["urgency"] == "emergency"


@pytest.mark.parametrize(
    "note",
    [
        "Hi Connect You – passing this along from Aspen & Oak. Trevor's the contact on their side.",
        "See Jen's email attached – BVR says it's urgent. Can you get someone to look at the "
        "seals before then?",
        "Please see the attached email from Shauna at Prairie Crest – deficiency list from "
        "yesterday's show home walk-through. Her contact info and the address are in there. "
        "They'd like it all done before the parade of homes opens at the start of February.",
    ],
)
def test_a_cover_note_leaves_the_problem_to_the_mail_it_passes_on(extractor, note):
    forwarded = """From: Trevor Lang <tl@example.org>
Subject: Service - Delacroix residence

Three casements have operators grinding and really stiff to crank.

Trevor Lang"""
    msg = message(note, from_name="Alex Martin", from_addr="alex.martin@example.com",
                  forwarded=forwarded)  # fmt: skip
    got = service(extractor, msg, staff=True)
    assert got["description"] == case_note(
        "Three casements have operators grinding and really stiff to crank."
    )


def test_the_managers_order_in_the_newest_mail_is_the_factor(extractor):
    forwarded = """From: Lena Fischer <lena.fischer@example.com>
Subject: RE: winter stock order

Dan - .46 is too thin with the freight. Go .48, that's as low as I'll go on stock orders.

Lena

From: Marc Tremblay <mt@example.org>
Subject: winter stock order

Please quote 30 x 2000 series sliders, 36 x 36, white. Can you do 46 like last year?"""
    note = (
        "Ben - please quote this for Clearview at the factor Lena approved below.\n"
        "Opp: Clearview - Winter Stock Order 2027. Standard. Stage funding. Close 12/10."
    )
    msg = message(note, from_name="Dan Schultz", from_addr="dan.schultz@example.com",
                  forwarded=forwarded)  # fmt: skip
    got = quote(extractor, msg)
    assert got["factor"] == "0.48"
    assert got["opportunity_name"] == "Clearview - Winter Stock Order 2027"
    assert got["opportunity_type"] == "Standard"
    assert got["stage"] == "Funding"


def test_the_newest_mail_moves_the_close_and_a_disclaimer_says_nothing(extractor):
    forwarded = """From: Jeff Adeyemi <ja@example.net>
Subject: RE: Sage Hill Ph 4

Alex – the board pushed the award out. We'll now be awarding by December 15 rather than end
of November.

Jeff Adeyemi

-----Original Message-----
From: Jeff Adeyemi <ja@example.net>
Subject: Sage Hill Ph 4

Looking for pricing on the basement windows, 28 homes:
- 3 x sliders 36 x 24 per home, dual pane, white

We plan to award by the end of November.

Jeff

CONFIDENTIALITY NOTICE: This e-mail message, including any attachments, is for the sole use
of the intended recipient(s) and may contain confidential and privileged information. Any
unauthorized review, use, disclosure or distribution is prohibited."""
    note = (
        'Please quote the below for Prairie Crest. Opp is "PCH – Sage Hill Ph 4", Project, '
        "Funding stage, factor .49. For the close date go with Jeff's latest note below."
    )
    msg = message(note, from_name="Alex Martin", from_addr="alex.martin@example.com",
                  forwarded=forwarded)  # fmt: skip
    got = quote(extractor, msg)
    assert got["close_date"] == "2026-12-15"
    assert "special_instructions" not in got


def test_a_draft_resent_to_the_team_keeps_its_pricing(extractor):
    forwarded = """From: Priya Shah <priya.shah@example.com>
Subject: Quote request - Ridgeline laneway home

Account: Ridgeline Custom Builds
Opp: Ridgeline - Elbow River Laneway Home
Type: Standard
Stage: Submissions
Factor: .53
Close: July 21
Amount: $27,300
Products: 8 x Series 6500 casement 2448 triple"""
    note = (
        "Resending this one to the team box - I sent it to Alex by mistake. One change: we're "
        "at Approvals now. Everything else stands."
    )
    msg = message(note, from_name="Priya Shah", from_addr="priya.shah@example.com",
                  forwarded=forwarded)  # fmt: skip
    got = quote(extractor, msg)
    assert (got["factor"], got["amount"], got["stage"]) == ("0.53", "27300.00", "Approvals")


def test_a_forward_an_iphone_quoted_line_by_line(extractor):
    """iOS Mail forwards below "Begin forwarded message:" with every line quoted ("> From:
    ..."): the quote marks go, and the site super's mail is read as any forward."""
    from email.message import EmailMessage

    from intake.parsers.mime import parse_email

    mail = EmailMessage()
    mail["From"] = "Dan Schultz <dan.schultz@example.com>"
    mail["To"] = "connectyou@example.com"
    mail["Subject"] = "Fwd: Blk B unit 12 - balcony door glass"
    mail.set_content(
        "Connect You - see below from Harbourfront's site super.\n\nDan\n\n"
        "Begin forwarded message:\n\n"
        "> From: Ravi Chandran <rchandran@example.org>\n"
        "> Date: June 14, 2029 at 12:48:09 PM EDT\n"
        "> To: Dan Schultz <dan.schultz@example.com>\n"
        "> Subject: Blk B unit 12 - balcony door glass\n>\n"
        "> The tempered glass in the balcony door let go this morning.\n>\n"
        "> Ravi Chandran\n> Site Superintendent, Harbourfront Developments\n> 905-555-0181\n"
    )
    msg = parse_email(mail.as_bytes())
    assert msg.forwarded_text.startswith("From: Ravi Chandran")
    got = service(extractor, msg, staff=True)
    assert got["description"] == "The tempered glass in the balcony door let go this morning."
    assert (got["contact_name"], got["contact_phone"]) == ("Ravi Chandran", "+19055550181")


def test_a_forward_logged_for_a_colleague_with_the_approval_below(extractor):
    draft = (
        "From: Lena Fischer <lena.fischer@example.com>\nSubject: RE: Factor approval\n\n"
        "Approved, but at .47 not .50.\n\n"
        "From: Priya Shah <priya.shah@example.com>\nSubject: Factor approval\n\n"
        "Account: Ridgeline Custom\nSpecs: 34 openings, triple pane\nFactor: 0.50\n"
        "Opp: Ridgeline - Elbow Falls Home\nType: Standard\nStage: Submissions\nClose: Oct 4\n"
    )
    body = "Logging this one for Priya - Lena's approval is below, please open the case."
    got = quote(extractor, message(body, forwarded=draft))
    assert (got["factor"], got["stage"]) == ("0.47", "Submissions")


def test_a_reply_pointing_at_the_phone_number_in_the_forwarded_mail(extractor):
    forwarded = (
        "From: June Parr <june@example.net>\nSubject: Re: window won't latch\n\n"
        "Hi Rita, our home number is 403-555-0138, someone is usually in.\n\nJune\n"
    )
    body = "Phone number for the Parr case below.\nPlease add it and get them scheduled."
    got = service(extractor, message(body, forwarded=forwarded), staff=True, reply=True)
    assert got["contact_phone"] == "+14035550138"


def test_a_field_the_sender_takes_from_the_forwarded_mail(extractor):
    chain = (
        "From: Karl Brenn <kb@example.org>\nSubject: RE: Ph 2 windows\n\n"
        "Heads up - we'll be finalizing suppliers for Ph 2 by May 15 now, not end of June.\n\n"
        "From: Karl Brenn <kb@example.org>\nSubject: Ph 2 windows\n\n"
        "We're targeting end of Q2 to award the Ph 2 windows.\n"
    )
    body = (
        "Ben - please quote Harbourfront Lakeshore Ph 2: 24 casements 30x60, black. Opp name "
        "HFD Lakeshore Ph2, Project, 50%, factor .45. Close date per Karl's note below."
    )
    got = quote(extractor, message(body, forwarded=chain))
    assert got["close_date"] == "2027-05-15"
    unpointed = quote(
        extractor, message(body.replace(" per Karl's note below", " TBD"), forwarded=chain)
    )
    assert "close_date" not in unpointed  # an older thread's dates are history


def test_a_label_whose_value_points_at_the_forwarded_approval(extractor):
    """ "3. Factor: per Lena below" over Lena's "Approved at .47, not .45": the label points
    at the forwarded mail, whose newest statement is the factor."""
    chain = (
        "From: Lena Fischer <lena.fischer@example.com>\nSubject: Re: Baker Lake - factor\n\n"
        "Approved at .47, not .45 - we're already thin on the fibreglass. L.\n"
    )
    body = (
        "1. Account: Ridgeline Custom\n2. Specs: 18 casements 30x48, bronze\n"
        "3. Factor: per Lena below\n4. Opportunity: Ridgeline - Baker Lake / Standard\n"
    )
    assert quote(extractor, message(body, forwarded=chain))["factor"] == "0.47"


_HOMEOWNER_MAIL = (
    "From: Nora Lindahl <nora.l@example.net>\nSent: Monday, May 2, 2033 7:10 PM\n"
    "To: Pat Reyes <pat@dealer.example.net>\nSubject: basement window\n\n"
    "Hi Pat,\n\nThe basement awning you put in last year fogs up between the panes and the "
    "sash rattles in the wind. Could someone have a look?\n\nThanks,\nNora Lindahl\n"
    "88 Heron Bay NW, Calgary AB\n403-555-0177"
)
_DEALER_SIGNATURE = (
    "Pat Reyes\nService | Dealer Windows Ltd.\n12 Main St SE, Calgary AB\n403-555-0100"
)


@pytest.mark.parametrize(
    "note",
    [
        "Can you look after this one? Deal with Nora direct please.",
        "Another one for you - please call Nora directly to book.",
        "Pls get someone out this week - homeowner works from home most days.",
        "FYI another one for you guys. Our job CV-4502",  # one more of its kind, passed on
        # named as the one to deal with, by first name or by a pronoun
        "See the attached. Nora is the contact on site for this one, she is in on weekdays.",
        "Attached is the mail about the fogged unit we sold. Please deal with her directly.",
    ],
)
def test_a_dealer_handing_over_the_homeowners_mail_gives_their_signature(extractor, note):
    """A dealer's one-line cover above the homeowner's own mail: the homeowner is the one to
    call, their signature gives the number and the site, and the dealer's store is neither."""
    msg = message(
        note,
        from_name="Pat Reyes",
        from_addr="pat@dealer.example.net",
        signature=_DEALER_SIGNATURE,
        forwarded=_HOMEOWNER_MAIL,
    )
    got = service(extractor, msg, staff=False)
    assert got["contact_name"] == "Nora Lindahl"
    assert got["contact_phone"] == "+14035550177"
    assert got["site_address"] == "88 Heron Bay NW, Calgary AB"
    assert "fogs up between the panes" in got["description"]


@pytest.mark.parametrize("note", ["see below - pls book", "FYI see attached, thx"])
def test_a_dealers_bare_pointer_at_the_homeowners_mail_hands_them_over(extractor, note):
    """A dealer forwards the homeowner's mail with a pointer and nothing of their own: the
    forwarded mail is the request and its writer the one to call; a pointer that keeps the
    visit ("see below, call me to book") leaves the dealer the contact."""
    msg = message(
        note,
        from_name="Pat Reyes",
        from_addr="pat@dealer.example.net",
        signature="Sent from my iPhone",
        forwarded=_HOMEOWNER_MAIL,
    )
    got = service(extractor, msg, staff=False)
    assert (got["contact_name"], got["contact_phone"]) == ("Nora Lindahl", "+14035550177")
    assert got["site_address"] == "88 Heron Bay NW, Calgary AB"
    kept = dataclasses.replace(msg, new_text="see below, call me to book")
    assert service(extractor, kept, staff=False)["contact_name"] == "Pat Reyes"


def test_a_dealer_handing_over_a_homeowner_who_gave_no_address_gives_none(extractor):
    forwarded = _HOMEOWNER_MAIL.replace("88 Heron Bay NW, Calgary AB\n", "")
    msg = message(
        "Another one for you - please call Nora directly to book.",
        from_name="Pat Reyes",
        from_addr="pat@dealer.example.net",
        signature=_DEALER_SIGNATURE,
        forwarded=forwarded,
    )
    got = service(extractor, msg, staff=False)
    assert "site_address" not in got
    assert got["contact_phone"] == "+14035550177"


def test_a_dealer_keeping_the_visit_stays_the_contact(extractor):
    msg = message(
        "The homeowner's mail is below - I'll be there myself, call me to book.",
        from_name="Pat Reyes",
        from_addr="pat@dealer.example.net",
        signature=_DEALER_SIGNATURE,
        forwarded=_HOMEOWNER_MAIL,
    )
    assert service(extractor, msg, staff=False)["contact_name"] == "Pat Reyes"


def test_staff_speaking_of_the_homeowner_hand_over_no_one(extractor):
    """Our own account manager's note speaks of the homeowner to name someone else: only a
    dealer's short cover hands the homeowner over by speaking of them."""
    msg = message(
        "Passing this along from the dealer. Pat is the contact, not the homeowner: "
        "Pat Reyes, 403-555-0100.",
        from_name="Priya Shah",
        from_addr="priya.shah@example.com",
        forwarded=_HOMEOWNER_MAIL,
    )
    assert service(extractor, msg, staff=True)["contact_name"] == "Pat Reyes"


def test_a_hand_over_to_the_homeowner_the_body_names_is_not_to_the_forwarded_dealer(extractor):
    """ "Homeowner is Nora Lindahl, ... - Pat says call her direct" above the dealer Pat's
    forwarded mail: "call her" hands over the homeowner named, not the mail's writer."""
    forwarded = (
        "From: Pat Reyes <pat@dealer.example.net>\nSent: Monday, May 2, 2033 7:10 PM\n"
        "To: Priya Shah <priya.shah@example.com>\nSubject: service\n\n"
        "One of our customers, Nora Lindahl, called: her basement awning will not open.\n\n"
        "Pat Reyes\nDealer Windows Ltd.\n403-555-0100"
    )
    msg = message(
        "Can you book a service for the dealer's customer below. Homeowner is Nora Lindahl, "
        "88 Heron Bay NW, Calgary, 403-555-0177 - Pat says call her direct.",
        from_name="Priya Shah",
        from_addr="priya.shah@example.com",
        forwarded=forwarded,
    )
    assert service(extractor, msg, staff=True)["contact_name"] == "Nora Lindahl"


_APPROVAL_CHAIN = (
    "From: Lena Fischer <lena.fischer@example.com>\nSubject: RE: Elbow Park factor\n\n"
    "Approved at .49 - not .47, we're already thin on this account.\nLena\n\n"
    "From: Priya Shah <priya.shah@example.com>\nSubject: Elbow Park factor\n\n"
    "Hi Lena, could I go to .47 on the Bow Valley Elbow Park addition?\n"
)


@pytest.mark.parametrize(
    "pointer",
    [
        "Lena has approved a special factor for this one (her note is below), so please use "
        "her number rather than the one in my original ask.",
        "see below, go w lena's #.",
    ],
)
def test_a_long_request_pointing_at_the_approval_below_takes_its_factor(extractor, pointer):
    body = (
        "Could you quote the Elbow Park kitchen addition for Bow Valley Renovations? "
        f"{pointer} The package is 5 S400 casements 30x48, double pane LowE 272 with argon. "
        'I\'ve set the opportunity up as "BVR - Elbow Park addition", Standard, at '
        "Submissions, and they'd like to decide by June 20. Please send the quote to me "
        "rather than straight to Bow Valley, as I want to walk them through the bay pricing."
    )
    got = quote(extractor, message(body, forwarded=_APPROVAL_CHAIN))
    assert got["factor"] == "0.49"


def test_a_long_request_that_points_at_nothing_below_keeps_no_older_factor(extractor):
    body = (
        "Could you quote the Elbow Park kitchen addition for Bow Valley Renovations? "
        "The package is 5 S400 casements 30x48, double pane LowE 272 with argon. Standard, "
        "Submissions, they'd like to decide by June 20. Their PO # is in the thread below."
    )
    assert "factor" not in quote(extractor, message(body, forwarded=_APPROVAL_CHAIN))


LENA_OVER_DRAFT = (
    "From: Lena Fischer <lena.fischer@example.com>\nSubject: RE: Ridgeline Cougar Ridge\n\n"
    "Approved at .46 given the volume.\n\nLena\n\n"
    "From: Priya Shah <priya.shah@example.com>\nSubject: Ridgeline Cougar Ridge\n\n"
    "Lena - proposing .48 on this one. Stage Approvals, close Dec 18.\n"
    "12 casements 3060 black/white triple\n\nPriya\n"
)


@pytest.mark.parametrize(
    "note",
    [
        "go w lenas #\nopp Ridgeline - Cougar Ridge / std / single\n-p",
        "Team can you quote Ridgeline Cougar Ridge for me, the builder wants it in the new year "
        "and the site is ready, account Ridgeline Custom Builds, opp Ridgeline - Cougar Ridge, "
        "Standard, Single, and she wants the quote tomorrow by noon because her board meets "
        "Thursday and we are hoping to land it before the month is out, so the numbers matter "
        "here, everything else is in my note below, thanks Priya",
    ],
)
def test_a_cover_note_that_hands_over_the_forwarded_approval_chain(extractor, note):
    # "go w lenas #", "everything else is in my note below": the forwarded chain's factor,
    # stage and close are this request's, the approval's factor the newest
    got = quote(extractor, message(note, forwarded=LENA_OVER_DRAFT))
    assert (got.get("factor"), got.get("stage"), got.get("close_date")) == (
        "0.46",
        "Approvals",
        "2026-12-18",
    )
    # a note that does not point below: the older thread's pricing is history
    plain = message("opp Ridgeline - Cougar Ridge / std / single\n-p", forwarded=LENA_OVER_DRAFT)
    assert "stage" not in quote(extractor, plain)
