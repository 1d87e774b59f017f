"""The organisation's vocabulary, glued once per extractor: its label tables per queue, its
picklists with their synonyms (found in prose by spaCy, `parsers.vocabulary`), its hazard
words, its product nouns and its quote SLA."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property

from rapidfuzz import fuzz, process

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields.common import QUOTES, SERVICE, _label_key, _says_urgent, _sla, _unnegated
from intake.parsers.fields.lexicon import (
    EMERGENCY_CUES,
    LOCK_FAILS,
    LOCK_OWNERS,
    PICKLIST_ABBREVIATIONS,
    PICKLIST_SYNONYMS,
    PRODUCT_NOUNS,
    QUOTE_LABELS,
    SECURED_ANYWAY,
    SERVICE_LABELS,
    SLOW_LEAK,
    WATER_IN,
)
from intake.parsers.fields.patterns import quantity_product_pattern
from intake.parsers.first_chars import guarded
from intake.parsers.org import Organisation
from intake.parsers.vocabulary import Vocabulary

MISSPELT_SCORE = 85  # rapidfuzz ratio: one slip in a ten-letter word scores about 90


class Picklist:
    """One picklist: match a value as written, and find its values inside prose."""

    def __init__(self, name: str, values: list[str], synonyms: dict[str, list[str]]):
        self.name = name
        self.values = values
        self.synonyms = {k: list(v) for k, v in synonyms.items() if k in values}
        self.phrases = {v: v for v in values}
        for canonical, words in self.synonyms.items():
            for word in words:
                self.phrases.setdefault(word, canonical)
        self.vocabulary: Vocabulary | None = None  # set by the extractor that owns it
        # its wordings as compared, built once: readers ask about every clause of a message
        self._keys = nz.picklist_keys(self.values, self.synonyms)

    def match(self, text: str) -> str | None:
        return nz.match_keyed(text, self._keys)

    def misspelt(self, text: str) -> str | None:
        """The one value `text` is a slip of the keys for ("submisions", "non forcast"): a
        spelling of a value or synonym within `MISSPELT_SCORE`, no other value as close."""
        key = nz.account_key(text)
        if len(key) < 5:
            return None  # "std", "proj": too short to tell a slip from another word
        spellings = self._spellings
        near = process.extract(
            key, list(spellings), scorer=fuzz.ratio, limit=None, score_cutoff=MISSPELT_SCORE
        )
        values = {spellings[spelling] for spelling, _, _ in near}
        return values.pop() if len(values) == 1 else None

    @cached_property
    def _spellings(self) -> dict[str, str]:
        """Every phrase of the picklist as `nz.account_key` writes it -> its value."""
        return {nz.account_key(phrase): value for phrase, value in self.phrases.items()}

    def find(self, text: str) -> Iterator[tuple[str, int, int]]:
        """Every value named in `text` as (canonical, start, end); a value a hard wrap broke
        over two lines ("set this up as Project w/\ninstallation") is one value (a line end
        read as the space it stands for, so every offset stays the text's own)."""
        assert self.vocabulary is not None
        yield from self.vocabulary.picklist_values(self.name, text.replace("\n", " "))


def _merge(base: dict[str, list[str]], extra: dict[str, list[str]] | None) -> dict:
    merged = {k: list(v) for k, v in base.items()}
    for key, words in (extra or {}).items():
        merged.setdefault(key, [])
        merged[key].extend(w for w in words if w not in merged[key])
    return merged


class OrgVocabulary:
    """What the readers ask of the organisation: labels, picklists, hazards, products, SLA."""

    def __init__(self, org: Organisation, spacy_model: str | None = None):
        """`spacy_model`: an installed spaCy pipeline whose entities may name accounts and
        contacts the organisation does not know (see parsers.vocabulary)."""
        self.org = org
        syn = org.synonyms or {}
        label_extra = syn.get("labels", {})
        self.labels: dict[str, dict[str, str]] = {}
        for queue, base in ((QUOTES, QUOTE_LABELS), (SERVICE, SERVICE_LABELS)):
            table: dict[str, str] = {}
            for name, words in _merge(base, label_extra).items():
                if queue == QUOTES and name in SERVICE_LABELS and name not in QUOTE_LABELS:
                    continue
                if queue == SERVICE and name in QUOTE_LABELS and name not in SERVICE_LABELS:
                    continue
                for word in [name.replace("_", " "), *words]:
                    table.setdefault(_label_key(word), name)
            self.labels[queue] = table
        self.picklists = {
            name: Picklist(
                name, org.picklist(name), _merge(PICKLIST_SYNONYMS.get(name, {}), syn.get(name))
            )
            for name in ("opportunity_type", "record_type", "stage")
        }
        # field -> its values as the organisation writes them
        self.picklist_values = {name: tuple(p.values) for name, p in self.picklists.items()}
        self.vocabulary = Vocabulary(
            org, {name: p.phrases for name, p in self.picklists.items()}, model=spacy_model
        )
        for picklist in self.picklists.values():
            picklist.vocabulary = self.vocabulary
        extra = [re.escape(c) for c in syn.get("urgency", {}).get("emergency", [])]
        # Matched on lower-cased text from a word start: ~9x faster than IGNORECASE over
        # an alternation that has no common prefix.
        cues = [*EMERGENCY_CUES, *(c.lower() for c in extra)]
        # guarded by its first characters (first_chars): ~3x faster again, the same matches
        self.hazard = guarded(re.compile(r"\b(?:" + "|".join(cues) + ")"))
        self.sla = _sla(org.sla.get("quote_turnaround", "48h"))
        # the company's own people, as names are compared: never a customer's contact
        self.staff_keys = frozenset(nz.account_key(p.name) for p in org.people.values())
        products = syn.get("products", {})
        extra = [word for noun, words in products.items() for word in (noun, *words)]
        self.qty_product = quantity_product_pattern(tuple(PRODUCT_NOUNS + extra))

    def weighed_picklists(self, sentence: str) -> list[str]:
        """The picklists a sentence names two values of ("whether it's a Project or Project
        w/ install"): values still being weighed, none of them chosen."""
        return [
            name
            for name, picklist in self.picklists.items()
            if len({value for value, _, _ in picklist.find(sentence)}) >= 2
        ]

    def abbreviated(self, cell: str) -> tuple[str, str] | None:
        """(picklist, value) for a cell that is a value's abbreviation ("Std", "Subm", "NFQ"),
        read only as a whole cell or part, never in prose ("sub" is as likely the sub)."""
        key = nz.fold(cell.strip().rstrip(".;"))
        for name, values in PICKLIST_ABBREVIATIONS.items():
            for value, words in values.items():
                if key in words and value in self.picklists[name].values:
                    return name, value
        return None

    def picklist_of_value(self, value: str) -> str | None:
        """The one picklist whose value (or synonym) `value` is, else None."""
        named = [name for name, picklist in self.picklists.items() if picklist.match(value)]
        return named[0] if len(named) == 1 else None

    def pick(self, name: str, text: str) -> str | None:
        """A picklist value as written ("Approbation (90 %)"), the one value a short phrase
        names ("3 - Submissions", "Project, supply only"), or for a stage given only as its
        win probability ("50%"), the one stage with that probability."""
        picklist = self.picklists[name]
        exact = picklist.match(text)
        if exact:
            return exact
        # "Submissions, ils ont vu la présentation": the value, then a comment on it
        head = re.split(r"\s*[,;(]\s*|\s+[-–]\s+", text.strip(), maxsplit=1)[0]
        if head != text.strip() and picklist.match(head):
            return picklist.match(head)
        if len(text.split()) > 6:
            return None
        hits = {value for value, _, _ in picklist.find(text)}
        if len(hits) == 1:
            return hits.pop()
        percent = re.fullmatch(r"\s*(\d{1,3})\s*%\s*", text)
        stages = self.org.picklists.get(name)
        if percent and isinstance(stages, dict):
            same = [k for k, v in stages.items() if str(v) == percent.group(1)]
            return same[0] if len(same) == 1 else None
        return picklist.misspelt(text) if len(text.split()) <= 3 else None

    def is_emergency(self, text: str) -> bool:
        """A hazard named, or "urgent"/"emergency" said, neither with a "not" before it. A
        form's question answered ("Is this an emergency?: No") says so by its answer."""
        lowered = text.replace("’", "'").lower()
        answered = _ASKED_URGENCY.search(lowered)
        if answered:
            if answered["answer"] in _YES:
                return True
            lowered = lowered[: answered.start()] + lowered[answered.end() :]
        unlocked = _without_slow_leaks(_without_secured_locks(_without_window_locks(lowered)))
        return _unnegated(self.hazard, unlocked) or _says_urgent(lowered)


# A web form's question and its answer: "Is this an emergency?: No", "Urgent (Y/N): N"
_ASKED_URGENCY = cued(
    re.compile(
        r"\b(?:is (?:this|it) (?:an? )?)?(?:emergency|urgent)\s*(?:\([^)\n]{0,20}\))?"
        r"\s*(?:\?\s*:?|:)\s*(?P<answer>yes|no|y|n|oui|non)\b"
    )
)
_YES = ("yes", "y", "oui")


_LOCK_FAILS = cued(guarded(re.compile(r"\b" + LOCK_FAILS)))
_LOCK_OWNERS = re.compile(LOCK_OWNERS)
_OWNER_BEFORE = re.compile(LOCK_OWNERS + r"\s*$")


def _sentence_of(text: str, m: re.Match[str]) -> tuple[int, int]:
    """Where the sentence holding match `m` starts and ends (a stop or a line break)."""
    start = max(text.rfind(c, 0, m.start()) for c in ".!?\n") + 1
    ends = [i for i in (text.find(c, m.end()) for c in ".!?\n") if i >= 0]
    return start, min(ends, default=len(text))


def _without_slow_leaks(text: str) -> str:
    """The text with each "water coming in" blanked whose sentence makes it a slow leak
    ("at the bottom left corner ... staining the drywall", "when the snow melts")."""
    for m in _WATER_IN.finditer(text):
        if _SLOW_LEAK.search(text, *_sentence_of(text, m)):
            text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    return text


_WATER_IN = cued(re.compile(WATER_IN))
_SLOW_LEAK = re.compile(SLOW_LEAK)


def _without_secured_locks(text: str) -> str:
    """The text with every lock failure blanked when the sender has the door secured anyway
    ("can't lock it without lifting the door", "we put a stick in the track", "on a mis un
    bâton dans le rail"): a nuisance to book, not a home left open."""
    if not _SECURED_ANYWAY.search(text):
        return text
    return _ANY_LOCK_FAILS.sub(lambda m: " " * len(m.group(0)), text)


_SECURED_ANYWAY = cued(guarded(re.compile(SECURED_ANYWAY)))
_ANY_LOCK_FAILS = re.compile(
    r"\b" + LOCK_FAILS + r"|\bne (?:se )?(?:verrouille|barre|ferme) plus|"
    r"(?:peut|pouvons|pouvez|peux) (?:plus|pas) (?:la |le )?(?:verrouiller|barrer)"
)


def _without_window_locks(text: str) -> str:
    """The text with each "won't lock" blanked whose sentence is about a window (the first
    window, door or house it names is a window): a window that will not latch is no hazard."""
    for m in _LOCK_FAILS.finditer(text):
        start, end = _sentence_of(text, m)
        # a window noun right before it is what will not lock ("the slider sash won't
        # lock"), else the first window, door or house the sentence names
        before = _OWNER_BEFORE.search(text, start, m.start())
        owner = _LOCK_OWNERS.search(text, start, end)
        if owner is None:  # "- Suite 601 (will not lock)": what the lines before it are about
            owner = _LOCK_OWNERS.search(text, max(0, start - 300), start)
        if (before and before.group("window")) or (owner and owner.group("window")):
            text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    return text
