"""Reader `prose_service`: whom to call, named in a staff member's running sentence."""

from __future__ import annotations

import pytest

from tests.fields.helpers import message, service


@pytest.mark.parametrize("pronoun", ["her", "his"])
def test_her_name_is_in_a_forwarding_sentence(extractor, pronoun):
    """A salesperson's one long sentence about a homeowner: "her name is X and she's best
    reached at ..." names the contact; the salesperson's sign-off does not."""
    text = (
        "Hi Connect You, one of the Prairie Crest homeowners in Sage Hill (lot 31, 88 Sage "
        "Meadows Gdns NW, Calgary) has a front entry door that's dragging on the threshold, "
        f"{pronoun} name is Hannah Okonkwo and she's best reached at 403-555-0127 ext. 2 "
        "during the day (that's her work line), PCH says it's still under their 1-year "
        "warranty so please loop in their warranty coordinator when you book it, thanks Alex"
    )
    msg = message(text, from_name="Alex Martin", from_addr="alex.martin@example.com")
    got = service(extractor, msg, staff=True)
    assert got["contact_name"] == "Hannah Okonkwo"
    assert got["contact_phone"] == "+14035550127"


@pytest.mark.parametrize(
    "sentence",
    [
        "Bernard Osei, who had us supply his new entry door last fall, phoned this morning",
        "Bernard Osei, who bought his windows through us a few years back, called to say",
    ],
)
def test_a_dealer_writing_for_the_customer_who_called_them(extractor, sentence):
    """A dealer's service coordinator signs her own name; the customer she names as the one
    who called is the person to call."""
    text = (
        f"Hi everyone,\nSorry to send another one so soon. {sentence} that the door has "
        "started to sag on the hinge side. His number is 780-555-0193.\n\nWarm regards,"
    )
    signature = "Denise Kowalczyk\nService Coordinator\nAspen & Oak Dealers Co.\n780-555-0111"
    msg = message(
        text,
        from_name="Denise Kowalczyk",
        from_addr="denise@aspenoak.example.org",
        signature=signature,
    )
    got = service(extractor, msg, staff=False)
    assert got["contact_name"] == "Bernard Osei"
    assert got["contact_phone"] == "+17805550193"
