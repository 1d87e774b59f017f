"""Regexes made faster to search, with the same matches.

Python's `re` tries a pattern at every position of the text. A long alternation after `\\b`
("\\b(?:cracked|leaking|won't lock|...)") or a pattern that opens with optional parts
(a phone number's "+1 (") gets none of the engine's own first-character skipping, so every
position pays for the whole attempt. `guarded` puts a lookahead in front that admits only the
characters a match can start with, computed from the parsed pattern; the engine then passes
most positions after one class test. A position the lookahead refuses is one where no match
can start, so search, match, finditer and sub give exactly what the pattern alone gives.
Where the first characters cannot be worked out safely, the pattern is returned as it is.
"""

from __future__ import annotations

import re
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

# What a class item or literal may be written as inside "[...]".
_CATEGORIES = {c.CATEGORY_DIGIT: r"\d", c.CATEGORY_SPACE: r"\s", c.CATEGORY_WORD: r"\w"}
_ZERO_WIDTH = (c.AT, c.ASSERT, c.ASSERT_NOT)
_REPEATS = (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT)


class _Unknown(Exception):
    """A construct whose first characters are not worked out (".", a negated class, ...)."""


class _Firsts:
    """The class items a match can start with: plain ones, and ones under IGNORECASE."""

    def __init__(self) -> None:
        self.plain: set[str] = set()
        self.folded: set[str] = set()

    def add(self, item: str, ignorecase: bool) -> None:
        (self.folded if ignorecase else self.plain).add(item)


def _char(code: int) -> str:
    return re.escape(chr(code))


def _class_items(items: list, ignorecase: bool, firsts: _Firsts) -> None:
    for op, av in items:
        if op is c.LITERAL:
            firsts.add(_char(av), ignorecase)
        elif op is c.RANGE:
            firsts.add(f"{_char(av[0])}-{_char(av[1])}", ignorecase)
        elif op is c.CATEGORY and av in _CATEGORIES:
            firsts.add(_CATEGORIES[av], ignorecase)
        else:  # a negated class, a category not listed
            raise _Unknown(op)


def _walk(items, ignorecase: bool, firsts: _Firsts) -> bool:
    """Add the first characters of the sequence `items`; True if it can match nothing."""
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: the first character is the next item's
        if op is c.LITERAL:
            firsts.add(_char(av), ignorecase)
            return False
        if op is c.IN:
            _class_items(av, ignorecase, firsts)
            return False
        if op is c.SUBPATTERN:
            _group, add, remove, inner = av
            if (add | remove) & ~c.SRE_FLAG_IGNORECASE:
                raise _Unknown(op)
            scoped = (ignorecase or bool(add & c.SRE_FLAG_IGNORECASE)) and not (
                remove & c.SRE_FLAG_IGNORECASE
            )
            if not _walk(inner, scoped, firsts):
                return False
        elif op is c.BRANCH:
            empty = [_walk(branch, ignorecase, firsts) for branch in av[1]]
            if not any(empty):
                return False
        elif op in _REPEATS:
            low, _high, inner = av
            if not _walk(inner, ignorecase, firsts) and low > 0:
                return False
        else:
            raise _Unknown(op)
    return True


def guarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` behind a lookahead for the characters its matches start with."""
    if pattern.flags & (re.LOCALE | re.ASCII) or isinstance(pattern.pattern, bytes):
        return pattern
    firsts = _Firsts()
    try:
        can_be_empty = _walk(
            _parser.parse(pattern.pattern, pattern.flags),
            bool(pattern.flags & re.IGNORECASE),
            firsts,
        )
    except _Unknown:
        return pattern
    if can_be_empty:
        return pattern  # a match can start anywhere
    options = [f"[{''.join(sorted(firsts.plain))}]"] if firsts.plain else []
    if firsts.folded:
        options.append(f"(?i:[{''.join(sorted(firsts.folded))}])")
    try:
        return re.compile(f"(?={'|'.join(options)})(?:{pattern.pattern})", pattern.flags)
    except re.error:  # global inline flags, which must open the pattern
        return pattern
