"""Step `earlier_request`: a new quote request that says it repeats the sender's last one
("Need a quote for the same job as my last email - ... same windows/doors, same
quantities, but NO install") takes what it leaves out of that job from that request.

Only the job itself is borrowed, the products and the close date; the account, the
opportunity, its type, stage and factor are the new request's own (the same job quoted for
another dealer is another opportunity). A borrowed value is read less surely than
`confirm_below`, so the acknowledgement names it in its "please check" line, and its source
names the case it came from.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from intake.parsers.fields import FieldValue
from intake.storage.models import Case

if TYPE_CHECKING:
    from intake.handlers.pipeline import Context

# "the same job as my last email", "same package as our previous request", "same specs as
# the last one I sent"
_SAME_AS_LAST = re.compile(
    r"\bsame\s+(?:job|project|package|specs?|list|windows(?:\s*/\s*doors)?|products|scope|"
    r"request|order|takeoff|take-off|units)\s+as\s+(?:my|our|the)\s+(?:last|previous|earlier)\s+"
    r"(?:e-?mail|request|quote|one|message|job)\b",
    re.IGNORECASE,
)
# What a repeated request borrows when it does not say it: the job, not the opportunity.
BORROWED = ("product_specs", "close_date")
# Sure enough to stand, not so sure that the sender is not asked to check it.
BORROWED_CONFIDENCE = 0.5


def _says_same_as_last(text: str) -> bool:
    """Whether `text` says it repeats the last request. Asked of every new quote request:
    the case-insensitive pattern is tried on the whole text by the regex engine one
    character at a time (~0.1 ms), so first a plain search of the casefolded text for the
    word every match starts with (each letter the pattern matches, "S" or "ſ" for "s"
    among them, casefolds to its own letter)."""
    return "same" in text.casefold() and _SAME_AS_LAST.search(text) is not None


def earlier_request(ctx: Context) -> None:
    """Fill the job's fields this new quote request leaves out from the sender's last one."""
    if ctx.case is not None or ctx.mailbox is None or ctx.mailbox.queue != "quotes":
        return
    wanted = [name for name in BORROWED if name not in ctx.fields]
    text = " ".join([ctx.msg.subject or "", ctx.msg.new_text or ctx.msg.body_text or ""])
    if not wanted or not _says_same_as_last(text):
        return
    last = ctx.session.execute(
        select(Case.number, Case.fields)
        .where(
            Case.requester_email == ctx.sender,
            Case.queue == ctx.mailbox.queue,
            Case.created_at <= ctx.now,
        )
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return
    for name in wanted:
        value = (last.fields or {}).get(name)
        if value not in (None, "", []):
            ctx.fields[name] = FieldValue(value, BORROWED_CONFIDENCE, f"case:{last.number}")
