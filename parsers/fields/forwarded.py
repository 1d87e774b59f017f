"""Reader: a forwarded mail inside the message (inline "---------- Forwarded message" or an
attached message/rfc822, as `parsers.mime` gives it), read like a body of its own.

A forward of a forward (a dealer forwarding a homeowner's mail, which staff forward on) is a
chain of messages, each with its own header block and sign-off: each is read on its own, so
that one writer's signature never runs into the next message, and the newest fills first.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from intake.parsers.fields.common import MAX_TEXT, Context, _replace, _strip_forward_headers
from intake.parsers.fields.prose_service import describes_fault
from intake.parsers.fields.resolver import Found
from intake.parsers.fields.signatures import split_chain, split_tail
from intake.parsers.message import ParsedMessage


def read(msg: ParsedMessage, ctx: Context, read_text: Callable[[str, Context], Found]) -> Found:
    """The fields of the forwarded mail, without its header block and sign-off; in a chain,
    each message's, the newest first."""
    found = Found()
    descriptions = []
    for message in split_chain(msg.forwarded_text[:MAX_TEXT]):
        text, quoted = _quoted_below(_strip_forward_headers(message.text))
        core, _ = split_tail(text, message.from_name)
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


_QUOTED_LINE = re.compile(r"^[ \t]*>[ \t]?", re.M)


def _quoted_below(text: str) -> tuple[str, str]:
    """A forwarded reply split into its own text and the ">"-quoted mail below it (the
    quote markers taken off, the "On ... wrote:" line dropped)."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.lstrip().startswith(">")), None)
    if first is None:
        return text, ""
    own = lines[:first]
    if own and own[-1].rstrip().endswith(("wrote:", "a écrit :", "a écrit:")):
        own = own[:-1]
    elif len(own) > 1 and not own[-1].strip() and own[-2].rstrip().endswith("wrote:"):
        own = own[:-2]
    quoted = "\n".join(lines[first:])
    return "\n".join(own), _QUOTED_LINE.sub("", quoted)
