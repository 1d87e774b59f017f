"""The organisation's vocabulary matched with spaCy: tokens, accounts (exact, alias, acronym,
close spelling, never invented), picklist values in prose, and an installed model's entities."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import spacy
from spacy.matcher import Matcher

from intake.bot.app import build_extractor
from intake.bot.config import ConfigError, ExtractionSettings
from intake.parsers.fields import PROSE, LabelExtractor
from intake.parsers.mime import parse_email
from intake.parsers.org import load_organisation
from intake.parsers.vocabulary import WordTokenizer, plain
from tests.conftest import ORG_FILE
from tests.fields.helpers import message

MST = timezone(timedelta(hours=-7))
NOV_4 = datetime(2026, 11, 4, 8, 40, tzinfo=MST)


@pytest.fixture(scope="module")
def extractor():
    """Built once: the demo organisation's matchers (tests needing `org` get conftest's)."""
    return LabelExtractor(load_organisation(ORG_FILE))


@pytest.fixture(scope="module")
def vocab(extractor):
    return extractor.vocabulary


@pytest.mark.parametrize(
    "text",
    [
        "Ridgeline's 14 casements,  factor .48\n\nPCH - proj w/ install",
        "  leading and trailing  ",
        "tabs\tand\r\nCRLF\n\n\nlines",
        "Opportunité « Boisé » – étape 3",
        "",
    ],
)
def test_tokenizer_keeps_the_text_exactly(text: str) -> None:
    """Character offsets of matches are offsets into the original text."""
    doc = WordTokenizer(spacy.blank("en").vocab)(text)
    assert doc.text == text
    assert all(text[t.idx : t.idx + len(t)] == t.text for t in doc)


def test_possessive_is_its_own_token() -> None:
    doc = WordTokenizer(spacy.blank("en").vocab)("Ridgeline's casements")
    assert [t.text for t in doc] == ["Ridgeline", "'s", "casements"]


def test_plain_keeps_offsets() -> None:
    assert plain("Opportunité Boisé") == "Opportunite Boise"
    assert len(plain("ﬁn Zoë")) == len("ﬁn Zoë")


def _names(vocab, text: str) -> list[tuple[str, str, bool]]:
    return [(m.account.id, text[m.start : m.end], m.exact) for m in vocab.account_mentions(text)]


def test_accounts_by_name_alias_and_possessive(vocab) -> None:
    text = "Can you quote Ridgeline's reno? Bow Valley asked too."
    assert _names(vocab, text) == [
        ("ACC-1002", "Ridgeline", True),
        ("ACC-1004", "Bow Valley", True),
    ]


def test_acronyms_match_only_in_capitals(vocab) -> None:
    assert _names(vocab, "PCH needs it by Friday") == [("ACC-1001", "PCH", True)]
    assert _names(vocab, "the pch file and a bvr note") == []


def test_a_misspelt_account_is_found_as_a_close_spelling(vocab) -> None:
    text = "Quote for Praire Crest Homes, Westbrook phase 3."
    assert _names(vocab, text) == [("ACC-1001", "Praire Crest Homes", False)]


@pytest.mark.parametrize(
    "text",
    [
        "Quote for Prairie Creek Builders, phase 3.",  # another company, one word shared
        "Meeting at Northside Modular Homes tomorrow.",
        "Please call Martha Family Dental.",
        "Harbour View Developments sent plans.",
    ],
)
def test_a_different_company_is_never_turned_into_a_known_one(vocab, text: str) -> None:
    assert _names(vocab, text) == []


def test_picklist_values_however_written(vocab) -> None:
    text = "Type is PROJECT-W/-INSTALLATION, we're at approvals; record: single"
    assert [v for v, _, _ in vocab.picklist_values("opportunity_type", text)] == [
        "Project w/ installation"
    ]
    assert [v for v, _, _ in vocab.picklist_values("stage", text)] == ["Approvals"]
    hit = next(vocab.picklist_values("record_type", text))
    assert text[hit[1] : hit[2]] == "single"


def _token_pattern_matcher(extractor) -> Matcher:
    """Picklist values as a token-pattern Matcher finds them (how it was written before the
    PhraseMatcher): each word in any case, a plural "s" on a word of three letters or more,
    an optional hyphen token between words. The oracle the faster matcher must equal."""
    vocab = extractor.vocabulary
    matcher = Matcher(vocab.nlp.vocab)
    for name, picklist in extractor.picklists.items():
        for phrase, canonical in picklist.phrases.items():
            words = [t.lower_ for t in vocab.nlp.make_doc(plain(phrase)) if t.text != "-"]
            pattern: list[dict] = []
            for i, word in enumerate(words):
                if i:
                    pattern.append({"ORTH": "-", "OP": "?"})
                forms = [word, word + "s"] if word.isalpha() and len(word) > 2 else [word]
                pattern.append({"LOWER": {"IN": forms}})
            matcher.add(f"{name}:{canonical}", [pattern])
    return matcher


def _raw_matches(vocab, matcher, text: str) -> set[tuple[str, int, int]]:
    doc = vocab.doc(text)
    return {
        (vocab.nlp.vocab.strings[key], doc[start:end].start_char, doc[start:end].end_char)
        for key, start, end in matcher(doc)
    }


PICKLIST_EDGES = [
    "Closed-Won, closed - won, closed--won, closed\nwon, CLOSED WONS, closedwon, Closed  Won",
    "project w/ installs; Project-w-/-installation; PROJ W/INSTALL; supply & installs",
    "Non-Forecast-Quotes, non forecasts, NFQs, one-offs, one - off, one off-",
    "approvals approval approvalss; submission(s); shop-drawing shop drawingss",
    "Qualification de base, qualifications-de-bases, basic quals, order follow-ups",
    "- won -; -closed won-; won's; s; wons; standards; stds",
]


@pytest.fixture
def picklist_texts(corpus) -> list[str]:
    """The edge cases, then every corpus and fixture message's new text, body and subject."""
    texts = list(PICKLIST_EDGES)
    for path in sorted([*corpus.glob("*/*.eml"), *ORG_FILE.parent.glob("heldout*/*.eml")]):
        msg = parse_email(path.read_bytes())
        texts += [msg.new_text or "", msg.body_text or "", msg.subject or ""]
    return texts


def test_picklist_phrases_match_as_the_token_patterns_did(extractor, picklist_texts) -> None:
    """Every match of every picklist phrase, on edge cases and on every corpus and fixture
    text, is the same (value, start, end) as the token-pattern Matcher's."""
    vocab = extractor.vocabulary
    oracle = _token_pattern_matcher(extractor)
    compared = 0
    for text in picklist_texts:
        expected = _raw_matches(vocab, oracle, text)
        assert _raw_matches(vocab, vocab.picklists, text) == expected, text[:200]
        compared += len(expected)
    assert compared > 500  # the texts do name picklist values: the comparison is not empty


def test_the_gate_lets_through_every_text_that_names_a_value(vocab, picklist_texts) -> None:
    """The gate that spares the tokenizer never turns away a text the matcher finds a
    value in (an edge case with every spelling, and every corpus and fixture text), and
    does turn some texts away, or it would spare nothing."""
    gate = vocab._picklist_gate
    assert gate is not None
    turned_away = 0
    for text in [*picklist_texts, *(w.upper() for w in PICKLIST_EDGES)]:
        found = vocab.picklists(vocab.doc(text))
        if found:
            assert gate.may_name(plain(text)), text[:200]
        turned_away += not gate.may_name(plain(text))
    assert turned_away > 100
    assert not gate.may_name("Thanks for the photos of the window, see you Tuesday")


def test_prose_request_with_a_misspelt_account(extractor) -> None:
    msg = message(
        "Hi team, can you price 14 casements 30x48 for Praire Crest Homes? Factor .48, "
        "we're at Submissions, closing Jan 15."
    )
    got = extractor.extract(msg, "quotes", now=NOV_4, sender_is_staff=True)
    assert got["account"].value == "Prairie Crest Homes"
    assert got["account_id"].value == "ACC-1001"
    assert got["account"].confidence < PROSE  # a close spelling: asked to confirm
    assert got["stage"].value == "Submissions"


def test_a_quoted_factor_from_an_older_message_is_not_the_new_one(extractor) -> None:
    raw = (
        b"From: Dan Schultz <dan.schultz@example.com>\r\n"
        b"To: accountteam@example.com\r\n"
        b"Subject: RE: Quote request - Bow Valley\r\n"
        b"Date: Wed, 04 Nov 2026 08:40:00 -0700\r\n"
        b"Message-ID: <r2@example.com>\r\n\r\n"
        b"Close date moved to Dec 18.\r\n\r\n"
        b"On Tue, Nov 3, 2026 at 9:00 AM Dan Schultz wrote:\r\n"
        b"> Account: Bow Valley Renovations\r\n"
        b"> Factor: 0.48\r\n"
    )
    msg = parse_email(raw)
    got = extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=True)
    assert "factor" not in got
    assert got["close_date"].value == "2026-12-18"


def _model_with_entities(path, patterns) -> str:
    """An installed pipeline as a site would configure one: here a blank pipeline with an
    entity ruler, saved to disk and loaded back by spacy.load (no download possible here)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(patterns)
    nlp.to_disk(path)
    return str(path)


def test_an_installed_model_names_an_unknown_company_and_contact(org, tmp_path) -> None:
    model = _model_with_entities(
        tmp_path / "model",
        [
            {"label": "ORG", "pattern": "Keystone Estates"},
            {"label": "PERSON", "pattern": "Maria Lopez"},
        ],
    )
    extractor = LabelExtractor(org, spacy_model=model)
    msg = message(
        "Hello, Maria Lopez here, I look after Keystone Estates. The patio door on unit 4 "
        "sticks and will not latch.",
        from_name="",
        from_addr="office@keystone.example.org",
    )
    got = extractor.extract(msg, "service", now=NOV_4, sender_is_staff=False)
    assert got["account"].value == "Keystone Estates"
    assert "account_id" not in got  # kept as written, not matched to a known account
    assert got["contact_name"].value == "Maria Lopez"
    plain_got = LabelExtractor(org).extract(msg, "service", now=NOV_4, sender_is_staff=False)
    assert "account" not in plain_got  # without the model nothing names it


def test_a_model_that_is_not_installed_is_a_configuration_error(org) -> None:
    with pytest.raises(ConfigError, match="extraction.spacy_model"):
        build_extractor(org, ExtractionSettings(spacy_model="xx_not_installed_model"))
