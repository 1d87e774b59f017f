"""Readable text of the documents people attach to requests: .txt, .csv and text PDFs.

A request's fields sometimes live only in an attached schedule or form, so the extractor
reads it when the body does not carry them. PDFs go through PDFium (pypdfium2), which reads
a page about ten times faster than a pure-Python parser; PDFium collapses the run of spaces
between table columns into one, so the column gaps are put back from the characters'
positions: the extractor reads a table by its two-space column gaps, as in plain-text mail.
Nothing here raises: a broken or hostile document gives "".
"""

from __future__ import annotations

import csv
import io
import logging

from parsers.message import Attachment

log = logging.getLogger(__name__)

MAX_BYTES = 5_000_000  # a larger document is a drawing set or a scan, not a request form
MAX_PAGES = 5  # request forms and schedules put their fields on the first pages
COLUMN_GAP = 0.45  # a gap wider than this many font heights separates table columns
WORD_GAP = 0.15  # a gap wider than this separates words even without a space character


def attachment_text(attachment: Attachment, max_bytes: int = MAX_BYTES) -> str:
    """Readable text of a .txt, .csv or text-layer PDF attachment; "" for anything else.

    CSV rows come back as two-space separated lines so they read as a table.
    """
    name = attachment.filename.casefold()
    ctype = attachment.content_type.casefold()
    if attachment.size > max_bytes:
        return ""
    if ctype == "text/csv" or name.endswith(".csv"):
        text = decode_text(attachment.content)
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error:
            return ""
        return "\n".join("  ".join(c.strip() for c in row if c.strip()) for row in rows)
    if ctype == "text/plain" or name.endswith(".txt"):
        return decode_text(attachment.content)
    if ctype == "application/pdf" or name.endswith(".pdf"):
        return pdf_text(attachment.content)
    return ""


def pdf_text(content: bytes, max_pages: int = MAX_PAGES) -> str:
    """The text layer of the first pages of a PDF, lines as laid out, columns two spaces
    apart. A scanned PDF (no text layer), an encrypted or a broken one gives ""."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(content)
    except Exception as exc:  # noqa: BLE001 - PDFium refuses broken and encrypted files
        log.info("PDF not readable: %s", exc)
        return ""
    pages: list[str] = []
    try:
        for index in range(min(len(document), max_pages)):
            page = document[index]
            textpage = page.get_textpage()
            try:
                pages.append(_page_text(textpage))
            finally:
                textpage.close()
                page.close()
    except Exception as exc:  # noqa: BLE001 - a damaged page ends the reading, not intake
        log.info("PDF page not readable: %s", exc)
    finally:
        document.close()
    return "\n".join(p for p in pages if p.strip())


def _page_text(textpage) -> str:  # noqa: ANN001 - pypdfium2.PdfTextPage
    """One page's text with column gaps restored from the loose (font-height) char boxes."""
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count)
    if len(text) != count:  # characters and indexes disagree: keep PDFium's own text
        return text.replace("\r\n", "\n")
    out: list[str] = []
    prev: tuple[float, float, float] | None = None  # right edge, baseline, height of last char
    pending_space = pending_break = False
    for index, char in enumerate(text):
        if char in "\r\n":
            pending_break = True
            continue
        if char.isspace():
            pending_space = True
            continue
        left, bottom, right, top = textpage.get_charbox(index, loose=True)
        em = top - bottom
        if prev is not None and pending_break and not _same_line(prev, left, bottom, em):
            out.append("\n")
        elif prev is not None and em > 0:
            # PDFium breaks a line at a wide gap between cells; on one baseline it is a column.
            gap = left - prev[0]
            if gap > COLUMN_GAP * em or (pending_break and gap > 0):
                out.append("  ")
            elif pending_space or gap > WORD_GAP * em:
                out.append(" ")
        elif pending_space and out:
            out.append(" ")
        pending_space = pending_break = False
        out.append(char)
        prev = (right, bottom, em)
    return "".join(out)


def _same_line(prev: tuple[float, float, float], left: float, bottom: float, em: float) -> bool:
    right, baseline, height = prev
    return left > right and abs(bottom - baseline) < 0.3 * max(em, height, 1.0)


def decode_text(content: bytes) -> str:
    """A text attachment's bytes as text: UTF-8 (with or without BOM), else Windows-1252."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return ""
