"""Text of an old binary .xls workbook (Excel 97-2003), through xlrd.

Older Excel installations and many ERP exports still write .xls. The file is not
compressed, so what xlrd builds is bounded by the attachment's own size; `ragged_rows`
keeps xlrd from padding every row to the widest one (one cell at IV65536 would otherwise
make sixteen million). A formula cell holds the value Excel saved; a date cell is a number
with a date format, turned into a date here.
"""

from __future__ import annotations

import io

from intake.parsers.doc_cells import cell_text, rows_text
from intake.parsers.doc_guard import Refused
from intake.parsers.doc_xlsx import MAX_CELLS, MAX_CHARS, MAX_COLS, MAX_ROWS, MAX_SHEETS


def xls_text(content: bytes) -> str:
    """The visible sheets as form or table lines. Raises on an encrypted or broken file."""
    import xlrd

    if content.lstrip()[:1] == b"<":
        raise Refused("HTML or XML saved with an .xls name, not a binary workbook")
    book = xlrd.open_workbook(
        file_contents=content,
        logfile=io.StringIO(),  # xlrd writes its warnings to stdout otherwise
        on_demand=True,
        ragged_rows=True,
    )
    try:
        return _book_text(book)
    finally:
        book.release_resources()


def _book_text(book) -> str:  # noqa: ANN001 - xlrd.Book
    import xlrd

    sheets: list[str] = []
    cells = chars = 0
    read = 0
    for index in range(book.nsheets):
        if read >= MAX_SHEETS or cells > MAX_CELLS or chars > MAX_CHARS:
            break
        sheet = book.sheet_by_index(index)
        if sheet.visibility != 0:  # hidden or very hidden: drop-down lists, not the form
            book.unload_sheet(index)
            continue
        read += 1
        rows: list[list[str]] = []
        for rowx in range(min(sheet.nrows, MAX_ROWS)):
            row = []
            for cell in sheet.row_slice(rowx, 0, MAX_COLS):
                value = cell.value
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        value = xlrd.xldate_as_datetime(value, book.datemode)
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        value = None
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(value)
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    value = None
                row.append(cell_text(value))
            rows.append(row)
            cells += sum(1 for c in row if c)
            chars += sum(len(c) for c in row)
            if cells > MAX_CELLS or chars > MAX_CHARS:
                break
        book.unload_sheet(index)
        text = rows_text(rows)
        if text:
            sheets.append(text)
    return "\n\n".join(sheets)
