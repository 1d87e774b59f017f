"""The email parser: headers, bodies, attachments, automatic-mail markers, and robustness.
(bodies)."""

from __future__ import annotations

from intake.parsers.mime import parse_email
from tests.mime.helpers import (
    built_message,
)


def test_plain_preferred_over_html() -> None:
    msg = built_message("Plain version")
    msg.add_alternative("<p>HTML version</p>", subtype="html")
    parsed = parse_email(msg.as_bytes())
    assert parsed.body_text == "Plain version"


def test_empty_plain_alternative_falls_back_to_html() -> None:
    msg = built_message(" ")
    msg.add_alternative("<table><tr><td>Factor</td><td>0.55</td></tr></table>", subtype="html")
    assert parse_email(msg.as_bytes()).body_text == "Factor: 0.55"


def test_html_table_read_when_the_plain_part_has_one_cell_a_line() -> None:
    # Outlook's plain alternative writes each table cell on a line of its own
    msg = built_message("Quote please:\n\nQty\n\nItem\n\n6\n\nAwning 36x24\n\n2\n\nPicture 48x48\n")
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
    msg = built_message("Quote please:\n\n6  Awning 36x24\n2  Picture 48x48\n")
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
    msg = built_message("Please quote the list below.\n\n[table]\n\nFactor .53\n")
    msg.add_alternative(
        f"<p>Please quote the list below.</p>{_PRODUCT_TABLE}<p>Factor .53</p>", subtype="html"
    )
    body = parse_email(msg.as_bytes()).body_text
    assert "4 | Series 4000 casement | 30 x 60" in body
    assert "2 | Series 4000 awning | 48 x 20" in body
    assert "[table]" not in body


def test_plain_part_kept_when_it_leaves_out_only_the_quoted_history() -> None:
    msg = built_message("Approved, go ahead.\n")
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
