"""`case_note`: a service request's description said the way the team notes a fault, and the
sentences of context its description leaves out."""

from __future__ import annotations

import pytest

from intake.parsers.fields.case_note import case_note
from tests.fields.helpers import message, service


@pytest.mark.parametrize(
    ("said", "noted"),
    [
        # the speaker and the verb joined to it open no clause of a note
        ("We've taped it and blocked the door off.", "Taped it and blocked the door off."),
        ("There's glass all over the floor.", "Glass all over the floor."),
        ("The crank spins, and it won't close.", "The crank spins, and won't close."),
        (
            "The sash is stuck so there’s a gap at the top.",
            "The sash is stuck so a gap at the top.",
        ),
        ("It is leaking at the sill - we have towels down.", "Leaking at the sill - towels down."),
        # whose things they are, and the hedging
        ("My son's bedroom window cracked.", "Son's bedroom window cracked."),
        ("Honestly I think the seal is gone.", "The seal is gone."),
        ("Looks like it happened in shipping.", "Happened in shipping."),
    ],
)
def test_a_note_leaves_out_the_speaker_possessives_and_hedges(said, noted):
    assert case_note(said) == noted


@pytest.mark.parametrize(
    "said",
    [
        "This morning the glass was cracked.",  # "this morning" is a time, not a subject
        "One of their customers has a casement that won't close.",
        "Frost on the inside of the glass along the bottom.",
        "We have to shoulder the door to close it.",  # "have to" is the fault, not a verb's aux
    ],
)
def test_a_note_keeps_times_objects_and_what_the_fault_does(said):
    kept = {"This morning", "their customers", "Frost on the inside", "to shoulder the door"}
    assert any(k in case_note(said) for k in kept)


def test_a_note_never_empties_a_description():
    assert case_note("It is.") == "It is."


def _described(extractor, said: str) -> str:
    """The description of a homeowner's request saying `said`, signed with her details."""
    text = f"Hello,\n\n{said}\n\nMarta Kowal\n12 Birch Row NW, Calgary\n403-555-0171"
    msg = message(text, from_name="Marta Kowal", from_addr="mk@example.net")
    return service(extractor, msg, staff=False)["description"]


@pytest.mark.parametrize(
    "aside",
    [
        "Is this normal for new windows?",
        "Original order SO-558940.",
        "Corey from Ridgeline Custom Builds.",
        "I'm the board president at Riverstone Tower.",
        "Hope you're well.",
        "Happy to pay if it's not covered.",
        "Will send pics later.",
        # how urgent it is, and what the sender wishes done
        "Not urgent, it isn't leaking or anything, but we'd like someone to look at it.",
        "We'd like someone to come and look at both while they're under warranty.",
        "Would be grateful if a technician could inspect it at your earliest convenience.",
        "The windows were put in by you guys in 2024 I think.",
    ],
)
def test_a_sentence_of_context_is_no_part_of_the_description(extractor, aside):
    fault = "The patio door lets water in at the bottom corner when it rains."
    assert _described(extractor, f"{aside} {fault}") == fault


def test_a_question_that_names_the_fault_stays(extractor):
    said = "Why is the kitchen window fogging between the panes?"
    assert "fogging between the panes" in _described(extractor, said)


def test_the_fault_after_an_urgency_aside_stays(extractor):
    said = "Not urgent, but the crank on the bedroom window is stripped."
    assert _described(extractor, said) == "The crank on the bedroom window is stripped."
