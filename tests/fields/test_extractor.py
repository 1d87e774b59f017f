"""The whole extractor: the organisation's synonyms, odd messages, the labelled corpus,
sentences."""

from __future__ import annotations

from datetime import datetime

import pytest

from intake.parsers.fields import LabelExtractor, missing_fields, sentences
from tests.conftest import ORG_FILE
from tests.fields.helpers import MST, WED_NOV_4, message, quote, service


def test_sentences_keep_abbreviations_and_decimals():
    text = "We're at 12 Main St. Albert. Factor .48 this time. Call ext. 2 please."
    assert sentences(text) == ["We're at 12 Main St. Albert.", "Factor .48 this time.",
                               "Call ext. 2 please."]  # fmt: skip


def test_organisation_synonyms_extend_labels_picklists_and_urgency():
    import tomllib

    from intake.parsers.org import parse_organisation

    raw = tomllib.loads(ORG_FILE.read_text(encoding="utf-8"))
    raw["synonyms"] = {
        "labels": {"factor": ["disc"], "site_address": ["civic"]},
        "stage": {"Proofing": ["shop drawings"]},
        "opportunity_type": {"Project w/ installation": ["turnkey"]},
        "urgency": {"emergency": ["no heat"]},
    }
    custom = LabelExtractor(parse_organisation(raw))
    got = quote(custom, message("Disc: .5\nStage: shop drawings\nType: Turnkey"))
    assert got == {
        "factor": "0.50",
        "stage": "Proofing",
        "opportunity_type": "Project w/ installation",
    }
    msg = message("Civic: 9 Elm Court, Airdrie\nWe have no heat since the window broke.",
                  from_name="Amy Lee", from_addr="amy@example.net")  # fmt: skip
    got = service(custom, msg, staff=False)
    assert got["site_address"] == "9 Elm Court, Airdrie"
    assert got["urgency"] == "emergency"


def test_nothing_crashes_on_empty_or_odd_messages(extractor):
    odd = [
        "",
        "\n\n\n",
        "::::\n1.\n2)\n- \n|||\n",
        "Factor: 0.5" * 2000,
        "\t".join(["Qty", "Product"]) + "\n" + "x" * 10_000,
    ]
    for text in odd:
        for queue in ("quotes", "service"):
            fields = extractor.extract(message(text), queue, now=WED_NOV_4, sender_is_staff=False)
            assert isinstance(fields, dict)


EXACT_FIELDS = (
    "account_id", "factor", "amount", "opportunity_type", "record_type", "stage", "close_date",
    "quote_due", "contact_phone", "urgency", "reference",
)  # fmt: skip


def _same(name: str, want: object, got: object) -> bool:
    from decimal import Decimal

    if name in ("factor", "amount"):
        return got is not None and Decimal(str(want)) == Decimal(str(got))
    return want == got


def test_labelled_corpus_missing_fields_and_exact_fields(extractor, org):
    """Regression guard over the labelled corpus: the required fields the bot asks for, and
    the fields with one right spelling. Text fields are judged by the scorer, not here."""
    import json

    from tests.conftest import CORPUS

    labels = sorted((CORPUS / "intake").glob("*.json"))
    if not labels:
        pytest.skip("labelled corpus not present")
    from intake.parsers.mime import parse_email

    missing_ok = missing_total = same = total = 0
    wrong: list[str] = []
    for path in labels:
        label = json.loads(path.read_text(encoding="utf-8"))
        if label["action"] not in ("new_case", "append"):
            continue
        msg = parse_email(path.with_suffix(".eml").read_bytes())
        staff = org.is_company_address(msg.from_addr)
        fields = extractor.extract(msg, label["queue"], now=msg.date, sender_is_staff=staff,
                                   is_reply=label["action"] == "append")  # fmt: skip
        if label["action"] == "new_case":
            missing_total += 1
            asked = set(missing_fields(fields, org.required_fields(label["queue"])))
            missing_ok += asked == set(label["missing"])
            if asked != set(label["missing"]):
                wrong.append(f"{path.stem}: missing {sorted(asked)}")
        for name in EXACT_FIELDS:
            want, got = label["fields"].get(name), fields.get(name)
            if want is None and got is None:
                continue
            total += 1
            ok = want is not None and got is not None and _same(name, want, got.value)
            same += ok
            if not ok:
                wrong.append(f"{path.stem}: {name} {got and got.value!r} want {want!r}")
    assert missing_ok >= 0.95 * missing_total, wrong
    assert same >= 0.95 * total, wrong


def test_a_request_written_out_as_labels_is_told_from_an_agenda(extractor):
    request = (
        "Team - booking this so we can walk through the numbers.\n\nAccount: Prairie Crest\n"
        "Opp: PCH - Sage Meadows Ph 3\nStage: Submissions\nFactor: 0.52\n"
        "Product: 3 show homes x 22 openings"
    )
    agenda = (
        "Connect You - July backlog review\nWhere: CY huddle room\n"
        "Agenda: service cases open more than 10 days\nGuests: Mike, Rita, Jon"
    )
    assert extractor.states_a_request(request)
    assert not extractor.states_a_request(agenda)


@pytest.mark.parametrize(
    "text",
    [
        "Pls quote per the attached.\n\nclose 6/12\n",  # a label line without its colon
        "Close: 6/12\n",  # a label line
        ".48 as usual, proj, 90, close 6/12. opp Clearview - Walden Ph2 Showhomes",  # shorthand
    ],
)
def test_a_day_and_month_either_way_round_read_as_the_organisation_writes_dates(
    extractor, org, text
):
    """ "6/12" is June 12 to a month-first organisation and 6 December to a day-first one,
    whichever reader finds it: no reader may drop it as ambiguous while another reads it."""
    msg = message(text, date=datetime(2027, 5, 19, 7, 30, tzinfo=MST))
    assert org.date_order == "MDY"
    assert quote(extractor, msg)["close_date"] == "2027-06-12"
    day_first = LabelExtractor(org.model_copy(update={"date_order": "DMY"}))
    assert quote(day_first, msg)["close_date"] == "2027-12-06"
