"""Text of an .rtf document (WordPad, TextEdit, and Word's "Rich Text Format" export).

`striprtf` (maintained, pure Python, no dependencies) turns RTF into text: it skips the
font and colour tables, pictures, fields' instructions and other hidden destinations, and
decodes the code page and Unicode escapes. It writes a table cell's end as "|" and a row's
end as a line break, so a table row comes out as "Label|value|"; such lines are gathered
here into rows of cells for `parsers.doc_cells`, so RTF tables read like .docx ones
("Label: value", "a | b | c"). A literal "|" in the text is written "/" first, so every "|"
left afterwards ends a cell.

Its parser steps through the document character by character in Python (about a second
per few MB), and pictures are hex text inside the RTF: runs of hex digits too long to be
words are removed before it runs, and the rest is capped. A file that does not start as RTF
(a binary renamed .rtf) is refused.
"""

from __future__ import annotations

import re

from intake.parsers.doc_cells import MAX_CELL_CHARS, rows_text
from intake.parsers.doc_guard import Refused

MAX_RTF_CHARS = 1_000_000  # of RTF markup after pictures are dropped; a letter is ~50 KB
MAX_CHARS = 60_000  # of the text produced (the extractor reads its first 20,000)
MAX_TABLE_ROWS = 2_000
# A picture's or an object's hex data (only tried where a run starts: linear time).
_HEX_RUN = re.compile(r"(?<![0-9a-fA-F\r\n])[0-9a-fA-F\r\n]{256,}")
_BINARY = re.compile(rb"\\bin(\d{1,10}) ?")  # \binN: N raw bytes of a picture follow
_CODE_PAGE = re.compile(rb"\\ansicpg(\d{3,5})")
MAX_BINARY_RUNS = 1_000


def rtf_text(content: bytes) -> str:
    """The document's paragraphs and tables as lines. Raises on a refused or broken file."""
    from striprtf.striprtf import rtf_to_text

    if not content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        raise Refused("not an RTF document")
    markup = _markup(content)
    plain = rtf_to_text(markup.replace("|", "/"), errors="replace")
    return _lines(plain)


def _markup(content: bytes) -> str:
    """The RTF as text, its embedded binary and hex data dropped and the rest capped.

    RTF is 7-bit text with escapes; 8-bit bytes in it belong to the document's code page.
    """
    code_page = _CODE_PAGE.search(content[:2048])
    encoding = f"cp{code_page.group(1).decode()}" if code_page else "cp1252"
    content = _without_binary(content)
    try:
        markup = content.decode(encoding, errors="replace")
    except LookupError:
        markup = content.decode("cp1252", errors="replace")
    return _HEX_RUN.sub("", markup)[:MAX_RTF_CHARS]


def _without_binary(content: bytes) -> bytes:
    """The RTF without the raw bytes that follow each \\binN (they could look like markup)."""
    parts: list[bytes] = []
    pos = 0
    for _ in range(MAX_BINARY_RUNS):
        found = _BINARY.search(content, pos)
        if not found:
            break
        parts.append(content[pos : found.start()])
        pos = found.end() + int(found.group(1))
    parts.append(content[pos:])
    return b"".join(parts)


def _lines(plain: str) -> str:
    """Paragraph lines as they are; runs of table-row lines as form or table lines."""
    out: list[str] = []
    rows: list[list[str]] = []
    table_rows = chars = 0
    for raw in plain.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.replace("\xa0", " ").replace("\xad", "").replace("\u2011", "-").rstrip()
        if line.endswith("|") and table_rows < MAX_TABLE_ROWS:
            cells = [" ".join(c.split())[:MAX_CELL_CHARS] for c in line.split("|")[:-1]]
            rows.append(cells)
            table_rows += 1
            continue
        if rows:
            out.extend(["", rows_text(rows), ""])
            rows = []
        out.append(line.strip("|"))
        chars += len(line) + 1
        if chars > MAX_CHARS:
            break
    if rows:
        out.extend(["", rows_text(rows), ""])
    text = "\n".join(out)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip("\n")[: MAX_CHARS + MAX_CELL_CHARS]
