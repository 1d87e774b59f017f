"""Floods and backscatter (issue 13, item 6): the bot never writes a storm.

Through the real SMTP listener and an aiosmtpd relay sink: a flood from one outside address,
a foreign ticket robot that answers every acknowledgement as a new message, refusals aimed at
a hundred Reply-To victims or at a new forged From each time; and staff, who have no budget.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.bot.config import Settings
from intake.storage.models import Case, CaseEvent, InboundMessage, OutboxMessage
from tests.conftest import ORG_FILE
from tests.mailhelpers import Sink, free_port, make_request, serving, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def bot(migrated_database_url: str, tmp_path: Path) -> Iterator[tuple[int, Sink, object]]:
    """`intake serve` whose trusted network is loopback (so the AM below is vouched for);
    outsiders are told apart by their company domain."""
    with Sink() as sink:
        port = free_port()
        settings = Settings.model_validate(
            {
                "database": {"url": migrated_database_url},
                "smtp": {"listen": f"127.0.0.1:{port}"},
                "relay": {"address": sink.address, "spool_dir": str(tmp_path / "spool")},
                "bot": {
                    "org": str(ORG_FILE),
                    "replies_per_address_per_hour": 5,
                    "replies_per_address_per_day": 20,
                },
                "worker": {"poll_seconds": 0.05},
                "outbox": {"poll_seconds": 0.05},
            }
        )
        with serving(settings) as app:
            yield port, sink, app


def send_all(port: int, messages, mail_from: str = "flood@example.net") -> None:
    with smtplib.SMTP("127.0.0.1", port) as client:
        for msg in messages:
            client.sendmail(mail_from, [str(msg["To"])], msg.as_bytes())


def processed(app, count: int) -> list[InboundMessage]:
    def done():
        with app.sessions() as session:
            rows = list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
        return rows if len(rows) == count and all(r.state == "done" for r in rows) else None

    rows = wait_for(done, timeout=60)
    wait_for(lambda: not _pending(app), timeout=30)  # and every answer handed to the relay
    return rows


def _pending(app) -> list[OutboxMessage]:
    with app.sessions() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.state != "sent")))


def test_a_flood_from_one_address_opens_every_case_but_gets_five_answers(bot) -> None:
    port, sink, app = bot
    send_all(port, [make_request(subject=f"Window {i} is foggy") for i in range(30)])
    processed(app, 30)
    wait_for(lambda: sink.count >= 5)
    with app.sessions() as session:
        assert session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) == 30
        skipped = list(session.scalars(select(CaseEvent).where(CaseEvent.kind == "reply_skipped")))
    assert sink.count == 5  # nothing lost: 30 cases; nothing stormed: 5 answers
    assert len(skipped) == 25 and all("reply budget" in e.data["why"] for e in skipped)


def test_a_ticket_robot_that_answers_everything_runs_out_of_partners(bot) -> None:
    """Each acknowledgement reaches a robot that opens a ticket and mails back a new message
    (no auto-reply headers, no In-Reply-To, a subject of its own): without a budget, for ever."""
    port, sink, app = bot
    robot = "helpdesk@vendor.example"
    send_all(port, [make_request(sender=robot, subject="Foggy window")], robot)
    answered = 0
    for round_ in range(12):
        processed(app, round_ + 1)
        if sink.count == answered:
            break
        answered = sink.count
        ticket = make_request(
            sender=robot,
            subject=f"[Ticket#{1000 + round_}] We received your message",
            body="Thank you for contacting Vendor support. A ticket was opened.\n",
        )
        send_all(port, [ticket], robot)
    assert answered == 5 and round_ < 11  # the exchange stopped by itself


def test_refusals_do_not_follow_a_hundred_reply_to_victims(bot) -> None:
    port, sink, app = bot
    messages = [
        make_request(
            sender="Mallory <mallory@evil.test>",
            to="accountteam@example.com",
            subject=f"Quote {i}",
            extra={"Reply-To": f"victim{i}@example.org"},
        )
        for i in range(100)
    ]
    send_all(port, messages, "mallory@evil.test")
    rows = processed(app, 100)
    assert all(r.outcome == "reject" for r in rows)
    assert sink.count == 1  # one refusal for the envelope sender's whole flood, not 100


def test_refusals_do_not_follow_a_new_forged_from_each_time(bot) -> None:
    """One envelope sender, a different From (a victim) on each message: one refusal."""
    port, sink, app = bot
    messages = [
        make_request(sender=f"victim{i}@example.org", to="accountteam@example.com")
        for i in range(20)
    ]
    send_all(port, messages, "bulk@evil.test")
    processed(app, 20)
    wait_for(lambda: sink.count >= 1)
    assert sink.count == 1


def test_staff_vouched_for_have_no_budget(bot) -> None:
    port, sink, app = bot
    am = "Alex Martin <alex.martin@example.com>"
    body = "Quote for Ridgeline Homes.\nProduct specs: 4 awning windows\nPricing factor: 0.6\n"
    messages = [
        make_request(sender=am, to="accountteam@example.com", subject=f"Quote {i}", body=body)
        for i in range(8)
    ]
    send_all(port, messages, "alex.martin@example.com")
    processed(app, 8)
    wait_for(lambda: sink.count == 8)
