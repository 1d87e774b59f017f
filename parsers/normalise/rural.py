"""Canadian rural addresses: a box, a site and a rural route instead of a street."""

from __future__ import annotations

import re

from intake.parsers.first_chars import guarded

# A Canadian rural address has no street: a box, a site and a rural route, in any order
# ("Box 19, Site 7, RR 2" or "RR 1, Site 4, Box 22"), then the town, province and postal code.
_RURAL_PART = (
    r"(?:(?:P\.?\s?O\.?\s+)?Box|Site|R\.?\s?R\.?|Rural Route|Comp(?:artment)?)\s*#?\s*\d{1,5}"
)
_RURAL_PROVINCE = (
    r"(?:AB|BC|SK|MB|ON|QC|NS|NB|PE|NL|YT|NT|NU|Alberta|Saskatchewan|Manitoba|Ontario)"
)
_RURAL_ADDRESS = guarded(
    re.compile(
        rf"(?<![\w-]){_RURAL_PART}(?:\s*[,;\n]\s*{_RURAL_PART}){{1,3}}"
        r"\s*[,\n]\s*(?P<town>[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*){0,2})"
        # the province, or the end of the line ("RR 2, Site 5, Box 12, Okotoks")
        rf"(?:\s*[,\n]?[ \t]*{_RURAL_PROVINCE}\b"
        r"(?:[ \t,]+[A-Z]\d[A-Z][ \t]?\d[A-Z]\d\b)?|(?=[ \t.]*(?:\n|$)))"
    )
)


def find_rural_addresses(text: str) -> list[tuple[int, int, str]]:
    """Rural-route addresses in a text as (start, end, value), the value on one line with
    its parts joined by ", " ("Box 19, Site 7, RR 2, Morinville, AB T8R 1P5")."""
    out = []
    for m in _RURAL_ADDRESS.finditer(text):
        value = re.sub(r"\s*[,;\n]\s*", ", ", m.group(0).strip())
        value = re.sub(r"[ \t]+", " ", value)
        value = re.sub(r"\b(AB|BC|SK|MB|ON|QC|NS|NB|PE|NL|YT|NT|NU),\s", r"\1 ", value)
        out.append((m.start(), m.end(), value))
    return out
