"""Reader `attachments`: attached documents fill what the body lacks."""

from __future__ import annotations

from parsers.message import Attachment
from tests.fields.helpers import WED_NOV_4, message, quote, service
from tests.pdfs import tiny_pdf


def test_specs_from_a_text_pdf_when_the_body_has_none(extractor):
    pdf = tiny_pdf(
        [
            "Northgate Modular Inc. - Model M-2450 - Window & Door Schedule",
            "Mark Qty Product Size Glass",
            "W1  3  Casement    30 x 48  Triple pane, Low-E",
            "D1  1  Entry door  36 x 80  Steel, half-lite",
        ]
    )
    text = "Account: Northgate Modular\nFactor: 0.55\nSpecs are in the attached sheet.\n"
    att = Attachment("spec_sheet.pdf", "application/pdf", pdf)
    fields = extractor.extract(message(text, attachments=(att,)), "quotes", now=WED_NOV_4,
                               sender_is_staff=True)  # fmt: skip
    assert fields["product_specs"].value == (
        "W1 3 Casement 30 x 48 Triple pane, Low-E; D1 1 Entry door 36 x 80 Steel, half-lite"
    )
    assert fields["product_specs"].source == "attachment:spec_sheet.pdf"
    assert fields["attachments"].value == ["spec_sheet.pdf"]


def test_csv_attachment_and_inline_logo(extractor):
    csv_bytes = b"qty,product,width,height\r\n10,Awning,36,24\r\n4,Picture,48,48\r\n"
    atts = (
        Attachment("stock.csv", "text/csv", csv_bytes),
        Attachment("image001.png", "image/png", b"\x89PNG", inline=True, content_id="<i1>"),
        Attachment("smime.p7s", "application/pkcs7-signature", b"sig"),
    )
    got = quote(extractor, message("Account: Aspen & Oak\nFactor: .5", attachments=atts))
    assert got["attachments"] == ["stock.csv"]
    assert got["product_specs"] == "10 Awning 36 24; 4 Picture 48 48"


def test_service_reply_with_photos_gives_only_attachments(extractor):
    atts = (Attachment("crank_cover_off.jpg", "image/jpeg", b"\xff\xd8"),)
    msg = message("Here are the two extra photos you asked for.\n\nGenevieve",
                  from_name="Genevieve Martel", from_addr="g.martel@example.net",
                  attachments=atts)  # fmt: skip
    assert service(extractor, msg, staff=False, reply=True) == {
        "attachments": ["crank_cover_off.jpg"]
    }
