"""The description: the sentences of a service request that say what is wrong."""

from __future__ import annotations

from tests.fields.helpers import message, service


def test_a_lower_case_story_with_a_made_to_size_fault_after_its_history(extractor):
    # most sentences start lower-case (one "Im" does not make it a capitalised text); the
    # fault is a size ("two inches short", "falls out"), told after the order's history
    text = (
        "hey,\n\ngrabbed the patio door order from your yard on monday (SO 7713) and the "
        "sliding screen is two inches short, it falls out of the track. the door itself is "
        "fine. job is 41 Aspen Ridge Way, Cochrane. Im on site till 4, call me if needed."
    )
    msg = message(text, from_name="Ravi Gill", from_addr="ravi@example.org")
    got = service(extractor, msg, staff=False)
    assert got["description"].startswith("the sliding screen is two inches short")
    assert "SO 7713" not in got["description"]
