"""Reader: the prose of a quote request. `read` gathers its sentences (prose paragraphs,
and the lines of a bullet list that are neither products nor a summary row) and runs the
prose readers over them in order: the numbers (`prose_numbers`: factor, close date, amount,
quote due), the due date inside a special-instructions label (`prose_due_date`), the values
still being decided (`prose_corrections`), the opportunity (`prose_opportunity`), the type,
the product quantities (`prose_specs`), and the instructions (`prose_instructions`), then
what is said to follow (`prose_corrections`)."""

from __future__ import annotations

import re

from intake.parsers import normalise as nz
from intake.parsers.fields import prose_picklists, prose_specs
from intake.parsers.fields.common import Context, _looks_like_products, _split_parts, sentences
from intake.parsers.fields.patterns import _DIMENSION, _FIELD_CUE
from intake.parsers.fields.prose_corrections import _still_deciding, _to_follow
from intake.parsers.fields.prose_due_date import prose_due
from intake.parsers.fields.prose_instructions import (
    _INSTRUCTION,
    _instruction_sentences,
    _said_instructions,
)
from intake.parsers.fields.prose_numbers import _prose_numbers
from intake.parsers.fields.prose_opportunity import _prose_opportunity
from intake.parsers.fields.resolver import Found
from intake.parsers.fields.structure import Block
from intake.parsers.fields.tables import summary_row
from intake.parsers.fields.vocab import OrgVocabulary


def _joined(units: list[tuple[str, str]], paragraphs: set[int]) -> str:
    """The sentences as one text. A label or product line between two of them, or a new
    paragraph (`paragraphs`: where each starts in `units`), ends the one before ("Opp name
    BVR - Lindqvist Kitchen" / "factor 57" / "type project ..."), so that no value runs on
    into the next prose line."""
    out: list[str] = []
    broken = False
    for i, (kind, said) in enumerate(units):
        if kind != "sentence":
            broken = bool(out)
            continue
        if (broken or i in paragraphs) and out and not re.search(r"[.!?]\W*$", out[-1]):
            out[-1] += "."
        out.append(said)
        broken = False
    return " ".join(out)


def read(v: OrgVocabulary, found: Found, blocks: list[Block], ctx: Context) -> None:
    """Cue words in the paragraphs: factor, close date, amount, opportunity clause, type,
    stage, record type, quote due, product quantities, and the instructions after them."""
    units: list[tuple[str, str]] = []  # ("spec", "") markers and ("sentence", text)
    paragraphs: set[int] = set()
    for block in blocks:
        if block.kind == "prose":
            paragraphs.add(len(units))
            units.extend(("sentence", s) for s in sentences(block.text))
        elif block.kind == "bullets":
            # "- factor .51" / "- BVR - Elbow Park Sunroom / Standard / close May 28":
            # a list mixing products and fields; each line is read for what it says.
            products = _looks_like_products(block.lines, v.qty_product)
            for line in block.lines:
                if v.qty_product.search(line) or _DIMENSION.search(line):
                    units.append(("spec", ""))
                elif products and not (_FIELD_CUE.search(line) or _INSTRUCTION.search(line)):
                    # "- nail fin on everything, no brickmould": one more item of the products
                    units.append(("spec", ""))
                elif len(_split_parts(line)) >= 3:
                    line = nz.take_corrections(line, now=ctx.now)  # "Oct 15 - sorry, Oct 22"
                    summary_row(v, found, _split_parts(line), ctx)
                else:
                    units.extend(("sentence", s) for s in sentences(line))
        elif block.kind == "label":
            units.append(("label", block.target))
    text = nz.from_speech(_joined(units, paragraphs))
    _prose_numbers(v, found, nz.take_corrections(text, now=ctx.now), ctx)
    if not ctx.source.startswith("attachment"):  # as _prose_numbers: no due date from a file
        for line in (line for b in blocks for line in b.thoughts()):
            if found.has("quote_due"):
                break
            prose_due(v, found, line, ctx)  # "close EOM" over "need it back by tmrw noon pls"
    for block in blocks:  # "Special instructions: I need this back by Thursday 10 AM"
        if (
            block.kind == "label"
            and block.target == "special_instructions"
            and not found.has("quote_due")
        ):
            prose_due(v, found, " ".join([block.text, *block.lines]), ctx)
    _still_deciding(v, found, text)
    _prose_opportunity(v, found, text, ctx)
    prose_picklists.type_in_prose(v, found, text, ctx)
    prose_specs.read(v, found, units, ctx)
    _instruction_sentences(v, found, blocks, ctx)
    _said_instructions(found, text, ctx)
    _to_follow(v, found, text)


def values_said(v: OrgVocabulary, text: str, ctx: Context) -> Found:
    """The opportunity's values a run of words states as prose states them ("pt62 std single
    50% close 4/30"): factor, close date, amount, type, record type and stage; no name."""
    said = Found()
    _prose_numbers(v, said, text, ctx)
    prose_picklists.read(v, said, text, ctx)
    prose_picklists.stage_by_probability(v, said, text, ctx)
    return said
