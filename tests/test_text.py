"""parsers/text.py: line ends, controls and invisible characters, blank runs, format=flowed."""

from __future__ import annotations

from intake.parsers.text import clean_line, clean_text, unflow

# --------------------------------------------------------------------------- cleaning


def test_clean_text_normalises_line_ends_and_strips_controls() -> None:
    raw = "Hi\r\nthere\x00\x07 \r\rEnd\u200b\ufeff   \n\n\n\n\nlast"
    assert clean_text(raw) == "Hi\nthere\n\nEnd\n\nlast"


def test_clean_text_drops_outlook_cid_markers() -> None:
    assert clean_text("Thanks,\n[cid:image001.png@01DD4B2A.6C1F3E70]\nDan") == "Thanks,\n\nDan"


def test_clean_line_cannot_smuggle_line_breaks_or_bidi() -> None:
    assert clean_line("Hello\r\nBcc: evil@example.org\x00") == "Hello Bcc: evil@example.org"
    assert clean_line("invoice\u202egpj.exe") == "invoicegpj.exe"
    assert clean_line("  a \t  b  ") == "a b"


def test_unflow_joins_soft_breaks_and_keeps_hard_ones() -> None:
    flowed = "Address: 12 Birch \nCrescent, St. Albert\nPhone: 780\n> quoted \n> more\n-- \nsig"
    assert unflow(flowed) == (
        "Address: 12 Birch Crescent, St. Albert\nPhone: 780\n> quoted more\n-- \nsig"
    )
    assert unflow("long wor \nd", delsp=True) == "long word"
