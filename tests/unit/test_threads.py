"""Pins handlers/threads.py: which case a message continues, and how it was found.

Each test builds cases directly in an in-memory database and a message parsed from bytes,
then asserts the exact (case, how) that `find_case` returns. The rules: our case number in
the subject wins over the headers, in any letter case, and an unknown number does not end
the search; otherwise any Message-ID in In-Reply-To or References that is on a case, ours
or theirs, joins it.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from intake.handlers.threads import case_numbers_in, find_case
from tests.unit.builders import make_case, parsed

HEADERS = "In-Reply-To/References"


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Re: [CASE-000012] windows", ["CASE-000012"]),
        ("re: case-000012 and Case-000013", ["CASE-000012", "CASE-000013"]),
        ("CASE-123", ["CASE-123"]),  # three digits at the least
        ("CASE-12", []),
        ("XCASE-000012", []),  # part of another word
        ("CASE-0000000000001", []),  # thirteen digits: not ours
        ("CASE-000012x", ["CASE-000012"]),
        ("", []),
    ],
)
def test_case_numbers_in_a_subject(text: str, numbers: list[str]) -> None:
    assert case_numbers_in(text, "CASE") == numbers


def test_a_number_in_lower_case_finds_its_case(session: Session) -> None:
    case = make_case(session)
    found = find_case(session, parsed(subject="re: case-000001 windows"), "CASE")
    assert found == (case, "case number CASE-000001 in subject")


def test_the_subject_number_outranks_the_headers(session: Session) -> None:
    first = make_case(session, message_ids=["<a@mail.example.net>"])
    second = make_case(session)
    msg = parsed(
        subject="Re: [CASE-000002] windows",
        headers={"In-Reply-To": "<a@mail.example.net>", "References": "<a@mail.example.net>"},
    )
    assert first.number == "CASE-000001"
    assert find_case(session, msg, "CASE") == (second, "case number CASE-000002 in subject")


def test_an_unknown_number_does_not_end_the_search_in_the_subject(session: Session) -> None:
    case = make_case(session)
    msg = parsed(subject="CASE-000999 is wrong, I meant CASE-000001")
    assert find_case(session, msg, "CASE") == (case, "case number CASE-000001 in subject")


def test_an_unknown_number_falls_back_to_the_headers(session: Session) -> None:
    case = make_case(session, message_ids=["<a@mail.example.net>"])
    msg = parsed(subject="Re: CASE-000999", headers={"In-Reply-To": "<a@mail.example.net>"})
    assert find_case(session, msg, "CASE") == (case, HEADERS)


def test_references_alone_join_the_case(session: Session) -> None:
    """Some clients write References and no In-Reply-To: the thread still joins."""
    make_case(session, message_ids=["<other@mail.example.net>"])
    case = make_case(session, outgoing_ids=["<ack@example.com>"])
    msg = parsed(
        subject="Re: your note",
        headers={"References": "<unknown@mail.example.net> <ack@example.com>"},
    )
    assert msg.in_reply_to == ()
    assert find_case(session, msg, "CASE") == (case, HEADERS)


def test_in_reply_to_naming_their_own_message_joins(session: Session) -> None:
    case = make_case(session, message_ids=["<first@mail.example.net>"])
    msg = parsed(subject="one more thing", headers={"In-Reply-To": "<first@mail.example.net>"})
    assert find_case(session, msg, "CASE") == (case, HEADERS)


def test_a_message_naming_nothing_we_know_is_new(session: Session) -> None:
    make_case(session, message_ids=["<a@mail.example.net>"])
    msg = parsed(subject="Quote please", headers={"References": "<b@mail.example.net>"})
    assert find_case(session, msg, "CASE") == (None, "new")


def test_another_prefix_is_not_our_number(session: Session) -> None:
    make_case(session)
    assert find_case(session, parsed(subject="TICKET-000001"), "CASE") == (None, "new")


TEXTER = "4035550191@mms.example.net"


def text_message(body: str) -> object:
    """What an SMS gateway sends: no subject, no In-Reply-To, the number in the text."""
    return parsed(body, sender=TEXTER, subject="")


def test_a_customer_on_the_case_who_names_its_number_in_the_text_joins_it(session) -> None:
    make_case(session, queue="service", participants=(TEXTER,))
    case = make_case(session, queue="service", participants=(TEXTER,))
    msg = text_message(f"hi its Dev again, case {case.number.lower()}. when is someone coming?")
    assert find_case(session, msg, "CASE", customer=TEXTER) == (
        case,
        f"case number {case.number} in the text, from a participant",
    )


@pytest.mark.parametrize(
    ("participants", "customer", "body"),
    [
        # not on that case: its number proves nothing (it may be guessed)
        (("someone@example.net",), TEXTER, "about case CASE-000001"),
        # staff (the caller passes no customer): "same as CASE-000001" starts a new request
        ((TEXTER,), None, "same as CASE-000001 but for lot 9"),
        # two numbers: which one is meant is not said
        ((TEXTER,), TEXTER, "CASE-000001 and CASE-000002"),
        # a number nobody has
        ((TEXTER,), TEXTER, "case CASE-000077"),
    ],
)
def test_a_number_in_the_text_joins_nothing_else(session, participants, customer, body) -> None:
    make_case(session, queue="service", participants=participants)
    make_case(session, queue="service", participants=participants)
    assert find_case(session, text_message(body), "CASE", customer=customer) == (None, "new")


def test_a_number_only_in_quoted_history_joins_nothing(session) -> None:
    make_case(session, queue="service", participants=(TEXTER,))
    body = "when is someone coming?\n\nOn Tue, Connect You wrote:\n> Logged as CASE-000001.\n"
    assert find_case(session, text_message(body), "CASE", customer=TEXTER) == (None, "new")
