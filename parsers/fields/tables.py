"""Reader: tables. A header row of field labels over a row of values, a one-row summary of
unlabelled cells, and tables and bullet lists of products."""

from __future__ import annotations

import re
from decimal import Decimal

from intake.parsers import normalise as nz
from intake.parsers.fields.common import (
    QUOTES,
    Context,
    _clean,
    _looks_like_products,
    _spec_lines,
    _table_specs,
)
from intake.parsers.fields.patterns import _DIMENSION, FACTOR_CELL, NAME_LABEL
from intake.parsers.fields.resolver import BULLETS, CLAUSE, TABLE, Found
from intake.parsers.fields.structure import Block, Structure
from intake.parsers.fields.values import label_value, offer_account, opportunity, part_fields
from intake.parsers.fields.vocab import OrgVocabulary


def read(v: OrgVocabulary, found: Found, block: Block, structure: Structure, ctx: Context) -> None:
    """A table of fields; in a quote request a single row may be a one-line summary."""
    _field_table(v, found, block, structure, ctx)
    if ctx.queue == QUOTES and len(block.rows) == 1:
        summary_row(v, found, block.rows[0], ctx)


def _field_table(
    v: OrgVocabulary, found: Found, block: Block, structure: Structure, ctx: Context
) -> None:
    """A table whose header row is made of field labels ("Account | Opportunity | Stage |
    Close | Factor") and whose next row holds the values, as Outlook users paste them."""
    if len(block.rows) < 2:
        return
    header, values = block.rows[0], block.rows[1]
    targets = [structure.field_for(cell, False) for cell in header]
    known = sum(t is not None for t in targets)
    if known < 3 or known * 5 < len(header) * 3 or len(values) != len(header):
        return
    for target, value in zip(targets, values, strict=True):
        if target == "product_specs" and len(block.rows) == 2 and value:
            # a header over one row of values: the cell under "Product" is the specs, not
            # the whole row, which the products reader would take for one product line
            found.offer("product_specs", _clean(value), TABLE + 0.05, ctx.source)
        elif target is not None and target != "product_specs" and value:
            label_value(v, found, target, value, [], TABLE, ctx)


def cell_factor(cell: str) -> Decimal | None:
    """The factor a cell is and nothing else (patterns.FACTOR_CELL: ".47", "f .49",
    "factor 55%"), else None."""
    factor = FACTOR_CELL.fullmatch(cell)
    said = factor and (factor["value"] or factor["tenths"] or factor["whole"])
    return nz.parse_factor(said) if said else None


def summary_row(v: OrgVocabulary, found: Found, cells: list[str], ctx: Context) -> None:
    """One line of unlabelled cells, as people jot an opportunity down:
    "Northgat Modular | NMI - Lakeside Park Phase 2 | Project | Approvals | close 3/15 |
    fctr 0.49 | ~$1.2M". The account cell is the account; the rest read as an
    opportunity line (name first, then the cells that say a field)."""
    run = _products_run(v, cells, ctx)
    if run:
        found.offer("product_specs", _clean(" ".join(cells[run])), CLAUSE, ctx.source)
        cells = cells[: run.start] + cells[run.stop :]
    rest = []
    for cell in cells:
        if NAME_LABEL.match(cell):
            found.offer("opportunity_name", _clean(NAME_LABEL.sub("", cell)), CLAUSE, ctx.source)
        elif nz.match_account(cell, v.org):  # the account, never the job's name
            if not found.has("account"):
                offer_account(v, found, cell, CLAUSE, ctx.source)
        elif v.qty_product.search(cell) and _DIMENSION.search(cell):
            found.offer("product_specs", _clean(cell), CLAUSE, ctx.source)
        elif factor := cell_factor(cell.strip()):
            # ".55", "f .49", "fctr 0.49": a factor, never part of the name before it
            found.offer("factor", str(factor), CLAUSE, ctx.source)
        else:
            rest.append(cell)
    said = [part_fields(v, cell, ctx, loose=True) for cell in rest]
    if sum(bool(x) for x in said) >= 2:  # a summary line, not a product row
        opportunity(v, found, " | ".join(rest), CLAUSE, ctx, name_first=True)


def _products_run(v: OrgVocabulary, cells: list[str], ctx: Context) -> slice | None:
    """ "Northgate | 28 units Ph3 | 3500 slider 4030 + 2020 awning wht/wht | .44 | Northgate
    Ph3 Spring Builds | Project | 25%": the cells between the account and the first value,
    the last of them products, describe the products, one run of specs, when the row names
    the job after its values. Without a name later, the cell before the products is the name
    ("Clearview | Clearview - Sherwood Park | 12 casement 36x48 | .55 | Standard")."""
    if len(cells) < 4 or nz.match_account(cells[0], v.org) is None:
        return None

    def plain(cell: str) -> bool:  # a cell that states no field
        said = cell_factor(cell.strip()) or part_fields(v, cell, ctx, loose=True)
        return not said and not NAME_LABEL.match(cell)

    end = 1
    while end < len(cells) and plain(cells[end]):
        end += 1
    if end == 1 or end == len(cells) or not v.qty_product.search(cells[end - 1]):
        return None
    if not any(plain(cell) and cell[:1].isupper() for cell in cells[end:]):
        # no name after the values (a note, "show lead times", is no name): the cells
        # before them hold it
        return None
    return slice(1, end)


def read_products(v: OrgVocabulary, found: Found, blocks: list[Block], ctx: Context) -> None:
    """Tables and bullet lists of products, when no label already gave the specs."""
    tables = [b for b in blocks if b.kind == "table"]
    if tables:
        # of several tables (a sheet's "MODEL: | NG-1476D | (14x76 ...)" header block above
        # its list), the one with the most product rows
        specs = [_table_specs(b.rows, v.qty_product) for b in tables]
        best = max(specs, key=lambda text: len(text.split("; ")) if text else 0)
        found.offer("product_specs", best, TABLE, ctx.source)
    for block in blocks:
        if block.kind == "bullets" and _looks_like_products(block.lines, v.qty_product):
            found.offer("product_specs", _spec_lines(block.lines), BULLETS, ctx.source)
        elif block.kind == "bullets" and (base := _SAME_AS_BUT.search(block.text)):
            # "Same as the Block B quote (August) but:" and the changes listed below it
            changes = _spec_lines(block.lines)
            if changes:
                specs = f"{_clean(base.group(0).rstrip(' :'))}: {changes}"
                found.offer("product_specs", specs, BULLETS, ctx.source)


# The sentence that opens a list of changes to an earlier quote or order ("Same as the
# Block B quote you did in August but:", "Identical to last year's order except:")
_SAME_AS_BUT = re.compile(
    r"(?i)\b(?:same as|identical to|just like|copy of|as per)\b[^.!?]{3,160}?"
    r"\b(?:but|except|with (?:these|the following) changes|with changes|plus|and)\b"
    r"\s*(?:the following|these changes|this)?\s*:?\s*$"
)
