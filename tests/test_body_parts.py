"""parsers/body_parts.py: a body split into new text, quote, forward, signature and disclaimer."""

from __future__ import annotations

import pytest

from intake.parsers.body_parts import split_body, split_signature

# --------------------------------------------------------------------------- replies


def test_gmail_reply_header_and_quote_are_cut() -> None:
    body = (
        "Can I get this one by\ntomorrow at noon?\n\nThanks\nAlex\n\n"
        "On Mon, Nov 2, 2026 at 10:47 AM Account Team <accountteam@example.com> wrote:\n"
        "> Factor: 0.52\n>\n> --\n> This is an automated message."
    )
    parts = split_body(body, "Re: quote", "Alex Martin")
    assert parts.new_text == "Can I get this one by\ntomorrow at noon?"
    assert parts.signature == "Thanks\nAlex"
    assert "Factor: 0.52" in parts.quoted_text
    assert parts.forwarded_text == ""


def test_wrapped_gmail_header_is_found() -> None:
    body = (
        "Sounds good.\n\nOn Wed, May 18, 2016 at 11:10 PM Steven Scott <notifications@github.com>"
        "\nwrote:\n\n> old text"
    )
    assert split_body(body).new_text == "Sounds good."


def test_attribution_in_any_language_over_a_quote() -> None:
    body = (
        'Hello\n02.04.2012 14:20 пользователь "bob@example.org" <\nbob@example.org> написал:'
        "\n\n> Hi\n>"
    )
    assert split_body(body).new_text == "Hello"


def test_bottom_posted_answer_is_kept() -> None:
    body = "On 04/02/2012 06:26 PM, Megan wrote:\n> What time?\n\nAt noon.\n> And where?\nHere."
    assert split_body(body).new_text == "At noon.\nHere."


def test_outlook_header_block_with_separator() -> None:
    body = (
        "Sorry - type is Standard, stage Funding.\n\nPriya\n\n________________________________\n"
        "From: Account Team West <accountteam-west@example.com>\n"
        "Sent: Tuesday, November 10, 2026 8:30 AM\nTo: Priya Shah <priya.shah@example.com>\n"
        "Subject: [CASE] BVR\n\nFactor: 0.52"
    )
    parts = split_body(body, "RE: [CASE] BVR", "Priya Shah")
    assert parts.new_text == "Sorry - type is Standard, stage Funding."
    assert parts.signature == "Priya"
    assert parts.quoted_text.startswith("________")


def test_outlook_header_block_without_separator_and_with_blank_lines() -> None:
    body = (
        "And another reply!\n\nFrom: Dan Watson [mailto:user@host.com]\n\n"
        "Sent: Monday, November 26, 2012 10:48 AM\n\nTo: Watson, Dan\n\nCc: x@y.z\n\n"
        "Subject: Re: New Issue\n\nA reply"
    )
    assert split_body(body).new_text == "And another reply!"


def test_french_reply_header_and_original_message_separator() -> None:
    body_fr = (
        "Merci pour le devis.\n\nLe lun. 2 nov. 2026 à 10:47, Équipe <e@example.com> a écrit :\n> x"
    )
    assert split_body(body_fr).new_text == "Merci pour le devis."
    body_om = "Updated numbers below.\n\n-----Original Message-----\nFrom: X\nSent: today\nOld"
    parts = split_body(body_om, "RE: numbers")
    assert parts.new_text == "Updated numbers below."
    assert parts.forwarded_text == ""


def test_label_block_after_a_from_line_is_not_taken_for_a_header() -> None:
    body = "Shipping:\nFrom: Calgary yard\nTo: Edmonton site\nPallets: 3"
    assert split_body(body).new_text == body


# --------------------------------------------------------------------------- forwards


def test_gmail_forward_keeps_note_in_new_text() -> None:
    body = (
        "Team - please quote this. Factor .50.\n\nPriya\n\n"
        "---------- Forwarded message ---------\nFrom: Dave <d@example.net>\n"
        "Date: Wed, Nov 4, 2026 at 4:51 PM\nSubject: Windows\nTo: Priya <p@example.com>\n\n"
        "- 2 casement 28 x 52\n\nThanks,\nDave Kowalski\n403-555-0155"
    )
    parts = split_body(body, "Fwd: Windows", "Priya Shah")
    assert parts.new_text == "Team - please quote this. Factor .50."
    assert parts.signature == "Priya"
    assert parts.forwarded_text.startswith("From: Dave <d@example.net>")
    assert "- 2 casement 28 x 52" in parts.forwarded_text
    assert "403-555-0155" in parts.forwarded_text  # the customer's signature stays with it


@pytest.mark.parametrize(
    ("marker", "subject"),
    [
        ("Begin forwarded message:", "Fwd: x"),
        ("-------- Forwarded Message --------", "x"),
        ("-----Original Message-----", "FW: x"),
        ("________________________________\nFrom: A <a@b.c>\nSent: Monday\nSubject: x", "TR: x"),
    ],
)
def test_forward_markers(marker: str, subject: str) -> None:
    parts = split_body(f"See below.\n\n{marker}\n\nCustomer text", subject)
    assert parts.new_text == "See below."
    assert "Customer text" in parts.forwarded_text
    assert parts.quoted_text == ""


# --------------------------------------------------------------------------- signatures


def test_dash_dash_signature_takes_closing_and_name_above_it() -> None:
    text = (
        "1. Account name: Ridgeline\n2. Factor: 0.48\n\nThanks,\nPriya\n\n--\nPriya Shah\n"
        "Account Manager, West\nT 403-555-0101"
    )
    body, sig = split_signature(text, "Priya Shah")
    assert body == "1. Account name: Ridgeline\n2. Factor: 0.48"
    assert sig.startswith("Thanks,\nPriya\n\n--\nPriya Shah")


def test_customer_closing_block_goes_to_signature_with_contact_lines() -> None:
    text = (
        "The awning leaks.\n\nHome address: 740 Sunset Ridge Drive, Cochrane, AB\n\n"
        "Thanks,\nTom Okonkwo\nRegional Operations Manager\nFoothills Grain Co-operative Ltd.\n"
        "Office 403-555-0185"
    )
    body, sig = split_signature(text, "Tom Okonkwo")
    assert body.endswith("Cochrane, AB")
    assert sig.startswith("Thanks,\nTom Okonkwo") and sig.endswith("403-555-0185")


def test_sender_name_block_without_closing() -> None:
    text = "Special instructions: deliver per building.\n\nDan\n\nDan Schultz | AM, East\nT 587"
    assert split_signature(text, "Dan Schultz") == (
        "Special instructions: deliver per building.",
        "Dan\n\nDan Schultz | AM, East\nT 587",
    )
    assert split_signature("Special: lift needed.\n\nP.", "Priya Shah") == (
        "Special: lift needed.",
        "P.",
    )


def test_mobile_footer_and_one_line_closing() -> None:
    text = "My cell is 403 555 0193.\n\nThanks, Raj\n\nSent from my iPhone"
    assert split_signature(text, "Raj Malhotra") == (
        "My cell is 403 555 0193.",
        "Thanks, Raj\n\nSent from my iPhone",
    )


def test_greeting_above_a_footer_is_not_a_signature() -> None:
    assert split_signature("Hello\n\nSent from my iPhone", "xxx") == (
        "Hello",
        "Sent from my iPhone",
    )


def test_numbered_list_and_label_block_after_thanks_survive_whole() -> None:
    text = (
        "Thanks!\n\n1. Account: Aspen & Oak\n2. Factor: 0.45\n3. Close date: Dec 15\n"
        "Stage: Submissions\nType: Standard"
    )
    assert split_signature(text, "Alex Martin") == (text, "")


def test_one_word_bullet_at_the_end_is_not_a_dash_signature() -> None:
    text = "Options:\n\n- Screens\n\n- Grilles"
    assert split_signature(text, "") == (text, "")


def test_thanks_followed_by_prose_is_not_a_sign_off() -> None:
    text = "Thanks, that works for us.\nPlease add screens.\n\nAlso ship by Friday."
    assert split_signature(text, "") == (text, "")


def test_legal_disclaimer_is_dropped_but_a_confidential_note_stays() -> None:
    text = (
        "Please quote 4 sliders.\n\nCONFIDENTIALITY NOTICE: This e-mail message is for the sole"
        " use of the intended recipient(s). Any unauthorized review is prohibited."
    )
    assert split_signature(text, "") == ("Please quote 4 sliders.", "")
    note = "Factor 0.45.\n\nConfidential - please don't share the factor with the dealer."
    assert split_signature(note, "") == (note, "")


def test_the_to_whom_addressed_disclaimer_is_dropped_after_the_signature() -> None:
    text = (
        "Two sashes have warped.\n\nThank you,\nMelissa Tran\nService Coordinator\n\n"
        "This email and any files transmitted with it are confidential and intended solely "
        "for the use of the individual or entity to whom they are addressed. Clearview "
        "accepts no liability for any damage caused by any virus transmitted by this email."
    )
    assert split_signature(text, "Melissa Tran") == (
        "Two sashes have warped.",
        "Thank you,\nMelissa Tran\nService Coordinator",
    )


def test_a_disclaimer_glued_under_the_signature_still_ends_it() -> None:
    """An Outlook signature whose last line runs straight into the disclaimer, no blank line
    between: the signature is still found, and the disclaimer still dropped. A disclaimer-like
    line with more text after it is not the end of the message."""
    text = (
        "The sash drags on the sill.\n\nThanks so much,\n\nRena Obi\nOffice Manager\n"
        'Direct: 306-555-0147 | Fax: 306-555-0141\n"Windows done right."\n'
        "This email and any attachments are confidential and intended solely for the "
        "addressee. If you received this message in error please delete it."
    )
    assert split_signature(text, "Rena Obi") == (
        "The sash drags on the sill.",
        "Thanks so much,\n\nRena Obi\nOffice Manager\nDirect: 306-555-0147 | Fax: 306-555-0141"
        '\n"Windows done right."',
    )
    inside = (
        "Please quote the lot.\nThis message is confidential for the intended recipient only,"
        "\nso keep the factor to yourself.\n\nAlso add screens."
    )
    assert split_signature(inside, "") == (inside, "")


def test_pgp_armor_is_removed_from_new_text() -> None:
    body = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nPlease call me.\n\n"
        "- -Jim\n-----BEGIN PGP SIGNATURE-----\n\niQIz\n-----END PGP SIGNATURE-----"
    )
    parts = split_body(body)
    assert parts.new_text == "Please call me."
    assert parts.signature == "-Jim"


def test_a_label_starting_with_a_closing_word_is_not_a_closing() -> None:
    """'TYPE  Project' once read as 'ty' (thank you) + a name and cut the form in two."""
    text = (
        "Tara,\n\nACCOUNT NAME        Prarie Crest Homes\nTYPE                Project\n"
        "BEST TIME           mornings\nSTAGE               Submissions\n\nAlex\n"
    )
    body, signature = split_signature(text, "Alex Martin")
    assert "TYPE                Project" in body and "STAGE" in body
    assert "BEST TIME" in body
    assert signature == "Alex"


def test_a_disclaimer_on_the_contents_for_the_named_recipient_is_dropped() -> None:
    body = (
        "Please send the finished quote to me rather than to the dealer.\n\n"
        "Thanks very much,\nAlex\n\nAlex Martin\nAccount Manager, West\n\n"
        "The contents of this e-mail are confidential and intended for the named recipient "
        "only. If you have received it in error, please notify the sender and delete it."
    )
    new_text, signature = split_signature(body, "Alex Martin")
    assert "confidential" not in new_text + signature
    assert "rather than to the dealer." in new_text
