"""Reader aid: answers written inside the bot's own list of asks, quoted without markers.

An Outlook reply quotes the acknowledgement as plain text, and a writer who answers inline
puts each answer on an indented line of its own under the item it answers, often tagged
with their initials:

      - Opportunity name
            [OH] A&O - Holloway Cottage Rebuild
      - Stage
            [OH] Submissions

Without ">" markers only the list's shape tells the ask from the answer: an item ("- Stage",
its options in brackets) naming an asked field, then lines indented deeper than it that are
no item of the list. The acknowledgement as the bot sends it has none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from intake.parsers.fields.common import _clean, _label_key

# "  - Opportunity type (Standard / Project / Project w/ installation)": an asked item
_ITEM = re.compile(r"^(?P<indent>[ \t]*)[-*•·][ \t]+(?P<label>[^\W\d_][\w /#'’-]{1,40}?)"
                   r"[ \t]*(?:\([^)\n]*\))?[ \t]*:?[ \t]*$")  # fmt: skip
# "[OH] ", "OH: ", "-> ": the writer's mark on their answer
_TAG = re.compile(r"^(?:\[[^\]\n]{1,12}\]|[A-Z]{2,3}\s*:|-+>|=>|»)\s*")
# Fields whose answer is the text itself, not a value read out of it
_FREE_TEXT = ("opportunity_name", "product_specs", "special_instructions", "description")


def under_asked_items(
    labels: Mapping[str, str], text: str, wanted: Sequence[str]
) -> Iterator[tuple[str, str]]:
    """(field, answer) for each asked item of the quoted list that has lines indented deeper
    than it right below it (before a blank line or the next item)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _ITEM.match(line)
        name = labels.get(_label_key(m["label"])) if m else None
        if m is None or name not in wanted:
            continue
        depth = _width(m["indent"])
        answer = []
        for below in lines[i + 1 :]:
            if not below.strip() or _ITEM.match(below) or _width(below) <= depth:
                break
            answer.append(_TAG.sub("", below.strip()))
        if answer:
            yield name, " ".join(answer)


def free_text(name: str, answer: str) -> str | None:
    """The answer itself, for a field whose value is what the writer wrote."""
    return _clean(answer) if name in _FREE_TEXT else None


def _width(line: str) -> int:
    """How far a line is indented, a tab counting as four spaces."""
    lead = line[: len(line) - len(line.lstrip())]
    return len(lead.expandtabs(4))
