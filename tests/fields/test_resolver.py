"""The resolver: declared-empty fields, replies give only what they add, missing fields."""

from __future__ import annotations

import pytest

from intake.parsers.fields import FieldValue, missing_fields
from tests.fields.helpers import WED_NOV_4, message, quote, service


def test_factor_tbd_gives_no_factor_even_with_a_number_elsewhere(extractor, org):
    text = """Account: Sunridge Living Homes
Products: 9 casements 30x60, triple pane
Factor: TBD - new account, waiting on Lena
Opportunity: Sunridge - Lot 7 Showhome
Type: Standard
Stage: Basic Qualification
Close date: December 4

(Our new-builder program usually runs at factor 0.56.)"""
    fields = extractor.extract(message(text), "quotes", now=WED_NOV_4, sender_is_staff=True)
    assert "factor" not in fields
    assert fields["account"].value == "Sunridge Living Homes"  # unknown account kept as written
    assert "account_id" not in fields
    assert missing_fields(fields, org.required_fields("quotes")) == ["factor"]


def test_question_marks_with_a_reason_leave_the_field_to_be_asked(extractor, org):
    text = (
        "1. Account name: Ridgeline Custom\n2. Product specs: 16 casements 30x60, triple\n"
        "3. Factor: .54\n4. Opportunity Name: Ridgeline - Whitemud | Type: ?? (Priya to "
        "confirm whether install is included) | Stage: Submissions | Close Date: Jan 30\n"
    )
    fields = extractor.extract(message(text), "quotes", now=WED_NOV_4, sender_is_staff=True)
    assert "opportunity_type" not in fields
    assert missing_fields(fields, org.required_fields("quotes")) == ["opportunity_type"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Factor 0.52, close date Nov 27. Thanks!", {"factor": "0.52", "close_date": "2026-11-27"}),
        ("Lena says factor .50 for this one. Close date Nov 30.",
         {"factor": "0.50", "close_date": "2026-11-30"}),
        ("Sorry - type is Standard, stage Funding.",
         {"opportunity_type": "Standard", "stage": "Funding"}),
        ("Opp is PCH - Westbrook Lot 12 Upgrade, Standard, stage Basic Qualification.\n"
         "Factor and close date to follow.",
         {"opportunity_name": "PCH - Westbrook Lot 12 Upgrade", "opportunity_type": "Standard",
          "stage": "Basic Qualification"}),
        ("Back today - Lena approved factor 0.56 for Sunridge (new account standard).",
         {"factor": "0.56"}),
        ("Petit ajout : le montant estimé de l'opportunité est de 48 500 $.",
         {"amount": "48500.00"}),
        ("Revision: please make it 16 casements (same 30x48) and add 2 awnings 30x20.",
         {"product_specs": "16 casements (same 30x48) and add 2 awnings 30x20"}),
        ("Close date moved to Jan 8.", {"close_date": "2027-01-08"}),
    ],
)  # fmt: skip
def test_reply_gives_only_what_the_new_text_says(extractor, text, expected):
    assert quote(extractor, message(text, subject="Re: [C-1] PCH"), reply=True) == expected


def test_service_reply_new_number_replaces_and_nothing_else(extractor):
    text = (
        "Hi, just a heads up - my old number 403-555-0123 is disconnected. Please use my new "
        "cell, 587-555-0190, to book the visit.\n\nThanks,\nSandra"
    )
    msg = message(text, from_name="Sandra Whitfield", from_addr="sw@example.net",
                  subject="Re: [C-3] Foggy windows")  # fmt: skip
    assert service(extractor, msg, staff=False, reply=True) == {"contact_phone": "+15875550190"}


def test_missing_fields_keeps_required_order_and_ignores_empty_values():
    fields = {
        "account": FieldValue("Prairie Crest Homes", 0.9, "body"),
        "factor": FieldValue("", 0.9, "body"),
        "attachments": FieldValue([], 1.0, "attachment:*"),
    }
    required = ["account", "product_specs", "factor", "stage"]
    assert missing_fields(fields, required) == ["product_specs", "factor", "stage"]


def test_a_reply_that_just_says_the_factor(extractor):
    msg = message("Spoke to them - go with .53. They're at Approvals now.")
    got = quote(extractor, msg, reply=True)
    assert got["factor"] == "0.53"
    assert got["stage"] == "Approvals"
