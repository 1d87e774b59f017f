"""The email parser: headers, bodies, attachments, automatic-mail markers, and robustness.
(attachments)."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest

from intake.parsers.mime import parse_email, safe_filename
from tests.mime.helpers import (
    built_message,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


JPEG = b"\xff\xd8\xff\xe0" + b"\x11" * 400


def _with_logo_and_photo() -> bytes:
    msg = built_message("Photo attached.\n\nThanks,\nPat")
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
    msg = built_message("See below.")
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
    msg = built_message("Hi")
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
    msg = built_message("Body")
    msg.add_attachment("a,b\n1,2\n", subtype="csv", filename="list.csv")
    parsed = parse_email(msg.as_bytes())
    assert parsed.body_text == "Body"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("list.csv", "text/csv")]


def test_forwarded_message_part() -> None:
    inner = built_message(
        "Please quote 4 sliders.", From="Dave <dave@example.net>", Subject="Sliders"
    )
    inner.add_attachment(JPEG, "image", "jpeg", filename="site.jpg")
    outer = built_message("See Dave's request below. Factor .50", Subject="Fwd: Sliders")
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
    inner = built_message(
        "Account: Bow Valley Renovations", From="Pat <pat@example.net>", Subject="Q"
    )
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

    inner = built_message("Facteur : 0,52 – café " + "x" * 90, From="pat@example.net")
    raw = _with_part(
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: quoted-printable",
        quopri.encodestring(inner.as_bytes()),
    )
    parsed = parse_email(raw)
    assert "Facteur : 0,52 – café " + "x" * 90 in parsed.forwarded_text


def test_mail_attached_as_an_eml_file_is_read_as_a_forwarded_message() -> None:
    """Webmail and phones attach a mail as "name.eml", application/octet-stream: its text
    is forwarded text, its files are attachments, and the .eml itself stays one."""
    outer = built_message("See the customer's mail.")
    outer.add_attachment(
        _attached_mail().as_bytes(), "application", "octet-stream", filename="Request.EML"
    )
    parsed = parse_email(outer.as_bytes())
    assert "Account: Bow Valley Renovations" in parsed.forwarded_text
    assert [a.filename for a in parsed.real_attachments] == ["Request.EML", "site.jpg"]


def test_eml_named_file_that_is_no_mail_stays_a_file() -> None:
    outer = built_message("Odd file attached.")
    outer.add_attachment(b"\x00\x01 binary", "application", "octet-stream", filename="x.eml")
    outer.add_attachment(
        b"Account: Ridgeline\nFactor: 0.5", "application", "octet-stream", filename="y.eml"
    )
    parsed = parse_email(outer.as_bytes())
    assert parsed.forwarded_text == ""
    assert [a.filename for a in parsed.real_attachments] == ["x.eml", "y.eml"]
