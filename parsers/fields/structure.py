"""A message text as blocks in reading order: label lines (with their continuation lines),
numbered items, tables, bullet lists and prose paragraphs. Layout is meaning here: the
readers take the blocks, never the raw lines."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields.common import (
    QUOTES,
    _cells,
    _head_field,
    _is_header_row,
    _label_key,
    _strip_markup,
    first_sentence,
)
from intake.parsers.fields.lexicon import (
    _ONE_LINE_FIELDS,
    _TEXT_FIELDS,
    OPPORTUNITY_SUBLABELS,
    QUOTE_HEADS,
    SERVICE_HEADS,
)
from intake.parsers.fields.patterns import _SEPARATOR_ROW, BULLET
from intake.parsers.first_chars import guarded

# ("4a. Opportunity name: ..." under item 4: a sub-item is its item's)
_LIST_MARKER = re.compile(
    rf"^(?P<indent>[ \t]*)(?:(?P<num>\d{{1,2}})[a-zA-Z]?[.)](?=\s)|(?P<bullet>{BULLET})(?=\s))?"
    r"\s*(?P<rest>.*?)\s*$"
)
_LABEL_LINE = re.compile(r"^(?P<label>[^\W\d_][^:：\n]{0,40}?)\s*[:：](?!//)\s*(?P<value>.*)$")
# "Factor - 0.52", "Stage = Funding", "Items =", "account ........ Foothills", "$ = 61,250",
# "Account — Ridgeline" (an em dash, spaced or not), "STAGE >> 50%", "Close -> 4/30",
# "SI- deliver to lot" (the dash typed against the label): only for labels the table knows.
_DASH_LABEL_LINE = cued(  # run only on text holding its cues (cues.py)
    re.compile(
        r"^(?P<label>(?:[^\W\d_]|\$)(?:(?![.!?]\s)[^:：\n]){0,30}?)"  # no sentence inside
        r"(?:\s*[-–]\s+|\s+[-–]$|\s*—\s*|\s*=\s*|\s*\.{3,}\s*|\s*…+\s*|\s*(?:>>|=>|»|→)\s*|"
        r"\s+->\s+)(?P<value>.*)$"
    )
)
# (The gap that pads a label to its value is no split: "PRODUCT SPECS:     Spring program:
# 12 x 2-panel slider" is one label whose value has a colon of its own.)
_MULTI_LABEL_SPLIT = guarded(  # tried only where a match can start (first_chars)
    re.compile(
        r"(?:(?<![:：\s])(?:\s+\|\s+|\s+/\s+|\s*;\s+|,\s+|\t|\s{2,})"
        # (or a wide gap after a label left empty: "Mfr Case # ....:        Mfr Order # ...: SO-5")
        r"|(?<=\.[:：])\s{4,})"
        r"(?=[^\W\d_][^:：\n,;|]{0,30}[:：]\s)"
    )
)
# The same at a column gap only (a form's row laid out in columns, as a PDF's text layer
# or a sheet gives it): "Homeowners: Mei & Aaron Fung  Site contact: Mei Fung".
_COLUMN_LABEL_SPLIT = re.compile(
    r"(?<![:：\s])(?:\s+\|\s+|\t|\s{2,})(?=[^\W\d_][^:：\n,;|]{0,30}[:：]\s)"
)
# A dash or "=" after these starts a sentence, not a label ("Please use the cell - ...").
_SENTENCE_START = re.compile(
    r"(?i)^(?:please|pls|plz|can|could|would|will|use|i|i'm|we|we're|you|they|it|this|that|"
    r"there|just|also|note|so|and|but|if|when)\b"
)
# "Re: Factor — .54": the item a line answers, named after "Re:" ("regarding")
_REGARDING = re.compile(r"(?i)^(?:re|regarding)\s*:\s*(?=\S)")
# A label key with an item number: "item 1", "issue number 2" ("Issue #2")
_NUMBERED_LABEL = re.compile(r"(?P<base>[a-z][a-z ]{1,30}?) (?:number )?\d{1,2}")
_ITEM_WORDS = frozenset({"item", "warranty item", "deficiency", "concern", "repair", "task"})
# A gap between two columns of a row ("Special instructions  CX dealer - ...")
_CELL_GAP = re.compile(r"\S(?:\t|\s{2,})\S")
_BARE_LABEL = re.compile(r"^[^\W\d_][\w ]{1,28}$")
_INI_SECTION = re.compile(r"^\s*\[([^\]\[]{2,30})\]\s*$")


@dataclass
class Block:
    """One piece of a message body, in reading order.

    kind: "label" (field/value/lines), "item" (unlabelled numbered item), "table" (rows),
    "bullets" (items, with the prose line that introduced them), "prose" (a paragraph).
    """

    kind: str
    text: str = ""
    target: str = ""
    lines: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    number: int | None = None
    indent: int = 0
    said_lines: list[str] = field(default_factory=list)  # a paragraph's lines, as typed

    def thoughts(self) -> list[str]:
        """The lines of a paragraph of two or more that are thoughts of their own (a phone's
        "close EOM" over "need it back by tmrw noon pls", which joined read as one sentence):
        neither the line nor the one above it runs on into the next, as a hard-wrapped line
        (long, no stop at its end) or one ending in "and", "with", a comma does."""
        lines = self.said_lines
        if len(lines) < 2:
            return []
        ends = [_line_ends(line) for line in lines]
        return [line for i, line in enumerate(lines) if ends[i] and (i == 0 or ends[i - 1])]

    def typed_a_thought_a_line(self) -> bool:
        """Every line of this paragraph (two or more) is a thought of its own."""
        return len(self.said_lines) >= 2 and len(self.thoughts()) == len(self.said_lines)


_BARE_LINE_WORDS = 12  # the most words of a label line without a colon
_WRAPPED_LINE = 65  # a line this long or longer may be hard-wrapped: its words run on
# A line that goes on below it (a wrapped paragraph's line)
_GOES_ON = re.compile(r"(?:[,;:&+-]|\b(?:and|or|with|the|to|of|for))\s*$", re.I)
# Columns, a second sentence, or a line that goes on below it
_COLUMNS_OR_SENTENCES = re.compile(r"\t|\S\s{2,}\S|[.!?]\s+\S|" + _GOES_ON.pattern, re.I)
_GOES_ON = guarded(_GOES_ON)  # tried only where a match can start (first_chars)


_WRAP_WIDTH = 80  # no client that wraps lines wraps them wider: a longer line is unwrapped


def _line_ends(line: str) -> bool:
    """Whether a typed line ends its thought: it stops, or is too short or too long to be a
    hard-wrapped line and does not go on ("... and", "... with the")."""
    if line.rstrip().endswith((".", "!", "?")):
        return True
    wrapped = _WRAPPED_LINE <= len(line) <= _WRAP_WIDTH
    return not wrapped and not _GOES_ON.search(line)


_WORDS_ONLY = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)*")

_CELL_WORDS = 4  # the most words a second value in one table cell has
_TWO_VALUES = re.compile(r"\s+[/&]\s+")  # "Project / Single" under "Type / Record"
_TWO_LABELS = re.compile(r"\s+(?:[/&+]|and|n)\s+")  # "Close / Value", "Stage n close"
# A label the writer glosses in brackets: "Scheme (opportunity)", "Contract sum (amount)"
_GLOSSED_LABEL = re.compile(r"(?P<head>[^()]{2,40}?)\s*\((?P<gloss>[^()]{2,40})\)")


def _heading_over(block: Block | None) -> bool:
    """A free-text field's label alone on its line ("NOTES", "Deficiency"), nothing below it
    yet or only its own numbered lines."""
    return (
        block is not None
        and block.kind == "label"
        and not block.text
        and block.target in _TEXT_FIELDS
        and not block.number
    )


def _shorthand_label(head: str, target: str) -> bool:
    """ "SI hold pricing 60 days pls": a free-text field's label abbreviated in capitals
    starts its line; no sentence starts with such a word, so its colon may be left out."""
    return target in _TEXT_FIELDS and head.isupper() and len(head) <= 3


# The header of a two-column table of products: "Qty | Item", "Quantity | Description"
_QTY_HEADER = re.compile(r"(?i:qty|quantity|qté|quantité|#|count|units?)")
_ITEM_HEADER = re.compile(
    r"(?i:items?|products?|descriptions?|specs?|specifications?|windows?|doors?|units?|articles?)"
)


def _two_column_row(current: Block | None, cells: list[str]) -> bool:
    """A row of a two-column table: its header ("Qty | Item"), or a row under one."""
    if len(cells) != 2:
        return False
    if current is not None and current.kind == "table":
        return all(len(row) == 2 for row in current.rows)
    return bool(_QTY_HEADER.fullmatch(cells[0]) and _ITEM_HEADER.fullmatch(cells[1]))


# The labels whose value is a name, which ends with its sentence ("new builder - Summit Peak
# Homes, not in SF yet. 1 custom home ...": the account, then the request in prose)
_NAME_TARGETS = ("opportunity", "opportunity_name", "job", "account")


def _name_is_one_sentence(blocks: list[Block]) -> list[Block]:
    """ "Opportunity name: Martel Basement Windows. Standard, Single. They're only at the
    Basic Qualification stage ...": the name label's value is its first sentence; the
    sentences after it are a paragraph of their own, read as prose."""
    out: list[Block] = []
    for block in blocks:
        out.append(block)
        if block.kind != "label" or block.target not in _NAME_TARGETS:
            continue
        split = first_sentence(block.text)
        if split and len(split[1].split()) >= 6:
            block.text, rest = split
            out.append(Block("prose", rest, indent=block.indent))
    return out


class Structure:
    """Splits a text into `Block`s. Knows the label table of one queue."""

    def __init__(
        self,
        labels: dict[str, str],
        queue: str,
        value_field: Callable[[str], str | None] | None = None,
        states: Callable[[str, str], bool] | None = None,
    ):
        """`value_field`: the picklist a whole value names, if exactly one, so that an
        unknown short label with a picklist value ("Kind = Project", "Phase: Approvals",
        "Rec - Single") is read as that picklist. `states(field, value)`: whether a value
        reads as the field's, so that a known label without a colon ("fctr 52", "rec type
        single", "close EOM") starts a label line."""
        self.labels = labels
        self.queue = queue
        self.value_field = value_field
        self.states = states

    def _target(self, label: str, value: str, in_opportunity: bool) -> str | None:
        target = self.field_for(label, in_opportunity)
        if target or not self.value_field or len(_label_key(label).split()) > 2:
            return target
        return self.value_field(value)

    def field_for(self, label: str, in_opportunity: bool) -> str | None:
        key = _label_key(label)
        if in_opportunity and self.queue == QUOTES and key in OPPORTUNITY_SUBLABELS:
            return OPPORTUNITY_SUBLABELS[key]
        if self.queue == QUOTES and key in ("name", "nom"):
            return "opportunity_name"
        if key in self.labels:
            return self.labels[key]
        numbered = key[-1:].isdigit() and _NUMBERED_LABEL.fullmatch(key)
        if numbered and self.queue != QUOTES:
            # "Item 1:", "Issue #2:", "Deficiency 3:": the numbered items of a work order
            base = numbered["base"]
            if base in _ITEM_WORDS or self.field_for(base, in_opportunity) == "description":
                return "description"
        if _TWO_LABELS.search(label):
            # "Close / Value", "Type & Record": two labels over one value a line; the first
            # names the block, the lines below it are read for the other (values.label_value)
            for part in _TWO_LABELS.split(label):
                if part.strip() and (named := self.field_for(part, in_opportunity)):
                    return named
        gloss = _GLOSSED_LABEL.fullmatch(label.strip())
        if gloss:
            # "Scheme (opportunity):": the writer's own word, glossed with ours; else our word
            # and a remark ("Units (48 suites):") or a form's choices ("Urgency (Routine /
            # Urgent / Emergency):")
            return self.field_for(gloss["gloss"], in_opportunity) or self.field_for(
                gloss["head"], in_opportunity
            )
        return _head_field(key, QUOTE_HEADS if self.queue == QUOTES else SERVICE_HEADS)

    def label_of(
        self, rest: str, in_opportunity: bool, *, bare: bool = False
    ) -> list[tuple[str, str]]:
        """[(field, value)] for a "Label: value" line (or a 2-cell table row), else [].

        One line may hold several labels ("Type: Project | Stage: Funding"); they count only
        when every piece is a known label, so a colon inside a value does not split it.
        """
        regarding = _REGARDING.match(rest)  # "Re: Account — Ridgeline": the label after it
        if regarding and (said := self.label_of(rest[regarding.end() :], in_opportunity)):
            return said
        # every split point is followed by a label's colon: a line without one stays whole
        colon = ":" in rest or "：" in rest
        segments = _MULTI_LABEL_SPLIT.split(rest) if colon else [rest]
        if len(segments) > 1:
            pieces = [self._one_label(s, in_opportunity) for s in segments]
            if all(pieces):
                return [p for p in pieces if p]
            if glued := self._glued_labels(rest, in_opportunity):
                return glued
        columns = _COLUMN_LABEL_SPLIT.split(rest) if len(segments) > 1 else ()
        if len(columns) > 1 and all(_LABEL_LINE.match(c) for c in columns):
            # side by side in columns, every piece "Label: value": the known labels count,
            # an unknown one ("Date issued: ...") is another column of the form
            known = [p for c in columns if (p := self._one_label(c, in_opportunity))]
            if known:
                return known
        piece = self._one_label(rest, in_opportunity)
        m = _LABEL_LINE.match(rest) if piece else None
        if m and (pairs := self._paired(m["label"], m["value"].strip(), in_opportunity)):
            return pairs
        if piece:
            return [piece]
        cells = _cells(rest)
        if len(cells) == 2 and not _LABEL_LINE.match(cells[0]):
            pairs = self._paired(cells[0], cells[1], in_opportunity)
            if pairs:
                return pairs
            target = self._target(cells[0], cells[1], in_opportunity)
            if target:
                return [(target, cells[1])]
        piece = self._bare_label(rest, in_opportunity) if bare else None
        return [piece] if piece else []

    def _glued_labels(self, rest: str, in_opportunity: bool) -> list[tuple[str, str]]:
        """ "Opportunity: X / Type: Project or Project w/ install, TBD / Stage: Y": a split
        point whose piece is no known label ("TBD / Stage" split at its comma) belongs to the
        value before it; the line holds several labels when the first piece and at least one
        more are known ones (else [])."""
        starts = [0, *(m.end() for m in _MULTI_LABEL_SPLIT.finditer(rest))]
        ends = [m.start() for m in _MULTI_LABEL_SPLIT.finditer(rest)] + [len(rest)]
        pieces: list[tuple[int, int]] = []
        for a, b in zip(starts, ends, strict=True):
            if pieces and not self._one_label(rest[a:b], in_opportunity):
                pieces[-1] = (pieces[-1][0], b)  # the separator and piece join the value
            else:
                pieces.append((a, b))
        read = [self._one_label(rest[a:b], in_opportunity) for a, b in pieces]
        if len(read) < 2 or not all(read):
            return []
        return [p for p in read if p]

    def _paired(self, label: str, value: str, in_opportunity: bool) -> list[tuple[str, str]]:
        """ "Account / Opp | Prairie Crest Homes / PCH Savanna Ph2": two labels over as many
        values, side by side: each value is its own label's (else [])."""
        labels = _TWO_LABELS.split(label)
        if len(labels) < 2:
            return []
        values = _TWO_VALUES.split(value)
        if len(labels) != len(values):
            return []
        fields = [self.field_for(part, in_opportunity) for part in labels]
        if not all(fields) or len(set(fields)) != len(fields):
            return []
        return [(f, v.strip()) for f, v in zip(fields, values, strict=True) if f]

    def _one_label(self, text: str, in_opportunity: bool) -> tuple[str, str] | None:
        colon = ":" in text or "：" in text  # what _LABEL_LINE cannot match without
        for pattern in (_LABEL_LINE, _DASH_LABEL_LINE) if colon else (_DASH_LABEL_LINE,):
            m = pattern.match(text)
            if m and pattern is _DASH_LABEL_LINE and _SENTENCE_START.match(m["label"]):
                continue  # "Please use the cell - the home line is going": a sentence
            if m and m["label"].count("(") > m["label"].count(")"):
                continue  # "Edmonton (homeowner: Patel)": a label inside a value's bracket
            if m and pattern is _DASH_LABEL_LINE and _CELL_GAP.search(m["label"]):
                continue  # "Special instructions  CX dealer - they ...": two cells, a dash in one
            target = m and self._target(m["label"], m["value"].strip(), in_opportunity)
            if m and target:
                return target, m["value"].strip()
        return None

    def _bare_label(self, text: str, in_opportunity: bool) -> tuple[str, str] | None:
        """ "fctr 52", "rec type single": a known label of up to three words, no colon, and
        a value that reads as that field's (`states`), on a short line of its own (no
        columns, no second sentence: a wrapped paragraph's line may start with "close").
        A line whose value is corrected on the spot ("type project w/ install.. actually no
        scratch that, Standard, ...") is judged by what it said first, and keeps it all."""
        if self.states is None:
            return None  # (asked first: a queue without bare labels needs no correction scan)
        corrected = nz.split_at_correction(text)
        said, later = corrected or (text, "")
        words = said.split()
        if (
            not 2 <= len(words) <= _BARE_LINE_WORDS
            or len(later.split()) > _BARE_LINE_WORDS
            or _COLUMNS_OR_SENTENCES.search(said)
            or _COLUMNS_OR_SENTENCES.search(later)
        ):
            return None
        for size in (3, 2, 1):
            head = " ".join(words[:size])
            if size >= len(words) or not _WORDS_ONLY.fullmatch(head):
                continue
            target = self.field_for(head, in_opportunity)
            if target and (
                self.states(target, " ".join(words[size:])) or _shorthand_label(head, target)
            ):
                return target, " ".join(text.split()[size:])
        return None

    def parse(self, text: str) -> list[Block]:
        blocks: list[Block] = []
        current: Block | None = None
        pending: Block | None = None  # "Products:" then a blank line, then the table
        in_opportunity = False
        previous_length = 0
        previous = ""  # the line before, when it may go on into this one
        for raw in _one_item_a_line(text.replace("\r", "").split("\n")):
            line = _strip_markup(raw)
            if "[" in line:  # "[notes]" is "notes:"
                line = _INI_SECTION.sub(r"\1:", line)
            table = current is not None and current.kind == "table"
            if table and line.strip() and _SEPARATOR_ROW.match(line):
                continue  # "----+-----" under a table's header: the table goes on
            if not line.strip() or _SEPARATOR_ROW.match(line):
                if current is not None and current.kind == "label" and not current.text:
                    pending = pending or (current if not current.lines else None)
                current, in_opportunity, previous_length, previous = None, False, 0, ""
                continue
            m = _LIST_MARKER.match(line)
            assert m is not None
            indent = len(m["indent"].expandtabs(4))
            number = int(m["num"]) if m["num"] else None
            bullet = bool(m["bullet"])
            rest = m["rest"]
            if number is not None:
                in_opportunity = False
            bare = not (bullet or indent or number is not None or _GOES_ON.search(previous))
            labelled = self.label_of(rest, in_opportunity, bare=bare)
            if (
                not labelled
                and number is None
                and not bullet
                and _BARE_LABEL.match(rest)
                # ("qty  item  size  notes": a table's header, not a heading)
                and not (len(_cells(rest)) >= 3 and _is_header_row(_cells(rest)))
            ):
                # "special" or "NOTES" alone on a line, the text below it: a heading label
                target = self.field_for(rest.strip(), in_opportunity)
                if target in _TEXT_FIELDS:
                    labelled = [(target, "")]
            structured = bullet or len(_cells(rest)) >= 3
            if (
                pending
                and current is None
                and not labelled
                and number is None
                and (structured or indent > pending.indent)
            ):
                current = pending
            pending = None
            if labelled:
                for target, value in labelled:
                    if (
                        target == "description"
                        and current is not None
                        and current.kind == "label"
                        and current.target == "description"
                    ):
                        current.lines.append(value)  # "Item 2:" right below "Item 1:"
                        continue
                    if target == "opportunity" and not value:
                        in_opportunity = True
                    current = Block("label", value, target, number=number, indent=indent)
                    blocks.append(current)
            elif (
                _TAB_ROW.match(rest)
                and current is not None
                and current.kind == "label"
                and not self._continues(current, indent, bullet, rest, previous_length)
            ):
                # "Last Modified By<TAB>Ben Okafor, ..." among a CRM screen's rows: a label
                # of no field, so that it is no one's value and no sentence
                current = Block("label", rest.split("\t", 1)[1].strip(), "", indent=indent)
                blocks.append(current)
            elif number is not None and self.field_for(rest.rstrip(":"), False) == "opportunity":
                in_opportunity = True
                current = Block("label", "", "opportunity", number=number, indent=indent)
                blocks.append(current)
            elif number is not None and _heading_over(current):
                # "Deficiency" alone, then "1. Lift & slide ...", "2. Casement ...": the
                # numbered lines are the heading's text, not the items of a form
                current.lines.append(line.strip())
            elif number is not None:
                current = Block("item", rest, number=number, indent=indent)
                blocks.append(current)
            elif current is not None and self._continues(
                current, indent, bullet, rest, previous_length
            ):
                current.lines.append(rest)
            elif not bullet and (len(_cells(rest)) >= 3 or _two_column_row(current, _cells(rest))):
                if current is None or current.kind != "table":
                    current = Block("table")
                    blocks.append(current)
                current.rows.append(_spreadsheet_row(rest, current.rows))
            elif bullet:
                if current is None or current.kind != "bullets":
                    intro = blocks[-1].text if blocks and blocks[-1].kind == "prose" else ""
                    current = Block("bullets", intro, indent=indent)
                    blocks.append(current)
                current.lines.append(rest)
            elif (
                current is not None
                and current.kind == "prose"
                and not self._value_alone(rest, previous_length)
            ):
                current.text += " " + rest.strip()
                current.said_lines.append(rest.strip())
            else:
                current = Block("prose", rest.strip(), indent=indent, said_lines=[rest.strip()])
                blocks.append(current)
            previous_length, previous = len(line), line
        return _name_is_one_sentence(blocks)

    def _value_alone(self, rest: str, previous_length: int) -> bool:
        """ "opp name Aspen&Oak - Kirby Reno" then "standard" on a line of its own: a picklist
        value alone under a short line is one more value of a form written a line each, no
        words of the sentence above (a hard-wrapped line runs longer)."""
        return (
            self.value_field is not None
            and previous_length < _WRAPPED_LINE
            and self.value_field(rest.strip()) is not None
        )

    @staticmethod
    def _continues(block: Block, indent: int, bullet: bool, rest: str, prev_len: int) -> bool:
        """Whether a line belongs to the value of the label or numbered item above it.

        A label with an empty value ("Specs:") takes the lines below it; a value takes deeper
        indented or bulleted lines, and for free-text fields a hard-wrapped next line.
        """
        if block.kind == "item":
            return indent > block.indent or bullet
        if block.kind != "label":
            return False
        if block.target == "opportunity":
            return False
        if block.text and _TAB_ROW.match(rest):
            return False  # "Created By<TAB>Ben Okafor, ...": a CRM screen's next row
        if not block.text:
            return True
        if indent > block.indent or bullet:
            # a cell's second value below a one-line field's ("end of Q2" / "~$112k")
            short = len(rest.split()) <= _CELL_WORDS and not bullet
            return block.target in _TEXT_FIELDS or (block.target in _ONE_LINE_FIELDS and short)
        return block.target in _TEXT_FIELDS and prev_len >= _WRAPPED_LINE


# A row pasted from a CRM screen: a short label, a tab, its value
def _spreadsheet_row(line: str, rows: list[list[str]]) -> list[str]:
    """A row's cells; a row pasted from a spreadsheet keeps its empty cells (one tab each)
    when that puts its values under the header's columns ("PCH<TAB><TAB>Single" under
    "Account<TAB>Factor<TAB>Rec Type"): without them every value after a gap moves one
    column left, under the wrong label."""
    cells = _cells(line)
    if rows and "\t" in line and "|" not in line:
        tabbed = [c.strip() for c in line.strip(" \r\n").split("\t")]
        if len(tabbed) == len(rows[0]) != len(cells):
            return tabbed
    return cells


_TAB_ROW = cued(  # run only on text holding its cues (cues.py)
    re.compile(r"[A-Z][\w ()%/.-]{1,30}\t+\S")
)

# "2. Specs in the attached takeoff     3. 0.5": the next item after a gap on the same line
_NEXT_ITEM_ON_LINE = re.compile(r"^(\s*)(\d{1,2})([.)])(\s+\S.*?)(?:\s{3,}|\t+)(\d{1,2})[.)]\s+\S")


def _one_item_a_line(lines: list[str]) -> list[str]:
    """Lines with two numbered items side by side ("1. BVR   2. see takeoff") split in two,
    when the second number follows the first."""
    out: list[str] = []
    for line in lines:
        while (m := _NEXT_ITEM_ON_LINE.match(line)) and int(m[5]) == int(m[2]) + 1:
            out.append(line[: m.end(4)])
            line = m[1] + line[m.start(5) :]
        out.append(line)
    return out


def _items_as_bullets(blocks: list[Block]) -> list[Block]:
    """Outside the quote form, consecutive unlabelled numbered items are a plain list."""
    out: list[Block] = []
    previous_item = False
    for block in blocks:
        if block.kind != "item":
            out.append(block)
        elif previous_item:
            out[-1].lines.append(" ".join([block.text, *block.lines]))
        else:
            out.append(Block("bullets", lines=[" ".join([block.text, *block.lines])]))
        previous_item = block.kind == "item"
    return out
