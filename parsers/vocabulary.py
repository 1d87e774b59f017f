"""The organisation's own words, found in running text with spaCy.

A blank English pipeline (tokenizer only: nothing to download) turns a text into tokens;
a PhraseMatcher finds the accounts by name and alias, and another finds picklist values
(record types, opportunity types, stages) however they are hyphenated, pluralised, cased or
accented. Misspelt account names ("Praire Crest Homes") are found by comparing the
capitalised word runs of the text with the account names (rapidfuzz, through
`normalise.match_account`, which never guesses between two accounts or turns a different
company into a known one).

When the site configures an installed spaCy pipeline with a named-entity recogniser
(`[extraction] spacy_model`), its ORG and PERSON entities are offered for accounts and
contacts the organisation file does not know; without one everything else still works.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import spacy
from rapidfuzz import fuzz, process
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from intake.parsers import normalise as nz
from intake.parsers.first_chars import guarded
from intake.parsers.org import Account, Organisation

log = logging.getLogger(__name__)

SCAN_CHARS = 6_000  # names are looked for in the first part of a text: the request itself
MAX_NAME_TOKENS = 5
PICKLIST_TEXTS = 32  # texts whose picklist values are kept: one extraction asks about ~11
# A run of capitalised words, with the joiners company names use ("Bow Valley & Sons").
NAME_RUN = guarded(  # tried only where a match can start (first_chars)
    re.compile(r"\b[A-Z][\w'’.-]*(?:[ \t]+(?:(?:&|and|of|de|du|des)[ \t]+)?[A-Z][\w'’.-]*){0,4}")
)
RUN_CUTOFF = 80.0  # partial similarity of a whole run to a name, to look at its parts


@dataclass(frozen=True)
class Mention:
    """A known account named in a text, at [start, end) of that text."""

    account: Account
    start: int
    end: int
    exact: bool  # False: a close spelling of the name


def _plain_char(char: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if len(base) == 1 else char


@lru_cache(maxsize=4096)
def _plain_map(chars: frozenset[str]) -> dict[int, str]:
    return {ord(c): _plain_char(c) for c in chars}


def plain(text: str) -> str:
    """`text` without accents, character for character, so offsets stay those of `text`."""
    if text.isascii():
        return text
    # each distinct character tested once, not each character of the text
    return text.translate(_plain_map(frozenset(c for c in set(text) if not c.isascii())))


class Vocabulary:
    """Matchers built once from the organisation file, applied to any text."""

    def __init__(
        self,
        org: Organisation,
        picklist_phrases: Mapping[str, Mapping[str, str]],
        model: str | None = None,
    ) -> None:
        """`picklist_phrases`: {picklist: {phrase as written: canonical value}}."""
        self.org = org
        # Built with our tokenizer, not given it afterwards: the rule-based English one would
        # be built first (1,300 special cases, a third of a second) only to be thrown away.
        self.nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": WORDS}}})
        self.ner = _load_model(model)
        self.accounts = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.acronyms = PhraseMatcher(self.nlp.vocab, attr="ORTH")  # "PCH", never "pch"
        self.account_by_key: dict[str, Account] = {}
        for account in org.accounts.values():
            key = f"account:{account.id}"
            self.account_by_key[key] = account
            for name in {account.name, *account.aliases}:
                short_acronym = name.isupper() and len(name) <= 5
                matcher = self.acronyms if short_acronym else self.accounts
                matcher.add(key, [self.nlp.make_doc(plain(name))])
        first = {n.split()[0] for a in org.accounts.values() for n in (a.name, *a.aliases) if n}
        self.first_words = re.compile(
            r"(?i)(?<!\w)(?:" + "|".join(re.escape(plain(w)) for w in sorted(first)) + r")(?!\w)"
            if first
            else r"(?!x)x"
        )
        self.fuzzy_keys = sorted(
            {
                nz.account_key(name)
                for account in org.accounts.values()
                for name in (account.name, *account.aliases)
            }
            - {""}
        )
        # One PhraseMatcher on the lower-case form holds every spelling a phrase may take
        # (see `_phrase_forms`): a hash look-up per token, where a token-pattern Matcher
        # evaluated a predicate per token, pattern and state (30 % of a message's cost).
        self.picklists = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        # The steps of one extraction ask about a dozen texts (the body, its sentences, a
        # subject) about fifty times in turn: each text's values are found once. A cache of
        # its own per vocabulary, thread-safe, holding the last texts asked about.
        self._hits_of = lru_cache(maxsize=PICKLIST_TEXTS)(self._picklist_hits)
        self.canonical: dict[str, tuple[str, str]] = {}
        forms: set[tuple[str, ...]] = set()
        for picklist, phrases in picklist_phrases.items():
            for phrase, canonical in phrases.items():
                key = f"{picklist}:{canonical}"
                self.canonical.setdefault(key, (picklist, canonical))
                words = self._phrase_forms(phrase)
                forms.update(tuple(w) for w in words)
                if words:
                    self.picklists.add(key, [Doc(self.nlp.vocab, words=w) for w in words])
        self._picklist_gate = PhraseGate(forms) if PhraseGate.can_see(forms) else None
        # Two values of one picklist matching the same words: the first value given wins.
        self._rank = {key: i for i, key in enumerate(self.canonical)}

    # -- tokens -------------------------------------------------------------------------

    def doc(self, text: str) -> Doc:
        """Tokens of the first SCAN_CHARS of `text`, accents and encoded junk blanked out
        (same length), so a token's character offsets are those of `text`."""
        return _tokens(self.nlp, _scanned(text))

    def _phrase_forms(self, phrase: str) -> list[list[str]]:
        """Every token sequence that names `phrase`, lower-cased: a hyphen token or none
        between two words, and a plural "s" or none on each alphabetic word of three letters
        or more ("closed won", "Closed-Won", "closed wons"). Spelled out, not normalised: "new"
        and "news" are both matched by a token "news", which no one normal form can say.
        A phrase of n words has at most 2^(2n-1) forms (the demo file: 78 phrases, 844)."""
        words = [t.lower_ for t in self.nlp.make_doc(plain(phrase)) if t.text != "-"]
        if not words:
            return []
        choices: list[list[tuple[str, ...]]] = []
        for i, word in enumerate(words):
            if i:
                choices.append([(), ("-",)])
            plural = word.isalpha() and len(word) > 2
            choices.append([(word,), (word + "s",)] if plural else [(word,)])
        return [[w for part in parts for w in part] for parts in itertools.product(*choices)]

    # -- accounts -----------------------------------------------------------------------

    def account_mentions(self, text: str) -> list[Mention]:
        """Every known account named in `text`, exact names and aliases first, then close
        spellings of a name in a run of capitalised words; in order of appearance."""
        head = _scanned(text)
        mentions: list[Mention] = []
        if self.first_words.search(head):  # no name can start here: skip the tokenizer
            mentions = self._exact_mentions(_tokens(self.nlp, head))
        mentions.extend(self._close_spellings(head, list(mentions)))
        return sorted(mentions, key=lambda m: m.start)

    def _exact_mentions(self, doc: Doc) -> list[Mention]:
        mentions: list[Mention] = []
        taken: set[int] = set()
        hits = [*self.accounts(doc), *self.acronyms(doc)]
        for match_id, start, end in sorted(hits, key=lambda h: (h[1], -(h[2] - h[1]))):
            if taken.intersection(range(start, end)):
                continue
            account = self.account_by_key[self.nlp.vocab.strings[match_id]]
            span = doc[start:end]
            mentions.append(Mention(account, span.start_char, span.end_char, True))
            taken.update(range(start, end))
        return mentions

    def _close_spellings(self, text: str, exact: list[Mention]) -> Iterator[Mention]:
        """Runs of capitalised words ("Praire Crest Homes") that are a close spelling of an
        account name. A cheap partial match of the whole run against every name comes first;
        only a run that passes is cut into its sub-runs and checked by match_account."""
        for run in NAME_RUN.finditer(text):
            if run.end() - run.start() < 6:
                continue
            if any(m.start < run.end() and run.start() < m.end for m in exact):
                continue
            key = nz.account_key(run.group(0))
            if len(key) < 6 or not process.extractOne(
                key, self.fuzzy_keys, scorer=fuzz.partial_ratio, score_cutoff=RUN_CUTOFF
            ):
                continue
            found = self._best_in_run(run.group(0))
            if found is not None:
                account, start, end = found
                yield Mention(account, run.start() + start, run.start() + end, False)

    def _best_in_run(self, run: str) -> tuple[Account, int, int] | None:
        """The longest sub-run of words that is a close spelling of exactly one account."""
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", run)]
        for length in range(min(MAX_NAME_TOKENS, len(words)), 0, -1):
            for first in range(len(words) - length + 1):
                start, end = words[first][0], words[first + length - 1][1]
                candidate = run[start:end].rstrip(".,;:")
                if len(candidate) < 6 or not candidate[0].isupper():
                    continue
                near = process.extractOne(
                    nz.account_key(candidate),
                    self.fuzzy_keys,
                    scorer=fuzz.ratio,
                    score_cutoff=nz.FUZZY_ACCOUNT_THRESHOLD,
                )
                if near is None:
                    continue
                account = nz.match_account(candidate, self.org)
                if account is not None:
                    return account, start, start + len(candidate)
        return None

    # -- picklists ----------------------------------------------------------------------

    def picklist_values(self, picklist: str, text: str) -> Iterator[tuple[str, int, int]]:
        """Every value of `picklist` named in `text` as (canonical, start, end), longest
        match first where two overlap."""
        for name, canonical, start, end in self._hits_of(text):
            if name == picklist:
                yield canonical, start, end

    def _picklist_hits(self, text: str) -> list[tuple[str, str, int, int]]:
        head = _scanned(text)
        if self._picklist_gate is not None and not self._picklist_gate.may_name(head):
            return []  # most texts name no value: the tokenizer is the costly part
        doc = _tokens(self.nlp, head)
        hits = []
        for match_id, start, end in self.picklists(doc):
            key = self.nlp.vocab.strings[match_id]
            name, canonical = self.canonical[key]
            hits.append((name, start, -(end - start), self._rank[key], end, canonical))
        hits.sort()  # per picklist, in order; where two start together, the longer first
        kept: list[tuple[str, str, int, int]] = []
        last: dict[str, int] = {}
        for name, start, _, _, end, canonical in hits:
            if start < last.get(name, -1):
                continue
            last[name] = end
            span = doc[start:end]
            kept.append((name, canonical, span.start_char, span.end_char))
        return kept

    # -- an installed model's entities ----------------------------------------------------

    def entities(self, text: str, label: str) -> list[str]:
        """Entities of `label` (ORG, PERSON) the configured model finds; [] without one."""
        if self.ner is None:
            return []
        head = nz.blank_long_runs(text[:SCAN_CHARS])
        return [e.text.strip() for e in self.ner(head).ents if e.label_ == label]


class WordTokenizer:
    """spaCy's tokenizer contract (text in, Doc out, `doc.text == text`) with one regex:
    words (a possessive "'s" split off, as spaCy does), single punctuation marks, and
    whitespace kept as spaCy keeps it. About five times faster than the rule-based English
    tokenizer, and the organisation's names need nothing finer."""

    PATTERN = re.compile(r"['’]s\b|\w+?(?=['’]s\b)|\w+(?:['’]\w+)*|[^\w\s]|\s+")

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        for m in self.PATTERN.finditer(text):
            token = m.group(0)
            if token[0].isspace():
                if words and not spaces[-1] and token[0] == " " and not words[-1].isspace():
                    spaces[-1] = True
                    token = token[1:]
                if not token:
                    continue
            words.append(token)
            spaces.append(False)
        return Doc(self.vocab, words=words, spaces=spaces)

    def to_bytes(self, **kwargs: object) -> bytes:  # spaCy calls these when saving a pipeline
        return b""

    def from_bytes(self, data: bytes, **kwargs: object) -> WordTokenizer:
        return self


WORDS = "intake.words.v1"  # `WordTokenizer` by the name spaCy's config knows it


@spacy.registry.tokenizers(WORDS)
def _word_tokenizer() -> Callable[[Language], WordTokenizer]:
    """The factory spaCy's config asks for: a pipeline's tokenizer from its vocabulary."""

    def make(nlp: Language) -> WordTokenizer:
        return WordTokenizer(nlp.vocab)

    return make


def _scanned(text: str) -> str:
    """The part of a text names are looked for in, accents and encoded junk blanked out."""
    return nz.blank_long_runs(plain(text[:SCAN_CHARS]))


class PhraseGate:
    """Whether a text may hold one of a PhraseMatcher's phrases, told without tokenizing it.

    The text is cut into word runs and single marks by one regex. Every lower-cased token
    `WordTokenizer` makes of a phrase's words is also such a piece ("closed" of "closed's"
    too; a token with an apostrophe inside becomes several pieces, and phrases holding one
    are refused by `can_see`), so a phrase the matcher finds is always found here too."""

    PIECES = re.compile(r"\w+|[^\w\s]")

    def __init__(self, forms: set[tuple[str, ...]]) -> None:
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        for form in sorted(forms):
            self.by_first.setdefault(form[0], []).append(form)

    @classmethod
    def can_see(cls, forms: set[tuple[str, ...]]) -> bool:
        return all(cls.PIECES.fullmatch(word) for form in forms for word in form)

    def may_name(self, text: str) -> bool:
        pieces = self.PIECES.findall(text.lower())
        if self.by_first.keys().isdisjoint(pieces):
            return False  # no phrase's first word: the usual answer, found in C
        for i, piece in enumerate(pieces):
            for form in self.by_first.get(piece, ()):
                if tuple(pieces[i : i + len(form)]) == form:
                    return True
        return False


@lru_cache(maxsize=256)
def _tokens(nlp: spacy.language.Language, text: str) -> Doc:
    """One text is read by several steps of one extraction; tokenize it once."""
    return nlp.make_doc(text)


def _load_model(name: str | None) -> spacy.language.Language | None:
    if not name:
        return None
    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise ValueError(f"spaCy model {name!r} is not installed: {exc}") from exc
    if "ner" not in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
        log.warning("spaCy model %s has no entity recogniser; it adds nothing", name)
    return nlp
