"""Contact cards (.vcf) as the labelled lines the field readers know: vCard 2.1 (old
Outlook, quoted-printable), 3.0 and 4.0, folded lines, the mobile number first; garbage,
photos and hostile cards give nothing or a bounded text and never raise."""

from __future__ import annotations

import logging
import random
import time

import pytest

from intake.parsers.documents import attachment_text, document_kind
from intake.parsers.message import Attachment

CARD_30 = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Park;Sam;;;\r\n"
    "FN:Sam Park\r\n"
    "ORG:Westview Homes;Service\r\n"
    "TITLE:Site superintendent\r\n"
    "TEL;TYPE=WORK,VOICE:403-555-0100\r\n"
    "TEL;TYPE=CELL:587-555-0162\r\n"
    "EMAIL;TYPE=INTERNET:sam.park@westview.example\r\n"
    "ADR;TYPE=WORK:;;14 Evergreen Way SW;Calgary;AB;T2Y 3K1;Canada\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoH\r\n"
    " BwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkF\r\n"
    "NOTE:Gate code 1234\\, ring twice\r\n"
    "END:VCARD\r\n"
)
# vCard 4.0 as iOS and Android write it: tel: URIs, TYPE lists in quotes, a folded line.
CARD_40 = (
    "BEGIN:VCARD\n"
    "VERSION:4.0\n"
    "FN:Ana Ruiz\n"
    'TEL;VALUE=uri;TYPE="voice,work":tel:+1-403-555-0111\n'
    'TEL;VALUE=uri;PREF=1;TYPE="voice,cell":tel:+1-587-555-0199\n'
    "EMAIL;PREF=1:ana.ruiz@example.net\n"
    "ADR;TYPE=home:;;210 Aspen Glen Way SW;Cal\n"
    " gary;AB;T3H 0N5;Canada\n"
    "END:VCARD\n"
)
# Outlook 2003: vCard 2.1, bare types, quoted-printable with soft line breaks and a charset.
CARD_21 = (
    b"BEGIN:VCARD\r\n"
    b"VERSION:2.1\r\n"
    b"N;CHARSET=Windows-1252:Martel;Genevieve\r\n"
    b"FN;ENCODING=QUOTED-PRINTABLE;CHARSET=Windows-1252:Genevi=E8ve Martel\r\n"
    b"ORG;ENCODING=QUOTED-PRINTABLE;CHARSET=Windows-1252:R=E9novations Martel\r\n"
    b"TEL;HOME;VOICE:(403) 555-0177\r\n"
    b"TEL;WORK;VOICE:(403) 555-0123\r\n"
    b"ADR;HOME;ENCODING=QUOTED-PRINTABLE:;;Suite 4=0D=0A210 Aspen Glen Way SW=\r\n"
    b";Calgary;AB;T3H 0N5;Canada\r\n"
    b"EMAIL;PREF;INTERNET:g.martel@example.net\r\n"
    b"END:VCARD\r\n"
)


def text_of(name: str, content: bytes, ctype: str = "text/x-vcard") -> str:
    return attachment_text(Attachment(name, ctype, content))


def test_vcard_30_with_a_photo_and_the_mobile_before_the_work_number() -> None:
    assert text_of("Sam Park.vcf", CARD_30.encode(), "text/vcard").splitlines() == [
        "Name: Sam Park",
        "Phone: 587-555-0162",
        "Email: sam.park@westview.example",
        "Address: 14 Evergreen Way SW, Calgary, AB T2Y 3K1",
        "Company: Westview Homes",
        "Title: Site superintendent",
    ]


def test_vcard_40_with_tel_uris_and_a_folded_address() -> None:
    assert text_of("contact.vcf", CARD_40.encode()).splitlines() == [
        "Name: Ana Ruiz",
        "Phone: +1-587-555-0199",
        "Email: ana.ruiz@example.net",
        "Address: 210 Aspen Glen Way SW, Calgary, AB T3H 0N5",
    ]


def test_vcard_21_quoted_printable_from_old_outlook() -> None:
    assert text_of("Genevieve Martel.vcf", CARD_21).splitlines() == [
        "Name: Geneviève Martel",
        "Phone: (403) 555-0123",  # work before home; no mobile
        "Email: g.martel@example.net",
        "Address: Suite 4, 210 Aspen Glen Way SW, Calgary, AB T3H 0N5",
        "Company: Rénovations Martel",
    ]


def test_several_cards_a_blank_line_apart_and_a_cut_off_card_read_as_far_as_it_goes() -> None:
    two = (CARD_40 + CARD_30).encode()
    assert text_of("two.vcf", two).split("\n\n")[1].startswith("Name: Sam Park\n")
    cut = CARD_30.split("PHOTO")[0].encode()
    assert text_of("cut.vcf", cut).splitlines()[:2] == ["Name: Sam Park", "Phone: 587-555-0162"]


def test_vcard_is_known_by_name_or_type() -> None:
    for name, ctype in (
        ("Sam Park.vcf", "application/octet-stream"),
        ("noname", "text/vcard"),
        ("noname", "text/x-vcard"),
    ):
        assert document_kind(Attachment(name, ctype, b"")) == "vcard"


def test_garbage_and_hostile_cards_give_nothing_or_a_bounded_text(caplog) -> None:
    caplog.set_level(logging.INFO)
    rng = random.Random(7)
    cases = {
        "garbage.vcf": bytes(rng.randrange(256) for _ in range(5000)),
        "empty.vcf": b"",
        "broken.vcf": b"BEGIN:VCARD\nVERSION:3.0\n:::\nTEL\n;;;\nEND:VCARD\n",
        "nested.vcf": b"BEGIN:VCARD\n" * 5000,
        "orphan-end.vcf": b"END:VCARD\nBEGIN:VCARD\nFN:Ok\nEND:VCARD\nEND:VCARD\n",
        "huge.vcf": b"BEGIN:VCARD\nVERSION:3.0\nFN:x\nNOTE:" + b"a" * 4_000_000 + b"\nEND:VCARD\n",
    }
    for name, content in cases.items():
        started = time.perf_counter()
        assert text_of(name, content) in ("", "Name: Ok"), name
        assert time.perf_counter() - started < 1.0, name
    assert "vobject" not in caplog.text  # a stranger's bad line is not our error
    photo = CARD_30.replace("PHOTO;", "PHOTO;X=1:" + "QUJD" * 1_000_000 + "\r\n ", 1)
    assert text_of("photo.vcf", photo.encode()).startswith("Name: Sam Park\n")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_bytes_make_the_vcard_reader_raise(seed: int) -> None:
    rng = random.Random(seed)
    for card in (CARD_30.encode(), CARD_40.encode(), CARD_21):
        for _ in range(30):
            data = bytearray(card)
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.choice(b":;=,\\\r\n \x00\xffABC")
            assert isinstance(text_of("a.vcf", bytes(data)), str)
