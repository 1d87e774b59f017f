"""Dates as people write them: absolute, relative to the message's Date, in running text."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

from intake.parsers.first_chars import guarded
from intake.parsers.normalise.folding import fold, is_no_value

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
# "15.7.", "03.08.": a day and a month, each closed by a stop (a decimal has one stop)
_DOTTED_DAY_MONTH = re.compile(r"(\d{1,2})\.(\d{1,2})\.")


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
    dotted = _DOTTED_DAY_MONTH.fullmatch(text.strip().rstrip(",;:)"))
    if dotted:  # "15.7.": day then month, as German and Nordic writers put it
        return _month_day(int(dotted[1]), int(dotted[2]), _naive_local(now).date(), "DMY")
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
    raw = _HALF_DAY_AFTER_WEEKDAY.sub("", raw)  # "Thurs AM": the day is Thursday
    return _dateparser_date(_SHORT_WEEKDAY.sub(_full_weekday, raw), now, tuple(languages))


# "tmrw EOD", "tmr am", "2moro": tomorrow as people text it
TOMORROW_SHORT_RE = r"(?:tmrw|tmrow|tmr|tmw|2mor+ow|2moro)"
_TOMORROW_SHORT = re.compile(rf"\b{TOMORROW_SHORT_RE}\b", re.IGNORECASE)
# "EOD Wed Nov 5", "COB Friday": the end of the day named after it
_DAY_END_BEFORE = re.compile(r"^(?i:eod|cob|end of (?:the )?day)\s+(?=\S)")
_DAY_END_ALONE = re.compile(r"(?i:eod|cob|end\s+of\s+(?:the\s+)?day)")
# "Thurs AM", "Friday p.m.": the half of the day after a weekday, which dateparser does not read
_HALF_DAY_AFTER_WEEKDAY = re.compile(r"(?<=[a-z])\s+(?:am|pm|a\.m\.|p\.m\.)$", re.IGNORECASE)
# "thurs noon", "weds", "tues am": the short weekday names dateparser does not know
_SHORT_WEEKDAY = re.compile(r"\b(thurs?|tues|weds)\b\.?", re.IGNORECASE)
_FULL_WEEKDAY = {"thur": "Thursday", "thurs": "Thursday", "tues": "Tuesday", "weds": "Wednesday"}


def _full_weekday(m: re.Match[str]) -> str:
    return _FULL_WEEKDAY[m.group(1).lower()]


def _dateparser_date(raw: str, now: datetime, languages: tuple[str, ...]) -> date | None:
    return _dateparser_reading(raw, _naive_local(now), languages)


@lru_cache(maxsize=256)
def _dateparser_reading(raw: str, base: datetime, languages: tuple[str, ...]) -> date | None:
    """dateparser's reading of `raw` from the wall-clock time `base`, memoised: a message's
    short lines are read for a date by several readers (its bare lines, its cells, a
    subject's shorthand), and dateparser costs about a millisecond a reading. (Keyed by the
    wall-clock time: two zones' same instant are equal datetimes, but not the same day.)"""
    import dateparser  # imported here: it takes a second to load, and only dates need it

    settings = {
        "RELATIVE_BASE": base,
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
# (guarded: tried only where a date can start, for it runs over every clause a cue precedes)
_DATE_IN_TEXT = guarded(
    re.compile(
        r"(?<![\w/.-])(?:"
        r"\d{4}-\d{1,2}-\d{1,2}"
        r"|\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})"
        r"|\d{1,2}\.\d{1,2}\.(?![\w.])"
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
