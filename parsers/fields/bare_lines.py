"""Reader: unlabelled lines in the order of the form. A veteran writes the quote form without
its labels, one value a line ("Northgate Modular", "Northgate - 2028 Model Year Kits",
"Project", "Funding", "0.55", "30 Jul 2027"), or a product list followed by a plain note
("no grilles, ship w/ next Clearview truck"). Each short line is read by the shape of its
value; `value_of` is also what reads a cell of a shorthand subject line."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime
from functools import lru_cache, partial

from intake.parsers import normalise as nz
from intake.parsers.fields.common import QUOTES, Context, _clean, _spec_lines, _split_parts
from intake.parsers.fields.lexicon import PICKLIST_ABBREVIATIONS
from intake.parsers.fields.patterns import (
    _DIMENSION,
    _FIELD_CUE,
    _META,
    _MONEY,
    _SIGN_OFF,
    _SPEC_WORDS,
    CAPITALISED_NAME,
    names_a_job,
)
from intake.parsers.fields.resolver import BULLETS, PROSE, RUN_ON, Found
from intake.parsers.fields.structure import Structure
from intake.parsers.fields.tables import cell_factor, summary_row
from intake.parsers.fields.values import offer_account, part_fields
from intake.parsers.fields.vocab import OrgVocabulary

# "x.47", "@ .47", ".47", "0,58", "fctr .49": a factor standing alone.
_ANY_DAY = datetime(2000, 1, 3)  # whether a text is a date does not depend on the day
_PERCENT_ALONE = re.compile(r"\d{1,3}\s?%")
# "Clearview - Lavoie Kitchen", "HFD - Harbour Lights Phase 2": "<account> - <name>".
_ACCOUNT_DASH_NAME = re.compile(r"(?P<head>[A-Z][\w&'’.]*(?:\s+[\w&'’.]+){0,3})\s+[-–]\s+\S.{1,70}")
_FILE_NAME = re.compile(r"^\S+\.(?:pdf|xlsx?|docx?|csv|txt|jpe?g|png|heic|dwg|zip|eml)$", re.I)
_BULLET = re.compile(r"^[-*•]\s+")
_LABELLED = re.compile(r"^[^\W\d_][^:\n]{0,40}:\s")
_NO_ATTACHMENTS = re.compile(r"^(?:no|without)\s+(?:attachments?|files?|drawings?)\b", re.I)


def value_of(v: OrgVocabulary, text: str, ctx: Context) -> tuple[str, str] | None:
    """(field, value) for a short text that is one value by its shape alone, else None:
    a picklist value or its abbreviation ("Std", "Proj w/ install", "Sub"), a stage by its
    percentage ("50%"), a factor (".47", "x.47", "@ .47", "0,58"), a date ("30.04.2027",
    "close 9/24", "end of Q3"), an amount ("~$1.2M", "85k")."""
    cell = text.strip().rstrip(".;")
    if not cell or len(cell) > 40:
        return None
    key = nz.fold(cell)
    abbreviated = v.abbreviated(cell)
    if abbreviated:
        return abbreviated
    name = v.picklist_of_value(cell)
    if name:
        return name, v.picklists[name].match(cell) or ""
    if _PERCENT_ALONE.fullmatch(cell):
        stage = v.pick("stage", cell)
        return ("stage", stage) if stage else None
    factor = cell_factor(cell)
    if factor is not None:
        return "factor", str(factor)
    if not re.search(r"\d|\$", cell) and not nz._DATE_WORDS.search(key):
        return None  # no number, no date word: neither a date, a factor nor an amount
    said = part_fields(v, cell, ctx, loose=False)
    if len(said) == 1:
        (field, value), *_ = said.items()
        if value is not None and field in ("close_date", "factor", "amount"):
            return field, value
    return None


# The fields a label written without a colon may name ("fctr 52", "rec type single",
# "close EOM", "need by thurs noon"): each only when what follows reads as its value.
_BARE_LABEL_FIELDS = {
    "factor", "stage", "opportunity_type", "record_type", "close_date", "amount", "quote_due",
    "opportunity_name",
}  # fmt: skip
_NAME_WORDS = 8  # the most words of an opportunity's name said without a colon


# A value the writer has not got yet, said right after the label: "TBD", "still TBD, ..."
_UNDECIDED = re.compile(r"(?i)(?:still\s+)?(?:tbd|tbc|tba|unknown)\b")


def states(v: OrgVocabulary, field: str, value: str) -> bool:
    """Whether `value`, written after a label without a colon, reads as `field`'s value; a
    sentence that merely starts with a label word ("close to the lake", "type of glass")
    does not."""
    value = value.strip().rstrip(".;")
    if field in _BARE_LABEL_FIELDS and _UNDECIDED.match(value):
        return True  # "Stage still TBD, waiting to hear back": the label, its value to come
    if re.search(r"[,;]\s", value):
        return False  # "Factor .50, we're at Funding, closing Dec 30.": a sentence of clauses
    head = re.split(r"\s*[(]", value, maxsplit=1)[0]  # "52 (as always)"
    if field not in _BARE_LABEL_FIELDS or not head:
        return False
    if field == "factor":
        return len(head.split()) <= 2 and nz.parse_factor(head) is not None
    if field == "opportunity_name":
        # "opp name Ridgeline Elbow Dr Rebuild" on a line of its own: a name, capitalised
        return len(head.split()) <= _NAME_WORDS and bool(CAPITALISED_NAME.fullmatch(head))
    if field in v.picklists:
        key = nz.fold(head)
        abbreviated = any(key in words for words in PICKLIST_ABBREVIATIONS.get(field, {}).values())
        return abbreviated or (len(head.split()) <= 4 and v.pick(field, head) is not None)
    if field == "amount":
        return (
            len(head.split()) <= 3
            and bool(_MONEY.search(head))
            and nz.parse_amount(head) is not None
        )
    # close_date, quote_due: the date, a word at most
    said = nz.find_date(head, now=_ANY_DAY, date_order=v.org.date_order)
    return said is not None and said[1] == 0 and len(head[said[2] :].split()) <= 1


def is_opportunity_name(v: OrgVocabulary, text: str) -> bool:
    """ "Northgate - 2028 Model Year Kits": a name led by an account the organisation
    knows (its name, an alias or the first word of its name)."""
    m = _ACCOUNT_DASH_NAME.fullmatch(text.strip())
    if not m or _DIMENSION.search(text) or v.qty_product.search(text):
        return False
    head = nz.account_key(m["head"])
    if nz.match_account(m["head"], v.org):
        return True
    return any(
        nz.account_key(a.name).split()[:1] == [head] for a in v.org.accounts.values() if head
    )


def read(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """Each run of consecutive lines (no blank line between) that reads as the form:
    two or more lines that are each one value, or product lines with a note below them."""
    if ctx.queue != QUOTES:
        return
    run: list[str] = []
    for line in [*text.replace("\r", "").split("\n"), ""]:
        if line.strip():
            run.append(line.strip())
        elif run:
            _read_run(v, found, run, ctx)
            run = []


def _is_product(v: OrgVocabulary, line: str) -> bool:
    """ "40 sliders 48x36 dual pane", "3 x 3040 basement sliders": a line that starts with its
    quantity and product and gives a size, or counts it with an "x" (a wrapped paragraph's
    line starts anywhere)."""
    return bool(v.qty_product.match(line) and (_DIMENSION.search(line) or _TIMES.match(line)))


_TIMES = re.compile(r"\d+\s*[x×]\s")


def _read_run(v: OrgVocabulary, found: Found, run: list[str], ctx: Context) -> None:
    if len(run) < 2 or any("  " in line for line in run):
        return  # aligned columns have their own reader
    # "- .49", "- 50%", "- Aspen & Oak - Hendricks reno": the form written as a bullet list,
    # one value a bullet, is read as the same lines without their bullets
    bulleted = {_BULLET.sub("", line) for line in run if _BULLET.match(line)}
    run = [_BULLET.sub("", line) for line in run]
    run = [line for line in run if not _LABELLED.match(line)]  # and so have labels
    values: list[tuple[str, str]] = []
    names: list[str] = []
    rows: list[list[str]] = []
    accounts = []
    unread: list[str] = []  # lines that are no value, name, account or product
    # (a bullet with a quantity and product is a product line, sized or not, even after the
    # series and colours it is in: "- 2000 series, tan ext / white int: 12 casements, ...")
    products = [
        i
        for i, line in enumerate(run)
        if _is_product(v, line)
        or (line in bulleted and v.qty_product.search(line) and not value_of(v, line, ctx))
    ]
    for i, line in enumerate(run):
        if i in products:
            continue
        said = value_of(v, line, ctx) or _whole_factor(line, bulleted)
        parts = _split_parts(line)
        each = [value_of(v, part, ctx) for part in parts] if len(parts) >= 2 else []
        if said:
            values.append(said)
        elif each and all(each):  # "Standard / Submissions": every part a value
            values.extend(x for x in each if x)
        elif len(parts) >= 3 and is_opportunity_name(v, parts[0]):
            rows.append(parts)
        elif is_opportunity_name(v, line):
            names.append(line)
        elif len(line.split()) <= 4 and nz.match_account(line, v.org):
            accounts.append(line)
        elif not _FIELD_CUE.search(line):  # ("Factor 46 (same as Ph 3)": a label's line)
            unread.append(line)
    if not names and len(unread) == 1 and len(values) >= 3 and names_a_job(unread[0]):
        # "Prairie Crest Homes / PCH Aurora Ridge Ph 4 Showhome / Project / 90% / ...": the
        # one line of the form that is no value is the opportunity's name
        names.append(unread[0])
    if len(values) + len(names) + len(rows) + len(accounts) >= 2:
        for line in accounts[:1]:
            offer_account(v, found, line, BULLETS, ctx.source)
        for name in names[:1]:
            found.offer("opportunity_name", _clean(name), BULLETS, ctx.source)
        for parts in rows[:1]:
            summary_row(v, found, parts, ctx)
        for field, value in values:
            found.offer(field, value, BULLETS, ctx.source)
    if products:
        _products_and_note(v, found, run, products, ctx, bulleted)


def _a_label_line(v: OrgVocabulary, line: str) -> bool:
    """ "type project w/ install.. actually no scratch that, Standard": a line the form's
    structure reads as a label and its value, colon or not, which is no note."""
    return bool(_quote_structure(v).label_of(line, False, bare=True))


@lru_cache(maxsize=4)
def _quote_structure(v: OrgVocabulary) -> Structure:
    return Structure(v.labels[QUOTES], QUOTES, None, partial(states, v))


def _whole_factor(line: str, bulleted: Collection[str]) -> tuple[str, str] | None:
    """ "• 55" among the bullets of a form: a factor written as a whole number."""
    if line not in bulleted or not re.fullmatch(r"[2-9]\d", line.strip()):
        return None
    factor = nz.parse_factor(line.strip())
    return ("factor", str(factor)) if factor is not None else None


def _products_and_note(
    v: OrgVocabulary,
    found: Found,
    run: list[str],
    products: list[int],
    ctx: Context,
    bulleted: Collection[str] = (),
) -> None:
    """Product lines one a line (and the spec lines that continue them) are the specs; a
    plain line after the last of them is the special instructions (a bullet is one more
    item of the list, never the note)."""
    specs = [run[products[0]]]
    note = None
    previous = specs[0]
    for line in run[products[0] + 1 :]:
        wrapped = (
            previous is specs[-1]
            and (
                re.search(r"(?:\b(?:with|and|or|in|of|plus|to|for)|,)$", previous)
                or (len(previous) >= 60 and line[:1].islower() and previous[-1:] not in ".!?;")
            )
            # "opp name - ask Tara" under a long product line: a label's line of its own
            and not _a_label_line(v, line)
        )
        previous = line
        if (
            wrapped
            or _is_product(v, line)
            or (
                (_SPEC_WORDS.search(line) or _DIMENSION.search(line))
                and not re.search(r"\b(?:ship|deliver|rack|label|pick up)", line)
            )
        ):
            specs.append(line)  # "12 patio 60x80 black ext/white int", "all white, same"
            note = None
            continue
        if (
            note is None
            and line not in bulleted
            and len(line.split()) >= 3
            and not (
                _FIELD_CUE.search(line)
                or _META.search(line)
                or _SIGN_OFF.match(line)
                or _FILE_NAME.match(line)
                or _NO_ATTACHMENTS.match(line)
                or value_of(v, line, ctx)
                or _a_label_line(v, line)
                or is_opportunity_name(v, _split_parts(line)[0])
                or nz.match_account(line, v.org)
            )
        ):
            note = line
    if run[0].rstrip().endswith(":"):
        note = None  # "Products:" over the lines: every line is the label's, none a note
    held = found.values.get("special_instructions")
    if note and (held is None or held.confidence <= RUN_ON):
        found.offer("special_instructions", _clean(note), PROSE - 0.1, ctx.source)
    if len(specs) >= 2 or len(run) > len(specs):
        found.offer("product_specs", _spec_lines(specs), PROSE, ctx.source)
