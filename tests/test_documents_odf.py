"""Text of OpenDocument attachments (.ods sheets, .odt documents): forms and tables as the
lines the extractor reads, typed cell values as people read them, repeats capped, hidden
sheets and annotations left out, hostile packages refused quickly."""

from __future__ import annotations

import io
import logging
import random
import time
import tracemalloc
import zipfile
from datetime import date

import pytest

from intake.parsers.doc_xlsx import MAX_COLS, MAX_ROWS
from intake.parsers.documents import attachment_text, document_kind
from intake.parsers.message import Attachment
from tests.ooxml import (
    ODS,
    ODT,
    inflate_part,
    odf_package,
    ods_cell,
    ods_sheet,
    rewrite_part,
    understate_size,
)

HIDDEN_STYLE = (
    '<style:style style:name="ta2" style:family="table">'
    '<style:table-properties table:display="false"/></style:style>'
)


def text_of(name: str, content: bytes, ctype: str = "application/octet-stream") -> str:
    return attachment_text(Attachment(name, ctype, content))


def quote_sheet() -> bytes:
    return odf_package(
        ODS,
        "<office:spreadsheet>"
        + ods_sheet(
            "Quote",
            [
                ["Account", "Harbourfront"],
                ["Factor", 0.49],
                ["Close date", date(2028, 11, 30)],
                ["Rush", True],
                [],
                [None, "Qty", "Type", "Size"],
                [None, 6, "Casement", "30 x 48"],
                [None, 2, "Awning | hopper", None],
            ],
        )
        + ods_sheet("Lists", [["Funding"], ["Proofing"]], style="ta2")
        + "</office:spreadsheet>",
        HIDDEN_STYLE,
    )


def test_ods_form_and_table_come_out_as_the_lines_people_write() -> None:
    assert text_of("quote.ods", quote_sheet(), ODS).splitlines() == [
        "Account: Harbourfront",
        "Factor: 0.49",  # its typed value, not the "0.49" LibreOffice displays
        "Close date: 2028-11-30",  # not the displayed 30/11/28
        "Rush: TRUE",
        "",
        "Qty | Type | Size",
        "6 | Casement | 30 x 48",
        "2 | Awning / hopper",
    ]


def test_odt_paragraphs_tables_and_lists_in_document_order() -> None:
    body = (
        "<office:text>"
        "<text:tracked-changes><text:changed-region><text:deletion>"
        "<text:p>Account: Old Builder</text:p></text:deletion></text:changed-region>"
        "</text:tracked-changes>"
        "<text:h text:outline-level='1'>Quote request form</text:h>"
        "<table:table><table:table-row>"
        "<table:table-cell><text:p>Account:</text:p></table:table-cell>"
        "<table:table-cell><text:p>Northgate <text:span>Modular</text:span> Inc.</text:p>"
        "</table:table-cell></table:table-row><table:table-row>"
        "<table:table-cell><text:p>Pricing factor</text:p></table:table-cell>"
        "<table:table-cell><text:p>0.55</text:p></table:table-cell></table:table-row>"
        "</table:table>"
        "<text:p>Close date:<text:s/>2026-12-11<office:annotation><text:p>check with Dan"
        "</text:p></office:annotation></text:p>"
        "<text:list><text:list-item><text:p>6 x casement, 30 x 48</text:p></text:list-item>"
        "<text:list-item><text:p>2 x awning<text:tab/>24 x 20<text:note><text:note-citation>1"
        "</text:note-citation><text:note-body><text:p>white</text:p></text:note-body>"
        "</text:note></text:p></text:list-item></text:list>"
        "<text:p>Thanks,<text:line-break/>Dan</text:p>"
        "</office:text>"
    )
    assert text_of("form.odt", odf_package(ODT, body), ODT).splitlines() == [
        "Quote request form",
        "",
        "Account: Northgate Modular Inc.",
        "Pricing factor: 0.55",
        "",
        "Close date: 2026-12-11",
        "6 x casement, 30 x 48",
        "2 x awning\t24 x 20",
        "Thanks,",
        "Dan",
    ]


def test_odf_is_known_by_its_mimetype_part_then_name_then_type() -> None:
    def kind(name: str, ctype: str, content: bytes = b"") -> str | None:
        return document_kind(Attachment(name, ctype, content))

    sheet = quote_sheet()
    assert kind("attachment-1.bin", "application/octet-stream", sheet) == "ods"
    assert kind("quote.xls", "application/vnd.ms-excel", sheet) == "ods"  # renamed by a portal
    assert kind("form.odt", "application/octet-stream") == "odt"
    assert kind("noname", ODS) == "ods"


def test_a_million_column_and_row_repeat_is_capped_not_expanded() -> None:
    """One cell repeated 1,000,000 times across, a row repeated a million times down: the
    repeats are capped by the column and row caps, in bounded time and memory."""
    wide = [ods_cell("Factor"), ods_cell(0.49), ods_cell("x", repeat=1_000_000)]
    rows = "".join(
        [
            "<table:table-row>" + "".join(wide) + "</table:table-row>",
            '<table:table-row table:number-rows-repeated="1000000">'
            + ods_cell("W1")
            + ods_cell("Casement")
            + "</table:table-row>",
        ]
    )
    content = odf_package(
        ODS, f"<office:spreadsheet><table:table>{rows}</table:table></office:spreadsheet>"
    )
    tracemalloc.start()
    started = time.process_time()  # the reader's CPU, not the wall clock of a busy machine
    try:
        lines = text_of("huge.ods", content).splitlines()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < 5.0
    assert peak < 20_000_000, f"peak {peak} bytes"
    assert lines[0] == "Factor | 0.49 | " + " | ".join(["x"] * (MAX_COLS - 2))
    assert lines[1:] == ["W1 | Casement"] * (MAX_ROWS - 1)


def _refused(name: str, content: bytes) -> None:
    tracemalloc.start()
    started = time.process_time()
    try:
        assert text_of(name, content) == ""
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < 3.0
    assert peak < 8_000_000, f"peak {peak} bytes"


def test_hostile_and_broken_odf_files_give_nothing_and_say_why(caplog) -> None:
    caplog.set_level(logging.INFO, logger="intake.parsers.documents")
    good = quote_sheet()
    entity = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]>'
    dtd = rewrite_part(
        odf_package(ODT, "<office:text><text:p>&e;</text:p></office:text>"),
        "content.xml",
        lambda xml: xml.replace(b'<?xml version="1.0" encoding="UTF-8"?>', entity),
    )
    no_content = io.BytesIO()
    with zipfile.ZipFile(no_content, "w") as archive:
        archive.writestr("mimetype", ODS)
    cases = {
        "truncated.ods": good[: len(good) // 2],
        "junk.odt": b"PK\x03\x04 not really a zip",
        "no-content.ods": no_content.getvalue(),
        "dtd.odt": dtd,
        "bad-xml.ods": rewrite_part(good, "content.xml", lambda xml: xml[:-40]),
    }
    for name, content in cases.items():
        assert text_of(name, content) == "", name
    reasons = "\n".join(r.getMessage() for r in caplog.records)
    assert "'truncated.ods' not read: not a zip container" in reasons
    assert "'no-content.ods' not read: no content.xml" in reasons
    assert "'dtd.odt' not read: a DTD in an OpenDocument part" in reasons
    assert all(f"{name!r} not read" in reasons for name in cases)
    # zip bombs: honest sizes, and sizes that lie
    _refused("bomb.ods", inflate_part(good, "content.xml", 200_000_000))
    part = "META-INF/manifest.xml"
    _refused("bomb.odt", understate_size(inflate_part(good, part, 200_000_000), part))


@pytest.mark.parametrize("name", ["a.ods", "a.odt"])
def test_no_bytes_make_the_odf_reader_raise(name: str) -> None:
    rng = random.Random(name)
    seed = quote_sheet()
    for _ in range(40):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        assert isinstance(text_of(name, bytes(data)), str)
