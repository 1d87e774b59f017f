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
