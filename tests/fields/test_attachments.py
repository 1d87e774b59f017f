"""Reader `attachments`: attached documents fill what the body lacks."""

from __future__ import annotations

from intake.parsers.message import Attachment
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


def test_pasted_photos_and_an_attached_mail_are_the_attachments(extractor):
    """As parsed from the wire: photos pasted into an HTML body count, the signature's logo
    does not, and an email attached as message/rfc822 counts by its file name."""
    from email.message import EmailMessage

    from intake.parsers.mime import parse_email

    inner = EmailMessage()
    inner["From"], inner["Subject"] = "Ann Roy <ann@example.net>", "Front door"
    inner.set_content("The front door sticks at the top.")
    outer = EmailMessage()
    outer["From"], outer["To"] = "Dan Schultz <dan.schultz@example.com>", "connectyou@example.com"
    outer["Subject"] = "Fwd: Front door"
    outer.set_content("Photos below, her mail attached.")
    outer.add_alternative(
        '<p>Photos below, her mail attached.</p><img src="cid:p1@x" width="400" height="300">'
        '<p>Thanks,<br>Dan</p><img src="cid:logo@x" width="120" height="32">',
        subtype="html",
    )
    html = outer.get_payload()[1]
    html.add_related(b"\xff\xd8\xff\xe0" + b"1" * 300, "image", "jpeg", cid="<p1@x>",
                     filename="image001.jpg")  # fmt: skip
    html.add_related(b"\x89PNG\r\n\x1a\n" + b"0" * 40, "image", "png", cid="<logo@x>",
                     filename="image002.png")  # fmt: skip
    outer.add_attachment(inner, filename="Front door.eml")
    got = service(extractor, parse_email(outer.as_bytes()), staff=True)
    assert got["attachments"] == ["image001.jpg", "Front door.eml"]


def test_site_address_from_a_short_attached_note(extractor):
    """ "Our address is in the attached file": a note of a few lines is an address block."""
    note = b"Ravi Menon\nSuite 4, 210 Aspen Glen Way SW\nCalgary, AB T3H 0N5\nBuzzer 104\n"
    text = "The patio door lock is stiff and the handle is loose. Our address is attached.\n"
    msg = message(text, subject="Patio door", from_name="Ravi Menon", from_addr="rm@example.net",
                  attachments=(Attachment("address.txt", "text/plain", note),))  # fmt: skip
    got = service(extractor, msg, staff=False)
    assert got["site_address"] == "Suite 4, 210 Aspen Glen Way SW, Calgary, AB T3H 0N5"
    # A long document (a schedule, a report) is not read for an address this way.
    long_doc = note + b"".join(b"Line %d of the schedule\n" % i for i in range(20))
    msg = message(text, subject="Patio door", from_name="Ravi Menon", from_addr="rm@example.net",
                  attachments=(Attachment("report.txt", "text/plain", long_doc),))  # fmt: skip
    assert "site_address" not in service(extractor, msg, staff=False)


def test_a_spec_that_points_at_the_attachment_takes_the_attachment_specs(extractor):
    csv_bytes = b"qty,product,width,height\r\n3,Casement,30,60\r\n1,Picture,60,48\r\n"
    atts = (Attachment("takeoff.csv", "text/csv", csv_bytes),)
    text = "Account: Aspen & Oak\nSpecs: per the csv\nFactor: .5"
    got = quote(extractor, message(text, attachments=atts))
    assert got["product_specs"] == "3 Casement 30 60; 1 Picture 60 48"


def test_a_pointer_with_no_readable_attachment_stays_what_the_sender_wrote(extractor):
    atts = (Attachment("plans.dwg", "application/octet-stream", b"\x00\x01"),)
    text = "Account: Aspen & Oak\nSpecs: all in the takeoff sheet\nFactor: .5"
    got = quote(extractor, message(text, attachments=atts))
    assert got["product_specs"] == "all in the takeoff sheet"


def _png(width: int, height: int) -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n"
        + b"\x00\x00\x00\rIHDR"
        + width.to_bytes(4, "big")
        + (height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00")
    )


def test_a_photo_pasted_inline_counts_by_its_camera_name_however_small(extractor):
    from email.message import EmailMessage

    from intake.parsers.mime import parse_email

    mail = EmailMessage()
    mail["From"] = "Ana Ruiz <ana@example.net>"
    mail["To"] = "service@example.com"
    mail["Subject"] = "Door"
    mail.set_content("The patio door sticks. Photo below.")
    html = (
        '<p>The patio door sticks. Photo below.</p><img src="cid:p1@x">'
        '<p>Ana</p><img src="cid:l1@x">'
    )
    mail.add_alternative(html, subtype="html")
    part = mail.get_payload()[1]
    for name, cid in (("IMG_0042.png", "<p1@x>"), ("image002.png", "<l1@x>")):
        part.add_related(_png(24, 18), "image", "png", cid=cid, filename=name)
    msg = parse_email(mail.as_bytes())
    assert [a.filename for a in msg.real_attachments] == ["IMG_0042.png"]


WORK_ORDER = (
    "WESTVIEW HOMES - SERVICE REQUEST\n"
    "Request no.: SR-5120  Issued: 2026-11-02\n"
    "Buyers: Lou & Sam Park  Site contact: Sam Park\n"
    "Contact phone: 587-555-0162\n"
    "Address: 14 Evergreen Way SW, Calgary AB\n"
    "Item 1: Patio door - lock will not engage, door rattles in the wind.\n"
    "Item 2: Den window - screen torn.\n"
)
COVER_NOTE = "Hi,\n\nPlease see the attached service request.\n\nThanks,\nJo Lam\n403-555-0188"


def test_a_work_orders_site_contact_and_items_beat_the_senders_own_details(extractor):
    att = Attachment("SR-5120.txt", "text/plain", WORK_ORDER.encode())
    msg = message(COVER_NOTE, from_name="Jo Lam", signature="Jo Lam\n403-555-0188",
                  attachments=(att,))  # fmt: skip
    got = service(extractor, msg, staff=False)
    assert got["contact_name"] == "Sam Park"
    assert got["contact_phone"] == "+15875550162"
    assert got["description"] == (
        "Patio door - lock will not engage, door rattles in the wind. Den window - screen torn."
    )


def test_a_document_naming_only_the_owner_leaves_the_sender_as_contact(extractor):
    text = WORK_ORDER.replace("  Site contact: Sam Park", "").replace("Contact phone", "Owner cell")
    att = Attachment("SR-5120.txt", "text/plain", text.encode())
    msg = message(COVER_NOTE, from_name="Jo Lam", signature="Jo Lam\n403-555-0188",
                  attachments=(att,))  # fmt: skip
    assert service(extractor, msg, staff=False)["contact_name"] == "Jo Lam"
