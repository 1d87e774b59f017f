"""Reader: the numbered six items of the quote form, an unlabelled item read by its position
(1 account, 2 specs, 3 factor, 4 opportunity, 5 special instructions, 6 attachments)."""

from __future__ import annotations

import re

from intake.parsers import normalise as nz
from intake.parsers.fields.common import Context
from intake.parsers.fields.lexicon import _SIX_ITEMS
from intake.parsers.fields.resolver import POSITIONAL, Found
from intake.parsers.fields.structure import Block, Structure
from intake.parsers.fields.values import label_value
from intake.parsers.fields.vocab import OrgVocabulary


def is_quote_form(v: OrgVocabulary, blocks: list[Block]) -> bool:
    """Whether the numbered items are the six-item quote form, so that an unlabelled item
    can be read by its position. A numbered list of products is not: at least two items
    must agree with the form (a label of their position, an account as item 1, a factor
    as item 3)."""
    numbered = [b for b in blocks if b.number is not None]
    if not {1, 2, 3, 4} <= {b.number for b in numbered}:
        return False
    agree = 0
    for block in numbered:
        expected = _SIX_ITEMS.get(block.number or 0, "")
        if block.kind == "label":
            agree += block.target == expected or (
                expected == "opportunity" and block.target.startswith("opportunity")
            )
        elif block.number == 1:
            agree += nz.match_account(block.text, v.org) is not None
        elif block.number == 3:
            agree += nz.parse_factor(block.text) is not None
    return agree >= 2


def read(v: OrgVocabulary, found: Found, block: Block, structure: Structure, ctx: Context) -> None:
    """Unlabelled items of the numbered form: 1 account, 2 specs, 3 factor, 4 opportunity,
    5 special instructions, 6 attachments."""
    target = _SIX_ITEMS.get(block.number or 0)
    if target:
        # "4. Opp name/type/stage/close: X / Y / Z / W": the label is the position's
        text = re.sub(r"^[^\W\d][^:：\n]{0,40}[:：]\s+", "", block.text)
        label_value(v, found, target, text, block.lines, POSITIONAL, ctx)
