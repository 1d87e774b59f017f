"""Business calendars: opening hours, Alberta holidays, extra closed days, daylight saving."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from intake.handlers import business_hours as bh
from intake.handlers.business_hours import (
    DAY_NAMES,
    DEFAULT_CALENDAR,
    BusinessCalendar,
    add_business_time,
    add_wall_time,
    business_time_between,
    due_at,
    is_open,
    next_opening,
)

EDMONTON = ZoneInfo("America/Edmonton")
H = timedelta(hours=1)
MIN = timedelta(minutes=1)


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=EDMONTON, fold=fold)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def every_day(hours: str) -> BusinessCalendar:
    """Seven days a week in Edmonton, no holidays: the DST Sundays are working days."""
    return BusinessCalendar.from_mapping(
        {"days": list(DAY_NAMES), "hours": hours, "holidays": "none"}
    )


SEVEN = every_day("08:00-17:00")
NIGHT = every_day("01:00-05:00")  # straddles the 02:00 change
ALWAYS = every_day("00:00-24:00")


def later(start: datetime, hours: float, cal: BusinessCalendar = DEFAULT_CALENDAR) -> datetime:
    due = add_business_time(cal, start, timedelta(hours=hours))
    assert due.tzinfo is UTC
    return due


# --- the calendar and its file form ------------------------------------------------------


def test_default_calendar() -> None:
    expected = BusinessCalendar(
        time_zone="America/Edmonton",
        days=frozenset({0, 1, 2, 3, 4}),
        opens=time(8),
        closes=time(17),
        country="CA",
        subdivision="AB",
        closed_dates=frozenset(),
    )
    assert expected == DEFAULT_CALENDAR


def test_from_mapping_as_in_the_brief() -> None:
    cal = BusinessCalendar.from_mapping(
        {
            "time_zone": "America/Edmonton",
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "hours": "08:00-17:00",
            "holidays": "CA-AB",
            "closed": ["2026-12-24", "2026-12-31"],
        }
    )
    assert cal == BusinessCalendar(
        "America/Edmonton",
        frozenset(range(5)),
        time(8),
        time(17),
        "CA",
        "AB",
        frozenset({date(2026, 12, 24), date(2026, 12, 31)}),
    )
    assert cal.holiday_region == "CA-AB"


def test_from_toml_with_bare_dates_and_inherited_keys() -> None:
    table = tomllib.loads(
        """
        [calendar]
        time_zone = "America/Toronto"
        days = ["Monday", "tue", "WED", "thu"]
        hours = "9:30 - 16:00"
        holidays = "ca-on"
        closed = [2026-12-24, "2026-12-31"]
        [partial]
        hours = "07:00-15:00"
        """
    )
    cal = BusinessCalendar.from_mapping(table["calendar"])
    assert cal.time_zone == "America/Toronto"
    assert cal.days == frozenset({0, 1, 2, 3})
    assert (cal.opens, cal.closes) == (time(9, 30), time(16))
    assert (cal.country, cal.subdivision) == ("CA", "ON")
    assert cal.closed_dates == frozenset({date(2026, 12, 24), date(2026, 12, 31)})
    # a team table says only where it differs from the organisation's calendar
    team = BusinessCalendar.from_mapping(table["partial"], base=cal)
    assert team == BusinessCalendar(
        "America/Toronto",
        frozenset({0, 1, 2, 3}),
        time(7),
        time(15),
        "CA",
        "ON",
        cal.closed_dates,
    )
    assert BusinessCalendar.from_mapping({}) == DEFAULT_CALENDAR


@pytest.mark.parametrize(
    ("mapping", "key"),
    [
        ({"timezone": "America/Edmonton"}, "'timezone'"),
        ({"time_zone": "Mars/Olympus_Mons"}, "'time_zone'"),
        ({"time_zone": 7}, "'time_zone'"),
        ({"days": "mon-fri"}, "'days'"),
        ({"days": []}, "'days'"),
        ({"days": ["mon", "funday"]}, "'days'"),
        ({"days": [0, 1, 2]}, "'days'"),
        ({"hours": "8-17"}, "'hours'"),
        ({"hours": "17:00-08:00"}, "'hours'"),
        ({"hours": "08:00-08:00"}, "'hours'"),
        ({"hours": "08:00-25:00"}, "'hours'"),
        ({"hours": "08:60-17:00"}, "'hours'"),
        ({"holidays": "XX"}, "'holidays'"),
        ({"holidays": "CA-ZZ"}, "'holidays'"),
        ({"holidays": "CA-"}, "'holidays'"),
        ({"holidays": True}, "'holidays'"),
        ({"closed": "2026-12-24"}, "'closed'"),
        ({"closed": ["2026-12-32"]}, "'closed'"),
        ({"closed": ["24/12/2026"]}, "'closed'"),
        ({"closed": [datetime(2026, 12, 24, 8)]}, "'closed'"),
        ({"closed": [20261224]}, "'closed'"),
    ],
)
def test_mapping_errors_name_the_key(mapping: dict, key: str) -> None:
    with pytest.raises(ValueError, match=key):
        BusinessCalendar.from_mapping(mapping)


def test_a_mapping_must_be_a_table() -> None:
    with pytest.raises(ValueError, match="table"):
        BusinessCalendar.from_mapping(["hours", "08:00-17:00"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"time_zone": "Nowhere/Special"}, "time zone"),
        ({"days": frozenset()}, "days"),
        ({"days": frozenset({7})}, "days"),
        ({"closes": time(8)}, "closes"),
        ({"country": None}, "subdivision"),
        ({"subdivision": "ZZ"}, "CA-ZZ"),
        ({"closed_dates": frozenset({datetime(2026, 12, 24)})}, "closed dates"),
    ],
)
def test_the_dataclass_checks_itself(changes: dict, message: str) -> None:
    fields = {**DEFAULT_CALENDAR.__dict__, **changes}
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**fields)


def test_naive_datetimes_and_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_open(DEFAULT_CALENDAR, datetime(2026, 6, 10, 9))
    with pytest.raises(ValueError, match="aware"):
        add_business_time(DEFAULT_CALENDAR, datetime(2026, 6, 10, 9), H)
    with pytest.raises(ValueError, match="aware"):
        business_time_between(DEFAULT_CALENDAR, local(2026, 6, 10), datetime(2026, 6, 11))
    with pytest.raises(ValueError, match="negative"):
        add_business_time(DEFAULT_CALENDAR, local(2026, 6, 10, 9), -H)


# --- open or closed ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(2026, 6, 10, 8), True),  # Wednesday, opening instant included
        (local(2026, 6, 10, 7, 59), False),
        (local(2026, 6, 10, 16, 59), True),
        (local(2026, 6, 10, 17), False),  # closing instant excluded
        (utc(2026, 6, 10, 14), True),  # 08:00 MDT given in UTC
        (utc(2026, 6, 10, 13, 59), False),
        (local(2026, 6, 13, 11), False),  # Saturday
        (local(2026, 7, 1, 11), False),  # Canada Day
        (local(2027, 2, 15, 11), False),  # Family Day
        (local(2027, 2, 16, 11), True),
    ],
)
def test_is_open(at: datetime, expected: bool) -> None:
    assert is_open(DEFAULT_CALENDAR, at) is expected


# --- adding working time ------------------------------------------------------------------


def test_across_a_weekend() -> None:
    # Friday 16:00 + 2 h: one hour on Friday, one on Monday
    assert later(local(2026, 6, 12, 16), 2) == utc(2026, 6, 15, 15)  # Mon 09:00 MDT
    assert business_time_between(
        DEFAULT_CALENDAR, local(2026, 6, 12, 16), local(2026, 6, 15, 9)
    ) == timedelta(hours=2)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Family Day, Monday 2027-02-15: Friday 16:00 + 2 h lands on Tuesday
        (local(2027, 2, 12, 16), utc(2027, 2, 16, 16)),  # Tue 09:00 MST
        # Canada Day, Wednesday 2026-07-01
        (local(2026, 6, 30, 16), utc(2026, 7, 2, 15)),  # Thu 09:00 MDT
        # Good Friday 2027-03-26
        (local(2027, 3, 25, 16), utc(2027, 3, 29, 15)),  # Mon 09:00 MDT
        # Christmas 2027 is a Saturday, observed on Monday the 27th
        (local(2027, 12, 24, 16), utc(2027, 12, 28, 16)),  # Tue 09:00 MST
    ],
)
def test_alberta_statutory_holidays(start: datetime, due: datetime) -> None:
    assert later(start, 2) == due


def test_without_holidays_family_day_is_a_working_day() -> None:
    plain = BusinessCalendar.from_mapping({"holidays": "none"})
    assert later(local(2027, 2, 12, 16), 2, plain) == utc(2027, 2, 15, 16)  # Mon 09:00 MST


def test_extra_closed_dates_from_the_mapping() -> None:
    cal = BusinessCalendar.from_mapping({"closed": ["2026-12-24", date(2026, 12, 31)]})
    # 24th closed, 25th Christmas, then the weekend
    assert later(local(2026, 12, 23, 16), 2, cal) == utc(2026, 12, 28, 16)  # Mon 09:00 MST
    # 31st closed, then New Year's Day of the next year's holidays, then the weekend
    assert later(local(2026, 12, 30, 16), 2, cal) == utc(2027, 1, 4, 16)  # Mon 09:00 MST
    # the default calendar works the 24th
    assert later(local(2026, 12, 23, 16), 2) == utc(2026, 12, 24, 16)  # Thu 09:00 MST
    assert not is_open(cal, local(2026, 12, 24, 10))
    assert is_open(DEFAULT_CALENDAR, local(2026, 12, 24, 10))


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (local(2026, 6, 9, 6), 1, utc(2026, 6, 9, 15)),  # before opening: Tue 09:00
        (local(2026, 6, 9, 18, 30), 1, utc(2026, 6, 10, 15)),  # after closing: Wed 09:00
        (local(2026, 6, 9, 17), 1, utc(2026, 6, 10, 15)),  # at closing: Wed 09:00
        (local(2026, 6, 13, 10), 1, utc(2026, 6, 15, 15)),  # Saturday: Mon 09:00
        (local(2026, 6, 14, 23, 59), 1, utc(2026, 6, 15, 15)),  # Sunday night: Mon 09:00
        (local(2026, 6, 9, 7), 9, utc(2026, 6, 9, 23)),  # a full day ends at closing: 17:00
        (local(2026, 6, 9, 7), 9.5, utc(2026, 6, 10, 14, 30)),  # Wed 08:30
    ],
)
def test_start_outside_hours(start: datetime, hours: float, due: datetime) -> None:
    assert later(start, hours) == due


def test_zero_is_due_at_the_start() -> None:
    assert add_business_time(DEFAULT_CALENDAR, local(2026, 6, 13, 10), timedelta(0)) == utc(
        2026, 6, 13, 16
    )


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # 3 h on Wednesday, then Thu, Fri, Mon, Tue and Wed in full: due at Wednesday's close
        (local(2026, 6, 10, 14), utc(2026, 6, 17, 23)),  # Wed 17:00 MDT
        # 2.5 h on Wednesday, five full days, half an hour on Thursday
        (local(2026, 6, 10, 14, 30), utc(2026, 6, 18, 14, 30)),  # Thu 08:30 MDT
        # Remembrance Day (Wed 2026-11-11) pushes it to Thursday 17:00 MST, Friday in UTC
        (local(2026, 11, 4, 14), utc(2026, 11, 13, 0)),
    ],
)
def test_48_business_hours_from_a_wednesday_afternoon(start: datetime, due: datetime) -> None:
    assert later(start, 48) == due


# --- daylight saving ---------------------------------------------------------------------


def test_weekday_calendar_across_the_spring_forward_weekend() -> None:
    # Fri 16:00 MST + 2 h -> Mon 09:00 MDT, which is 15:00 UTC, not 16:00
    assert later(local(2027, 3, 12, 16), 2) == utc(2027, 3, 15, 15)
    # and back across the fall-back weekend: Fri 16:00 MDT -> Mon 09:00 MST
    assert later(local(2026, 10, 30, 16), 2) == utc(2026, 11, 2, 16)


def test_spring_forward_day_keeps_nine_working_hours() -> None:
    # Sunday 2027-03-14: the clocks jump from 02:00 MST to 03:00 MDT
    day = (local(2027, 3, 14), local(2027, 3, 15))
    assert business_time_between(SEVEN, *day) == 9 * H
    assert later(local(2027, 3, 13, 16), 2, SEVEN) == utc(2027, 3, 14, 15)  # Sun 09:00 MDT
    assert later(local(2027, 3, 14, 8), 9, SEVEN) == utc(2027, 3, 14, 23)  # Sun 17:00 MDT
    assert later(local(2027, 3, 13, 16), 11, SEVEN) == utc(2027, 3, 15, 15)  # Mon 09:00 MDT
    assert is_open(SEVEN, utc(2027, 3, 14, 14))  # 08:00 MDT
    assert not is_open(SEVEN, utc(2027, 3, 14, 14) - MIN)


def test_fall_back_day_keeps_nine_working_hours() -> None:
    # Sunday 2026-11-01: the clocks go back from 02:00 MDT to 01:00 MST
    day = (local(2026, 11, 1), local(2026, 11, 2))
    assert business_time_between(SEVEN, *day) == 9 * H
    assert later(local(2026, 10, 31, 16), 2, SEVEN) == utc(2026, 11, 1, 16)  # Sun 09:00 MST
    assert later(local(2026, 11, 1, 8), 9, SEVEN) == utc(2026, 11, 2, 0)  # Sun 17:00 MST
    assert is_open(SEVEN, utc(2026, 11, 1, 15))  # 08:00 MST
    assert not is_open(SEVEN, utc(2026, 11, 1, 15) - MIN)


def test_hours_that_straddle_the_change_count_real_time() -> None:
    # 01:00-05:00 is three real hours on the spring-forward night, five on the fall-back one
    assert business_time_between(NIGHT, local(2027, 3, 14), local(2027, 3, 15)) == 3 * H
    assert business_time_between(NIGHT, local(2027, 3, 13), local(2027, 3, 14)) == 4 * H
    assert business_time_between(NIGHT, local(2026, 11, 1), local(2026, 11, 2)) == 5 * H
    assert later(local(2027, 3, 14, 1), 2, NIGHT) == utc(2027, 3, 14, 10)  # 04:00 MDT
    assert later(local(2027, 3, 14, 1), 3, NIGHT) == utc(2027, 3, 14, 11)  # 05:00 MDT
    assert later(local(2026, 11, 1, 1), 5, NIGHT) == utc(2026, 11, 1, 12)  # 05:00 MST


@pytest.mark.parametrize(
    ("hours", "day", "opens", "closes"),
    [
        # 02:30 never happens on 2027-03-14: the team opens when the clocks jump, 03:00 MDT
        ("02:30-06:00", date(2027, 3, 14), utc(2027, 3, 14, 9), utc(2027, 3, 14, 12)),
        # ... and a team closing at 02:30 closes at the jump
        ("00:00-02:30", date(2027, 3, 14), utc(2027, 3, 14, 7), utc(2027, 3, 14, 9)),
        # 01:30 happens twice on 2026-11-01: the first time (MDT) counts, to open or to close
        ("01:30-04:00", date(2026, 11, 1), utc(2026, 11, 1, 7, 30), utc(2026, 11, 1, 11)),
        ("00:00-01:30", date(2026, 11, 1), utc(2026, 11, 1, 6), utc(2026, 11, 1, 7, 30)),
    ],
)
def test_missing_and_repeated_wall_times(
    hours: str, day: date, opens: datetime, closes: datetime
) -> None:
    cal = every_day(hours)
    assert not is_open(cal, opens - timedelta(seconds=1))
    assert is_open(cal, opens)
    assert is_open(cal, closes - timedelta(seconds=1))
    assert not is_open(cal, closes)
    whole_day = (
        datetime.combine(day, time(0), EDMONTON),
        datetime.combine(day, time(23), EDMONTON),
    )
    assert business_time_between(cal, *whole_day) == closes - opens
    assert add_business_time(cal, whole_day[0], closes - opens) == closes


def test_round_the_clock_business_time_is_wall_time_across_both_changes() -> None:
    starts = [local(2027, 3, 12) + k * timedelta(minutes=137) for k in range(60)]
    starts += [local(2026, 10, 30) + k * timedelta(minutes=137) for k in range(60)]
    for start in starts:
        for amount in (H, 24 * H, 72 * H):
            wall = due_at(ALWAYS, start, amount, business=False)
            assert wall == start.astimezone(UTC) + amount
            assert due_at(ALWAYS, start, amount, business=True) == wall, (start, amount)


# --- wall clock or business hours --------------------------------------------------------


def test_wall_clock_or_business_hours() -> None:
    friday = local(2026, 6, 12, 16)
    assert due_at(DEFAULT_CALENDAR, friday, 72 * H, business=False) == utc(2026, 6, 15, 22)
    # 1 h Friday, 63 h over seven days to Tuesday the 23rd, 8 h on Wednesday the 24th
    assert due_at(DEFAULT_CALENDAR, friday, 72 * H, business=True) == utc(2026, 6, 24, 22)
    # 24 elapsed hours across the spring-forward night end at 13:00 MDT, not noon
    assert add_wall_time(local(2027, 3, 13, 12), 24 * H) == utc(2027, 3, 14, 19)
    assert add_wall_time(local(2027, 3, 13, 12), 24 * H).tzinfo is UTC


# --- the inverse -------------------------------------------------------------------------


def test_between_is_zero_when_end_is_not_after_start() -> None:
    wed = local(2026, 6, 10, 10)
    assert business_time_between(DEFAULT_CALENDAR, wed, wed) == timedelta(0)
    assert business_time_between(DEFAULT_CALENDAR, wed, wed - H) == timedelta(0)
    # a whole weekend of wall time is no working time at all
    assert business_time_between(
        DEFAULT_CALENDAR, local(2026, 6, 12, 17), local(2026, 6, 15, 8)
    ) == timedelta(0)


AMOUNTS = [MIN, 45 * MIN, 9 * H, 24 * H, 48 * H, 90 * H + 7 * MIN]
# Each range holds a DST change, weekends and a holiday (Remembrance Day, Good Friday).
STARTS = [local(2026, 10, 22, 3, 11) + k * timedelta(minutes=251) for k in range(130)] + [
    local(2027, 3, 10, 5, 3) + k * timedelta(minutes=251) for k in range(100)
]


@pytest.mark.parametrize("cal", [DEFAULT_CALENDAR, SEVEN, NIGHT], ids=["default", "seven", "night"])
def test_between_undoes_add(cal: BusinessCalendar) -> None:
    for start in STARTS:
        previous = start.astimezone(UTC)
        for amount in AMOUNTS:
            due = add_business_time(cal, start, amount)
            assert business_time_between(cal, start, due) == amount, (start, amount)
            # due while open, or at a closing instant, never later than needed
            assert is_open(cal, due - timedelta(microseconds=1)), (start, amount, due)
            assert due > previous
            previous = due


@pytest.mark.parametrize("cal", [DEFAULT_CALENDAR, SEVEN, NIGHT], ids=["default", "seven", "night"])
def test_add_undoes_between(cal: BusinessCalendar) -> None:
    start = local(2026, 10, 29, 13, 17)
    for k in range(1, 150):
        end = start + k * timedelta(minutes=113)
        spent = business_time_between(cal, start, end)
        back = add_business_time(cal, start, spent)
        if spent and is_open(cal, end - timedelta(microseconds=1)):
            assert back == end.astimezone(UTC), end
        else:  # end was outside hours: back is the last closing (or the start) before it
            assert back <= end
            assert business_time_between(cal, back, end) == timedelta(0)


@pytest.mark.parametrize("cal", [DEFAULT_CALENDAR, NIGHT], ids=["default", "night"])
def test_between_agrees_with_a_quarter_hour_count(cal: BusinessCalendar) -> None:
    # every boundary here falls on a quarter hour, so counting open quarters is exact
    quarter = timedelta(minutes=15)
    for first in (utc(2026, 10, 29, 0), utc(2027, 3, 11, 0)):
        start = first + timedelta(minutes=45)
        instants = [start + k * quarter for k in range(6 * 24 * 4)]
        counted = sum((quarter for t in instants if is_open(cal, t)), timedelta(0))
        assert business_time_between(cal, start, instants[-1] + quarter) == counted


# --- effort ------------------------------------------------------------------------------


def test_whole_days_are_stepped_not_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[date] = []
    window = bh._window

    def counting(cal: BusinessCalendar, day: date):  # type: ignore[no-untyped-def]
        calls.append(day)
        return window(cal, day)

    monkeypatch.setattr(bh, "_window", counting)
    # ten business days from a Wednesday afternoon: 14 calendar days
    due = add_business_time(DEFAULT_CALENDAR, local(2026, 6, 10, 14), 90 * H)
    assert due == utc(2026, 6, 24, 20)  # Wed 14:00 MDT
    assert len(calls) == 15
    # Christmas with extra closed days: a run of holidays costs a step per day, no more
    calls.clear()
    cal = BusinessCalendar.from_mapping({"closed": ["2026-12-24", "2026-12-29", "2026-12-30"]})
    due = add_business_time(cal, local(2026, 12, 23, 14), 90 * H)
    # Wed 23rd 3 h, Mon 28th, Thu 31st, Jan 4-8, Mon 11th, Tue 12th, 6 h on Wed 13th
    assert due == utc(2027, 1, 13, 21)  # Wed 14:00 MST
    assert len(calls) == 22  # 23 Dec .. 13 Jan


# --- quiet hours: when a reminder due outside working hours is sent ----------------------


@pytest.mark.parametrize(
    ("at", "sent"),
    [
        (local(2026, 11, 24, 9, 30), local(2026, 11, 24, 9, 30)),  # open: at once
        (local(2026, 11, 24, 22, 0), local(2026, 11, 25, 8, 0)),  # night: the next morning
        (local(2026, 11, 27, 22, 0), local(2026, 11, 30, 8, 0)),  # Friday night: Monday
        (local(2026, 11, 24, 6, 0), local(2026, 11, 24, 8, 0)),  # early: the same morning
        (local(2026, 11, 24, 17, 0), local(2026, 11, 24, 17, 0)),  # close of business: at once
        (local(2026, 11, 24, 17, 1), local(2026, 11, 25, 8, 0)),
        # Christmas Eve evening: Christmas (a holiday) and the weekend are skipped.
        (local(2026, 12, 24, 18, 0), local(2026, 12, 28, 8, 0)),
    ],
)
def test_next_opening(at: datetime, sent: datetime) -> None:
    assert next_opening(DEFAULT_CALENDAR, at) == sent.astimezone(UTC)


def test_next_opening_on_a_calendar_open_round_the_clock() -> None:
    assert next_opening(ALWAYS, local(2026, 11, 29, 3, 0)) == local(2026, 11, 29, 3, 0)
