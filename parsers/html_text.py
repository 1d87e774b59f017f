"""HTML to readable plain text, for mail whose only body is HTML (or whose plain part is
empty): paragraphs and line breaks kept, tables laid out a row to a line with their cells
apart, lists as "- " lines, hidden and raw elements dropped.

Written here rather than taken from a library: on the corpus (2026-12-07, 949 HTML parts of
the development corpus, the fixture sets and the wild messages) it renders a part in 0.24 ms
against inscriptis 2.7.6's 0.59 ms (median of three passes), and every labelled set scores
the same or better with it (inscriptis lost four sets' field F1 by 0.003-0.008; an in-sample
comparison, since the readers grew up on this renderer's output). Pure; never raises.
"""

from __future__ import annotations

import re
from html import unescape

from intake.parsers.text import clean_text

# --------------------------------------------------------------------------- HTML to text

# Elements whose content is never shown: skipped up to their end tag.
_RAW_TAGS = frozenset({"script", "style", "title", "noscript", "template", "svg", "xml", "head"})
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "center", "dd", "div", "dl", "dt", "fieldset",
        "figure", "footer", "form", "header", "main", "nav", "section", "table", "tbody",
        "thead", "tfoot", "caption", "body", "html",
    }
)  # fmt: skip
_PARA_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre"})
_WS = re.compile(r"[ \t\n\r\f\v\u00a0]+")
_EMPTY_PARAGRAPH = re.compile(
    r"<p\b[^>]{0,500}>(?:\s|&nbsp;|&#160;|&#xa0;|<(?!/?p\b)[^>]{0,200}>){0,20}</p>", re.IGNORECASE
)
_HTML_LIMIT = 2_000_000  # characters; beyond this the rest is dropped (see html_to_text)
# A tag name right after "<" (or "</"); attributes are skipped up to the next ">".
_TAG_START = re.compile(r"(/?)([a-zA-Z][a-zA-Z0-9:_-]*)")


class _Frame:
    """A text buffer: the document, a table cell or a blockquote being collected."""

    __slots__ = ("kind", "parts", "newlines")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.parts: list[str] = []
        self.newlines = 2  # newlines at the end of the buffer; 2 = at a paragraph start

    def write(self, text: str) -> None:
        if text:
            self.parts.append(text)
            stripped = text.rstrip("\n")
            self.newlines = len(text) - len(stripped) if stripped else self.newlines + len(text)

    def ensure_newlines(self, n: int) -> None:
        if self.parts and self.newlines < n:
            self.write("\n" * (n - self.newlines))

    def text(self) -> str:
        return "".join(self.parts)


class _Table:
    __slots__ = ("row", "cell_open", "depth")

    def __init__(self, depth: int) -> None:
        self.row: list[str] | None = None
        self.cell_open = False
        self.depth = depth  # frame-stack depth at <table>


class _TextExtractor:
    """Turns mail HTML into lines a person (and a "Label: value" reader) can read.

    No Markdown: lists become "- item" / "1. item" lines, a table row becomes one line
    ("Label: value" for two cells, "a | b | c" for more), a blockquote gets "> " prefixes
    (so a quoted reply looks the same as in plain text), images and link targets vanish.
    A cell that holds several lines (a layout table) is written as its own block instead.
    """

    def __init__(self) -> None:
        self.frames: list[_Frame] = [_Frame("doc")]
        self.tables: list[_Table] = []
        self.lists: list[list[int]] = []  # per open list: [counter or -1 for bullets]
        self.pre = 0
        self.marker = ""  # list marker waiting for the item's first text
        # Outlook and Word write one <p> per line and an empty <p>&nbsp;</p> for a blank
        # line; there a <p> is a line break, not a paragraph (see `feed`).
        self.compact = False
        self.written = 0  # text pieces written, to tell an empty <p> from a full one
        self.para_mark = -1
        self.para_breaks = 0

    # -- helpers
    @property
    def frame(self) -> _Frame:
        return self.frames[-1]

    def _pop_frame(self) -> _Frame:
        return self.frames.pop() if len(self.frames) > 1 else _Frame("void")

    def _close_cell(self) -> None:
        table = self.tables[-1]
        if not table.cell_open:
            return
        while len(self.frames) > table.depth + 1 and self.frame.kind != "cell":
            self._close_quote()
        cell = self._pop_frame() if self.frame.kind == "cell" else _Frame("void")
        table.cell_open = False
        if table.row is None:
            table.row = []
        table.row.append(clean_text(cell.text()))

    def _close_row(self) -> None:
        table = self.tables[-1]
        self._close_cell()
        if table.row is None:
            return
        cells = [c for c in table.row if c.strip()]
        table.row = None
        if not cells:
            return
        frame = self.frame
        frame.ensure_newlines(1)
        if any("\n" in c for c in cells):
            for c in cells:
                frame.ensure_newlines(2)
                frame.write(c)
            frame.ensure_newlines(2)
            return
        if len(cells) == 2:
            label, value = cells
            line = f"{label} {value}" if label.endswith(":") else f"{label}: {value}"
        else:
            line = " | ".join(cells)
        frame.write(line + "\n")

    def _close_table(self) -> None:
        self._close_row()
        table = self.tables.pop()
        while len(self.frames) > table.depth:
            self._close_quote()
        self.frame.ensure_newlines(2)

    def _close_quote(self) -> None:
        """Close the innermost frame into its parent: a blockquote gets "> " prefixes; a
        cell left open by broken markup is written as a plain block."""
        inner = self._pop_frame()
        body = clean_text(inner.text())
        frame = self.frame
        frame.ensure_newlines(2)
        if body:
            if inner.kind == "quote":
                body = "\n".join("> " + line if line else ">" for line in body.split("\n"))
            frame.write(body)
            frame.ensure_newlines(2)

    # -- parser callbacks
    def handle_starttag(self, tag: str) -> None:
        frame = self.frame
        if tag == "br":
            frame.write("\n")
            self.para_breaks += 1
        elif tag == "hr":
            frame.ensure_newlines(1)
            frame.write("_" * 32 + "\n")
        elif tag == "p" and self.compact:
            frame.ensure_newlines(1)
            self.para_mark = self.written
            self.para_breaks = 0
        elif tag in _PARA_TAGS:
            frame.ensure_newlines(2)
            if tag == "pre":
                self.pre += 1
        elif tag == "blockquote":
            frame.ensure_newlines(2)
            self.frames.append(_Frame("quote"))
        elif tag in ("ul", "ol"):
            frame.ensure_newlines(1)
            self.lists.append([0 if tag == "ol" else -1])
        elif tag == "li":
            frame.ensure_newlines(1)
            marker = "- "
            if self.lists:
                counter = self.lists[-1]
                if counter[0] >= 0:
                    counter[0] += 1
                    marker = f"{counter[0]}. "
            self.marker = "  " * max(len(self.lists) - 1, 0) + marker
        elif tag == "table":
            frame.ensure_newlines(1)
            self.tables.append(_Table(len(self.frames)))
        elif tag == "tr" and self.tables:
            self._close_row()
            self.tables[-1].row = []
        elif tag in ("td", "th") and self.tables:
            table = self.tables[-1]
            self._close_cell()
            if table.row is None:
                table.row = []
            table.cell_open = True
            self.frames.append(_Frame("cell"))
        elif tag in _BLOCK_TAGS:
            frame.ensure_newlines(1)

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self.compact:
            # An empty <p> is a blank line; a <p> holding <br> lines is a real paragraph.
            empty = self.written == self.para_mark
            self.frame.ensure_newlines(2 if empty or self.para_breaks else 1)
        elif tag in _PARA_TAGS:
            self.frame.ensure_newlines(2)
            if tag == "pre" and self.pre:
                self.pre -= 1
        elif tag == "blockquote":
            if any(f.kind == "quote" for f in self.frames[self._frame_floor() :]):
                while self.frame.kind != "quote":
                    self._close_quote()  # an unclosed inner quote
                self._close_quote()
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.frame.ensure_newlines(1)
        elif tag == "li":
            self.frame.ensure_newlines(1)
        elif tag == "table" and self.tables:
            self._close_table()
        elif tag == "tr" and self.tables:
            self._close_row()
        elif tag in ("td", "th") and self.tables:
            self._close_cell()
        elif tag in _BLOCK_TAGS:
            self.frame.ensure_newlines(1)

    def _frame_floor(self) -> int:
        """Frames below the innermost table belong to it: a stray </blockquote> can't close them."""
        return self.tables[-1].depth if self.tables else 0

    def handle_data(self, data: str) -> None:
        if not data:
            return
        frame = self.frame
        if self.pre:
            frame.write(data)
            return
        data = _WS.sub(" ", data)
        if frame.newlines or not frame.parts:
            data = data.lstrip(" ")
        if data:
            if self.marker:
                frame.ensure_newlines(1)
                frame.write(self.marker)
                self.marker = ""
            frame.write(data)
            self.written += 1

    def feed(self, html: str) -> None:
        """Scan with str.find, so that no input (unclosed tags, quotes, comments) costs more
        than linear time; text between tags is unescaped and written."""
        lower = html.lower()
        self.compact = _EMPTY_PARAGRAPH.search(html, 0, 200_000) is not None
        pos = 0
        length = len(html)
        while pos < length:
            lt = html.find("<", pos)
            if lt < 0:
                self.handle_data(unescape(html[pos:]))
                break
            if lt > pos:
                self.handle_data(unescape(html[pos:lt]))
            if html.startswith("<!--", lt):
                close = html.find("-->", lt + 4)
                pos = length if close < 0 else close + 3
                continue
            match = _TAG_START.match(html, lt + 1)
            gt = html.find(">", lt + 1) if match or html.startswith(("<!", "<?"), lt) else -1
            if gt < 0:  # a lone "<" (or one never closed): plain text
                self.handle_data(html[lt : lt + 1])
                pos = lt + 1
                if match or html.startswith(("<!", "<?"), lt):
                    self.handle_data(unescape(html[pos:]))  # no ">" anywhere after it
                    break
                continue
            pos = gt + 1
            if match is None:
                continue  # <!DOCTYPE>, <![if ...]>, <?xml ...?>
            closing, tag = match.group(1), match.group(2).lower()
            if closing:
                self.handle_endtag(tag)
                continue
            if tag in _RAW_TAGS:
                close = lower.find("</" + tag, pos)
                if close >= 0 or tag != "head":  # an unclosed <head> must not hide the body
                    close = length if close < 0 else close
                    end = lower.find(">", close)
                    pos = length if end < 0 else end + 1
                continue
            self.handle_starttag(tag)
            if html[gt - 1] == "/" and tag not in ("br", "hr"):
                self.handle_endtag(tag)

    def result(self) -> str:
        while self.tables:
            self._close_table()
        while len(self.frames) > 1:
            self._close_quote()
        return clean_text(self.frame.text())


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (see `_TextExtractor` for the rendering rules).

    Very large HTML is cut at about 2 MB of characters: the readable part of a mail is at
    the top. A small regex tokenizer is used instead of `html.parser`, which is about ten
    times slower on Outlook's attribute-heavy markup and gives us nothing we need (we keep
    no attributes: link targets and image sources are not text).
    """
    if not html:
        return ""
    extractor = _TextExtractor()
    try:
        extractor.feed(html[:_HTML_LIMIT])
        return extractor.result()
    except Exception:  # never lose a body to a converter bug
        return clean_text(unescape(re.sub(r"<[^>]*>", " ", html[:_HTML_LIMIT])))
