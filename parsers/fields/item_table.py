"""Reader aid: a pasted table of items and their details, written out as the form it holds.

     #  | Item           | Detail
    ----+----------------+------------------------------
     1  | Account        | Clearview Window Centre
     2  | Product specs  | 24 x slider 48x36, dual pane
        |                | 6 x awning 36x24, dual pane
     3  | Factor         | .56

is the numbered quote form laid out as a table: each row's item cell names a field and its
detail cell gives the value, and a row whose item cell is empty goes on with the cell above
(a plain-text table draws a cell of several lines so). Read row by row, such a cell's second
line would be a row of its own, no one's value. Where every item of a pipe table names a
field (a header row above them aside) and its numbers, if it has a number column, count up,
the table is written out as the lines it stands for ("1. Account: Clearview Window Centre",
a cell's later lines indented below its first), and the label readers take it as they take a
typed form. Any other table is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from intake.parsers.fields.patterns import _SEPARATOR_ROW

# A cell of the number column: "1", "2.", "#3", "4a" (or empty, on a cell's later lines)
_NUMBER = re.compile(r"#?\s*(\d{1,2})[a-z]?[.)]?")
_INDENT = "    "  # a cell's later lines, below its first: deeper, so they go on with it


def as_form(text: str, names_field: Callable[[str, bool], str | None]) -> str:
    """`text` with each pipe table of items and details written out as label lines.
    `names_field(label, in_opportunity)`: the field a label names, if any
    (`Structure.field_for`)."""
    if "|" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if "|" not in lines[i]:
            out.append(lines[i])
            i += 1
            continue
        end = i
        while end < len(lines) and "|" in lines[end]:
            end += 1
        run = lines[i:end]
        out.extend(_written_out(run, names_field) or run)
        i = end
    return "\n".join(out)


def _written_out(
    run: list[str], names_field: Callable[[str, bool], str | None]
) -> list[str] | None:
    """The lines a run of table rows stands for, or None when it is no table of items."""
    rows = [_cells(line) for line in run if not _SEPARATOR_ROW.match(line)]
    rows = _without_outer_pipes(rows)
    width = len(rows[0]) if rows else 0
    if width not in (2, 3) or any(len(row) != width for row in rows):
        return None
    if width == 2:
        rows = [["", *row] for row in rows]
    number, label, _ = rows[0]
    if not _names_fields(label, names_field) and not _NUMBER.fullmatch(number):
        rows = rows[1:]  # the header row ("# | Item | Detail")
    items: list[tuple[str, str, list[str]]] = []  # (number, label, value lines)
    for number, label, detail in rows:
        if not label and not number and items:
            if detail:
                items[-1][2].append(detail)
            continue
        if not _names_fields(label, names_field):
            return None
        items.append((number, label, [detail] if detail else []))
    if not items or not _counts_up([number for number, _, _ in items]):
        return None
    out: list[str] = []
    for number, label, values in items:
        said = _NUMBER.fullmatch(number)
        head = f"{said.group(1)}. " if said else ""
        first, *more = values or [""]
        out.append(f"{head}{label.rstrip(':')}: {first}".rstrip())
        out.extend(_INDENT + line for line in more)
    return out


def _cells(line: str) -> list[str]:
    """A row's cells between its pipes, the empty ones kept (a cell's later lines)."""
    return [cell.strip() for cell in line.strip().split("|")]


def _without_outer_pipes(rows: list[list[str]]) -> list[list[str]]:
    """ "| 1 | Account | BVR |": the empty cells outside a row's first and last pipes,
    when every row has them, are no cells."""
    if rows and all(len(row) > 2 and not row[0] for row in rows):
        rows = [row[1:] for row in rows]
    if rows and all(len(row) > 2 and not row[-1] for row in rows):
        rows = [row[:-1] for row in rows]
    return rows


def _names_fields(label: str, names_field: Callable[[str, bool], str | None]) -> bool:
    return bool(label) and names_field(label.rstrip(":"), False) is not None


def _counts_up(numbers: list[str]) -> bool:
    """The number column, where there is one, numbers the items in order: "1, 2, 3", or
    one item's own number ("3 | Factor | .47" in a reply); a column of quantities does not."""
    if not any(numbers):
        return True
    said = [_NUMBER.fullmatch(n) for n in numbers]
    if not all(said):
        return False
    values = [int(m.group(1)) for m in said if m]
    return all(a < b for a, b in zip(values, values[1:], strict=False))
