"""Reader: the subject line. A quote request written all in the subject, the account,
specs and due date it names; a service request's urgency, reference and address."""

from __future__ import annotations

import re
from collections.abc import Collection

from intake.parsers import normalise as nz
from intake.parsers.fields import accounts, bare_lines, cell_lines, shorthand
from intake.parsers.fields.common import (
    QUOTES,
    Context,
    _clean,
    _reference,
    _replace,
    _says_urgent,
    _subject_text,
)
from intake.parsers.fields.patterns import (
    _FIELD_CUE,
    _META,
    _REFERENCE,
    NAME_LABEL,
    names_a_job,
)
from intake.parsers.fields.prose_due_date import prose_due
from intake.parsers.fields.prose_quote import values_said
from intake.parsers.fields.resolver import GUESS, PROSE, Found
from intake.parsers.fields.site_address import site_address
from intake.parsers.fields.tables import summary_row
from intake.parsers.fields.values import offer_account, part_fields
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded
from intake.parsers.message import ParsedMessage


def read(
    v: OrgVocabulary,
    found: Found,
    msg: ParsedMessage,
    ctx: Context,
    body: str,
    expected: Collection[str] = (),
) -> None:
    """What the subject adds to the body; a reply's subject repeats the request's, so of a
    reply's subject only a cell that answers what the case still misses counts."""
    if ctx.queue == QUOTES:
        if len(body.split()) < 12 and not ctx.is_reply:
            _subject_as_request(v, found, msg, ctx)
            _runs_of_values(v, found, msg, ctx)
        if not ctx.is_reply:
            _shorthand(v, found, msg, ctx)
        elif expected or _PER_SUBJECT.search(body):
            # "Close moves per subject": the body points at the reply's subject for the news
            _answers_in_subject(v, found, msg, ctx, expected or None)
        _quote_subject(v, found, msg, ctx)
    elif not ctx.is_reply:
        _service_subject(v, found, msg, body)


def _subject_as_request(v: OrgVocabulary, found: Found, msg: ParsedMessage, ctx: Context) -> None:
    """ "Clearview | Clearview - Sherwood Park | 12 casement 36x48 | .55 | Standard |
    Submissions | close 5/21" with a body of "^^ all in the subject"."""
    cells = _request_cells(msg)
    if len(cells) >= 4 or _account_and_values(v, cells, ctx):
        summary_row(v, found, cells, _replace(ctx, "subject"))
        # "... | Submissions | close 5/21 | show lead times": a plain note after the values
        last = cells[-1]
        if (
            len(last.split()) >= 2
            and bare_lines.value_of(v, cells[-2], ctx)
            and not bare_lines.value_of(v, last, ctx)
            and not v.qty_product.search(last)
            and not _FIELD_CUE.search(last)
            and not _META.search(last)  # "... | sheet attached"
            and not nz.match_account(last, v.org)
        ):
            if not found.has("opportunity_name") and (
                names_a_job(last) or _opens_with_account(v, last)
            ):
                # "... | close 6/27 | Lakeview Ph2 units 1-12", "... | .55 | Clearview Q1
                # 2034 Stock": the job, named last
                found.offer("opportunity_name", _clean(last), PROSE - 0.1, "subject")
            else:
                found.offer("special_instructions", _clean(last), PROSE - 0.1, "subject")


def _request_cells(msg: ParsedMessage) -> list[str]:
    """The subject's cells, pipes or semicolons between them, without the request's tag."""
    subject = _subject_text(msg.subject)
    cells = [c.strip() for c in re.split(r"\s+\|\s+|\s*;\s+", subject) if c.strip()]
    cells = [c for c in cells if not _REQUEST_TAG.fullmatch(c)]  # "QUOTE REQ | ..."
    if cells:
        cells[0] = _TAG_BEFORE_ACCOUNT.sub("", cells[0])  # "QR Northgate | ..."
    return cells


# "QR Northgate", "RFQ Clearview": the request's tag, said before the account's name
_TAG_BEFORE_ACCOUNT = re.compile(r"^(?:qr|rfq)\s+(?=\w)", re.I)


def _account_and_values(v: OrgVocabulary, cells: list[str], ctx: Context) -> bool:
    """ "QR Northgate | 40x Series 1500 awning 36x24 egress, white | .47" over "rest to
    follow": three cells, the account, the products and a value, are a request too short
    to name the job yet."""
    return (
        len(cells) == 3
        and nz.match_account(cells[0], v.org) is not None
        and any(v.qty_product.search(cell) for cell in cells[1:])
        and any(bare_lines.value_of(v, cell, ctx) for cell in cells[1:])
    )


def _runs_of_values(v: OrgVocabulary, found: Found, msg: ParsedMessage, ctx: Context) -> None:
    """ "clearview bayside reno - 12 dbl hung white vinyl 32x54 - pt62 std single 50% close
    4/30 - 8.2k" over a body that only names the opp: a subject cell that runs two values or
    more together, read as the prose reads such a run. What the body states stands."""
    sub_ctx = _replace(ctx, "subject")
    for cell in _LOOSE_CELL_BREAK.split(_subject_text(msg.subject)):
        if v.qty_product.search(cell):
            continue  # the products, whose sizes and counts are no values
        said = values_said(v, cell, sub_ctx)
        if len(said.values) >= 2:
            # in a run of values a bare picklist word is that picklist's ("std single")
            for name in ("opportunity_type", "record_type"):
                for value, _, _ in v.picklists[name].find(cell):
                    said.offer(name, value, PROSE - 0.1, "subject")
            for name, value in said.values.items():
                if not found.has(name) and name not in found.declared_empty:
                    found.offer(name, value.value, PROSE - 0.1, "subject")


def _specs_cells(v: OrgVocabulary, specs: str, ctx: Context) -> str:
    """The subject's products end where a cell of values begins ("12 dbl hung 32x54 - pt62
    std single 50% close 4/30 - 8.2k"): those are the opportunity's, not the products'."""
    for gap in _LOOSE_CELL_BREAK.finditer(specs):
        cell = _LOOSE_CELL_BREAK.split(specs[gap.end() :], maxsplit=1)[0]
        if bare_lines.value_of(v, cell, ctx) or len(values_said(v, cell, ctx).values) >= 2:
            return specs[: gap.start()]
    return specs


# A cell that is a close date or a factor after its label: "close EOM", "closing 4/15",
# "factor 55%"
_LABELLED_CELL = re.compile(rf"\s*(?i:close|closing|clos|{nz.FACTOR_WORDS})\b")
# Cells set apart by a slash, two slashes or a pipe: "Clearview / Std / 50%", "NORTHGATE //
# FX .46 // CLS 7/30"
_CELL_BREAK = re.compile(r"\s+(?://?|\|)\s+")
# Cells set apart by dashes or commas: "PCH Wheatland L14 showhome qt - .52, project, 50%,
# close EOM - need by tmrw am"
_LOOSE_CELL_BREAK = re.compile(r"\s+[-–—]\s+|,\s+")
# "PCH quote", "A&O pricing req": an account cell that says what is asked of it
_REQUEST_AFTER = re.compile(
    r"\s+(?:quote|qt|qte|rfq|pricing|price request|quote req(?:uest)?)\s*$", re.I
)
# "QR:", "Quote:", "RFQ -": a quote-request tag before the shorthand.
_REQUEST_TAG = re.compile(
    r"^(?:qr|rfq|quote(?: req(?:uest)?)?|pricing|price request)\s*(?:[:\-–|]\s*|$)", re.I
)


def _shorthand(v: OrgVocabulary, found: Found, msg: ParsedMessage, ctx: Context) -> None:
    """ "QR: Clearview - Lavoie Kitchen / Std / 50% / close 9/24 / x.47": the opportunity
    name and then cells that are each one value, slash- or pipe-separated. At least two
    cells must be values, so "Windows / doors for the Smith job" says nothing. What the
    body states stands; the subject fills the rest."""
    subject = _REQUEST_TAG.sub("", _subject_text(msg.subject))
    # ("Opp: Northgate - Q3 2029 Unit Run": a cell may carry its label)
    cells = [NAME_LABEL.sub("", c.strip()) for c in re.split(_CELL_BREAK, subject) if c.strip()]
    parts = [part for cell in cells for part in _value_tail(v, cell, ctx)]
    cells = [cell for cell, _ in parts]
    said = (
        [_cell_values(v, cell, ctx) if values is None else values for cell, values in parts]
        if len(cells) >= 3
        else []
    )
    if sum(bool(x) for x in said) < 2:
        breaks = len(_LOOSE_CELL_BREAK.findall(subject))
        if breaks < 2:
            return
        # "New acct Kestrel Lake Cabins - 12 cabin pkgs - .58 - Project - Funding - close
        # 15/11": cells set apart by dashes or commas, when three of them are values (a
        # name's own dash, "Ridgeline - Kessler Residence", leaves too few; a cell that
        # names the opportunity after its label, "opp Lakeshore Bldg B", counts)
        cells = [c.strip() for c in _LOOSE_CELL_BREAK.split(subject) if c.strip()]
        said = [_cell_values(v, cell, ctx) for cell in cells]
        named = any(_OPP_NAMED.match(cell) for cell in cells)
        # ("A&O dealer stock order - factor .54 - 25%": a subject that ends in two cells
        # of values or more is the shorthand too)
        if (breaks < 3 or sum(bool(x) for x in said) + named < 3) and _values_at_end(said) < 2:
            return
    after_account = False
    for cell, values in zip(cells, said, strict=True):
        # ("PCH quote - Sage Meadows Lot 22 - ...": the account and what is asked of it)
        account_cell = _REQUEST_AFTER.sub("", cell)
        words = account_cell.split()
        is_account = len(words) <= 3 and nz.match_account(account_cell, v.org) is not None
        opp = _OPP_NAMED.match(cell)
        if values:
            for name, value in values:
                found.offer(name, value, PROSE, "subject")
        elif opp:  # "CLEARVIEW - opp Lakeshore Condos Bldg B - FX 44 - 50%"
            found.offer("opportunity_name", _clean(cell[opp.end() :]), PROSE, "subject")
        elif is_account:
            if not found.has("account"):
                offer_account(v, found, account_cell, PROSE, "subject")  # "QR: A&O | ..."
        elif bare_lines.is_opportunity_name(v, cell) or _opens_with_account(v, cell):
            found.offer("opportunity_name", _clean(cell), PROSE, "subject")
        elif v.qty_product.search(cell) and not found.has("product_specs"):
            found.offer("product_specs", _clean(cell), GUESS, "subject")
        elif after_account and names_a_job(cell):
            # "Clearview | Millwoods showroom refresh | fctr .55 | ...": the words after the
            # account, where a subject names the job
            found.offer("opportunity_name", _clean(cell), PROSE - 0.1, "subject")
        after_account = is_account


def _opens_with_account(v: OrgVocabulary, cell: str) -> bool:
    """ "A&O Spring Dealer Stock 2028": three words or more that open with the account, as
    a job's name does."""
    words = cell.split()
    return len(words) >= 3 and nz.match_account(words[0], v.org) is not None


# A cell that names the opportunity after its label, colon or not: "opp Model 14 Retrofit"
_OPP_NAMED = re.compile(r"(?i:opp|oppty|opportunity)(?i: name)?\s*[:\-–]?\s+(?=[A-Z0-9\"“])")


def _value_tail(
    v: OrgVocabulary, cell: str, ctx: Context
) -> list[tuple[str, list[tuple[str, str]] | None]]:
    """ "PCH Saddle Ridge ph3 - .48 / Project / 50%": the first slashed cell is the job and,
    after a dash, a value of its own; two cells then. A cell that states values whole, or
    whose dash is the name's own ("Ridgeline - Kessler Residence"), stays one. Each part
    with the values read of it, None where none were read yet."""
    head, dash, tail = cell.rpartition(" - ")
    if not dash or not head.strip():
        return [(cell, None)]
    whole = _cell_values(v, cell, ctx)
    if whole:
        return [(cell, whole)]
    said = _cell_values(v, tail, ctx)
    return [(head.strip(), None), (tail.strip(), said)] if said else [(cell, whole)]


def _cell_values(v: OrgVocabulary, cell: str, ctx: Context) -> list[tuple[str, str]]:
    """The values one subject cell states: one by its shape (".47", "Std", "close 9/24"), or
    a run of short labels and values ("FX .46 STD SUBM")."""
    value = bare_lines.value_of(v, cell, ctx)
    if value:
        return [value]
    slashed = _picklist_slashes(v, cell, ctx)
    if slashed:
        return slashed
    return [(name, said) for name, said, _ in shorthand.labelled_values(v, cell, ctx)]


def _picklist_slashes(v: OrgVocabulary, cell: str, ctx: Context) -> list[tuple[str, str]]:
    """ "std/single", "Project/Funding": picklist values set apart by bare slashes, one cell
    of a dashed subject ("ridgeline - elbow park reno - std/single - 50% - close jun 30"),
    each part of another picklist ("white/black", "6/30" are none)."""
    parts = _BARE_SLASH.split(cell.strip())
    if len(parts) < 2:
        return []
    said = cell_lines.cell_values(v, parts, ctx)
    if not said or not said.keys() <= cell_lines.PICKLIST_FIELDS:
        return []
    return list(said.items())


# "std/single", "std / single"
_BARE_SLASH = re.compile(r"\s*/\s*")


def _values_at_end(said: list[list[tuple[str, str]]]) -> int:
    """How many cells, counted back from the last, each state values."""
    count = 0
    for values in reversed(said):
        if not values:
            break
        count += 1
    return count


# "Close moves per subject", "new date in the subject line"
_PER_SUBJECT = guarded(re.compile(r"\b(?:(?:as )?per|see|in) (?:the )?subject(?: line)?\b", re.I))


def _answers_in_subject(
    v: OrgVocabulary,
    found: Found,
    msg: ParsedMessage,
    ctx: Context,
    expected: Collection[str] | None,
) -> None:
    """ "RE: [CASE-…] QUOTE REQ | Northgate | stage = Submissions 50%" over a body of "-L": a
    reply that answers the bot's request in its subject. Only the fields the case still
    misses: the rest of a reply's subject repeats what the case already holds, and may be
    older than a correction made since. `expected` None: the body sends the reader to the
    subject ("Close moves per subject"), whose values are then the reply's own."""
    subject = _subject_text(msg.subject)
    for cell in re.split(_CELL_BREAK.pattern + r"|\s*;\s+", subject):
        said = part_fields(v, cell.strip(), ctx, loose=True)
        if not said and (value_of := bare_lines.value_of(v, cell, ctx)):
            said = dict([value_of])
        for name, value in said.items():
            if (expected is None or name in expected) and value and not found.has(name):
                found.offer(name, value, PROSE, "subject")
    if expected is not None and "opportunity_name" in expected:
        # "RE: [CASE-…] QR Northgate | 40x awning 36x24 | .47 | NGM Egress Retrofit |
        # Standard | 90% | 5/26": the request's subject with the missing cells put after it,
        # the job's name among them, read as the summary row it now is
        row = Found()
        cells = _request_cells(msg)
        if len(cells) >= 4:
            summary_row(v, row, cells, _replace(ctx, "subject"))
        name = row.values.get("opportunity_name")
        if name and not found.has("opportunity_name"):
            found.offer("opportunity_name", name.value, PROSE, "subject")


def _quote_subject(v: OrgVocabulary, found: Found, msg: ParsedMessage, ctx: Context) -> None:
    """Subject hints: account, specs, due date."""
    subject = _subject_text(msg.subject)
    if not ctx.is_reply and subject:
        sub_ctx = _replace(ctx, "subject")
        if not found.has("account") and "account" not in found.declared_empty:
            accounts.read(v, found, subject, sub_ctx)
        if not found.has("product_specs"):
            m = v.qty_product.search(subject)
            if m:
                specs = _specs_cells(v, subject[m.start() :], sub_ctx)
                found.offer("product_specs", _clean(specs), GUESS, "subject")
        if not found.has("quote_due"):
            prose_due(v, found, subject, sub_ctx)
        # "BVR garage suite - qt pls, close EOM", "Pemberton reno qte - factor 55%": a close
        # date or a factor in a cell of its own, after its label
        for cell in re.split(_CELL_BREAK.pattern + "|" + _LOOSE_CELL_BREAK.pattern, subject):
            said = bare_lines.value_of(v, cell, ctx) if _LABELLED_CELL.match(cell) else None
            named = said[0] if said else ""
            open_field = not found.has(named) and named not in found.declared_empty
            if said and named in ("close_date", "factor") and open_field:
                found.offer(named, said[1], PROSE - 0.1, "subject")


# "please call", "call me at", "cell", "ph": the number after is the one to call
_CALL_CUE = re.compile(r"(?i)\b(?:call|text|reach|cell|mobile|phone|ph|tel)\b")


def _service_subject(v: OrgVocabulary, found: Found, msg: ParsedMessage, body: str) -> None:
    """The subject's urgency, reference and site address."""
    subject = _subject_text(msg.subject)
    # A subject saying "urgent" counts; a subject naming a hazard ("door won't close")
    # defers to the body, which says how bad it is ("a 1 cm gap at the latch").
    if _says_urgent(subject) or (
        v.is_emergency(subject) and (not body.strip() or v.is_emergency(body))
    ):
        found.offer("urgency", "emergency", PROSE, "subject")
    ref = _REFERENCE.search(subject)
    if ref:
        found.offer("reference", _reference(ref), GUESS, "subject")
    # "Foggy window - 42 Cranbrook Rise SE", "URGENT shattered glass - 4419 bow cres nw"
    address = site_address(subject, v.org.phone_region)
    if address and not found.has("site_address"):
        found.offer("site_address", address, GUESS, "subject")
    # "Front window leaking after Sunday storm - please call 825-555-0161": the number to
    # call, said only in the subject
    phones = [] if found.has("contact_phone") else nz.find_phones(subject, v.org.phone_region)
    if phones:
        e164, start, _ = phones[0]
        asked = _CALL_CUE.search(subject[max(0, start - 30) : start])
        found.offer("contact_phone", e164, PROSE if asked else GUESS, "subject")
