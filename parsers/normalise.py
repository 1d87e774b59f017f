"""Small pure functions that turn what people write into the normal forms of the case record.

Each function takes one value as written ("Dec 18", ".52", "$48.5k", "403 555 0193",
"proj w/ install", "Praire Crest Homes") and returns the normal form, or None when the text is
not such a value. None is the important answer: "TBD", "will confirm" or a dimension like
"30x48" must never become a date or a factor, because a wrong value is worse than a missing
one (a missing one is asked for, a wrong one is quoted).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING

import phonenumbers
from rapidfuzz import fuzz

from intake.parsers.cues import cued
from intake.parsers.first_chars import guarded

if TYPE_CHECKING:
    from intake.parsers.org import Account, Organisation

# --------------------------------------------------------------------------------------------
# Text folding shared by every comparison
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Case-, accent-, punctuation- and space-insensitive form used for every comparison.

    "Projet avec installation", "PROJET  avec-installation" and "projet avec installation"
    all fold to the same key, so synonym tables can be written once in plain lower case.
    Cached: picklist values and synonyms are folded again on every comparison.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[^\w/+]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


# Values that people write in a field to say they do not know it yet. They give no field.
# Whole-value placeholders: "No" alone says nothing, but "No screens needed" is a value.
_NO_VALUE_WHOLE = re.compile(
    r"^(?:n\s*/\s*a|n\.a\.?|none|nil|nothing|no|na|unknown|pending|blank|tbd|tba|tbc|"
    r"aucune?|s\.?\s*o\.?|sans objet|inconnu|neant|néant|[-–—?.\s]*)$",
    re.IGNORECASE,
)
# Placeholders that may carry an explanation: "TBD - new account", "will confirm with Lena".
_NO_VALUE_PREFIX = re.compile(
    r"^(?:tbd|tba|tbc|t\.b\.[dac]\.?|to be (?:confirmed|determined|advised|decided)|"
    r"to (?:confirm|follow|come)|will (?:confirm|advise|follow|send|update|let (?:you|u) know)|"
    r"not (?:yet )?(?:known|decided|sure|set|confirmed)|waiting (?:on|for)|pending|"
    # "checking w/ them if install is incl, will confirm": a value still being decided
    r"(?:still )?(?:checking|confirming) (?:w/|with) (?:them|him|her|the \w+|\w+)|"
    r"still (?:checking|deciding|confirming|figuring|tbd|tbc|tba|unknown)|"
    r"à (?:confirmer|venir|déterminer)|a (?:confirmer|venir|determiner)|"
    r"(?:none|n\s*/\s*a|unknown)(?=\s*[-–—,;:(.])|"
    # "?? (Priya to confirm whether install is included)": the question marks, then why
    r"\?+(?=\s*[-–—,;:(]))(?:\W|$)",
    re.IGNORECASE,
)


def is_no_value(text: str) -> bool:
    """True for "n/a", "none", "TBD - new account", "will confirm with Lena", "-", "".

    A label followed by one of these gives no field, so the bot asks for it rather than
    storing the placeholder as if it were the value.
    """
    value = text.strip().strip(".:;,").strip()
    return not value or bool(_NO_VALUE_WHOLE.match(value) or _NO_VALUE_PREFIX.match(value))


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

_MONTHS_EN = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip
_MONTHS_FR = [
    "janvier", "fevrier", "mars", "avril", "mai", "juin",
    "juillet", "aout", "septembre", "octobre", "novembre", "decembre",
]  # fmt: skip
_DATE_WORDS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|janv|fevr|avr|juil|"
    + "|".join(_MONTHS_EN + _MONTHS_FR)
    + r"|mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"today|tomorrow|tonight|yesterday|aujourd hui|demain|next|week|month|year|end|eod|eom|eow|eoq|"
    r"tmrw|tmw|"
    r"semaine|mois|fin|prochain|prochaine)\b"
)
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$")
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ tT]\d{1,2}:\d{2}.*)?$")
_END_OF = re.compile(
    r"^(?:by\s+|at\s+|before\s+|avant\s+(?:la\s+)?)?(?:the\s+)?"
    r"(?:end|fin|last\s+day|dernier\s+jour)\s+(?:of\s+|du\s+|de\s+|d\s+)?(?:the\s+)?"
    r"(?P<what>(?:this\s+|next\s+)?month|mois(?:\s+prochain)?|(?:this\s+|next\s+)?year|annee|"
    + "|".join(_MONTHS_EN + _MONTHS_FR)
    + r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)$"
)
_ORDINAL = re.compile(r"\b\d{1,2}(?:st|nd|rd|th|er)\b")
_COUNT_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "un": 1, "une": 1, "deux": 2, "trois": 3,
    "quatre": 4, "cinq": 5, "dix": 10, "couple of": 2, "a couple of": 2,
}  # fmt: skip
_COUNT = r"(?P<n>\d{1,3}|" + "|".join(sorted(_COUNT_WORDS, key=len, reverse=True)) + ")"
_UNIT = r"(?P<unit>business days?|working days?|days?|weeks?|months?|jours?|semaines?|mois)"
# "in two weeks", "within 10 days", "2 weeks from today", "dans deux semaines", "d'ici 3 jours"
_IN_PERIOD = (
    re.compile(
        rf"^(?:(?:in|within|dans|d ici|sous)\s+)?{_COUNT}\s+{_UNIT}(?:\s+from\s+(?:now|today))?$"
    ),
    re.compile(rf"^{_COUNT}\s+{_UNIT}\s+(?:from\s+(?:now|today)|out)$"),
)
_END_OF_WEEK = re.compile(
    r"^(?:by\s+)?(?:eow|end of (?:the |this )?week|fin de (?:la )?semaine|"
    r"(?P<next>end of next week|fin de la semaine prochaine))$"
)
_ABBREVIATED_END = {
    "eom": "month", "eoy": "year", "eonm": "next month", "month end": "month",
    "by month end": "month", "by eom": "month", "the month end": "month",
}  # fmt: skip
# "end of Q3", "Q3 end", "by the end of Q2 2027", "end of the quarter", "EOQ": a calendar
# quarter's last day (the organisation file names no other quarters).
_QUARTER_END = re.compile(
    r"^(?:by\s+)?(?:the\s+)?(?:(?:end\s+of\s+(?:the\s+)?|end\s+)?"
    r"(?:q(?P<q>[1-4])|(?P<nth>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter|"
    r"(?P<this>this\s+|next\s+)?quarter)(?:\s+(?P<year>20\d\d|\d\d))?(?:\s+end)?|eoq)$"
)


def _quarter_end(m: re.Match[str], key: str, today: date) -> date | None:
    """The last day of the named calendar quarter, the next one to end on or after today
    ("Q1" written in May is next year's); "end of the quarter" is the current one."""
    if m["q"]:
        quarter = int(m["q"])
    elif m["nth"]:
        quarter = {"f": 1, "1": 1, "s": 2, "2": 2, "t": 3, "3": 3}.get(m["nth"][0], 4)
    elif "end" in key or key == "eoq" or m["this"]:
        quarter = (today.month - 1) // 3 + 1 + (1 if (m["this"] or "").startswith("next") else 0)
    else:
        return None  # "quarter" alone says no date
    year = today.year
    if m["year"]:
        year = int(m["year"]) + (2000 if len(m["year"]) == 2 else 0)
    year, quarter = year + (quarter - 1) // 4, (quarter - 1) % 4 + 1
    month = quarter * 3
    end = date(year, month, calendar.monthrange(year, month)[1])
    if end < today and not m["year"]:
        end = date(year + 1, month, end.day)
    return end


_MID_MONTH = re.compile(r"^(?:mid|mi)\s*(?P<month>[a-z]+)$")
_NEXT_WEEKDAY_FR = re.compile(r"^(?P<day>lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
                              r"\s+prochain$")  # fmt: skip
_FR_WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


_SHORT_NUMERIC_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})$")


def _month_day(a: int, b: int, today: date, order: str | None = None) -> date | None:
    """ "4/23" or "23/4" without a year: when one order is impossible, or in the order the
    organisation writes dates (`order`), the next such day to come (a close date is in the
    future)."""
    if a > 12 and b <= 12:
        month, day = b, a
    elif b > 12 and a <= 12:
        month, day = a, b
    elif order in ("MDY", "DMY"):
        month, day = (a, b) if order == "MDY" else (b, a)
    else:
        return None  # "3/4": ask rather than guess the order
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


_WEEK_OF_MONTH = re.compile(
    r"^(?:by\s+)?(?:the\s+)?(?P<nth>first|1st|second|2nd|third|3rd|fourth|4th|last)\s+week\s+"
    r"(?:of|in)\s+"
    r"(?P<month>[a-z]+)$"
)


def _week_of_month(nth: str, month_word: str, today: date) -> date | None:
    """ "first week of April" -> the 7th: the last day of that week, so the date is not early."""
    month = _month_index(month_word)
    if month is None:
        return None
    year = today.year + 1 if month < today.month else today.year
    last = calendar.monthrange(year, month)[1]
    day = {"f": 7, "1": 7, "s": 14, "2": 14, "t": 21, "3": 21}.get(nth[0], last)
    return date(year, month, last if nth.startswith(("fourth", "4th", "last")) else day)


_DAY_OF_MONTH = re.compile(
    r"^(?P<article>the\s+|le\s+)?(?P<day>\d{1,2})(?P<suffix>st|nd|rd|th|er|e)?"
    r"(?:\s+(?:of\s+)?(?P<which>this|next|du|le)\s+(?:month|mois)(?:\s+prochain)?)?$"
)


def _day_of_month(day: int, which: str | None, today: date) -> date | None:
    """ "the 5th" (the next 5th to come), "the 5th of next month", "le 5 du mois prochain"."""
    year, month = today.year, today.month
    if which in ("next",) or (which is None and day < today.day):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for _ in range(12 if which is None else 1):
        # "the 30th" written in February is March 30: the next month that has the day
        try:
            return date(year, month, day)
        except ValueError:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _in_period(n: str, unit: str, today: date) -> date | None:
    """Today plus a count of days, working days, weeks or months."""
    count = int(n) if n.isdigit() else _COUNT_WORDS.get(n)
    if not count:
        return None
    if unit.startswith(("business", "working")):
        day, left = today, count
        while left:
            day += timedelta(days=1)
            left -= day.weekday() < 5
        return day
    if unit.startswith(("day", "jour")):
        return today + timedelta(days=count)
    if unit.startswith(("week", "semaine")):
        return today + timedelta(weeks=count)
    month = today.month - 1 + count
    year, month = today.year + month // 12, month % 12 + 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _relative(key: str, today: date) -> date | None:
    """Relative forms dateparser misreads or does not know: periods from today ("2 weeks
    from today" came back two weeks in the past), the end of the week, EOM, mid-month and
    the French "vendredi prochain"."""
    period = _IN_PERIOD[0].match(key) or _IN_PERIOD[1].match(key)
    if period:
        return _in_period(period["n"], period["unit"], today)
    week_end = _END_OF_WEEK.match(key)
    if week_end:
        friday = today + timedelta(days=(4 - today.weekday()) % 7)
        return friday + timedelta(weeks=1) if week_end["next"] else friday
    if key in _ABBREVIATED_END:
        return _end_of(_ABBREVIATED_END[key], today)
    quarter = _QUARTER_END.match(key)
    if quarter:
        return _quarter_end(quarter, key, today)
    mid = _MID_MONTH.match(key)
    if mid:
        month = _month_index(mid["month"])
        if month is None:
            return None
        year = today.year + 1 if month < today.month else today.year
        return date(year, month, 15)
    week = _WEEK_OF_MONTH.match(key)
    if week:
        return _week_of_month(week["nth"], week["month"], today)
    day_of_month = _DAY_OF_MONTH.match(key)
    if day_of_month and (day_of_month["article"] or day_of_month["suffix"]):  # not a bare "2"
        which = "next" if key.endswith("prochain") else day_of_month["which"]
        return _day_of_month(int(day_of_month["day"]), which, today)
    weekday = _NEXT_WEEKDAY_FR.match(key)
    if weekday:
        target = _FR_WEEKDAYS.index(weekday["day"])
        return today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)
    return None


_SAME_DAY = re.compile(r"^(?:today|tonight|eod|end of (?:the )?day|cob|close of business)$")


def _naive_local(now: datetime) -> datetime:
    """The wall-clock time of the message: relative dates are read in the sender's day."""
    return now.replace(tzinfo=None)


def _month_index(word: str) -> int | None:
    for names in (_MONTHS_EN, _MONTHS_FR):
        for i, name in enumerate(names, 1):
            if word == name or (len(word) >= 3 and name.startswith(word)):
                return i
    return None


def _end_of(what: str, today: date) -> date | None:
    """ "end of next month" and friends, which dateparser does not know."""
    if what in ("month", "this month", "mois"):
        y, m = today.year, today.month
    elif what in ("next month", "mois prochain"):
        y, m = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    elif what in ("year", "this year", "annee"):
        return date(today.year, 12, 31)
    elif what == "next year":
        return date(today.year + 1, 12, 31)
    else:
        month = _month_index(what)
        if month is None:
            return None
        y, m = (today.year + 1, month) if month < today.month else (today.year, month)
    return date(y, m, calendar.monthrange(y, m)[1])


def _numeric_date(a: int, b: int, year: int, order: str | None = None) -> date | None:
    """dd/mm/yyyy or mm/dd/yyyy: the one possible reading, or when both are possible the
    organisation's `date_order` ("MDY" or "DMY", `Organisation.date_order`).

    Without an order "03/04/2027" is genuinely ambiguous: None makes the bot ask instead of
    booking the wrong month.
    """
    if year < 100:
        year += 2000
    day_first = (a > 12 and b <= 12) or (order == "DMY" and a <= 12 and b <= 12)
    month_first = (b > 12 and a <= 12) or (order == "MDY" and a <= 12 and b <= 12)
    try:
        if day_first:
            return date(year, b, a)
        if month_first:
            return date(year, a, b)
        if a == b:
            return date(year, a, b)
    except ValueError:
        return None
    return None


def parse_date(
    text: str,
    *,
    now: datetime,
    languages: Iterable[str] = ("en", "fr"),
    date_order: str | None = None,
) -> date | None:
    """A date as written in a field ("Dec 18", "Friday", "15/12/2026", "15 janvier 2027").

    Relative and year-less dates are read from the message's own Date (`now`) towards the
    future: a close date of "Jan 15" written in November is next January. Returns None for
    placeholders ("TBD", "will confirm") and for anything that is not clearly a date.
    """
    raw = text.strip().strip(".,;:()[]").strip()
    if not raw or is_no_value(raw):
        return None
    raw = _TOMORROW_SHORT.sub("tomorrow", raw)  # "tmrw EOD"
    raw = _DAY_END_BEFORE.sub("", raw)  # "EOD Wed Nov 5": the end of that day
    # "on the 20th": dateparser reads a day after "on" in the past month, not the next one
    raw = re.sub(r"^(?i:on|around|about)\s+(?=\S)", "", raw)
    key = fold(raw).replace("/", " ").strip()
    today = _naive_local(now).date()

    iso = _ISO_DATE.match(raw)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return None
    numeric = _NUMERIC_DATE.match(raw)
    if numeric:
        return _numeric_date(int(numeric[1]), int(numeric[2]), int(numeric[3]), date_order)
    short = _SHORT_NUMERIC_DATE.match(raw)
    if short:
        return _month_day(int(short[1]), int(short[2]), today, date_order)
    if _SAME_DAY.match(key):
        return today
    if re.fullmatch(
        r"(?:eod|end of (?:the )?day|cob|noon|midday|morning) tomorrow|"
        r"tomorrow (?:eod|cob|noon|midday|morning)",
        key,
    ):
        return today + timedelta(days=1)
    end = _END_OF.match(key)
    if end:
        return _end_of(end["what"], today)
    relative = _relative(key.replace("-", " "), today)
    if relative:
        return relative
    if not _DATE_WORDS.search(key) and not _ORDINAL.search(key):
        return None  # bare numbers ("2", "30x48", "0.52") and words are never dates
    return _dateparser_date(_SHORT_WEEKDAY.sub(_full_weekday, raw), now, tuple(languages))


# "tmrw EOD", "tmr am", "2moro": tomorrow as people text it
TOMORROW_SHORT_RE = r"(?:tmrw|tmrow|tmr|tmw|2mor+ow|2moro)"
_TOMORROW_SHORT = re.compile(rf"\b{TOMORROW_SHORT_RE}\b", re.IGNORECASE)
# "EOD Wed Nov 5", "COB Friday": the end of the day named after it
_DAY_END_BEFORE = re.compile(r"^(?i:eod|cob|end of (?:the )?day)\s+(?=\S)")
_DAY_END_ALONE = re.compile(r"(?i:eod|cob|end\s+of\s+(?:the\s+)?day)")
# "thurs noon", "weds", "tues am": the short weekday names dateparser does not know
_SHORT_WEEKDAY = re.compile(r"\b(thurs?|tues|weds)\b\.?", re.IGNORECASE)
_FULL_WEEKDAY = {"thur": "Thursday", "thurs": "Thursday", "tues": "Tuesday", "weds": "Wednesday"}


def _full_weekday(m: re.Match[str]) -> str:
    return _FULL_WEEKDAY[m.group(1).lower()]


def _dateparser_date(raw: str, now: datetime, languages: tuple[str, ...]) -> date | None:
    import dateparser  # imported here: it takes a second to load, and only dates need it

    settings = {
        "RELATIVE_BASE": _naive_local(now),
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        parsed = dateparser.parse(raw, languages=list(languages), settings=settings)
    except (ValueError, OverflowError, TypeError):
        return None
    return parsed.date() if parsed else None


_MONTH_RE = (
    r"(?:jan(?:uary|v(?:ier)?)?|feb(?:ruary)?|f[ée]v(?:rier)?|mar(?:ch|s)?|apr(?:il)?|avr(?:il)?|"
    r"may|mai|june?|juin|july?|juil(?:let)?|aug(?:ust)?|ao[uû]t|sep(?:t(?:ember)?)?|"
    r"septembre|oct(?:ober|obre)?|nov(?:ember|embre)?|d[ée]c(?:ember|embre)?)\.?"
)
_WEEKDAY_RE = (
    r"(?:mon|tues?|weds|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?|"
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
)
# Shapes of a date inside running text, most specific first. Used to find the date right
# after a cue ("closing Jan 15", "close date December 22, 2026"); parse_date reads it.
_DATE_IN_TEXT = re.compile(
    r"(?<![\w/.-])(?:"
    r"\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})"
    rf"|(?:(?:{_WEEKDAY_RE}),?\s+)?{_MONTH_RE}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|(?:(?:{_WEEKDAY_RE}),?\s+)?(?:the\s+|le\s+)?\d{{1,2}}(?:st|nd|rd|th|er)?\s+(?:of\s+)?{_MONTH_RE}(?:,?\s+\d{{4}})?"
    rf"|(?:(?:this|next|ce|cette)\s+)?(?:{_WEEKDAY_RE})(?:\s+(?:prochain|morning|afternoon|noon|am|pm))?"
    r"|(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\s+of\s+(?:this|next)\s+month"
    rf"|(?:noon|midday|morning)\s+(?:tomorrow|{TOMORROW_SHORT_RE})"
    r"|\d{1,2}/\d{1,2}"
    rf"|(?:the\s+)?(?:first|1st|second|2nd|third|3rd|fourth|4th|last)\s+week\s+(?:of|in)\s+{_MONTH_RE}"
    r"|(?:the\s+)?(?:end\s+of\s+(?:the\s+)?)?(?:Q[1-4]|(?:first|second|third|fourth)\s+quarter)"
    r"(?:\s+20\d\d)?(?:\s+end)?"
    r"|(?:the\s+)?end\s+of\s+(?:the\s+)?(?:this\s+|next\s+)?quarter|quarter[-\s]end|eoq"
    r"|(?:the\s+)?month[-\s]end"
    rf"|before\s+the\s+end\s+of\s+{_MONTH_RE}"
    r"|(?:eod\s+|end\s+of\s+(?:the\s+)?day\s+)?"
    rf"(?:tomorrow|{TOMORROW_SHORT_RE})"
    r"(?:\s+(?:morning|afternoon|noon|at\s+noon|am|pm|eod))?"
    r"|today|tonight|demain"
    r"|eod|end\s+of\s+(?:the\s+)?day|cob|close\s+of\s+business"
    rf"|(?:the\s+)?(?:end|last\s+day)\s+of\s+(?:the\s+)?(?:(?:this|next)\s+month|month|(?:this|next)\s+year|year|{_MONTH_RE})"
    r"|fin\s+(?:du\s+mois(?:\s+prochain)?|d[ée]cembre|janvier)"
    r"|(?:the\s+)?\d{1,2}(?:st|nd|rd|th)"
    r"|(?:in|within|dans|d'ici|sous)\s+(?:\d{1,3}|a|an|one|two|three|four|five|six|ten|a\s+couple"
    r"\s+of|un|une|deux|trois|quatre|cinq|dix)\s+(?:business\s+days?|working\s+days?|days?|"
    r"weeks?|months?|jours?|semaines?|mois)"
    r"|(?:\d{1,3}|two|three|four|six|ten)\s+(?:days?|weeks?|months?)(?:\s+(?:from\s+(?:now|today)|out))?"
    r"|eow|eom|eoy|end\s+of\s+(?:the\s+|this\s+|next\s+)?week|fin\s+de\s+(?:la\s+)?semaine"
    rf"|mid[-\s]?{_MONTH_RE}|mi-{_MONTH_RE}"
    r")(?![\w/-])",
    re.IGNORECASE,
)


def find_date(
    text: str, *, now: datetime, date_order: str | None = None
) -> tuple[date, int, int] | None:
    """The first date written in `text`, with its span, or None.

    For running text after a cue word; a date shape that does not parse is skipped.
    `date_order` reads an ambiguous numeric date (see `_numeric_date`).
    """
    for m in _DATE_IN_TEXT.finditer(text):
        found = parse_date(m.group(0), now=now, date_order=date_order)
        if found and _DAY_END_ALONE.fullmatch(m.group(0)):
            # "EOD Wed Nov 5": the end of the day named next, not today's
            after = (
                _DATE_IN_TEXT.match(text, m.end() + 1)
                if text[m.end() : m.end() + 1] == " "
                else None
            )
            day = after and parse_date(after.group(0), now=now, date_order=date_order)
            if day:
                return day, m.start(), after.end()
        if found:
            return found, m.start(), m.end()
    return None


_CORRECTION = cued(
    re.compile(
        # (the writer may trail off first: "FX .47.. sorry, .45", "close Oct 15… I mean Oct 22")
        # ("Factor 48 no sorry 46": a dictating writer's "no" before the word that corrects)
        r"\s*(?:\.{2,}|…)?\s*[-–—,;]?\s*(?:(?:\bno\b,?\s+)?"
        r"\b(?:sorry|oops|i mean|i meant|make that|correction|"
        r"no wait|revised(?: to)?|corrected(?: to)?|updated to|changed to)\b"
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
    hits = list(_CORRECTION.finditer(text))
    if not hits:
        return None
    rest = _LEADING_NO.sub("", text[hits[-1].end() :])
    return rest or None


_LEADING_NO = re.compile(r"^(?:no|nope|not that)\b[\s,.!:;–—-]*", re.IGNORECASE)

# A decimal written as a fraction (a factor, a rate): ".54", "0.56", "0,515"
# (one digit after a point only: ".5" is half, ",5" more often a list's comma)
_FRACTION = r"(?<![\w.,$/])(0?[.,]\d{2,3}|0?\.\d)(?![\w%/×]|[.,]\d)"
_FRACTION_AT_END = re.compile(_FRACTION + r"\s*$")
_FRACTION_IN = re.compile(_FRACTION)
# The words a factor is labelled with in running text (the label lines' own list is
# lexicon.QUOTE_LABELS["factor"])
FACTOR_WORDS = r"factor|fctr|mult(?:iplier)?|fac|fx"
# A factor as a whole number, said after its label: "Factor 52 — sorry, 55"
_WHOLE_FACTOR_AT_END = re.compile(rf"\b(?i:{FACTOR_WORDS})\s*[:=]?\s*([2-9]\d)\s*$")
_WHOLE_FACTOR_IN = re.compile(r"(?<![\w.,$/])([2-9]\d)(?![\w%/×]|[.,]\d)")
_SENTENCE_END = re.compile(r"[!?\n]|\.(?=\s|$)")
# A factor written as a shorthand glued to its number, as people type it on a phone: "pt52",
# "pt.52", "fctr52". Only glued (no space), so "2 pt 52" or a model code with a space is not one.
_GLUED = r"(?<![\w.])(?i:pt|fctr)([2-9]\d|[.,]\d{2,3})"
FACTOR_GLUED = cued(re.compile(_GLUED + r"(?![\w%]|[.,]\d)"))
_GLUED_FACTOR_AT_END = re.compile(_GLUED + r"\s*$")


# A factor said before a correction, and how the corrected one is written after it: a
# fraction (".54 - sorry, .56"), a whole number after its label ("Factor 52 — sorry, 55"),
# the glued shorthand ("pt54 - sorry pt57")
_FACTOR_FORMS = (
    (_FRACTION_AT_END, _FRACTION_IN),
    (_WHOLE_FACTOR_AT_END, _WHOLE_FACTOR_IN),
    (_GLUED_FACTOR_AT_END, FACTOR_GLUED),
)


def _is_marked(m: re.Match[str]) -> bool:
    """An amount written as money ("$80,000", "80k", "80 grand"), not a bare number."""
    return bool(m.group("pre") or m.group("post") or m.group("mult"))


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
        if before and before[-1].end() == len(head):
            text = head[: before[-1].start()] + text[m.end() :]
    return text


# --------------------------------------------------------------------------------------------
# Numbers: pricing factor and amount
# --------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.,/])(?:[x×@]\s?)?(\d*[.,]\d+|\d+)\s*(%|pct\b|percent\b)?")
_DIMENSION_NEXT = re.compile(r"\s*[x×]\s*\d|[a-wyzA-WYZ\d\"'/]")
MAX_FACTOR = Decimal("1.5")
# What may follow a whole-number factor said alone: "52", "52.", "52 (as always)".
_WHOLE_ALONE = re.compile(r"\s*(?:$|[,.;(!]|[-–—]\s)")


def _two_places(value: Decimal) -> Decimal:
    """At least two decimals ("0.5" -> "0.50") without dropping a third ("0.525")."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return value.quantize(Decimal("0.01"))
    return value


def parse_factor(text: str) -> Decimal | None:
    """A pricing factor: ".52", "0.52", "x0.52", "52%", "0,47" -> Decimal("0.52").

    The first number of the value is read, so "0.51 (approved by Lena)" works, but
    placeholders and anything outside 0 < f <= 1.5 give None: "TBD", "30x48", "2 options".
    A percentage is divided by 100, and so is a bare whole number from 20 to 99 said as
    the whole value ("52", "52 (as always)": the percentage without its sign); a whole
    number with more after it ("52 casements", "30 days") is no factor.
    """
    if is_no_value(text):
        return None
    m = _NUMBER.search(text)
    if not m or (not m.group(2) and _DIMENSION_NEXT.match(text, m.end())):
        return None
    try:
        value = Decimal(m.group(1).replace(",", "."))
    except InvalidOperation:
        return None
    if m.group(2):
        value = value / 100
    elif m.group(1).isdigit() and value > 1:
        if not (20 <= value <= 99 and _WHOLE_ALONE.match(text, m.end())):
            return None
        value = value / 100
    if not (Decimal(0) < value <= MAX_FACTOR):
        return None
    return _two_places(value)


_AMOUNT = re.compile(
    r"(?P<pre>(?:CA|C|US|CAD|USD)?\$|CAD|USD)?\s*"
    r"(?P<num>\d{1,3}(?:[ \u00a0\u202f\u2009,.]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
    r"\s*(?P<mult>k|m|mm|thousand|million|grand)?\b\s*(?P<post>\$|CAD|USD|dollars?)?",
    re.IGNORECASE,
)


def _decimal_from_grouped(num: str) -> Decimal | None:
    """ "48,500" / "48 500" / "48.500,00" / "212,750.00" -> Decimal, deciding the separators.

    The last separator is the decimal one when one or two digits follow it; every other
    separator groups thousands.
    """
    num = re.sub(r"[\u00a0\u202f\u2009 ]", " ", num)
    m = re.match(r"^(.*?)[.,](\d{1,2})$", num)
    whole, cents = (m.group(1), m.group(2)) if m else (num, "")
    whole = re.sub(r"[ ,.]", "", whole)
    try:
        return Decimal(f"{whole}.{cents}" if cents else whole)
    except InvalidOperation:
        return None


_ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "a": 1, "an": 1,
}  # fmt: skip
_SCALES = {"thousand": 1000, "grand": 1000, "million": 1_000_000}
# "forty-two thousand dollars", "eighty five thousand", "a quarter million", "half a million",
# "one hundred twenty thousand": a sum in words, which must end in a scale word.
_WORDS_AMOUNT = re.compile(
    r"(?<![\w-])(?P<words>(?:(?:"
    + "|".join(sorted(_ONES, key=len, reverse=True))
    + r"|hundred|and|half|quarter)[\s-]+)+(?:thousand|grand|million)"
    r"(?:[\s-]+(?:and[\s-]+)?(?:"
    + "|".join(sorted(set(_ONES) - {"a", "an"}, key=len, reverse=True))
    + r"|hundred|thousand)\b)*)\b(?:\s+(?:dollars|bucks))?",
    re.IGNORECASE,
)


def _words_value(words: str) -> Decimal | None:
    """The number a sum in words names, or None when the words do not make one."""
    total, current, fraction = 0, 0, Decimal(0)
    seen_number = added = False
    split = re.split(r"[\s-]+", words.lower())
    for i, word in enumerate(split):
        if word in ("a", "an") and split[i + 1 : i + 2] in (["half"], ["quarter"]):
            continue  # "and a half": the article of the fraction, not one
        if word in _ONES:
            current += _ONES[word]
            seen_number = True
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in ("half", "quarter"):
            fraction = Decimal("0.5") if word == "half" else Decimal("0.25")
            added = seen_number  # "thirty-eight and a half": after the number, added to it
        elif word in _SCALES:
            if fraction and added:  # "thirty-eight and a half thousand"
                total += int((current + fraction) * _SCALES[word])
            elif fraction and current <= 1:  # "a quarter million", "half a million"
                total += int(fraction * _SCALES[word])
            elif seen_number:
                total += current * _SCALES[word]
            else:
                return None
            current, fraction, seen_number, added = 0, Decimal(0), False, False
        elif word != "and":
            return None
    value = Decimal(total + current)
    return value if value > 0 else None


def _first_amount(text: str) -> re.Match[str] | None:
    """The value's amount: the first one carrying a currency mark, a k or a scale ("end of
    Q2 / ~$112k" is 112k), else the first bare number that is not part of a word ("Q2")."""
    bare = None
    for m in _AMOUNT.finditer(text):
        if _is_marked(m):
            return m
        start = m.start("num")
        if bare is None and not (start and text[start - 1].isalpha()):
            bare = m
    return bare


def parse_amount(text: str) -> Decimal | None:
    """A money amount: "$48,500", "$48.5k", "48 500 $", "$212,750.00", "42 grand",
    "forty-two thousand dollars" -> Decimal("48500.00").

    Returns the first amount of the value with two decimals; None for placeholders.
    """
    if is_no_value(text):
        return None
    m = _first_amount(text)
    if not m:
        words = _WORDS_AMOUNT.search(text)
        value = _words_value(words["words"]) if words else None
        return value.quantize(Decimal("0.01")) if value is not None else None
    value = _decimal_from_grouped(m.group("num"))
    if value is None:
        return None
    mult = (m.group("mult") or "").lower()
    if mult in ("k", "thousand", "grand"):
        value *= 1000
    elif mult in ("m", "mm", "million"):
        value *= 1_000_000
    if value <= 0:
        return None
    return value.quantize(Decimal("0.01"))


def find_amount(text: str) -> Decimal | None:
    """The first amount in running text that carries a currency mark ($, CAD), a k or a
    scale ("42 grand"); else the first sum written in words ("forty-two thousand")."""
    for m in _AMOUNT.finditer(text):
        if _is_marked(m):
            return parse_amount(m.group(0))
    words = _WORDS_AMOUNT.search(text)
    value = _words_value(words["words"]) if words else None
    return value.quantize(Decimal("0.01")) if value is not None else None


# --------------------------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------------------------


def normalise_phone(text: str, region: str = "CA") -> str | None:
    """A phone number in E.164 ("+14035550199"), its extension left out; None if there is none.

    "(780) 555-0164", "403 555 0193", "780-555-0175 (ext. 2 at the gate)" all work: the first
    number found in the text is taken, so a label value with a comment around it is fine.
    """
    found = find_phones(text, region)
    if found:
        return found[0][0]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_LONG_RUN = re.compile(r"\S{40,}")


def blank_long_runs(text: str) -> str:
    """`text` with every run of 40+ non-space characters (encoded data, URLs, hashes) turned
    into spaces of the same length: no name or phone is in one, and regex and tokenizer work
    on them grows fast, so they are skipped while offsets stay those of `text`."""
    return _LONG_RUN.sub(lambda m: " " * len(m.group(0)), text)


_SEVEN_DIGITS = re.compile(r"(?:\d\D{0,4}){6}\d")
# In North America a number one can dial from anywhere has ten digits (an area code, then
# seven), and only such numbers are kept (see _line_phones); the matcher need not see less.
_TEN_DIGITS = re.compile(r"(?:\d\D{0,4}){9}\d")


@lru_cache(maxsize=16)
def _enough_digits(region: str) -> re.Pattern[str]:
    return _TEN_DIGITS if phonenumbers.country_code_for_region(region) == 1 else _SEVEN_DIGITS


def find_phones(text: str, region: str = "CA") -> list[tuple[str, int, int]]:
    """Every phone number in running text as (E.164, start, end), in order of appearance.

    libphonenumber's matcher is slow on long texts full of digits (logs, tables, encoded
    junk), so it only sees the lines that hold as many digits as a number of the region can
    (ten in North America, else seven); a number never spans lines.
    A fresh list each call: the memo behind it is shared.
    """
    return list(_text_phones(text, region))


# What str.splitlines ends a line at (one break per line, "\r\n" counted as one).
_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@lru_cache(maxsize=4096)
def _text_phones(text: str, region: str) -> tuple[tuple[str, int, int], ...]:
    """find_phones, memoised: one message's text is asked for its phones by several readers
    (the caller's phone, the address scan, each sentence of the description)."""
    # Most texts asked hold no seven digits at all, and then no line of them does: a long
    # run is blanked whole, bounded by spaces, so a match on a blanked line is never in
    # one and is the same characters in `text`.
    enough = _enough_digits(region)
    if not enough.search(text):
        return ()
    out: list[tuple[str, int, int]] = []
    offset = 0
    for line in blank_long_runs(text).splitlines(keepends=True):
        if enough.search(line):
            # asked without its line break, which no number includes: a sentence cut from
            # a line and the line itself then share one memo entry
            body = line.rstrip(_LINE_BREAKS)
            out.extend((e164, offset + s, offset + e) for e164, s, e in _line_phones(body, region))
        offset += len(line)
    return tuple(out)


# A North American number written 3-3-4 with separators, which libphonenumber's matcher
# misses when more digits follow on the line ("587 555 0119 2207 Erin Woods Dr").
_NANP_SHAPE = re.compile(r"(?<![\d-])(?:\+?1[\s.-])?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\d-])")


_DIALLABLE = phonenumbers.ValidationResult.IS_POSSIBLE
# A fraction of an inch ("1/2", "3/4", "5/16") as sizes are written
_INCH_FRACTION = re.compile(r"(?<![\d/])\d{1,2}/(?:2|4|8|16|32)(?![\d/])")


@lru_cache(maxsize=4096)
def _line_phones(line: str, region: str) -> tuple[tuple[str, int, int], ...]:
    found = [
        (phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164), m.start, m.end)
        for m in phonenumbers.PhoneNumberMatcher(
            line, region, leniency=phonenumbers.Leniency.POSSIBLE
        )
        # a number one can dial from anywhere: seven digits with no area code ("5316 112
        # Street NW" is a street address) are possible only as a local number
        if phonenumbers.is_possible_number_with_reason(m.number) == _DIALLABLE
        # "(23-1/2 x 47-1/2) - 11": sizes in inches and fractions are no number to call
        and not _INCH_FRACTION.search(m.raw_string)
    ]
    for m in _NANP_SHAPE.finditer(line):
        if any(s < m.end() and m.start() < e for _, s, e in found):
            continue
        try:
            number = phonenumbers.parse(m.group(0), region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            found.append((e164, m.start(), m.end()))
    return tuple(sorted(found, key=lambda x: x[1]))


# --------------------------------------------------------------------------------------------
# Rural addresses
# --------------------------------------------------------------------------------------------

# A Canadian rural address has no street: a box, a site and a rural route, in any order
# ("Box 19, Site 7, RR 2" or "RR 1, Site 4, Box 22"), then the town, province and postal code.
_RURAL_PART = (
    r"(?:(?:P\.?\s?O\.?\s+)?Box|Site|R\.?\s?R\.?|Rural Route|Comp(?:artment)?)\s*#?\s*\d{1,5}"
)
_RURAL_PROVINCE = (
    r"(?:AB|BC|SK|MB|ON|QC|NS|NB|PE|NL|YT|NT|NU|Alberta|Saskatchewan|Manitoba|Ontario)"
)
_RURAL_ADDRESS = guarded(
    re.compile(
        rf"(?<![\w-]){_RURAL_PART}(?:\s*[,;\n]\s*{_RURAL_PART}){{1,3}}"
        r"\s*[,\n]\s*(?P<town>[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*){0,2})"
        # the province, or the end of the line ("RR 2, Site 5, Box 12, Okotoks")
        rf"(?:\s*[,\n]?[ \t]*{_RURAL_PROVINCE}\b"
        r"(?:[ \t,]+[A-Z]\d[A-Z][ \t]?\d[A-Z]\d\b)?|(?=[ \t.]*(?:\n|$)))"
    )
)


def find_rural_addresses(text: str) -> list[tuple[int, int, str]]:
    """Rural-route addresses in a text as (start, end, value), the value on one line with
    its parts joined by ", " ("Box 19, Site 7, RR 2, Morinville, AB T8R 1P5")."""
    out = []
    for m in _RURAL_ADDRESS.finditer(text):
        value = re.sub(r"\s*[,;\n]\s*", ", ", m.group(0).strip())
        value = re.sub(r"[ \t]+", " ", value)
        value = re.sub(r"\b(AB|BC|SK|MB|ON|QC|NS|NB|PE|NL|YT|NT|NU),\s", r"\1 ", value)
        out.append((m.start(), m.end(), value))
    return out


# --------------------------------------------------------------------------------------------
# Picklists and accounts
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=16384)
def _plural_free(key: str) -> str:
    """ "approvals" and "approval" compare equal; so do "submission" and "submissions"."""
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in key.split())


def match_picklist(
    text: str, values: Iterable[str], synonyms: Mapping[str, Iterable[str]] | None = None
) -> str | None:
    """The canonical picklist value that `text` names, or None.

    Case, accents, spacing, punctuation and a plural "s" do not matter; a parenthesis
    ("Approbation (90 %)") is ignored; synonyms map other wordings ("proj w/ install") to
    their canonical value. Never guesses between values: an unknown word gives None.
    """
    values = list(values)
    if not text or is_no_value(text):
        return None
    candidates = [text, re.sub(r"\([^)]*\)", " ", text)]
    table: dict[str, str] = {}
    for value in values:
        table.setdefault(_plural_free(fold(value)), value)
    for canonical, words in (synonyms or {}).items():
        if canonical not in values:
            continue
        for word in words:
            table.setdefault(_plural_free(fold(word)), canonical)
    for candidate in candidates:
        key = _plural_free(fold(candidate))
        if key in table:
            return table[key]
    return None


_LEGAL_SUFFIX = re.compile(
    r"\b(?:ltd|limited|inc|incorporated|corp|corporation|co|company|llc|llp|ltee|enr)\b"
)
FUZZY_ACCOUNT_THRESHOLD = 90.0
_FUZZY_MIN_LENGTH = 6  # short aliases (PCH, BVR) are too close to other words to be fuzzy


@lru_cache(maxsize=8192)
def account_key(name: str) -> str:
    """Comparison key of an account name: folded, "and" for "&", no legal suffix, no "'s"."""
    key = " " + fold(name).replace("’", "'") + " "
    key = key.replace(" and ", " ")
    key = re.sub(r"\b(\w+) s\b", r"\1", key)  # Ridgeline's -> ridgeline
    key = _LEGAL_SUFFIX.sub(" ", key)
    return re.sub(r"\s+", " ", key).strip()


def _account_keys(account: Account) -> frozenset[str]:
    return _names_keys(account.name, tuple(account.aliases))


@lru_cache(maxsize=1024)
def _names_keys(name: str, aliases: tuple[str, ...]) -> frozenset[str]:
    keys = {account_key(n) for n in [name, *aliases]} - {""}
    # "A&O" for "Aspen & Oak": the initials of a name joined by an ampersand
    for written in [name, *aliases]:
        words = account_key(written).split()
        if re.search(r"&|\band\b", written) and 2 <= len(words) <= 3:
            keys.add(" ".join(w[0] for w in words))
    return frozenset(keys)


def match_account(text: str, org: Organisation) -> Account | None:
    """The known account that `text` names: exact name or alias first, then a close spelling.

    Short aliases (PCH, BVR) only match exactly. The fuzzy step is strict (similarity of at
    least 90 over the whole name) and must be unambiguous, so a misspelling like "Praire
    Crest Homes" is recognised but a different company is never turned into a known one.
    """
    key = account_key(text)
    if not key:
        return None
    by_id = org.accounts.get(text.strip().upper())
    if by_id:
        return by_id
    for account in org.accounts.values():
        if key in _account_keys(account):
            return account
    if len(key) < _FUZZY_MIN_LENGTH:
        return None
    scored: list[tuple[float, Account]] = []
    for account in org.accounts.values():
        names = [k for k in _account_keys(account) if len(k) >= _FUZZY_MIN_LENGTH]
        score = max((fuzz.ratio(key, k) for k in names), default=0.0)
        if score >= FUZZY_ACCOUNT_THRESHOLD:
            scored.append((score, account))
    scored.sort(key=lambda pair: -pair[0])
    if len(scored) == 1 or (len(scored) > 1 and scored[0][0] - scored[1][0] >= 5):
        return scored[0][1]
    return None


# --------------------------------------------------------------------------------------------
# Dictated text
# --------------------------------------------------------------------------------------------

_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_ORDINAL_SAID = r"(?:(?P<tens>twenty|thirty)[\s-]+)?(?P<ord>" + "|".join(_ORDINAL_WORDS) + r")"
_MONTH_THEN_ORDINAL = cued(
    re.compile(
        r"\b(?P<month>" + "|".join(_MONTHS_EN) + r")\s+(?:the\s+)?" + _ORDINAL_SAID + r"\b",
        re.IGNORECASE,
    )
)
_POINT_DIGITS = cued(
    re.compile(r"(?<![\w.])point((?:\s+(?:" + "|".join(_DIGIT_WORDS) + r")\b){1,3})", re.IGNORECASE)
)
# "BVR dash Elbow Drive": a spoken dash between two words, the second capitalised
_SPOKEN_DASH = cued(re.compile(r"(?<=\w)\s+dash\s+(?=[A-Z0-9])"))
# "... on the casements period thanks Priya": a spoken full stop before a sign-off or at the end
_SPOKEN_PERIOD = cued(
    re.compile(r"\s+period(?=\s+(?:thanks|thank you|thx|cheers|regards)\b|\s*$)", re.IGNORECASE)
)


def from_speech(text: str) -> str:
    """Dictated words written as typed: "point five two" -> ".52", "December fifteenth" ->
    "December 15", "BVR dash Elbow Drive" -> "BVR - Elbow Drive", "... casements period
    thanks" -> "... casements. thanks". Anything else is left as it is."""

    def ordinal(m: re.Match[str]) -> str:
        day = _ORDINAL_WORDS[m["ord"].lower()]
        if m["tens"]:
            if day > 9:
                return m.group(0)
            day += 20 if m["tens"].lower() == "twenty" else 30
        if day > 31:
            return m.group(0)
        return f"{m['month']} {day}"

    text = _MONTH_THEN_ORDINAL.sub(ordinal, text)
    text = _POINT_DIGITS.sub(
        lambda m: "." + "".join(_DIGIT_WORDS[w.lower()] for w in m.group(1).split()), text
    )
    text = _SPOKEN_DASH.sub(" - ", text)
    text = _FACTOR_IN_WORDS.sub(_factor_in_digits, text)
    return _SPOKEN_PERIOD.sub(".", text)


# "factor fifty four": a factor said as a whole number in words (the number words of
# amounts, `_ONES`: its tens twenty to ninety, then one to nine)
_TENS = [w for w, n in _ONES.items() if n >= 20]
_UNITS = [w for w, n in _ONES.items() if 1 <= n <= 9 and w not in ("a", "an")]
_FACTOR_IN_WORDS = cued(
    re.compile(
        r"\b(?P<label>factor|fctr|multiplier)(?P<cue>\s+(?:of|is|at)\s+|\s+)"
        rf"(?P<tens>{'|'.join(_TENS)})(?:[\s-](?P<units>{'|'.join(_UNITS)}))?\b",
        re.IGNORECASE,
    )
)


def _factor_in_digits(m: re.Match[str]) -> str:
    number = _ONES[m["tens"].lower()] + (_ONES[m["units"].lower()] if m["units"] else 0)
    return f"{m['label']}{m['cue']}{number}"
