"""The one place that decides which reading of a field stands.

Every reader offers candidates (`FieldValue`: value, confidence, source) to a `Found`; the
rules below pick one per field. They are the extractor's precedence, written as data:

1. A more sure way of reading beats a less sure one (`CONFIDENCE`, most sure first: the
   sender saying which number to use, a label, a numbered item or a table, a clause, bullets
   or the From name, prose, a signature, a guess). Between equals, the first offer stands,
   and readers run in the order of `LabelExtractor.extract`, so the order is part of the rule.
2. A field the sender declared empty ("Factor: TBD") takes no guess afterwards; only another
   label can still give it.
3. The body beats the forwarded mail below it (`merge_forwarded`): the forwarded mail only
   fills what the body lacks; under a short cover note its description is the request; and
   in a quote request an older thread's pricing (`FORWARDED_HISTORY`) is never this one's.
4. Attached documents fill only fields the text lacks, only from a structure, and less sure
   (`merge_attachment`); a document's "Site contact:" does replace what only the sender's
   From name or signature gave (the work order a builder's warranty desk sends).
5. Quoted history never gives a field: it is cut before reading (`ParsedMessage.new_text`),
   and a reply gives only what its new text says (newest statement wins at the case level).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from intake.parsers.fields.common import QUOTES, SERVICE
from intake.parsers.fields.description import describes_fault


@dataclass(frozen=True)
class FieldValue:
    """One extracted field in its normal form, how sure the extractor is, and where it read it.

    `source` is "body", "subject", "signature", "from", "forwarded" or "attachment:<name>"
    ("attachment:*" for the list of attachment names itself).
    """

    value: str | list[str]
    confidence: float  # 0..1
    source: str


# How sure each way of reading is. A label is what the sender meant; prose cues guess.
CONFIDENCE: dict[str, float] = {
    "labelled": 0.9,
    "in_label_value": 0.85,  # a phone inside "Site contact: Marco Rossi, 403-555-0111"
    "positional": 0.8,  # unlabelled item N of the numbered six-item form
    "table": 0.8,
    "clause": 0.75,  # a part of 'opp "X", Standard, Submissions'
    "bullets": 0.7,
    "header": 0.7,  # the From display name
    "prose": 0.6,
    "signature": 0.5,
    "run_on": 0.42,  # a clause of a one-sentence request ("..., please break the pricing out")
    "guess": 0.4,
}
LABELLED = CONFIDENCE["labelled"]
IN_LABEL_VALUE = CONFIDENCE["in_label_value"]
POSITIONAL = CONFIDENCE["positional"]
TABLE = CONFIDENCE["table"]
CLAUSE = CONFIDENCE["clause"]
BULLETS = CONFIDENCE["bullets"]
HEADER = CONFIDENCE["header"]
PROSE = CONFIDENCE["prose"]
SIGNATURE = CONFIDENCE["signature"]
RUN_ON = CONFIDENCE["run_on"]
GUESS = CONFIDENCE["guess"]

# What the account manager decides now; a forwarded older thread's values are history.
FORWARDED_HISTORY: dict[str, tuple[str, ...]] = {
    QUOTES: ("factor", "amount", "close_date", "stage", "quote_due"),
    SERVICE: (),
}
# Readings of who sent the mail (the From name, the signature): a document's label beats them.
SENDER_SOURCES = frozenset({"from", "signature"})
# An attached document's reading counts this much of what it would in the body.
ATTACHMENT_DISCOUNT = 0.8


@dataclass
class Found:
    """Best value per field so far; a value replaces another only when more sure."""

    values: dict[str, FieldValue] = field(default_factory=dict)
    declared_empty: set[str] = field(default_factory=set)  # "Factor: TBD": do not guess it

    def offer(
        self, name: str, value: str | list[str] | None, confidence: float, source: str
    ) -> None:
        if value is None or value == "" or value == []:
            return
        if name in self.declared_empty and confidence < LABELLED:
            return
        held = self.values.get(name)
        if held is None or confidence > held.confidence:
            self.values[name] = FieldValue(value, round(confidence, 2), source)
        elif name == "site_address" and _extends(value, held.value):
            # "57 Copperfield Lane" in the subject, "57 Copperfield Lane SE / Calgary, AB T2Z
            # 4R1" in the signature: the same address said in full
            self.values[name] = FieldValue(value, held.confidence, source)

    def has(self, name: str) -> bool:
        return name in self.values

    def merge_missing(self, other: Found) -> None:
        """Take from a lower-priority source only the fields this one lacks."""
        for name, value in other.values.items():
            if name not in self.values and name not in self.declared_empty:
                self.values[name] = value
        self.declared_empty |= other.declared_empty - set(self.values)


def not_a_fault(said: FieldValue | None) -> bool:
    """A description read from a note that names no defect at all."""
    return said is not None and isinstance(said.value, str) and not describes_fault(said.value)


def _extends(value: object, held: object) -> bool:
    """`value` says all of `held` and more, from its start (words, not punctuation)."""
    if not (isinstance(value, str) and isinstance(held, str)):
        return False
    longer, shorter = re.findall(r"\w+", value.casefold()), re.findall(r"\w+", held.casefold())
    return len(longer) > len(shorter) > 0 and longer[: len(shorter)] == shorter


def merge_forwarded(
    found: Found, forwarded: Found, queue: str, body: str, *, handed: bool = False
) -> None:
    """Fields of the forwarded mail below the body (rule 3). `handed`: the body hands the
    customer whose own mail is forwarded over to us; a short note then only covers it."""
    cover = is_cover_note(body) or handed and len(body.split()) < COVER_NOTE_WORDS
    said = found.values.get("description")
    if queue == SERVICE and "description" in forwarded.values and (cover or not_a_fault(said)):
        # the forwarded mail is the request: "Jon - another one that came to me direct. Can
        # you book a tech?" describes no fault, the customer's mail below does
        found.values.pop("description", None)
    # An older thread's pricing is not this request's, unless the body is a short note
    # approving or sending the forwarded draft: then the draft is the request, and the
    # body's own statements ("approved at .54") override it (the newest statement wins).
    if not (queue == QUOTES and is_approval_note(body)):
        pointed = _pointed_below(body)
        for name in FORWARDED_HISTORY.get(queue, ()):
            if name not in pointed:
                forwarded.values.pop(name, None)
            elif _guessed(found, name) and forwarded.values[name].confidence > GUESS:
                # "we want it in Q3 ... everything else is in my note below": the note's
                # "close Sept 29" says what the body only guessed at
                del found.values[name]
    said, default = forwarded.values.get("urgency"), found.values.get("urgency")
    if said and said.value == "emergency" and default and default.confidence <= GUESS:
        # "can someone get out today? See Kyle's note below": the note names the hazard;
        # the cover note's "normal" was only the default for naming none
        del found.values["urgency"]
    found.merge_missing(forwarded)


# "Close date per Karl's note below - they moved it", "Factor: per Lena below": a field the
# sender takes from the forwarded mail, its newest statement there
_FIELD_PER_BELOW = re.compile(
    r"\b(?P<field>close date|close|closing|factor|stage|amount)(?:\s+is\s+|\s*:\s*|\s+)"
    r"(?:per|as per|see|in|from)\b[^.\n]{0,40}\bbelow\b",
    re.IGNORECASE,
)
_POINTED_FIELDS = {"close date": "close_date", "close": "close_date", "closing": "close_date"}


# "Lena has approved a special factor for this one (her note is below), so please use her
# number", "see below, go w lena's #": the approval forwarded below gives the factor
_SOMEONES_NUMBER = r"(?:her|his|their|\w+(?:'|’)s) (?:number|#|pricing|price)"
_APPROVAL_BELOW = re.compile(
    rf"\b(?:approv\w*|factor|{_SOMEONES_NUMBER})[^.\n]{{0,80}}\bbelow\b"
    rf"|\bbelow\b[^.\n]{{0,60}}(?:\bapprov\w*|\bfactor\b|\b{_SOMEONES_NUMBER})",
    re.IGNORECASE,
)


# "everything else is in my note below", "rest is per Karl's email below": the body hands
# over every field it does not state itself to the forwarded mail
_REST_BELOW = re.compile(
    r"\b(?:everything else|the rest|rest)(?: of it)?(?:'s|\s+is|\s+are)?\s+"
    r"(?:in|per|as per|see|from)\b[^.\n]{0,40}\bbelow\b",
    re.IGNORECASE,
)


def _pointed_below(body: str) -> set[str]:
    """The history fields the body takes from the forwarded mail below it."""
    if _REST_BELOW.search(body):
        return {name for names in FORWARDED_HISTORY.values() for name in names}
    pointed = {
        _POINTED_FIELDS.get(m["field"].lower(), m["field"].lower())
        for m in _FIELD_PER_BELOW.finditer(body)
    }
    if _APPROVAL_BELOW.search(body):
        pointed.add("factor")
    return pointed


def _guessed(found: Found, name: str) -> bool:
    """Whether the body gave `name` only as a guess."""
    held = found.values.get(name)
    return held is not None and held.confidence <= GUESS


def merge_attachment(
    found: Found, document: Found, source: str, names_contact: bool = False
) -> None:
    """Fields of one attached document (rule 4): only what it states in a structure (labels,
    a numbered form, a product table), and product specs also from its prose lines. What
    it states so replaces what the message only guessed.

    `names_contact`: the document has a contact label ("Site contact:", "Contact phone:");
    its labelled values then replace what only the sender's From name or signature gave.
    """
    for name, value in document.values.items():
        structured = value.confidence >= TABLE or name == "product_specs"
        held = found.values.get(name)
        if (
            names_contact
            and held is not None
            and held.source in SENDER_SOURCES
            and value.confidence >= LABELLED
        ):
            del found.values[name]  # the form says whom to call; the sender is a default
        if structured and (_guessed(found, name) or (name == "description" and not_a_fault(held))):
            # ("88 Sage Meadows" from the subject, "Everything is on the form." from the
            # cover note: the form says all)
            del found.values[name]
        if structured and not found.has(name) and name not in found.declared_empty:
            found.offer(name, value.value, value.confidence * ATTACHMENT_DISCOUNT, source)


def missing_fields(fields: dict[str, FieldValue], required: list[str]) -> list[str]:
    """The required fields that were not extracted (or came out empty), in required order."""
    return [name for name in required if name not in fields or fields[name].value in ("", [], None)]


def is_cover_note(body: str) -> bool:
    """A short note on top of a forward ("Rita - can you help this homeowner? See below.")."""
    return len(body.split()) < COVER_NOTE_WORDS and bool(_COVER_NOTE.search(body))


# A note this short above a forwarded or attached mail says where the request is ("Please
# see the attached email from Shauna – deficiency list from yesterday's walk-through. Her
# contact info and the address are in there. They'd like it all done before ...").
COVER_NOTE_WORDS = 60


# "See below", "passing this along from Aspen & Oak", "See Jen's email attached", "Please
# see the attached email from Shauna"
_COVER_NOTE = re.compile(
    r"\b(?:below|forward(?:ed|ing)?|fwd|passing (?:this|it) (?:along|on)|"
    r"see (?:the |her |his |their |\w+(?:'|’)s )?(?:attached |forwarded |enclosed )?"
    r"(?:e-?mail|message|note|mail)|"
    r"(?:e-?mail|message|note|mail) (?:is )?attached|"
    # "see attached - pls book" over a mail forwarded as an attachment
    r"see attached)\b",
    re.IGNORECASE,
)


# "Approved at .54, not .57. Go ahead.", "OK to send", "Good to go - please process."
_APPROVAL = re.compile(
    r"\b(?:approved?|approving|go ahead|good to go|ok(?:ay)?(?:'d| to (?:send|go|proceed))|"
    r"green light|sign(?:ed)? off|please (?:process|submit|send it in|enter|quote)|"
    # "Resending this one to the team box ... Everything else stands.": the draft, sent on
    r"re-?sending|everything else (?:stands|stays|is the same)|"
    # "Logging this one for Priya - Lena's approval is below, please open the case"
    r"approval (?:is )?(?:below|attached|underneath)|logging (?:this|it)(?: one)? for|"
    r"please (?:open|log) (?:the|a|this) case)\b|"
    # "go w lenas #", "going with Lena's number": the approver's number, forwarded below
    r"\bgo(?:ing)? (?:w/?|with) \w+(?:'|’)?s (?:#|number|pricing|price|factor)",
    re.IGNORECASE,
)


# A manager's note sending a draft on may say why and who covers ("Priya is at the trade
# show through Friday, so I'm sending this in for her. I've approved it at .50 ...").
APPROVAL_NOTE_WORDS = 80


def is_approval_note(body: str) -> bool:
    """A short note above a forwarded draft that approves or sends it on (a manager's
    "approved at .54, go ahead"): the draft below it is the request."""
    return len(body.split()) < APPROVAL_NOTE_WORDS and bool(_APPROVAL.search(body))
