"""Text of an .xlsx (or .xlsm) workbook: the visible sheets' first rows, through openpyxl.

openpyxl runs in read-only mode, which streams a sheet's rows instead of building the whole
sheet, and with `data_only`, which gives a formula's value as Excel last saved it (a
formula is never read as text; a workbook saved by a program that computes nothing has no
value there, and the cell is empty). Hidden sheets are skipped: they hold the lookup lists
behind a form's drop-downs, not the request. The container is checked by
`parsers.doc_guard` before openpyxl sees it.
"""

from __future__ import annotations

import io
import warnings

from intake.parsers.doc_cells import cell_text, rows_text
from intake.parsers.doc_guard import check_zip

MAX_SHEETS = 10  # visible sheets read; a request form has one or two
MAX_ROWS = 500  # per sheet: a schedule of windows fits, a data dump is cut
MAX_COLS = 40  # per row
MAX_CELLS = 20_000  # filled cells of the whole workbook
MAX_CHARS = 60_000  # of the text produced (the extractor reads its first 20,000)


def xlsx_text(content: bytes) -> str:
    """The visible sheets as form or table lines, sheets a blank line apart.

    Raises on a refused, encrypted or broken file (the caller logs why and reads nothing).
    """
    check_zip(content)
    import openpyxl

    with warnings.catch_warnings():
        # "Data Validation extension is not supported" and the like: not ours to act on
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(
            io.BytesIO(content), read_only=True, data_only=True, keep_links=False
        )
        try:
            return _workbook_text(workbook)
        finally:
            workbook.close()


def _workbook_text(workbook) -> str:  # noqa: ANN001 - openpyxl.Workbook
    sheets: list[str] = []
    cells = chars = 0
    visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
    for sheet in visible[:MAX_SHEETS]:
        rows: list[list[str]] = []
        for values in sheet.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLS, values_only=True):
            row = [cell_text(v) for v in values]
            rows.append(row)
            cells += sum(1 for c in row if c)
            chars += sum(len(c) for c in row)
            if cells > MAX_CELLS or chars > MAX_CHARS:
                break
        text = rows_text(rows)
        if text:
            sheets.append(text)
        if cells > MAX_CELLS or chars > MAX_CHARS:
            break
    return "\n\n".join(sheets)
