"""Reader `prose_due_date`: the date a quote request asks to have the quote back by."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.fields.helpers import MST, message, quote


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("I need it by Thursday - they're presenting Friday.", "2026-11-05"),
        ("Can I get this one by tomorrow at noon?", "2026-11-05"),
        ("No rush on this one, anytime before Dec 4 is fine.", None),
        ("Can you send it by Friday next week?", None),
        ("They want the install done before the 18th.", None),
        ("They need to close by Friday.", None),
    ],
)
def test_quote_due_only_when_earlier_than_the_sla(extractor, text, due):
    got = quote(extractor, message(text), reply=True)
    assert got.get("quote_due") == due


def test_quote_due_only_from_the_clause_that_asks_for_the_quote(extractor):
    text = (
        "Hi team, new builder. I sent them the credit form today, so the account should be "
        "there by Monday - in the meantime can you get started on the quote? "
        "12 casements 30x48 dual pane white."
    )
    assert "quote_due" not in quote(extractor, message(text))
    asked = "Hi team, PCH needs 12 casements 30x48 - can I get the quote by tomorrow?"
    assert quote(extractor, message(asked))["quote_due"] == "2026-11-05"


def test_the_due_date_follows_its_own_cue_not_the_first_for(extractor):
    """ "quick one for bow valley ... need by thurs noon": "for" is followed by no date; the
    cue the date follows is the one that counts."""
    text = "quick one for bow valley pls, need by thurs noon, cust mtg fri am"
    assert quote(extractor, message(text))["quote_due"] == "2026-11-05"


@pytest.mark.parametrize(
    "text",
    [
        "Clearview - Rossi residence, all in the form. They need it Thursday AM for their "
        "client meeting, so earlier than the usual 48h please.",
        "opp Clearview - Lakeshore Budget, standard, 5%, close Dec 15\n\n"
        "need by thurs noon if at all possible, they meet the homeowner thurs afternoon",
    ],
)
def test_the_due_date_said_after_need_it_or_in_a_paragraph_of_its_own(extractor, text):
    """ "They need it Thursday AM": the day the quote is needed, with no "by" before it; and
    a paragraph of its own is a sentence of its own, not the close date's clause above."""
    assert quote(extractor, message(text))["quote_due"] == "2026-11-05"


def test_need_it_back_tomorrow_is_a_due_date(extractor):
    text = "Need it back tomorrow - site super wants pricing before the framing walk Wed AM."
    assert quote(extractor, message(text))["quote_due"] == "2026-11-05"


def test_back_by_thursday_is_a_due_date_and_no_instruction(extractor):
    text = (
        "Opp: Ridgeline - Kowalchuk Residence\nType: Project w/ install\n\n"
        "Dave is meeting them Friday morning so I'd really like this back by Thursday EOD."
    )
    got = quote(extractor, message(text))  # Wednesday Nov 4
    assert got["quote_due"] == "2026-11-05"
    assert "special_instructions" not in got


def test_back_today_is_no_due_date(extractor):
    got = quote(extractor, message("Back today - Lena approved factor 0.56 for Sunridge."))
    assert "quote_due" not in got


def test_setting_up_the_account_today_asks_no_quote_date(extractor):
    text = (
        "Met with a new builder yesterday, Larkspur Homes out of Airdrie – they're not in SF "
        "yet, I'll get the account set up today. They want our pricing on 16 casements "
        "30 x 48, triple pane. We'll go .60 factor to start."
    )
    got = quote(extractor, message(text))
    assert "quote_due" not in got
    assert got["account"] == "Larkspur Homes"


def test_back_by_the_slas_last_day_at_an_earlier_hour_is_a_quote_date(extractor):
    """The 48 h SLA of a Monday 15:47 request ends Wednesday 15:47: "back by Wednesday noon"
    asks for it earlier."""
    when = datetime(2028, 6, 5, 15, 47, tzinfo=MST)
    text = (
        "Please quote 12 casements 30x48 for Ridgeline. I'm presenting to the client Thursday "
        "morning, so could I please have this back by Wednesday noon?"
    )
    got = quote(extractor, message(text, date=when))
    assert got["quote_due"] == "2028-06-07"
    later = text.replace("Wednesday noon", "Wednesday at 5pm")
    assert "quote_due" not in quote(extractor, message(later, date=when))


def test_a_due_time_inside_the_special_instructions_label(extractor):
    text = (
        "Account: Prairie Crest Homes\nStage: Approvals\nFactor: .50\n"
        "Special instructions: I need this back by Thursday 10 AM – it's going to their "
        "purchasing meeting."
    )
    assert quote(extractor, message(text))["quote_due"] == "2026-11-05"


@pytest.mark.parametrize(
    "said", ["Need the qte tmrw EOD", "need it tmrw am pls", "can I get it 2moro noon"]
)
def test_tomorrow_as_people_text_it(extractor, said):
    text = f"Quote 4 casements 30x48 for Clearview, factor .60. {said}."
    assert quote(extractor, message(text))["quote_due"] == "2026-11-05"  # written Wed Nov 4
