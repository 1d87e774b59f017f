"""Text of an attached contact card (.vcf): "my details are in the attached card".

The card becomes the labelled lines the field readers already know from mail: "Name:",
"Phone:", "Email:", "Address:", "Company:", "Title:". Of several phone numbers the one to
call is the mobile, then the work number, then any (a preferred one first within each).

`vobject` (maintained again since 2024) parses the card: vCard 2.1, 3.0 and 4.0, folded
lines, escaped commas and semicolons, the structured name, address and organisation, and
the quoted-printable values (with their CHARSET) that old Outlook cards carry. Its parser
is slow on big input (seconds for a few MB), so binary properties (a photo, a logo, a
key: base64 that is most of a card's size) are cut out first and what is left is capped:
a contact card's text is a few hundred bytes. Unreadable lines are skipped, and a broken
card gives "" or what was read before it; nothing raises past `vcard_text`'s caller.
"""

from __future__ import annotations

import logging
import re

from intake.parsers.doc_guard import Refused

MAX_CARD_CHARS = 100_000  # after photos are cut out; a card's text is well under 10 KB
MAX_CARDS = 5  # an attached address book is not one contact
MAX_VALUE_CHARS = 300
MAX_DEPTH = 3  # a 2.1 card may hold another (AGENT); deeper is not a contact card
# A binary property and its folded continuation lines (each starts with a space or a tab).
_BINARY_PROPERTY = re.compile(
    r"(?im)^(?:[\w-]+\.)?(?:PHOTO|LOGO|SOUND|KEY)[;:][^\n]*\n(?:[ \t][^\n]*\n)*"
)
_BEGIN = re.compile(r"(?im)^BEGIN:VCARD\s*$")
_BEGIN_END = re.compile(r"(?im)^(BEGIN|END):VCARD\s*$")
_MOBILE = frozenset({"cell", "mobile", "iphone", "_$!<mobile>!$_", "cellular"})
_WORK = frozenset({"work", "_$!<work>!$_"})


class _Unreadable(logging.Filter):
    """vobject logs each unreadable line of a stranger's card as an ERROR: not ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Skipped line")


def vcard_text(content: bytes) -> str:
    """The cards' contact details as labelled lines, cards a blank line apart."""
    import vobject

    text = _card_text(content)
    if not _BEGIN.search(text):
        raise Refused("no BEGIN:VCARD: not a contact card")
    open_cards = _open_cards(text)
    if open_cards:  # a cut-off file: its last card is read as far as it goes
        text = text.rstrip("\r\n") + "\r\nEND:VCARD" * open_cards + "\r\n"
    cards: list[str] = []
    try:
        for card in vobject.readComponents(text, allowQP=True, ignoreUnreadable=True):
            if card.name.upper() == "VCARD":
                lines = _card_lines(card)
                if lines:
                    cards.append("\n".join(lines))
            if len(cards) >= MAX_CARDS:
                break
    except Exception:  # noqa: BLE001 - vobject's errors on broken input vary by line
        if not cards:
            raise
    return "\n\n".join(cards)


def _open_cards(text: str) -> int:
    """How many cards are still open at the end; refused past a nesting depth that only
    hostile input has (vobject reads nested components recursively)."""
    depth = 0
    for match in _BEGIN_END.finditer(text):
        if match.group(1).upper() == "BEGIN":
            depth += 1
            if depth > MAX_DEPTH:
                raise Refused(f"vCards nested more than {MAX_DEPTH} deep")
        else:
            depth = max(0, depth - 1)
    return depth


def _card_text(content: bytes) -> str:
    """The file as text (UTF-8, else Windows-1252), photos cut out, capped."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    text = _BINARY_PROPERTY.sub("", text)
    if len(text) > MAX_CARD_CHARS:
        raise Refused(f"{len(text)} characters of vCard without photos (limit {MAX_CARD_CHARS})")
    return text.replace("\n", "\r\n")


def _card_lines(card) -> list[str]:  # noqa: ANN001 - vobject.base.Component
    """ "Name:", "Phone:", ... lines of one card, each only where the card has a value."""
    by_name: dict[str, list] = {}
    labels: dict[str, str] = {}  # Apple's "item1.X-ABLabel:mobile" names item1's number
    for line in card.getChildren():
        by_name.setdefault(line.name.upper(), []).append(line)
        if line.name.upper() == "X-ABLABEL" and line.group:
            labels[line.group.lower()] = _plain(line.value).lower()
    out = [
        ("Name", _name(by_name)),
        ("Phone", _phone(by_name.get("TEL", []), labels)),
        ("Email", _first(_preferred(by_name.get("EMAIL", [])))),
        ("Address", _address(_preferred(by_name.get("ADR", [])))),
        ("Company", _org(by_name.get("ORG", []))),
        ("Title", _first(by_name.get("TITLE", []))),
    ]
    return [f"{label}: {value}" for label, value in out if value]


def _name(by_name: dict[str, list]) -> str:
    full = _first(by_name.get("FN", []))
    if full:
        return full
    for line in by_name.get("N", []):
        value = line.value
        parts = [getattr(value, key, "") for key in ("prefix", "given", "additional", "family")]
        name = " ".join(_plain(p) for p in parts if _plain(p))
        if name:
            return name
    return ""


def _types(line, labels: dict[str, str]) -> set[str]:  # noqa: ANN001 - vobject ContentLine
    """A property's types in every spelling: TYPE=CELL,VOICE (3.0), TYPE="voice,cell"
    (4.0), bare ;CELL;VOICE (2.1), and Apple's item label."""
    found: set[str] = set()
    for value in line.params.get("TYPE", []):
        found.update(t.strip().strip('"').lower() for t in str(value).split(","))
    found.update(str(p).lower() for p in getattr(line, "singletonparams", []))
    if line.group and line.group.lower() in labels:
        found.add(labels[line.group.lower()])
    return found


def _is_preferred(line) -> bool:  # noqa: ANN001 - vobject ContentLine
    return "PREF" in line.params or "PREF" in [
        str(p).upper() for p in getattr(line, "singletonparams", [])
    ]


def _preferred(lines: list) -> list:
    """The lines with the preferred one(s) first, else in the card's order."""
    return sorted(lines, key=lambda line: not _is_preferred(line))


def _phone(lines: list, labels: dict[str, str]) -> str:
    """The number to call: mobile, then work, then any; a preferred one first in each."""

    def rank(line) -> tuple[int, bool]:  # noqa: ANN001
        types = _types(line, labels)
        kind = 0 if types & _MOBILE else 1 if types & _WORK else 2
        return kind, not (_is_preferred(line) or "pref" in types)

    for line in sorted(lines, key=rank):
        number = _plain(line.value)
        if number.lower().startswith("tel:"):  # vCard 4.0: tel:+1-587-555-0162;ext=12
            number, _, ext = number[4:].partition(";ext=")
            number = f"{number} ext. {ext}" if ext else number
        if any(c.isdigit() for c in number):
            return number
    return ""


def _address(lines: list) -> str:
    """The first address as one line: street, city, region postal code."""
    for line in lines:
        value = line.value
        street = [
            _plain(getattr(value, key, ""))
            for key in ("box", "extended", "street")
            if _plain(getattr(value, key, ""))
        ]
        region = " ".join(
            _plain(getattr(value, key, ""))
            for key in ("region", "code")
            if _plain(getattr(value, key, ""))
        )
        parts = [*street, _plain(getattr(value, "city", "")), region]
        joined = ", ".join(p for p in parts if p)
        if joined:
            return joined[:MAX_VALUE_CHARS]
    return ""


def _org(lines: list) -> str:
    """The organisation's name (ORG:Westview Homes;Service gives its first unit)."""
    for line in lines:
        value = line.value
        first = value[0] if isinstance(value, list | tuple) and value else value
        name = _plain(first)
        if name:
            return name
    return ""


def _first(lines: list) -> str:
    for line in lines:
        value = _plain(line.value)
        if value:
            return value
    return ""


def _plain(value: object) -> str:
    """A value on one line: lists and line breaks joined by ", ", spaces collapsed."""
    if isinstance(value, list | tuple):
        value = ", ".join(_plain(v) for v in value if _plain(v))
    if not isinstance(value, str):
        return ""
    lines = [" ".join(x.split()) for x in value.replace("\r", "\n").split("\n")]
    return ", ".join(x for x in lines if x)[:MAX_VALUE_CHARS]


logging.getLogger("vobject.base").addFilter(_Unreadable())
