"""Reader `prose_quote`: the stage said in a sentence."""

from __future__ import annotations

import pytest

from tests.fields.helpers import message, quote


@pytest.mark.parametrize(
    ("sentence", "stage"),
    [
        (
            "They're ready to go, so I have it at Approvals and expect to close on the 5th.",
            "Approvals",
        ),
        ("Priya has it at 50% and expects to close by the end of October.", "Submissions"),
        ("I have it at 100 units for now.", None),  # a count, no stage
    ],
)
def test_where_the_writer_has_the_opportunity(extractor, sentence, stage):
    text = f"Bow Valley, factor .54, 3 casements 30x48.\n{sentence}"
    assert quote(extractor, message(text)).get("stage") == stage


def test_a_name_in_quotes_after_put_it_under(extractor):
    text = "Please put it under “BVR - Lakeview Basement Suite”, Project w/ installation, Single."
    assert quote(extractor, message(text))["opportunity_name"] == "BVR - Lakeview Basement Suite"


def test_a_stage_given_as_its_probability(extractor):
    got = quote(
        extractor, message("Account: Bow Valley\nWe're at 50% on this one, they liked it.\n")
    )
    assert got["stage"] == "Submissions"


def test_stage_said_in_sales_words(extractor):
    # a probability the sender puts on it, a stage word before "stage", a won opportunity
    said = {
        "The builder is in, so I'd call it 90%. Quote 4 awnings 30x20.": "Approvals",
        "They're at the submissions stage with the owner. Quote 4 awnings 30x20.": "Submissions",
        "The opportunity (RCB - Elbow Drive) is won. Quote 4 awnings 30x20.": "Closed Won",
    }
    for text, stage in said.items():
        assert quote(extractor, message(text))["stage"] == stage, text
    reply = quote(
        extractor,
        message("Stage check on Elbow Drive - we're at 25 now, waiting on the bank."),
        reply=True,
    )
    assert reply["stage"] == "Funding"
    assert "stage" not in quote(extractor, message("We're negotiating, I'd call it 10% off list."))


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # "stage 50" in a run-on of the opportunity: the stage by its probability
        ("Opp name Ridgeline - Elbow Reno, type Standard, stage 90, factor 0.5, close Jun 2.",
         "Approvals"),
        # "at 25" in a sentence that names that very stage
        ("Ridgeline - Elbow Reno is a Standard. They're at 25 - funding is still pending.",
         "Funding"),
        # a run-on paragraph that is no opportunity line: "stage 25" as a clause of its own
        ("hey team PCH wants pricing for the lot 52 showhome, use factor point five one, "
         "stage 25, close in 3 weeks, it's a Project", "Funding"),
    ],
)  # fmt: skip
def test_a_stage_by_its_percentage_without_the_sign(extractor, text, stage):
    assert quote(extractor, message(text))["stage"] == stage


def test_at_a_number_with_no_stage_named_is_no_stage(extractor):
    text = "Ridgeline - Elbow Reno is a Standard. They're at 25 - the crew starts Monday."
    assert "stage" not in quote(extractor, message(text))


def test_a_stage_put_at_a_percentage_on_a_reply(extractor):
    text = "They signed off on the budget - put it at 50% please."
    assert quote(extractor, message(text), reply=True)["stage"] == "Submissions"


def test_a_stage_the_sender_moved_the_opportunity_to(extractor):
    text = "It's a Project, and I've moved it to Submissions since he wants numbers this week."
    assert quote(extractor, message(text))["stage"] == "Submissions"


def test_a_probability_said_for_now_among_the_opportunitys_values(extractor):
    text = "20 fixed units 72x84, silver.\n\n.57, Project, 5% for now, close end of Q2."
    assert quote(extractor, message(text))["stage"] == "Basic Qualification"


def test_a_probability_said_as_about_so_much(extractor):
    text = "Northgate 2031 homes, 40 sliders 30x48. We're at about 25% on it right now."
    assert quote(extractor, message(text))["stage"] == "Funding"


def test_a_reply_that_bumps_the_stage_by_its_probability(extractor):
    said = "They said yes!! bump to 90% and close Oct 4th pls."
    got = quote(extractor, message(said), reply=True)
    assert got["stage"] == "Approvals"
    other = quote(extractor, message("Can you bump the discount to 40% off list?"), reply=True)
    assert "stage" not in other


def test_a_stage_said_with_how_far_along_before_it(extractor):
    # an adverb between "we're"/"they're" and "at" still names the stage that follows
    said = {
        "Quote 4 awnings 30x20. They're already at Submissions with the owner.": "Submissions",
        "Quote 4 awnings 30x20. So we're essentially at Approvals, pending the number.": (
            "Approvals"
        ),
    }
    for text, stage in said.items():
        assert quote(extractor, message(text))["stage"] == stage, text


@pytest.mark.parametrize(
    ("said", "stage"),
    [
        ("Bow Valley den, 10 casements. .52 project 25% close end of next month", "Funding"),
        ("Bow Valley den, 10 casements. std, factor .47, 50% close 3/31", "Submissions"),
        ("Bow Valley den, 10 casements. factor .52 std 25 close apr 30", "Funding"),
        ("Bow Valley den, 10 casements. factor .52 std single 50 close apr 30", "Submissions"),
    ],
)
def test_a_stage_as_its_percentage_in_a_run_of_values(extractor, said, stage):
    assert quote(extractor, message(said))["stage"] == stage


def test_a_bare_number_before_the_close_after_no_type_is_no_stage(extractor):
    got = quote(extractor, message("Bow Valley den, 10 casements, factor 25 close apr 30"))
    assert "stage" not in got


@pytest.mark.parametrize(
    ("said", "stage"),
    [
        ("Please move the opp to Funding.", "Funding"),
        ("They signed - can you bump it to Funding?", "Funding"),
        ("They went elsewhere. Please mark it closed lost, reason: price.", "Closed Lost"),
        ("approved, move to 90. close date stays end of july", "Approvals"),
        ("HFD signed off today. Pls move Maple Run Ph2 to 95%.", "Proofing"),
    ],
)
def test_a_stage_asked_for_in_the_imperative(extractor, said, stage):
    """ "Please move the opp to Funding", "mark it closed lost", "move to 90": the stage the
    writer tells us to set, by its name or its probability."""
    got = quote(extractor, message(f"News on the Olsen job. {said}"), reply=True)
    assert got["stage"] == stage


def test_a_stage_permitted_for_later_is_no_stage(extractor):
    """ "You can move it to Funding once they confirm": a stage for later, not now."""
    got = quote(
        extractor,
        message("Approved at .47. You can move it to Funding once they confirm."),
        reply=True,
    )
    assert "stage" not in got
