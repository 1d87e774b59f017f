"""Regexes run only on text that holds the words every match must contain.

Python's `re` loses its fast literal scan under IGNORECASE: it tries each alternative at
every position, folding case as it goes. Measured on this project's readers (1.6 KB of
prose, this machine), `\\bsorry` costs 67 us case-insensitive against 1 us without, and
the on-the-spot correction pattern (twenty words and arrows) about 750 us, three times a
message; `str.__contains__` on the lower-cased text answers "is any of its words here?" in
a few microseconds. Most texts a reader looks at hold none of its words.

`cued` works out, from the parsed pattern, a set of literal strings one of which every
match must contain (its cues: "sorry", "oops", "->", ...), and returns an object with the
pattern's methods that answers "no match" at once when the text, lower-cased, holds none of
them; otherwise the pattern runs as before. So the matches are exactly the pattern's own.
A pattern whose matches need no literal (a date in digits), or only a weak one (a single
letter or digit, a space and one more character), or more than `MAX_CUES` different
ones, is returned as it is. Case is folded the way `re` folds it: besides
the ASCII letters, IGNORECASE matches "K" (Kelvin), "ſ", "İ" and "ı" to ASCII letters, so
those are mapped first; a cue holds only characters whose case cannot change otherwise.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from functools import lru_cache
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

MAX_CUES = 40  # more words than this cost more to look for than the pattern saves
MAX_CLASS = 4  # a class of more characters than this is not taken as cues
# The non-ASCII characters IGNORECASE matches to ASCII letters (the `re` documentation).
_TO_ASCII = str.maketrans({"\u212a": "k", "\u017f": "s", "\u0130": "i", "\u0131": "i"})
_REPEATS = (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT)


@lru_cache(maxsize=512)
def folded(text: str) -> str:
    """`text` as the cues are written: lower case, with IGNORECASE's four odd letters mapped
    to theirs. Memoised: the readers ask several patterns about the same sentence."""
    if not text.isascii() and any(ch in text for ch in "\u212a\u017f\u0130\u0131"):
        text = text.translate(_TO_ASCII)
    return text.lower()


def _stable(ch: str) -> bool:
    """A character written in a cue as it is: its lower case is itself and no other
    character than itself and its upper case matches it."""
    return ch.isascii() or (ch.lower() == ch == ch.upper())


Cues = frozenset[str]


def _best(candidates: list[Cues]) -> Cues | None:
    """The requirement that rules out most: the longest shortest cue, then the fewest."""
    if not candidates:
        return None
    return max(candidates, key=lambda cues: (min(map(len, cues)), -len(cues)))


def _class_chars(items: Any) -> Cues | None:
    """The characters of a class of a few plain characters ("[-–]", "[:：]"), one of which
    its match is; None for a negated class, a range or a category."""
    chars = {chr(av) for op, av in items if op is c.LITERAL}
    if len(chars) != len(items) or len(chars) > MAX_CLASS or not all(map(_stable, chars)):
        return None
    return frozenset(ch.lower() for ch in chars)


def _required(items: Any) -> Cues | None:
    """A set of strings one of which every match of the sequence `items` contains, or None
    when no such set is known."""
    candidates: list[Cues] = []
    run: list[str] = []

    def end_run() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is c.LITERAL and _stable(chr(av)):
            run.append(chr(av).lower())
            continue
        if op is c.AT:
            continue  # \b, ^, $: zero-width, the literals on either side stay adjacent
        end_run()
        if op is c.SUBPATTERN:
            inner = _required(av[-1])
            if inner is not None:
                candidates.append(inner)
        elif op is c.BRANCH:
            branches = [_required(branch) for branch in av[1]]
            if all(b is not None for b in branches):
                candidates.append(frozenset().union(*branches))  # type: ignore[arg-type]
        elif op in _REPEATS and av[0] >= 1:
            inner = _required(av[2])
            if inner is not None:
                candidates.append(inner)
        elif op is c.IN and (chars := _class_chars(av)) is not None:
            candidates.append(chars)  # "[-–]": one of its characters
        elif op is c.ASSERT:
            # a lookahead or lookbehind's text must be in the text, though not in the match
            inner = _required(av[1])
            if inner is not None:
                candidates.append(inner)
        # anything else (a class, ".", an optional part, a negative look) requires nothing
    end_run()
    return _best(candidates)


class Cued:
    """A compiled pattern that runs only on text holding one of its `cues`."""

    __slots__ = ("regex", "cues")

    def __init__(self, regex: re.Pattern[str], cues: Cues) -> None:
        self.regex = regex
        self.cues = tuple(sorted(cues))

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    @property
    def flags(self) -> int:
        return self.regex.flags

    def may_match(self, text: str) -> bool:
        """False only when no match can exist: none of the cues is in the text."""
        low = folded(text)
        for cue in self.cues:  # noqa: SIM110 - a loop: no generator started per text
            if cue in low:
                return True
        return False

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.regex.search(text, pos, endpos) if self.may_match(text) else None

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.regex.match(text, pos, endpos) if self.may_match(text) else None

    def fullmatch(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.regex.fullmatch(text, pos, endpos) if self.may_match(text) else None

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text, pos, endpos) if self.may_match(text) else iter(())

    def findall(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.regex.findall(text, pos, endpos) if self.may_match(text) else []

    def split(self, text: str, maxsplit: int = 0) -> list[str]:
        return self.regex.split(text, maxsplit) if self.may_match(text) else [text]

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str, count: int = 0) -> str:
        return self.regex.sub(repl, text, count) if self.may_match(text) else text

    def __repr__(self) -> str:
        return f"Cued({self.regex!r}, cues={self.cues!r})"


def cues_of(regex: re.Pattern[str]) -> Cues | None:
    """The strings one of which every match of `regex` contains, or None."""
    if isinstance(regex.pattern, bytes) or regex.flags & (re.LOCALE | re.ASCII):
        return None
    return _required(_parser.parse(regex.pattern, regex.flags))


def _worth_testing(cue: str) -> bool:
    """A cue most texts lack: two characters besides spaces ("po", "->"), or one rare
    character ("%", "→"); not a lone letter, digit or space."""
    bare = cue.replace(" ", "")
    return len(bare) >= 2 or (len(bare) == 1 and not bare.isalnum())


def cued(regex: re.Pattern[str]) -> re.Pattern[str] | Cued:
    """`regex` behind the test of its cues, or as it is when they are not worth testing."""
    cues = cues_of(regex)
    if cues is None or len(cues) > MAX_CUES or not all(map(_worth_testing, cues)):
        return regex
    return Cued(regex, cues)
