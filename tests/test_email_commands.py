"""Commands by email (issue 16): staff move a case by replying to it, through a real SMTP
client, `intake serve` and an aiosmtpd relay sink; outsiders' and forgers' words are only
messages."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.bot.config import Settings
from intake.handlers.commands import Command, parse_command, resolve_person
from intake.parsers.org import load_organisation
from intake.storage.models import Case, CaseEvent, InboundMessage, SlaClock
from tests.conftest import ORG_FILE
from tests.mailhelpers import Sink, free_port, make_request, serving, wait_for

pytestmark = pytest.mark.slow

AM = "alex.martin@example.com"
QUOTE = (
    "Please quote Ridgeline Homes.\nProduct specs: 12 casement windows, white\n"
    "Pricing factor: 0.62\nOpportunity name: Ridgeline Phase 2\nOpportunity type: Project\n"
    "Stage: Proposal\nClose date: 2027-02-15\n"
)


def office(database_url: str, tmp_path: Path, *, trusted: str) -> Settings:
    port = free_port()
    return Settings.model_validate(
        {
            "database": {"url": database_url},
            "smtp": {"listen": f"127.0.0.1:{port}"},
            "relay": {"address": "127.0.0.1:1", "spool_dir": str(tmp_path / "spool")},
            "bot": {"org": str(ORG_FILE)},
            "worker": {"poll_seconds": 0.05},
            "outbox": {"poll_seconds": 0.05},
            "senders": {"trusted_networks": [trusted], "verify": False},
        }
    )


@pytest.fixture
def bot(
    request, migrated_database_url: str, tmp_path: Path
) -> Iterator[tuple[Settings, Sink, object]]:
    """`intake serve`; indirect parameter: the trusted network (default: loopback, so the
    staff below are vouched for; "192.0.2.99/32": nobody is)."""
    trusted = getattr(request, "param", "127.0.0.0/8")
    with Sink() as sink:
        settings = office(migrated_database_url, tmp_path, trusted=trusted)
        settings = settings.model_copy(
            update={"relay": settings.relay.model_copy(update={"address": sink.address})}
        )
        with serving(settings) as app:
            yield settings, sink, app


def send(settings: Settings, msg, mail_from: str) -> None:
    with smtplib.SMTP(*settings.smtp.host_port) as client:
        client.sendmail(mail_from, [str(msg["To"])], msg.as_bytes())


def processed(app, count: int) -> list[InboundMessage]:
    def done():
        with app.sessions() as session:
            rows = list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
        return rows if len(rows) == count and all(r.state == "done" for r in rows) else None

    return wait_for(done)


def the_case(app) -> Case:
    with app.sessions() as session:
        return session.scalars(select(Case)).one()


def open_quote(settings, sink, app) -> tuple[Case, str]:
    """A complete quote request from the AM; returns the case and its owner's address."""
    request = make_request(sender=AM, to="accountteam@example.com", subject="Quote", body=QUOTE)
    send(settings, request, AM)
    processed(app, 1)
    wait_for(lambda: sink.count == 1)
    case = the_case(app)
    return case, app.org.people[case.owner].email


def reply(case: Case, sender: str, body: str):
    return make_request(
        sender=sender,
        to="accountteam@example.com",
        subject=f"Re: [{case.number}] Quote",
        body=body,
    )


def test_the_owner_wins_the_case_by_email_and_its_clocks_stop(bot) -> None:
    settings, sink, app = bot
    case, owner = open_quote(settings, sink, app)
    send(settings, reply(case, owner, "won PO 12345\n\nGreat work everyone."), owner)
    processed(app, 2)
    after = the_case(app)
    assert after.status == "won" and after.fields["po_number"] == "12345"
    with app.sessions() as session:
        running = session.scalars(
            select(SlaClock).where(SlaClock.case_id == case.id, SlaClock.state == "running")
        ).all()
    assert running == []
    wait_for(lambda: sink.count == 2)
    answer = sink.messages[1]
    assert sink.envelopes[1][1] == [owner]
    assert case.number in answer["Subject"]
    assert "status is now won" in answer.get_body(("plain",)).get_content()


def test_won_without_a_po_is_refused_by_email_and_nothing_changes(bot) -> None:
    settings, sink, app = bot
    case, owner = open_quote(settings, sink, app)
    send(settings, reply(case, owner, "won\n"), owner)
    processed(app, 2)
    assert the_case(app).status == case.status
    wait_for(lambda: sink.count == 2)
    text = sink.messages[1].get_body(("plain",)).get_content()
    assert "was not done: a won case needs the customer's PO number" in text
    assert "--po" not in text  # no CLI flag in a customer-facing sentence


def test_assign_by_name_and_status(bot) -> None:
    settings, sink, app = bot
    case, owner = open_quote(settings, sink, app)
    other = next(k for k, p in app.org.people.items() if k != case.owner and p.role == "ATR")
    first_name = app.org.people[other].name.split(" ")[0]
    send(settings, reply(case, owner, f"assign {first_name}\n"), owner)
    processed(app, 2)
    assert the_case(app).owner == other
    send(settings, reply(case, AM, "status\n"), AM)
    processed(app, 3)
    wait_for(lambda: sink.count == 3)
    assert "owner " + app.org.people[other].name in sink.messages[2].get_body(
        ("plain",)
    ).get_content().replace("\n", " ")


def test_a_customers_close_is_only_a_message(bot) -> None:
    settings, sink, app = bot
    request = make_request()  # a homeowner's service request
    send(settings, request, "pat@example.net")
    processed(app, 1)
    case = the_case(app)
    words = make_request(subject=f"Re: [{case.number}] Foggy window", body="close\n")
    send(settings, words, "pat@example.net")
    rows = processed(app, 2)
    assert rows[1].outcome == "append" and the_case(app).status == case.status
    with app.sessions() as session:
        assert session.scalars(select(CaseEvent).where(CaseEvent.kind == "command")).all() == []


@pytest.mark.parametrize("bot", ["192.0.2.99/32"], indirect=True)
def test_a_command_from_a_forged_staff_from_is_not_obeyed(bot) -> None:
    """Nobody vouches for any sender here: the AM's own case still gets its message, but
    'won' from a From nobody vouches for changes nothing."""
    settings, sink, app = bot
    send(settings, make_request(), "pat@example.net")  # a service case anyone may open
    processed(app, 1)
    case = the_case(app)
    forged = make_request(sender=AM, subject=f"Re: [{case.number}] Foggy window", body="closed\n")
    send(settings, forged, "mallory@evil.test")
    rows = processed(app, 2)
    assert rows[1].outcome == "new_case"  # not on the case: a new message, never a command
    with app.sessions() as session:
        assert session.get(Case, case.id).status == case.status
        assert session.scalars(select(CaseEvent).where(CaseEvent.kind == "command")).all() == []


@pytest.mark.parametrize(
    ("said", "command"),
    [
        ("won PO 12345", Command("won", "12345")),
        ("won, thanks!", Command("won", None)),
        ("lost: went with a competitor", Command("lost", "went with a competitor")),
        ("assign omar.haddad@example.com", Command("assign", "omar.haddad@example.com")),
        ("assign to Omar", Command("assign", "Omar")),
        ("assign <@U0OMAR001>", Command("assign", "U0OMAR001")),
        ("Quote sent.", Command("quote-sent", None)),
        ("close date is 2027-03-01", None),
        ("assign this to whoever is free today", None),
        ("lost the drawings, can you resend?", None),
    ],
)
def test_one_parser_for_every_front_door(said: str, command: Command | None) -> None:
    assert parse_command(said) == command


def test_people_are_found_by_address_name_first_name_or_slack_id() -> None:
    org = load_organisation(ORG_FILE)
    key, person = next((k, p) for k, p in org.people.items() if p.slack)
    assert resolve_person(org, person.email.upper()) == key
    assert resolve_person(org, person.name) == key
    assert resolve_person(org, person.slack) == key
    assert resolve_person(org, "nobody-at-all") is None
