"""Reader: a forwarded mail inside the message (inline "---------- Forwarded message" or an
attached message/rfc822, as `parsers.mime` gives it), read like a body of its own.

A forward of a forward (a dealer forwarding a homeowner's mail, which staff forward on) is a
chain of messages, each with its own header block and sign-off: each is read on its own, so
that one writer's signature never runs into the next message, and the newest fills first.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from intake.parsers import normalise as nz
from intake.parsers.body_parts import reply_header_at, without_disclaimer
from intake.parsers.cues import cued
from intake.parsers.fields.common import (
    MAX_TEXT,
    Context,
    _person_name,
    _replace,
    _strip_forward_headers,
)
from intake.parsers.fields.description import describes_fault
from intake.parsers.fields.prose_service import _NAMED_CONTACT
from intake.parsers.fields.resolver import (
    COVER_NOTE_WORDS,
    Found,
    is_approval_note,
    is_cover_note,
)
from intake.parsers.fields.signatures import ChainMessage, split_chain, split_tail
from intake.parsers.message import ParsedMessage


def read(msg: ParsedMessage, ctx: Context, read_text: Callable[[str, Context], Found]) -> Found:
    """The fields of the forwarded mail, without its header block and sign-off; in a chain,
    each message's, the newest first."""
    found = Found()
    descriptions = []
    for message in split_chain(msg.forwarded_text[:MAX_TEXT]):
        core, quoted = _own_words(message)
        # a forwarded reply quoting the request it answers ("Approved at .47" above "> Lena,
        # can I get approval on this one?"): its own words first, then the quoted request
        for part in (core, quoted):
            one = read_text(part, _replace(ctx, "forwarded"))
            if "description" in one.values:
                descriptions.append(one.values["description"])
            found.merge_missing(one)
    # A dealer's cover lines ("Product: ...") are no fault; the older mail that names one is.
    fault = next((d for d in descriptions if describes_fault(str(d.value))), None)
    if fault is not None:
        found.values["description"] = fault
    return found


# A reply's own words that point at the mail forwarded below them: "see Lena's OK below",
# "approval below", "per Dan's email below", or a short approving note.
_POINTS_BELOW = re.compile(
    r"\b(?:see|per|as per|read)\b[^.\n]{0,40}\bbelow\b"
    r"|\b(?:approval|ok|okay|sign[- ]?off|go[- ]ahead|answer|reply)\s+below\b"
    # "Phone number for the Pettigrew case below. Please add it"
    r"|\b(?:phone|number|address|details|info(?:rmation)?)\b[^.\n]{0,40}\bbelow\b",
    re.IGNORECASE,
)


def read_newest(
    msg: ParsedMessage, body: str, ctx: Context, read_text: Callable[[str, Context], Found]
) -> Found:
    """On a reply, what the newest forwarded message says in its own words, when the reply
    points at it ("see Lena's OK below. Please update the case"): that approval is new to
    the case. Older messages of the chain, and what it quotes, are history: never read."""
    if not (_POINTS_BELOW.search(body) or is_approval_note(body)):
        return Found()
    chain = split_chain(msg.forwarded_text[:MAX_TEXT])
    if not chain:
        return Found()
    core, _ = _own_words(chain[0])
    return read_text(core, _replace(ctx, "forwarded"))


# The sender hands a customer's own mail over: "Forwarding a service call from one of our
# customers - her email is attached", "Please call her directly to book"
# "deal with Linda direct", "please call Ravi directly to book", "Linda's expecting a call"
_CONTACT_VERB = r"(?:call|phone|contact|text|reach|deal with|book with|talk to|speak (?:to|with))"
_HANDS_OVER = re.compile(
    r"\bfrom (?:one of )?(?:our|my) (?:customers?|clients?|homeowners?|buyers?)\b"
    rf"|\b(?:{_CONTACT_VERB}|book directly with) (?:her|him|them)\b"
    r"|\b(?:her|his|their) (?:e-?mail|message|note|details)\b[^.\n]{0,30}\b(?:attached|below)\b",
    re.IGNORECASE,
)


# A dealer's one-line cover above a homeowner's own mail speaks of them in the third person:
# "Pls get someone out ASAP - homeowner is elderly", "the customer is home after 3"
_SPEAKS_OF_CUSTOMER = cued(
    re.compile(r"\b(?:home ?owners?|customers?|clients?|tenants?)\b", re.IGNORECASE)
)
# ... or passes the mail on as one more of its kind: "FYI another one for you guys",
# "Another one for you, see attached"
_PASSES_ON = cued(re.compile(r"\b(?:another one|one more) for (?:you|u)\b", re.IGNORECASE))
# ... unless the sender keeps the visit: "I'll be on site myself, call me", "book through me"
_KEEPS_IT = cued(
    re.compile(
        r"\b(?:call|contact|reach|text|phone) me\b|\b(?:through|with) me\b"
        r"|\bI(?:'ll| will) be (?:on site|there)\b",
        re.IGNORECASE,
    )
)
# A cover note this short over a forwarded mail ("see below - pls book", "FYI see attached,
# thx") says nothing of its own: no more than a pointer at the mail.
BARE_POINTER_WORDS = 12


def handed_over(
    msg: ParsedMessage, body: str, is_staff: Callable[[str], bool], *, sender_is_staff: bool
) -> ChainMessage | None:
    """The forwarded mail of the customer the sender hands over, or None.

    The customer is the oldest writer in the chain who is a person, not staff and not the
    sender; the sender hands them over by saying so ("call her directly", "deal with Linda
    direct please"), or, in a short cover note, by speaking of them in the third person
    ("homeowner is elderly and can't lock up") without keeping the visit themself. Our own
    staff's note speaks of the homeowner when it names someone else to call ("Marc at BVR is
    the contact, not the homeowner"): from staff only the saying so counts."""
    if not msg.forwarded_text:
        return None
    customer = oldest_customer(msg, is_staff)
    if customer is None:
        return None
    if _names_someone_else(body, customer.from_name):
        return None  # "Homeowner is Erik Lindqvist, ... - Shelby says call him direct"
    if _HANDS_OVER.search(body) or _names_to_contact(body, customer.from_name):
        return customer
    words = len(body.split())
    short = words < COVER_NOTE_WORDS and not sender_is_staff
    spoken_of = _SPEAKS_OF_CUSTOMER.search(body) or _PASSES_ON.search(body)
    # "see below - pls book": a pointer and nothing of the sender's own; the forwarded mail
    # is the whole request, and the one who wrote it the one to call
    bare = words < BARE_POINTER_WORDS and is_cover_note(body)
    if short and (spoken_of or bare) and not _KEEPS_IT.search(body):
        return customer
    return None


def oldest_customer(msg: ParsedMessage, is_staff: Callable[[str], bool]) -> ChainMessage | None:
    """The oldest writer of the forwarded chain who is a person, not staff and not the
    sender: whose own mail it is."""
    sender = (msg.from_addr or "").lower()
    for message in reversed(split_chain(msg.forwarded_text[:MAX_TEXT])):
        address = message.from_addr.lower()
        person = _person_name(message.from_name or "")
        if person and address and address != sender and not is_staff(address):
            return message
    return None


def _names_someone_else(body: str, name: str) -> bool:
    """Whether the body names the customer itself ("Homeowner is Erik Lindqvist") and it is
    not the forwarded mail's writer (the dealer who passed the call on)."""
    named = _NAMED_CONTACT.search(body)
    return named is not None and nz.account_key(named.group(1)) != nz.account_key(
        _person_name(name) or name
    )


def _names_to_contact(body: str, name: str) -> bool:
    """Whether the body tells us to contact the customer by their first name ("please call
    Ravi directly", "deal with Linda direct")."""
    first = (_person_name(name) or "").split(" ")[0]
    if len(first) < 2:
        return False
    said = rf"\b{_CONTACT_VERB}\s+{re.escape(first)}\b|\b{re.escape(first)}{_IS_THE_CONTACT}"
    return re.search(said, body, re.IGNORECASE) is not None


# "Marc is the contact on site", "Linda will be your contact": named as the one to deal with
_IS_THE_CONTACT = (
    r"(?:'s|\s+is|\s+will be)\s+(?:the|our|your)\s+(?:(?:site|on-?site|main|best)\s+)?"
    r"(?:contact|person to (?:call|contact|see|meet))\b"
)


def customer_details(message: ChainMessage) -> str:
    """The sign-off and signature of the customer's own forwarded mail: their number and
    address, as they sign them."""
    _, tail = split_tail(_strip_forward_headers(message.text), message.from_name)
    return tail


def _own_words(message: ChainMessage) -> tuple[str, str]:
    """One message of a forwarded chain as (its own words without header block and
    sign-off, the mail it quotes below them)."""
    text, quoted = _quoted_below(_strip_forward_headers(message.text))
    core, _ = split_tail(text, message.from_name)
    # a legal disclaimer below it is no part of what it says (cut after the sign-off is
    # found: a customer's signature above the disclaimer stays, their contact details)
    return without_disclaimer(core), without_disclaimer(quoted)


_QUOTED_LINE = re.compile(r"^[ \t]*>[ \t]?", re.M)


def _quoted_below(text: str) -> tuple[str, str]:
    """A forwarded reply split into its own text and the ">"-quoted mail below it (the
    quote markers taken off, the "On ... wrote:" line dropped), or, with no markers, the
    text below its "On ... wrote:" line."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.lstrip().startswith(">")), None)
    if first is None:
        # a client that quotes without markers: the "On ... wrote:" header (one to three
        # lines, as the reply splitter reads it) alone divides them
        for i in range(len(lines)):
            size = reply_header_at(lines, i)
            if size:
                return "\n".join(lines[:i]), "\n".join(lines[i + size :])
        return text, ""
    own = lines[:first]
    if own and own[-1].rstrip().endswith(("wrote:", "a écrit :", "a écrit:")):
        own = own[:-1]
    elif len(own) > 1 and not own[-1].strip() and own[-2].rstrip().endswith("wrote:"):
        own = own[:-2]
    quoted = "\n".join(lines[first:])
    return "\n".join(own), _QUOTED_LINE.sub("", quoted)
