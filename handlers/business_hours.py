"""Business calendars for SLA clocks: when a team is open, and when a target falls due.

A team works in its own time zone on some days of the week between an opening and a closing
wall-clock time, and is closed on the public holidays of a country/subdivision (the `holidays`
package) and on extra dates the organisation file lists. Time outside those hours does not
count towards a business-hours target.

Each day is worked out in local wall-clock time and only then turned into instants, so a
daylight-saving change never moves the opening or closing hour: 08:00-17:00 is nine hours on the
day the clocks change as on any other. Hours that straddle the change itself count the time that
really passes (01:00-05:00 is three hours on the spring-forward night, five on the fall-back
one). A wall-clock time that does not exist that day (02:30 on the spring-forward night) happens
when the clocks jump past it; one that happens twice (01:30 on the fall-back night) happens the
first time: in both cases the first instant at which the local clock reads that time or later.

Everything here is pure: no database, no clock, no I/O. Datetimes passed in must be aware;
datetimes returned are aware and in UTC.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MIDNIGHT = time(0)
ZERO = timedelta(0)
MAPPING_KEYS = ("time_zone", "days", "hours", "holidays", "closed")

_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ALIASES = {
    **{name: i for i, name in enumerate(DAY_NAMES)},
    **{name: i for i, name in enumerate(_FULL_DAY_NAMES)},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-\u2013]\s*(\d{1,2}):(\d{2})\s*$")
_NO_HOLIDAYS = {"", "none"}


@dataclass(frozen=True)
class BusinessCalendar:
    """When one team works. `days` are weekday numbers (0 = Monday .. 6 = Sunday); `closes`
    at midnight (time(0)) means the end of the day, so 00:00-00:00 is the whole day. Public
    holidays come from `country`/`subdivision` as the `holidays` package names them ("CA",
    "AB"); `closed_dates` are extra local dates the team does not work."""

    time_zone: str
    days: frozenset[int]
    opens: time
    closes: time
    country: str | None = None
    subdivision: str | None = None
    closed_dates: frozenset[date] = frozenset()
    # A calendar that counts whole working days is open all day; it keeps the team's real
    # hours here, so reminders can still wait for the team to be at work (quiet hours).
    working_hours: BusinessCalendar | None = None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc
        if not self.days or not all(isinstance(d, int) and 0 <= d <= 6 for d in self.days):
            raise ValueError(f"days must be weekday numbers 0-6, at least one: {self.days!r}")
        for name in ("opens", "closes"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"{name} must be a naive wall-clock time, got {value!r}")
        if self.closes != MIDNIGHT and self.closes <= self.opens:
            raise ValueError(
                f"closes ({self.closes:%H:%M}) must be after opens ({self.opens:%H:%M}); "
                "hours that run past midnight are not supported"
            )
        if self.subdivision is not None and self.country is None:
            raise ValueError(f"subdivision {self.subdivision!r} given without a country")
        if self.country is not None:
            try:
                holidays_lib.country_holidays(self.country, subdiv=self.subdivision)
            except NotImplementedError as exc:
                raise ValueError(f"no public holidays known for {self.holiday_region}") from exc
        for day in self.closed_dates:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"closed dates must be dates, got {day!r}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def holiday_region(self) -> str | None:
        """ "CA-AB", "CA" or None, as written in the organisation file."""
        if self.country is None:
            return None
        return self.country if self.subdivision is None else f"{self.country}-{self.subdivision}"

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str, Any], base: BusinessCalendar | None = None
    ) -> BusinessCalendar:
        """A calendar as the organisation file writes it::

            time_zone = "America/Edmonton"
            days = ["mon", "tue", "wed", "thu", "fri"]
            hours = "08:00-17:00"
            holidays = "CA-AB"          # or "CA", or "none"
            closed = ["2026-12-24", 2026-12-31]   # strings or TOML dates

        Keys left out keep the value of `base` (the module default unless given), so a team's
        table need only say where it differs from the organisation's. A bad value raises a
        ValueError that names its key."""
        base = DEFAULT_CALENDAR if base is None else base
        if not isinstance(mapping, Mapping):
            raise ValueError(f"a business calendar must be a table, got {mapping!r}")
        unknown = sorted(str(k) for k in mapping if k not in MAPPING_KEYS)
        if unknown:
            raise ValueError(
                f"unknown business calendar key(s) {', '.join(map(repr, unknown))}; "
                f"expected {', '.join(MAPPING_KEYS)}"
            )
        values: dict[str, Any] = {
            "time_zone": base.time_zone,
            "days": base.days,
            "opens": base.opens,
            "closes": base.closes,
            "country": base.country,
            "subdivision": base.subdivision,
            "closed_dates": base.closed_dates,
        }
        if "time_zone" in mapping:
            values["time_zone"] = _time_zone(mapping["time_zone"])
        if "days" in mapping:
            values["days"] = _days(mapping["days"])
        if "hours" in mapping:
            values["opens"], values["closes"] = _hours(mapping["hours"])
        if "holidays" in mapping:
            values["country"], values["subdivision"] = _holiday_region(mapping["holidays"])
        if "closed" in mapping:
            values["closed_dates"] = _closed(mapping["closed"])
        try:
            return cls(**values)
        except ValueError as exc:  # a combination of keys that is wrong, e.g. closes <= opens
            raise ValueError(f"business calendar: {exc}") from exc


def _bad(key: str, expected: str, value: Any) -> ValueError:
    return ValueError(f"business calendar {key!r} must be {expected}, got {value!r}")


def _time_zone(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad("time_zone", "an IANA time zone name like 'America/Edmonton'", value)
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _bad("time_zone", "an IANA time zone name like 'America/Edmonton'", value) from exc
    return value.strip()


def _days(value: Any) -> frozenset[int]:
    expected = "a list of day names like ['mon', 'tue', 'wed', 'thu', 'fri']"
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _bad("days", expected, value)
    days: set[int] = set()
    for item in value:
        if not isinstance(item, str) or item.strip().lower() not in _DAY_ALIASES:
            raise _bad("days", expected, value)
        days.add(_DAY_ALIASES[item.strip().lower()])
    if not days:
        raise _bad("days", expected, value)
    return frozenset(days)


def _hours(value: Any) -> tuple[time, time]:
    expected = "opening and closing times like '08:00-17:00'"
    m = _HOURS.match(value) if isinstance(value, str) else None
    if not m:
        raise _bad("hours", expected, value)
    oh, om, ch, cm = (int(g) for g in m.groups())
    if oh > 23 or om > 59 or cm > 59 or ch > 24 or (ch == 24 and cm != 0):
        raise _bad("hours", expected, value)
    opens, closes = time(oh, om), (MIDNIGHT if ch == 24 else time(ch, cm))
    if closes != MIDNIGHT and closes <= opens:
        raise _bad("hours", "a closing time after the opening time (same day)", value)
    return opens, closes


def _holiday_region(value: Any) -> tuple[str | None, str | None]:
    expected = "a country or country-subdivision code like 'CA' or 'CA-AB', or 'none'"
    if not isinstance(value, str):
        raise _bad("holidays", expected, value)
    text = value.strip()
    if text.lower() in _NO_HOLIDAYS:
        return None, None
    country, dash, subdivision = text.upper().partition("-")
    if not country or (dash and not subdivision):
        raise _bad("holidays", expected, value)
    try:
        holidays_lib.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError as exc:
        raise ValueError(f"business calendar 'holidays' {value!r}: {exc}") from exc
    return country, subdivision or None


def _closed(value: Any) -> frozenset[date]:
    expected = "a list of dates like ['2026-12-24']"
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _bad("closed", expected, value)
    found: set[date] = set()
    for item in value:
        if isinstance(item, datetime) or not isinstance(item, str | date):
            raise _bad("closed", expected, item)
        if isinstance(item, date):
            found.add(item)
            continue
        try:
            found.add(date.fromisoformat(item.strip()))
        except ValueError as exc:
            raise _bad("closed", expected, item) from exc
    return frozenset(found)


DEFAULT_CALENDAR = BusinessCalendar(
    time_zone="America/Edmonton",
    days=frozenset(range(5)),
    opens=time(8, 0),
    closes=time(17, 0),
    country="CA",
    subdivision="AB",
)


# --- the days ----------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays(country, subdiv=subdivision, years=year))


def is_working_day(cal: BusinessCalendar, day: date) -> bool:
    """Whether `day` (a local date) is one the team works at all."""
    if day.weekday() not in cal.days or day in cal.closed_dates:
        return False
    if cal.country is None:
        return True
    return day not in _public_holidays(cal.country, cal.subdivision, day.year)


def _instant(zone: ZoneInfo, day: date, at: time) -> datetime:
    """The first instant (UTC) at which the local clock on `day` reads `at` or later."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)  # fold=0: the earlier of two
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # `wall` falls in a gap: the clocks jump past it, at the transition. fold=1 reads it with
    # the offset after the jump (an instant before it), fold=0 with the one before (after it).
    lo = math.floor(wall.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    hi = math.ceil(first.timestamp())
    while hi - lo > 1:  # tz transitions fall on whole seconds
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


@lru_cache(maxsize=4096)
def _window(cal: BusinessCalendar, day: date) -> tuple[datetime, datetime] | None:
    """The UTC opening and closing instants of a local date, or None when closed all day.

    Kept per calendar and day (a calendar is immutable, the answer too): every clock a
    message starts asks for the same few days, a dozen times, and each answer took two
    conversions through the time zone and a holiday look-up (~25 us, 1 us from the cache)."""
    if not is_working_day(cal, day):
        return None
    zone = cal.zone
    opens = _instant(zone, day, cal.opens)
    if cal.closes == MIDNIGHT:
        closes = _instant(zone, day + timedelta(days=1), MIDNIGHT)
    else:
        closes = _instant(zone, day, cal.closes)
    return opens, closes


def _windows_from(cal: BusinessCalendar, day: date) -> Iterator[tuple[datetime, datetime]]:
    """Working windows of `day` and every later day, in order, one day per step."""
    while True:
        window = _window(cal, day)
        if window is not None:
            yield window
        day += timedelta(days=1)


def _utc(at: datetime, name: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {at!r}")
    return at.astimezone(UTC)


def _local_date(cal: BusinessCalendar, at_utc: datetime) -> date:
    return at_utc.astimezone(cal.zone).date()


# --- the clock ---------------------------------------------------------------------------


def is_open(cal: BusinessCalendar, at: datetime) -> bool:
    """Whether the team is working at `at` (opening instant included, closing excluded)."""
    at_utc = _utc(at, "at")
    window = _window(cal, _local_date(cal, at_utc))
    return window is not None and window[0] <= at_utc < window[1]


def next_opening(cal: BusinessCalendar, at: datetime) -> datetime:
    """`at` when the team is working then (its closing instant included: a deadline at the
    close of business is told at once), else the start of its next working window: when a
    reminder due at night or on a holiday is sent (its due time does not move)."""
    at_utc = _utc(at, "at")
    for opens, closes in _windows_from(cal, _local_date(cal, at_utc) - timedelta(days=1)):
        if closes >= at_utc:
            return max(opens, at_utc)
    raise AssertionError("unreachable: a calendar always opens again")  # pragma: no cover


def add_business_time(cal: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    """The first instant (UTC) by which `amount` of working time has passed since `start`.

    Time before the next opening does not count, so a start outside hours counts from that
    opening; a target that runs out exactly at a closing falls due at the closing, not at the
    next opening. A zero amount is due at `start` itself."""
    start_utc = _utc(start, "start")
    if amount < ZERO:
        raise ValueError(f"amount must not be negative, got {amount!r}")
    if amount == ZERO:
        return start_utc
    remaining = amount
    for opens, closes in _windows_from(cal, _local_date(cal, start_utc)):
        begin = max(opens, start_utc)
        if begin >= closes:
            continue
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    raise AssertionError("unreachable: the days never end")  # pragma: no cover


def business_time_between(cal: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time from `start` to `end`; zero when `end` is not after `start`."""
    start_utc, end_utc = _utc(start, "start"), _utc(end, "end")
    if end_utc <= start_utc:
        return ZERO
    total = ZERO
    day, last = _local_date(cal, start_utc), _local_date(cal, end_utc)
    while day <= last:
        window = _window(cal, day)
        if window is not None:
            begin, finish = max(window[0], start_utc), min(window[1], end_utc)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total


def add_wall_time(start: datetime, amount: timedelta) -> datetime:
    """`amount` of elapsed time after `start` (UTC), daylight-saving changes notwithstanding:
    72 h are 72 real hours even when the clocks change in between."""
    return _utc(start, "start") + amount


def due_at(cal: BusinessCalendar, start: datetime, amount: timedelta, business: bool) -> datetime:
    """When a target of `amount` started at `start` falls due (UTC): in working time on `cal`
    when `business`, else in elapsed wall-clock time."""
    if business:
        return add_business_time(cal, start, amount)
    return add_wall_time(start, amount)
