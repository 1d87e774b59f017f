"""How the emails say back what a case holds, in the sender's terms rather than the
database's (issue 14, item 3).

The case keeps values in their normal form, for matching and for the CRM: a phone in E.164,
a due time as a UTC instant, urgency "normal" when nobody named an emergency. Written back
like that the acknowledgement reads like a machine's: "+14035550188", "Tue 08 Dec 2026
00:00 MST", "Urgency: normal" to someone who never mentioned urgency. So:

- a due time is said in the team's time zone at the end of a working day: an instant at
  local midnight is the end of the day before, and one after the team's closing time is
  that day's closing time ("by Mon 7 Dec, 17:00 MST");
- a phone is written in the national format of the organisation's region
  ("403-555-0188"), in the international one when it is from elsewhere;
- urgency "normal" read by default is left out of the summary;
- an account is not named for checking when the sender wrote its name exactly as the
  organisation file has it, and a value already named for checking is not named again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import phonenumbers
from phonenumbers import NumberFormat, PhoneNumberFormat

from intake.handlers.business_hours import DEFAULT_CALENDAR, MIDNIGHT, BusinessCalendar
from intake.parsers.fields.resolver import CONFIDENCE
from intake.parsers.org import Organisation

if TYPE_CHECKING:
    from intake.handlers.sla import SlaRuntime

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# North American numbers as people in Canada and the US write them: 403-555-0188.
_NANP = [NumberFormat(pattern=r"(\d{3})(\d{3})(\d{4})", format=r"\1-\2-\3")]
# Values that are the absence of a reading when offered no surer than a guess: urgency
# "normal" is what the extractor says when nobody named an emergency.
DEFAULTS = {"urgency": "normal"}


def team_calendar(runtime: SlaRuntime | None, team: str | None, zone: str) -> BusinessCalendar:
    """The calendar the team works to: its own (`[teams.<t>] calendar`), else the
    organisation's; without SLA clocks, office hours in the organisation's zone."""
    if runtime is None:
        return BusinessCalendar(
            time_zone=zone, days=DEFAULT_CALENDAR.days, opens=time(8), closes=time(17)
        )
    config = runtime.config
    name = config.team_calendars.get(team or "")
    return config.calendars[name] if name else config.default_calendar


def due_phrase(due_at: datetime, calendar: BusinessCalendar, now: datetime) -> str:
    """ "Mon 7 Dec, 17:00 MST" (the year too when it is not this one): the due instant in the
    team's zone, at the end of a working day at the latest."""
    local = due_at.astimezone(calendar.zone)
    closes = calendar.closes if calendar.closes != MIDNIGHT else None
    day, at = local.date(), local.time().replace(second=0, microsecond=0)
    if at == MIDNIGHT and local.time() == MIDNIGHT:
        day -= timedelta(days=1)  # midnight ends the day before
        at = closes or time(23, 59)
    elif closes is not None and at > closes:
        at = closes
    shown = datetime.combine(day, at, tzinfo=calendar.zone)
    year = f" {day.year}" if day.year != now.astimezone(calendar.zone).year else ""
    return f"{_day(day)}{year}, {shown:%H:%M} {shown.tzname()}"


def _day(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def shown_phone(value: str, region: str) -> str:
    """An E.164 phone as the sender would write it: national in the organisation's region
    (403-555-0188 in North America), international otherwise; anything else unchanged."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    if number.country_code != phonenumbers.country_code_for_region(region):
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    if number.country_code == 1:
        return phonenumbers.format_by_pattern(number, PhoneNumberFormat.NATIONAL, _NANP)
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def left_out(name: str, value: object, confidence: float | None) -> bool:
    """A default nobody gave (urgency "normal" read from silence): not said back."""
    guess = CONFIDENCE["guess"]
    return DEFAULTS.get(name) == value and (confidence is None or confidence <= guess)


def written_exactly(org: Organisation, account: str, texts: Iterable[str]) -> bool:
    """Whether the sender wrote the account's name (or an alias) exactly as the
    organisation file has it: then there is nothing to check."""
    known = next((a for a in org.accounts.values() if a.name == account), None)
    if known is None:
        return False
    names = "|".join(re.escape(n) for n in sorted([known.name, *known.aliases], key=len)[::-1])
    written = re.compile(rf"(?<!\w)(?:{names})(?!\w)")
    return any(written.search(text) for text in texts if text)
