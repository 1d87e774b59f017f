"""Text of attached documents: PDF text layers with their table columns, .txt and .csv."""

from __future__ import annotations

from parsers.documents import MAX_PAGES, attachment_text, decode_text, pdf_text
from parsers.message import Attachment
from tests.pdfs import table_pdf, tiny_pdf


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
