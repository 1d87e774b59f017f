"""Acknowledgements ask the sender to check the fields the extractor was unsure of.

End to end, like tests/test_pipeline.py: a prose request (fields read from cue words, at the
extractor's PROSE confidence) gets a "Please check: we read ..." line in the text and the HTML
part of its acknowledgement; a fully labelled one gets none.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from intake.bot.app import App, build_app
from intake.bot.config import Settings
from intake.handlers.case_ops import NOT_CHECKED, check_sentence, human_date
from intake.parsers.fields import LABELLED, PROSE
from intake.storage.models import Case, OutboxMessage
from tests.conftest import settings_for
from tests.test_pipeline import COMPLETE_QUOTE, PARTIAL_QUOTE, T0, deliver, mail, outbox, reply_to

PROSE_QUOTE = (
    "Hi team, can you quote Prairie Crest's 10 casements, 30x48, triple pane with Low-E and "
    'argon? Factor .52. The opp is "PCH - Lot 9", standard type, we\'re at Submissions, '
    "closing Dec 18.\n\nThanks,\nAlex\n"
)
CHECK = "Please check:"


def make_app(database_url: str, **bot: object) -> App:
    """The bot with these `[bot]` settings (the confirmation threshold): beside the shared
    `app` fixture, for the tests that change them."""
    return build_app(settings_for(database_url, bot=bot))


def bodies(row: OutboxMessage) -> tuple[str, str]:
    """The plain text (whitespace folded: the sentence is word-wrapped) and the HTML."""
    parsed = email.message_from_bytes(row.raw, policy=email.policy.default)
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    return " ".join(text.split()), " ".join(html.split())


def the_case(app) -> Case:
    with app.sessions() as session:
        return session.scalars(select(Case)).one()


def test_prose_request_ack_asks_to_check_the_prose_fields(app) -> None:
    result = deliver(app, mail(PROSE_QUOTE))
    assert result.outcome == "new_case" and result.replies == ["ack"]
    case = the_case(app)
    # the factor was read from a cue word, at the extractor's prose confidence
    assert case.fields["factor"] == "0.52" and case.confidence["factor"] == PROSE
    assert Settings().bot.confirm_below > PROSE
    (ack,) = outbox(app)
    text, html = bodies(ack)
    assert CHECK in text and CHECK in html
    assert 'the factor as "0.52"' in text
    assert "the factor as &#34;0.52&#34;" in html or "the factor as &quot;0.52&quot;" in html
    # every interpreted field below the threshold is named, none at or above it; never the
    # CRM id, nor free text copied from the sender's own words, nor the account, written as
    # the organisation file writes it ("Prairie Crest", an alias of Prairie Crest Homes)
    assert case.fields["account"] == "Prairie Crest Homes" and case.confidence["account"] < 0.7
    sentence = text[text.index(CHECK) : text.index("wrong.", text.index(CHECK))]
    for name, confidence in case.confidence.items():
        named = re.search(rf"\bthe {name.replace('_', ' ')} as\b", sentence) is not None
        if name in NOT_CHECKED or name == "account":
            assert not named and "ACC-" not in sentence, (name, sentence)
        else:
            assert named == (confidence < 0.7), (name, confidence, sentence)
    assert case.confidence["product_specs"] < 0.7  # unsure, but the sender's own words


def test_fully_labelled_request_ack_has_no_check_section(app) -> None:
    deliver(app, mail(COMPLETE_QUOTE))
    case = the_case(app)
    assert set(case.confidence.values()) == {LABELLED}
    (ack,) = outbox(app)
    text, html = bodies(ack)
    assert "Prairie Crest Homes" in text  # the summary is there, the check is not
    assert f"Close date: {human_date(case.fields['close_date'])}" in text  # dates in words
    assert case.fields["close_date"] not in text
    assert CHECK not in text and CHECK not in html
    assert "wrong" not in text


def test_dates_are_shown_in_words_and_the_threshold_is_a_setting(
    migrated_database_url: str,
) -> None:
    app = make_app(migrated_database_url, confirm_below=0.8)
    try:
        deliver(app, mail(PROSE_QUOTE))
        case = the_case(app)
        assert case.fields["close_date"] == "2026-12-18"
        assert PROSE < case.confidence["close_date"] < 0.8  # read from a clause: only at 0.8
        (ack,) = outbox(app)
        text, html = bodies(ack)
        assert "the close date as 18 Dec 2026" in text
        assert "the close date as 18 Dec 2026" in html
        assert "2026-12-18" not in text[text.index(CHECK) :]
    finally:
        app.close()


def test_threshold_zero_turns_the_check_off(migrated_database_url: str) -> None:
    app = make_app(migrated_database_url, confirm_below=0)
    try:
        deliver(app, mail(PROSE_QUOTE))
        text, html = bodies(outbox(app)[0])
        assert CHECK not in text and CHECK not in html
    finally:
        app.close()


def test_confirmation_names_a_field_the_completing_reply_gave_in_prose(app) -> None:
    first = deliver(app, mail(PARTIAL_QUOTE))
    assert "factor" in first.missing
    (ack,) = outbox(app)
    assert CHECK not in bodies(ack)[0]  # everything so far was labelled
    later = T0 + timedelta(hours=1)
    reply = reply_to(ack, "Factor .50, we're at Funding, closing Dec 30.\n", later)
    last = deliver(app, reply, later)
    assert last.replies == ["confirm"], last
    case = the_case(app)
    assert case.confidence["factor"] < 0.7
    confirm = outbox(app)[-1]
    assert confirm.kind == "confirm"
    text, html = bodies(confirm)
    assert f'the factor as "{case.fields["factor"]}"' in text
    assert CHECK in html


def test_request_for_information_does_not_ask_to_check(app) -> None:
    deliver(app, mail(PARTIAL_QUOTE))
    (ack,) = outbox(app)
    later = T0 + timedelta(hours=1)
    # said in a sentence, so read less surely than a label ("Factor .50" alone on a line
    # is a label line without its colon)
    deliver(app, reply_to(ack, "Factor .50, same as the last one.\n", later), later)
    info = outbox(app)[-1]
    assert info.kind == "request_info"
    assert the_case(app).confidence["factor"] < 0.7
    assert CHECK not in bodies(info)[0]


@pytest.mark.parametrize(
    ("iso", "words"),
    [("2027-01-15", "15 Jan 2027"), ("2026-12-05", "5 Dec 2026"), ("2026-02-30", None)],
)
def test_human_date(iso: str, words: str | None) -> None:
    assert human_date(iso) == words
    assert human_date("Jan 15") is None


def test_check_sentence_joins_fields() -> None:
    assert check_sentence([]) == ""
    one = check_sentence([("close date", "15 Jan 2027")])
    assert one == "Please check: we read the close date as 15 Jan 2027. Reply if that is wrong."
    two = check_sentence([("close date", "15 Jan 2027"), ("account", '"Ridgeline Homes"')])
    assert two == (
        'Please check: we read the close date as 15 Jan 2027 and the account as "Ridgeline '
        'Homes". Reply if either is wrong.'
    )
    three = check_sentence([("a", "1"), ("b", "2"), ("c", "3")])
    assert "the a as 1, the b as 2 and the c as 3. Reply if any of them is wrong." in three


def test_threshold_outside_0_to_1_is_a_configuration_error(tmp_path) -> None:
    from intake.bot.config import ConfigError, load_settings

    cfg = tmp_path / "intake.toml"
    cfg.write_text("[bot]\nconfirm_below = 0.85\n")
    assert load_settings(cfg, env={}).bot.confirm_below == 0.85
    cfg.write_text("[bot]\nconfirm_below = 1.5\n")
    with pytest.raises(ConfigError, match="bot.confirm_below"):
        load_settings(cfg, env={})


def test_default_urgency_and_copied_text_are_never_asked_about() -> None:
    """'normal' urgency is the absence of an emergency, and a description is the sender's
    own sentence: neither is a reading to confirm; an emergency reading is."""
    from intake.handlers.case_ops import _unsure_fields

    case = Case(
        fields={"urgency": "normal", "description": "Foggy unit", "contact_phone": "+14035550142"},
        confidence={"urgency": 0.4, "description": 0.6, "contact_phone": 0.5},
    )
    assert [label for _, label, _ in _unsure_fields(case, 0.7)] == ["contact phone"]
    case.fields = {**case.fields, "urgency": "emergency"}
    assert [label for _, label, _ in _unsure_fields(case, 0.7)] == ["contact phone", "urgency"]
    # the phone as the sender writes it, not as stored; nothing settled or asked before
    assert _unsure_fields(case, 0.7)[0] == ("contact_phone", "contact phone", '"403-555-0142"')
    asked = {"contact_phone": "+14035550142"}
    assert [n for n, _, _ in _unsure_fields(case, 0.7, asked=asked)] == ["urgency"]
    assert _unsure_fields(case, 0.7, asked=asked, settled={"urgency"}) == []
