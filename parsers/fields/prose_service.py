"""Reader: the prose of a service request. The caller's phone, the site address, a
reference, the urgency and the problem in the sender's own words."""

from __future__ import annotations

import re

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields.common import Context, _reference
from intake.parsers.fields.description import _description
from intake.parsers.fields.patterns import (
    _ADDRESS,
    _CALLER,
    _NAME_WORD,
    _PERSON,
    _PERSON_ON_ONE_LINE,
    _PHONE_AVOIDED,
    _PHONE_PREFERRED,
    _REFERENCE,
    _USE_WHICH_PHONE,
    COMPANY_WORD,
)
from intake.parsers.fields.resolver import CLAUSE, GUESS, LABELLED, PROSE, Found
from intake.parsers.fields.site_address import site_address
from intake.parsers.fields.structure import Block
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded


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
    address = site_address(text, v.org.phone_region)
    if address:
        found.offer("site_address", address, PROSE, ctx.source)
    for label_block in (b for b in blocks if b.kind == "label"):
        # its value and the lines under it ("Site: ...\nOur job # HFD-2291")
        ref = _REFERENCE.search("\n".join([label_block.text, *label_block.lines]))
        if ref and label_block.target not in ("contact_phone", "contact_name"):
            found.offer("reference", _reference(ref), PROSE, ctx.source)
    ref = _REFERENCE.search(text)
    if ref:
        found.offer("reference", _reference(ref), PROSE, ctx.source)
    _named_contact(v, found, text, ctx)
    _name_before_phone(v, found, text, ctx)
    _name_before_address(v, found, text, ctx)
    if not ctx.is_reply:
        kinds = ("prose", "bullets", "table")
        description = _description([b for b in blocks if b.kind in kinds], v.org.phone_region)
        found.offer("description", description, PROSE, ctx.source)
    # a form's "Issue description: ... glass shattered, door cannot be locked" names the
    # hazard as prose would
    described = [" ".join([b.text, *b.lines]) for b in blocks if b.target == "description"]
    _urgency(v, found, "\n\n".join([text, *described]), ctx)


def _prose_phone(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """The caller's number. The words just before a number say whose it is: a "new" or
    "cell" number wins, an "old", "office" or "fax" number loses; otherwise the first."""
    best: tuple[float, int, str] | None = None
    use = _USE_WHICH_PHONE.search(text)
    for e164, start, end in nz.find_phones(text, v.org.phone_region):
        if _third_party(text, start):
            continue  # "our neighbour Mr. Haas has a key, he is at 403-...": not the contact
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
# "please contact the homeowner directly: Ilyas Karimi, 77 ...",
# "Bow Valley's site lead Mark Jensen will meet you there": the person the request is for.
_NAMED_CONTACT = cued(
    guarded(
        re.compile(
            r"\b(?i:home ?owners?|owners?|customers?|clients?|tenants?|residents?|buyers?|"
            r"site (?:lead|super(?:intendent)?|contact|manager|foreman)|super(?:intendent)?|"
            r"foreman|caretaker|property manager|"
            # "Contact on site is their PM, Ryan Decker", "Contact is Marco Bellini at Clearview",
            # "Contact at the plant is Wes Harder"
            r"contact (?:on|at|for) (?:the |their |our )?(?:site|job|[a-z]+(?= is\b))(?: is)?"
            r"(?: (?:their|our|the) [\w ]{2,30}?,)?|"
            r"(?<![\w ])contact(?= is\b)|"
            # "..., her name is Hannah Okonkwo and she's best reached at ..."
            r"(?i:her|his) name(?= is\b))"
            r"(?:'s name)?(?:\s+directly)?(?:\s+(?:is|will be|here is)|\s*[:,-])?\s+"
            rf"({_PERSON})\b"
        )
    )
)

# "Please contact our PM, Steve Olafson, at 403-...": the sender names whom to call by their
# role in the sender's own firm or the customer's
_TO_CALL = cued(
    guarded(
        re.compile(
            r"\b(?i:contact|call|reach|text|book with|coordinate with)\s+(?i:our|their|the)\s+"
            r"(?i:pm|project manager|project coordinator|site (?:super(?:intendent)?|lead|manager|"
            r"foreman)|super(?:intendent)?|foreman|coordinator|manager)\s*,?\s+"
            rf"({_PERSON})\b"
        )
    )
)
# The sender says who the contact is: "one of our customers, X", "book directly with the
# homeowner: X"
_DESIGNATED = re.compile(
    r"\bour\s+(?=\S+\W*$)|\b(?:book|deal|arrange|coordinate|schedule)\b[^.\n]{0,12}?"
    r"\bwith\s+(?:the\s+)?(?=\S+\W*$)",
    re.IGNORECASE,
)


# "Just got a call from Kyle Brandt, Prairie Crest's site super", "Just got off the phone
# with Gord Lacey, ...": the caller, named after
_CALL_FROM = cued(
    guarded(
        re.compile(
            rf"\b(?:(?:got|had|received|took)\s+(?:a|an)\s+(?:call|text|message|voicemail)"
            rf"(?:\s+[a-z]+){{0,4}}?\s+from|"
            rf"(?:got|just got) off the phone with|(?:spoke|talked) (?:to|with))\s+"
            rf"(?P<name>{_PERSON})(?=\s*(?:[,.;:(–—-]|$))"
            # "Could someone get out to see Dale Kowalski at 2207 Elm Ridge Dr": whom the visit
            # is for
            rf"|\b(?:out to see|to see|to meet|visit|reach out to|get in touch with)\s+"
            rf"(?P<visited>{_PERSON})\s+(?:at|in|about|regarding)\b"
        )
    )
)
# "Bernard Osei, who had us supply his new entry door last fall, phoned this morning": a
# dealer or a property manager writing for the customer who called them
_WHO_CALLED = cued(
    guarded(
        re.compile(
            rf"(?:^|(?<=[.!?])\s+|(?<=\n))(?P<name>{_PERSON}),\s+who\b[^.!?\n]{{0,120}}?,?\s+"
            r"(?:called|phoned|rang|emailed|texted|came in(?:to)?|stopped by|dropped by)\b"
        )
    )
)
# "Please coordinate with Jasmine Kerr, site super: 587-555-0133": who lets the tech in
_WITH = cued(
    guarded(
        re.compile(
            rf"\b(?:coordinate|arrange (?:it|access|the visit)|book (?:it|the visit))\s+with\s+"
            rf"(?P<visited>{_PERSON})(?=\s*(?:[,.;:(–—-]|$))"
        )
    )
)
# "contact Marco at BVR 403.555.0170 x22", "call Dave on 780-555-0133": whom to call, by the
# number written right after their name
_CALL_BY_NUMBER = cued(
    guarded(
        re.compile(
            r"\b(?i:contact|call|text|ring|ask for)\s+"
            r"(?P<name>[A-ZÀ-Ý][a-zà-ÿ'’-]+(?: [A-ZÀ-Ý][a-zà-ÿ'’-]+)?)"
            r"(?:\s+(?:at|@|from|with|of)\s+[^\d\n]{1,30}?)?[\s,:-]*(?:(?:on|at)\s+)?"
            r"(?=\+?1?[\s.-]?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b)"
        )
    )
)
# "Northgate's QA lead Lyle Brandt will meet the tech on site": who lets the tech in
_MEETS_THE_TECH = cued(
    guarded(
        re.compile(
            rf"(?P<name>{_PERSON})\s+(?:will|can|is going to)\s+(?:meet|let in)\s+"
            r"(?:the |our |your )?(?:tech|techs|technician|installer|service guy|you)\b"
        )
    )
)
# Words that open a sentence in capitals and are no one's name
_NOT_A_NAME = re.compile(
    r"(?:Photo|Photos|Pic|Pics|Picture|Pictures|Image|Video|Email|Message|Note|Text|Here|"
    r"This|That|Also|Then|Today|Yesterday|Tonight|Just|Our|Your|The)\b"
)


def _named_contact(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """A person the sender names by their role, or as the one who called them: a guess below
    a customer's own From name."""
    staff = v.staff_keys
    for m in _WHO_CALLED.finditer(text):
        if _a_persons_name(v, m["name"]):
            found.offer("contact_name", m["name"], CLAUSE, ctx.source)  # said, whoever writes
            return
    callers = [*_CALLER.finditer(text), *_CALL_FROM.finditer(text), *_WITH.finditer(text)]
    callers += [*_MEETS_THE_TECH.finditer(text), *_CALL_BY_NUMBER.finditer(text)]
    for m in callers:
        name = m.groupdict().get("name") or m.group("visited")
        if nz.account_key(name) in staff or COMPANY_WORD.search(name):
            continue
        if _NOT_A_NAME.match(name):
            continue  # "Photo Kyle texted me:": the photo, then the man who sent it
        if nz.match_account(name, v.org):
            continue
        found.offer("contact_name", name, PROSE if ctx.sender_is_staff else GUESS, ctx.source)
        return
    for m in _TO_CALL.finditer(text):
        if _a_persons_name(v, m.group(1)):
            found.offer("contact_name", m.group(1), CLAUSE, ctx.source)
            return
    for m in _NAMED_CONTACT.finditer(text):
        name = m.group(1)
        key = nz.account_key(name)
        if key in staff or COMPANY_WORD.search(name) or nz.match_account(name, v.org):
            continue
        # A customer's own From name and signature say more about who to call, unless the
        # sender says who the contact is ("one of our customers, Paula ...", "book directly
        # with the homeowner: Aisha ...").
        if _DESIGNATED.search(text, max(0, m.start() - 40), m.start() + 1):
            found.offer("contact_name", name, CLAUSE, ctx.source)
        else:
            found.offer("contact_name", name, PROSE if ctx.sender_is_staff else GUESS, ctx.source)
        return
    if ctx.sender_is_staff:
        if _contact_line(v, found, text, ctx):
            return
        _titled_customer(v, found, text, ctx)


# "Contact Gord Pelletier, QA lead, 780-555-0193", "contact rachel tam pch warranty 587 555
# 0108": a line that opens with "contact", no colon, the person and their number after
_CONTACT_LINE = cued(
    guarded(
        re.compile(
            r"(?im)^[ \t]*contact[ \t]+(?P<name>[a-zà-ÿ'’-]+[ \t]+[a-zà-ÿ'’-]+)"
            r"(?P<rest>[ \t,][^\n]*)$"
        )
    )
)
# A role or a thing written where a contact line's person would be ("contact site super")
_ROLE_WORDS = {
    "site", "super", "pm", "office", "warranty", "plant", "owner", "homeowner", "customer",
    "tenant", "info", "details", "person", "lead", "manager", "at", "on", "is", "for", "name",
}  # fmt: skip


def _contact_line(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> bool:
    """In a staff member's request, the person on a "Contact <name>, <role>, <phone>" line,
    written in capitals or all in lower case: whom to call."""
    for m in _CONTACT_LINE.finditer(text):
        words = m["name"].split()
        lowered = m["name"].islower()
        if {w.lower() for w in words} & _ROLE_WORDS or (
            not lowered and not all(w[0].isupper() for w in words)
        ):
            continue
        if not nz.find_phones(m["rest"], v.org.phone_region):
            continue
        name = " ".join(w.capitalize() if lowered else w for w in words)
        if _a_persons_name(v, name):
            found.offer("contact_name", name, PROSE, ctx.source)
            return True
    return False


# "Mrs. Adaeze Okonkwo called, the crank ...", "From the VM: Mr. Harold Finch (elderly) -
# ...": a person given a title and a full name. (Not "Dr": a street's abbreviation.)
_TITLED = guarded(re.compile(rf"\b(?:Mr|Mrs|Ms|Mme|Miss)\.?\s+(?P<name>{_PERSON})"))


def _titled_customer(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """In a staff member's note of a call, the person named with a title is the customer:
    staff write their colleagues by first name, and customers as "Mrs. Okonkwo". A
    neighbour or key holder so named is not the contact."""
    for m in _TITLED.finditer(text):
        if _third_party(text, m.start()) or not _a_persons_name(v, m["name"]):
            continue
        found.offer("contact_name", m["name"], PROSE, ctx.source)
        return


# A person other than the sender or the one the visit is for: a neighbour with a key.
_THIRD_PARTY = guarded(
    re.compile(
        r"\b(?:neighbou?rs?|friends?|key ?holder|ha(?:s|ve) (?:a|the|our|my) (?:spare )?key|"
        r"babysitter|(?:house|dog|pet) ?sitter|cleaners?|voisine?s?)\b",
        re.IGNORECASE,
    )
)


def _third_party(text: str, start: int) -> bool:
    """Whether the sentence that leads up to a phone number gives it as someone else's."""
    lead = re.split(r"[.!?\n]\s", text[max(0, start - 160) : start])[-1]
    return bool(_THIRD_PARTY.search(lead)) and not re.search(
        r"\b(?:my|me)\s+(?:cell|mobile|number|phone)\b", lead, re.IGNORECASE
    )


# "..., Kyle Brenner 403-555-0178, ...", "Lindsay Cheung 587 555 0119": a name given
# with the number to call.
_NAME_BEFORE_PHONE = re.compile(
    rf"(?<![\w'’])({_PERSON})"
    r"\s*(?:[,:–-]\s*|\s+(?:at|on|@)\s+)?$"
)
_NOT_NAME_WORDS = {
    "call", "text", "cell", "mobile", "office", "phone", "home", "work", "main", "fax", "tel",
    "me", "us", "him", "her", "number", "contact", "reach", "direct", "line", "thanks",
    "regards", "cheers", "thank", "you", "please", "the", "my", "our", "his", "their",
}  # fmt: skip


def _name_before_phone(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """A person's name written just before a phone number: who to call. Said after the
    customer or homeowner ("please contact the homeowner directly to book: Raj Patel,
    780-...") it is the contact the sender designates, as before an address."""
    for _, start, _ in nz.find_phones(text, v.org.phone_region):
        if _third_party(text, start):
            continue
        before = max(0, start - 50)
        m = _NAME_BEFORE_PHONE.search(text[before:start])
        if not m:
            continue
        name = m.group(1)
        if not _a_persons_name(v, name):
            continue
        at = before + m.start(1)
        lead = text[max(0, at - 120) : at]
        # (never a town ending the address above the number: "9 Lakeview Pt, Sherwood Park")
        in_address = any(a.start() <= at < a.end() for a in _ADDRESS.finditer(text))
        designated = _FOR_WHOM.search(lead) is not None and not in_address
        conf = CLAUSE if designated else PROSE if ctx.sender_is_staff else GUESS
        found.offer("contact_name", name, conf, ctx.source)
        return


# Who the sender hands the visit to ("book directly with the homeowner:", "our client")
_FOR_WHOM = re.compile(
    r"\b(?:home ?owners?|customers?|clients?|tenants?|residents?|owners?|occupants?)\b", re.I
)


def _name_before_address(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """ "Mrs. Adaeze Okonkwo / 9 Lakeview Pt, Sherwood Park / 780 555 0119": a person's name
    written just before the address, as on an envelope. Said after the customer or
    homeowner it is the contact the sender designates."""
    for address in _ADDRESS.finditer(text):
        m = _ENVELOPE_NAME.search(text, max(0, address.start() - 60), address.start())
        if not m or not _a_persons_name(v, m["name"]) or _PLACE_WORD.search(m["name"]):
            continue
        lead = text[max(0, m.start() - 120) : m.start()]
        designated = _FOR_WHOM.search(lead) is not None
        conf = CLAUSE if designated else PROSE if ctx.sender_is_staff else GUESS
        found.offer("contact_name", m["name"], conf, ctx.source)
        return


# The name line of an envelope: after a title, a colon or a line break, the address next
_ENVELOPE_NAME = re.compile(
    r"(?:^|[:\n]\s*|\b(?:Mr|Mrs|Ms|Mme|Miss|Dr)\.?\s+)"
    rf"(?P<name>{_PERSON_ON_ONE_LINE})"
    r"[ \t]*,?\s*$"
)


# "Marco's cell: 403-...", "Best number for Lisa is her cell, 403-...", "call Dave at":
# the person a phone number belongs to, by first name
_FIRST_NAME_FOR_PHONE = cued(
    re.compile(
        r"\b(?P<first>[A-ZÀ-Ý][a-zà-ÿ]+)(?:'s|’s)\s+(?:cell|mobile|number|phone|cel)\b"
        r"|\b(?:number|cell|phone) for (?P<for>[A-ZÀ-Ý][a-zà-ÿ]+)\b"
        r"|\b(?:call|text|reach) (?P<call>[A-ZÀ-Ý][a-zà-ÿ]+) (?:at|on)\b"
    )
)


def first_name_with_phone(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """ "Marco Ruiz (foreman at Bow Valley) called me ... Marco's cell: 403-555-0129": the
    phone's owner named by first name, and in full elsewhere in the message."""
    if found.has("contact_name") or not _FIRST_NAME_FOR_PHONE.search(text):
        return  # (the words first: finding phones is the dearer search)
    for _, start, _ in nz.find_phones(text, v.org.phone_region):
        lead = re.split(r"[.!?]\s|\n", text[max(0, start - 80) : start])[-1]
        m = _FIRST_NAME_FOR_PHONE.search(lead)
        if not m:
            continue
        first = m["first"] or m["for"] or m["call"]
        for full in re.finditer(rf"\b{re.escape(first)}\s+{_NAME_WORD}\b", text):
            name = full.group(0)
            if _a_persons_name(v, name) and not _PLACE_WORD.search(name):
                found.offer(
                    "contact_name", name, PROSE if ctx.sender_is_staff else GUESS, ctx.source
                )
                return


def _a_persons_name(v: OrgVocabulary, name: str) -> bool:
    """Not a staff member, a company, an account or a word that only looks like a name."""
    return not (
        {w.lower() for w in name.split()} & _NOT_NAME_WORDS
        or nz.account_key(name) in v.staff_keys
        or COMPANY_WORD.search(name)
        or nz.match_account(name, v.org)
    )


# "Riverbend Terrace", "Crowfoot Estates": a building or a place, not a person
_PLACE_WORD = re.compile(
    r"\b(?:Terrace|Estates|Commons?|Gardens|Manor|Place|Towers?|Court|Village|Heights|Plaza|"
    r"Landing|Crossing|Lofts|Suites|Residences|Condos?|Apartments|Building|Digest)$"
)


def _urgency(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    if v.is_emergency(text):
        found.offer("urgency", "emergency", PROSE, ctx.source)
    elif not ctx.is_reply:
        found.offer("urgency", "normal", GUESS, ctx.source)
