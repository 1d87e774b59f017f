"""Reader aid: a dictation whose writer spoke its line breaks.

"hey ben quote request for northgate modular new line product specs forty two single hung
... new line factor point four eight new line type project new line ..." is a form said
line by line into a phone that wrote the spoken commands down as words: "new line" (or "new
paragraph") where the writer wanted a break, "comma" and "period" for the marks. Read as
it is, it is one long sentence in which every value runs on into the next label and "new
line" into every value. Where a text says "new line" as a command twice or more, each
becomes the break it asked for, the marks their marks, numbers said as words the figures
they stand for (`normalise.from_speech`), and a line that opens with a label of the queue
gets the colon a typist would have put after it ("factor: .48"), so the label readers take
the dictation as they take a typed form. Any other text is returned as it is, at the cost
of one search for "new ".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields.common import _label_key
from intake.parsers.fields.spoken import _without_sign_off

MIN_BREAKS = 2  # one "new line" may be a phrase of the trade ("a new line of casements")
LABEL_WORDS = 4  # the most words of a label said at the start of a line

# "... argon new line plus eighteen ...": a spoken break, unless a word before it makes it
# a noun ("the new line", "their new line of doors")
_BREAK = cued(
    re.compile(
        r"(?P<owner>\b(?:a|an|the|our|your|their|this|that|its|his|her)\s+)?"
        r"\bnew (?P<what>line|paragraph)\b(?!\s+of\b)",
        re.IGNORECASE,
    )
)
_COMMA = cued(re.compile(r"\s+comma\b", re.IGNORECASE))
# a full stop said where a line ends ("... in two phases period new line drawings ...")
_PERIOD = cued(re.compile(r"\s+(?:period|full stop)\s*$", re.IGNORECASE))
_SAID_AS = re.compile(r"(?i)(?:is|are|=)\s+")  # "close date is october 26th"


def said(text: str) -> bool:
    """Whether `text` is a dictation whose writer spoke two or more of its line breaks."""
    if "new " not in text.lower():  # most texts: at once
        return False
    return sum(not m["owner"] for m in _BREAK.finditer(text)) >= MIN_BREAKS


def as_lines(text: str, labels: Mapping[str, str]) -> str:
    """`text` with its spoken breaks as breaks and each line as a typist would write it; a
    line that opens with one of `labels` (label key -> field) as "label: value"."""
    if not said(text):
        return text

    def broken(m: re.Match[str]) -> str:
        if m["owner"]:
            return m.group(0)
        return "\n\n" if m["what"].lower() == "paragraph" else "\n"

    lines = [_typed(line.strip(), labels) for line in _BREAK.sub(broken, text).split("\n")]
    # "... drawings coming from their architect thanks dan": the sign-off said on the last
    # line is a line of its own, as typed, and no part of the value before it
    kept = _without_sign_off(lines[-1])
    if kept != lines[-1]:
        lines[-1:] = [kept, lines[-1][len(kept) :].strip()]
    return "\n".join(lines)


def _typed(line: str, labels: Mapping[str, str]) -> str:
    """One dictated line as typed: its marks, its figures, and the colon after its label."""
    line = nz.from_speech(_PERIOD.sub(".", _COMMA.sub(",", line)))
    if not line or ":" in line:
        return line
    words = line.split()
    for size in range(min(LABEL_WORDS, len(words) - 1), 0, -1):
        if _label_key(" ".join(words[:size])) in labels:
            value = " ".join(words[size:])
            value = value[m.end() :] if (m := _SAID_AS.match(value)) else value
            return f"{' '.join(words[:size])}: {value}"
    return line
