"""The description: the sentences of a service request that say what is wrong."""

from __future__ import annotations

from intake.parsers.message import Attachment
from tests.fields.helpers import message, service


def test_a_lower_case_story_with_a_made_to_size_fault_after_its_history(extractor):
    # the fault is a size ("two inches short", "falls out"), told after the order's history
    text = (
        "hey,\n\ngrabbed the patio door order from your yard on monday (SO 7713) and the "
        "sliding screen is two inches short, it falls out of the track. the door itself is "
        "fine. job is 41 Aspen Ridge Way, Cochrane. Im on site till 4, call me if needed."
    )
    msg = message(text, from_name="Ravi Gill", from_addr="ravi@example.org")
    got = service(extractor, msg, staff=False)
    assert got["description"].startswith("the sliding screen is two inches short")
    assert "SO 7713" not in got["description"]


def test_a_fault_told_before_and_is_no_history_to_cut(extractor):
    # letting cold air in is the fault itself, the reference an aside inside it
    text = (
        "Builder here - the owner says the awning in the den (our job J-4410) is letting "
        "cold air in along the top and the sash rattles in the wind."
    )
    got = service(extractor, message(text, from_addr="site@example.org"), staff=False)
    assert "cold air in along the top" in got["description"]


def test_numbered_lines_under_a_heading_are_its_text(extractor):
    """An attached deficiency form: "Deficiency" alone on its line, the faults numbered
    below it; the cover note says only that the form is attached."""
    form = (
        "Site Deficiency Report - Supplier\nSite address: 31 Aspen Summit Heath SW, Calgary\n"
        "Site contact: Tomasz Nowak, Site Supervisor\nPhone: (403) 555-0148\n"
        "Deficiency\n"
        "1. Lift & slide door 144x96 (great room): sliding panel binds about halfway across.\n"
        "2. Casement, bedroom 2: insect screen torn.\n"
    )
    note = "Hi Connect You,\nRidgeline's deficiency form is attached. Everything is on the form."
    attached = Attachment("deficiency.txt", "text/plain", form.encode())
    got = service(extractor, message(note, attachments=(attached,)), staff=True)
    assert "binds about halfway" in got["description"]
    assert "insect screen torn" in got["description"]
