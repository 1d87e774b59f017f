"""Reader aid: a request dictated into a phone, written out as the form it was spoken from.

"... product is twelve casement windows twenty four by sixty ... factor point four nine
opportunity name aspen and oak Lindqvist reno stage basic qualification close date end of
the month ..." is one unpunctuated run in which the sender says each label before its value.
Where a one-line paragraph of forty words or more runs on like that (no colon, hardly a
stop or comma: typed run-ons have commas) and names three or more fields by their own
names, each label starts a line of its own ("product: twelve casement ..."), spoken numbers
written as typed ("point four nine" -> ".49"), so the label readers take it as they take a
typed form. Everything else is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from intake.parsers import normalise as nz

RUN_ON_WORDS = 40  # a paragraph this long ...
WORDS_PER_STOP = 25  # ... with fewer stops or commas than one per this many words: spoken
MIN_FIELDS = 3


def as_form(text: str, labels: Mapping[str, str]) -> str:
    """`text` with each run-on paragraph that says three or more labels cut into label lines."""
    return "\n\n".join(_as_form(p, labels) for p in text.split("\n\n"))


def _as_form(paragraph: str, labels: Mapping[str, str]) -> str:
    if (sentenced := _sentence_per_label(paragraph, labels)) is not None:
        return sentenced
    words = paragraph.split()
    stops = len(re.findall(r"[.!?,;](?:\s|$)", paragraph))  # speech has none of these
    if (
        len(words) < RUN_ON_WORDS
        or stops * WORDS_PER_STOP > len(words)
        or "\n" in paragraph.strip()  # lines of their own: typed, and read as typed
        or ":" in paragraph  # a typed label has its colon
    ):
        return paragraph
    spoken = nz.from_speech(paragraph)  # "point four nine" -> ".49", as it would be typed
    found = [
        (m, labels[m["label"].lower()]) for m in _spoken_labels(_table(labels)).finditer(spoken)
    ]
    # a label said twice running ("factor ... factor") is one
    said = [m for i, (m, field) in enumerate(found) if i == 0 or field != found[i - 1][1]]
    if len({field for _, field in found}) < MIN_FIELDS:
        return paragraph
    lines = [spoken[: said[0].start()].strip()]
    for m, after in zip(said, [*said[1:], None], strict=True):
        value = spoken[m.end() : after.start() if after else len(spoken)].strip()
        lines.append(f"{m['label']}: {value}")
    return "\n".join(line for line in lines if line)


def _table(labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


@lru_cache(maxsize=4)
def _spoken_labels(table: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """The labels a speaker says: each field's own name ("close date", "opportunity name",
    "factor", "stage") and "product" said as one; aliases ("opp", "windows", "job", "notes",
    "record") are too often just words in a sentence."""
    phrases = {key for key, field in table if key == field.replace("_", " ")}
    phrases |= {"product", "products", "product specs"} & {key for key, _ in table}
    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?i)\b(?P<label>{alternation})\b(?:\s+(?:is|are|was|=))?\s+")


# Where a dictation app has put in the stops: each sentence ends at one
_STOP = re.compile(r"(?<=[.!?])\s+(?=\S)")


def _sentence_per_label(paragraph: str, labels: Mapping[str, str]) -> str | None:
    """A dictation the phone punctuated ("Opportunity name Northgate cabin pilot. Stage
    submissions. Factor 48 no sorry 46. Products 10 awnings ..."): three or more of its
    sentences open with a field's own name, and each such sentence is that label's line; the
    other sentences stay prose, a paragraph each, so that no label's value runs on into
    them. None when the paragraph is not one such run (typed lines, a colon, the commas a
    typist puts between values, fewer labels)."""
    words = len(paragraph.split())
    if "\n" in paragraph.strip() or ":" in paragraph or words < RUN_ON_WORDS:
        return None
    if paragraph.count(",") * WORDS_PER_STOP > words:
        return None  # "Factor .62, Standard, Single. Opp name ...": typed, its commas say so
    pattern = _spoken_labels(_table(labels))
    sentences = _STOP.split(nz.from_speech(paragraph.strip()))
    said = [pattern.match(x) for x in sentences]
    if len({labels[m["label"].lower()] for m in said if m}) < MIN_FIELDS:
        return None
    parts = [
        f"{m['label']}: {x[m.end() :].strip().rstrip('.')}" if m else x
        for m, x in zip(said, sentences, strict=True)
    ]
    return "\n\n".join(parts)
