"""Text of OpenDocument files (.ods sheets, .odt documents): paragraphs and tables in order.

LibreOffice and Google Docs "download as" write these. Both kinds keep their text in one
part, content.xml, so one reader serves both: a spreadsheet's body is its sheets (tables),
a text document's body is paragraphs, headings, lists and tables. Tables become form or
table lines (`parsers.doc_cells`), as for .xlsx and .docx.

Why no library: odfpy, the only maintained-looking one, has not had a release since 2020;
it loads every part of the package into a DOM of Python objects (slow, and memory grows
with the file), and it leaves the repeated-cell attributes to the caller anyway. The part
is read here instead with the standard library's expat (`xml.parsers.expat`), streamed in
64 KiB steps after `parsers.doc_guard` has proved the container's sizes, so reading stops
as soon as a cap is reached. A DTD is refused (no OpenDocument part has one), so entity
tricks never reach expat.

Repeats: an empty row or column is written once with `number-rows-repeated` /
`number-columns-repeated` (LibreOffice ends every sheet with a row repeated ~a million
times); a repeat is capped by the row and column caps, never expanded beyond them. A
spreadsheet cell's typed value is used as xlsx values are (0.62 not "62%", dates as ISO),
its displayed text otherwise. Hidden sheets (their table style says display false) are
skipped; annotations, tracked deletions, footnotes and frame captions are not text.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from xml.parsers import expat

from intake.parsers.doc_cells import MAX_CELL_CHARS, cell_text, rows_text
from intake.parsers.doc_guard import Refused, check_zip
from intake.parsers.doc_xlsx import MAX_CELLS, MAX_CHARS, MAX_COLS, MAX_ROWS, MAX_SHEETS

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
MAX_ELEMENTS = 400_000  # XML elements walked; a form has a few thousand
MAX_SPACES = 40  # of one <text:s text:c="n"/>
_CHUNK = 65_536
_SKIPPED = frozenset(
    {
        f"{OFFICE} annotation",
        f"{OFFICE} annotation-end",
        f"{TEXT} tracked-changes",
        f"{TEXT} note",
        f"{TEXT} sequence-decls",
        f"{SVG} title",
        f"{SVG} desc",
        f"{OFFICE} forms",
        f"{TABLE} shapes",
    }
)
_CELLS = frozenset({f"{TABLE} table-cell", f"{TABLE} covered-table-cell"})
_DURATION = re.compile(r"-?P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?")


class _Full(Exception):
    """A cap was reached: the walk ends and keeps what it has."""


def odf_text(content: bytes) -> str:
    """The body of an .ods or .odt as lines. Raises on a refused or broken file."""
    check_zip(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        try:
            part = archive.open("content.xml")
        except KeyError:
            raise Refused("no content.xml: not an OpenDocument file") from None
        walk = _Walk()
        with part:
            walk.read(part)
    text = "\n".join(walk.lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip("\n")


@dataclass
class _Block:
    """Lines of the body, a table cell or a text box."""

    lines: list[str] = field(default_factory=list)


@dataclass
class _Para:
    parts: list[str] = field(default_factory=list)
    boxes: list[str] = field(default_factory=list)  # lines of text boxes anchored in it


@dataclass
class _Table:
    rows: list[list[str]] = field(default_factory=list)
    sheet: bool = False  # a spreadsheet's sheet, not a table in a text


@dataclass
class _Row:
    repeat: int
    cells: list[str] = field(default_factory=list)


@dataclass
class _Cell(_Block):
    repeat: int = 1
    value: object = None  # the typed value, None for text cells


class _Walk:
    """Expat handlers that turn content.xml into lines, with the caps that bound it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.stack: list[object] = [_Block(self.lines)]
        self.skip = 0  # depth inside a skipped element
        self.in_body = False
        self.spreadsheet = False  # the body is sheets: its top-level tables are sheets
        self.hidden_styles: set[str] = set()
        self.style: str | None = None  # the automatic style being read
        self.elements = self.chars = self.cells = self.sheets = 0

    def read(self, part: io.BufferedIOBase) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartDoctypeDeclHandler = _refuse_dtd
        parser.EntityDeclHandler = _refuse_dtd
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.data
        parser.buffer_text = True
        try:
            while chunk := part.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _Full:
            pass

    # -- expat handlers ------------------------------------------------------------------------

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS or self.chars > MAX_CHARS or self.cells > MAX_CELLS:
            raise _Full
        if self.skip:
            self.skip += 1
            return
        if not self.in_body:
            self.read_style(name, attrs)
            self.in_body = name == f"{OFFICE} body"
            return
        if name in _SKIPPED:
            self.skip = 1
        elif name == f"{OFFICE} spreadsheet":
            self.spreadsheet = True
        elif name in (f"{TEXT} p", f"{TEXT} h"):
            self.stack.append(_Para())
        elif name == f"{TEXT} s":
            self.add_text(" " * min(_count(attrs.get(f"{TEXT} c")), MAX_SPACES))
        elif name == f"{TEXT} tab":
            self.add_text("\t")
        elif name == f"{TEXT} line-break":
            self.add_text("\n")
        elif name == f"{DRAW} text-box":
            self.stack.append(_Block())
        elif name == f"{TABLE} table":
            self.start_table(attrs)
        elif name == f"{TABLE} table-row":
            self.start_row(attrs)
        elif name in _CELLS:
            self.start_cell(name, attrs)

    def end(self, name: str) -> None:
        if self.skip:
            self.skip -= 1
            return
        if not self.in_body:
            return
        if name in (f"{TEXT} p", f"{TEXT} h"):
            para = self.stack.pop()
            assert isinstance(para, _Para)
            self.add_lines(["".join(para.parts), *para.boxes])
        elif name == f"{DRAW} text-box":
            box = self.stack.pop()
            assert isinstance(box, _Block)
            outer = self.stack[-1]
            if isinstance(outer, _Para):
                outer.boxes.extend(box.lines)
            else:
                self.add_lines(box.lines)
        elif name == f"{TABLE} table":
            self.end_table()
        elif name == f"{TABLE} table-row":
            self.end_row()
        elif name in _CELLS:
            self.end_cell()
        elif name == f"{OFFICE} body":
            self.in_body = False

    def data(self, text: str) -> None:
        if not self.skip and self.in_body:
            self.add_text(text)

    # -- the parts -----------------------------------------------------------------------------

    def read_style(self, name: str, attrs: dict[str, str]) -> None:
        """Note the automatic table styles that hide a sheet (they precede the body)."""
        if name == f"{STYLE} style" and attrs.get(f"{STYLE} family") == "table":
            self.style = attrs.get(f"{STYLE} name")
        elif (
            name == f"{STYLE} table-properties"
            and self.style
            and attrs.get(f"{TABLE} display") == "false"
        ):
            self.hidden_styles.add(self.style)

    def start_table(self, attrs: dict[str, str]) -> None:
        sheet = self.spreadsheet and len(self.stack) == 1
        hidden = attrs.get(f"{TABLE} style-name") in self.hidden_styles
        if sheet and (hidden or self.sheets >= MAX_SHEETS):
            self.skip = 1
            return
        self.sheets += sheet
        self.stack.append(_Table(sheet=sheet))

    def end_table(self) -> None:
        table = self.stack.pop()
        assert isinstance(table, _Table)
        self.add_lines(["", rows_text(table.rows), ""])

    def start_row(self, attrs: dict[str, str]) -> None:
        table = self.stack[-1]
        if not isinstance(table, _Table) or len(table.rows) >= MAX_ROWS:
            self.skip = 1  # a row outside a table, or past the cap
            return
        self.stack.append(_Row(repeat=_count(attrs.get(f"{TABLE} number-rows-repeated"))))

    def end_row(self) -> None:
        row = self.stack.pop()
        table = self.stack[-1]
        assert isinstance(row, _Row) and isinstance(table, _Table)
        # an empty row only separates blocks: once is enough, however often it repeats
        repeat = min(row.repeat, MAX_ROWS - len(table.rows)) if any(row.cells) else 1
        table.rows.extend(list(row.cells) for _ in range(repeat))
        filled = sum(1 for c in row.cells if c)
        self.cells += filled * repeat
        self.chars += sum(len(c) for c in row.cells) * repeat

    def start_cell(self, name: str, attrs: dict[str, str]) -> None:
        row = self.stack[-1]
        if not isinstance(row, _Row) or len(row.cells) >= MAX_COLS:
            self.skip = 1  # past the column cap: its text is not read
            return
        repeat = _count(attrs.get(f"{TABLE} number-columns-repeated"))
        value = _typed_value(attrs) if name == f"{TABLE} table-cell" else None
        self.stack.append(_Cell(repeat=min(repeat, MAX_COLS - len(row.cells)), value=value))

    def end_cell(self) -> None:
        cell = self.stack.pop()
        row = self.stack[-1]
        assert isinstance(cell, _Cell) and isinstance(row, _Row)
        if cell.value is not None:
            text = cell_text(cell.value)
        else:
            text = " ".join(x.strip() for x in cell.lines if x.strip())[:MAX_CELL_CHARS]
            text = cell_text(text)
        row.cells.extend([text] * cell.repeat)

    def add_text(self, text: str) -> None:
        top = self.stack[-1]
        if isinstance(top, _Para):  # text between paragraphs is indentation, not content
            top.parts.append(text)

    def add_lines(self, lines: list[str]) -> None:
        top = self.stack[-1]
        if isinstance(top, _Block):
            top.lines.extend(lines)
        elif isinstance(top, _Para):  # a paragraph inside a paragraph (a frame's caption)
            top.boxes.extend(lines)
        else:
            return  # text straight inside a table or row is not a cell's: dropped
        if top.lines is self.lines:
            self.chars += sum(len(x) + 1 for x in lines)


def _refuse_dtd(*_args: object) -> None:
    raise Refused("a DTD in an OpenDocument part")


def _count(value: str | None) -> int:
    """A repeat attribute as a count of at least 1 (a bad one counts once)."""
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        return 1


def _typed_value(attrs: dict[str, str]) -> object:
    """A spreadsheet cell's value as openpyxl would give it; None: read the cell's text."""
    kind = attrs.get(f"{OFFICE} value-type")
    try:
        if kind in ("float", "percentage", "currency"):
            return float(attrs[f"{OFFICE} value"])
        if kind == "date":
            value = datetime.fromisoformat(attrs[f"{OFFICE} date-value"])
            return value.date() if len(attrs[f"{OFFICE} date-value"]) <= 10 else value
        if kind == "time":
            return _duration(attrs[f"{OFFICE} time-value"])
        if kind == "boolean":
            return attrs[f"{OFFICE} boolean-value"].strip().lower() == "true"
    except (KeyError, ValueError, OverflowError):
        return None  # an odd value: the text LibreOffice displayed says it
    return None


def _duration(value: str) -> time | timedelta | None:
    """ "PT10H30M00S" as a time of day, or as a duration past 24 hours."""
    match = _DURATION.fullmatch(value.strip())
    if not match or value.strip().startswith("-"):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=round(seconds))
    if delta < timedelta(days=1):
        return (datetime.min + delta).time()
    return delta
