"""Reader: a line of picklist cells. "Std / Single / Submissions", "Single / Project w/
installation / Approvals (90)", "std, single, 5% (just qualifying), close june 16": an
account manager's shorthand for an opportunity's type, record type and stage, on a line of
its own or as one sentence among others ("Factor 56%. Single / Project w/ installation /
Approvals (90). Close 30 April."), with no label and no "Opp:" in front, or a label without
a colon ("Type Standard / Account Monthly / Approvals"). Each cell must be one value by its
shape alone (`bare_lines.value_of`), each of another field, and one of them a picklist
value: then the line is the writer's form, not a sentence that happens to hold a slash
("30x48 / 36x60", "white / black")."""

from __future__ import annotations

import re

from intake.parsers.fields.bare_lines import value_of
from intake.parsers.fields.common import QUOTES, Context
from intake.parsers.fields.resolver import PROSE, Found
from intake.parsers.fields.vocab import OrgVocabulary

# a line, or a sentence of one ("... 56%. Single / Project / Approvals (90). Close ...")
_PIECE = re.compile(r"(?<=[.!?;])\s+|\n")
_CELL_GAP = re.compile(r"\s+/{1,2}\s+|\s*\|\s*|,\s+")
# "Approvals (90)": the stage's probability beside its name says nothing more; nor does a
# short comment after a value ("5% (just qualifying)")
_PROBABILITY = re.compile(r"\s*\((?:\s*\d{1,3}\s*%?\s*|[^()\d]{1,30})\)$")
# "Type Standard / Account Monthly / Approvals": a label without a colon before the cells
_LINE_LABEL = re.compile(
    r"(?i)(?:opp(?:ortunity)?\s+)?(?:type|rec(?:ord)?\s+type|stage|status|details)\s+(?=\S)"
)
PICKLIST_FIELDS = frozenset({"opportunity_type", "record_type", "stage"})


def read(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """Offer the values of each line (or sentence) made only of picklist-like cells. (A
    reply's terse cells answer what the bot asked, or nothing: `answers`.)"""
    if ctx.queue != QUOTES or ctx.is_reply or not ("/" in text or "|" in text or "," in text):
        return
    for piece in _PIECE.split(text):
        if not ("/" in piece or "|" in piece or "," in piece):
            continue  # no gap between cells (each holds one of these): one cell
        cells = _CELL_GAP.split(piece.strip().rstrip(".;"))
        if len(cells) < 2:
            continue
        said = cell_values(v, cells, ctx)
        label = _LINE_LABEL.match(cells[0])
        if not said and label:
            said = cell_values(v, [cells[0][label.end() :], *cells[1:]], ctx)
        if said and PICKLIST_FIELDS & said.keys():
            for field, value in said.items():
                found.offer(field, value, PROSE, ctx.source)


def cell_values(v: OrgVocabulary, cells: list[str], ctx: Context) -> dict[str, str] | None:
    """{field: value} when every cell is one value of a field no other cell gave."""
    said: dict[str, str] = {}
    for cell in cells:
        got = value_of(v, _PROBABILITY.sub("", cell), ctx)
        if got is None or got[0] in said or not got[1]:
            return None
        said[got[0]] = got[1]
    return said
