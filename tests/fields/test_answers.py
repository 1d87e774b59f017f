"""Reader `answers`: a reply answering the bot's request for the fields its case misses."""

from __future__ import annotations

import dataclasses

from intake.parsers.fields import LabelExtractor
from tests.fields.helpers import message, values


def answer(extractor: LabelExtractor, text: str, expected: list[str], body: str = "") -> dict:
    msg = message(text)
    if body:  # the whole mail, quoted request included; `text` is its new text
        msg = dataclasses.replace(msg, body_text=body)
    got = extractor.extract(
        msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=True, expected=expected
    )
    return values(got)


def test_terse_pieces_are_read_as_the_asked_fields(extractor):
    got = answer(extractor, "proj / 50%", ["opportunity_type", "stage"])
    assert got == {"opportunity_type": "Project", "stage": "Submissions"}


def test_an_asked_name_that_opens_with_the_account_keeps_its_dash(extractor):
    """ "PCH - Aug 2033 Monthly, standard": the clause led by the account is the asked name;
    its own dash splits it into no pieces."""
    got = answer(extractor, "PCH - Aug 2033 Monthly, standard", ["opportunity_name"])
    assert got["opportunity_name"] == "PCH - Aug 2033 Monthly"


def test_a_slash_inside_w_slash_is_no_piece_separator(extractor):
    got = answer(extractor, "It's a proj w/ install - our crew does it", ["opportunity_type"])
    assert got["opportunity_type"] == "Project w/ installation"


def test_a_percentage_answers_an_asked_stage_before_a_factor(extractor):
    got = answer(extractor, "90% - PO is coming next week", ["factor", "stage"])
    assert got == {"stage": "Approvals"}


def test_a_value_named_by_its_label_answers_no_other_field(extractor):
    """ "stage 25%" is the stage, never an asked factor of .25."""
    text = "Type is Project w/ installation, stage 25%. Close date TBD, will update."
    got = answer(extractor, text, ["factor", "opportunity_type", "stage", "close_date"])
    assert "factor" not in got
    assert got["opportunity_type"] == "Project w/ installation"


def test_a_bare_number_in_a_sentence_answers_an_asked_factor(extractor):
    got = answer(extractor, "Manager signed off on 52 for this one, thanks.", ["factor"])
    assert got == {"factor": "0.52"}


def test_an_ordinal_day_answers_an_asked_close_date(extractor):
    got = answer(extractor, "the 20th", ["close_date"])
    assert got == {"close_date": "2026-11-20"}


def test_without_an_ask_a_terse_reply_gives_nothing(extractor):
    assert answer(extractor, "proj / 50%", []) == {}
    assert answer(extractor, "Manager signed off on 52 for this one.", []) == {}


def test_a_long_reply_is_no_terse_answer(extractor):
    text = (
        "Thanks for the quick turnaround on this. I spoke with the builder this morning and "
        "they have a few more units to add, I will send the list over when I have it, "
        "probably 12 or so."
    )
    assert "factor" not in answer(extractor, text, ["factor"])


def test_answers_written_under_the_quoted_asks(extractor):
    body = (
        "Answers inline.\n\n> To complete it we still need:\n>   - factor\n\n"
        "0.51, approved by Marc\n\n>   - close date\n\n"
        "They vote on the 10th of December; put the end of December.\n\n> Reply to this.\n"
    )
    got = answer(extractor, "Answers inline.", ["factor", "close_date"], body=body)
    assert got == {"factor": "0.51", "close_date": "2026-12-31"}


def test_quoted_asks_not_asked_of_this_case_are_ignored(extractor):
    body = "See below.\n\n> - factor\n\n.51\n"
    assert answer(extractor, "See below.", ["stage"], body=body) == {}


def test_an_inline_answer_in_the_organisations_date_order(extractor):
    """ "6/1" under the quoted "Close date:": June 1st, as the organisation writes dates."""
    text = "See answers inline below.\n\n> - Factor:\n.48 - Dave confirmed\n> - Close date:\n6/1\n"
    msg = message(text)
    got = extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=True,
                            expected=["factor", "close_date"])  # fmt: skip
    assert got["close_date"].value == "2027-06-01"
    assert got["factor"].value == "0.48"


def test_a_field_said_to_be_undecided_takes_no_date_said_after_it(extractor):
    """ "Close date still TBD, I'll send it after Friday's walk thru", and "not set yet" under
    the asked item: when they will know, not the close date."""
    said = "Factor .55 - Shane agreed. Close date still TBD, I'll send it after Friday's walk"
    assert answer(extractor, said, ["factor", "close_date"]) == {"factor": "0.55"}
    body = (
        "See inline.\n\nTo complete it, we still need:\n- Close date\n"
        "    [LF] not set yet - their board meets the 18th, I'll send it after\n"
    )
    assert answer(extractor, "See inline.", ["close_date"], body=body) == {}


def test_an_address_answered_in_lower_case_is_the_site_address(extractor):
    assert answer(extractor, "67 rowan way spruce grove", ["site_address"]) == {
        "site_address": "67 rowan way spruce grove"
    }
    assert "site_address" not in answer(extractor, "tuesday after 3 works", ["site_address"])


def test_a_name_answered_as_an_introduction(extractor):
    said = "its Kim Doucette, 77 Lakeview Pt, Chestermere. phone should be on file"
    msg = message(said, subject="Re: patio door stuck")
    got = values(
        extractor.extract(
            msg, "service", now=msg.date, sender_is_staff=False, is_reply=True,
            expected=["contact_name", "contact_phone"],
        )
    )  # fmt: skip
    assert got["contact_name"] == "Kim Doucette"
    assert "contact_phone" not in got


def test_answers_tagged_inside_the_asks_quoted_without_markers(extractor):
    """An Outlook reply quotes the acknowledgement as plain text; the writer answers under
    each asked item, indented and tagged with their initials. An item left unanswered, or
    answered with no value ("to confirm"), stays asked."""
    body = (
        "See inline - JP\n\n________________________________\nFrom: Account Team\n"
        "Subject: More information needed\n\nTo complete it we still need:\n"
        "  - Opportunity name\n        [JP] BVR - Elbow Park Garage Suite\n"
        "  - Opportunity type (Standard / Project / Project w/ installation)\n"
        "        [JP] Standard\n  - Stage\n  - Close date\n        [JP] Priya to confirm\n\n"
        "Please reply to this email with the missing details.\n"
    )
    wanted = ["opportunity_name", "opportunity_type", "stage", "close_date"]
    got = answer(extractor, "See inline - JP", wanted, body=body)
    assert got == {
        "opportunity_name": "BVR - Elbow Park Garage Suite",
        "opportunity_type": "Standard",
    }
