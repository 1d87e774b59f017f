"""Reader: "Label: value" lines and blocks (a label with the lines below it), and a known
label starting a sentence inside a paragraph. The surest evidence there is."""

from __future__ import annotations

import re

from intake.parsers.fields.common import Context, first_sentence
from intake.parsers.fields.resolver import LABELLED, Found
from intake.parsers.fields.structure import Block, Structure
from intake.parsers.fields.values import label_value
from intake.parsers.fields.vocab import OrgVocabulary


def read(v: OrgVocabulary, found: Found, block: Block, structure: Structure, ctx: Context) -> None:
    """One label block: its field, from its value and the lines below it."""
    label_value(v, found, block.target, block.text, block.lines, LABELLED, ctx)


def read_inline(v: OrgVocabulary, found: Found, block: Block, ctx: Context) -> None:
    """ "... factor 0.49. Products: 6 picture ... Special instructions: crane access ...":
    a known label starting a sentence inside a paragraph."""
    structure = Structure(v.labels[ctx.queue], ctx.queue)
    starts = [
        m
        for m in re.finditer(r"(?:(?<=[.!?])\s+)([A-ZÀ-Ý][^:.!?]{1,30}?)\s*:\s", block.text)
        if structure.field_for(m.group(1), False)
    ]
    rest: list[str] = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(block.text)
        name = structure.field_for(m.group(1), False) or ""
        value = block.text[m.end() : end].strip()
        split = first_sentence(value) if name in _ONE_SENTENCE else None
        if split:
            # "Opportunity: Clearview - Fairbanks Condo Retrofit. Type is Project ...": the
            # name is its sentence; the sentences after it are prose again
            value, more = split
            value = value.rstrip(".") if name == "site_address" else value  # the stop, not "St."
            rest.append(more)
        label_value(v, found, name, value, [], LABELLED - 0.05, ctx)
    if starts:
        block.text = " ".join([block.text[: starts[0].start()], *rest]).strip()


# The labels whose value is one sentence when written inside a paragraph.
# ("Address: 88 Mackenzie Towne Link SE, Calgary. Please contact our PM, ...": the sentences
# after an address are prose again, a contact and a phone among them)
_ONE_SENTENCE = {"opportunity", "opportunity_name", "job", "account", "site_address"}
