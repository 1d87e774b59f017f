"""Text cleaning for inbound mail: line ends, control and invisible characters, runs of
blank lines and spaces, format=flowed text made whole again.

Its two neighbours take a body further: `parsers.html_text` renders an HTML part as plain
text, and `parsers.body_parts` splits a body into what the sender wrote today, the quoted
thread, a forwarded message, the signature and a disclaimer. Everything here is pure and
never raises on text input.
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------- cleaning

# C0/C1 controls except TAB and LF, DEL, zero-width space, BOM and lone surrogates (left over
# from bytes that were never valid text). They break logs, terminals and regexes downstream.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff\ud800-\udfff]")
# The same plus TAB/LF and the Unicode format characters that can disguise a value (bidi
# overrides, zero-width joiners): for one-line values such as subjects and file names.
_LINE_JUNK = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ud800-\udfff]"
)
_CID_PLACEHOLDER = re.compile(r"\[cid:[^\]\n]{0,200}\]")
BLANK_RUN = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean_text(text: str) -> str:
    """Normalise a decoded body: LF line ends, no control characters, no trailing blanks.

    Outlook's plain-text alternative writes inline images as `[cid:image001.png@...]`;
    those markers carry nothing for a reader and are removed.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n").replace("\u00a0", " ")
    text = _CONTROL.sub("", text)
    if "[cid:" in text:
        text = _CID_PLACEHOLDER.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return BLANK_RUN.sub("\n\n", text).strip("\n")


def clean_line(text: str) -> str:
    """One-line value (subject, display name, file name): whitespace runs become one space.

    CR and LF become spaces, so a hostile encoded header cannot smuggle a line break into
    a log line or an outgoing header built from this value.
    """
    if not text:
        return ""
    text = re.sub(r"[\r\n\t\v\f]+", " ", text)
    text = _LINE_JUNK.sub("", text)
    return _SPACES.sub(" ", text).strip()


def unflow(text: str, delsp: bool = False) -> str:
    """Undo RFC 3676 format=flowed: soft-broken lines are joined back into paragraphs.

    Clients that send flowed text (Thunderbird, Apple Mail) wrap at 72 columns; joining the
    lines keeps a "Label: value" or an address on one line for the extractor.
    """
    out: list[str] = []
    buf: str | None = None
    depth = 0

    def flush() -> None:
        nonlocal buf
        if buf is not None:
            out.append((">" * depth + " " if depth else "") + buf)
            buf = None

    for line in text.split("\n"):
        stripped = line.lstrip(">")
        line_depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]  # space-stuffing
        if stripped == "-- ":
            flush()
            out.append(line)
            continue
        soft = stripped.endswith(" ")
        if soft and delsp:
            stripped = stripped[:-1]
        if buf is not None and line_depth == depth:
            buf += stripped
        else:
            flush()
            buf, depth = stripped, line_depth
        if not soft:
            flush()
    flush()
    return "\n".join(out)
