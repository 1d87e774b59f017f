"""Rows of cells (spreadsheets, Word tables) written as the lines the extractor reads.

The extractor reads mail line by line: "Label: value" lines and tables whose cells are
separated by pipes. A sheet or a Word table is turned into exactly those lines, so the
readers that run on the body run on the document unchanged. A block of rows (rows between
empty rows) whose every row is a label and its value, or one cell alone, is a form and
becomes "Label: value" lines; any other block is a table and becomes "cell | cell" lines.
Values are written as a person reads them: dates as ISO dates, 0.62 not 0.6199999999999999.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

MAX_CELL_CHARS = 2_000  # of one cell; a longer one is pasted prose, its start says enough
# Excel's error values: a formula that failed says nothing about the request.
EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)
_SPACE = re.compile(r"\s+")
_NUMBER_LIKE = re.compile(r"^[\d\s.,:/%$+-]+$")  # "10", "0.62", "2026-12-11", "$1,200"


def cell_text(value: object) -> str:
    """One cell's value as a person would read it; "" for empty and error cells."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: True is an int
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes" if not value.second else "seconds")
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"  # Excel keeps 15 significant digits
    text = _SPACE.sub(" ", str(value)).strip()[:MAX_CELL_CHARS]
    return "" if text in EXCEL_ERRORS else text


def rows_text(rows: Iterable[Sequence[str]]) -> str:
    """Lines for rows of cell texts: forms as "Label: value", tables as "a | b | c".

    Empty rows separate blocks, and the output keeps one empty line between blocks, which
    is also what ends a label's value in the extractor.
    """
    blocks: list[list[Sequence[str]]] = [[]]
    for row in rows:
        if any(row):
            blocks[-1].append(row)
        elif blocks[-1]:
            blocks.append([])
    return "\n\n".join(_block_text(block) for block in blocks if block)


def _block_text(block: list[Sequence[str]]) -> str:
    filled = [[c for c in row if c] for row in block]
    pairs = [cells for cells in filled if len(cells) == 2]
    if (
        pairs
        and all(len(cells) <= 2 for cells in filled)
        and all(_is_label(cells[0]) for cells in pairs)
    ):
        return "\n".join(_form_line(cells) for cells in filled)
    first = min(next(i for i, c in enumerate(row) if c) for row in block)
    lines = []
    for row in block:
        last = max(i for i, c in enumerate(row) if c)
        lines.append(" | ".join(c.replace("|", "/") for c in row[first : last + 1]))
    return "\n".join(lines)


def _form_line(cells: list[str]) -> str:
    if len(cells) == 2:
        return f"{cells[0].rstrip(': ')}: {cells[1]}"
    return cells[0]  # a heading, or a label whose value is on the rows below


def _is_label(text: str) -> bool:
    """A field name ("Account", "Close date:"), not a value (a number, a date, a sentence)."""
    return len(text) <= 60 and not _NUMBER_LIKE.match(text) and any(c.isalpha() for c in text)
