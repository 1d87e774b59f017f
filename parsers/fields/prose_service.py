"""Reader: the prose of a service request. The caller's phone, the site address, a
reference, the urgency and the problem in the sender's own words."""

from __future__ import annotations

import re

from parsers import normalise as nz
from parsers.fields.common import Context, _clean, _reference, _strip_greeting, sentences
from parsers.fields.lexicon import DEFECT_CUES, REQUEST_CUES
from parsers.fields.patterns import (
    _ADDRESS,
    _ADDRESS_CUE,
    _GREETING,
    _PHONE_AVOIDED,
    _PHONE_PREFERRED,
    _PHONE_SHAPE,
    _REFERENCE,
    _SIGN_OFF,
    _USE_WHICH_PHONE,
)
from parsers.fields.resolver import GUESS, LABELLED, PROSE, Found
from parsers.fields.structure import Block
from parsers.fields.vocab import OrgVocabulary

# Matched on lower-cased text with straight apostrophes.
_DEFECT = re.compile(r"\b(?:" + "|".join(DEFECT_CUES) + ")")
_REQUEST = re.compile(r"\b(?:" + "|".join(REQUEST_CUES) + ")")


def read(v: OrgVocabulary, found: Found, blocks: list[Block], ctx: Context) -> None:
    """Phone, address, reference, urgency and the problem description from paragraphs."""
    paragraphs = [b.text if b.kind == "prose" else "; ".join(b.lines) for b in blocks]
    text = "\n\n".join(
        p for b, p in zip(blocks, paragraphs, strict=True) if p and b.kind in ("prose", "bullets")
    )
    _prose_phone(v, found, text, ctx)
    phone_labels = [b for b in blocks if b.kind == "label" and b.target == "contact_phone"]
    labelled = "\n".join(" ".join([b.text, *b.lines]) for b in phone_labels)
    if labelled and _USE_WHICH_PHONE.search(labelled + "\n" + text):
        # "Phone: 403-555-0190 (home) / 587-555-0191 (cell)" + "Please use the cell"
        _prose_phone(v, found, labelled + "\n" + text, ctx)
    address = _ADDRESS.search(text)
    if address:
        found.offer("site_address", _clean(address.group(0)).rstrip("."), PROSE, ctx.source)
    for label_block in (b for b in blocks if b.kind == "label"):
        ref = _REFERENCE.search(label_block.text)
        if ref and label_block.target not in ("contact_phone", "contact_name"):
            found.offer("reference", _reference(ref), PROSE, ctx.source)
    ref = _REFERENCE.search(text)
    if ref:
        found.offer("reference", _reference(ref), PROSE, ctx.source)
    _named_contact(v, found, text, ctx)
    if not ctx.is_reply:
        description = _description([b for b in blocks if b.kind in ("prose", "bullets")])
        found.offer("description", description, PROSE, ctx.source)
    _urgency(v, found, text, ctx)


def _prose_phone(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """The caller's number. The words just before a number say whose it is: a "new" or
    "cell" number wins, an "old", "office" or "fax" number loses; otherwise the first."""
    best: tuple[float, int, str] | None = None
    use = _USE_WHICH_PHONE.search(text)
    for e164, start, end in nz.find_phones(text, v.org.phone_region):
        before = text[max(0, start - 40) : start]
        tag = re.match(r"\s*\(?\s*(cell|mobile|home|office|work|landline|fax)\b", text[end:], re.I)
        score = 0.0
        if _PHONE_PREFERRED.search(before):
            score += 1.0
        if _PHONE_AVOIDED.search(before):
            score -= 2.0
        if tag and use:  # "403-555-0190 (home) / 587-555-0191 (cell). Please use the cell"
            said = {"mobile": "cell"}.get(tag.group(1).lower(), tag.group(1).lower())
            wanted = {"mobile": "cell"}.get(use.group(1).lower(), use.group(1).lower())
            score += 1.5 if said == wanted else -1.5
        if best is None or score > best[0]:
            best = (score, start, e164)
    if best:
        # The sender saying which number to use beats even a labelled pair of numbers.
        conf = LABELLED + 0.05 if best[0] >= 1.5 else PROSE if best[0] >= 0 else GUESS
        found.offer("contact_phone", best[2], conf, ctx.source)


# "Clearview's customer Anita Desjardins has ...", "the homeowner is Mark Jensen, 403-...",
# "Bow Valley's site lead Mark Jensen will meet you there": the person the request is for.
_NAMED_CONTACT = re.compile(
    r"\b(?i:home ?owners?|owners?|customer|client|tenant|resident|buyer|site (?:lead|super"
    r"(?:intendent)?|contact|manager|foreman)|super(?:intendent)?|foreman|caretaker|"
    r"property manager)(?:'s name)?(?:\s+(?:is|will be|here is)|\s*[:,-])?\s+"
    r"([A-ZÀ-Ý][a-zà-ÿ'’-]+(?:\s+(?:[A-ZÀ-Ý][a-zà-ÿ'’-]+|Mc[A-Z][a-z]+)){1,2})\b"
)

_COMPANY_WORD = re.compile(
    r"\b(?:Homes|Builders|Construction|Developments?|Renovations|Contracting|Group|Ltd|Inc|"
    r"Corp|Co|Properties|Property|Management|Realty|Dealers?|Windows|Doors|Centre|Center|"
    r"Dental|Clinic|Services)\b"
)


def _named_contact(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """A person the sender names by their role: a guess below a customer's own From name."""
    staff = {nz.account_key(p.name) for p in v.org.people.values()}
    for m in _NAMED_CONTACT.finditer(text):
        name = m.group(1)
        key = nz.account_key(name)
        if key in staff or _COMPANY_WORD.search(name) or nz.match_account(name, v.org):
            continue
        # A customer's own From name and signature say more about who to call.
        found.offer("contact_name", name, PROSE if ctx.sender_is_staff else GUESS, ctx.source)
        return


def _urgency(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    if v.is_emergency(text):
        found.offer("urgency", "emergency", PROSE, ctx.source)
    elif not ctx.is_reply:
        found.offer("urgency", "normal", GUESS, ctx.source)


# A long story is cut to the sentences that describe the fault.
LONG_STORY_WORDS = 80


def _description(blocks: list[Block]) -> str:
    """The problem in the sender's words: prose sentences that are not greetings, contact
    details, self-introductions, attachment notes, requests to be called or the logistics
    of a visit (unless they also say what is wrong); of a long story, only the sentences
    that describe the fault."""
    kept: list[tuple[str, bool]] = []
    for block in blocks:
        text = block.text if block.kind == "prose" else "; ".join(block.lines)
        if block.kind == "prose" and _GREETING.fullmatch(text + " "):
            continue
        for sentence in sentences(text):
            sentence = _strip_greeting(sentence)
            if _not_problem(sentence):
                continue
            address = _ADDRESS.search(sentence)
            if address:
                before, after = sentence[: address.start()], sentence[address.end() :]
                if after.startswith(",") and len(before.split()) <= 6:
                    before = ""  # "At their reno at <address>, the door ...": the lead goes too
                rest = _clean(re.sub(r"\s*\(\s*\)|\s+(?=[.,;:!?])", "", before + after))
                cue = _ADDRESS_CUE.search(sentence[max(0, address.start() - 25) : address.start()])
                if cue or len(rest.split()) < 5:
                    continue
                sentence = rest[:1].upper() + rest[1:] if not before else rest
            if len(sentence.split()) < 2:
                continue
            lowered = sentence.replace("’", "'").lower()
            defect = bool(_DEFECT.search(lowered))
            if not defect and _REQUEST.search(lowered):
                continue
            kept.append((sentence, defect))
    if sum(len(s.split()) for s, _ in kept) > LONG_STORY_WORDS and any(d for _, d in kept):
        kept = [(s, d) for s, d in kept if d]
    return " ".join(s for s, _ in kept)


def _not_problem(sentence: str) -> bool:
    if _PHONE_SHAPE.search(sentence):
        return True
    return bool(
        re.search(
            r"\b(?:attached|attaching|ci-joint|see photos?|this is [A-Z]\w+|my name is|"
            r"(?:please )?(?:call|contact|reach|text) (?:me|us|her|him|them|\w+ directly)|"
            r"best (?:number|time)|sent from my|thanks|thank you|merci)\b",
            sentence,
            re.IGNORECASE,
        )
    ) or bool(_SIGN_OFF.match(sentence))
