"""Reader: who a customer is, from the tail of their message. The sign-off and signature
(cut here when `parsers.body_parts` left them), a self-introduction, the From name, and for staff
forwarding a customer's mail, the forwarded sender and their signature. A signature of our
own staff describes the staff member, never the customer, and gives nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields.common import (
    Context,
    _clean,
    _looks_like_name,
    _person_name,
    _replace,
    _strip_forward_headers,
)
from intake.parsers.fields.patterns import (
    _COMPANY_LINE,
    _FORWARD_HEADER,
    _SIGN_OFF,
    _TITLE_AND_COMPANY,
    DEPARTMENT,
)
from intake.parsers.fields.prose_service import _a_persons_name
from intake.parsers.fields.resolver import CLAUSE, GUESS, HEADER, PROSE, SIGNATURE, Found
from intake.parsers.fields.site_address import site_address
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded
from intake.parsers.message import ParsedMessage


def read(
    v: OrgVocabulary, found: Found, msg: ParsedMessage, ctx: Context, body: str, tail: str
) -> None:
    """For a customer (never for staff) the self-introduction, From name and own signature;
    for staff, the customer of a mail they forward."""
    if ctx.sender_is_staff:
        if not ctx.is_reply and msg.forwarded_text:
            _forwarded_customer(v, found, msg.forwarded_text, ctx)
        if not ctx.is_reply:  # a customer's words passed on: a voicemail, a note of a call
            passed_on = "\n".join(x for x in (body, msg.forwarded_text) if x)
            found.offer("contact_name", _customer_introduction(v, passed_on, msg), PROSE, "body")
        return
    if ctx.is_reply:
        return  # a reply's signature repeats who they are; only its new text counts
    found.offer("contact_name", _self_introduction(body), PROSE, "body")
    signature = "\n".join(x for x in (tail, msg.signature) if x)
    from_name = _person_name(msg.from_name)
    full = _spelled_out(from_name, body[-300:] + "\n" + signature)  # signed at the end
    found.offer("contact_name", full or from_name, HEADER, "from")
    if _THROUGH_ME.search(body):
        # "Please book through me rather than calling the homeowner": the dealer who writes
        # for a customer named above makes themself the one to call
        found.offer("contact_name", full or from_name, CLAUSE + 0.05, "from")
    _customer_signature(v, found, signature, ctx)


# The sender asking to be the one the visit is arranged with
_THROUGH_ME = cued(
    guarded(
        re.compile(
            r"\b(?:book|schedul\w*|arrang\w*|coordinat\w*|set (?:it |this )?up|go)\b[^.!?\n]{0,30}?"
            r"\b(?:through|with) me\b(?! or)"
            r"|\b(?:call|contact|reach) me\b[^.!?\n]{0,40}?\b(?:rather than|instead of|not) "
            r"(?:calling |contacting )?(?:the (?:home ?owners?|customers?|clients?|tenants?)\b"
            # "call me to set up the appointment rather than Donna directly"
            r"|(?-i:[A-Z][a-z'’-]+)\b(?! me\b))",
            re.IGNORECASE,
        )
    )
)


def _forwarded_customer(v: OrgVocabulary, found: Found, forwarded: str, ctx: Context) -> None:
    """Staff forwarding a customer's own email: the customer is the forwarded sender,
    and their signature below the forwarded text is theirs, not the staff member's."""
    # In a chain (a dealer forwarding a homeowner's mail) the customer wrote the oldest one.
    chain = [
        m
        for m in split_chain(forwarded)
        if m.from_addr and not v.org.is_company_address(m.from_addr)
    ]
    if not chain:
        return
    oldest = chain[-1]
    found.offer("contact_name", _person_name(oldest.from_name), GUESS, "forwarded")
    _, tail = split_tail(_strip_forward_headers(oldest.text), oldest.from_name)
    fwd_ctx = _replace(ctx, "forwarded")
    _customer_signature(v, found, tail, fwd_ctx)


def handed_customer(v: OrgVocabulary, found: Found, tail: str, ctx: Context) -> None:
    """A customer whose own mail the sender hands over ("deal with Linda direct please"):
    their signature gives the number and address, and the sender's own signature (a dealer's
    store, its phone) is no longer the site or the one to call."""
    for name in ("contact_phone", "site_address"):
        held = found.values.get(name)
        if held is not None and held.source == "signature":
            del found.values[name]
    _customer_signature(v, found, tail, _replace(ctx, "forwarded"))


# "From: Dan Schultz <dan@...>", or a Notes/Domino header's "From:<tab>Wendell Kraus/AspenOak"
# (no address: a directory name, its organisation after the slash)
_FROM_LINE = re.compile(
    r"^\s*(?:from|de)\s*:\s*\"?([^<\n\"]*?)\"?\s*(?:<([^>\s]+)>|(?=\S*/\S+\s*$))", re.I
)


@dataclass(frozen=True)
class ChainMessage:
    """One message of a forwarded chain: its sender and its text (header block included)."""

    from_name: str
    from_addr: str
    text: str


def split_chain(forwarded: str) -> list[ChainMessage]:
    """The messages of a forwarded text, newest first: a new one starts at each "From:" line
    that opens a header block (a "From:" followed by "Sent:"/"Date:"/"To:"/"Subject:")."""
    lines = forwarded.split("\n")
    starts = [
        i
        for i, line in enumerate(lines)
        if _FROM_LINE.match(line)
        and i + 1 < len(lines)
        and _FORWARD_HEADER.match(lines[i + 1])
        and not _FROM_LINE.match(lines[i + 1])
    ]
    if (
        not starts
        or starts[0] != 0
        and lines[: starts[0]]
        and any(x.strip() and not _FORWARD_HEADER.match(x) for x in lines[: starts[0]])
    ):
        starts = [0, *starts]
    out = []
    for a, b in zip(starts, [*starts[1:], len(lines)], strict=True):
        m = _FROM_LINE.match(lines[a])
        name, addr = (m.group(1).strip(), m.group(2) or "") if m else ("", "")
        name = name.split("/")[0].strip()  # "Wendell Kraus/AspenOak": the person
        out.append(ChainMessage(name, addr, "\n".join(lines[a:b]).strip("\n")))
    return out


_PHONE_PIECE = re.compile(r"\s+[|•·]\s+|\s{3,}|\t")
_FAX = re.compile(r"\bfax\b|^\s*F\s*[:.]\s*\+?\(?\d", re.IGNORECASE)
_OFFICE = re.compile(
    r"\b(?:office|work|main|switchboard|toll[- ]?free|head office|reception|showroom|store)\b"
    r"|^\s*(?:O|W|Off)\s*[:.]\s*\+?\(?\d",
    re.IGNORECASE,
)
_CELL = re.compile(
    r"\b(?:cell|mobile|mob|cellulaire|portable)\b|^\s*(?:C|M)\s*[:.]?\s*\+?\(?\d", re.IGNORECASE
)


def _customer_signature(v: OrgVocabulary, found: Found, signature: str, ctx: Context) -> None:
    """A customer's own signature gives their name, phone and address when the body
    does not."""
    if not signature:
        return
    lines = [x.strip() for x in signature.split("\n") if x.strip()]
    source = "signature" if ctx.source == "body" else ctx.source
    desk = False
    for line in lines:
        if _SIGN_OFF.match(line):
            continue
        if DEPARTMENT.search(line):
            desk = True  # a department signs; a person may below it, never a company
            continue
        named = _looks_like_name(line) and len(line.split()) >= 2
        if named and (not desk or _a_persons_name(v, line)):
            found.offer("contact_name", line, SIGNATURE, source)
        break
    # A cell number first, then any but an office one; a fax is never the contact. Each number
    # of a line "O: ... | C: ... | F: ..." is judged by its own label.
    pieces = [p for x in lines for p in _PHONE_PIECE.split(x) if p.strip()]
    ranked = sorted(
        (x for x in pieces if not _FAX.search(x)),
        key=lambda x: 2 if _OFFICE.search(x) else 0 if _CELL.search(x) else 1,
    )
    for line in ranked:
        phones = nz.find_phones(line, v.org.phone_region)
        if phones:
            found.offer("contact_phone", phones[0][0], SIGNATURE, source)
            break
    # the prose's own finder: a sender who signs in lower case writes the address so too
    # ("kyle brandt / 403 555 0187 / 118 sagewood cres sw airdrie")
    address = site_address(", ".join(lines), v.org.phone_region)
    if address:
        found.offer("site_address", address, GUESS, source)
    if not found.has("account"):  # "Site Supervisor / Bow Valley Renovations"
        for line in lines:
            for part in re.split(r"\s*[,|/•·]\s*|\s+[-–]\s+", line):
                account = nz.match_account(part, v.org) if len(part) >= 4 else None
                if account:
                    found.offer("account", account.name, SIGNATURE, source)
                    found.offer("account_id", account.id, SIGNATURE, source)
                    return
        for line in lines:  # "Office Manager, Tallgrass Dental": a company we do not know
            m = _TITLE_AND_COMPANY.match(line)
            if m and not nz.find_phones(line) and "@" not in line:
                found.offer("account", _clean(m["company"]), GUESS, source)
                return
        for line in lines[:5]:  # "Property Manager" then "Larchmont Property Group"
            if _COMPANY_LINE.fullmatch(line) and not _ours(v, line):
                found.offer("account", _clean(line), GUESS, source)
                return


def _ours(v: OrgVocabulary, name: str) -> bool:
    """Our own organisation or one of its teams: never a customer's account."""
    key = nz.account_key(name)
    own = [v.org.name, *(team.name for team in v.org.teams.values())]
    return any(nz.account_key(x) == key for x in own)


_INTRODUCTION = cued(
    re.compile(
        r"(?:\b(?:this is|my name is|my name's|i am|i'm|je m'appelle|ici)"
        # a caller's greeting: "Hi Alex it's uh Darren Kessler, we got ..."
        r"|\b(?i:hi|hello|hey|bonjour)\b[^.!?\n]{0,24}?\b(?i:it)(?:'|’)?s)"
        r"\s+(?:(?:uh|um|er|euh)\b,?\s+)?"
        r"([A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+){1,2})",
    )
)


def _self_introduction(text: str) -> str | None:
    """ "This is Mike Dunn, site super for ..." / "My name is Jane Doe" -> the name."""
    m = _INTRODUCTION.search(text)
    return m.group(1) if m else None


def _customer_introduction(v: OrgVocabulary, text: str, msg: ParsedMessage) -> str | None:
    """In a staff member's mail, a caller introducing themselves in the words passed on
    (a voicemail transcript, a note of a call): the name, unless it is one of our people."""
    for m in _INTRODUCTION.finditer(text):
        name = m.group(1)
        key = nz.fold(name)
        ours = [nz.fold(p.name) for p in v.org.people.values()] + [nz.fold(msg.from_name)]
        if not any(key == own or key in own.split() for own in ours):
            return name
    return None


def split_tail(text: str, from_name: str = "") -> tuple[str, str]:
    """Split a message text into (core, tail): the tail is the sign-off and signature.

    parsers/body_parts.py already cuts most signatures; this also catches the forms it cannot
    know, like a bare first name ("Priya", "P.") or a "Name | Role" line after the sign-off.
    """
    lines = text.rstrip().split("\n")
    first = (from_name.split() or [""])[0].casefold()
    cut = len(lines)
    for i in range(len(lines) - 1, max(-1, len(lines) - 16), -1):
        stripped = lines[i].strip()
        after = [x for x in lines[i + 1 :] if x.strip()]
        if len(after) > 10 or any(len(x) > 100 for x in after):
            break
        if _is_tail_start(stripped) or (
            _is_name_line(stripped, from_name, first) and _after_blank(lines, i)
        ):
            cut = i
    tail = lines[cut:]
    ps = next((i for i, line in enumerate(tail) if _POSTSCRIPT.match(line)), None)
    if ps is not None:
        # "PS just saw Lena's note - she approved .51 ... so use .51 not .53": written after
        # the sign-off, still the request (up to the signature's own delimiter)
        end = next((i for i in range(ps + 1, len(tail)) if _is_tail_start(tail[i].strip())), None)
        said = tail[ps:end]
        return "\n".join([*lines[:cut], "", *said]).rstrip(), "\n".join(
            tail[:ps] + (tail[end:] if end is not None else [])
        ).strip()
    return "\n".join(lines[:cut]).rstrip(), "\n".join(tail).strip()


_POSTSCRIPT = re.compile(r"\s*(?:p\.?\s?s\.?|pps)(?:[:,.\s-]|$)", re.IGNORECASE)


def _spelled_out(name: str | None, signature: str) -> str | None:
    """ "P Lindqvist" in the From header, "Petra Lindqvist" signed below: the full name."""
    m = re.fullmatch(r"([A-Z])\.?\s+([A-ZÀ-Ý][\w'’-]+)", name or "")
    if not m:
        return None
    full = re.search(rf"\b({m.group(1)}[a-zà-ÿ'’-]+)\s+{re.escape(m.group(2))}\b", signature)
    return f"{full.group(1)} {m.group(2)}" if full else None


def _is_tail_start(line: str) -> bool:
    """A "--" separator or a sign-off line ("Thanks,", "Sent from my iPhone")."""
    return bool(re.fullmatch(r"--\s*|_{3,}|-{3,}", line) or _SIGN_OFF.match(line))


def _is_name_line(line: str, from_name: str, first: str) -> bool:
    """A line that is just the sender's name or initial, maybe with a role after a bar."""
    head = re.split(r"\s[|,–-]\s|\s\|", line)[0].strip().rstrip(".,!")
    if not head:
        return False
    key = head.casefold()
    if from_name and (key == from_name.casefold() or (first and key == first)):
        return True
    return bool(first) and bool(re.fullmatch(r"[A-Z]\.?", head)) and first[0] == key[0]


def _after_blank(lines: list[str], i: int) -> bool:
    return i == 0 or not lines[i - 1].strip() or bool(_SIGN_OFF.match(lines[i - 1].strip()))


def _without_lines_of(text: str, signature: str) -> str:
    """Drop lines that are in the detected signature, in case they were left in the body."""
    if not signature.strip():
        return text
    sig_lines = {line.strip() for line in signature.split("\n") if len(line.strip()) > 3}
    return "\n".join(line for line in text.split("\n") if line.strip() not in sig_lines)
