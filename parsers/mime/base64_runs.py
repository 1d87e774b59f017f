"""Base64 bodies joined onto one line before the stdlib parse, which reads them line by line.

The compat32 feed parser takes every line of a part through a Python-level readline that
checks it against each open boundary: a 200 KB attachment is ~3,600 lines and its parse cost
~3 ms, ten times the rest of the message. Decoding joins the lines anyway
(`Message.get_payload(decode=True)` decodes `b"".join(payload.splitlines())`), so a base64
body without its line breaks decodes to the same bytes, and a line of base64 can never be a
boundary ("--" is not in its alphabet): the structure the parser finds is the same.

What the parser saw is checked rather than assumed: a joined body must come back as the
whole payload of a base64 leaf, or the original bytes are parsed instead (a "Content-
Transfer-Encoding: base64" line quoted in a text part is not a part's header). Messages with
a message/* part are left alone, as those parts are re-serialised as attachments and must
keep their line breaks.
"""

from __future__ import annotations

import email.message
import re
from collections import Counter

_CTE = b"\ncontent-transfer-encoding:"
_HEADERS_END = re.compile(rb"\r?\n\r?\n")
_BASE64_TEXT = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"
MIN_LINES = 32  # fewer lines cost the parser less than looking for them


def join_base64_bodies(data: bytes) -> tuple[bytes, list[str]]:
    """`data` with the line breaks inside each long base64 part body removed (the one before
    the boundary kept), and the joined bodies as the parser will hand them back."""
    lower = data.lower()
    if _CTE not in lower or b"message/" in lower:
        return data, []
    chunks: list[bytes] = []
    joined: list[str] = []
    done = pos = 0
    while (at := lower.find(_CTE, pos)) >= 0:
        eol = lower.find(b"\n", at + 1)
        pos = at + 1 if eol < 0 else eol
        if eol < 0 or lower[at + len(_CTE) : eol].strip() != b"base64":
            continue
        blank = _HEADERS_END.search(data, eol - 1)
        if blank is None:
            break
        start = blank.end()
        end = data.find(b"\n--", start)  # the next boundary line
        if end < 0:
            break
        if data[end - 1 : end] == b"\r":
            end -= 1
        body = data[start:end]
        if body.count(b"\n") < MIN_LINES or body.translate(None, _BASE64_TEXT):
            pos = max(pos, end)
            continue
        one_line = body.replace(b"\r", b"").replace(b"\n", b"")
        chunks += [data[done:start], one_line]
        joined.append(one_line.decode("ascii"))
        done = pos = end
    if not joined:
        return data, []
    chunks.append(data[done:])
    return b"".join(chunks), joined


def parsed_as_base64(message: email.message.Message, joined: list[str]) -> bool:
    """Did each joined body come back as the whole payload of a base64 leaf?"""
    leaves = Counter(
        part.get_payload()
        for part in message.walk()
        if not part.is_multipart()
        # as `get_payload(decode=True)` reads it: a value with a trailing space is not decoded
        and str(part.get("content-transfer-encoding", "")).lower() == "base64"
    )
    leaves.subtract(Counter(joined))
    return all(count >= 0 for count in leaves.values())
