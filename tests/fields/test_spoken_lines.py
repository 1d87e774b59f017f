"""Reader aid `spoken_lines`: a dictation whose writer said "new line" between its lines."""

from __future__ import annotations

from intake.parsers.fields import spoken_lines
from tests.fields.helpers import message, quote, service

QUOTE_SAID = (
    "hi team quote for ridgeline new line account ridgeline custom new line opportunity name "
    "ridgeline aspen woods lot nine new line type standard new line stage approvals new line "
    "close date december twelfth new line factor point five three new line product specs "
    "nine casement windows thirty by sixty triple pane black comma two picture windows "
    "sixty by sixty same new line special instructions hold delivery until the framers are "
    "done thanks priya"
)


def test_a_quote_said_line_by_line_is_read_label_by_label(extractor):
    got = quote(extractor, message(QUOTE_SAID))
    assert got["account"] == "Ridgeline Custom Builds Ltd."
    assert got["opportunity_name"] == "ridgeline aspen woods lot nine"
    assert (got["opportunity_type"], got["stage"]) == ("Standard", "Approvals")
    assert got["close_date"] == "2026-12-12"
    assert got["factor"] == "0.53"
    assert got["product_specs"] == (
        "nine casement windows thirty by sixty triple pane black, two picture windows sixty "
        "by sixty same"
    )
    # "new line" is in no value, nor is the sign-off said after the last one
    assert got["special_instructions"] == "hold delivery until the framers are done"


def test_a_service_request_said_line_by_line(extractor):
    said = (
        "service call for bow valley new line name marta kowal new line phone four oh three "
        "five five five zero one nine eight new line address forty two cranston way southeast "
        "calgary new line problem the patio door slider jumped its track and wont close new "
        "line thanks"
    )
    got = service(extractor, message(said), staff=True)
    assert got["contact_name"] == "marta kowal"
    assert got["contact_phone"] == "+14035550198"
    assert got["site_address"] == "forty two cranston way southeast calgary"
    assert got["description"] == "the patio door slider jumped its track and wont close"


def test_typed_text_and_a_new_line_of_products_are_left_as_written(extractor):
    labels = extractor.vocab.labels["quotes"]
    for text in (
        "Please quote the new line of casements for Ridgeline, and their new line of doors.",
        "Factor .5 new line pricing applies",  # said once: a phrase, no dictation
        "Account: BVR\nFactor: .5",
    ):
        assert not spoken_lines.said(text)
        assert spoken_lines.as_lines(text, labels) == text
    assert spoken_lines.as_lines(
        "stage funding new line factor point four new line ok", labels
    ) == ("stage: funding\nfactor: .4\nok")
