"""Reader `sender_address`: the phone number an SMS-to-email gateway sends from."""

from __future__ import annotations

import pytest

from tests.fields.helpers import message, service


@pytest.mark.parametrize(
    ("address", "phone"),
    [
        ("4035550191@mms.example.net", "+14035550191"),
        ("+14035550191@txt.example.net", "+14035550191"),
        ("14035550191@vtext.example.com", "+14035550191"),
        # a person's address with digits in it is no phone
        ("dev.malhotra1985@example.net", None),
        ("403555@example.net", None),
    ],
)
def test_a_gateway_address_is_the_number_to_call_back(extractor, address, phone):
    text = (
        "Back door deadbolt doesnt line up, have to lift the door to lock it. "
        "Text or call this number thx"
    )
    got = service(
        extractor, message(text, subject="", from_name="", from_addr=address), staff=False
    )
    assert got.get("contact_phone") == phone
    assert got["description"] == (
        "Back door deadbolt doesnt line up, have to lift the door to lock it."
    )


def test_a_phone_in_the_text_outranks_the_gateway(extractor):
    text = "The patio door lock is stiff. Please call my cell 587-555-0142 instead."
    got = service(
        extractor,
        message(text, subject="", from_name="", from_addr="4035550191@mms.example.net"),
        staff=False,
    )
    assert got["contact_phone"] == "+15875550142"
