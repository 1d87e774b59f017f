"""The value normalisers: each form people write, and the look-alikes that must give None."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from intake.parsers.normalise import (
    account_by_domain,
    find_amount,
    find_date,
    fold,
    is_no_value,
    match_account,
    match_picklist,
    normalise_phone,
    parse_amount,
    parse_date,
    parse_factor,
)
from intake.parsers.org import load_organisation
from tests.conftest import ORG_FILE

MST = timezone(timedelta(hours=-7))
MON_NOV_16 = datetime(2026, 11, 16, 8, 50, tzinfo=MST)
MON_NOV_2 = datetime(2026, 11, 2, 10, 47, tzinfo=MST)


@pytest.fixture(scope="module")
def org():
    return load_organisation(ORG_FILE)


# -- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dec 18", date(2026, 12, 18)),  # month-day in the future of the message
        ("Jan 15", date(2027, 1, 15)),  # ... so January written in November is next year
        ("December 4", date(2026, 12, 4)),
        ("Dec 9, 2026", date(2026, 12, 9)),
        ("Friday", date(2026, 11, 20)),  # relative to Monday 16 November
        ("15/12/2026", date(2026, 12, 15)),  # day-first, unambiguous
        ("12/22/2026", date(2026, 12, 22)),  # month-first, unambiguous
        ("2026-12-15", date(2026, 12, 15)),
        ("2027/02/12", date(2027, 2, 12)),
        ("15 janvier 2027", date(2027, 1, 15)),
        ("end of next month", date(2026, 12, 31)),
        ("end of the month", date(2026, 11, 30)),
        ("tomorrow at noon", date(2026, 11, 17)),
        ("EOD tomorrow", date(2026, 11, 17)),
        ("today", date(2026, 11, 16)),
        # periods from the message's day, which dateparser misreads ("2 weeks from today"
        # came back two weeks in the past) or does not know
        ("in two weeks", date(2026, 11, 30)),
        ("2 weeks from today", date(2026, 11, 30)),
        ("dans deux semaines", date(2026, 11, 30)),
        ("within 3 days", date(2026, 11, 19)),
        ("in 10 business days", date(2026, 11, 30)),  # two weekends skipped
        ("in a month", date(2026, 12, 16)),
        ("EOM", date(2026, 11, 30)),
        ("last day of February", date(2027, 2, 28)),
        ("the last day of the month", date(2026, 11, 30)),
        ("dernier jour de décembre", date(2026, 12, 31)),
        ("EOW", date(2026, 11, 20)),
        ("end of next week", date(2026, 11, 27)),
        ("mid-December", date(2026, 12, 15)),
        ("mi-décembre", date(2026, 12, 15)),
        ("vendredi prochain", date(2026, 11, 20)),
    ],
)
def test_parse_date_forms(text, expected):
    assert parse_date(text, now=MON_NOV_16) == expected


@pytest.mark.parametrize(
    "text",
    ["TBD", "will confirm", "tbd - waiting on customer", "n/a", "", "2", "30x48", "0.52",
     "03/04/2027", "quarter", "asap", "none"],
)  # fmt: skip
def test_parse_date_rejects_placeholders_numbers_and_ambiguous(text):
    # 03/04/2027 is a real date in both orders: asking beats booking the wrong month.
    assert parse_date(text, now=MON_NOV_16) is None


def test_parse_date_reads_relative_to_the_message_not_the_clock():
    assert parse_date("Dec 18", now=datetime(2027, 11, 2, tzinfo=MST)) == date(2027, 12, 18)
    assert parse_date("tomorrow", now=MON_NOV_2) == date(2026, 11, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("can you turn it around in two weeks?", date(2026, 11, 30)),
        ("closing EOM, factor .5", date(2026, 11, 30)),
        ("they want it mid-Dec", date(2026, 12, 15)),
        ("by end of next week please", date(2026, 11, 27)),
        ("Close: last day of January, probably", date(2027, 1, 31)),
    ],
)
def test_find_date_in_prose_relative_forms(text, expected):
    found = find_date(text, now=MON_NOV_16)
    assert found is not None and found[0] == expected


def test_find_date_gives_the_date_and_its_span():
    found = find_date("close date December 22, 2026, factor 0.49", now=MON_NOV_16)
    assert found is not None
    assert found[0] == date(2026, 12, 22)
    assert "close date December 22, 2026"[found[1] :] == "December 22, 2026"
    assert find_date("30x48 triple pane, 2 sidelites", now=MON_NOV_16) is None


# -- factor and amount --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (".52", "0.52"),
        ("0.52", "0.52"),
        ("52%", "0.52"),
        ("52 %", "0.52"),
        ("x0.52", "0.52"),
        ("0,47", "0.47"),
        (".5", "0.50"),
        ("1", "1.00"),
        ("0.51 (approved by Lena)", "0.51"),
    ],
)
def test_parse_factor_forms(text, expected):
    assert parse_factor(text) == Decimal(expected)
    assert str(parse_factor(text)) == expected


@pytest.mark.parametrize(
    "text",
    ["TBD", "TBD - new account, waiting on Lena", "will confirm with Lena", "30x48",
     "52 casements", "5", "100", "1.6", "0", "2 options", "n/a", ""],
)  # fmt: skip
def test_parse_factor_rejects_what_is_not_a_factor(text):
    assert parse_factor(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$48,500", "48500.00"),
        ("$48.5k", "48500.00"),
        ("48 500 $", "48500.00"),
        ("48\u00a0500 $", "48500.00"),
        ("$212,750.00", "212750.00"),
        ("48 500,00 $", "48500.00"),
        ("126400", "126400.00"),
        ("CAD 9,870", "9870.00"),
    ],
)
def test_parse_amount_forms(text, expected):
    assert str(parse_amount(text)) == expected


def test_amount_value_prefers_money_over_a_bare_number():
    """A table cell holding a period and a value ("end of Q2" / "~$112k") is the money;
    a number glued to a letter ("Q2", "A1") is never an amount."""
    assert parse_amount("end of Q2\n~$112k") == Decimal("112000.00")
    assert parse_amount("12 units, $48,500") == Decimal("48500.00")
    assert parse_amount("Q2") is None
    assert parse_amount("126400") == Decimal("126400.00")


def test_amount_placeholders_and_prose():
    assert parse_amount("TBD") is None
    assert parse_amount("n/a") is None
    assert find_amount("should land around $61,000.") == Decimal("61000.00")
    # a number without a currency mark in running text is not an amount
    assert find_amount("12 casements 30x48 for lot 14") is None


# -- phones -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("403-555-0199", "+14035550199"),
        ("(780) 555-0164", "+17805550164"),
        ("403 555 0193", "+14035550193"),
        ("+1 403 555 0123", "+14035550123"),
        ("780-555-0175 (ext. 2 at the gate)", "+17805550175"),
        ("780-555-0175 ext. 2", "+17805550175"),
        ("Marco Rossi (site super), 403-555-0111", "+14035550111"),
    ],
)
def test_normalise_phone_e164_without_extension(text, expected):
    assert normalise_phone(text, "CA") == expected


def test_normalise_phone_none_without_a_number():
    assert normalise_phone("please call me", "CA") is None
    assert normalise_phone("SO-558213", "CA") is None


# -- picklists and accounts ---------------------------------------------------------------------

TYPES = ["Standard", "Project", "Project w/ installation"]
TYPE_SYNONYMS = {"Project w/ installation": ["proj w/ install", "projet avec installation"]}
STAGES = ["Basic Qualification", "Funding", "Submissions", "Approvals", "Order Follow Up"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("standard", "Standard"),
        ("  PROJECT ", "Project"),
        ("Project w/ installation", "Project w/ installation"),
        ("Proj w/ install", "Project w/ installation"),
        ("Projet avec installation", "Project w/ installation"),
    ],
)
def test_match_picklist_case_space_and_synonyms(text, expected):
    assert match_picklist(text, TYPES, TYPE_SYNONYMS) == expected


def test_match_picklist_plural_parenthesis_and_unknown():
    assert match_picklist("Approval", STAGES) == "Approvals"
    assert match_picklist("Submissions (50%)", STAGES) == "Submissions"
    assert match_picklist("order follow-up", STAGES) == "Order Follow Up"
    assert match_picklist("Negotiation", STAGES) is None
    assert match_picklist("TBD", STAGES) is None
    # a synonym for a value that is not in the picklist is ignored
    assert match_picklist("won", STAGES, {"Closed Won": ["won"]}) is None


def test_match_account_exact_alias_and_suffix(org):
    assert match_account("Ridgeline Custom Builds Ltd.", org).id == "ACC-1002"
    assert match_account("Ridgeline Custom Builds", org).id == "ACC-1002"
    assert match_account("PCH", org).id == "ACC-1001"
    assert match_account("Aspen and Oak", org).id == "ACC-1006"
    assert match_account("aspen & oak dealers", org).id == "ACC-1006"
    assert match_account("ACC-1003", org).name == "Northgate Modular Inc."


def test_match_account_fuzzy_is_strict(org):
    assert match_account("Praire Crest Homes", org).id == "ACC-1001"
    assert match_account("Northgate Modullar", org).id == "ACC-1003"
    # no account is invented: other companies, short look-alikes and near names stay unknown
    assert match_account("Sunridge Living Homes", org) is None
    assert match_account("Keystone Property Management", org) is None
    assert match_account("PCX", org) is None
    assert match_account("Prairie Creek Homes", org) is None


def test_an_account_by_its_own_mail_domain(org):
    """A dealer's office mails from its own domain: the name run together is the first
    label. A provider's domain, initials, or a label only like a name give none."""
    assert account_by_domain("office@aspenoak.example.org", org).id == "ACC-1006"
    assert account_by_domain("Desk@ClearviewWindows.ca", org).id == "ACC-1005"
    for address in ("pat@example.net", "sales@pch.ca", "x@clearviewglass.ca", "nodomain"):
        assert account_by_domain(address, org) is None, address


def test_fold_and_no_value():
    assert fold("Projet  avec-Installation") == "projet avec installation"
    assert fold("Aspen & Oak") == "aspen and oak"
    for text in ("n/a", "N/A", "none", "TBD", "tbd - new account", "will confirm with Lena", "-"):
        assert is_no_value(text), text
    for text in ("No screens needed", "None of the units are installed", "0.52", "Funding"):
        assert not is_no_value(text), text


def test_a_value_still_being_decided_is_no_value():
    """ "checking w/ them if install is incl, will confirm": the writer is still deciding."""
    for text in (
        "checking w/ them if install is incl, will confirm",
        "confirming with Lena on Friday",
        "still deciding - probably project",
    ):
        assert is_no_value(text), text
    for text in ("checking windows on site before install", "Still water in the track"):
        assert not is_no_value(text), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the 5th of next month", date(2026, 12, 5)),
        ("le 5 du mois prochain", date(2026, 12, 5)),
        ("the 20th", date(2026, 11, 20)),  # still to come this month
        ("the 3rd", date(2026, 12, 3)),  # already past: next month's
        ("noon tomorrow", date(2026, 11, 17)),
        ("two weeks", date(2026, 11, 30)),  # after a cue: "closing in two weeks"
    ],
)
def test_parse_date_days_of_month_and_bare_periods(text, expected):
    assert parse_date(text, now=MON_NOV_16) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4/23", date(2027, 4, 23)),  # only one order is possible; the next one to come
        ("23/4", date(2027, 4, 23)),
        ("first week of April", date(2027, 4, 7)),  # the end of that week
        ("before the end of March", date(2027, 3, 31)),
    ],
)
def test_parse_date_short_numeric_and_weeks_of_a_month(text, expected):
    assert parse_date(text, now=MON_NOV_16) == expected


def test_parse_date_short_numeric_ambiguous_is_none():
    assert parse_date("3/4", now=MON_NOV_16) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("52", "0.52"),  # a percentage without its sign, said as the whole value
        ("52.", "0.52"),
        ("@ .47", "0.47"),
        ("x.47", "0.47"),
        ("0,58", "0.58"),
        ("49.5", "0.495"),  # a percentage with a half, without its sign
        ("49,5", "0.495"),
        ("52.75", "None"),  # two places: no percentage anyone writes
        ("49.5 casements", "None"),
    ],
)
def test_parse_factor_bare_whole_number_and_marks(text, expected):
    assert str(parse_factor(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("end of Q1", date(2027, 3, 31)),  # calendar quarters; the next one to end
        ("end of Q4", date(2026, 12, 31)),
        ("by end of Q3", date(2027, 9, 30)),
        ("Q2 end", date(2027, 6, 30)),
        ("Q1 2028", date(2028, 3, 31)),
        ("end of the quarter", date(2026, 12, 31)),
        ("third quarter", date(2027, 9, 30)),
    ],
)
def test_parse_date_quarters_are_their_last_day(text, expected):
    assert parse_date(text, now=MON_NOV_16) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("they want to sign by end of Q1, maybe sooner", date(2027, 3, 31)),
        ("closing by month end", date(2026, 11, 30)),
        ("decide by the first week of December", date(2026, 12, 7)),
        ("close the 20th", date(2026, 11, 20)),
    ],
)
def test_find_date_periods_in_prose(text, expected):
    found = find_date(text, now=MON_NOV_16)
    assert found is not None and found[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("around 85k", "85000.00"),
        ("$1.2M", "1200000.00"),
        ("42 grand", "42000.00"),
        ("eighty-five thousand", "85000.00"),
        ("around forty-two thousand dollars", "42000.00"),
        ("roughly a quarter million dollars", "250000.00"),
        ("two thousand five hundred", "2500.00"),
        ("about sixty-four and a half thousand", "64500.00"),
        ("one and a quarter million", "1250000.00"),
        ("half a million", "500000.00"),
    ],
)
def test_amounts_in_thousands_and_words(text, expected):
    assert str(find_amount(text)) == expected


def test_words_without_a_scale_are_no_amount():
    assert find_amount("two casements and a picture window") is None
    assert parse_amount("thousand") is None


def test_find_phones_a_spaced_number_followed_by_more_digits():
    from intake.parsers.normalise import find_phones

    found = find_phones("Ines Moreau 403 555 0148 1190 Panamount Blvd NW", "CA")
    assert [e for e, _, _ in found] == ["+14035550148"]


def test_an_ambiguous_numeric_date_follows_the_given_order():
    now = datetime(2026, 11, 4, 9, 0)
    assert parse_date("08/09/2027", now=now) is None  # no order: ask
    assert parse_date("08/09/2027", now=now, date_order="MDY") == date(2027, 8, 9)
    assert parse_date("08/09/2027", now=now, date_order="DMY") == date(2027, 9, 8)
    assert parse_date("15/12/2026", now=now, date_order="MDY") == date(2026, 12, 15)


def test_take_corrections_keeps_the_later_date():
    from intake.parsers.normalise import take_corrections

    now = datetime(2027, 9, 1, tzinfo=UTC)
    assert (
        take_corrections("close Oct 15 - sorry, Oct 22 (pushed)", now=now)
        == "close Oct 22 (pushed)"
    )
    assert take_corrections("close Nov 3, I mean Nov 5", now=now) == "close Nov 5"
    assert take_corrections("sorry, close Nov 5", now=now) == "sorry, close Nov 5"


def test_take_corrections_reads_a_writer_catching_themself():
    from intake.parsers.normalise import parse_factor, take_corrections

    now = datetime(2027, 9, 1, tzinfo=UTC)
    said = "Factor .52 — wait, no, sorry, BVR got bumped to .54 after the review, use .54."
    assert parse_factor(take_corrections(said, now=now).split(" — ")[0]) == Decimal("0.54")
    assert parse_factor(take_corrections("factor .50 - hang on, .51", now=now)) == Decimal("0.51")
    said = "Factor .47 – actually no, make that .45, Lena okayed it."
    assert parse_factor(take_corrections(said, now=now).split(",")[0]) == Decimal("0.45")


def test_take_corrections_reads_a_no_before_the_correcting_word():
    """ "Factor 48 no sorry 46", "close Oct 15, no, I mean Oct 22": a dictating writer's
    "no" before the word that corrects."""
    from intake.parsers.normalise import take_corrections

    now = datetime(2027, 9, 1, tzinfo=UTC)
    assert take_corrections("Factor 48 no sorry 46", now=now).startswith("Factor 46 ")
    assert take_corrections("close Oct 15, no, I mean Oct 22", now=now) == "close Oct 22"


def test_take_corrections_reads_a_revision_written_with_an_arrow():
    from intake.parsers.normalise import parse_factor, take_corrections

    now = datetime(2027, 9, 1, tzinfo=UTC)
    assert parse_factor(take_corrections("0.50  -> revised: use .49", now=now)) == Decimal("0.49")
    assert parse_factor(take_corrections(".52 → .51", now=now)) == Decimal("0.51")
    assert take_corrections("close Oct 15, revised to Oct 29", now=now) == "close Oct 29"
    unchanged = "see the -> arrow on the plan"
    assert take_corrections(unchanged, now=now) == unchanged


def test_take_corrections_keeps_the_later_amount():
    from intake.parsers.normalise import take_corrections

    now = datetime(2027, 9, 1, tzinfo=UTC)
    assert (
        take_corrections("Amount: 80k - sorry, 85k, they added units", now=now)
        == "Amount: 85k, they added units"
    )
    assert take_corrections("value $ 80,000, I mean $85,000.", now=now) == "value $85,000."
    # a bare number is no amount: nothing to correct
    assert take_corrections("qty 12 - sorry, 14", now=now) == "qty 12 - sorry, 14"


def test_find_date_reads_the_day_of_a_month_after_the():
    """ "closing the 3rd of July" is July 3rd, not "the 3rd" of this month."""
    now = datetime(2028, 5, 15, 7, 30)
    found = find_date("closing the 3rd of July, value around", now=now)
    assert found is not None and found[0] == date(2028, 7, 3)
    found = find_date("closing the 3rd, value around", now=now)
    assert found is not None and found[0] == date(2028, 6, 3)


def test_rural_route_addresses_in_any_order() -> None:
    from intake.parsers.normalise import find_rural_addresses

    got = find_rural_addresses("Site 9, RR 1, Box 3\nVulcan, AB  T0L 2B0\nPhone 403 555 0100")
    assert [v for _, _, v in got] == ["Site 9, RR 1, Box 3, Vulcan, AB T0L 2B0"]
    assert find_rural_addresses("Box 12 of the order, site visit Monday") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("multiplier point four nine", "multiplier .49"),
        ("factor is point 5 2 opportunity", "factor is .52 opportunity"),
        ("point 5 0 no sorry point 4 9", ".50 no sorry .49"),
        ("see point 3 of the list", "see point 3 of the list"),
        ("close on June the third", "close on June 3"),
        ("by October thirty-first", "by October 31"),
        ("by October thirty second", "by October thirty second"),
        ("Opp ACME dash North Yard", "Opp ACME - North Yard"),
        ("leave the trim off period thanks", "leave the trim off. thanks"),
        ("the warranty period is over", "the warranty period is over"),
        ("the dash cam is broken", "the dash cam is broken"),
        ("cell four oh three five five five zero one one two", "cell 4035550112"),
        ("call 780 five five five - zero one two seven", "call 780 5550127"),
        ("two of the three one-pane units", "two of the three one-pane units"),
        ("close date the twentieth thanks", "close date the 20th thanks"),
        ("due by the twenty second", "due by the 22nd"),
        ("closing is the thirty first", "closing is the 31st"),
        ("the second window sticks", "the second window sticks"),
        ("stage ninety percent", "stage 90%"),
        ("stage twenty five per cent", "stage 25%"),
        ("factor forty eight percent", "factor 48 percent"),
    ],
)
def test_from_speech_forms(text, expected):
    from intake.parsers.normalise import from_speech

    assert from_speech(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thurs noon", date(2028, 8, 10)),
        ("by weds", date(2028, 8, 9)),
        ("thur", date(2028, 8, 10)),
        ("Thurs AM, their board meets", date(2028, 8, 10)),
        ("Thursday p.m.", date(2028, 8, 10)),
    ],
)
def test_short_weekday_names_people_type(text, expected):
    """ "thurs", "weds": shorter than dateparser's names, longer than its abbreviations; the
    half of the day after one ("Thurs AM") is still that day."""
    found = find_date(text, now=datetime(2028, 8, 8, 15, 0))
    assert found is not None and found[0] == expected


def test_a_street_number_is_no_local_phone_number():
    """Seven digits without an area code ("5316 112 Street NW") are dialable only locally:
    never a contact phone, while the full number below them is."""
    from intake.parsers.normalise import find_phones

    text = "5316 112 Street NW\nEdmonton AB  T6H 3J5\n(780) 555-0157"
    assert [p for p, _, _ in find_phones(text, "CA")] == ["+17805550157"]


def test_a_size_in_inch_fractions_is_no_phone_number():
    """ "(23-1/2 x 47-1/2) - 11 short": a size and a count, whatever their digits spell."""
    from intake.parsers.normalise import find_phones

    text = "we got 22 of the 35 screens (25-1/2 x 49-1/2) - 13 short. Call 403-555-0166."
    assert [p for p, _, _ in find_phones(text, "CA")] == ["+14035550166"]


def test_a_day_the_month_does_not_have_is_the_next_month_that_has_it():
    """ "Close: the 30th" written on 8 February is 30 March, not no date."""
    from intake.parsers.normalise import parse_date

    now = datetime(2029, 2, 8, tzinfo=UTC)
    assert parse_date("the 30th", now=now) == date(2029, 3, 30)
    assert parse_date("the 28th", now=now) == date(2029, 2, 28)


@pytest.mark.parametrize(
    ("said", "day"),
    [("on the 20th", date(2030, 9, 20)), ("around the 15th", date(2030, 9, 15)),
     ("on the 31st", date(2030, 8, 31)), ("on Friday", date(2030, 8, 30))],
)  # fmt: skip
def test_a_day_said_after_on_is_the_next_such_day(said: str, day: date) -> None:
    now = datetime(2030, 8, 28, 10, 30, tzinfo=UTC)  # a Wednesday
    assert parse_date(said, now=now) == day


def test_take_corrections_after_the_writer_trails_off():
    from intake.parsers.normalise import parse_factor, take_corrections

    now = datetime(2027, 9, 1, tzinfo=UTC)
    assert parse_factor(take_corrections("factor .52.. sorry, .50", now=now)) == Decimal("0.50")
    assert take_corrections("close Oct 15… I mean Oct 22", now=now) == "close Oct 22"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sixty (60) fixed units and thirty (30) doors", "60 fixed units and 30 doors"),
        ("we need twenty-four (24) casements", "we need 24 casements"),
        ("Lot (12) and units (6)", "Lot (12) and units (6)"),  # no number in words
        ("seven (8) awnings", "seven (8) awnings"),  # words and digits disagree
    ],
)
def test_digits_for_a_number_in_words_with_its_digits_in_brackets(text, expected):
    from intake.parsers.normalise import digits_for_spelled

    assert digits_for_spelled(text) == expected


def test_a_date_read_by_dateparser_is_read_in_the_senders_own_day() -> None:
    # the same instant in two zones: 23:30 on the 16th in Alberta is the 17th in UTC, and
    # "in 2 days" is the day after next of each (the memo behind it must not mix them up)
    from intake.parsers.normalise.dates import _dateparser_date

    late_in_alberta = datetime(2026, 11, 16, 23, 30, tzinfo=MST)
    assert _dateparser_date("in 2 days", late_in_alberta, ("en",)) == date(2026, 11, 18)
    same_instant_utc = late_in_alberta.astimezone(UTC)
    assert _dateparser_date("in 2 days", same_instant_utc, ("en",)) == date(2026, 11, 19)


def test_address_spans_are_a_fresh_list_each_time() -> None:
    from intake.parsers.fields.site_address import _address_spans

    text = "Please come to 1417 8 ave nw calgary, thanks"
    first = _address_spans(text, "CA")
    assert [value for _, _, value in first] == ["1417 8 Ave NW, Calgary"]
    first.clear()  # a caller's own list: the memo behind it keeps its answer
    assert _address_spans(text, "CA") != []


def test_fold_of_ascii_text_is_what_the_full_folding_gives() -> None:
    # ASCII text skips the decomposition step (it has nothing to decompose): same keys
    import re
    import unicodedata

    def full(text: str) -> str:
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
        text = text.casefold().replace("&", " and ")
        return re.sub(r"\s+", " ", re.sub(r"[^\w/+]+", " ", text)).strip()

    every_ascii = "".join(map(chr, range(128)))
    for text in [every_ascii, "Proj w/ Install & Supply", "A+B  opp_type", "Café Crème"]:
        assert fold(text) == full(text), text
