"""Reader: a reply that answers the bot's request for the fields a case still misses.

The acknowledgement lists what is missing ("To complete it we still need: - stage"); the
reply to it answers in a few words ("std / 25%", "the 28th", "Lena OK'd 47"), or line by
line under the quoted request ("> - factor" then ".49 - signed off"). Without knowing what
was asked, "std" or "47" is no field at all; knowing it, each is read as the asked field.
`expected` is the case's missing list; only fields still unread take an answer, and only a
value that reads as that field (a picklist value, a date, a factor, ...) is taken.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from intake.parsers import normalise as nz
from intake.parsers.fields import inline_answers as inline
from intake.parsers.fields.bare_lines import is_opportunity_name
from intake.parsers.fields.common import Context, _clean, _label_key
from intake.parsers.fields.patterns import _ADDRESS
from intake.parsers.fields.resolver import CLAUSE, PROSE, Found
from intake.parsers.fields.site_address import _LOWER_STREET
from intake.parsers.fields.values import date_of
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.message import ParsedMessage

SHORT_REPLY = 25  # words: a reply this short answers the request, it is no new request
# "> - close date", ">   * Factor:", "> Stage" : a quoted line that is one field's label
_ASKED = re.compile(r"^\s*>[>\s]*(?:[-*•·]\s*)?(?P<label>[^\W\d_][\w /#()'’-]{1,40}?)\s*:?\s*$")
# The pieces of a terse answer: "std / 25%", "Standard, Funding", ".47 - approved"
# ("w/" and "s/b" are words: a slash after a one-letter word splits nothing)
_PIECES = re.compile(r"\s*(?:(?<!\b[^\W\d_])/|[;,\n]|\s[-–—]\s|\.\s)\s*")
# A factor said as a number: ".47", "0.47", "47", "47%" (not a size, a price or a date)
_FACTOR_NUMBER = re.compile(
    r"(?<![\w.$/,-])((?:0?[.,])?\d{2})(\s?%)?(?![\w/-]|[.,]\d|\s?[x×]\s?\d)"
)
_NAME = re.compile(r"(?-i:[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’.-]+){1,2})")
# "its Kim Doucette, 77 Lakeview Pt": the name answered as an introduction
_INTRODUCED = re.compile(
    r"^\s*(?i:it(?:'|’)?s|this is|(?:my )?name(?:'|’)?s|(?:my )?name is|i(?:'|’)m|i am)\s+"
)


def read(
    v: OrgVocabulary,
    found: Found,
    msg: ParsedMessage,
    body: str,
    ctx: Context,
    expected: Sequence[str],
) -> None:
    """Offer the answers a reply gives to the fields `expected` (the case's missing list)."""
    wanted = [name for name in expected if not found.has(name)]
    if not ctx.is_reply or not wanted:
        return
    text = msg.body_text or ""
    for name, answer in interleaved(v, text, ctx.queue, wanted):
        if not found.has(name):
            value = answer_value(v, name, answer, ctx)
            found.offer(name, value, CLAUSE, ctx.source)
    for name, answer in inline.under_asked_items(v.labels[ctx.queue], text, wanted):
        if nz.is_no_value(answer):
            continue  # "[LF] not set yet - their board meets the 18th": no value yet
        if not found.has(name):
            value = inline.free_text(name, answer) or answer_value(v, name, answer, ctx)
            found.offer(name, value, CLAUSE, ctx.source)
    wanted = [name for name in wanted if not found.has(name)]
    if wanted and body.strip() and len(body.split()) <= SHORT_REPLY:
        for name, value in short_answers(v, body, wanted, ctx).items():
            found.offer(name, value, PROSE, ctx.source)


def interleaved(
    v: OrgVocabulary, text: str, queue: str, wanted: Sequence[str]
) -> list[tuple[str, str]]:
    """(field, answer) for each unquoted passage written right under a quoted line that
    names an asked field: the sender answering inside the quoted request."""
    labels = v.labels[queue]
    pairs: list[tuple[str, str]] = []
    asked: str | None = None
    answer: list[str] = []
    for line in [*text.splitlines(), ">"]:
        if line.lstrip().startswith(">"):
            if asked and answer:
                pairs.append((asked, " ".join(answer)))
            answer = []
            m = _ASKED.match(line)
            name = labels.get(_label_key(m.group("label"))) if m else None
            if name is not None or line.strip(" >"):
                asked = name if name in wanted else None
        elif asked and line.strip():
            answer.append(line.strip())
    return pairs


def answer_value(v: OrgVocabulary, name: str, text: str, ctx: Context) -> str | None:
    """`text` read as a value of field `name`, or None when it is no such value."""
    text = text.strip()
    if not text:
        return None
    if name in v.picklists:
        return v.pick(name, text) or next(
            (v.pick(name, p) for p in _PIECES.split(text) if p and v.pick(name, p)), None
        )
    if name in ("close_date", "quote_due"):
        return _last_date(v, text, ctx)
    if name == "factor":
        factors = set()
        for m in _FACTOR_NUMBER.finditer(text):
            if not m.group(1).startswith(("0", ".", ",")) and not 20 <= int(m.group(1)) <= 99:
                continue
            factors.add(nz.parse_factor(m.group(0)))
        factors.discard(None)
        return str(factors.pop()) if len(factors) == 1 else None
    if name == "amount":
        amount = nz.parse_amount(text)
        return str(amount) if amount is not None else None
    if name == "contact_phone":
        return nz.normalise_phone(text, v.org.phone_region)
    if name == "site_address":
        hit = _ADDRESS.search(text)
        if hit:
            return hit.group(0).strip()
        # asked for the address, "67 rowan way spruce grove" is one, capitals or not
        answered = _ANSWERED_ADDRESS.fullmatch(text.strip().rstrip("."))
        return answered.group(0) if answered else None
    if name == "contact_name":
        hit = _NAME.fullmatch(_INTRODUCED.sub("", text).rstrip(". "))
        return hit.group(0) if hit else None
    return None


_ANSWERED_ADDRESS = re.compile(
    r"\d{1,6}[a-z]?\s+(?:[a-z][\w'’-]*\s+){1,3}?" + _LOWER_STREET + r"\b[\w\s,'’-]{0,60}",
    re.IGNORECASE,
)


def short_answers(
    v: OrgVocabulary, body: str, wanted: Sequence[str], ctx: Context
) -> dict[str, str]:
    """The asked fields a terse reply gives: each piece ("std", "25%", "the 28th") is
    read as the first asked field it is a value of; a whole line answers a single ask."""
    got: dict[str, str] = {}
    wanted = sorted(wanted, key=lambda name: name not in v.picklists)  # "25%": a stage first
    if "opportunity_name" in wanted:
        # "PCH - Aug 2033 Monthly, standard": asked for the name, a clause that opens with
        # the account is the name (its own dash no split between pieces)
        named = next((c for c in _CLAUSES.split(body.strip()) if is_opportunity_name(v, c)), None)
        if named:
            got["opportunity_name"] = _clean(named)
            body = body.replace(named, " ")
    pieces = [p for p in _PIECES.split(body.strip()) if p.strip()]
    unused = []
    for piece in pieces:
        named = _named_field(v, piece, ctx.queue)
        if named and _said_undecided(v, piece, ctx.queue):
            # "Close date still TBD, I'll send it after Friday's walk thru": the date after
            # it is when they will know, no answer
            wanted = [name for name in wanted if name != named]
            continue
        for name in wanted:
            if name in got or (named and named != name):
                continue  # "stage 25%" answers the stage, never the factor
            value = answer_value(v, name, piece, ctx)
            if value:
                got[name] = value
                break
        else:
            if not named:
                unused.append(piece)
    rest = ", ".join(unused)
    for name in wanted:  # "Lena OK'd it at 47 on this one": the asked value in a sentence
        if name not in got and name in _WHOLE_TEXT and rest:
            value = answer_value(v, name, rest, ctx)
            if value:
                got[name] = value
    return got


def _said_undecided(v: OrgVocabulary, piece: str, queue: str) -> bool:
    """ "Close date still TBD", "stage not set yet": a label, then no value yet."""
    labelled = _labelled(v, piece, queue)
    return labelled is not None and nz.is_no_value(labelled[1])


# The clauses of a terse answer, where a name's own dash splits nothing
_CLAUSES = re.compile(r"\s*[;,\n]\s*")


def _named_field(v: OrgVocabulary, piece: str, queue: str) -> str | None:
    """The field a piece names by a label before its value ("stage 25%", "close Dec 3")."""
    labelled = _labelled(v, piece, queue)
    return labelled[0] if labelled else None


def _labelled(v: OrgVocabulary, piece: str, queue: str) -> tuple[str, str] | None:
    """(field, what follows its label) for a piece that opens with a label."""
    words = piece.split()
    for n in (3, 2, 1):
        if len(words) > n:
            name = v.labels[queue].get(_label_key(" ".join(words[:n])))
            if name:
                return name, " ".join(words[n:])
    return None


# Fields whose value is found inside a sentence; a picklist or a name must be the piece.
_WHOLE_TEXT = ("factor", "close_date", "quote_due", "contact_phone", "site_address")


def _last_date(v: OrgVocabulary, text: str, ctx: Context) -> str | None:
    """The last date `text` names: "they meet Oct 21 ... put end of October" means the end
    of October (the later statement wins)."""
    last = None
    at = 0
    while at < len(text) and (hit := ctx.find_date(text[at:])):
        last = hit[0]
        at += max(hit[2], 1)
    if last is None:
        return date_of(v, text, ctx)
    return last.isoformat()
