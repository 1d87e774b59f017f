"""Reader aid: a service request written in its subject, the body only adding a line.

"Ridgeline – Lot 14 Aspen Ridge – 2 IGUs cracked on delivery – super Kyle Brandt 403-555-0128
– SO-558301" over "Pics attached. Site is 233 Aspen Ridge Way SW, Calgary.": a sender in a
hurry writes the account, the site, the fault and whom to call as the subject's cells. Those
cells are read as paragraphs after the body (what the body says of the site is surer than
a cell), so each reader finds its own cell.
"""

from __future__ import annotations

import re

from intake.parsers.fields.common import _subject_text
from intake.parsers.fields.description import describes_fault

SHORT_BODY = 20  # words: a body this short that names no fault only adds to the subject
MIN_CELLS = 3  # a subject of this many cells is a request written out, not a title
# Cells set apart by a spaced dash or a pipe ("Lot 14 - cracked unit", not "24-inch")
_CELL_BREAK = re.compile(r"\s+[-–—|]\s+")


def with_subject(subject: str, body: str, *, forwards: bool = False) -> str:
    """The body to read for a new service request: the subject alone over an empty body;
    the subject's cells, a paragraph each, below a short body that names no fault when the
    subject is a run of cells (the request is in the subject); else the body. Over a
    forwarded or attached mail (`forwards`) that mail is the request, the subject its title."""
    text = _subject_text(subject)
    if not body.strip():
        return text
    cells = [c.strip() for c in _CELL_BREAK.split(text) if c.strip()]
    if len(cells) < MIN_CELLS or len(body.split()) >= SHORT_BODY or describes_fault(body):
        return body
    if forwards:
        return body
    return "\n\n".join([body, *cells])
