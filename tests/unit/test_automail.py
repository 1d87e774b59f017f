"""Pins handlers/automail.py: which messages are a machine's, and the exact reason given.

Messages are written as bytes and parsed by the project's parser, so each header is judged
as it arrives (lower-cased, folded, with comments). The guard must stop every robot and
must not stop a person: both directions are asserted with the exact reason.
"""

from __future__ import annotations

import pytest

from intake.handlers.automail import _is_daemon, automail_reason
from tests.unit.builders import AM, CUSTOMER, org, parsed

OURS = org().mailbox_addresses
PERSON = f"Pat Lee <{CUSTOMER}>"


def reason(envelope: str | None = CUSTOMER, **mail: object) -> str | None:
    mail.setdefault("sender", PERSON)
    return automail_reason(parsed(**mail), envelope, OURS)  # type: ignore[arg-type]


def test_a_person_is_not_auto_mail() -> None:
    assert reason() is None


@pytest.mark.parametrize("value", ["junk", "auto_reply", "bulk", "list", " Bulk "])
def test_bulk_precedence_is_auto_mail(value: str) -> None:
    assert reason(headers={"Precedence": value}) == f"Precedence: {value.strip().lower()}"


@pytest.mark.parametrize("value", ["first-class", "normal"])
def test_other_precedence_is_a_person(value: str) -> None:
    assert reason(headers={"Precedence": value}) is None


@pytest.mark.parametrize(
    "value",
    [
        "accountteam@example.com",
        "Intake <accountteam@example.com>",
        "loop via CONNECTYOU@example.com (intake)",
    ],
)
def test_x_loop_naming_our_mailbox_among_other_text(value: str) -> None:
    assert reason(headers={"X-Loop": value}) == "X-Loop names our mailbox"


def test_x_loop_of_someone_else_is_not_ours() -> None:
    assert reason(headers={"X-Loop": "helpdesk@example.org"}) is None


@pytest.mark.parametrize(
    "value", ["no", "No", "no; reason=typed by hand", "no ; x", "no (by hand)", "(hand) no"]
)
def test_auto_submitted_no_is_a_person(value: str) -> None:
    assert reason(headers={"Auto-Submitted": value}) is None


@pytest.mark.parametrize("value", ["auto-replied", "auto-generated; owner=x", "auto-notified"])
def test_auto_submitted_other_than_no_is_auto_mail(value: str) -> None:
    assert reason(headers={"Auto-Submitted": value}) == f"Auto-Submitted: {value}"


@pytest.mark.parametrize(
    "address",
    [
        "noreply@example.org",
        "no-reply@example.org",
        "DoNotReply@Example.org",
        "do-not-reply@example.org",
        "no_reply@example.org",
        "do_not_reply@example.org",
        "no.reply@example.org",
        "noreply+bounces@example.org",
        "mailer_daemon@example.org",
    ],
)
def test_no_reply_senders_are_auto_mail(address: str) -> None:
    assert reason(sender=address, subject="Your order") == (
        "sent by a mail daemon or no-reply address"
    )


def test_a_no_reply_address_behind_a_persons_name_is_auto_mail() -> None:
    """As a real phishing message of the wild corpus (mailparser's mail_test_15) writes it:
    no Auto-Submitted, no Precedence; an acknowledgement would go to a no-reply box."""
    sender = "purchasing@aquillaindustries.com <do-not-reply@ncs.gov.ng>"
    assert reason(sender=sender, envelope="do-not-reply@ncs.gov.ng") == (
        "sent by a mail daemon or no-reply address"
    )


def test_postmaster_is_a_daemon() -> None:
    assert reason(sender="postmaster@example.org", subject="Hello") == (
        "sent by a mail daemon or no-reply address"
    )


@pytest.mark.parametrize(
    "address", ["noreply.pat@example.org", "reply@example.org", "pat+noreply@example.org"]
)
def test_a_local_part_merely_like_no_reply_is_a_person(address: str) -> None:
    assert reason(sender=address) is None


def test_the_null_envelope_sender_is_a_bounce_whatever_the_headers_say() -> None:
    assert reason(envelope="") == "null sender (bounce or notification)"


def test_a_null_return_path_is_a_bounce_without_an_envelope() -> None:
    assert reason(envelope=None, headers={"Return-Path": "<>"}) == (
        "null sender (bounce or notification)"
    )


def test_a_missing_envelope_is_not_a_null_sender() -> None:
    assert reason(envelope=None) is None


def test_our_own_mailbox_as_sender_is_our_mail_back() -> None:
    assert reason(sender=f"Intake <{sorted(OURS)[0]}>", envelope=AM) == "from our own mailbox"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"List-Id": "<news.example.org>"}, "mailing list (List-Id)"),
        ({"List-Unsubscribe": "<https://news.example.org/u>"}, "bulk mail (List-Unsubscribe)"),
        ({"X-Autoreply": "yes"}, "auto-reply header X-Autoreply"),
    ],
)
def test_list_and_robot_headers(headers: dict[str, str], expected: str) -> None:
    assert reason(headers=headers) == expected


@pytest.mark.parametrize("subject", ["Automatic reply: lot 9", "Out of Office: back Monday"])
def test_an_out_of_office_subject(subject: str) -> None:
    assert reason(subject=subject) == "auto-reply subject"


def test_the_local_part_is_what_comes_before_the_last_at() -> None:
    """A quoted local part may hold an "@" (RFC 5322 §3.4.1): '"noreply@list"@example.org'
    is the mailbox "noreply@list", no daemon's, while 'no-reply@example.org' is one."""
    assert not _is_daemon('"noreply@list"@example.org')
    assert _is_daemon("no-reply@example.org")


def form(sender: str = "Website Service Form <no-reply@example.com>", **headers: str) -> str | None:
    """A message our website's form sends: as no-reply, the customer in Reply-To."""
    headers.setdefault("Reply-To", f"Harjit Dhillon <{CUSTOMER}>")
    mail = parsed(sender=sender, subject="Service request - Doors", headers=headers)
    return automail_reason(mail, "no-reply@example.com", OURS)


def test_our_websites_form_sent_as_no_reply_for_a_customer_is_a_person() -> None:
    assert form() is None


def test_a_portal_that_relays_a_builders_request_as_no_reply_is_a_person() -> None:
    """A builder's procurement portal or a dealer's web form, at their own domains, sends
    for the clerk in Reply-To: the request is the clerk's."""
    assert form("Harbourfront via ProcureHub <no-reply@procurehub.example.org>") is None
    assert form("Aspen & Oak Dealer Portal <noreply@aspenoak.example.org>") is None
    # without a person to answer it stays a robot's
    bare = parsed(sender="no-reply@procurehub.example.org", subject="PO-77120")
    assert automail_reason(bare, "no-reply@procurehub.example.org", OURS) == (
        "sent by a mail daemon or no-reply address"
    )


@pytest.mark.parametrize(
    ("sender", "headers", "why"),
    [
        # a mail system's own address is a robot's whatever its Reply-To says
        ("postmaster@example.com", {}, "sent by a mail daemon or no-reply address"),
        # the Reply-To is itself a robot's, or the sender's own no-reply address
        (
            None,
            {"Reply-To": "do-not-reply@example.com"},
            "sent by a mail daemon or no-reply address",
        ),
        (None, {"Reply-To": "no-reply@example.com"}, "sent by a mail daemon or no-reply address"),
        # the form's robots say so in their headers, and the headers decide first
        (None, {"Auto-Submitted": "auto-generated"}, "Auto-Submitted: auto-generated"),
        (None, {"Precedence": "bulk"}, "Precedence: bulk"),
    ],
)
def test_no_reply_mail_that_is_no_form_relay_stays_a_robots(
    sender: str | None, headers: dict[str, str], why: str
) -> None:
    assert (form(sender, **headers) if sender else form(**headers)) == why


def test_no_reply_without_a_reply_to_stays_a_robots_even_at_our_domain() -> None:
    mail = parsed(sender="no-reply@example.com", subject="Service request - Doors")
    assert automail_reason(mail, "no-reply@example.com", OURS) == (
        "sent by a mail daemon or no-reply address"
    )
