"""Reader: a forwarded mail inside the message (inline "---------- Forwarded message" or an
attached message/rfc822, as `parsers.mime` gives it), read like a body of its own."""

from __future__ import annotations

from collections.abc import Callable

from parsers.fields.common import MAX_TEXT, Context, _replace, _strip_forward_headers
from parsers.fields.resolver import Found
from parsers.fields.signatures import split_tail
from parsers.message import ParsedMessage


def read(msg: ParsedMessage, ctx: Context, read_text: Callable[[str, Context], Found]) -> Found:
    """The fields of the forwarded mail, without its header block and sign-off."""
    forwarded, _ = split_tail(_strip_forward_headers(msg.forwarded_text[:MAX_TEXT]))
    return read_text(forwarded, _replace(ctx, "forwarded"))
