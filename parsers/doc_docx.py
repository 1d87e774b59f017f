"""Text of a .docx form or letter: paragraphs and tables in document order.

python-docx opens the package (it finds the main document part through the package's
relationships and parses it with entity resolution off); the body is then walked here on
its XML rather than through `Document.paragraphs`, because Word forms keep their answers in
content controls (`w:sdt`), which python-docx's paragraph text leaves out. A control still
showing its placeholder ("Click or tap here to enter text.") has no answer and is skipped,
as are deleted revisions and the fallback copy of text boxes. Tables become form or table
lines (`parsers.doc_cells`). Headers and footers are not read: they hold the letterhead.
"""

from __future__ import annotations

import io

from intake.parsers.doc_cells import MAX_CELL_CHARS, rows_text
from intake.parsers.doc_guard import check_zip

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
MAX_DEPTH = 12  # nested tables and controls followed
MAX_CHARS = 60_000  # of the text produced (the extractor reads its first 20,000)
MAX_TABLE_ROWS = 2_000  # of all tables together
_SKIPPED = frozenset({f"{W}del", f"{W}moveFrom", MC_FALLBACK, f"{W}sdtPr", f"{W}rPr", f"{W}pPr"})
_CONTAINERS = frozenset({f"{W}sdtContent", f"{W}customXml", f"{W}smartTag"})


def docx_text(content: bytes) -> str:
    """The document body as lines. Raises on a refused, encrypted or broken file."""
    check_zip(content)
    import docx

    document = docx.Document(io.BytesIO(content))
    walk = _Walk()
    walk.blocks(document.element.body, 0)
    text = "\n".join(walk.lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip("\n")


class _Walk:
    """Lines of a body walk, with the caps that bound it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.chars = 0
        self.table_rows = 0

    def full(self) -> bool:
        return self.chars > MAX_CHARS

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.chars += len(line) + 1

    def blocks(self, parent, depth: int) -> None:  # noqa: ANN001 - lxml element
        """Paragraphs and tables under a body, a cell or a content control, in order."""
        for child in parent:
            if self.full() or depth > MAX_DEPTH:
                return
            tag = child.tag
            if tag == f"{W}p":
                boxes: list = []
                self.add(_paragraph_text(child, boxes))
                for box in boxes:  # text boxes anchored in the paragraph, after it
                    self.blocks(box, depth + 1)
            elif tag == f"{W}tbl":
                self.add("")
                self.add(rows_text(self.table_rows_of(child, depth)))
                self.add("")
            elif tag == f"{W}sdt":
                if not _shows_placeholder(child):
                    content = child.find(f"{W}sdtContent")
                    if content is not None:
                        self.blocks(content, depth + 1)
            elif tag in _CONTAINERS:
                self.blocks(child, depth + 1)

    def table_rows_of(self, table, depth: int) -> list[list[str]]:  # noqa: ANN001
        rows: list[list[str]] = []
        for tr in _children(table, f"{W}tr"):
            if self.table_rows >= MAX_TABLE_ROWS or self.full():
                break
            self.table_rows += 1
            row = []
            for tc in _children(tr, f"{W}tc"):
                cell = _Walk()
                cell.blocks(tc, depth + 1)
                row.append(" ".join(x.strip() for x in cell.lines if x.strip())[:MAX_CELL_CHARS])
            rows.append(row)
            self.chars += sum(len(c) for c in row)
        return rows


def _children(parent, tag: str):  # noqa: ANN001, ANN202 - lxml element; a generator
    """Direct children with `tag`, also those wrapped in content controls or custom XML."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _children(content, tag)
        elif child.tag in _CONTAINERS:
            yield from _children(child, tag)


def _shows_placeholder(sdt) -> bool:  # noqa: ANN001 - lxml element
    props = sdt.find(f"{W}sdtPr")
    return props is not None and props.find(f"{W}showingPlcHdr") is not None


def _paragraph_text(paragraph, boxes: list) -> str:  # noqa: ANN001 - lxml element
    """A paragraph's visible text: runs, hyperlinks, fields' results and content controls."""
    out: list[str] = []
    stack = [iter(paragraph)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag == f"{W}t":
            out.append(child.text or "")
        elif tag == f"{W}tab":
            out.append("\t")
        elif tag in (f"{W}br", f"{W}cr"):
            out.append("\n")
        elif tag == f"{W}noBreakHyphen":
            out.append("-")
        elif tag == f"{W}txbxContent":
            boxes.append(child)
        elif tag == f"{W}sdt" and _shows_placeholder(child):
            continue
        elif len(stack) < 4 * MAX_DEPTH:
            stack.append(iter(child))
    return "".join(out)
