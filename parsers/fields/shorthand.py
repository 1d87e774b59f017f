"""Reader: a busy writer's run of short labels, each followed by its value without a colon
("fac 51 opp "Hollows Ph4" proj stg 50 cls end of sept amt approx 210k", "FX .46 STD SUBM").

The labels are the organisation's quote labels written as one word ("fac", "stg", "cls",
"amt", "rt"); the opportunity's label ("opp") only ends the value before it, for the name
after it is read by `prose_quote`. A label counts only where the words after it, up to the
next label or the end of the clause, are its value (and bare picklist words after it,
"fac 55 std"): "close to the lake" or "prob 25 days" say nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from intake.parsers import normalise as nz
from intake.parsers.fields.bare_lines import value_of
from intake.parsers.fields.common import QUOTES, Context
from intake.parsers.fields.resolver import PROSE, Found
from intake.parsers.fields.structure import Block
from intake.parsers.fields.values import date_of
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded

# The fields a short label gives a value of, and the one whose label only ends a value
VALUE_FIELDS = ("factor", "stage", "close_date", "amount", "record_type", "opportunity_type")
ENDS_ONLY = ("opportunity", "opportunity_name")
# Where a clause, and so the value of the label before it, ends
# (not at a thousands comma: "amt $9,800")
_CLAUSE_END = re.compile(r"\s*(?:$|[;(!?|]|,(?!\d{3}(?!\d))|\.(?:\s|$)|\s[-–—]\s|\s//?\s)")
_FACTOR = re.compile(r"[x×@]?\s?(0?[.,]\d{2,3}|[2-9]\d)(?![\d%]|[.,]\d)")
_PERCENT = re.compile(r"(\d{1,3})\s*%?(?!\d)")
_AMOUNT = re.compile(
    r"(?i:~|≈|(?:approx|est)\.?\s*|(?:about|around|roughly|maybe)\s+)?"
    r"(\$?\s?\d[\d,]*(?:\.\d+)?\s?[kKmM]?)(?![\w,]|\.\d)"
)
# What may follow a factor in its clause: "FX 48 as per ph2", "fac 51 like last time", and
# the factor it replaces, "fac 49 not 51"
_FACTOR_TAIL = re.compile(
    r"(?i:as per|per|like|same as|as always|again)\b"
    r"|(?i:not|instead of)\s+[x×@]?\s?(?:0?[.,]\d{2,3}|[2-9]\d)\s*$"
)


@lru_cache(maxsize=8)
def _labels(words: frozenset[tuple[str, str]]) -> re.Pattern[str]:
    """One pattern for every one-word label (its field in the group's name)."""
    by_field: dict[str, list[str]] = {}
    for word, name in words:
        by_field.setdefault(name, []).append(re.escape(word))
    groups = "|".join(
        f"(?P<{name}>{'|'.join(sorted(ws, key=len, reverse=True))})"
        for name, ws in sorted(by_field.items())
    )
    return guarded(re.compile(rf"(?<![\w/.&'’-])(?i:{groups})(?![\w/&'’-])\s*[:=]?\s*"))


@lru_cache(maxsize=8)
def _label_pattern(v: OrgVocabulary) -> re.Pattern[str]:
    """The one-word labels' pattern of a vocabulary (built from its labels once: every line
    of every message asks)."""
    labels = v.labels[QUOTES]
    words = frozenset(
        (word, name)
        for word, name in labels.items()
        if " " not in word and name in (*VALUE_FIELDS, *ENDS_ONLY)
    )
    return _labels(words)


def read(v: OrgVocabulary, found: Found, blocks: list[Block], ctx: Context) -> None:
    """Every run of short labels in the paragraphs and list lines: what each labels."""
    for block in blocks:
        if block.kind == "prose":
            lines = block.text.splitlines()
        elif block.kind == "bullets":
            lines = block.lines
        else:
            continue
        for line in lines:
            for name, value, conf in labelled_values(v, line, ctx):
                found.offer(name, value, conf, ctx.source)


def labelled_values(v: OrgVocabulary, line: str, ctx: Context) -> list[tuple[str, str, float]]:
    """(field, value, confidence) for each short label of `line` whose value reads as one,
    and for the bare picklist words right after such a value."""
    pattern = _label_pattern(v)
    line = nz.take_corrections(line, now=ctx.now)  # "FX .47.. sorry, .45": the later one
    hits = [m for m in pattern.finditer(line) if m.lastgroup in VALUE_FIELDS + ENDS_ONLY]
    out: list[tuple[str, str, float]] = []
    for i, m in enumerate(hits):
        name = m.lastgroup or ""
        if name in ENDS_ONLY:
            continue
        stop = hits[i + 1].start() if i + 1 < len(hits) else len(line)
        end = _CLAUSE_END.search(line, m.end(), stop)
        piece = line[m.end() : end.start() if end else stop].strip()
        opened = _value(v, name, piece, ctx)
        if opened is None:
            continue
        value, rest = opened
        after = _bare_values(v, rest, ctx)
        if after is None:
            continue  # "prob 25 days": more words than the value
        out.append((name, value, PROSE))
        out.extend((field, bare, PROSE - 0.1) for field, bare in after)
    return out


def _value(v: OrgVocabulary, name: str, piece: str, ctx: Context) -> tuple[str, str] | None:
    """The value `piece` opens with for field `name`, and the words after it."""
    if name == "factor":
        m = _FACTOR.match(piece)
        factor = nz.parse_factor(m.group(1)) if m else None
        if m is None or factor is None:
            return None
        rest = piece[m.end() :].strip()
        return str(factor), "" if _FACTOR_TAIL.match(rest) else rest
    if name == "stage":
        m = _PERCENT.match(piece)
        stage = v.pick("stage", m.group(1) + "%") if m else None
        if m and stage:
            return stage, piece[m.end() :]
        return _picklist_head(v, name, piece, ctx)
    if name in ("record_type", "opportunity_type"):
        return _picklist_head(v, name, piece, ctx)
    if name == "close_date":
        hit = ctx.find_date(piece)
        date = date_of(v, piece[: hit[2]], ctx) if hit and hit[1] == 0 else None
        return (date, piece[hit[2] :]) if hit and date else None
    if name == "amount":
        m = _AMOUNT.match(piece)
        amount = nz.parse_amount(m.group(1)) if m else None
        return (str(amount), piece[m.end() :]) if m and amount is not None else None
    return None


def _picklist_head(v: OrgVocabulary, name: str, piece: str, ctx: Context) -> tuple[str, str] | None:
    """A picklist value written in the first one to three words of `piece` ("basic qual",
    "acct monthly", "subm"), longest first, and the words after it."""
    words = piece.split()
    for n in range(min(3, len(words)), 0, -1):
        said = value_of(v, " ".join(words[:n]), ctx)
        if said and said[0] == name:
            return said[1], " ".join(words[n:])
    return None


def _bare_values(v: OrgVocabulary, rest: str, ctx: Context) -> list[tuple[str, str]] | None:
    """The picklist values written bare after a label's value ("fac 55 std", "FX .46 STD
    SUBM"), or None when a word there is none."""
    out = []
    for word in rest.split():
        said = value_of(v, word, ctx)
        if said is None or said[0] not in v.picklists:
            return None
        out.append(said)
    return out
