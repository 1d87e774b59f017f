"""Readable text of the documents people attach to requests, for the field extractor.

A request's fields sometimes live only in an attached form, sheet or schedule, so the
extractor reads it when the body does not carry them. `attachment_text` decides what a file
is (its first bytes, then its name, then its declared type: mail clients label .csv files
application/vnd.ms-excel and send .pdf and .xlsx as application/octet-stream) and hands it
to one reader per format:

- .txt and .csv here (UTF-8 with or without a byte-order mark, UTF-16, else Windows-1252;
  the CSV delimiter is sniffed, since Excel in a French or German locale writes ";");
- PDFs here, through PDFium (pypdfium2), which reads a page about ten times faster than a
  pure-Python parser; PDFium collapses the run of spaces between table columns into one, so
  the column gaps are put back from the characters' positions: the extractor reads a table
  by its two-space column gaps, as in plain-text mail;
- .xlsx in `parsers.doc_xlsx` (openpyxl), .xls in `parsers.doc_xls` (xlrd), .docx in
  `parsers.doc_docx` (python-docx), .ods and .odt in `parsers.doc_odf` (the standard
  library's expat), .rtf in `parsers.doc_rtf` (striprtf), whose rows come out as
  "Label: value" or "a | b" lines (`parsers.doc_cells`), the shapes the extractor already
  reads in mail;
- contact cards (.vcf) in `parsers.doc_vcard` (vobject), as "Name:", "Phone:", "Address:"
  lines, for the sender who writes "my details are in the attached card".

Attached emails are not documents: `parsers.mime` reads them as forwarded messages, their
files joining the message's attachments, so a PDF inside an attached email lands here.
Nothing here raises: a refused, encrypted, broken or hostile document gives "", and the
reason is logged (INFO, `parsers.documents`).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import logging
import re
import struct
from collections.abc import Callable

from intake.parsers.doc_docx import docx_text
from intake.parsers.doc_guard import Refused
from intake.parsers.doc_odf import odf_text
from intake.parsers.doc_rtf import rtf_text
from intake.parsers.doc_vcard import vcard_text
from intake.parsers.doc_xls import xls_text
from intake.parsers.doc_xlsx import MAX_ROWS, xlsx_text
from intake.parsers.message import Attachment

log = logging.getLogger(__name__)

MAX_BYTES = 5_000_000  # a larger document is a drawing set or a scan, not a request form
MAX_PAGES = 5  # request forms and schedules put their fields on the first pages
COLUMN_GAP = 0.45  # a gap wider than this many font heights separates table columns
WORD_GAP = 0.15  # a gap wider than this separates words even without a space character

_SEP_LINE = re.compile(r"sep=[,;\t|]", re.IGNORECASE)
_BY_EXTENSION = {
    ".pdf": "pdf",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".docx": "docx",
    ".ods": "ods",
    ".odt": "odt",
    ".rtf": "rtf",
    ".vcf": "vcard",
    ".vcard": "vcard",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "text",
}
_ODF_TYPES = {
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.text": "odt",
}
_BY_TYPE = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": "xlsx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/rtf": "rtf",
    "application/x-rtf": "rtf",
    "text/rtf": "rtf",
    "text/vcard": "vcard",
    "text/x-vcard": "vcard",
    "text/directory": "vcard",
    "text/csv": "csv",
    "application/csv": "csv",
    "text/comma-separated-values": "csv",
    "text/tab-separated-values": "csv",
    "text/plain": "text",
}


def document_kind(attachment: Attachment) -> str | None:
    """What a file is to read as: pdf, xlsx, xls, docx, ods, odt, rtf, vcard, csv or text;
    None: not read."""
    head = attachment.content[:1024]
    if b"%PDF-" in head:  # whatever it is called; readers allow junk before the header
        return "pdf"
    kind = _odf_kind(head)
    if kind:
        return kind
    name = attachment.filename.casefold()
    dot = name.rfind(".")
    kind = _BY_EXTENSION.get(name[dot:]) if dot >= 0 else None
    if kind is None:
        kind = _BY_TYPE.get(attachment.content_type.casefold())
    if kind == "xls" and head.startswith(b"PK\x03\x04"):
        return "xlsx"  # an .xlsx saved under the old name, as some exports do
    return kind


def _odf_kind(head: bytes) -> str | None:
    """ods or odt from an OpenDocument package's first part, "mimetype", which the format
    requires to come first and stored, so its type is readable in the first bytes."""
    if not head.startswith(b"PK\x03\x04") or len(head) < 30:
        return None
    size, _, name_length, extra_length = struct.unpack_from("<IIHH", head, 18)
    start = 30 + name_length + extra_length
    if head[30 : 30 + name_length] != b"mimetype" or size > 100:
        return None
    return _ODF_TYPES.get(head[start : start + size].decode("latin-1"))


def attachment_text(attachment: Attachment, max_bytes: int = MAX_BYTES) -> str:
    """Readable text of a document attachment (see the module docstring); "" for anything
    else, and for a document that cannot or should not be read (the log says why).

    CSV rows come back as two-space separated lines so they read as a table.
    """
    kind = document_kind(attachment)
    if kind is None:
        return ""
    if attachment.size > max_bytes:
        log.info("%s %r not read: %d bytes", kind, attachment.filename, attachment.size)
        return ""
    reader = _READERS[kind]
    try:
        return reader(attachment.content)
    except Exception as exc:  # noqa: BLE001 - a hostile or broken file never stops intake
        reason = str(exc) if isinstance(exc, Refused) else f"{type(exc).__name__}: {exc}"
        log.info("%s %r not read: %s", kind, attachment.filename, reason[:300])
        return ""


def csv_text(content: bytes) -> str:
    """CSV rows as two-space separated lines (cells trimmed, empty cells left out)."""
    text = decode_text(content)
    first, _, rest = text.partition("\n")
    if _SEP_LINE.fullmatch(first.strip()):
        delimiter, text = first.strip()[4], rest  # Excel's own hint line, "sep=;"
    else:
        try:
            delimiter = csv.Sniffer().sniff(text[:2048], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(text), delimiter=delimiter), MAX_ROWS))
    except csv.Error:
        return ""
    return "\n".join("  ".join(" ".join(c.split()) for c in row if c.strip()) for row in rows)


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
    box = loose_box_reader(textpage)
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
        left, bottom, right, top = box(index)
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


Box = tuple[float, float, float, float]  # left, bottom, right, top


def loose_box_reader(textpage) -> Callable[[int], Box]:  # noqa: ANN001 - pypdfium2.PdfTextPage
    """`textpage.get_charbox(index, loose=True)` without its wrapping around each call: a
    page asks for every character's box, and the helper made a rectangle and converted the
    text page to its handle for each. The same call to PDFium, the same four floats, the
    same error when PDFium fails."""
    import pypdfium2.raw as pdfium_c
    from pypdfium2 import PdfiumError

    rect = pdfium_c.FS_RECTF()
    get, handle = pdfium_c.FPDFText_GetLooseCharBox, textpage.raw

    def box(index: int) -> Box:
        if not get(handle, index, rect):
            raise PdfiumError("Failed to get charbox.")
        return rect.left, rect.bottom, rect.right, rect.top

    return box


def _same_line(prev: tuple[float, float, float], left: float, bottom: float, em: float) -> bool:
    right, baseline, height = prev
    return left > right and abs(bottom - baseline) < 0.3 * max(em, height, 1.0)


def decode_text(content: bytes) -> str:
    """A text attachment's bytes as text: UTF-8 (with or without BOM), UTF-16 with its BOM
    (Excel's "Unicode text"), else Windows-1252."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16", errors="replace")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return ""


_READERS: dict[str, Callable[[bytes], str]] = {
    "pdf": pdf_text,
    "xlsx": xlsx_text,
    "xls": xls_text,
    "docx": docx_text,
    "ods": odf_text,
    "odt": odf_text,
    "rtf": rtf_text,
    "vcard": vcard_text,
    "csv": csv_text,
    "text": decode_text,
}
