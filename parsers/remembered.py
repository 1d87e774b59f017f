"""A regex that remembers its last searches, for a pattern asked about one text again.

The description reads each sentence through several steps, and three of them ask the same
phone-shape pattern about the same sentence (is there a contact tail, is it long with a
number, is it only contact details). `remembered` answers a repeated `search` from a small
memo of the last texts; every other method, and every new text, goes to the pattern. The
memo holds a few texts, so it pays off within one message only; `cache_clear` empties it
(the extraction benchmark calls it with the parsers' other memos).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from intake.parsers.cues import Cued

MEMO_TEXTS = 16  # more than one sentence's steps ask about


class Remembered:
    """`regex` with its `search` results for the last few texts remembered.

    `search` and `cache_clear` are the memo's own, set per instance (slots, so that the
    class itself has no `cache_clear` a sweep of module globals would call)."""

    __slots__ = ("regex", "search", "cache_clear")

    def __init__(self, regex: re.Pattern[str] | Cued) -> None:
        self.regex = regex
        memo = lru_cache(maxsize=MEMO_TEXTS)(regex.search)
        self.search = memo
        self.cache_clear = memo.cache_clear

    def __getattr__(self, name: str) -> Any:
        return getattr(self.regex, name)  # match, sub, finditer, pattern ...: the pattern's own

    def __repr__(self) -> str:
        return f"Remembered({self.regex!r})"


def remembered(regex: re.Pattern[str] | Cued) -> Remembered:
    """`regex` behind a memo of its searches (see the module doc)."""
    return Remembered(regex)
