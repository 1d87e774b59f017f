"""Text cleaning for inbound mail: HTML to plain text, and a body split into its parts.

A body holds more than what the sender wrote today: the quoted thread under a reply, a
forwarded message, a signature, a legal disclaimer. The extractor must read only the new
part (a quoted old factor is not this message's factor), the forwarded part (a customer's
mail forwarded by an account manager *is* the request) and, for contact details, the
sender's own signature. `split_body` separates them with a few line-based rules, small
enough to read and cheap enough to run on every message: no rule may cut real content, so
each one needs a strong marker (a reply header, a `-- ` line, a closing followed by a name)
and a short tail.

Everything here is pure and never raises on text input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

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
_BLANK_RUN = re.compile(r"\n{3,}")
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
    return _BLANK_RUN.sub("\n\n", text).strip("\n")


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


# --------------------------------------------------------------------------- body parts


@dataclass(frozen=True)
class BodyParts:
    """A body split by `split_body`. Forward marker lines, PGP armor and a trailing legal
    disclaimer are dropped; every other line is in exactly one of the four parts."""

    new_text: str = ""
    signature: str = ""
    forwarded_text: str = ""
    quoted_text: str = ""


_FORWARD_MARKERS = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:forwarded message|message transf[ée]r[ée]"
    r"|weitergeleitete nachricht|mensaje reenviado|mensagem encaminhada)\s*-{2,}"
    r"|begin forwarded message\s*:|d[ée]but du message r[ée]exp[ée]di[ée]\s*:"
    r"|anfang der weitergeleiteten nachricht\s*:"
    r")\s*$",
    re.IGNORECASE,
)
_ORIGINAL_MARKER = re.compile(
    r"^\s*-{2,}\s*(?:original message|message d'origine|urspr[üu]ngliche nachricht"
    r"|mensaje original|mensagem original|messaggio originale)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_REPLY_HEADER = re.compile(
    r"^\s*(?:-{2,}\s*)?(?:"
    r"on\b.{4,300}\bwrote\s*:"  # Gmail, Apple Mail, Thunderbird
    r"|le\b.{4,300}\ba [ée]crit\s*:"  # French
    r"|am\b.{4,300}\bschrieb\b.{0,200}:"  # German
    r"|el\b.{4,300}\bescribi[óo]\s*:"  # Spanish
    r"|em\b.{4,300}\bescreveu\s*:"  # Portuguese
    r"|op\b.{4,300}\bschreef\b.{0,200}:"  # Dutch
    r"|il\b.{4,300}\bha scritto\s*:"  # Italian
    r"|[^:]{0,200}[@\d][^:]{0,200}\b(?:wrote|a [ée]crit|schrieb)\s*:"  # "j@x.org wrote:"
    r")\s*$",
    re.IGNORECASE,
)
_REPLY_HEADER_START = re.compile(r"^\s*(?:-{2,}\s*)?(?:on|le|am|el|em|op|il)\s", re.IGNORECASE)
_FROM_LINE = re.compile(r"^\s*\**\s*(?:from|de|von|van|da)\s*\**\s*:", re.IGNORECASE)
_DATE_LINE = re.compile(
    r"^\s*\**\s*(?:sent|date|envoy[ée]|gesendet|datum|enviado|fecha|verzonden|inviato)\s*\**\s*:",
    re.IGNORECASE,
)
_SUBJECT_LINE = re.compile(
    r"^\s*\**\s*(?:subject|objet|betreff|asunto|assunto|onderwerp|oggetto)\s*\**\s*:",
    re.IGNORECASE,
)
_SEPARATOR_LINE = re.compile(r"^\s*(?:_{8,}|-{8,})\s*$")
_FORWARD_SUBJECT = re.compile(r"^\s*(?:\[[^\]]{0,40}\]\s*)?(?:fwd?|fw|tr|wg|rv|enc)\s*:", re.I)
_QUOTED_LINE = re.compile(r"^\s*>")
# Reply and forward headers are looked for in the first lines only: a hostile body of a
# million "From:" lines must not cost seconds, and nobody writes 10,000 new lines.
_MAX_SCAN_LINES = 10_000
_DIGIT = re.compile(r"\d")
_ATTRIBUTION_BITS = re.compile(r"[@<\d]")


def reply_header_at(lines: list[str], i: int) -> int:
    """Number of lines (1-3) of an "On <date>, <name> wrote:" header starting at line i, or 0.

    Gmail wraps that header in plain text, so a line starting "On " may end two lines later.
    """
    line = lines[i]
    if len(line) > 400:
        return 0
    if line.rstrip().endswith(":") and _REPLY_HEADER.match(line):
        return 1
    if not _REPLY_HEADER_START.match(line):
        return 0
    joined = line
    for extra in (1, 2):
        if i + extra >= len(lines) or not lines[i + extra].strip():
            return 0
        joined += " " + lines[i + extra].strip()
        if len(joined) > 400:
            return 0
        if joined.endswith(":") and _REPLY_HEADER.match(joined):
            return extra + 1
    return 0


def _header_block_at(lines: list[str], i: int) -> bool:
    """True when line i starts an Outlook-style "From: / Sent: / To: / Subject:" block."""
    if not _FROM_LINE.match(lines[i]):
        return False
    window = [w for w in lines[i + 1 : i + 13] if w.strip()][:6]
    return any(_DATE_LINE.match(w) for w in window) and any(_SUBJECT_LINE.match(w) for w in window)


def _quote_follows(lines: list[str], j: int) -> bool:
    """A "> " quoted line comes next (blank lines allowed in between)."""
    for k in range(j, min(j + 3, len(lines))):
        if lines[k].strip():
            return _QUOTED_LINE.match(lines[k]) is not None
    return False


def _attribution_start(lines: list[str], i: int, floor: int) -> int | None:
    """Start of an attribution in any language ending at line i, just above a "> " quote.

    "02.04.2012 14:20 пользователь "bob@x.org" <\nbob@x.org> написал:" has no English in it,
    but a line ending in ":" right above quoted lines, naming an address or a date, is how
    every mail client introduces a quote. Lines above it that still hold an address, a
    number or a "<" (a wrapped attribution) belong to it; a plain "Hello" does not.
    """
    line = lines[i].rstrip()
    if not line.endswith(":") or len(line) > 400 or not _quote_follows(lines, i + 1):
        return None
    start = i
    while start - 1 >= max(floor, i - 2):
        above = lines[start - 1]
        if not above.strip() or not _ATTRIBUTION_BITS.search(above) or len(above) > 300:
            break
        start -= 1
    joined = " ".join(lines[start : i + 1])
    return start if ("@" in joined or _DIGIT.search(joined)) else None


def _find_boundary(lines: list[str], forward_subject: bool, start: int = 0) -> tuple[int, int, str]:
    """First line from `start` where older or forwarded mail starts: (index, size, kind).

    kind is "forward", "reply" (everything below is old mail) or "attribution" (an "On ...
    wrote:" line over a "> " quote: only the quoted lines are old, answers written between
    or below them are new); index is len(lines) when there is none. Quoted lines are
    skipped: a header inside a quote belongs to the quote.
    """
    for i in range(start, min(len(lines), _MAX_SCAN_LINES)):
        line = lines[i]
        if not line or _QUOTED_LINE.match(line):
            continue
        if _ORIGINAL_MARKER.match(line):
            return i, 1, "forward" if forward_subject else "reply"
        if _FORWARD_MARKERS.match(line):
            return i, 1, "forward"
        if _SEPARATOR_LINE.match(line):
            nxt = next((j for j in range(i + 1, min(i + 3, len(lines))) if lines[j].strip()), None)
            if nxt is not None and _header_block_at(lines, nxt):
                return i, nxt - i, "forward" if forward_subject else "reply"
            continue
        if _header_block_at(lines, i):
            return i, 0, "forward" if forward_subject else "reply"
        size = reply_header_at(lines, i)
        if size:
            return i, size, "attribution" if _quote_follows(lines, i + size) else "reply"
        first = _attribution_start(lines, i, start)
        if first is not None:
            return first, i - first + 1, "attribution"
    return len(lines), 0, "none"


# Closings that end a message; the whole line must be one of these (plus punctuation and
# optionally a name: "Thanks, Raj").
_CLOSING = re.compile(
    r"^\s*(?:thanks(?: again| so much| a lot| in advance)?|thank you(?: very much)?|many thanks"
    r"|thx|ty|cheers|regards|best regards|kind regards|warm regards|warmest regards"
    r"|best wishes|best|all the best|sincerely|yours(?: truly| sincerely)?|respectfully"
    r"|talk soon|take care|have a (?:good|great|nice) (?:day|one|weekend)"
    r"|merci(?: beaucoup)?|cordialement|bien [àa] vous|salutations|amicalement|bonne journ[ée]e"
    r"|mit freundlichen gr[üu](?:ß|ss?)en|(?:viele|liebe|beste) gr[üu](?:ß|ss?)e|gr[üu](?:ß|ss?)e"
    r"|lg|mfg|saludos|atentamente|gracias"
    r"|groeten|met vriendelijke groet|obrigad[oa]|cumprimentos|grazie|cordiali saluti)"
    r"\b\s*[,.!:;-]*\s*(?-i:[A-Z\u00c0-\u00de][\w.'\u2019-]*(?:\s+[A-Z\u00c0-\u00de][\w.'\u2019-]*){0,2})?"
    r"\s*[.!]?\s*$",
    re.IGNORECASE,
)
_SIG_DELIMITER = re.compile(r"^(?:-- ?|--|\u2014 ?)$")
_MOBILE_FOOTER = re.compile(
    r"^\s*(?:sent from my \w+|sent from (?:outlook|mail|yahoo mail|gmail)\b|get outlook for \w+"
    r"|sent via \w+|envoy[ée] (?:de|depuis) mon \w+|von meinem \w+ gesendet"
    r"|enviado desde mi \w+)",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*\u2022\u2013])\s")
_NAME_TOKEN = re.compile(r"^(?:[A-Z\u00c0-\u00de][\w'\u2019.-]*|[A-Z]\.)$")
_DISCLAIMER = re.compile(
    r"^\s*(?:\**\s*(?:confidentiality notice|confidential(?:ity)?|disclaimer|privileged"
    r"|avis de confidentialit[ée]|important notice)\b"
    r"|this (?:e-?mail|message|communication|transmission)\b.{0,120}"
    r"\b(?:confidential|privileged|intended (?:solely |only )?for)"
    r"|the information (?:contained )?in this (?:e-?mail|message)"
    r"|ce (?:courriel|message)\b.{0,80}\bconfidenti"
    r"|diese (?:e-?mail|nachricht|information)\b)",
    re.IGNORECASE,
)

_DISCLAIMER_TERMS = re.compile(
    r"\b(?:intended recipient|addressee|recipient\(s\)|privileged|destinataire|unauthori[sz]ed"
    r"|prohibited|strictly forbidden|not the intended|adressat|empf[äa]nger|vertraulich"
    r"|to whom (?:it|they) (?:is|are) addressed|accepts? no liability)",
    re.IGNORECASE,
)

_FOOTER_RULE = re.compile(r"^\s*_{10,}\s*$")
_DASHES = ("-", "\u2013", "\u2014", "~")
_MAX_FOOTER_LINES = 8
_MAX_SIG_LINES = 12  # non-empty lines after a closing or a name line
_MAX_NAMED_SIG_LINES = 20  # after a closing directly followed by a name
_POSTSCRIPT = re.compile(r"^\s*p\.?\s?s\b", re.IGNORECASE)
_MAX_DELIMITED_SIG_LINES = 25  # after a "-- " line
_MAX_SIG_LINE_LEN = 160


def _nonempty_after(lines: list[str], i: int) -> list[str]:
    return [x for x in lines[i + 1 :] if x.strip()]


def _sig_like(line: str) -> bool:
    """A line that may sit in a signature: short, not a list item, not a quote."""
    return (
        len(line) <= _MAX_SIG_LINE_LEN
        and not _LIST_ITEM.match(line)
        and not _QUOTED_LINE.match(line)
    )


def _name_like(line: str) -> bool:
    """A short line that reads as a person's name: "Priya", "Tom Okonkwo", "P."."""
    s = line.strip().rstrip(",")
    if not s or len(s) > 40 or any(ch.isdigit() for ch in s) or ":" in s or "@" in s:
        return False
    tokens = s.split()
    return 1 <= len(tokens) <= 4 and all(_NAME_TOKEN.match(t) for t in tokens)


def _dash_name(line: str) -> bool:
    """A name signed with a dash: "-Abhishek Kona", "— Dan"; "- Grilles" is a list item."""
    s = line.lstrip()
    if s[:1] not in _DASHES or (s[:1] == "-" and s[1:2] == " "):
        return False
    return _name_like(s[1:])


def _sender_line(line: str, names: tuple[str, ...]) -> bool:
    """The line is the sender's name ("Dan", "Dan Schultz | Account Manager", "P.")."""
    s = line.strip()
    if not s or not names or len(s) > 120:
        return False
    low = s.lower()
    bare = low.rstrip(" .,!")
    for name in names:
        if bare == name.rstrip("."):
            return True
        if low.startswith(name) and len(name) > 2:
            rest = low[len(name) :].lstrip()
            if rest[:1] in ("|", ",", "-", "\u2013", "\u2014", "/", "(", "\u00b7", "\u2022"):
                return True
    return False


def _sender_names(sender_name: str) -> tuple[str, ...]:
    """Forms of the sender's name that may sign a message: full name, first name, initial."""
    name = clean_line(sender_name).strip("\"' ")
    if "," in name:  # "Shah, Priya"
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}".strip()
    tokens = [t for t in name.split() if t]
    if not tokens:
        return ()
    forms = {name.lower(), tokens[0].lower()}
    if tokens[0][:1].isalpha():
        forms.add(tokens[0][0].lower() + ".")
    return tuple(sorted(forms, key=len, reverse=True))


def _closing_at(lines: list[str], i: int) -> bool:
    """Line i is a closing ("Thanks,", "Regards", "Merci, Dan") that ends the message.

    A closing over a name may carry a long company block; a bare closing only a short one.
    A "P.S." below it is content, so then it is not the end.
    """
    line = lines[i]
    if len(line) > 60 or not _CLOSING.match(line):
        return False
    after = _nonempty_after(lines, i)
    limit = _MAX_NAMED_SIG_LINES if after and _name_like(after[0]) else _MAX_SIG_LINES
    if len(after) > limit or not all(_sig_like(x) for x in after):
        return False
    if any(_POSTSCRIPT.match(x) for x in after):
        return False
    # What follows must start with a name (or nothing follows): "Thanks!\n\nAlso, ..." is not
    # a sign-off.
    first = after[0] if after else ""
    return not after or _name_like(first) or _dash_name(first) or bool(_SIG_DELIMITER.match(first))


def _extend_back(lines: list[str], start: int, names: tuple[str, ...]) -> int:
    """Move a signature start up over the closing and name lines just above it.

    "Thanks,\nPriya\n\n--\nPriya Shah ..." is one signature block, not a "Thanks, Priya"
    left in the new text.
    """
    j = start - 1
    taken = 0
    while j >= 0 and taken < 3:
        line = lines[j]
        if not line.strip():
            j -= 1
            continue
        closing = len(line) <= 60 and _CLOSING.match(line) is not None
        name = (
            _sender_line(line, names)
            or _dash_name(line)
            or (taken == 0 and _name_like(line) and _closing_above(lines, j))
        )
        if not (closing or name):
            break
        start = j
        taken += 1
        j -= 1
    return start


def _closing_above(lines: list[str], j: int) -> bool:
    """The nearest non-blank line above line j is a closing ("Thanks," over "Raj")."""
    k = j - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    return k >= 0 and len(lines[k]) <= 60 and _CLOSING.match(lines[k]) is not None


def _is_paragraph_start(lines: list[str], j: int) -> bool:
    return j == 0 or not lines[j - 1].strip() or bool(_CLOSING.match(lines[j - 1]))


def _signature_start(lines: list[str], names: tuple[str, ...]) -> int | None:
    """Index of the first signature line of `lines` (trailing blanks removed), or None."""
    n = len(lines)
    # 1. The "-- " delimiter (many clients strip the trailing space: accept "--" too), or a
    #    rule of underscores over a short footer (Outlook signatures, mailing-list footers).
    for i in range(max(0, n - 200), n):  # a signature is near the end
        line = lines[i]
        if _SIG_DELIMITER.match(line):
            limit = _MAX_DELIMITED_SIG_LINES
        elif _FOOTER_RULE.match(line):
            limit = _MAX_FOOTER_LINES
        else:
            continue
        if i > 0 and len(_nonempty_after(lines, i)) <= limit:  # a signature follows a text
            return _extend_back(lines, i, names)
    # 2. A mobile footer ("Sent from my iPhone") near the end.
    for i in range(max(0, n - 4), n):
        if _MOBILE_FOOTER.match(lines[i]) and len(_nonempty_after(lines, i)) <= 2:
            return _extend_back(lines, i, names)
    # 3. A closing followed by a name and contact lines; the last one wins.
    tail_start = max(0, n - _MAX_NAMED_SIG_LINES - 10)
    for i in range(n - 1, tail_start - 1, -1):
        if _closing_at(lines, i):
            return i
    # 4. The sender's own name opening the last lines ("Dan" / "Dan Schultz | AM, East"),
    #    or any name signed with a dash ("-Abhishek Kona").
    for i in range(tail_start, n):
        line = lines[i]
        named = _sender_line(line, names) or _dash_name(line)
        if not named or not _is_paragraph_start(lines, i):
            continue
        after = _nonempty_after(lines, i)
        if len(after) <= _MAX_SIG_LINES and all(_sig_like(x) for x in after):
            return _extend_back(lines, i, names)
    return None


def _disclaimer_start(lines: list[str]) -> int | None:
    """First line of a trailing legal disclaimer paragraph (at most 30 lines long), or None.

    A paragraph counts only when it starts like a disclaimer *and* speaks of recipients or
    privilege, so "Confidential - don't share the factor with the dealer" stays content.
    """
    n = len(lines)
    for i in range(max(0, n - 30), n):
        if not (_DISCLAIMER.match(lines[i]) and _is_paragraph_start(lines, i)):
            continue
        end = next((k for k in range(i, n) if not lines[k].strip()), n)
        if _DISCLAIMER_TERMS.search(" ".join(lines[i:end])):
            return i
    return None


def _trim(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _join(lines: list[str]) -> str:
    return _BLANK_RUN.sub("\n\n", "\n".join(_trim(lines)))


def between_delimiters(signature: str) -> str:
    """The lines between the first two "-- " delimiters of a signature ("" with fewer): what
    a sender set off with a delimiter of their own above the signature proper."""
    lines = signature.split("\n")
    marks = [i for i, line in enumerate(lines) if _SIG_DELIMITER.match(line.strip())]
    return "\n".join(lines[marks[0] + 1 : marks[1]]).strip() if len(marks) >= 2 else ""


def unquoted(text: str) -> str:
    """A block whose every line is quoted ("> From: ..."), as an iPhone quotes the mail it
    forwards, without one level of quote marks; any other text as it is."""
    lines = text.split("\n")
    if not any(line.strip() for line in lines) or not all(
        line.lstrip().startswith(">") for line in lines if line.strip()
    ):
        return text
    return "\n".join(re.sub(r"^\s*> ?", "", line) for line in lines)


def without_disclaimer(text: str) -> str:
    """The text without its trailing legal disclaimer, if it ends with one (a forwarded
    mail's "CONFIDENTIALITY NOTICE: ..." below its sign-off)."""
    lines = text.split("\n")
    cut = _disclaimer_start(lines)
    return text if cut is None else "\n".join(lines[:cut]).rstrip()


def split_signature(text: str, sender_name: str = "") -> tuple[str, str]:
    """(text without signature, signature). Legal disclaimers at the end are dropped.

    The signature block starts at a `-- ` line, a mobile footer, a closing followed by a
    name ("Thanks,\\nPriya"), or the sender's own name heading the last lines; the closing
    and name just above a delimiter go with it. Each rule accepts only a short tail of short
    lines, so a numbered list or a "Label: value" block is never taken for a signature.
    """
    lines = _trim(text.split("\n"))
    cut = _disclaimer_start(lines)
    if cut is not None:
        lines = _trim(lines[:cut])
    start = _signature_start(lines, _sender_names(sender_name))
    if start is None:
        return _join(lines), ""
    signature = lines[start:]
    cut = _disclaimer_start(signature)
    if cut is not None and cut > 0:
        signature = signature[:cut]
    return _join(lines[:start]), _join(signature)


_PGP_SIGNED = re.compile(r"^-----BEGIN PGP SIGNED MESSAGE-----\n(?:[A-Za-z-]+:[^\n]*\n)*\n?", re.M)
_PGP_SIGNATURE = re.compile(
    r"^-----BEGIN PGP SIGNATURE-----\n.*?(?:^-----END PGP SIGNATURE-----$|\Z)", re.M | re.S
)


def _strip_pgp_armor(text: str) -> str:
    """Inline PGP (clearsigned) text without its armor: the signed text is what was said."""
    stripped = _PGP_SIGNATURE.sub("", _PGP_SIGNED.sub("", text))
    if stripped == text:
        return text
    return "\n".join(line[2:] if line.startswith("- -") else line for line in stripped.split("\n"))


def split_body(body: str, subject: str = "", sender_name: str = "") -> BodyParts:
    """Split a plain-text body into new text, signature, forwarded text and quoted thread.

    - The first reply header ("On ... wrote:", "Le ... a écrit :", "-----Original
      Message-----", an Outlook "From:/Sent:/To:" block, with or without its "_____" line)
      starts the quoted thread: everything from there on is old mail.
    - A forward marker ("---------- Forwarded message ---------", "Begin forwarded
      message:", or an Outlook block when the subject starts with Fwd/FW/TR) starts the
      forwarded text instead; the note above it stays new text.
    - In the new text, remaining "> " lines are quotes (inline answers between them stay),
      and the sender's signature is split off (see `split_signature`).
    """
    if not body:
        return BodyParts()
    if "-----BEGIN PGP " in body:
        body = _strip_pgp_armor(body)
    lines = body.split("\n")
    forward_subject = bool(_FORWARD_SUBJECT.match(subject or ""))
    head: list[str] = []
    forwarded: list[str] = []
    quoted: list[str] = []
    pos = 0
    while True:
        index, size, kind = _find_boundary(lines, forward_subject, pos)
        head.extend(lines[pos:index])
        if kind == "attribution":
            quoted.extend(lines[index : index + size])
            pos = index + size
            continue
        rest = lines[index:]
        break
    if kind == "forward":
        forwarded = rest[size:]
        while forwarded and (not forwarded[0].strip() or _SEPARATOR_LINE.match(forwarded[0])):
            forwarded.pop(0)
    else:
        quoted.extend(rest)
    new_lines = []
    for line in head:
        if _QUOTED_LINE.match(line):
            quoted.append(line)
        else:
            new_lines.append(line)
    new_text, signature = split_signature("\n".join(new_lines), sender_name)
    return BodyParts(
        new_text=new_text,
        signature=signature,
        forwarded_text=_join(forwarded),
        quoted_text=_join(quoted),
    )
