"""parsers/cues.py: a regex behind the test of its cues finds exactly what the regex finds."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import intake.parsers as parsers_package
from intake.parsers.cues import Cued, cued, cues_of
from intake.parsers.mime import parse_email


def _cues(pattern: str, flags: int = re.IGNORECASE) -> set[str] | None:
    found = cues_of(re.compile(pattern, flags))
    return None if found is None else set(found)


# --- what a match must contain ------------------------------------------------------------


def test_every_branch_of_an_alternation_gives_its_words() -> None:
    assert _cues(r"\b(?:sorry|oops|i mean)\b") == {"sorry", "oops", "i mean"}


def test_a_branch_without_a_literal_leaves_the_pattern_without_cues() -> None:
    # "\d+" may match alone: no word is required
    assert _cues(r"\b(?:sorry|\d+)\b") is None
    assert isinstance(cued(re.compile(r"\b(?:sorry|\d+)\b", re.I)), re.Pattern)


def test_an_optional_part_requires_nothing_and_the_rest_is_taken() -> None:
    assert _cues(r"(?:please\s+)?quote\b") == {"quote"}
    assert _cues(r"(?:please\s+)?\d+") is None


def test_a_class_ends_a_run_of_literals_and_the_longest_run_is_taken() -> None:
    # "estim[ée]": the class is no literal; "estim" is what every match holds
    assert _cues(r"estim[ée]") == {"estim"}
    assert _cues(r"ab[0-9]cdef") == {"cdef"}


def test_a_class_of_a_few_plain_characters_requires_one_of_them() -> None:
    # "Factor - 0.52", "Account – Ridgeline": the dash is a cue, whichever dash it is
    assert _cues(r"\w+\s*[-–]\s+\d") == {"-", "–"}
    assert _cues(r"[:：]\s") == {":", "："}
    assert _cues(r"[-–]\s*total") == {"total"}  # a longer cue still wins
    assert _cues(r"[^-]x") == {"x"}  # a negated class requires nothing
    assert _cues(r"[a-c]\d") is None  # nor does a range
    assert _cues(r"[!#%&*]\d") is None  # nor a class of many characters


def test_word_boundaries_and_anchors_keep_a_run_whole() -> None:
    assert _cues(r"^make\b that\b") == {"make that"}


def test_a_required_repeat_counts_and_a_lookbehind_text_must_be_in_the_text() -> None:
    assert _cues(r"(?:ab)+\d") == {"ab"}
    assert _cues(r"(?<=total )\d+") == {"total "}
    assert _cues(r"(?<!no )\d+") is None


def test_a_letter_whose_case_folds_oddly_is_not_a_cue_character() -> None:
    # "é" has an upper case the text may use: the run breaks there
    assert _cues(r"cléture") == {"ture"}
    # an arrow has no case: it is a cue of its own
    assert _cues(r"(?:->|→)") == {"->", "→"}


def test_weak_or_too_many_cues_leave_the_pattern_as_it_is() -> None:
    assert isinstance(cued(re.compile(r"a\d", re.I)), re.Pattern)  # one letter
    assert isinstance(cued(re.compile(r"%\d")), Cued)  # one rare character
    many = "|".join(f"w{i:02d}x" for i in range(60))
    assert isinstance(cued(re.compile(rf"\b(?:{many})\b", re.I)), re.Pattern)


# --- the same matches ---------------------------------------------------------------------


def test_letters_re_folds_to_ascii_still_let_the_pattern_run() -> None:
    for pattern, text in [
        (r"\bkit\b", "\u212aIT box"),  # Kelvin sign
        (r"\bsorry\b", "\u017forry, .54"),  # long s
        (r"\bfix it\b", "F\u0130X IT"),  # dotted capital I
        (r"\bfix it\b", "f\u0131x it"),  # dotless i
    ]:
        regex = re.compile(pattern, re.IGNORECASE)
        assert regex.search(text) is not None
        assert cued(regex).search(text) is not None, (pattern, text)


def test_every_method_answers_as_the_pattern_does() -> None:
    regex = re.compile(r"\b(?:sorry|make that)\s+(\d+)", re.IGNORECASE)
    fast = cued(regex)
    assert isinstance(fast, Cued)
    for text in ["80 - sorry 85", "Make that 12 and SORRY 13", "nothing here 12", ""]:
        assert _spans(fast.search(text)) == _spans(regex.search(text))
        assert _spans(fast.match(text)) == _spans(regex.match(text))
        assert _spans(fast.fullmatch(text)) == _spans(regex.fullmatch(text))
        assert [_spans(m) for m in fast.finditer(text)] == [_spans(m) for m in regex.finditer(text)]
        assert fast.findall(text) == regex.findall(text)
        assert fast.split(text) == regex.split(text)
        assert fast.sub(r"<\1>", text) == regex.sub(r"<\1>", text)
    assert fast.pattern == regex.pattern and fast.flags == regex.flags


def _spans(m: re.Match[str] | None) -> tuple | None:
    return None if m is None else (m.span(), m.groups())


def _cued_patterns() -> dict[str, Cued]:
    """Every cued pattern of the parsers, by the name it is defined under."""
    found: dict[int, tuple[str, Cued]] = {}
    for info in pkgutil.walk_packages(parsers_package.__path__, "intake.parsers."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, Cued):
                found.setdefault(id(value), (f"{info.name}.{name}", value))
    return dict(found.values())


def test_the_readers_use_cued_patterns() -> None:
    # the equivalence test below checks something only while there are some
    assert len(_cued_patterns()) >= 30


@pytest.fixture
def corpus_texts(corpus: Path) -> list[str]:
    """Every body, line and sentence of the labelled and the wild corpus."""
    texts: list[str] = []
    for path in sorted(corpus.glob("**/*.eml")):
        msg = parse_email(path.read_bytes())
        for body in (msg.body_text, msg.new_text, msg.signature, msg.subject):
            texts.append(body)
            texts.extend(line for line in body.splitlines() if line.strip())
            texts.extend(re.split(r"(?<=[.!?])\s+", body))
    return list(dict.fromkeys(texts))


def test_cued_patterns_find_what_their_patterns_find_in_the_corpus(
    corpus_texts: list[str],
) -> None:
    patterns = _cued_patterns()
    differ = [
        (name, text[:60])
        for name, fast in patterns.items()
        for text in corpus_texts
        if [_spans(m) for m in fast.finditer(text)]
        != [_spans(m) for m in fast.regex.finditer(text)]
    ]
    assert differ == []
