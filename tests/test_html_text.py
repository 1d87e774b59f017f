"""parsers/html_text.py: an HTML body as readable plain text."""

from __future__ import annotations

import pytest

from intake.parsers.html_text import html_to_text

# --------------------------------------------------------------------------- HTML


def test_two_column_table_rows_become_label_value_lines() -> None:
    html = (
        "<table><tr><td><b>Account</b></td><td>Northgate Modular Inc.</td></tr>"
        "<tr><td><b>Factor</b></td><td>0.55</td></tr>"
        "<tr><td>Close date:</td><td>Dec 11, 2026</td></tr></table>"
    )
    assert html_to_text(html) == (
        "Account: Northgate Modular Inc.\nFactor: 0.55\nClose date: Dec 11, 2026"
    )


def test_grid_table_rows_are_pipe_separated_lines() -> None:
    html = (
        "<table><tr><th>Qty</th><th>Product</th><th>Size</th></tr>"
        "<tr><td>24</td><td>Slider</td><td>48 x 36</td></tr></table>"
    )
    assert html_to_text(html) == "Qty | Product | Size\n24 | Slider | 48 x 36"


def test_layout_table_cells_with_several_lines_stay_blocks() -> None:
    html = "<table><tr><td><p>First para</p><p>Second para</p></td><td>Side</td></tr></table>"
    assert html_to_text(html) == "First para\n\nSecond para\n\nSide"


def test_lists_links_images_and_emphasis_leave_no_markdown() -> None:
    html = (
        "<p>Please quote:</p><ol><li><b>Account</b>: Ridgeline</li>"
        "<li>Specs:<ul><li>12 x casement</li><li>3 x picture</li></ul></li></ol>"
        '<p><a href="https://example.com/x">our site</a> '
        '<img src="cid:image001.png@01D" alt="Logo"></p>'
    )
    text = html_to_text(html)
    assert text == (
        "Please quote:\n\n1. Account: Ridgeline\n2. Specs:\n  - 12 x casement\n"
        "  - 3 x picture\n\nour site"
    )
    for noise in ("**", "](", "![", "cid:", "\\"):
        assert noise not in text


def test_blockquote_becomes_quoted_lines() -> None:
    html = "<div>Yes, Friday.</div><blockquote>Can you come <b>Friday</b>?<br>Thanks</blockquote>"
    assert html_to_text(html) == "Yes, Friday.\n\n> Can you come Friday?\n> Thanks"


def test_style_script_comments_and_entities() -> None:
    html = (
        "<html><head><style>p {color:red}</style><title>T</title></head><body>"
        "<!--[if mso]><xml>junk</xml><![endif]--><p>Tom &amp; Jerry&nbsp;&lt;3</p>"
        "<script>alert(1)</script></body></html>"
    )
    assert html_to_text(html) == "Tom & Jerry <3"


def test_outlook_paragraph_per_line_is_not_double_spaced() -> None:
    html = (
        '<p class="MsoNormal">Hi Ben,<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        '<p class="MsoNormal">Account: X<o:p></o:p></p><p class="MsoNormal">Factor: 0.5</p>'
    )
    assert html_to_text(html) == "Hi Ben,\n\nAccount: X\nFactor: 0.5"


@pytest.mark.parametrize(
    "html",
    ["<a " * 20000, "<p " * 20000, '<a "' + '"' * 50000, "<!--" * 20000, "<table><tr><td>x"],
)
def test_broken_html_never_raises(html: str) -> None:
    assert isinstance(html_to_text(html), str)
