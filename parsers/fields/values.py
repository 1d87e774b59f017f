"""From what a sender stated to field values: one labelled value into its field(s), an
opportunity line into name / type / stage / close / factor / amount, dates, due dates, an
account or a contact. Every reader that found a value goes through here."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal

from intake.parsers import normalise as nz
from intake.parsers.fields.common import (
    QUOTES,
    SERVICE,
    Context,
    _clean,
    _label_key,
    _spec_lines,
    _split_parts,
    _unquote,
    sentences,
    without_stop,
)
from intake.parsers.fields.lexicon import _ONE_LINE_FIELDS, _TEXT_FIELDS, LABEL_STANDS_FOR
from intake.parsers.fields.patterns import (
    _ADDRESS,
    _AMOUNT_PART,
    _CLOSE_PART,
    _FACTOR_INSTEAD,
    _FACTOR_PART,
    _META,
    _MONEY,
    _PART_CUES,
    _SEE_ATTACHED,
    COMPANY_WORD,
    FOR_NOW,
)
from intake.parsers.fields.product_signs import names_products
from intake.parsers.fields.resolver import CLAUSE, IN_LABEL_VALUE, PROSE, FieldValue, Found
from intake.parsers.fields.site_address import site_address
from intake.parsers.fields.vocab import OrgVocabulary

# Values a sender corrects on the spot ("Factor .54 - sorry, .56", "Close Oct 15, I mean Oct
# 22", "Amount 80k - sorry, 85k"): the later one is read.
_CORRECTABLE = {"factor", "amount", "close_date"}


# How much less sure "Job:" or "Project:" names the opportunity than "Opp name:" does
JOB_DISCOUNT = 0.02


_ASKS = re.compile(r"\b(?:please|pls|kindly)\b", re.IGNORECASE)


_LABELLED_PERCENT = re.compile(r"\s*(\d{2,3})\s*%?\s*(?:$|[(,;–—-])")


def label_value(
    v: OrgVocabulary,
    found: Found,
    name: str,
    value: str,
    lines: list[str],
    conf: float,
    ctx: Context,
) -> None:
    """Normalise one labelled value into its field (or fields, for a composite)."""
    src = ctx.source
    if name in LABEL_STANDS_FOR:
        name, conf = LABEL_STANDS_FOR[name], conf - JOB_DISCOUNT
    value = _revised(value)  # "Factor: 0.54 -> [0.58]": a copied form with its edits
    if name == "attachments" or (not value.strip() and not lines):
        return
    if not value.strip() and name not in _TEXT_FIELDS:
        value, lines = lines[0], lines[1:]
    joined = _clean(" ".join([value, *lines]))
    pointer = _SEE_ATTACHED.match(value)
    if pointer and not lines:
        # "per attached schedule - 18 townhome units, 6000 series ...": what follows the
        # pointer, if anything, is the value; "see attached" alone leaves it to the file
        rest = re.sub(r"^[\w ]{0,30}?\s+[-–—:]\s+", "", value[pointer.end() :], count=1)
        if len(rest.split()) < 4 or rest == value[pointer.end() :]:
            return  # the attachment carries it; read there
        value = rest
    if (nz.is_no_value(value) or (name not in _TEXT_FIELDS and _ASK_SOMEONE.match(value))) and (
        not lines
    ):
        found.declared_empty.add("opportunity_name" if name == "opportunity" else name)
        return
    if name in _CORRECTABLE:
        value = nz.take_corrections(value, now=ctx.now)  # "80k - sorry, 85k": the later one
    if lines and name in _ONE_LINE_FIELDS:
        _offer_other_lines(v, found, name, lines, conf, ctx)
    if name == "account":
        offer_account(v, found, joined, conf, src)
    elif name == "customer":
        bracketed = _BRACKETED.search(joined) if ctx.queue == SERVICE else None
        address = site_address(bracketed.group(1), v.org.phone_region) if bracketed else None
        if address:
            # "Customer: PCH homeowner, lot 7 Westbrook (88 Westbrook Grove SW)": where
            found.offer("site_address", address, min(conf, IN_LABEL_VALUE), src)
        if nz.match_account(joined, v.org):
            offer_account(v, found, joined, conf, src)
        else:
            # "Customer: Hendricks" above "Scheduling contact: Marisol Ortega, 780-...": whom
            # the work is for yields to a label naming whom to call
            offer_contact(v, found, joined, conf - 0.05, src)
    elif name == "product_specs":
        # "Quote valid 60 days please - ...": a line asking something of the quoter is no spec
        lines = [ln for ln in lines if not _ASKS.search(ln) or v.qty_product.search(ln)]
        found.offer(name, _spec_lines([value, *lines] if value else lines), conf, src)
    elif name == "factor":
        factor = _corrected_factor(value)
        found.offer(name, str(factor) if factor is not None else None, conf, src)
    elif name in ("opportunity", "opportunity_name"):
        opportunity(v, found, value, conf, ctx, name_first=True)
    elif name in v.picklists:
        value = _checked_option(value)  # "☐ Single ☐ Non-Forecast Quote ☒ Account Monthly"
        later = nz.after_correction(value)  # "Submissions -- sorry no, Approvals": the later
        # "Stage: 25", "Stage: 25% (budget goes to their board next week)", and a percentage
        # corrected ("25% - my apologies, kindly make that 50%, as ...")
        picked = None
        for said in (later, value) if later else (value,):
            picked = v.pick(name, said)
            percent = _LABELLED_PERCENT.match(said)
            if picked is None and name == "stage" and percent:
                picked = v.pick(name, percent.group(1) + "%")
            if picked is not None:
                break
        found.offer(name, picked, conf, src)
        _other_fields(v, found, name, value, conf, ctx)
    elif name == "close_date":
        hit = ctx.find_date(value) if " or " in value else None
        if hit and undecided(value[hit[2] :], ctx):
            # "Close date: depends on their lender - either end of August or end of September"
            found.declared_empty.add(name)
            return
        found.offer(name, date_of(v, value, ctx), conf, src)
    elif name == "amount":
        if v.qty_product.match(value.strip()) and not _MONEY.search(value):
            return  # "Total: 14 casements, 2 awnings": a count of units, not money
        amount = nz.parse_amount(value)
        found.offer(name, str(amount) if amount is not None else None, conf, src)
    elif name == "quote_due":
        due = due_of(v, value, ctx)
        found.offer(name, due, conf, src)
    elif name == "site_address":
        # "Site: 3415 Parkdale Blvd NW, Calgary. Homeowners are the Ruiz family; ..."
        each = [x.strip() for x in [value, *lines] if x.strip()]
        if len(each) > 1 and all(_is_one_address(x) for x in each):
            # "Addresses:" then one home a line: every one of them
            found.offer(name, "; ".join(_clean(x) for x in each), conf, src)
            return
        address = _ADDRESS.search(joined)
        if address and re.match(r"\s*[.;]\s+\S", joined[address.end() :]):
            joined = joined[: address.end()]
        held = found.values.get(name)
        if held and held.source == src and address and not _ADDRESS.search(str(held.value)):
            # "Property: Lakeshore Commons, Building B" then "Address: 2250 Prospect Ave":
            # the building, then its street address
            found.values[name] = FieldValue(f"{held.value}, {joined}", held.confidence, src)
            return
        found.offer(name, joined, conf, src)
    elif name == "delivery_address":
        if _ADDRESS.search(joined):
            found.offer("site_address", joined, conf, src)
    elif name == "address_part":
        held = found.values.get("site_address")
        if held is not None and held.source == src and joined not in str(held.value):
            # "Street address: 11 Larch Crescent" / "City: St. Albert" / "Postal code: ..."
            found.values["site_address"] = FieldValue(
                f"{held.value}, {joined}", held.confidence, src
            )
    elif name in ("given_name", "family_name"):
        held = found.values.get("contact_name")
        if held is not None and held.source == src and len(str(held.value).split()) == 1:
            # "First name: Harjit" / "Last name: Sandhu": one name, in the form's two parts
            parts = [str(held.value), _clean(joined)]
            whole = " ".join(parts if name == "family_name" else parts[::-1])
            found.values["contact_name"] = FieldValue(whole, held.confidence, src)
        else:
            offer_contact(v, found, joined, conf, src)
    elif name in ("special_instructions", "description"):
        if name == "special_instructions":
            joined = _picklist_head(v, found, joined, min(conf, CLAUSE), src)
        found.offer(name, joined, conf, src)
    elif name == "contact_name":
        offer_contact(v, found, joined, conf, src)
        if ctx.queue == SERVICE:
            # "Homeowner: Arjun Mehta, 143 Tuscany Ridge Hts NW, Calgary, 403-555-0142": the
            # home of the one to call is where the work is
            address = site_address(joined, v.org.phone_region)
            found.offer("site_address", address, min(conf, IN_LABEL_VALUE), src)
    elif name == "contact_phone":
        found.offer(name, nz.normalise_phone(joined, v.org.phone_region), conf, src)
    elif name == "urgency":
        urgent = v.is_emergency(joined) or re.search(r"\b(?:high|critical)\b", joined, re.I)
        if urgent:
            found.offer(name, "emergency", conf, src)
        elif not _PRESSING.search(joined):
            found.offer(name, "normal", conf, src)
        # ("Priority: URGENT" is no emergency by itself, nor routine: what the text tells
        # of the fault decides, a hazard or none)
    elif name == "reference":
        said = _WHOSE.sub("", joined).split()  # "Ref: our SO-771402": the number, not "our"
        found.offer(name, _clean(said[0]) if said else None, conf, src)


_WHOSE = re.compile(r"(?i)^\s*(?:our|your|their|my|his|her|the)\s+")
_PRESSING = re.compile(r"(?i)\b(?:urgent|asap|rush|priority|pressing|today)\b")


# "Close: end of April -> [May 16]", "Stage: Submissions -> [no change]": an old value and,
# in brackets after an arrow, what replaces it
_REVISION = re.compile(r"^(?P<old>.*?)\s*(?:->|→|=>)\s*\[(?P<new>[^\[\]]*)\]\s*$")
_NO_CHANGE = re.compile(r"(?i)^\s*(?:no change|unchanged|same|same as before|as is|n/?c)\s*$")


def _revised(value: str) -> str:
    """The value an edit in brackets leaves: the new one, or the old where it says "no
    change"."""
    m = _REVISION.match(value)
    if not m:
        return value
    return m["old"] if _NO_CHANGE.match(m["new"]) else m["new"].strip()


_CHECKED = r"☒|☑|✓|✔|✗|✘|■|\[\s*[xX✓✔]\s*\]|\(\s*[xX✓✔]\s*\)"
_UNCHECKED = r"☐|□|○|\[\s*\]|\(\s*\)"
_CHECKBOX = re.compile(rf"(?P<checked>{_CHECKED})|{_UNCHECKED}")


def _checked_option(value: str) -> str:
    """A form's row of boxes read as the one option ticked ("☐ Single ☒ Account Monthly" ->
    "Account Monthly"); a value without boxes, or with no box or several ticked, unchanged."""
    marks = list(_CHECKBOX.finditer(value))
    ticked = [i for i, m in enumerate(marks) if m["checked"]]
    if len(marks) < 2 or len(ticked) != 1:
        return value
    i = ticked[0]
    end = marks[i + 1].start() if i + 1 < len(marks) else len(value)
    return value[marks[i].end() : end].strip()


# "Type: Project, record type Single", "Type: Standard / Single": a second picklist's value,
# its cue word before it or not, beside the labelled one
# (a comma inside a number, "86,500", splits nothing; a sentence's end does: "Type: Project
# w/ installation. Stage 50%, close date 30/09.")
_VALUE_PARTS = re.compile(r"\s*(?:[/;]|,(?!\d{3}\b))\s*|\s+[-–]\s+|(?<=[\w%])\.\s+(?=[A-Z])")
_PART_CUE = re.compile(
    r"(?i)^(record(?: type)?|rec type|type|opp(?:ortunity)? type|stage|close|closing)\s*:?\s+"
)


def _other_fields(
    v: OrgVocabulary, found: Found, name: str, value: str, conf: float, ctx: Context
) -> None:
    """Values of other fields stated in a picklist label's value: each part that is wholly
    another picklist's value ("Type: Standard / Single"), or that names its field first
    ("Type: Standard, stage 50%", "Type: Standard / Stage: 25% / Close: end of month")."""
    parts = [p for p in _VALUE_PARTS.split(value.strip()) if p]
    if len(parts) < 2:
        return
    for part in parts:
        cue = _PART_CUE.match(part)
        said = part[cue.end() :] if cue else part
        # the cue's field as the quote labels name it ("rec type", "closing")
        named = v.labels[QUOTES].get(_label_key(cue.group(1))) if cue else None
        if named == "close_date":
            if not found.has(named):
                found.offer(named, date_of(v, said, ctx), conf - 0.1, ctx.source)
            continue
        other = named or v.picklist_of_value(said)
        if other and other != name and not found.has(other):
            found.offer(other, v.pick(other, said), conf - 0.1, ctx.source)
        elif not other:  # "Stage 50%", "Record type Single", "factor .52"
            for field, stated in part_fields(v, part.rstrip("."), ctx, loose=False).items():
                if field != name and stated is not None and not found.has(field):
                    found.offer(field, stated, conf - 0.1, ctx.source)


def _offer_other_lines(
    v: OrgVocabulary, found: Found, name: str, lines: list[str], conf: float, ctx: Context
) -> None:
    """The continuation lines of a one-line field, read as parts of an opportunity line:
    what they state for another field is offered to it, below the label's own confidence."""
    for line in lines:
        for other, value in part_fields(v, line.strip(), ctx, loose=False).items():
            if other != name and value is not None:
                found.offer(other, value, min(conf, CLAUSE), ctx.source)


def _is_one_address(line: str) -> bool:
    m = _ADDRESS.match(line)
    return m is not None and len(line) - m.end() <= 3


# "std quote, just a budget number", "Project w/ install - crew needs a lift": a short
# head clause of the notes, then the rest
_HEAD_CLAUSE = re.compile(r"\s*([^,;.\n]{2,30}?)\s*(?:[,;]|\.\s|\s[-–]\s)\s*(\S.*)$", re.S)
# What may stand beside a picklist value in such a head: "std quote", "a standard job"
_HEAD_FILLER = {"a", "an", "the", "quote", "job", "opp", "opportunity", "type", "one", "order"}


def _picklist_head(v: OrgVocabulary, found: Found, text: str, conf: float, src: str) -> str:
    """Notes that open with a picklist value ("std quote, supply only ..."): the value is
    that picklist's, and the notes are what follows it."""
    m = _HEAD_CLAUSE.match(text)
    if not m or len(m.group(1).split()) > 4:
        return text
    core = " ".join(w for w in m.group(1).split() if w.casefold() not in _HEAD_FILLER)
    for name, picklist in v.picklists.items():
        value = picklist.match(core) if core else None
        if value and not found.has(name):
            found.offer(name, value, conf, src)
            return m.group(2)
    return text


def _corrected_factor(value: str) -> Decimal | None:
    """A label's factor, or the one said after an on-the-spot correction when that is a
    factor of its own: "Factor: 48 no sorry 46" (a whole number, the label said before it)
    is .46; "Factor: .52, sorry for the delay" stays .52."""
    later = nz.after_correction(value)
    corrected = (nz.parse_factor(later) or nz.factor_said_in(later)) if later else None
    if corrected is None and (instead := _FACTOR_INSTEAD.search(value)):
        # "Factor - Wendell asks for .47 below, ... so use .48 NOT .47": the one to use
        corrected = nz.parse_factor(instead.group(1))
    return corrected if corrected is not None else nz.parse_factor(value)


def offer_account(v: OrgVocabulary, found: Found, text: str, conf: float, src: str) -> None:
    text = _clean(re.sub(r"\([^)]*\)", " ", text))
    # "Summit Ridge Framing Ltd. (credit app is in). They're framing ...": the name is the
    # first sentence ("Ltd." ends none), what is said of the company after it is no part
    text = without_stop(re.sub(r"\s+[.]$", "", sentences(text)[0])) if text else text
    account = nz.match_account(text, v.org)
    if account:
        found.offer("account", account.name, conf, src)
        found.offer("account_id", account.id, conf, src)
    elif not _is_sentence(text):
        # "Summit Peak Homes, not in SF yet": a company's name goes on capitalised after a
        # comma ("Northgate Modular, Inc."), what is said of it goes on lower-case
        found.offer("account", _SAID_OF_IT.split(text, maxsplit=1)[0], conf * 0.9, src)


_SAID_OF_IT = re.compile(r",\s+(?=[a-z])")


# "credit app is in progress, so they're not in the system yet": a lower-case clause of more
# words than a company's name runs to
_SENTENCE_LIKE = re.compile(r"[a-z]\S*(?:\s+\S+){4,}")


def _is_sentence(text: str) -> bool:
    """A value that is a sentence about the customer, not their name ("New custom builder -
    credit app is in progress, ..."; "New account for us - first quote for them."): it names
    no account we could create. Lower-case, a phrase is a name only by a company's word."""
    if _SENTENCE_LIKE.fullmatch(text) is not None:
        return True
    phrase = text[:1].islower() and len(text.split()) >= 3
    return phrase and not re.search(COMPANY_WORD.pattern, text, re.IGNORECASE)


def offer_contact(v: OrgVocabulary, found: Found, text: str, conf: float, src: str) -> None:
    """ "Marco Rossi (site super), 403-555-0111": the name, and the phone if there is one."""
    phone = nz.normalise_phone(text, v.org.phone_region)
    surname_first = _SURNAME_FIRST.match(text)
    if surname_first:  # "DHILLON, HARJIT", "Dhillon, Harjit": a form's surname-first name
        given, surname = surname_first["given"], surname_first["surname"]
        if given.isupper() and surname.isupper():  # a system's capitals: "HARJIT DHILLON"
            given, surname = given.title(), surname.title()
        text = f"{given} {surname}{text[surname_first.end() :]}"
    name = re.split(r"[(,;]|\s[-–]\s|\s\d", text)[0]
    name = _ROLE_BEFORE_NAME.sub("", _clean(name))  # "homeowner Aisha Rahman 403-555-0129"
    if re.fullmatch(r"(?i)me|myself|moi|the sender", name):
        name = ""  # "Contact for scheduling: me, Janelle - 403-...": the sender, named elsewhere
    if name and len(name.split()) <= 5 and re.search(r"[^\W\d_]", name):
        found.offer("contact_name", name, conf, src)
    if phone:
        found.offer("contact_phone", phone, min(conf, IN_LABEL_VALUE), src)


def opportunity(
    v: OrgVocabulary, found: Found, text: str, conf: float, ctx: Context, *, name_first: bool
) -> None:
    """ "Ridgeline - Bragg Creek Cabin / Standard / Submissions / close 2027-01-22": the
    leading parts that are no picklist value or date are the name; the rest fill fields."""
    text = _POINTER_TAIL.sub("", text)  # "..., Marco's email + schedule below"
    bracket = _BRACKETED_END.search(text)
    said = v.picklist_of_value(bracket.group(1)) if bracket else None
    if bracket and said:
        # "PCH - Sage Meadows Ph 3 Show Homes (Project w/ installation)": a value in brackets
        found.offer(said, v.picklists[said].match(bracket.group(1)), min(conf, CLAUSE), ctx.source)
        text = text[: bracket.start()]
    # ("... / Standard / 25% /" over "close June 14": the separator the line wrapped after)
    text = _TRAILING_SEPARATOR.sub("", text.strip()).rstrip(".")
    parts = _split_parts(nz.take_corrections(text, now=ctx.now))
    name_parts: list[str] = []
    specs: list[str] = []  # the products written between the name and the values
    stated: dict[str, str | None] = {}
    reading_name = name_first
    reading_specs = False
    for part in parts:
        if reading_specs and not (
            part_fields(v, part, ctx, loose=True) or _LOWER_CLAUSE.match(part)
        ):
            specs.append(part)  # "..., sand ext": more of the products
            continue
        reading_specs = False
        if reading_name and name_parts and _begins_products(part):
            # "opp Northgate Showhomes x3, NM-2840 plan full window + door pkg, sand ext.
            # std, 90%": the name ended where the products begin
            reading_name, reading_specs = False, True
            specs.append(part)
            continue
        if reading_name and name_parts and (_CLAUSE_START.match(part) or _FIELD_START.match(part)):
            # "..., it's a Project and we're at 50%", "... Retrofit. Type is Project w/
            # installation": the name ended
            reading_name = False
        elif (
            reading_name
            and name_parts
            and (_LOWER_CLAUSE.match(part) or (part[:1].islower() and _META.search(part)))
        ):
            # "..., pebble exterior on everything", "... L14. plans attached": the name ended
            reading_name = False
            continue
        elif reading_name:
            ended = _CLAUSE_INSIDE.search(part)
            if ended and ended.start() > 0 and not name_parts:
                name_parts.append(part[: ended.start()])
                reading_name = False
                continue
        stop = _STOP_INSIDE.search(part) if reading_name and not name_parts else None
        after = part[stop.end() :] if stop else ""
        if stop and (_CLAUSE_START.match(after) or part_fields(v, after, ctx, loose=False)):
            # "Opportunity: A&O - Willowbrook Estates Phase 1. Standard, stage 50%, ...",
            # "Opportunity name: HFD - Quayside Phase 2. It is a project with installation":
            # the name's sentence ended, the next one gives the values
            name_parts.append(part[: stop.start()])
            part, reading_name = part[stop.end() :], False
        tail = _LAST_DASHED.search(part) if reading_name and not name_parts else None
        if (
            tail
            and v.picklist_of_value(tail.group(1))
            and _LAST_DASHED.search(part, 0, tail.start())
        ):
            # "PCH - Sage Hill Showhome 2 Upgrade – Standard / Single": the name "X - Y",
            # then a type after one more dash
            name_parts.append(part[: tail.start()])
            part, reading_name = tail.group(1), False
        said = part_fields(v, part, ctx, loose=not reading_name)
        if reading_name and not said:
            name_parts.append(part)
            continue
        reading_name = False
        stated.update(said)  # "Standard, Submissions – sorry, no, we're at Approvals": the later
    for name, value in stated.items():
        if value is None:
            found.declared_empty.add(name)
        else:
            found.offer(name, value, min(conf, CLAUSE), ctx.source)
    name = _unquote(", ".join(name_parts))
    if name and not nz.is_no_value(name) and not _SAYS_NO_NAME_YET.search(name):
        found.offer("opportunity_name", name, conf, ctx.source)
    if specs:  # (as sure as products read from prose are)
        found.offer("product_specs", _clean(", ".join(specs)), min(conf, PROSE) - 0.1, ctx.source)


def _begins_products(part: str) -> bool:
    """A comma part after an opportunity's name that names products, written as products
    are and a name is not: shorthand with lower-case words ("NM-2840 plan full window + door
    pkg"), where a name's words are capitalised ("Lot 14 Windows & Doors"); not a clause
    said of them ("pebble exterior on everything so double check")."""
    shorthand = re.search(r"(?<![\w-])[a-z]{2,}\b", part) and not _LOWER_CLAUSE.match(part)
    return bool(shorthand) and names_products(part)


# "Opp name - Clearview doesn't want the customer's name on anything yet, I'll reply once
# they tell me what to call it": a sentence about the name, which is still to come
_SAYS_NO_NAME_YET = re.compile(
    r"\b(?:(?:does|do|did|has|have|is|are)n(?:'|’)?t|won(?:'|’)?t|not yet|"
    r"i(?:'|’)ll|i will|once (?:they|we|i)|when (?:they|we|i) (?:tell|know|decide|hear))\b",
    re.IGNORECASE,
)


_WHY = re.compile(r"\s+(?:since|because|as|so|but|and|for now)\b", re.IGNORECASE)
# A part that names another field of the opportunity first ("Type is Project", "Stage
# Funding - the board votes ...", "close the 30th")
_FIELD_START = re.compile(
    r"(?i:(?:opp(?:ortunity)?\s+)?(?:type|stage|close|closing|factor|amount|record(?:\s+type)?|"
    r"rec\s+type))"
    r"\b(?:\s+(?:is|=|of|at|date))?\s+\S"
)
_BRACKETED_END = re.compile(r"\s*\(([^()]{2,40})\)\s*\.?\s*$")
# A run-on goes on after the name with a new clause: ", it's a Project", ", they want ...",
# "... Ph 1 and we're sitting at 50%". Written lower-case, as a clause is and a name is not.
_CLAUSE_OPENER = (
    r"(?:it(?:'|’)s|it is|this is|that(?:'|’)s|that is|we(?:'|’)re|we are|we(?:'|’)ve|"
    r"they(?:'|’)re|they are|they|we|he|she|i(?:'|’)(?:m|ve|d|ll)|please|pls|thanks|thx|"
    r"which|who)\b"
)
# Capitalised after a full stop, a clause still reads as one when a lower-case word follows
# ("BVR - Hadfield Bungalow. It's a replacement job"; "X, It's Time Collection" is a name).
_CLAUSE_START = re.compile(
    rf"(?:(?:and|so|but|plus)\s+)?{_CLAUSE_OPENER}"
    r"|(?-i:(?:It(?:'|’)s|It is|This is|That(?:'|’)s|They(?:'|’)re|They are|We(?:'|’)re|"
    r"We are|I(?:'|’)(?:m|ve|d|ll))\s+[a-z])"
)
# A part written lower-case and three words or more long is a clause, not more of a name
# (a name's later parts are capitalised: "Lot 8", "Phase 2").
_LOWER_CLAUSE = re.compile(r"[a-z][\w'’-]*(?:\s+\S+){2,}")
# ("... Single-Wide Package and make it Account Monthly": the name ends where a clause
# telling what to make it begins)
_CLAUSE_INSIDE = re.compile(
    rf"\s+(?:and|so|but|plus|[-–—])\s+(?:{_CLAUSE_OPENER}|(?i:make|put|set|mark) (?:it|this)\b)"
)


_STAGE_PERCENT = re.compile(
    r"(?:(?:we(?:'|’)?re |we are |it(?:'|’)?s |sitting |currently |now |stage |at |is )*)"
    rf"(\d{{1,3}})\s*%\s*(?:{FOR_NOW}|now|(?:win )?(?:probability|chance|odds))?",
    re.IGNORECASE,
)


# A part that is the stage's label, abbreviated or not, and its win probability ("stg 50",
# "prob 25", "probability 90%")
_STAGE_NUMBER_PART = re.compile(r"(?i:stage|stg|prob|probability)\s*[:=]?\s*(\d{1,3})\s*%?")


def part_fields(v: OrgVocabulary, part: str, ctx: Context, *, loose: bool) -> dict[str, str | None]:
    """What one comma/slash part of an opportunity line says: {"stage": "Submissions"}
    for "stage Submissions", {"close_date": None} for "close date TBD", {} for a name.

    `loose` also finds a value inside a short phrase ("we're at Submissions"); it is off
    while the name may still be read, so "Standard Pacific - Lot 4" stays a name.
    """
    key = nz.fold(part)
    bare = _PART_CUES.sub("", key).strip()
    for name, picklist in v.picklists.items():
        value = picklist.match(bare) or picklist.match(part)
        if value is None and loose and len(key.split()) <= 6:
            hits = {v for v, _, _ in picklist.find(part)}
            value = hits.pop() if len(hits) == 1 else None
        if value is None and loose:
            # "Project w/ installation since we're doing the install": the value, then why
            first = next(picklist.find(part), None)
            if first and first[1] == 0 and _WHY.match(part, first[2]):
                value = first[0]
        if value:
            return {name: value}
    abbreviated = v.abbreviated(part)  # "OPP Harbour Mews // PROJ // SUBM": a part of its own
    if abbreviated:
        return {abbreviated[0]: abbreviated[1]}
    # "stage 50", "prob 25": the stage by its probability, without the sign ("stage 90%
    # (verbally approved)": a note in brackets after it is the writer's aside)
    unbracketed = part.strip()
    if unbracketed.endswith(")"):
        unbracketed = _BRACKETED_END.sub("", unbracketed)
    said = _STAGE_NUMBER_PART.fullmatch(unbracketed)
    if said and "stage" in v.picklists and v.pick("stage", said.group(1) + "%"):
        return {"stage": v.pick("stage", said.group(1) + "%")}
    # "standard, 25% for now": a stage given by its win probability alone
    percent = _STAGE_PERCENT.fullmatch(unbracketed)
    if percent and "stage" in v.picklists:
        stage = v.pick("stage", percent.group(1) + "%")
        if stage:
            return {"stage": stage}
    cue = _CLOSE_PART.match(part.strip())
    if cue:
        rest = cue.group(1).strip()
        if nz.is_no_value(rest):
            return {"close_date": None}
        date = date_of(v, rest, ctx)
        return {"close_date": date} if date else {}
    hit = ctx.find_date(part)
    if hit and (hit[2] - hit[1]) >= 0.6 * len(part.strip()):
        return {"close_date": hit[0].isoformat()}
    factor = _FACTOR_PART.fullmatch(part.strip())
    said = factor and (factor["value"] or factor["whole"])
    if said and nz.parse_factor(said) is not None:
        return {"factor": str(nz.parse_factor(said))}
    if _AMOUNT_PART.fullmatch(part.strip()):
        said = re.sub(
            r"(?i)^(?:(?:amt|amount)\s*[:=]?\s*)?(?:~|≈|(?:approx|est)\.?|estimated|about|around|"
            r"roughly)?\s*",
            "",
            part.strip(),
        )
        amount = nz.parse_amount(said)
        if amount is not None:
            return {"amount": str(amount)}
    return {}


def undecided(after: str, ctx: Context) -> bool:
    """What follows a date offers another one instead ("Q1 or Q2", "March or April")."""
    m = re.match(r"\s*(?:or|or maybe|maybe|/)\s+", after, re.IGNORECASE)
    hit = ctx.find_date(after[m.end() :]) if m else None
    return bool(hit and hit[1] == 0)


def date_of(v: OrgVocabulary, text: str, ctx: Context) -> str | None:
    text = text.strip()
    if nz.is_no_value(text):
        return None
    order = ctx.date_order  # "08/09/2027" as the organisation writes it
    parsed = nz.parse_date(text, now=ctx.now, date_order=order)
    if parsed is None and _MONTH_DAY_DASHED.fullmatch(text):
        # "close 11-28": after its label, a month and day with a dash are a date (alone, a
        # "11-28" may as well be a range of lots)
        parsed = nz.parse_date(text.replace("-", "/"), now=ctx.now, date_order=order)
    if parsed is None:
        hit = ctx.find_date(text)
        parsed = hit[0] if hit else None
    return parsed.isoformat() if parsed else None


# "Opp name - ask Tara, she set it up": the value is someone else's to give (an instruction
# may well say whom to ask, so only a value of one line or word is read this way)
_ASK_SOMEONE = re.compile(r"(?i:ask|check with|confirm with|get it from)\s+[A-Z][a-z]+\b")
# "BVR - Parkdale Basement Egress. Kyle's list below.", "..., Marco's email + schedule below":
# a last clause saying where the rest is, no part of the opportunity
_POINTER_TAIL = re.compile(r"[,.;]\s+[^,.;]{0,60}\b(?:below|above|attached)\W*$", re.IGNORECASE)
_SURNAME_FIRST = re.compile(
    r"^\s*(?P<surname>[A-ZÀ-Ý][A-Za-zÀ-ÿ'’-]+),\s*(?P<given>[A-ZÀ-Ý][A-Za-zÀ-ÿ'’-]+)(?=\s*(?:$|[;(]|\s[-–]\s|\s\d))"
)
_ROLE_BEFORE_NAME = re.compile(
    r"^(?i:the\s+)?(?i:home ?owners?|owners?|tenants?|residents?|customers?|clients?|"
    r"site super|super(?:intendent)?|foreman|pm)\s+(?=[A-ZÀ-Ý])"
)
_BRACKETED = re.compile(r"\(([^()]{6,120})\)")
_TRAILING_SEPARATOR = re.compile(r"[\s/|;,]+$")
_STOP_INSIDE = re.compile(r"(?<=\w)\.\s+(?=[A-Z])")  # "... Phase 1. Standard": a new sentence
_LAST_DASHED = re.compile(r"\s[-–—]\s+([^-–—]+)$")  # " – Standard" at the end of a part
_MONTH_DAY_DASHED = re.compile(r"\d{1,2}-\d{1,2}")


def due_of(v: OrgVocabulary, text: str, ctx: Context) -> str | None:
    """A requested quote date, kept only when it is earlier than the quote SLA."""
    hit = ctx.find_date(text)
    if not hit:
        return None
    due, deadline = hit[0], ctx.now + v.sla
    if due == deadline.date():
        # "back by Wednesday noon" when the SLA ends Wednesday 15:47: earlier, by its hour
        said = _time_of_day(text[hit[1] : hit[2] + 20])
        return due.isoformat() if said is not None and said < deadline.time() else None
    return due.isoformat() if ctx.now.date() <= due < deadline.date() else None


_HOUR = re.compile(r"\b(?:(noon|midday)|(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\b)", re.I)


def _time_of_day(text: str) -> time | None:
    """ "noon", "9am", "3:30 pm": the first hour `text` names."""
    m = _HOUR.search(text)
    if not m:
        return None
    if m.group(1):
        return time(12, 0)
    hour = int(m.group(2)) % 12 + (12 if m.group(4).lower() == "p" else 0)
    return time(hour, int(m.group(3) or 0))
