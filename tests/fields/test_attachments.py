"""Reader `attachments`: attached documents fill what the body lacks."""

from __future__ import annotations

from intake.parsers.message import Attachment
from tests.fields.helpers import WED_NOV_4, message, quote, service, values
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


def test_a_reply_that_only_attaches_the_missing_takeoff_gives_the_specs(extractor):
    """ "Takeoff attached." answering the bot's request for the products: the sheet is read
    for what the case still misses, and nothing else."""
    csv_bytes = (
        b"model,qty,product,size\r\nPM-400,4,single hung,30x54\r\nPM-400,1,picture,60x48\r\n"
    )
    msg = message("Takeoff attached.", attachments=(Attachment("t.csv", "text/csv", csv_bytes),))
    got = values(
        extractor.extract(msg, "quotes", now=WED_NOV_4, sender_is_staff=True, is_reply=True,
                          expected=["product_specs"])
    )  # fmt: skip
    assert got["product_specs"] == "PM-400 4 single hung 30x54; PM-400 1 picture 60x48"
    assert got["attachments"] == ["t.csv"]


def test_a_sheet_of_labels_and_a_product_table_below_them(extractor):
    """A CSV whose first rows are "field,value" pairs and whose table of products follows under
    its own header ("qty,item,size,notes"): the header is no "notes" heading."""
    csv_bytes = (
        b"field,value\r\nAccount,Bow Valley Renovations\r\nFactor,48%\r\n\r\n"
        b"qty,item,size,notes\r\n8,Series 400 casement,30x54,triple pane\r\n"
        b"3,Series 400 picture,60x54,triple pane\r\n"
    )
    sheet = Attachment("takeoff.csv", "text/csv", csv_bytes)
    got = quote(extractor, message("Everything is in the attached CSV.", attachments=(sheet,)))
    assert got["product_specs"] == (
        "8 Series 400 casement 30x54 triple pane; 3 Series 400 picture 60x54 triple pane"
    )
    assert "special_instructions" not in got


def test_a_takeoff_attached_replaces_the_bodys_pointer(extractor):
    csv_bytes = b"Qty,Product,Width (in),Height (in)\r\n36,Casement,30,48\r\n24,Awning,36,20\r\n"
    sheet = Attachment("takeoff.csv", "text/csv", csv_bytes)
    text = "Bayview Townhomes, Block C (6 units). Takeoff attached – same spec as Block B."
    got = quote(extractor, message(text, attachments=(sheet,)))
    assert got["product_specs"] == "36 Casement 30 48; 24 Awning 36 20"


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


def _real_attachments(text: str, html: str, images: dict[str, str]) -> list[str]:
    """The names of the files a person attached, of a mail whose HTML shows `images`
    (file name -> Content-ID, each a small PNG) as written in `html`."""
    from email.message import EmailMessage

    from intake.parsers.mime import parse_email

    mail = EmailMessage()
    mail["From"] = "Ana Ruiz <ana@example.net>"
    mail["To"] = "service@example.com"
    mail["Subject"] = "Door"
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    part = mail.get_payload()[1]
    for name, cid in images.items():
        part.add_related(_png(24, 18), "image", "png", cid=f"<{cid}>", filename=name)
    return [a.filename for a in parse_email(mail.as_bytes()).real_attachments]


def test_a_photo_pasted_inline_counts_by_its_camera_name_however_small(extractor):
    html = (
        '<p>The patio door sticks. Photo below.</p><img src="cid:p1@x">'
        '<p>Ana</p><img src="cid:l1@x">'
    )
    images = {"IMG_0042.png": "p1@x", "image002.png": "l1@x"}
    got = _real_attachments("The patio door sticks. Photo below.", html, images)
    assert got == ["IMG_0042.png"]


def test_a_camera_photo_apple_mail_put_below_the_signature_is_an_attachment(extractor):
    """Apple Mail shows an attached photo where the cursor was, often after the sign-off;
    a logo there is the signature's, a camera's file is the sender's photo."""
    html = (
        "<div>Two windows are foggy between the panes.</div><div>Regards,</div>"
        '<div>Harold Beck</div><img src="cid:p1@x" alt="IMG_4471.jpeg">'
        '<img src="cid:l1@x" alt="company logo">'
    )
    images = {"IMG_4471.jpeg": "p1@x", "image002.png": "l1@x"}
    text = "Two windows are foggy between the panes.\n\nRegards,\n\nHarold Beck"
    assert _real_attachments(text, html, images) == ["IMG_4471.jpeg"]


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


# -- OpenDocument, RTF and vCard attachments -----------------------------------------------------


def test_a_quote_whose_every_field_is_only_in_an_ods_sheet(extractor):
    from datetime import date

    from tests.ooxml import ODS, odf_package, ods_sheet

    rows = [
        ["Account", "Harbourfront"],
        ["Opportunity", "HFD - Pier 7 Lofts"],
        ["Type", "Project"],
        ["Stage", "Submissions"],
        ["Factor", 0.49],
        ["Close date", date(2028, 11, 30)],
        [],
        ["Products"],
        ["Qty", "Type", "Size"],
        [12, "Casement", "30 x 48"],
        [4, "Picture", "48 x 60"],
    ]
    sheet = odf_package(ODS, f"<office:spreadsheet>{ods_sheet('Quote', rows)}</office:spreadsheet>")
    att = Attachment("HFD quote.ods", ODS, sheet)
    got = quote(extractor, message("Please quote, all in the sheet.\n\nDan", attachments=(att,)))
    assert got == {
        "account": "Harbourfront Developments",
        "account_id": "ACC-1007",
        "opportunity_name": "HFD - Pier 7 Lofts",
        "opportunity_type": "Project",
        "stage": "Submissions",
        "factor": "0.49",
        "close_date": "2028-11-30",
        "product_specs": "12 Casement 30 x 48; 4 Picture 48 x 60",
        "attachments": ["HFD quote.ods"],
    }


def test_a_quote_whose_product_specs_are_only_in_an_rtf(extractor):
    from tests.test_documents_rtf import SPEC_RTF

    text = (
        "Account: Harbourfront\nOpportunity: HFD - Pier 7\nFactor: .49\nClose: 2028-11-30\n"
        "Specs: see the attached rtf\n\nDan"
    )
    att = Attachment("specs.rtf", "application/rtf", SPEC_RTF)
    got = quote(extractor, message(text, attachments=(att,)))
    assert got["product_specs"] == "W1 6 Casement / tilt 30 x 48; D1 1 Entry door 36 x 80"
    assert got["account"] == "Harbourfront Developments"  # the body's, not the table's
    assert got["attachments"] == ["specs.rtf"]


def test_a_quote_from_an_odt_form(extractor):
    from tests.ooxml import ODT, odf_package

    def row(label: str, value: str) -> str:
        return (
            f"<table:table-row><table:table-cell><text:p>{label}</text:p></table:table-cell>"
            f"<table:table-cell><text:p>{value}</text:p></table:table-cell></table:table-row>"
        )

    body = (
        "<office:text><text:h>Quote request</text:h><table:table>"
        + row("Account", "Harbourfront")
        + row("Pricing factor", "0.49")
        + row("Close date", "2028-11-30")
        + "</table:table><text:p>12 x casement, 30 x 48, triple pane</text:p></office:text>"
    )
    att = Attachment("form.odt", "application/vnd.oasis.opendocument.text", odf_package(ODT, body))
    got = quote(extractor, message("Form attached.\n\nDan", attachments=(att,)))
    assert (got["account"], got["factor"], got["close_date"]) == (
        "Harbourfront Developments",
        "0.49",
        "2028-11-30",
    )
    assert got["attachments"] == ["form.odt"]


def test_a_service_request_whose_contact_phone_is_only_in_a_vcard(extractor):
    from tests.test_documents_vcard import CARD_30

    text = (
        "Hi, the patio door at our house will not lock and the handle is loose.\n"
        "My details are in the attached card.\n\nSam"
    )
    att = Attachment("Sam Park.vcf", "text/vcard", CARD_30.encode())
    msg = message(text, subject="Patio door", from_name="Sam Park",
                  from_addr="sam.park@westview.example", attachments=(att,))  # fmt: skip
    got = service(extractor, msg, staff=False)
    assert got["contact_phone"] == "+15875550162"  # the card's mobile, not its work number
    assert got["site_address"] == "14 Evergreen Way SW, Calgary, AB T2Y 3K1"
    assert got["contact_name"] == "Sam Park"
    assert got["attachments"] == ["Sam Park.vcf"]  # a card the sender points to is listed


def test_an_account_managers_own_vcard_is_listed_but_not_read_into_a_quote(extractor):
    """Outlook attaches the sender's card: its "Company:" is the sender's employer."""
    from tests.test_documents_vcard import CARD_30

    att = Attachment("Dan Schultz.vcf", "text/x-vcard", CARD_30.encode())
    got = quote(extractor, message("Factor: .5\nPlease quote.\n\nDan", attachments=(att,)))
    assert "account" not in got
    assert got["attachments"] == ["Dan Schultz.vcf"]


def test_hostile_documents_never_stop_the_extractor(extractor):
    """A truncated package, a million-column repeat, a binary named .rtf and a vCard of
    garbage: each gives nothing or a bounded text, and the body's fields are still read."""
    import random

    from tests.ooxml import ODS, odf_package, ods_cell

    good = odf_package(ODS, "<office:spreadsheet><table:table/></office:spreadsheet>")
    wide = odf_package(
        ODS,
        "<office:spreadsheet><table:table><table:table-row>"
        + ods_cell("Factor")
        + ods_cell(0.49)
        + ods_cell("x", repeat=1_000_000)
        + "</table:table-row></table:table></office:spreadsheet>",
    )
    rng = random.Random(3)
    atts = (
        Attachment("cut.ods", ODS, good[: len(good) // 2]),
        Attachment("wide.ods", ODS, wide),
        Attachment("specs.rtf", "application/rtf", b"MZ\x90\x00" + bytes(range(256)) * 20),
        Attachment("me.vcf", "text/vcard", bytes(rng.randrange(256) for _ in range(4000))),
    )
    got = service(
        extractor,
        message("The front door sticks at the top.\nAddress: 12 Elm St, Calgary AB T2T 1A1",
                subject="Front door", attachments=atts),
        staff=False,
    )  # fmt: skip
    assert got["attachments"] == ["cut.ods", "wide.ods", "specs.rtf", "me.vcf"]
    assert got["site_address"] == "12 Elm St, Calgary AB T2T 1A1"


def test_a_reply_sending_a_revised_list_gives_its_products(extractor):
    """A reply's attachments are photos or history, unless the reply says it sends a revised
    document: then the document's products are the case's new products."""
    csv_bytes = (
        b"Qty,Product,Size,Glass\n44,single hung,32x48,dual pane\n12,fixed,24x24,dual pane\n"
    )
    attachments = (Attachment("PlantRunB_rev2.csv", "text/csv", csv_bytes),)
    text = (
        "Sorry - factor should have been 45 not 47. They bumped the single hungs to 44, "
        "revised list attached."
    )
    got = quote(extractor, message(text, attachments=attachments), reply=True)
    assert got["factor"] == "0.45"
    assert got["product_specs"] == "44 single hung 32x48 dual pane; 12 fixed 24x24 dual pane"
    plain = message("Photos from site attached, thanks.", attachments=attachments)
    assert "product_specs" not in quote(extractor, plain, reply=True)


def test_a_reply_pointing_at_its_attachment_gives_only_what_the_case_misses(extractor):
    """ "Type is on the attached opp sheet": the sheet gives the type the case asked for; the
    rest of the sheet (its delivery note) is what the case already has, or history."""
    sheet = b"Opportunity type,Project\nSpecial instructions,Ship to Clearview yard\n"
    msg = message(
        "Their owner came back: put close as the 29th. Type is on the attached opp sheet.",
        attachments=(Attachment("opp_sheet.csv", "text/csv", sheet),),
    )
    got = values(
        extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=True,
                          expected=["opportunity_type", "close_date"])
    )  # fmt: skip
    assert got["opportunity_type"] == "Project"
    assert got["close_date"] == "2026-11-29"
    assert "special_instructions" not in got


def test_a_field_value_sheet_whose_labels_are_field_names(extractor):
    csv_bytes = (
        b"field,value\nproduct_specs,PD-600 patio door 6' 2-panel white x24\n"
        b"special_instructions,Dealer pickup at the DC\nrecord_type,Single\n"
    )
    msg = message(
        "Sheet attached.",
        attachments=(Attachment("sheet.csv", "text/csv", csv_bytes),),
    )
    got = quote(extractor, msg)
    assert got["product_specs"] == "PD-600 patio door 6' 2-panel white x24"
    assert got["special_instructions"] == "Dealer pickup at the DC"


def test_a_revised_sheet_on_a_reply_also_reprices(extractor):
    """A revision's factor and amount go with its products: the sheet is the newest word."""
    sheet = (
        b'field,value\nFactor,0.45\nAmount,"$79,600"\n'
        b'Product specs,"24 townhomes, per unit: 7x 100 Series slider 48x36 double pane"\n'
    )
    msg = message(
        "Rev 2 change sheet attached. HFD dropped the triple pane.",
        attachments=(Attachment("QR_rev2_changes.csv", "text/csv", sheet),),
    )
    got = quote(extractor, msg, reply=True)
    assert (got["factor"], got["amount"]) == ("0.45", "79600.00")
    assert got["product_specs"].startswith("24 townhomes, per unit: 7x 100 Series slider")


def test_an_attached_work_order_names_whom_to_book_with_over_the_homeowner(extractor):
    """A builder's desk points at its attached work order: the form's "Contact to book" is
    the one to call (not the homeowner it also names, nor the desk that signed), and its
    labelled site address replaces the street the subject only hinted at."""
    form = (
        b"WARRANTY WORK ORDER\nSite address: 14 Heron Bay Close SW, Calgary AB T2Y 4K1\n"
        b"Homeowner: Delacroix\n\nIssue: patio door sticks and the lock will not engage.\n\n"
        b"Contact to book: Mira Holt (warranty coordinator) 403-555-0171\n"
    )
    msg = message(
        "Please see the attached work order. Everything is in the file.",
        subject="Warranty - 14 Heron Bay",
        from_name="Builder Warranty",
        from_addr="warranty@builder.example.org",
        signature="Thanks,\nBuilder Warranty Desk",
        attachments=(Attachment("wo_14_heron.txt", "text/plain", form),),
    )
    got = service(extractor, msg, staff=False)
    assert got["contact_name"] == "Mira Holt"
    assert got["contact_phone"] == "+14035550171"
    assert got["site_address"] == "14 Heron Bay Close SW, Calgary AB T2Y 4K1"


def test_an_attached_form_naming_whom_to_book_with_replaces_the_senders_name(extractor):
    form = (
        b"Site address: 14 Heron Bay Close SW, Calgary AB T2Y 4K1\n"
        b"Issue: patio door sticks and the lock will not engage.\n"
        b"Contact to book: Mira Holt 403-555-0171\n"
    )
    msg = message(
        "Work order attached, thanks.",
        from_name="Ola Berg",
        from_addr="ola@builder.example.org",
        signature="Ola Berg",
        attachments=(Attachment("wo.txt", "text/plain", form),),
    )
    assert service(extractor, msg, staff=False)["contact_name"] == "Mira Holt"
