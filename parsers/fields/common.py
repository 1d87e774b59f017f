"""Small text helpers every reader uses: cleaning a value, table cells, sentences, product
lines, names, the reading context."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from intake.parsers import normalise as nz
from intake.parsers.cues import Cued, cued
from intake.parsers.fields.patterns import (
    _DIMENSION,
    _FORWARD_HEADER,
    _GREETING,
    _NEGATION,
    _QTY_PRODUCT,
    _TABLE_HEADER_WORDS,
    _URGENCY_WORDS,
    BULLET,
)
from intake.parsers.first_chars import guarded

if TYPE_CHECKING:
    from intake.parsers.fields.structure import Block

QUOTES, SERVICE = "quotes", "service"
MAX_TEXT = 50_000  # characters of a text read; a request is never longer, a pasted log may be
MAX_DOCUMENT_TEXT = 20_000  # of an attached document: its fields are on its first page or two


@dataclass(frozen=True)
class Context:
    queue: str
    now: datetime
    sender_is_staff: bool
    is_reply: bool
    source: str
    date_order: str | None = None  # the organisation's ("MDY"/"DMY"): how "6/12" reads

    def find_date(self, text: str) -> tuple[date, int, int] | None:
        """The first date in `text` as the organisation writes dates, seen from the
        message's Date: every reader reads "close 6/12" the same way."""
        return nz.find_date(text, now=self.now, date_order=self.date_order)


def _replace(ctx: Context, source: str) -> Context:
    return Context(ctx.queue, ctx.now, ctx.sender_is_staff, ctx.is_reply, source, ctx.date_order)


def _clean(text: str) -> str:
    """Whitespace-normalised value with stray wrapping punctuation removed."""
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" \t-–—:;,").strip()


def without_stop(name: str) -> str:
    """A company's name without the full stop that ends its sentence ("Wolfe & Dunmore
    Builders."); the stop of an abbreviation ("Foothills Timber Co.") is the name's."""
    return name if _ABBREVIATED_END.search(name) else name.rstrip(".")


_ABBREVIATED_END = re.compile(r"\b(?:Ltd|Inc|Co|Corp|Bros|Assoc|Mfg|Ltée|Enr)\.$")


def _unquote(text: str) -> str:
    return _clean(text).strip("\"'“”«»‘’ ").strip()


_DOT_LEADER = re.compile(r"\s*(?:\.{2,}|…+)\s*")


def _label_key(text: str) -> str:
    """How a label is looked up: "Opp Type", "opp-type:", "opp_type", "Job / opp" -> "opp type",
    "job opp"; "Phone #" -> "phone number", "Product(s)" -> "products"."""
    text = re.sub(r"\(s\)", "s", text).replace("#", " number ").replace("$", " amount ")
    text = _DOT_LEADER.sub(" ", text)  # "Mfr Order # ...:", "Phone ..........:"
    key = nz.fold(text).replace("/", " ").replace("+", " ").replace("_", " ")  # "product_specs"
    return re.sub(r"\s+", " ", key).strip()


# What "to"/"for" after a label's head says when it is no purpose but a remark: the value
# is still to come ("to follow"), or whom it concerns ("for us")
_NO_PURPOSE = frozenset(
    {"follow", "come", "confirm", "us", "them", "you", "me", "him", "her", "now", "later"}
)


def _head_field(key: str, heads: list[tuple[set[str], set[str] | None, str]]) -> str | None:
    """The field a short unknown label names by its last word (see QUOTE_HEADS), said
    before what it is for ("Contact to book", "Address for delivery")."""
    words = key.split()
    if len(words) >= 3 and words[-2] in ("to", "for"):
        if words[-1] in _NO_PURPOSE:
            return None  # "Specs to follow - ...", "New account for us - ...": no label
        words = words[:-2]
    # "Contact at the plant", "Phone on site", "Address at the job": where the head applies
    where = next((i for i, w in enumerate(words) if w in ("at", "on", "in")), None)
    if where and len(words) - where <= 3:
        words = words[:where]
    if not 1 <= len(words) <= 4:
        return None
    for last, also, name in heads:
        if words[-1] in last and (also is None or also & set(words[:-1])):
            return name
    return None


def _cells(line: str) -> list[str]:
    """Columns of a plain-text or HTML-turned-text table row (pipes, tabs or 2+ spaces)."""
    return list(_cells_of(line))


_COLUMN_GAP = guarded(re.compile(r"\t+|(?<![.!?])\s{2,}"))  # (first_chars)


@lru_cache(maxsize=1024)
def _cells_of(line: str) -> tuple[str, ...]:
    """Cached: the structure parser asks about each line several times."""
    line = line.strip()
    # (two spaces after a full stop are a typing habit, not a column: "... close.  I have")
    parts = line.strip("|").split("|") if "|" in line else _COLUMN_GAP.split(line)
    return tuple(p.strip() for p in parts if p.strip())


def _strip_markup(line: str) -> str:
    """Markdown emphasis left by HTML-to-text conversion ("**Account**") is not content."""
    if "**" in line or "__" in line:  # the pattern's one literal: most lines have neither
        line = re.sub(r"(\*\*|__)(.*?)\1", r"\2", line)
    return line.replace("\u00a0", " ")


_ABBREVIATIONS = {
    "st", "dr", "ave", "mr", "mrs", "ms", "ltd", "inc", "co", "approx", "vs", "rd", "blvd",
    "cres", "mt", "jr", "sr", "e.g", "i.e", "etc",
}  # fmt: skip
# A company's legal suffix: at a stop, before a capital or a digit, the name ends a sentence
_COMPANY_ENDS = {"ltd", "inc", "corp"}
_COMPANY_END_NEXT = re.compile(r"(?i:ltd|inc|corp|llc|limited)\b")
_NUMBER_ABBREVIATIONS = {"no", "ext", "tel", "apt", "ste", "p", "nos", "pg"}  # "ext. 2"


def sentences(text: str) -> list[str]:
    """Split prose into sentences without breaking "St. Albert", "Ltd." or ".48"."""
    return list(_sentences(text))  # a list of its own: callers may change theirs


def prose_sentences(blocks: Iterable[Block]) -> Iterator[str]:
    """The sentences of the paragraphs among `blocks`, in order (lists and labels left out)."""
    for block in blocks:
        if block.kind == "prose":
            yield from sentences(block.text)


# What a sentence may open with besides a capital or a digit: a quote, a bracket, and a sum
# ("close Oct 17th. ~6.2k. Prepaid terms ...", "... this week. $9,000 all in.")
_OPENERS = "\"“'(«~$"
_SENTENCE_END = re.compile(r"[.!?]+[\"”’)]*\s+")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_WORD_WINDOW = 24  # a longer word before a stop is no abbreviation either way


def _one_letter(word: str) -> bool:
    """ "e." of "e.g.", an initial: one lower-case ASCII letter (a string compare, no regex
    per stop)."""
    return len(word) == 1 and "a" <= word <= "z"


@lru_cache(maxsize=64)
def _sentences(text: str) -> tuple[str, ...]:
    """Every reader of one message splits the same few texts: split each once."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        before = _WORD_BEFORE.search(text, max(start, m.start() - _WORD_WINDOW), m.start())
        word = before.group(1).casefold() if before else ""
        following = text[m.end() : m.end() + 1]
        if word in _COMPANY_ENDS and (following.isupper() or following.isdigit()):
            if not _COMPANY_END_NEXT.match(text, m.end()):
                # "this is Tyler with Kestrel Homes Ltd. 5 windows from ...": the company's
                # name ends its sentence (but "Aspen Co. Ltd." is one name)
                out.append(text[start : m.end()].strip())
                start = m.end()
            continue
        if word in _ABBREVIATIONS or _one_letter(word) or not following:
            continue
        if word in _NUMBER_ABBREVIATIONS and following.isdigit():
            continue
        if not (following.isupper() or following.isdigit() or following in _OPENERS):
            continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return tuple(out)


def _strip_greeting(sentence: str) -> str:
    return _GREETING.sub("", sentence, count=1).strip()


def _person_name(display: str) -> str | None:
    """A From display name that is a person's name ("Kowalczyk, Anne" -> "Anne Kowalczyk").

    Mailbox-like names ("jdoe77", "Connect You", "Sales Team") are not a person.
    """
    name = _unquote(re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", display))
    if not name or "@" in name or re.search(r"\d", name):
        return None
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}".strip()
    if re.search(
        r"\b(?:team|service|support|info|admin|office|sales|accounts?|no-?reply|"
        r"mailer|daemon|postmaster|connect you|reception|billing|inc|ltd|warranty|"
        r"customer care|dispatch|scheduling|department|dept|desk|homes|builders|"
        # "Harbourfront Purchasing": a department's shared mailbox
        r"purchasing|procurement|orders|ordering|accounting|payables?|receivables?|"
        r"operations|logistics|shipping|receiving|estimating)\b",
        name,
        re.IGNORECASE,
    ):
        return None
    words = name.split()
    if not 1 <= len(words) <= 4 or not all(re.match(r"^[^\W\d_][\w'’.-]*$", w) for w in words):
        return None
    return name


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 4 and all(re.match(r"^[A-ZÀ-Ý][\w'’.-]*$", w) for w in words)


# Where a sentence ends inside a value: after a word or a year, before a capital ("... Stock
# Order 2027. Standard. Stage funding") or a bracket closed after a word ("... prob 25
# (Funding). Mult TBC"), not after an initial or an abbreviation's letter
_STOP_AFTER_A_WORD = r"(?:(?<=[a-z]{2})|(?<=\d{4})|(?<=[a-z]{2}\)))\.\s+"
SENTENCE_BREAK = _STOP_AFTER_A_WORD + r"(?=[A-Z])"
# ... or, in a name label's value, before a count of what is wanted ("Summit Peak Homes, new
# to us. 1 custom home, 31 windows ...")
_NAME_SENTENCE_BREAK = re.compile(_STOP_AFTER_A_WORD + r"(?=[A-Z]|\d+\s+[a-z])")


def first_sentence(value: str) -> tuple[str, str] | None:
    """A value's first sentence (its full stop kept) and the sentences after it, or None
    when the value is one sentence: a name label's value ends where its sentence does."""
    cut = _NAME_SENTENCE_BREAK.search(value)
    return (value[: cut.start() + 1], value[cut.end() :]) if cut else None


# ... and where a value of the opportunity follows a full stop ("Clearview - Westbrook
# Retrofit. 90%. Close 30/09")
FIELD_BREAK = r"(?<=[\w%])\.\s+(?=\d{1,3}\s?%(?!\w)|(?i:close|closing|factor|stage|type|amount)\b)"


def _split_parts(text: str) -> list[str]:
    """Comma / slash / semicolon parts, keeping "December 22, 2026" in one part (a double
    slash sets parts apart as one does: "OPP Bayside Reno // PROJ // CLS 9/17")."""
    pieces = re.split(
        # (a comma between digits and three more is a thousands separator: "$212,000")
        # (a middle dot or bullet between spaces too: "HFD – Cove Ph 2 · Project · Submissions")
        r"\s+//?\s+|\s*;\s*|\s*(?:(?<!\d),|,(?!\d{3}(?!\d)))\s*|\s+[|·•]\s+|"
        + SENTENCE_BREAK
        + "|"
        + FIELD_BREAK
        # a hurried writer's next sentence, lower-case: "... Showhome L14. plans attached"
        + r"|(?<=\w)\.\s+(?=[a-z]{2,}\b)",
        text,
    )
    parts = [p.strip() for p in pieces if p.strip()]
    merged: list[str] = []
    for part in parts:
        if merged and re.fullmatch(r"\d{4}", part):
            merged[-1] = f"{merged[-1]}, {part}"
        else:
            merged.append(part)
    return merged


def _cut_at_cue(text: str) -> str:
    """Drop the trailing comma parts of a spec sentence that are about price or the opp."""
    text = text.strip().rstrip(".?!")
    # (a hurried writer's next sentence starts lower-case: "... white/white. factor 54")
    parts = re.split(r",\s*|(?<=\w)\.\s+(?=[a-z])", text)
    kept: list[str] = []
    for part in parts:
        if re.search(r"\b(?:at\s+)?[x×]\s?0?[.,]\d|\bfactor\b|\bopp\b|\bclos", part, re.I):
            break
        kept.append(part)
    return _clean(", ".join(kept))


def _reference(m: re.Match[str]) -> str:
    return _clean(m.group(1) or m.group(0)).rstrip(".")


def _subject_text(subject: str) -> str:
    """The subject without reply/forward prefixes and case tags."""
    text = re.sub(
        r"^\s*(?:(?:re|fw|fwd|tr|aw)\s*:\s*|\[[^\]]*\]\s*)+", "", subject or "", flags=re.I
    )
    return text.strip()


def _strip_forward_headers(text: str) -> str:
    """The header block of an inline forward ("From: ... Subject: ...") is not content."""
    lines = text.split("\n")
    i = 0
    while i < len(lines) and (not lines[i].strip() or _FORWARD_HEADER.match(lines[i])):
        i += 1
    return "\n".join(lines[i:])


def _spec_lines(lines: Iterable[str]) -> str:
    """Product lines joined the way the corpus writes them: "line; line; line"."""
    out: list[str] = []
    for line in lines:
        cells = _cells(line)
        if len(cells) >= 3 and _is_header_row(cells):
            continue
        text = " ".join(cells) if len(cells) >= 3 else line
        text = _clean(re.sub(rf"^\s*(?:{BULLET}|\d{{1,2}}[.)])\s+", "", text))
        if text:
            out.append(text.rstrip(";"))
    return "; ".join(out)


def _is_header_row(cells: list[str]) -> bool:
    words = [w for c in cells for w in re.findall(r"[^\W\d_]+", nz.fold(c))]
    if not words or any(_DIMENSION.search(c) for c in cells):
        return False
    return sum(w in _TABLE_HEADER_WORDS for w in words) >= max(2, len(words) // 2)


def _item_columns(rows: list[list[str]]) -> bool:
    """A header row naming a column of what each row is and one of how many or how big."""
    if not rows or not _is_header_row(rows[0]):
        return False
    words = {w for c in rows[0] for w in re.findall(r"[^\W\d_]+", nz.fold(c))}
    return bool(words & {"type", "product", "produit", "item", "description"}) and bool(
        words & {"qty", "quantity", "qte", "width", "height", "size"}
    )


def _table_specs(rows: list[list[str]], qty: re.Pattern[str] | Cued = _QTY_PRODUCT) -> str:
    data = [r for r in rows if not _is_header_row(r)]
    productish = [r for r in data if _DIMENSION.search(" ".join(r)) or qty.search(" ".join(r))]
    counted = rows and re.fullmatch(r"(?i)qty|quantity|count|#", rows[0][0].strip())
    if (productish and counted) or _item_columns(rows):
        # under a "Qty" header every row is an item ("2 | pkg B: same as A"), and so under
        # a header naming each row's type and its count or size ("Plan  Type  Width  Qty")
        productish = data
    if not productish:
        return ""
    return "; ".join(_clean(" ".join(r)) for r in productish)


def _looks_like_products(items: list[str], qty: re.Pattern[str] | Cued = _QTY_PRODUCT) -> bool:
    hits = sum(bool(qty.search(i) or _DIMENSION.search(i)) for i in items)
    return bool(items) and hits * 2 >= len(items)


def _unnegated(pattern: re.Pattern[str], text: str) -> bool:
    """`pattern` occurs in `text` without a "not"/"no"/"pas" just before it."""
    return any(
        not _NEGATION.search(text[max(0, m.start() - 32) : m.start()])
        for m in pattern.finditer(text)
    )


# Searched in every text read: guarded by the characters its matches start with (first_chars).
_URGENCY_SEARCH = cued(guarded(_URGENCY_WORDS))


def _says_urgent(text: str) -> bool:
    """ "urgent", "emergency", "asap" said outright ("not urgent" does not count)."""
    return _unnegated(_URGENCY_SEARCH, text)


def _sla(text: str) -> timedelta:
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([hd])", str(text).casefold())
    if not m:
        return timedelta(hours=48)
    amount = float(m.group(1))
    return timedelta(hours=amount) if m.group(2) == "h" else timedelta(days=amount)


# A word written in capitals that stays so when a shouted text is calmed: a province, a
# compass point, "I" or a code with digits ("AB", "NW", "T8N").
_KEEP_CAPS = re.compile(
    r"(?:AB|BC|SK|MB|ON|QC|NS|NB|PE|NL|YT|NT|NU|NW|NE|SW|SE|[NSEWI]|PO|\w*\d\w*)"
)


def is_shouting(text: str) -> bool:
    """A text written all in capitals ("MY ADDRESS IS 16 GRANDIN WOODS ..."): its names
    and addresses cannot be told by their capital letters until it is calmed."""
    if sum(map(str.islower, text[:300])) > 60:
        return False  # most texts: plainly not, from their opening
    sample = text[:4000]
    upper = sum(map(str.isupper, sample))
    return upper >= 40 and upper >= 5.6 * sum(map(str.islower, sample))  # 85 % capitals


def calm(text: str) -> str:
    """A shouted text in title case, where names and addresses read as usual: "16 GRANDIN
    WOODS ESTATES, ST. ALBERT AB" -> "16 Grandin Woods Estates, St. Albert AB"."""

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        return w if _KEEP_CAPS.fullmatch(w) else w.capitalize()

    return re.sub(r"[^\W_]+(?:['’][^\W_]+)?", word, text)
