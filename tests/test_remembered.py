"""parsers/remembered.py: a remembered pattern answers as the pattern does, from its memo
when asked again."""

from __future__ import annotations

import re

from intake.parsers.remembered import MEMO_TEXTS, Remembered, remembered


class _Counting:
    """A pattern that counts the searches it runs."""

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        self.searches = 0

    def search(self, text: str, pos: int = 0, endpos: int = 2**62) -> re.Match[str] | None:
        self.searches += 1
        return self.regex.search(text, pos, endpos)

    def sub(self, repl: str, text: str) -> str:
        return self.regex.sub(repl, text)


def test_a_repeated_search_is_answered_from_the_memo() -> None:
    counting = _Counting(r"\d{3}-\d{4}")
    fast = Remembered(counting)  # type: ignore[arg-type]
    first = fast.search("call 555-0199 today")
    again = fast.search("call " + "555-0199 today")  # an equal text, another string
    assert first is not None and again is first and counting.searches == 1
    assert fast.search("call 555-0199 today", 6) is None  # another start is another search
    assert counting.searches == 2


def test_the_memo_keeps_the_last_texts_and_is_cleared() -> None:
    counting = _Counting(r"x")
    fast = Remembered(counting)  # type: ignore[arg-type]
    for i in range(MEMO_TEXTS + 1):
        fast.search(f"text {i}")
    fast.search("text 0")  # the oldest text was let go: asked anew
    assert counting.searches == MEMO_TEXTS + 2
    fast.search(f"text {MEMO_TEXTS}")  # a recent one is still remembered
    assert counting.searches == MEMO_TEXTS + 2
    fast.cache_clear()
    fast.search("text 0")
    assert counting.searches == MEMO_TEXTS + 3


def test_only_instances_answer_to_a_sweep_of_memos() -> None:
    # the benchmark empties every module global with a callable cache_clear: the class
    # must not look like one
    assert not callable(getattr(Remembered, "cache_clear", None))
    assert callable(remembered(re.compile("x")).cache_clear)


def _span(m: re.Match[str] | None) -> tuple[int, int] | None:
    return None if m is None else m.span()


def test_every_method_answers_as_the_pattern_does() -> None:
    regex = re.compile(r"(\d+)")
    fast = remembered(regex)
    for text in ["a 12 b 345", "none", ""]:
        assert _span(fast.search(text)) == _span(regex.search(text))
        assert _span(fast.search(text, 4)) == _span(regex.search(text, 4))
        assert fast.sub(r"<\1>", text) == regex.sub(r"<\1>", text)
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in regex.finditer(text)]
    assert fast.pattern == regex.pattern
