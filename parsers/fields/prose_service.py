"""Reader: the prose of a service request. The caller's phone, the site address, a
reference, the urgency and the problem in the sender's own words."""

from __future__ import annotations

import re

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields.common import Context, _clean, _reference, _strip_greeting, sentences
from intake.parsers.fields.lexicon import DEFECT_CUES, REQUEST_CUES
from intake.parsers.fields.patterns import (
    _ADDRESS,
    _ADDRESS_CUE,
    _GREETING,
    _PHONE_AVOIDED,
    _PHONE_PREFERRED,
    _REFERENCE,
    _SIGN_OFF,
    _USE_WHICH_PHONE,
)
from intake.parsers.fields.patterns import (
    _PHONE_SHAPE as _ANY_PHONE_SHAPE,
)
from intake.parsers.fields.resolver import CLAUSE, GUESS, LABELLED, PROSE, Found
from intake.parsers.fields.structure import Block
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded

# Matched on lower-cased text with straight apostrophes.
_DEFECT = guarded(re.compile(r"\b(?:" + "|".join(DEFECT_CUES) + ")"))
# The state a fault leaves the opening in ("the lockset still locks so the house is
# secure"): part of the description even in a sentence that also asks for a visit
_STATE = guarded(
    re.compile(
        r"\bstill (?:locks?|closes?|opens?|latches?|works?)\b|\b(?:is|are|stays?) secure\b|"
        r"\bdoes(?:n't| not)? (?:lock|close|latch)\b"
    )
)
_REQUEST = guarded(re.compile(r"\b(?:" + "|".join(REQUEST_CUES) + ")"))
# Searched in every sentence: each of these is guarded by the characters its matches start
# with (see first_chars), which makes the searches two to three times faster.
_PHONE_SHAPE = guarded(_ANY_PHONE_SHAPE)


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


# A person's name as written: a capitalised word, then one or two more ("Mark Jensen",
# "Anne McNeil"), the words apart by any space or by one space only
_NAME_WORD = r"(?:[A-ZÀ-Ý][a-zà-ÿ'’-]+|Mc[A-Z][a-z]+)"
_PERSON = r"[A-ZÀ-Ý][a-zà-ÿ'’-]+(?:\s+" + _NAME_WORD + r"){1,2}"
_PERSON_ON_ONE_LINE = r"[A-ZÀ-Ý][a-zà-ÿ'’-]+(?: " + _NAME_WORD + r"){1,2}"

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
            r"(?<![\w ])contact(?= is\b))"
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
_COMPANY_WORD = re.compile(
    r"\b(?:Homes|Builders|Construction|Developments?|Renovations|Contracting|Group|Ltd|Inc|"
    r"Corp|Co|Properties|Property|Management|Realty|Dealers?|Windows|Doors|Centre|Center|"
    r"Dental|Clinic|Services)\b"
)


# "Genevieve Martel called me last night – the deadbolt ...": a customer who called the
# sender, named as the subject of the call; the lead clause is no part of the fault.
_CALLER = cued(
    re.compile(
        rf"(?:^|(?<=[.!?\n])\s*)(?P<name>{_PERSON})"
        r"\s+(?:just\s+)?(?:called|phoned|rang|texted|emailed|e-mailed|messaged)\s+"
        r"(?:me|us|in|our office)\b(?P<when>[^.!?\n–—:;-]{0,30}?)\s*(?P<sep>[–—:;-]|,|$)",
        re.M,
    )
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
# "Please coordinate with Jasmine Kerr, site super: 587-555-0133": who lets the tech in
_WITH = cued(
    guarded(
        re.compile(
            rf"\b(?:coordinate|arrange (?:it|access|the visit)|book (?:it|the visit))\s+with\s+"
            rf"(?P<visited>{_PERSON})(?=\s*(?:[,.;:(–—-]|$))"
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
    callers = [*_CALLER.finditer(text), *_CALL_FROM.finditer(text), *_WITH.finditer(text)]
    callers += _MEETS_THE_TECH.finditer(text)
    for m in callers:
        name = m.groupdict().get("name") or m.group("visited")
        if nz.account_key(name) in staff or _COMPANY_WORD.search(name):
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
        if key in staff or _COMPANY_WORD.search(name) or nz.match_account(name, v.org):
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
        if {w.lower() for w in words} & _ROLE_WORDS or not nz.find_phones(
            m["rest"], v.org.phone_region
        ):
            continue
        lowered = m["name"].islower()
        if not lowered and not all(w[0].isupper() for w in words):
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
    """A person's name written just before a phone number: who to call."""
    for _, start, _ in nz.find_phones(text, v.org.phone_region):
        if _third_party(text, start):
            continue
        m = _NAME_BEFORE_PHONE.search(text[max(0, start - 50) : start])
        if not m:
            continue
        name = m.group(1)
        if not _a_persons_name(v, name):
            continue
        found.offer("contact_name", name, PROSE if ctx.sender_is_staff else GUESS, ctx.source)
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
        or _COMPANY_WORD.search(name)
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


# An address typed in lower case on a phone ("19 mapleridge cres se calgary"): the street
# type and a quadrant make it one; the word after is its city unless it is a common word.
_LOWER_STREET = (
    r"(?:street|st|avenue|ave|road|rd|drive|dr|boulevard|blvd|crescent|cres|court|ct|crt|"
    r"lane|ln|way|place|pl|trail|terrace|circle|cir|parkway|pkwy|highway|hwy|close|gate|"
    r"heights|hts|landing|common|green|grove|bay|rise|point|view|ridge|park|mews|manor|link|"
    r"square|sq)"
)
_COMMON_WORDS = (
    r"(?:not|and|but|the|is|was|please|can|could|we|i|it|its|our|my|in|on|at|for|to|with|"
    r"near|by|from|so|if|or|thanks|thx|sorry|ok|okay|cell|phone|call)"
)
_LOWER_ADDRESS = cued(
    guarded(
        re.compile(
            # (a numbered street: "1417 8 ave nw calgary")
            r"(?<![\w\-.#])\d{1,6}[a-z]?\s+"
            r"(?:\d{1,3}(?:st|nd|rd|th)?\s+(?:[a-z][\w'’-]*\s+){0,2}?|(?:[a-z][\w'’-]*\s+){1,3}?)"
            + _LOWER_STREET
            + r"\.?\s+(?:nw|ne|sw|se)\b(?:,?\s+(?!"
            + _COMMON_WORDS
            + r"\b)[a-z][a-z'’-]{2,}\b)?",
            re.IGNORECASE,
        )
    )
)
# "we are at 1650 industrial rd, dock 3, olds": an address written all in lower case and
# without a quadrant, taken only where the sender says it is where they are
_CUED_LOWER_ADDRESS = cued(
    re.compile(
        r"\b(?:we(?:'re|’re| are) at|i(?:'m|’m| am) at|located at|address is|site is at|"
        r"come (?:out )?to|deliver(?:ed)? to|at our (?:plant|shop|yard|site|office)(?: at)?)\s+"
        r"(?P<address>\d{1,6}[a-z]?\s+(?:[a-z][\w'’-]*\s+){1,3}?"
        + _LOWER_STREET
        + r"\.?(?:,?\s*(?:dock|bay|door|gate|unit|suite|bldg|building)\s*#?\s*\w{1,5})?"
        r"(?:,\s*(?!" + _COMMON_WORDS + r"\b)[a-z][a-z'’-]{2,}(?:\s[a-z][a-z'’-]{2,})?)?)"
        r"(?=\s*(?:[.;!\n]|$))",
        re.IGNORECASE,
    )
)
# "its 91 not 19 Mapleridge Cres SE": the number before "not" replaces the address's own.
_NUMBER_CORRECTION = re.compile(r"\b(\d{1,6}[A-Za-z]?)\s*,?\s*(?:and |but )?not\s*$", re.I)


def _title_address(text: str) -> str:
    words = _clean(text).replace(",", " ").split()
    out: list[str] = []
    for i, word in enumerate(words):
        if word.lower() in ("nw", "ne", "sw", "se"):
            out.append(word.upper())
            if i + 1 < len(words):
                out[-1] += ","
        else:
            out.append(word[:1].upper() + word[1:] if word[:1].islower() else word)
    return " ".join(out)


_DIGIT = re.compile(r"\d")


def _address_spans(text: str, region: str) -> list[tuple[int, int, str]]:
    """Addresses in prose as (start, end, value), phone numbers blanked first so that a
    number's digits never start a street ("587 555 0119 2207 Erin Woods Dr SE")."""
    if not _DIGIT.search(text):
        return []  # every address form starts with a number: most sentences need no scan
    for _, start, end in nz.find_phones(text, region):
        text = text[:start] + " " * (end - start) + text[end:]
    spans: dict[int, tuple[int, int, str]] = {}
    for m in _ADDRESS.finditer(text):
        spans[m.start()] = (m.start(), m.end(), _clean(m.group(0)).rstrip("."))
    for m in _LOWER_ADDRESS.finditer(text):
        known = spans.get(m.start())
        if known is None or m.end() > known[1]:
            spans[m.start()] = (m.start(), m.end(), _title_address(m.group(0)))
    for m in _CUED_LOWER_ADDRESS.finditer(text):
        start, end = m.span("address")
        known = spans.get(start)
        if known is None or end > known[1]:
            spans[start] = (start, end, _clean(m["address"]))
    for start, end, value in nz.find_rural_addresses(text):  # "Box 19, Site 7, RR 2, Town, AB"
        spans = {k: x for k, x in spans.items() if x[1] <= start or x[0] >= end}
        spans[start] = (start, end, value)
    out = []
    for start, end, value in sorted(spans.values()):
        fix = _NUMBER_CORRECTION.search(text[max(0, start - 20) : start])
        if fix:
            value = re.sub(r"^#?\d{1,6}[A-Za-z]?", fix.group(1), value)
        out.append((start, end, value))
    return out


def site_address(text: str, region: str = "CA") -> str | None:
    """The first address the prose gives, corrected when the sender corrects its number."""
    spans = _address_spans(text, region)
    return spans[0][2] if spans else None


def _cut_contact_tail(sentence: str, region: str) -> str:
    """An unpunctuated message that runs on into the address and phone ("... can somebody
    come fix it 19 mapleridge cres se calgary dave 403 555 0147"): the part before them."""
    starts = [s for s, _, _ in _address_spans(sentence, region)]
    phone = _PHONE_SHAPE.search(sentence)
    if phone:
        starts.append(phone.start())
    if not starts:
        return sentence
    cut = min(starts)
    before, tail = sentence[:cut], sentence[cut:]
    for start, end, _ in sorted(_address_spans(tail, region), reverse=True):
        tail = tail[:start] + tail[end:]
    tail = _PHONE_SHAPE.sub(" ", tail)
    fault = _DEFECT.search(before.replace("’", "'").lower())
    if fault and len(before.split()) >= 5 and len(re.findall(r"[^\W\d_]+", tail)) <= 3:
        return before.rstrip(" ,;:-–")
    return sentence


# "I manage the Bowness Court building and one of your casements ...": who the sender is,
# run into the clause that names the fault
_INTRODUCTION = re.compile(
    r"^(?:I|we)\s+(?:manage|look after|run|own|rent|live in|am the [\w ]{3,30}? (?:for|of|at))"
    r"\b[^,]{0,80}?\s+and\s+(?=\S)",
    re.IGNORECASE,
)
# A whole message written as one sentence: many comma clauses, many words.
RUN_ON_CLAUSES, RUN_ON_WORDS = 5, 50


def _is_run_on_story(sentence: str) -> bool:
    """ "I manage the building, one of your casements has come apart, we've taped off the
    area, the tenant can't close it, I've attached a photo, can someone come today?" """
    return (
        len(sentence.split()) >= RUN_ON_WORDS
        and len(re.findall(r",\s+", sentence)) + 1 >= RUN_ON_CLAUSES
    )


def _fault_clauses(sentence: str, *, faults_only: bool = False) -> str:
    """A long run-on sentence that also gives a phone ("the super says three units are
    fogging, they went in on SO-..., Kyle Brenner 403-..., can you book someone"): the
    comma clauses that say what is wrong, or what to do about it. `faults_only`: of a
    whole message written as one sentence, only the clauses that name the fault."""
    text = re.sub(r"\s*\([^)]*\)", "", sentence)
    lead = re.search(
        r"\b(?:says|said|reports|reported|tells me|told me|mentioned)\s+(?:that\s+)?", text
    )
    if (
        lead
        and len(text[: lead.start()].split()) <= 20
        and not _DEFECT.search(text[: lead.start()].lower())
    ):
        text = text[lead.end() :]
    kept: list[str] = []
    for clause in re.split(r",\s+", text):
        clause = _INTRODUCTION.sub("", clause.strip().rstrip(".!"))
        lowered = clause.replace("’", "'").lower()
        if not clause or _PHONE_SHAPE.search(clause) or _REFERENCE.search(clause):
            continue
        if _NOT_PROBLEM.search(clause) or _SIGN_OFF.match(clause):
            continue  # "..., thank you Brenda Kowalczyk"
        clause = _after_address(clause)
        lowered = clause.replace("’", "'").lower()
        if _ADDRESS.search(clause) or (_REQUEST.search(lowered) and not _DEFECT.search(lowered)):
            continue
        if faults_only and (not _DEFECT.search(lowered) or _not_problem(clause)):
            continue
        kept.append(re.sub(r"^(?i:(?:can|could|would) you (?:please )?)", "", clause))
    if not any(_DEFECT.search(k.replace("’", "'").lower()) for k in kept):
        return ""
    return ", ".join(kept)


def _after_address(clause: str) -> str:
    """ "we had windows put in about 2 yrs ago at 3318 Parsons Rd NW in Edmonton and the big
    window has gone foggy": of a clause that runs on past the address into the fault, the
    fault; any other clause as it is."""
    address = _ADDRESS.search(clause)
    if not address:
        return clause
    rest = re.sub(r"^[\s,;]*(?:and|but|so)?\s+", "", clause[address.end() :])
    lowered = rest.replace("’", "'").lower()
    return rest if len(rest.split()) >= 4 and _DEFECT.search(lowered) else clause


def _table_problems(block: Block) -> str:
    """A table of problems ("Suite | Issue | Access"): each row up to its issue column."""
    if len(block.rows) < 2:
        return ""
    header = [c.lower() for c in block.rows[0]]
    column = next(
        (
            i
            for i, c in enumerate(header)
            if re.search(r"\b(?:issue|problem|defect|fault|description|what'?s wrong)\b", c)
        ),
        None,
    )
    if column is None:
        return ""
    rows = [r for r in block.rows[1:] if len(r) > column]
    return "; ".join(_clean(" ".join(r[: column + 1])) for r in rows)


# A long story is cut to the sentences that describe the fault.
LONG_STORY_WORDS = 80


_LOWER_STARTS = re.compile(r"[.!?]\s+[a-zà-ÿ]")
_UPPER_STARTS = re.compile(r"[.!?]\s+[A-ZÀ-Ý]")


def _description(blocks: list[Block], region: str = "CA") -> str:
    """The problem in the sender's words: prose sentences that are not greetings, contact
    details, self-introductions, attachment notes, requests to be called or the logistics
    of a visit (unless they also say what is wrong); of a long story, only the sentences
    that describe the fault."""
    kept: list[tuple[str, bool]] = []
    for block in blocks:
        if block.kind == "table":
            problems = _table_problems(block)
            if problems:
                kept.append((problems, True))
            continue
        text = block.text if block.kind == "prose" else "; ".join(block.lines)
        if block.kind == "prose" and _GREETING.fullmatch(text + " "):
            continue
        pieces = sentences(text)
        if _LOWER_STARTS.search(text) and not _UPPER_STARTS.search(text):
            # no sentence starts with a capital ("morning, got a cracked frame. bottom corner
            # is split."): ". " ends a sentence
            pieces = [p for s in pieces for p in re.split(r"(?<=[.!?])\s+", s) if p]
        for sentence in pieces:
            sentence = _strip_greeting(sentence)
            caller = _CALLER.match(sentence)
            if caller and caller.group("sep") in "–—:;-" and caller.end() < len(sentence):
                rest = sentence[caller.end() :].strip()
                sentence = rest[:1].upper() + rest[1:]
            sentence = re.sub(r"^(?i:hi|hello|hey)\s+(?=[a-z]+\s+[a-z])", "", sentence)
            sentence = _cut_contact_tail(sentence, region)
            if _PHONE_SHAPE.search(sentence) and len(sentence.split()) >= 20:
                sentence = _fault_clauses(sentence, faults_only=_is_run_on_story(sentence))
                if not sentence:
                    continue
            elif _is_run_on_story(sentence):
                sentence = _fault_clauses(sentence, faults_only=True)
                if not sentence:
                    continue
            if _not_problem(sentence):
                continue
            address = _ADDRESS.search(sentence)
            if address:
                before, after = sentence[: address.start()], sentence[address.end() :]
                if after.startswith(",") and len(before.split()) <= 6:
                    before = ""  # "At their reno at <address>, the door ...": the lead goes too
                rest = re.sub(r"\s*\(\s*\)|\s+(?=[.,;:!?])", "", before + after)
                rest = _clean(re.sub(r",(?:\s*,)+", ",", rest))  # "build, <address>, tells"
                cue = _ADDRESS_CUE.search(sentence[max(0, address.start() - 25) : address.start()])
                if cue or len(rest.split()) < 5:
                    continue
                sentence = rest[:1].upper() + rest[1:] if not before else rest
            sentence = _without_urgency_aside(sentence)
            if len(sentence.split()) < 2:
                continue
            lowered = sentence.replace("’", "'").lower()
            defect = bool(_DEFECT.search(lowered))
            if not defect and _REQUEST.search(lowered) and not _STATE.search(lowered):
                continue
            if not defect and _context_only(sentence):
                continue
            kept.append((sentence, defect))
    if sum(len(s.split()) for s, _ in kept) > LONG_STORY_WORDS and any(d for _, d in kept):
        kept = [(s, d) for s, d in kept if d]
    return " ".join(s for s, _ in kept)


def describes_fault(text: str) -> bool:
    """Does the text name a defect ("cracked", "won't lock", "leaking")?"""
    return bool(_DEFECT.search(text.replace("’", "'").lower()))


# Said around a fault, never the fault: who is writing ("Corey from Ridgeline Custom
# Builds.", "I'm the board president at ..."), who sent them ("Referral from Bow Valley"), a
# pleasantry ("Hope you're well.", "Happy to pay if it's not covered.") or photos to come.
_CONTEXT = cued(
    guarded(
        re.compile(
            r"\b(?:i(?:'|’)m|i am) (?:the|a|an|one of)\b|^[A-Z][a-z]+ (?:here )?from [A-Z]|"
            r"\breferr(?:al|ed) (?:from|by)\b|\basked me to (?:write|send|email|contact)\b|"
            r"\bhope (?:you|all|this finds)\b|\bhappy to (?:pay|cover|send|help)\b|"
            r"\b(?:will|i(?:'|’)ll|we(?:'|’)ll) (?:send|forward) (?:more |some )?"
            r"(?:pics|pictures|photos|images|video)\b|\b(?:pics|photos) (?:to follow|later)\b",
            re.IGNORECASE,
        )
    )
)


# "Not urgent, it isn't leaking or anything, but we'd like someone to look at both": how
# urgent it is (the urgency reader's business), and what follows a "but"
_URGENCY_ASIDE = cued(
    re.compile(
        r"^(?:it(?:'|’)?s |this is |it is )?(?:not (?:urgent|an emergency|a big deal)|"
        r"nothing urgent|no rush|no emergency)\b(?:.*?\bbut\b\s*(?P<rest>.*))?",
        re.IGNORECASE | re.DOTALL,
    )
)


def _without_urgency_aside(sentence: str) -> str:
    """A sentence that opens by saying how urgent the matter is: what it goes on to say
    after "but" if that names a fault, else nothing."""
    aside = _URGENCY_ASIDE.match(sentence)
    if not aside:
        return sentence
    rest = aside.group("rest") or ""
    lowered = rest.replace("’", "'").lower()
    if _DEFECT.search(lowered) and not _REQUEST.search(lowered):
        return rest[:1].upper() + rest[1:]
    return ""


def _context_only(sentence: str) -> bool:
    """A sentence naming no fault that only gives context: a question to the team ("Is
    this normal for new windows?"), the order or job it concerns ("Original order
    SO-558940."), who writes or sent them, a pleasantry (`_CONTEXT`). The case keeps the
    whole message; its description keeps the fault."""
    return (
        sentence.rstrip().endswith("?")
        or bool(_REFERENCE.search(sentence))
        or bool(_CONTEXT.search(sentence))
    )


def _not_problem(sentence: str) -> bool:
    if _PHONE_SHAPE.search(sentence):
        return True
    return bool(
        _NOT_PROBLEM.search(sentence) or _SIGN_OFF.match(sentence) or _WHO_OR_LATER.search(sentence)
    )


_NOT_PROBLEM = cued(
    guarded(
        re.compile(
            r"\b(?:attached|attaching|ci-joint|see photos?|this is [A-Z]\w+|my name is|"
            r"(?:please )?(?:call|contact|reach|text) (?:me|us|her|him|them|\w+ directly)|"
            r"(?:call|text)(?: or (?:call|text))? (?:me |us )?(?:at |on )?(?:this|that|my) "
            r"(?:number|cell|phone)|"
            r"best (?:number|time)|sent from my|thanks|thank you|merci|"
            # a photo sent in French, an inline image's name, a letter's sign-off
            r"j(?:'|’)ai joint|je vous joins|joint une photo|image: [\w.-]+|"
            r"yours (?:faithfully|sincerely|truly))\b",
            re.IGNORECASE,
        )
    )
)


# "The site super is Kyle Brandt.", "I don't have his cell handy, I'll send it over": who
# the contact is, or what the sender will send later, is no part of the fault
_WHO_OR_LATER = cued(
    guarded(
        re.compile(
            r"\b(?i:site super(?:intendent)?|site contact|site lead|contact|home ?owner|owner|"
            r"tenant|"
            r"foreman|super)(?:'s name)? (?i:is|will be) [A-ZÀ-Ý][a-zà-ÿ'’-]+ [A-ZÀ-Ý]"
            r"|\b(?i:i(?:'|’)ll send|i will send|(?:don(?:'|’)t|do not) have (?:his|her|their|the) "
            r"(?:cell|number|phone|mobile))\b"
        )
    )
)
