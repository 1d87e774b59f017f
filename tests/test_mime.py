"""The email parser: headers, bodies, attachments, automatic-mail markers, and robustness.

Small messages are built here; the corpus files (`shared/corpus`) check real shapes and that
no input at all makes the parser raise.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.parsers.message import ParsedMessage
from intake.parsers.mime import decode_header_text, normalize_charset, parse_email, safe_filename

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
INTAKE = CORPUS / "intake"
WILD = CORPUS / "wild"

needs_corpus = pytest.mark.skipif(not INTAKE.is_dir(), reason="shared corpus not present")


def _fixture(prefix: str) -> ParsedMessage:
    (path,) = INTAKE.glob(f"{prefix}-*.eml")
    return parse_email(path.read_bytes())


def _message(body: str = "Hello", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Pat Doe <Pat.Doe@Example.com>")
    msg["To"] = headers.pop("To", "intake@example.com")
    msg["Subject"] = headers.pop("Subject", "Test")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


# --------------------------------------------------------------------------- headers

RAW_HEADERS = (
    b"From: =?windows-1252?Q?H=E9l=E8ne_Th=E9riault?= <Helene.T@Example.NET>\r\n"
    b'To: A <a@example.com>, b@example.com,\r\n  "C, D" <CD@example.com>\r\n'
    b"Cc: e@example.com\r\n"
    b"Reply-To: Desk <desk@example.com>\r\n"
    b"Subject: =?windows-1252?Q?Front_door_torn_=96?=\r\n =?utf-8?B?IGRyYWZ0?=\r\n"
    b"Date: Wed, 18 Nov 2026 13:05:42 -0700\r\n"
    b"Message-ID:  <abc.123@mail.example.net> \r\n"
    b"In-Reply-To: <ack-011@bot.example.com>\r\n"
    b"References: <first@x.example>\r\n <ack-011@bot.example.com>\r\n"
    b"Auto-Submitted: Auto-Replied\r\n"
    b"Precedence: Bulk\r\n"
    b"List-Id: Weekly <Weekly.News.example.org>\r\n"
    b"X-Loop: AccountTeam@example.com\r\n"
    b"X-Loop: other@example.com\r\n"
    b"X-Autoreply: yes\r\n"
    b"X-Auto-Response-Suppress: All\r\n"
    b"Return-Path: <>\r\n"
    b"\r\n"
    b"Body\r\n"
)


def test_header_fields() -> None:
    msg = parse_email(RAW_HEADERS)
    assert msg.from_name == "Hélène Thériault"
    assert msg.from_addr == "helene.t@example.net"
    assert msg.to == ("a@example.com", "b@example.com", "cd@example.com")
    assert msg.cc == ("e@example.com",)
    assert msg.reply_to == "desk@example.com"
    assert msg.subject == "Front door torn – draft"
    assert msg.date == datetime(2026, 11, 18, 20, 5, 42, tzinfo=UTC)
    assert msg.date.utcoffset() == timedelta(hours=-7)
    assert msg.message_id == "<abc.123@mail.example.net>"
    assert msg.in_reply_to == ("<ack-011@bot.example.com>",)
    assert msg.references == ("<first@x.example>", "<ack-011@bot.example.com>")
    assert msg.auto_submitted == "auto-replied"
    assert msg.precedence == "bulk"
    assert msg.list_id == "weekly <weekly.news.example.org>"
    assert msg.x_loop == ("accountteam@example.com", "other@example.com")
    assert msg.return_path == ""


def test_auto_header_names_exclude_outlook_response_suppress() -> None:
    msg = parse_email(RAW_HEADERS)
    assert msg.other_auto_headers == ("X-Autoreply",)
    plain = parse_email(_message(X_Auto_Response_Suppress="All").as_bytes())
    assert plain.other_auto_headers == ()


def test_message_ids_written_as_encoded_words_are_read() -> None:
    """Some generators fold a long In-Reply-To into RFC 2047 words (which the RFC forbids
    there): the ID inside is what a reply means, and threading must find it."""
    raw = (
        b"From: a@example.net\r\nSubject: RE: fogged units\r\nMessage-ID: <r@x>\r\n"
        b"In-Reply-To: =?utf-8?q?=3CYQB9301F02=40YQBPR01MB9?=\r\n"
        b" =?utf-8?q?301=2Eexample=2Ecom=3E?=\r\n"
        b"References: <first@x.example> =?utf-8?q?=3Cack-7=40bot=2Eexample=2Ecom=3E?=\r\n"
        b"\r\nbody\r\n"
    )
    msg = parse_email(raw)
    assert msg.in_reply_to == ("<YQB9301F02@YQBPR01MB9301.example.com>",)
    assert msg.references == ("<first@x.example>", "<ack-7@bot.example.com>")


def test_absent_headers_are_none_or_empty() -> None:
    msg = parse_email(b"Subject: only\r\n\r\nHi")
    assert (msg.message_id, msg.date, msg.reply_to, msg.return_path) == (None, None, None, None)
    assert (msg.from_name, msg.from_addr, msg.to, msg.references) == ("", "", (), ())
    assert msg.auto_submitted is None and msg.precedence is None and msg.list_id is None
    assert "no From header" in msg.defects


def test_unparseable_date_is_none_and_a_defect() -> None:
    msg = parse_email(_message(Date="Tuesday at noon").as_bytes())
    assert msg.date is None
    assert any("Date" in d for d in msg.defects)


def test_return_path_address_and_null_sender() -> None:
    assert parse_email(_message(Return_Path="<Bounce@Example.com>").as_bytes()).return_path == (
        "bounce@example.com"
    )
    assert parse_email(b"Return-Path: <>\r\nFrom: a@b.c\r\n\r\nx").return_path == ""


def test_message_id_without_brackets_gets_them() -> None:
    msg = parse_email(b"From: a@b.c\r\nMessage-ID: abc@host\r\n\r\nx")
    assert msg.message_id == "<abc@host>"


def test_encoded_word_edge_cases() -> None:
    # UTF-8 character split across two B words, unpadded base64, glued and unknown charsets.
    assert decode_header_text("=?utf-8?B?w6k=?= =?utf-8?B?w6k?=") == "éé"
    assert decode_header_text("Re:=?utf-8?q?caf=C3=A9?=") == "Re:café"
    assert decode_header_text("=?x-unknown?q?caf=E9?=") == "café"
    assert decode_header_text("=?iso-8859-1?q?a?=  =?iso-8859-1?q?_b?=") == "a b"


def test_charset_labels() -> None:
    assert normalize_charset('"UTF-8"\r\n') == "utf-8"
    assert normalize_charset("charset=us-ascii") == "ascii"
    assert normalize_charset("iso-8859-1") == "cp1252"
    assert normalize_charset("iso-gb2312") == "gb18030"
    assert normalize_charset(("us-ascii", "", "x")) is None  # RFC 2231 triple: last item
    assert normalize_charset("no-such-charset") is None


# --------------------------------------------------------------------------- bodies


def test_plain_preferred_over_html() -> None:
    msg = _message("Plain version")
    msg.add_alternative("<p>HTML version</p>", subtype="html")
    parsed = parse_email(msg.as_bytes())
    assert parsed.body_text == "Plain version"


def test_empty_plain_alternative_falls_back_to_html() -> None:
    msg = _message(" ")
    msg.add_alternative("<table><tr><td>Factor</td><td>0.55</td></tr></table>", subtype="html")
    assert parse_email(msg.as_bytes()).body_text == "Factor: 0.55"


def test_html_table_read_when_the_plain_part_has_one_cell_a_line() -> None:
    # Outlook's plain alternative writes each table cell on a line of its own
    msg = _message("Quote please:\n\nQty\n\nItem\n\n6\n\nAwning 36x24\n\n2\n\nPicture 48x48\n")
    msg.add_alternative(
        "<p>Quote please:</p><table><tr><td>Qty</td><td>Item</td></tr>"
        "<tr><td>6</td><td>Awning 36x24</td></tr><tr><td>2</td><td>Picture 48x48</td></tr>"
        "</table>",
        subtype="html",
    )
    assert parse_email(msg.as_bytes()).body_text == (
        "Quote please:\n\nQty: Item\n6: Awning 36x24\n2: Picture 48x48"
    )


def test_plain_part_kept_when_it_writes_the_table_rows_itself() -> None:
    msg = _message("Quote please:\n\n6  Awning 36x24\n2  Picture 48x48\n")
    msg.add_alternative(
        "<table><tr><td>6</td><td>Awning 36x24</td></tr>"
        "<tr><td>2</td><td>Picture 48x48</td></tr></table>",
        subtype="html",
    )
    assert (
        parse_email(msg.as_bytes()).body_text
        == "Quote please:\n\n6  Awning 36x24\n2  Picture 48x48"
    )


_PRODUCT_TABLE = (
    "<table><tr><th>Qty</th><th>Product</th><th>Size</th></tr>"
    "<tr><td>4</td><td>Series 4000 casement</td><td>30 x 60</td></tr>"
    "<tr><td>2</td><td>Series 4000 awning</td><td>48 x 20</td></tr></table>"
)


def test_html_read_when_the_plain_part_leaves_its_table_out() -> None:
    # some clients write "[table]" (or nothing) in the plain part where the HTML has one
    msg = _message("Please quote the list below.\n\n[table]\n\nFactor .53\n")
    msg.add_alternative(
        f"<p>Please quote the list below.</p>{_PRODUCT_TABLE}<p>Factor .53</p>", subtype="html"
    )
    body = parse_email(msg.as_bytes()).body_text
    assert "4 | Series 4000 casement | 30 x 60" in body
    assert "2 | Series 4000 awning | 48 x 20" in body
    assert "[table]" not in body


def test_plain_part_kept_when_it_leaves_out_only_the_quoted_history() -> None:
    msg = _message("Approved, go ahead.\n")
    msg.add_alternative(
        f"<p>Approved, go ahead.</p><blockquote>{_PRODUCT_TABLE}</blockquote>", subtype="html"
    )
    assert parse_email(msg.as_bytes()).body_text == "Approved, go ahead."


def test_undeclared_8bit_utf8_and_broken_latin1_bodies() -> None:
    utf8 = "From: a@b.c\r\nContent-Type: text/plain\r\n\r\nRésumé €5".encode()
    assert parse_email(utf8).body_text == "Résumé €5"
    latin = b"From: a@b.c\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nR\xe9sum\xe9 ok"
    assert parse_email(latin).body_text == "Résumé ok"
    cp1252 = b"From: a@b.c\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\ndoor\x92s \x96"
    assert parse_email(cp1252).body_text == "door’s –"


def test_format_flowed_is_unwrapped() -> None:
    raw = (
        b"From: a@b.c\r\nContent-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
        b"Address: 12 Birch \r\nCrescent, St. Albert\r\n"
    )
    assert parse_email(raw).body_text == "Address: 12 Birch Crescent, St. Albert"


def test_headerless_input_is_read_as_text() -> None:
    msg = parse_email(b":+1:\n\nOn Tue, Sep 25, 2012 at 8:59 AM, Chris <c@x.com> wrote:\n> old")
    assert msg.new_text == ":+1:"


# --------------------------------------------------------------------------- attachments

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x11" * 400


def _with_logo_and_photo() -> bytes:
    msg = _message("Photo attached.\n\nThanks,\nPat")
    msg.add_alternative('<p>Photo attached.</p><img src="cid:logo123@x">', subtype="html")
    html = msg.get_payload()[1]
    html.add_related(PNG, "image", "png", cid="<logo123@x>", filename="image001.png")
    msg.add_attachment(JPEG, "image", "jpeg", filename="IMG_0457.JPG")
    msg.get_payload()[-1]["Content-ID"] = "<photo@x>"  # Apple gives attachments IDs too
    return msg.as_bytes()


def test_logo_is_inline_and_photo_is_real() -> None:
    msg = parse_email(_with_logo_and_photo())
    by_name = {a.filename: a for a in msg.attachments}
    assert by_name["image001.png"].inline is True
    assert by_name["image001.png"].content == PNG
    assert by_name["image001.png"].content_id == "logo123@x"
    assert by_name["IMG_0457.JPG"].inline is False
    assert by_name["IMG_0457.JPG"].content == JPEG
    assert [a.filename for a in msg.real_attachments] == ["IMG_0457.JPG"]
    assert msg.body_text == "Photo attached.\n\nThanks,\nPat"


def _pasted(html: str, *images: tuple[bytes, str, str, str]) -> list[tuple[str, bool]]:
    """An HTML mail showing each (content, subtype, cid, file name) by its Content-ID."""
    msg = _message("See below.")
    msg.add_alternative(html, subtype="html")
    part = msg.get_payload()[1]
    for content, subtype, cid, name in images:
        part.add_related(content, "image", subtype, cid=f"<{cid}>", filename=name)
    return [(a.filename, a.inline) for a in parse_email(msg.as_bytes()).attachments]


def _png(width: int, height: int) -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
        + width.to_bytes(4, "big")
        + (height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00" + b"\x00" * 40)
    )


def test_photos_pasted_inline_are_attachments_and_signature_logos_are_not() -> None:
    """Outlook and Apple Mail paste photos as inline images shown by Content-ID: they are
    what the sender attached. A logo is not: named so, shown small, or in the signature."""
    html = (
        "<p>The sash is cracked, photos below.</p>"
        '<img src="cid:image001.jpg@01D" width="320" height="240">'
        '<img src="cid:photo2@x">'
        "<p>Regards,<br>Sam Price<br>Facilities</p>"
        '<img src="cid:image003.png@01D" width="300" height="150">'
        '<img src="cid:image004.png@01D" alt="Acme Facilities logo">'
        '<img src="cid:image005.png@01D" width="96" height="32">'
    )
    got = _pasted(
        html,
        (JPEG, "jpeg", "image001.jpg@01D", "image001.jpg"),
        (_png(1600, 1200), "png", "photo2@x", "IMG_2201.png"),
        (_png(300, 150), "png", "image003.png@01D", "image003.png"),  # after the sign-off
        (_png(400, 400), "png", "image004.png@01D", "image004.png"),  # alt says logo
        (_png(96, 32), "png", "image005.png@01D", "image005.png"),  # shown small
    )
    assert got == [
        ("image001.jpg", False),
        ("IMG_2201.png", False),
        ("image003.png", True),
        ("image004.png", True),
        ("image005.png", True),
    ]
    # Shown without a size and not in a signature: its own pixels say icon or photo.
    html = '<p>Photos:</p><img src="cid:a@x"><img src="cid:b@x">'
    got = _pasted(
        html, (_png(32, 32), "png", "a@x", "a.png"), (_png(800, 600), "png", "b@x", "b.png")
    )
    assert got == [("a.png", True), ("b.png", False)]


def test_a_photo_in_a_forwarded_message_is_not_the_forwarders_signature() -> None:
    """Below the forwarder's sign-off and logo, the forwarded mail's own pasted photo is
    still a photo, even shown as small as 160 x 120: a photo's shape, not a logo's strip."""
    html = (
        "<p>Please see below, can someone get out today?</p><p>Thanks,<br>Priya</p>"
        '<img src="cid:image002.png@01D" width="90" height="24">'
        "<p><b>From:</b> Shane &lt;shane@example.org&gt;<br><b>Sent:</b> Tuesday 7:58 AM</p>"
        '<p>The slider exploded overnight.</p><img src="cid:image001.jpg@01D" width="160" '
        'height="120"><p>Shane</p><img src="cid:image003.png@01D" width="180" height="48">'
    )
    got = _pasted(
        html,
        (_png(90, 24), "png", "image002.png@01D", "image002.png"),
        (JPEG, "jpeg", "image001.jpg@01D", "image001.jpg"),
        (_png(180, 48), "png", "image003.png@01D", "image003.png"),
    )
    assert got == [("image002.png", True), ("image001.jpg", False), ("image003.png", True)]


def test_inline_disposition_with_content_id_is_inline_even_unreferenced() -> None:
    msg = _message("Hi")
    msg.add_attachment(PNG, "image", "png", filename="sig.png", disposition="inline")
    msg.get_payload()[-1]["Content-ID"] = "<sig@x>"
    (logo,) = parse_email(msg.as_bytes()).attachments
    assert logo.inline is True


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename="C:\\\\Users\\\\x\\\\evil.exe"', "evil.exe"),
        ('attachment; filename="=?utf-8?B?RG9jdW1lbnRhY2nDs24ucGRm?="', "Documentación.pdf"),
        ("attachment; filename*=utf-8''Pl%C3%A4ne%20v2.pdf", "Pläne v2.pdf"),
        ('attachment; filename="a..b..pdf"', "a.b.pdf"),
        ('attachment; filename="CON.txt"', "_CON.txt"),
    ],
)
def test_attachment_names_are_decoded_and_safe(header: str, expected: str) -> None:
    raw = (
        "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
        "Content-Type: text/plain\r\n\r\nsee file\r\n--XX\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Disposition: {header}\r\n\r\n"
        "data\r\n--XX--\r\n"
    ).encode()
    (att,) = parse_email(raw).attachments
    assert att.filename == expected


def test_hostile_filename_with_crlf_nul_and_bidi() -> None:
    raw = (
        b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
        b"Content-Type: application/pdf\r\nContent-Disposition: attachment;\r\n"
        b' filename="=?utf-8?q?inv=0D=0ABcc:x=00oice=E2=80=AEfdp.exe?="\r\n\r\n'
        b"JVBERg==\r\n--XX--\r\n"
    )
    (att,) = parse_email(raw).attachments
    assert att.filename == "inv Bcc_xoicefdp.exe"
    assert not re.search(r"[\x00-\x1f/\\]", att.filename)


def test_missing_and_long_names() -> None:
    assert safe_filename(None, "image/jpeg", 3) == "attachment-3.jpg"
    assert safe_filename("..", "application/pdf", 1) == "attachment-1.pdf"
    long_name = safe_filename("x" * 400 + ".pdf", "application/pdf", 1)
    assert len(long_name) == 150 and long_name.endswith(".pdf")


def test_body_text_parts_are_not_attachments_but_named_text_files_are() -> None:
    msg = _message("Body")
    msg.add_attachment("a,b\n1,2\n", subtype="csv", filename="list.csv")
    parsed = parse_email(msg.as_bytes())
    assert parsed.body_text == "Body"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("list.csv", "text/csv")]


def test_forwarded_message_part() -> None:
    inner = _message("Please quote 4 sliders.", From="Dave <dave@example.net>", Subject="Sliders")
    inner.add_attachment(JPEG, "image", "jpeg", filename="site.jpg")
    outer = _message("See Dave's request below. Factor .50", Subject="Fwd: Sliders")
    outer.add_attachment(inner)
    parsed = parse_email(outer.as_bytes())
    assert parsed.new_text == "See Dave's request below. Factor .50"
    assert parsed.forwarded_text.startswith("From: Dave <dave@example.net>")
    assert "Subject: Sliders" in parsed.forwarded_text
    assert "Please quote 4 sliders." in parsed.forwarded_text
    # The attached mail is itself an attachment, named by its subject when sent unnamed.
    assert [a.filename for a in parsed.real_attachments] == ["Sliders.eml", "site.jpg"]
    assert parsed.real_attachments[0].content_type == "message/rfc822"


def _attached_mail() -> EmailMessage:
    inner = _message("Account: Bow Valley Renovations", From="Pat <pat@example.net>", Subject="Q")
    inner.add_attachment(JPEG, "image", "jpeg", filename="site.jpg")
    return inner


def _with_part(headers: bytes, body: bytes) -> bytes:
    return (
        b"From: dan@example.com\r\nTo: accountteam@example.com\r\nSubject: fw\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        b"--XX\r\n" + headers + b"\r\n\r\n" + body + b"\r\n--XX--\r\n"
    )


def test_base64_encoded_message_part_is_decoded_before_it_is_read() -> None:
    """RFC 2046 forbids encoding a message/rfc822 part; some clients do it anyway, and the
    stdlib then takes the base64 text for the attached message."""
    import base64

    raw = _with_part(
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64",
        base64.encodebytes(_attached_mail().as_bytes()),
    )
    parsed = parse_email(raw)
    assert parsed.forwarded_text.startswith("From: Pat <pat@example.net>")
    assert "Account: Bow Valley Renovations" in parsed.forwarded_text
    assert [a.filename for a in parsed.real_attachments] == ["Q.eml", "site.jpg"]
    assert parsed.real_attachments[0].content.startswith(b"From: Pat")
    assert "base64 message/rfc822 part decoded" in parsed.defects


def test_quoted_printable_message_part_is_decoded_too() -> None:
    import quopri

    inner = _message("Facteur : 0,52 – café " + "x" * 90, From="pat@example.net")
    raw = _with_part(
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: quoted-printable",
        quopri.encodestring(inner.as_bytes()),
    )
    parsed = parse_email(raw)
    assert "Facteur : 0,52 – café " + "x" * 90 in parsed.forwarded_text


def test_mail_attached_as_an_eml_file_is_read_as_a_forwarded_message() -> None:
    """Webmail and phones attach a mail as "name.eml", application/octet-stream: its text
    is forwarded text, its files are attachments, and the .eml itself stays one."""
    outer = _message("See the customer's mail.")
    outer.add_attachment(
        _attached_mail().as_bytes(), "application", "octet-stream", filename="Request.EML"
    )
    parsed = parse_email(outer.as_bytes())
    assert "Account: Bow Valley Renovations" in parsed.forwarded_text
    assert [a.filename for a in parsed.real_attachments] == ["Request.EML", "site.jpg"]


def test_eml_named_file_that_is_no_mail_stays_a_file() -> None:
    outer = _message("Odd file attached.")
    outer.add_attachment(b"\x00\x01 binary", "application", "octet-stream", filename="x.eml")
    outer.add_attachment(
        b"Account: Ridgeline\nFactor: 0.5", "application", "octet-stream", filename="y.eml"
    )
    parsed = parse_email(outer.as_bytes())
    assert parsed.forwarded_text == ""
    assert [a.filename for a in parsed.real_attachments] == ["x.eml", "y.eml"]


# --------------------------------------------------------------------------- automatic mail


def _calendar(method: str) -> bytes:
    msg = _message("You have been invited.")
    ics = f"BEGIN:VCALENDAR\r\nMETHOD:{method}\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    msg.add_attachment(ics, subtype="calendar")
    return msg.as_bytes()


def test_calendar_invite_by_method() -> None:
    invite = parse_email(_calendar("REQUEST"))
    assert invite.is_calendar_invite is True
    assert [a.filename for a in invite.attachments] == ["invite.ics"]
    assert invite.real_attachments == ()  # the calendar's own part: no file a person attached
    assert parse_email(_calendar("PUBLISH")).is_calendar_invite is False


def test_plain_bounce_without_report_part() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.com\r\nSubject: failure notice\r\n\r\n"
        b"Hi. This is the qmail-send program. I'm afraid I wasn't able to deliver it."
    )
    assert parse_email(raw).is_delivery_report is True
    person = _message("I could not be delivered the parts", Subject="Delivery problem on site")
    assert parse_email(person.as_bytes()).is_delivery_report is False


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 100,
        b"From: a@b.c\x00\r\nSubject: x\x00y\r\n\r\nbody\x00",
        b"\xff\xfe\xfa" * 1000,
        b"From \r\n\r\n",
        b"Content-Type: multipart/mixed\r\n\r\n--\r\n--\r\n",
        b"Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: message/rfc822\r\n",
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!=",
        b'Content-Type: text/plain; charset="=?x?"\r\n\r\n\x80\x81',
        b"Subject: " + b"=?utf-8?q?" * 5000 + b"\r\n\r\n",
        b"From: " + b"<" * 20000 + b"\r\n\r\n",
        b"Content-Type: text/html\r\n\r\n" + b"<table><tr><td>" * 3000,
    ],
)
def test_never_raises(raw: bytes) -> None:
    assert isinstance(parse_email(raw), ParsedMessage)


def test_non_bytes_input_does_not_raise() -> None:
    assert parse_email("From: a@b.c\n\nhi").from_addr == "a@b.c"  # type: ignore[arg-type]
    assert parse_email(None).subject == ""  # type: ignore[arg-type]


def test_subject_with_encoded_crlf_and_nul_stays_one_line() -> None:
    raw = b"From: a@b.c\r\nSubject: =?utf-8?q?Hi=0D=0ABcc:_evil@x.com=00?=\r\n\r\nx"
    assert parse_email(raw).subject == "Hi Bcc: evil@x.com"


def test_deep_nesting_falls_back_and_says_so() -> None:
    parts = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(2000)
    )
    msg = parse_email(b"From: a@b.c\r\nSubject: deep\r\n" + parts + b"leaf text")
    assert msg.subject == "deep"
    assert msg.defects  # the fallback is recorded


def test_mbox_from_line_and_leading_blank_lines() -> None:
    mbox = b"From someone@example.com Mon Nov  2 08:12:37 2026\nFrom: a@b.c\nSubject: s\n\nhi"
    assert parse_email(mbox).from_addr == "a@b.c"
    spaced = b"   \r\nFrom: a@b.c\r\nSubject: s\r\n\r\nhi"
    parsed = parse_email(spaced)
    assert (parsed.from_addr, parsed.subject, parsed.body_text) == ("a@b.c", "s", "hi")


def test_unindented_header_continuations_do_not_lose_headers() -> None:
    raw = (
        b"Received: from a\r\nX-Tracker: AAAA\r\nBBBBBBBBBBBBBBBBBBBBBBBBB\r\n"
        b"From: Pat <pat@example.com>\r\nSubject: kept\r\n\r\nbody"
    )
    msg = parse_email(raw)
    assert (msg.from_addr, msg.subject, msg.body_text) == ("pat@example.com", "kept", "body")


# --------------------------------------------------------------------------- corpus


@needs_corpus
def test_001_pdf_is_real_and_signature_logo_inline() -> None:
    msg = _fixture("001")
    assert [a.filename for a in msg.real_attachments] == ["Hillcrest_Lot14_window_schedule.pdf"]
    (logo,) = [a for a in msg.attachments if a.inline]
    assert logo.filename == "image001.png" and logo.content_type == "image/png"
    assert msg.real_attachments[0].content.startswith(b"%PDF")
    for item in ("1. Account name:", "3. Factor: 0.48", "Close date: 2026-12-15", "6. Attachments"):
        assert item in msg.new_text
    assert "T 403-555-0101" in msg.signature and "403-555" not in msg.new_text


@needs_corpus
def test_041_windows_1252_headers_and_body() -> None:
    msg = _fixture("041")
    assert msg.from_name == "Hélène Thériault"
    assert msg.subject == "Front door weatherstrip torn – draft"
    assert "door’s weatherstrip" in msg.new_text and "Stéphane" in msg.new_text
    assert "31 Rue Bélanger" in msg.new_text
    assert msg.signature == "Merci,\nHélène Thériault"


@needs_corpus
def test_044_base64_body() -> None:
    msg = _fixture("044")
    assert "Account: Bow Valley Renovations" in msg.new_text
    assert "Close date: 2026-12-21" in msg.new_text


@needs_corpus
def test_006_outlook_html_only_table() -> None:
    msg = _fixture("006")
    lines = msg.new_text.split("\n")
    for line in ("Account: Northgate Modular Inc.", "Factor: 0.55", "Stage: Proofing"):
        assert line in lines
    assert "24 | Slider | 48 x 36 | Double pane, Low-E, argon | White" in lines
    for noise in ("**", "cid:", "](", "---|", "&nbsp;"):
        assert noise not in msg.body_text
    assert msg.real_attachments == () and [a.filename for a in msg.attachments] == ["image001.png"]
    assert msg.signature.startswith("Thanks,")


@needs_corpus
def test_027_iphone_html_only() -> None:
    msg = _fixture("027")
    assert "My cell is 403 555 0193." in msg.new_text
    assert msg.signature.endswith("Sent from my iPhone")
    assert [a.filename for a in msg.real_attachments] == ["IMG_4821.JPG"]


@needs_corpus
def test_004_quoted_reply_is_not_new_text() -> None:
    msg = _fixture("004")
    assert "tomorrow at noon" in msg.new_text
    assert "Factor: 0.52" not in msg.new_text and "wrote:" not in msg.new_text
    assert "Factor: 0.52" in msg.body_text
    assert msg.in_reply_to == ("<ack-002@bot.example.com>",)


@needs_corpus
def test_029_outlook_reply() -> None:
    msg = _fixture("029")
    assert msg.new_text == "Sorry - type is Standard, stage Funding."
    assert msg.signature == "Priya"
    assert msg.forwarded_text == ""


@needs_corpus
def test_049_long_quoted_thread_is_cut() -> None:
    msg = _fixture("049")
    assert "Factor .45 this time" in msg.new_text
    assert "- 1 patio door 72x80, triple pane Low-E argon, black" in msg.new_text
    for old in ("0.53", "0.55", "CONFIDENTIALITY", "Carla"):
        assert old not in msg.new_text
    assert msg.signature == "Alex"


@needs_corpus
def test_014_inline_forward() -> None:
    msg = _fixture("014")
    assert "Factor .50" in msg.new_text and "casement" not in msg.new_text
    assert msg.forwarded_text.startswith("From: Dave Kowalski <dkowalski@example.net>")
    assert "- 2 casement 28 x 52" in msg.forwarded_text
    assert "403-555-0155" in msg.forwarded_text


@needs_corpus
def test_054_delivery_report() -> None:
    msg = _fixture("054")
    assert msg.is_delivery_report is True
    assert msg.return_path == "" and msg.auto_submitted == "auto-replied"
    assert msg.from_addr == "mailer-daemon@mx1.example.com"


@needs_corpus
def test_048_calendar_invite() -> None:
    msg = _fixture("048")
    assert msg.is_calendar_invite is True
    assert [a.filename for a in msg.attachments] == ["invite.ics"]
    assert msg.attachments[0].content.startswith(b"BEGIN:VCALENDAR")


@needs_corpus
def test_auto_mail_markers_in_corpus() -> None:
    loop = _fixture("012")
    assert loop.x_loop == ("accountteam@example.com",) and loop.auto_submitted == "auto-replied"
    ooo = _fixture("013")
    assert ooo.auto_submitted == "auto-replied" and ooo.other_auto_headers == ()
    news = _fixture("020")
    assert (
        news.precedence == "bulk"
        and news.list_id == "fenestration weekly <weekly.news.example.org>"
    )
    person = _fixture("003")
    assert (person.auto_submitted, person.is_delivery_report, person.is_calendar_invite) == (
        None,
        False,
        False,
    )


def _intake_files() -> list[Path]:
    return sorted(INTAKE.glob("*.eml")) if INTAKE.is_dir() else []


def _labelled_case_files() -> list[Path]:
    """Fixtures whose label names fields (new cases and appends)."""
    return [
        p
        for p in _intake_files()
        if json.loads(p.with_suffix(".json").read_text())["action"] in ("new_case", "append")
    ]


def _fresh_files() -> list[Path]:
    """Fixtures that are not replies, so they quote nothing."""
    return [
        p
        for p in _intake_files()
        if not re.search(rb"(?im)^subject:\s*(re|aw|tr)\s*:", p.read_bytes())
    ]


@needs_corpus
@pytest.mark.parametrize("path", _labelled_case_files(), ids=lambda p: p.stem[:3])
def test_real_attachments_match_labels(path: Path) -> None:
    label = json.loads(path.with_suffix(".json").read_text())
    expected = sorted(label.get("fields", {}).get("attachments") or [])
    assert sorted(a.filename for a in parse_email(path.read_bytes()).real_attachments) == expected


_LISTED = re.compile(r"^\s*(?:\d+[.)]\s|[-•]\s)|^\s*[A-ZÀ-Þ][\w /&()'-]{0,30}\s?:\s+\S")


@needs_corpus
@pytest.mark.parametrize("path", _fresh_files(), ids=lambda p: p.stem[:3])
def test_lists_and_label_lines_of_fresh_mail_survive_whole(path: Path) -> None:
    """Numbered/bulleted items and "Label: value" lines of a message that quotes nothing are
    in its new text (or its forwarded text), never cut off as a signature or a quote."""
    msg = parse_email(path.read_bytes())
    signature = set(msg.signature.split("\n"))
    for line in msg.body_text.split("\n"):
        if _LISTED.match(line) and line not in signature:
            assert line in msg.new_text or line in msg.forwarded_text, line


@needs_corpus
def test_every_corpus_file_parses() -> None:
    files = sorted(INTAKE.glob("*.eml")) + sorted(WILD.glob("*.eml"))
    assert len(files) > 400
    started = time.perf_counter()
    for path in files:
        msg = parse_email(path.read_bytes())
        assert isinstance(msg, ParsedMessage), path.name
        assert all(a.filename and "/" not in a.filename for a in msg.attachments), path.name
    assert time.perf_counter() - started < 20
