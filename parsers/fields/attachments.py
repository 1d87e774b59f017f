"""Reader: attached documents (.txt, .csv, text PDFs, sheets, Word, OpenDocument and RTF
documents, contact cards: `parsers.documents`), read like a body of their own, and the
names of what the sender attached."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from intake.parsers.cues import cued
from intake.parsers.documents import attachment_text, document_kind
from intake.parsers.fields.common import MAX_DOCUMENT_TEXT, SERVICE, Context, _clean, _replace
from intake.parsers.fields.patterns import _ADDRESS
from intake.parsers.fields.resolver import ATTACHMENT_DISCOUNT, SIGNATURE, Found, merge_attachment
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.message import Attachment, ParsedMessage

# A document this short that is an address is a note of where to come, not a schedule.
ADDRESS_NOTE_LINES = 8
# A label that says whom to call ("Site contact:", "Contact phone:", "On-site contact name:"),
# at a line's start or after a column gap; "Homeowner:" only names the owner.
_CONTACT_LABEL = cued(
    re.compile(
        r"(?im)(?:^|\t|\s{2,}|\|\s*)[ \t]*(?:(?:site|on-?site|primary|homeowner)\s+)?contact"
        # ("Contact to book:", "Contact for access:": whom to call, and what for)
        r"(?:\s+(?:name|person|phone|number|tel|cell))?(?:\s+(?:to|for)\s+\w+)?\s*[:：]"
    )
)


def read(
    v: OrgVocabulary,
    found: Found,
    msg: ParsedMessage,
    ctx: Context,
    read_text: Callable[[str, Context], Found],
    expected: Sequence[str] = (),
) -> None:
    """Fields the text lacks from the attached documents, then the list of their names.

    `expected`: on a reply, the fields its case still misses; a reply's document gives only
    those, and the products when the reply says it sends a revision."""
    _attachment_texts(v, found, msg, ctx, read_text, expected)
    names = [a.filename for a in msg.real_attachments if _is_document(a)]
    if names:
        found.offer("attachments", names, 1.0, "attachment:*")


def _attachment_texts(
    v: OrgVocabulary,
    found: Found,
    msg: ParsedMessage,
    ctx: Context,
    read_text: Callable[[str, Context], Found],
    expected: Sequence[str] = (),
) -> None:
    """Attached documents fill the fields the body does not carry.

    Only what an attachment states in a structure counts (labels, a numbered form, a
    product table): a document's title naming an account or a revision date is not a
    field. Product specs may also come from its prose lines. A contact card is read for
    service requests only: a quote has no contact fields, and the card an account manager
    attaches is their own, its "Company:" their employer, not the account.
    """
    pointer = found.values.get("product_specs")
    if pointer is not None and msg.real_attachments and points_to_attachment(pointer.value):
        del found.values["product_specs"]  # "see csv": the document's specs, if it has them
    required = set(v.org.required_fields(ctx.queue))
    revision = ctx.is_reply and bool(_REVISION_ATTACHED.search(msg.new_text or ""))
    if ctx.is_reply and not (revision or expected):
        return  # a reply's attachments are photos or history, unless it says it sends a revision
    if not ctx.is_reply and all(found.has(name) for name in required):
        return
    # a reply answers what the case still misses ("Takeoff attached."); a revision also
    # changes the products, and the pricing that goes with them
    wanted = ({*expected, *_REVISED} if revision else set(expected)) if ctx.is_reply else None
    for attachment in msg.real_attachments:
        if ctx.queue != SERVICE and document_kind(attachment) == "vcard":
            continue
        text = attachment_text(attachment)[:MAX_DOCUMENT_TEXT]
        if not text.strip():
            continue
        src = f"attachment:{attachment.filename}"
        names_contact = ctx.queue == SERVICE and bool(_CONTACT_LABEL.search(text))
        document = read_text(text, _replace(ctx, src))
        if wanted is not None:
            document.values = {k: x for k, x in document.values.items() if k in wanted}
        merge_attachment(found, document, src, names_contact)
        if ctx.queue == SERVICE and not found.has("site_address"):
            _address_note(found, text, src)
    if pointer is not None and not found.has("product_specs"):
        found.values["product_specs"] = pointer  # no document said more: the sender's words


# What a revised document attached to a reply changes: the products, and the factor and the
# amount priced on them ("Rev 2 change sheet attached. HFD dropped the triple pane.")
_REVISED = ("product_specs", "factor", "amount")


# "revised list attached", "the updated schedule is attached", "type is on the attached
# sheet": a reply that sends a document of the case, whose values change the case's
_REVISION_ATTACHED = re.compile(
    r"\b(?:revised|updated|new|corrected|latest|amended|rev(?:ision)?\s*\d*)\b[^.\n]{0,30}?"
    r"\b(?:list|schedule|take-?off|spreadsheet|sheet|csv|file|form|drawings?|specs?)\b"
    r"[^.\n]{0,20}?\battach"
    r"|\battach\w*\b[^.\n]{0,20}?\b(?:revised|updated|corrected|amended|latest)\b"
    # "Type is on the attached opp sheet", "see attached form": a field the document gives
    r"|\b(?:on|in|see|per|from) (?:the |our |their )?attach(?:ed|ment)\b",
    re.IGNORECASE,
)
# "see csv", "Specs in the attached takeoff", "per the spreadsheet": a value that only says
# where the value is.
_POINTER = re.compile(
    r"\b(?:see|per|in|on|from|as)\b.{0,24}?\b(?:attach\w*|enclosed|csv|xlsx?|excel|"
    r"spreadsheet|sheet|take-?off|pdf|docx?|file|schedule|list)\b"
    # "Takeoff attached – same spec as Block B"
    r"|\b(?:take-?off|list|schedule|sheet|spreadsheet|csv|specs?|sizes)\s+(?:is\s+|are\s+)?"
    r"attached\b",
    re.IGNORECASE,
)


def points_to_attachment(value: object) -> bool:
    """A short value that points at an attached document instead of giving the value."""
    text = str(value)
    return (
        len(text.split()) <= 12
        and not re.search(r"\d\s*[x×]\s*\d", text)
        and bool(_POINTER.search(text))
    )


def _address_note(found: Found, text: str, source: str) -> None:
    """A short note of a few lines ("address.txt": name, street, city and postal code) is an
    address written as a signature is: its lines joined, with a unit written before it."""
    lines = [x.strip() for x in text.split("\n") if x.strip()]
    if not lines or len(lines) > ADDRESS_NOTE_LINES:
        return
    joined = ", ".join(lines)
    address = _ADDRESS.search(joined)
    if not address:
        return
    unit = re.search(r"(?i:unit|suite|apt\.?|#)\s*\w+,?\s*$", joined[: address.start()])
    value = joined[unit.start() if unit else address.start() : address.end()]
    found.offer("site_address", _clean(value).rstrip("."), SIGNATURE * ATTACHMENT_DISCOUNT, source)


def _is_document(attachment: Attachment) -> bool:
    """Signature files travel with mail but are not what the sender attached. A contact
    card is: the sender points to it ("my details are in the attached card")."""
    name = attachment.filename.casefold()
    return not name.endswith((".p7s", ".asc", ".sig")) and attachment.content_type not in (
        "application/pkcs7-signature",
        "application/pgp-signature",
    )
