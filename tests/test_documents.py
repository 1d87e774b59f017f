"""Text of attached documents: PDF text layers with their table columns, .txt and .csv,
.xlsx and .xls sheets, .docx forms; hostile containers refused; and, end to end through
the MIME parser and the extractor, requests whose only content is such a document."""

from __future__ import annotations

import io
import logging
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage

import docx
import openpyxl
import pytest
from docx.oxml import parse_xml

from intake.parsers.doc_guard import MAX_PARTS
from intake.parsers.doc_xlsx import MAX_ROWS
from intake.parsers.documents import (
    MAX_PAGES,
    attachment_text,
    decode_text,
    document_kind,
    pdf_text,
)
from intake.parsers.fields import LabelExtractor
from intake.parsers.message import Attachment
from intake.parsers.mime import parse_email
from intake.parsers.org import load_organisation
from tests.conftest import ORG_FILE
from tests.ooxml import inflate_part, many_parts, rewrite_part, understate_size
from tests.pdfs import table_pdf, tiny_pdf
from tests.xls import compound_file, xls


def test_table_columns_come_back_two_spaces_apart() -> None:
    """Generators place cells by position with no space characters between them; the
    extractor reads tables by their column gaps, so the gaps must survive."""
    pdf = table_pdf(
        [["Mark", "Qty", "Type", "Size (in)"], ["W1", "6", "Casement", "30 x 48"]],
        xs=[50, 100, 140, 260],
    )
    lines = pdf_text(pdf).splitlines()
    assert lines == ["Mark  Qty  Type  Size (in)", "W1  6  Casement  30 x 48"]


def test_words_of_one_string_keep_single_spaces() -> None:
    text = pdf_text(tiny_pdf(["Account: Northgate Modular Inc.", "Factor: 0.55"]))
    assert text.splitlines() == ["Account: Northgate Modular Inc.", "Factor: 0.55"]


def test_only_the_first_pages_are_read() -> None:
    text = pdf_text(tiny_pdf(["Page line"], pages=MAX_PAGES + 3))
    assert text.count("Page line") == MAX_PAGES


def test_broken_and_fake_pdfs_give_nothing() -> None:
    good = tiny_pdf(["Factor: 0.55"])
    assert pdf_text(b"%PDF-1.4\nnot really") == ""
    assert pdf_text(good[: len(good) // 2]) in ("", "Factor: 0.55")  # truncated: never raises
    fake = Attachment("quote.pdf", "application/pdf", b"MZ\x90\x00 an executable")
    assert attachment_text(fake) == ""


def test_text_and_csv_attachments() -> None:
    txt = Attachment("notes.txt", "text/plain", "Facteur : 0,52 – café".encode("cp1252"))
    assert attachment_text(txt) == "Facteur : 0,52 – café"
    csv = Attachment("stock.csv", "text/csv", b"qty,product\r\n10, Awning \r\n")
    assert attachment_text(csv) == "qty  product\n10  Awning"
    assert decode_text("\ufeffFactor: 0.5".encode()) == "Factor: 0.5"


def test_oversized_and_unknown_attachments_are_skipped() -> None:
    big = Attachment("big.txt", "text/plain", b"Factor: 0.5\n" * 10)
    assert attachment_text(big, max_bytes=50) == ""
    image = Attachment("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0")
    assert attachment_text(image) == ""


# -- helpers -----------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
MST = timezone(timedelta(hours=-7))
NOW = datetime(2026, 11, 4, 8, 40, tzinfo=MST)


def xlsx_bytes(*sheets: list[list[object]], hidden: tuple[int, ...] = ()) -> bytes:
    """A workbook written by openpyxl, one sheet per list of rows."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for index, rows in enumerate(sheets):
        sheet = workbook.create_sheet(f"Sheet{index + 1}")
        for row in rows:
            sheet.append(row)
        if index in hidden:
            sheet.sheet_state = "hidden"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def docx_bytes(build) -> bytes:  # noqa: ANN001 - a function that fills a python-docx Document
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def text_of(name: str, content: bytes, ctype: str = "application/octet-stream") -> str:
    return attachment_text(Attachment(name, ctype, content))


@pytest.fixture(scope="module")
def extractor() -> LabelExtractor:
    return LabelExtractor(load_organisation(ORG_FILE))


def mail(body: str, *files: tuple[str, str, bytes] | EmailMessage, **headers: str) -> bytes:
    """An account manager's quote request with these attachments (name, type, bytes) or
    attached messages."""
    message = EmailMessage()
    message["From"] = headers.get("from_", "Dan Schultz <dan.schultz@example.com>")
    message["To"] = "accountteam@example.com"
    message["Subject"] = headers.get("subject", "Quote request")
    message["Date"] = "Wed, 04 Nov 2026 08:40:00 -0700"
    message["Message-ID"] = "<doc-test@example.com>"
    message.set_content(body)
    for item in files:
        if isinstance(item, EmailMessage):
            message.add_attachment(item)
        else:
            name, ctype, content = item
            main, _, sub = ctype.partition("/")
            message.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return message.as_bytes()


def quote_of(extractor: LabelExtractor, raw: bytes) -> dict[str, object]:
    """What the extractor reads from a raw quote request, parsed as the pipeline parses it."""
    got = extractor.extract(parse_email(raw), "quotes", now=NOW, sender_is_staff=True)
    return {name: value.value for name, value in got.items()}


# -- .xlsx --------------------------------------------------------------------------------------


def test_xlsx_form_and_table_come_out_as_the_lines_people_write() -> None:
    content = xlsx_bytes(
        [
            ["Account", "Ridgeline Homes"],
            ["Pricing factor", 0.62],
            ["Close date:", datetime(2026, 12, 11)],
            ["Delivery", date(2027, 1, 15)],
            ["Quantity", 12.0],
            [],
            [None, "Mark", "Qty", "Type", "Size"],
            [None, "W1", 6, "Casement", "30 x 48"],
            [None, "W2", 2, "Awning | hopper", None],
        ],
        [["Funding", "Proofing"]],  # the drop-down lists, hidden
        hidden=(1,),
    )
    assert text_of("quote.xlsx", content, XLSX).splitlines() == [
        "Account: Ridgeline Homes",
        "Pricing factor: 0.62",
        "Close date: 2026-12-11",
        "Delivery: 2027-01-15",
        "Quantity: 12",
        "",
        "Mark | Qty | Type | Size",
        "W1 | 6 | Casement | 30 x 48",
        "W2 | 2 | Awning / hopper",
    ]


def test_xlsx_formulas_give_the_value_excel_saved_never_the_formula() -> None:
    content = xlsx_bytes([["Base", 0.31], ["Pricing factor", "=B1*2"], ["Check", "=B1*3"]])
    # openpyxl computes nothing; Excel saves each formula's value beside it, as here for B2
    content = rewrite_part(
        content,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"<f>B1*2</f><v></v>", b"<f>B1*2</f><v>0.62</v>", 1),
    )
    text = text_of("quote.xlsx", content, XLSX)
    assert text.splitlines() == ["Base: 0.31", "Pricing factor: 0.62", "Check"]
    assert "B1" not in text and "=" not in text


def test_xlsx_huge_sheet_is_read_up_to_its_row_cap_and_quickly() -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for index in range(MAX_ROWS * 6):
        sheet.append([f"W{index}", index, "Casement", "30 x 48"])
    out = io.BytesIO()
    workbook.save(out)
    started = time.perf_counter()
    lines = text_of("export.xlsx", out.getvalue()).splitlines()
    assert time.perf_counter() - started < 2.0
    assert (
        len(lines) == MAX_ROWS
        and lines[-1] == f"W{MAX_ROWS - 1} | {MAX_ROWS - 1} | Casement | 30 x 48"
    )


def test_xlsx_far_cell_does_not_make_a_million_empty_rows() -> None:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Account"
    workbook.active["B1"] = "Ridgeline Homes"
    workbook.active["XFD1048576"] = "far away"
    out = io.BytesIO()
    workbook.save(out)
    started = time.perf_counter()
    assert text_of("q.xlsx", out.getvalue()) == "Account: Ridgeline Homes"
    assert time.perf_counter() - started < 1.0


def test_encrypted_and_broken_office_files_give_nothing_and_say_why(caplog) -> None:
    caplog.set_level(logging.INFO, logger="intake.parsers.documents")
    good = xlsx_bytes([["Account", "Ridgeline Homes"]])
    # a password-protected .xlsx or .docx is an OLE file holding an EncryptedPackage stream
    encrypted = compound_file(b"\x00" * 5000, name="EncryptedPackage")
    cases = {
        "locked.xlsx": encrypted,
        "locked.docx": encrypted,
        "truncated.xlsx": good[: len(good) // 2],
        "junk.docx": b"PK\x03\x04 not really a zip",
        "notes.xlsx": b"just some text",
        "locked.xls": xls({"Quote": [["Account", "Ridgeline Homes"]]}, encrypted=True),
        "web-export.xls": b"<html><table><tr><td>Account</td></tr></table></html>",
        "broken.xls": xls({"Quote": [["Account", "x"]]})[:1500],
    }
    for name, content in cases.items():
        assert text_of(name, content) == "", name
    reasons = "\n".join(r.getMessage() for r in caplog.records)
    assert "'locked.xlsx' not read: an OLE compound file: password-protected" in reasons
    assert "'locked.docx' not read: an OLE compound file" in reasons
    assert "'locked.xls' not read: XLRDError: Workbook is encrypted" in reasons
    assert "'web-export.xls' not read: HTML or XML saved with an .xls name" in reasons
    assert all(f"{name!r} not read" in reasons for name in cases)


# -- zip bombs -----------------------------------------------------------------------------------


def _refused_within_bounds(name: str, content: bytes) -> str:
    """Read a hostile file with the clock and tracemalloc running; return the log line."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        text = text_of(name, content)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert text == ""
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert peak < 8_000_000, f"peak {peak} bytes"
    return text


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_zip_bomb_with_honest_sizes_is_refused_before_inflating(kind: str, caplog) -> None:
    caplog.set_level(logging.INFO, logger="intake.parsers.documents")
    if kind == "xlsx":
        small, part = xlsx_bytes([["Account", "Ridgeline Homes"]]), "xl/worksheets/sheet1.xml"
    else:
        small, part = (
            docx_bytes(lambda d: d.add_paragraph("Account: Ridgeline")),
            "word/document.xml",
        )
    bomb = inflate_part(small, part, 200_000_000)
    assert len(bomb) < 1_000_000  # 200 MB of XML in a few hundred KB
    _refused_within_bounds(f"bomb.{kind}", bomb)
    assert "unpack to" in caplog.text or "bytes of XML" in caplog.text


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_zip_bomb_that_understates_its_sizes_is_refused_with_bounded_memory(
    kind: str, caplog
) -> None:
    """The classic bypass: the directory says 1 KB, the part inflates to 200 MB. Both
    libraries read [Content_Types].xml with ZipFile.read, which inflates the whole part
    before it checks the size; the guard stops just past the declared 1 KB."""
    caplog.set_level(logging.INFO, logger="intake.parsers.documents")
    if kind == "xlsx":
        small = xlsx_bytes([["Account", "Ridgeline Homes"]])
    else:
        small = docx_bytes(lambda d: d.add_paragraph("Account: Ridgeline"))
    part = "[Content_Types].xml"
    bomb = understate_size(inflate_part(small, part, 200_000_000), part)
    _refused_within_bounds(f"bomb.{kind}", bomb)
    assert "unpacks past its declared size" in caplog.text


def test_container_with_too_many_parts_is_refused(caplog) -> None:
    caplog.set_level(logging.INFO, logger="intake.parsers.documents")
    _refused_within_bounds("parts.xlsx", many_parts(MAX_PARTS + 1))
    assert f"{MAX_PARTS + 1} parts" in caplog.text


# -- .xls ----------------------------------------------------------------------------------------


def test_xls_form_dates_and_hidden_sheets() -> None:
    content = xls(
        {
            "Quote": [
                ["Account", "Ridgeline Homes"],
                ["Pricing factor", 0.62],
                ["Close date", date(2026, 12, 11)],
                ["Rush", True],
                [],
                ["Qty", "Type"],
                [6, "Casement"],
            ],
            "Lists": [["Funding"], ["Proofing"]],
        },
        hidden=frozenset({"Lists"}),
    )
    assert text_of("quote.xls", content, "application/vnd.ms-excel").splitlines() == [
        "Account: Ridgeline Homes",
        "Pricing factor: 0.62",
        "Close date: 2026-12-11",
        "Rush: TRUE",
        "",
        "Qty | Type",
        "6 | Casement",
    ]


# -- .docx ---------------------------------------------------------------------------------------


def _quote_form(document) -> None:  # noqa: ANN001 - docx.Document
    document.sections[0].header.paragraphs[0].text = "Prairie Crest Homes letterhead"
    document.add_heading("Quote request form", level=1)
    form = document.add_table(rows=3, cols=2)
    for row, (label, value) in zip(
        form.rows,
        [("Account:", "Northgate Modular Inc."), ("Pricing factor", "0.55"), ("Stage", "")],
        strict=True,
    ):
        row.cells[0].text, row.cells[1].text = label, value
    # Word forms keep answers in content controls; one is still showing its placeholder
    document.element.body.insert(
        -1,
        parse_xml(
            f"<w:sdt {W_NS}><w:sdtContent><w:p><w:r><w:t>Close date: 2026-12-11</w:t></w:r>"
            "</w:p></w:sdtContent></w:sdt>"
        ),
    )
    document.element.body.insert(
        -1,
        parse_xml(
            f"<w:sdt {W_NS}><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:p><w:r>"
            "<w:t>Click or tap here to enter text.</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        ),
    )
    paragraph = document.add_paragraph("Opportunity name: ")
    paragraph._p.append(
        parse_xml(
            f"<w:sdt {W_NS}><w:sdtContent><w:r><w:t>NMI - Phase 2</w:t></w:r>"
            "</w:sdtContent></w:sdt>"
        )
    )
    paragraph._p.append(
        parse_xml(f"<w:del {W_NS}><w:r><w:delText>NMI - Phase 1</w:delText></w:r></w:del>")
    )
    document.add_paragraph("Products")
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(
        table.rows,
        [("Qty", "Type", "Size"), ("6", "Casement", '30" x 48"'), ("2", "Awning", '24" x 20"')],
        strict=True,
    ):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    document.add_paragraph("Thanks,\nDan")


def test_docx_paragraphs_and_tables_in_document_order() -> None:
    text = text_of("form.docx", docx_bytes(_quote_form), DOCX)
    assert text.splitlines() == [
        "Quote request form",
        "",
        "Account: Northgate Modular Inc.",
        "Pricing factor: 0.55",
        "Stage",
        "",
        "Close date: 2026-12-11",
        "Opportunity name: NMI - Phase 2",
        "Products",
        "",
        "Qty | Type | Size",
        '6 | Casement | 30" x 48"',
        '2 | Awning | 24" x 20"',
        "",
        "Thanks,",
        "Dan",
    ]


def test_docx_merged_cells_are_read_once() -> None:
    def build(document) -> None:  # noqa: ANN001
        table = document.add_table(rows=2, cols=3)
        table.cell(0, 0).merge(table.cell(0, 2)).text = "Window schedule"
        for cell, value in zip(table.rows[1].cells, ("W1", "6", "Casement"), strict=True):
            cell.text = value

    assert text_of("s.docx", docx_bytes(build)).splitlines() == [
        "Window schedule",
        "W1 | 6 | Casement",
    ]


# -- .csv and text -------------------------------------------------------------------------------


def test_csv_encodings_and_delimiters() -> None:
    rows = "Account,Ridgeline Homes\r\nPricing factor,0.62\r\nNote,Café – ASAP\r\n"
    expected = "Account  Ridgeline Homes\nPricing factor  0.62\nNote  Café – ASAP"
    assert text_of("q.csv", "\ufeff".encode() + rows.encode()) == expected  # Excel "CSV UTF-8"
    assert text_of("q.csv", rows.encode("cp1252")) == expected  # Excel "CSV" on Windows
    assert text_of("q.csv", rows.encode("utf-16")) == expected  # with its byte-order mark
    assert text_of("q.csv", rows.replace(",", ";").encode("cp1252")) == expected  # fr/de Excel
    assert text_of("q.csv", ("sep=;\r\n" + rows.replace(",", ";")).encode()) == expected
    assert text_of("q.csv", b'Note,"two\nlines"\n') == "Note  two lines"


def test_document_kind_trusts_bytes_then_name_then_type() -> None:
    def kind(name: str, ctype: str, content: bytes = b"") -> str | None:
        return document_kind(Attachment(name, ctype, content))

    assert kind("stock.csv", "application/vnd.ms-excel") == "csv"  # Windows labels CSV so
    assert kind("quote.xlsx", "application/octet-stream") == "xlsx"
    assert kind("quote.xls", "application/vnd.ms-excel", b"PK\x03\x04...") == "xlsx"
    assert kind("attachment-2.bin", "application/octet-stream", b"%PDF-1.7\n") == "pdf"
    assert (
        kind("noname", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        == "docx"
    )
    assert kind("photo.jpg", "image/jpeg", b"\xff\xd8\xff") is None
    assert kind("macro.docm", "application/octet-stream") is None


@pytest.mark.parametrize("name", ["a.xlsx", "a.xls", "a.docx", "a.csv", "a.pdf", "a.txt"])
def test_no_bytes_make_a_reader_raise(name: str) -> None:
    import random

    rng = random.Random(name)
    seeds = [
        xlsx_bytes([["a", 1]]),
        docx_bytes(lambda d: d.add_paragraph("a")),
        xls({"s": [["a", 1]]}),
        tiny_pdf(["a"]),
    ]
    for seed in seeds:
        for _ in range(15):
            data = bytearray(seed)
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            assert isinstance(text_of(name, bytes(data)), str)


# -- end to end: the extractor reads the fields from the documents -------------------------------


def test_quote_whose_only_content_is_an_xlsx(extractor) -> None:
    sheet = xlsx_bytes([["Account", "Ridgeline Homes"], ["Pricing factor", 0.62]])
    got = quote_of(extractor, mail("See attached.", ("quote.xlsx", XLSX, sheet)))
    assert got["account"] == "Ridgeline Homes"
    assert got["factor"] == "0.62"
    assert got["attachments"] == ["quote.xlsx"]


def test_quote_whose_only_content_is_an_xls(extractor) -> None:
    sheet = xls({"Quote": [["Account", "Ridgeline Homes"], ["Pricing factor", 0.62]]})
    got = quote_of(
        extractor, mail("See attached.", ("quote.xls", "application/vnd.ms-excel", sheet))
    )
    assert (got["account"], got["factor"]) == ("Ridgeline Homes", "0.62")


def test_quote_whose_only_content_is_a_docx_form(extractor) -> None:
    form = docx_bytes(_quote_form)
    got = quote_of(extractor, mail("Please quote, form attached.", ("form.docx", DOCX, form)))
    assert got["account"] == "Northgate Modular Inc."
    assert got["account_id"] == "ACC-1003"
    assert got["factor"] == "0.55"
    assert got["close_date"] == "2026-12-11"
    assert got["opportunity_name"] == "NMI - Phase 2"
    assert "Casement" in str(got["product_specs"])


def test_quote_whose_only_content_is_a_csv_with_a_byte_order_mark(extractor) -> None:
    rows = "\ufeffAccount,Ridgeline Homes\r\nPricing factor,0.62\r\n".encode()
    got = quote_of(extractor, mail("See attached.", ("quote.csv", "text/csv", rows)))
    assert (got["account"], got["factor"]) == ("Ridgeline Homes", "0.62")


def _customer_mail(body: str, *files: tuple[str, str, bytes]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Pat Lee <pat@ridgeline.example.net>"
    message["To"] = "dan.schultz@example.com"
    message["Subject"] = "Windows for the Elm St job"
    message["Date"] = "Tue, 03 Nov 2026 16:02:00 -0700"
    message.set_content(body)
    for name, ctype, content in files:
        main, _, sub = ctype.partition("/")
        message.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return message


def test_quote_with_a_pdf_inside_an_attached_message(extractor) -> None:
    pdf = tiny_pdf(["Account: Northgate Modular Inc.", "Factor: 0.55"])
    inner = _customer_mail("Hi Dan, our form is attached.", ("form.pdf", "application/pdf", pdf))
    raw = mail("Please quote.", inner)
    parsed = parse_email(raw)
    # The attached mail counts too (named by its subject), then the file inside it.
    assert [a.filename for a in parsed.real_attachments] == [
        "Windows for the Elm St job.eml",
        "form.pdf",
    ]
    got = quote_of(extractor, raw)
    assert (got["account"], got["factor"]) == ("Northgate Modular Inc.", "0.55")


def test_pdfs_are_read_wherever_they_sit_in_the_mime_tree() -> None:
    pdf = tiny_pdf(["Factor: 0.55"])
    nested = EmailMessage()
    nested.set_content("inner part")
    nested.add_attachment(pdf, maintype="application", subtype="pdf", filename="deep.pdf")
    outer = EmailMessage()
    outer["From"], outer["Subject"] = "dan.schultz@example.com", "Quote"
    outer.set_content("see files")
    outer.make_mixed()
    outer.attach(nested)  # multipart/mixed inside multipart/mixed
    outer.add_attachment(pdf, maintype="application", subtype="octet-stream", filename="form.PDF")
    outer.add_attachment(pdf, maintype="application", subtype="octet-stream")  # no name at all
    outer.add_attachment(_customer_mail("form", ("in-mail.pdf", "application/pdf", pdf)))
    parsed = parse_email(outer.as_bytes())
    texts = {a.filename: attachment_text(a) for a in parsed.real_attachments}
    assert texts.pop("Windows for the Elm St job.eml") == ""  # the attached mail: no document
    assert set(texts) == {"deep.pdf", "form.PDF", "attachment-3.bin", "in-mail.pdf"}
    assert set(texts.values()) == {"Factor: 0.55"}


def test_quote_sent_as_an_attached_eml(extractor) -> None:
    """An account manager attaches the customer's mail (as a file, the way webmail does):
    its text is read as a forwarded request, its own attachments as attachments."""
    inner = _customer_mail(
        "Hi Dan,\n\nAccount: Bow Valley Renovations\n"
        "Product specs: 6 x casement, 30 x 48, triple pane, white\n"
        "Opportunity name: BVR - Lakeview Bungalow\n\nThanks, Pat",
        ("schedule.xlsx", XLSX, xlsx_bytes([["Pricing factor", 0.5]])),
    )
    raw = mail(
        "Please quote, customer's mail attached.",
        ("request.eml", "application/octet-stream", inner.as_bytes()),
    )
    parsed = parse_email(raw)
    assert "Account: Bow Valley Renovations" in parsed.forwarded_text
    assert [a.filename for a in parsed.real_attachments] == ["request.eml", "schedule.xlsx"]
    got = quote_of(extractor, raw)
    assert got["account"] == "Bow Valley Renovations"
    assert got["opportunity_name"] == "BVR - Lakeview Bungalow"
    assert "casement" in str(got["product_specs"])
    assert got["factor"] == "0.50"  # from the attached mail's own attachment


def test_the_loose_box_reader_gives_pdfiums_own_boxes():
    import pypdfium2 as pdfium

    from intake.parsers.documents import loose_box_reader

    document = pdfium.PdfDocument(
        table_pdf([["Account", "Northgate"], ["Factor", "0.55"]], [72, 300])
    )
    try:
        textpage = document[0].get_textpage()
        box = loose_box_reader(textpage)
        count = textpage.count_chars()
        assert count > 10
        for index in range(count):
            assert box(index) == textpage.get_charbox(index, loose=True)
        with pytest.raises(pdfium.PdfiumError):
            box(count + 5)  # past the last character: PDFium's failure, as the helper says it
        with pytest.raises(pdfium.PdfiumError):
            textpage.get_charbox(count + 5, loose=True)
    finally:
        document.close()
