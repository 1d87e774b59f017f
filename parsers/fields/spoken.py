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
from collections.abc import Mapping, Sequence
from functools import lru_cache

from intake.parsers import normalise as nz
from intake.parsers.fields.patterns import _SIGN_OFF
from intake.parsers.first_chars import guarded

RUN_ON_WORDS = 40  # a paragraph this long ...
WORDS_PER_STOP = 25  # ... with fewer stops or commas than one per this many words: spoken
MIN_FIELDS = 3


def as_form(
    text: str, labels: Mapping[str, str], picklists: Mapping[str, Sequence[str]] | None = None
) -> str:
    """`text` with each run-on paragraph that says three or more labels cut into label lines.
    `picklists` (field -> its values) lets a short label say a picklist field ("type
    project") and keeps a label word inside a picklist value ("record type account
    monthly") from starting a line."""
    # the labels in order, as the patterns are built from them: sorted once per text, not
    # once per paragraph and helper (a few hundred labels)
    table = _table(labels)
    return "\n\n".join(_as_form(p, labels, table, picklists or {}) for p in text.split("\n\n"))


Table = tuple[tuple[str, str], ...]


def _as_form(
    paragraph: str,
    labels: Mapping[str, str],
    table: Table,
    picklists: Mapping[str, Sequence[str]],
) -> str:
    if (sentenced := _sentence_per_label(paragraph, labels, table, picklists)) is not None:
        return sentenced
    if (
        "\n" in paragraph.strip()  # lines of their own: typed, and read as typed
        or ":" in paragraph  # a typed label has its colon
    ):
        return paragraph
    words = paragraph.split()
    stops = len(re.findall(r"[.!?,;](?:\s|$)", paragraph))  # speech has none of these
    if len(words) < RUN_ON_WORDS or stops * WORDS_PER_STOP > len(words):
        # (three fields said need one said by its own name: only the type and the record
        # type have short names; one search spares the sentence by sentence reading of
        # every short paragraph that names none)
        if not _spoken_labels(table).search(paragraph):
            return paragraph
        return _labelled_sentences(paragraph, labels, table, picklists) or paragraph
    spoken = nz.from_speech(paragraph)  # "point four nine" -> ".49", as it would be typed
    return _cut(spoken, _labels_said(spoken, labels, table, picklists)) or paragraph


def _cut(spoken: str, found: list[tuple[re.Match[str], str]]) -> str | None:
    """`spoken` cut into a line per label said (`found`), the words before the first kept
    as they are; None when fewer than three fields are said."""
    if len({field for _, field in found}) < MIN_FIELDS:
        return None
    # a label said twice running ("factor ... factor") is one
    said = [m for i, (m, field) in enumerate(found) if i == 0 or field != found[i - 1][1]]
    lines = [spoken[: said[0].start()].strip()]
    for m, after in zip(said, [*said[1:], None], strict=True):
        value = spoken[m.end() : after.start() if after else len(spoken)].strip()
        lines.append(f"{m['label']}: {value if after else _without_sign_off(value)}")
    return "\n".join(line for line in lines if line)


def _labelled_sentences(
    paragraph: str,
    labels: Mapping[str, str],
    table: Table,
    picklists: Mapping[str, Sequence[str]],
) -> str | None:
    """ "... plus an 8 foot 3 panel slider. Factor 45 opportunity name PCH Aspen Ridge show
    home lot 3 type standard stage submissions close date end of Q1. Please send ...": a
    dictation the phone punctuated only here and there. A sentence that says three or more
    labels with no comma between them is cut into label lines; the other sentences stay
    prose, a paragraph each. None when no sentence is such a run."""
    sentences = _STOP.split(nz.from_speech(paragraph.strip()))
    out = []
    for sentence in sentences:
        run = sentence.rstrip(".!?")
        cut = (
            None
            if re.search(r"[,;](?:\s|$)", run)
            else _cut(run, _labels_said(run, labels, table, picklists))
        )
        out.append(cut or sentence)
    if out == sentences:
        return None
    # ("Special instructions dealer wants the screens shipped loose.": a sentence of the
    # same dictation that opens with a label is that label's line)
    opens = _spoken_labels(table).match
    return "\n\n".join(
        _line(m, x) if x is y and (m := opens(x)) else x
        for x, y in zip(out, sentences, strict=True)
    )


def _without_sign_off(value: str) -> str:
    """The last label's value without the sign-off the speaker ended on ("... by lot again
    thanks", "... per lot thanks Alex"): said on, it would run into the value."""
    for m in re.finditer(r"(?i)\s+(?=thanks|thank you|thx|cheers)", value):  # not "best"
        if _SIGN_OFF.match(value[m.end() :]):
            return value[: m.start()]
    return value


def _table(labels: Mapping[str, str]) -> Table:
    return tuple(sorted(labels.items()))


@lru_cache(maxsize=4)
def _spoken_labels(table: Table) -> re.Pattern[str]:
    """The labels a speaker says: each field's own name ("close date", "opportunity name",
    "factor", "stage") and "product" said as one; aliases ("opp", "windows", "job", "notes",
    "record") are too often just words in a sentence."""
    phrases = {key for key, field in table if key == field.replace("_", " ")}
    phrases |= {"product", "products", "product specs"} & {key for key, _ in table}
    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    # (the flag given, not written inline, so that `guarded` can put its lookahead first)
    return guarded(
        re.compile(rf"\b(?P<label>{alternation})\b(?:\s+(?:is|are|was|=))?\s+", re.IGNORECASE)
    )


def _labels_said(
    spoken: str,
    labels: Mapping[str, str],
    table: Table,
    picklists: Mapping[str, Sequence[str]],
) -> list[tuple[re.Match[str], str]]:
    """The labels said, in order, each with its field: a field's own name, or a short name of
    a picklist field ("type") said just before one of its values ("type is project"). A label
    word inside the picklist value said after a label ("record type account monthly") is
    part of that value, not a label."""
    hits = [(m, labels[m["label"].lower()]) for m in _spoken_labels(table).finditer(spoken)]
    if picklists:
        choices = tuple((f, tuple(v)) for f, v in sorted(picklists.items()))
        hits += [
            (m, labels[m["label"].lower()]) for m in _short_labels(table, choices).finditer(spoken)
        ]
    hits.sort(key=lambda hit: (hit[0].start(), -hit[0].end()))
    said: list[tuple[re.Match[str], str]] = []
    taken = 0  # where the last label and any picklist value said after it end
    for m, field in hits:
        if m.start() < taken:
            continue
        said.append((m, field))
        taken = m.end()
        value = _value_at(picklists.get(field, ()), spoken, taken)
        taken += len(value)
    return said


def _value_at(values: Sequence[str], text: str, at: int) -> str:
    """The picklist value (longest first) that `text` says at `at`, else ""."""
    for value in sorted(values, key=len, reverse=True):
        end = at + len(value)
        if text[at:end].lower() == value.lower() and not text[end : end + 1].isalnum():
            return value
    return ""


@lru_cache(maxsize=4)
def _short_labels(
    table: tuple[tuple[str, str], ...], choices: tuple[tuple[str, tuple[str, ...]], ...]
) -> re.Pattern[str]:
    """A picklist field's other names ("type", "rec type"), said right before one of its
    values: alone, "type" is too often a word of the sentence."""
    values = dict(choices)
    said = [
        rf"{re.escape(key)}(?=(?:\s+(?:is|=))?\s+(?:{'|'.join(map(re.escape, values[field]))})\b)"
        for key, field in table
        if field in values and key != field.replace("_", " ")
    ]
    alternation = "|".join(sorted(said, key=len, reverse=True))
    return re.compile(rf"(?i)\b(?P<label>{alternation})(?:\s+(?:is|=))?\s+")


# Where a dictation app has put in the stops: each sentence ends at one
_STOP = re.compile(r"(?<=[.!?])\s+(?=\S)")


def _sentence_per_label(
    paragraph: str,
    labels: Mapping[str, str],
    table: Table,
    picklists: Mapping[str, Sequence[str]],
) -> str | None:
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
    pattern = _spoken_labels(table)
    sentences = _STOP.split(nz.from_speech(paragraph.strip()))
    said = [pattern.match(x) for x in sentences]
    if len({labels[m["label"].lower()] for m in said if m}) < MIN_FIELDS:
        return None
    parts = [
        # ("Opportunity name HFD Quayside Block C type project with installation stage
        # approvals close date February 26.": one sentence saying several labels, a line each)
        (_cut(x.rstrip("."), _labels_said(x, labels, table, picklists)) or _line(m, x)) if m else x
        for m, x in zip(said, sentences, strict=True)
    ]
    return "\n\n".join(parts)


def _line(m: re.Match[str], sentence: str) -> str:
    """A sentence that opens with a label, as that label's line."""
    return f"{m['label']}: {sentence[m.end() :].strip().rstrip('.')}"
