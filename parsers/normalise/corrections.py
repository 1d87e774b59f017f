"""On-the-spot corrections ("Oct 15 - sorry, Oct 22"): the later value stands."""

from __future__ import annotations

import re
from datetime import datetime

from intake.parsers.cues import cued
from intake.parsers.normalise.dates import _DATE_IN_TEXT, find_date, parse_date
from intake.parsers.normalise.numbers import _AMOUNT, _FACTOR_FORMS, _SENTENCE_END, _is_marked

_CORRECTION = cued(
    re.compile(
        # (the writer may trail off first: "FX .47.. sorry, .45", "close Oct 15… I mean Oct 22")
        # ("Factor 48 no sorry 46": a dictating writer's "no" before the word that corrects)
        r"\s*(?:\.{2,}|…)?\s*[-–—,;]?\s*(?:(?:\bno\b,?\s+)?"
        r"\b(?:sorry|oops|i mean|i meant|make that|correction|"
        r"no wait|revised(?: to)?|corrected(?: to)?|updated to|changed to|"
        # "Factor 55.. nvm just talked to Lena, she's ok with 53": the writer takes it back
        r"nvm|never ?mind|"
        # "Stage: 25% - my apologies, kindly make that 50%": a formal writer's correction
        r"(?:my )?apolog(?:ies|ise|ize)(?:[\s,]+(?:(?:kindly|please|pls)\s+)?make (?:that|it))?|"
        r"(?:kindly|please|pls) make (?:that|it))\b"
        # "Factor .52 — wait, no, sorry, BVR got bumped to .54": the writer catching themself
        r"|\b(?:wait|hang on|hold on|actually|(?:actually\s+)?scratch that)\b(?:[\s,!]|\.(?=\s))*"
        r"(?:\bno\b(?:[\s,!]|\.(?=\s))*)?"
        r"(?:\b(?:sorry|oops|make (?:that|it)|i mean)\b)?"
        # "Factor: 0.50 -> revised: use .49", "0.50 → 0.49": an arrow to the value that replaces
        r"|(?:->|→|=>)\s*(?:(?:revised|corrected|updated|new)\b)?)\s*[,:–—-]?\s*",
        re.IGNORECASE,
    )
)


def after_correction(text: str) -> str | None:
    """What follows the last on-the-spot correction in `text`, its "no," dropped: "Submissions
    -- sorry no, Approvals, they signed off" -> "Approvals, they signed off". None without
    one. For values `take_corrections` cannot swap in place (a picklist's words); the
    caller reads it as the value only when it names one."""
    said = split_at_correction(text)
    return said[1] if said else None


def split_at_correction(text: str) -> tuple[str, str] | None:
    """(what was said before the first on-the-spot correction in `text`, what follows the
    last), the latter's "no," dropped: "type project w/ install.. actually no scratch that,
    Standard" -> ("type project w/ install", "Standard"). None without one, or with nothing
    after it."""
    hits = list(_CORRECTION.finditer(text))
    if not hits:
        return None
    rest = _LEADING_NO.sub("", text[hits[-1].end() :])
    return (text[: hits[0].start()], rest) if rest else None


# After a date, before "sorry": nothing, or who it came from ("per Ryan", "from the GC").
_SAYS_WHO = re.compile(r"(?:\s+(?:per|from|says|said)(?:\s+[^\W\d_]+){1,3})?")
_LEADING_NO = re.compile(r"^(?:no|nope|not that)\b[\s,.!:;–—-]*", re.IGNORECASE)


def _corrected_amount(head: str, rest: str) -> int | None:
    """Where the amount that `head` ends with starts, when `rest` (after "sorry") opens with
    another one: "80k - sorry, 85k" is 85k. None when either side is not money."""
    said = [m for m in _AMOUNT.finditer(head) if _is_marked(m) and m.end() == len(head)]
    later = _AMOUNT.match(rest)
    if said and later and _is_marked(later):
        return said[-1].start("pre" if said[-1].group("pre") else "num")
    return None


def take_corrections(text: str, *, now: datetime) -> str:
    """ "Close Oct 15 – sorry, Oct 22" -> "Close Oct 22": a date corrected on the spot by
    the one after "sorry" / "I mean" / "make that" is replaced by it (the later one stands).
    So is a fraction: "Factor is .54 - sorry, I just checked and their rate is .56" reads
    "Factor is .56 ...", and an amount: "80k - sorry, 85k" reads "85k"."""
    for m in reversed(list(_CORRECTION.finditer(text))):
        said, later_form = next(
            (
                (hit, later)
                for at_end, later in _FACTOR_FORMS
                if (hit := at_end.search(text[: m.start()]))
            ),
            (None, None),
        )
        if said and later_form:
            rest = text[m.end() : m.end() + 120]
            end = _SENTENCE_END.search(rest)
            later = later_form.search(rest[: end.start() if end else len(rest)])
            if later:
                text = text[: said.start(1)] + later.group(1) + text[said.end(1) :]
            continue
        head = text[: m.start()].rstrip()
        amount = _corrected_amount(head, text[m.end() : m.end() + 40])
        if amount is not None:
            text = head[:amount] + text[m.end() :]
            continue
        after = find_date(text[m.end() : m.end() + 40], now=now)
        if not after or after[1] != 0:
            continue
        before = [d for d in _DATE_IN_TEXT.finditer(head) if parse_date(d.group(0), now=now)]
        if before and _SAYS_WHO.fullmatch(head, before[-1].end()):
            # "moves to Jul 15 per Ryan - sorry Jul 17": who said it may stand between
            text = head[: before[-1].start()] + text[m.end() :]
    return text
