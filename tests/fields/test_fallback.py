"""Reader `fallback`: a weak guess for a required field nothing else read, so the bot asks
the sender to check it instead of asking for what they wrote."""

from __future__ import annotations

from intake.parsers.fields.resolver import GUESS
from tests.fields.helpers import message


def read(extractor, text: str, *, reply: bool = False) -> dict:
    msg = message(text, from_name="Alex Martin", from_addr="alex.martin@example.com")
    return extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=reply)


# Nothing in these texts is a cue any reader knows: only the fallback can offer a value.
LOOSE = (
    "Hi team, Ridgeline Homes again. 12 casements 30x54 dual pane white.\n{line}\n\nThanks, Alex"
)


def test_the_one_dated_mention_is_a_close_date_to_check(extractor) -> None:
    got = read(extractor, LOOSE.format(line="Hopefully 15 January 2027 works for them."))
    assert got["close_date"].value == "2027-01-15" and got["close_date"].confidence == GUESS


def test_two_dates_are_no_guess(extractor) -> None:
    line = "Either 15 January 2027 or 12 February 2027, they have not decided."
    assert "close_date" not in read(extractor, LOOSE.format(line=line))


def test_a_weekday_alone_is_a_meeting_not_a_close_date(extractor) -> None:
    line = "I'll see them on Wednesday to go over it."
    assert "close_date" not in read(extractor, LOOSE.format(line=line))


def test_a_quarter_that_names_a_run_is_no_close_date(extractor) -> None:
    line = "Factor same as the Q3 run, they liked it."
    assert "close_date" not in read(extractor, LOOSE.format(line=line))


def test_the_one_factor_shaped_number_and_a_correction_of_it(extractor) -> None:
    got = read(extractor, LOOSE.format(line="Same deal as always, .47 on this one."))
    assert (got["factor"].value, got["factor"].confidence) == ("0.47", GUESS)
    corrected = read(extractor, LOOSE.format(line="Go with .50, not .53, as agreed."))
    assert corrected["factor"].value == "0.50"


def test_sizes_prices_and_two_candidates_are_no_factor(extractor) -> None:
    for line in ("Units are 0.75 m wide.", "Old price was $0.47 a unit.", "Either .47 or .52."):
        assert "factor" not in read(extractor, LOOSE.format(line=line)), line


def test_a_picklist_word_in_passing_is_a_type_to_check(extractor) -> None:
    got = read(extractor, LOOSE.format(line="It's for their new project in Airdrie."))
    assert (got["opportunity_type"].value, got["opportunity_type"].confidence) == (
        "Project",
        GUESS,
    )


def test_a_reply_gets_no_guesses(extractor) -> None:
    got = read(extractor, LOOSE.format(line="They sign on 15 January 2027."), reply=True)
    assert "close_date" not in got or got["close_date"].confidence > GUESS


def test_a_word_that_describes_a_part_names_no_opportunity_type(extractor) -> None:
    got = read(extractor, "Aspen and Oak - 14 casements 36x48, std screens. factor 48.")
    assert "opportunity_type" not in got
    got = read(extractor, "Aspen and Oak - 14 casements 36x48. factor 48, std.")
    assert got["opportunity_type"].value == "Standard"
