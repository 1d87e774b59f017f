"""Pins the `route_mailbox` step: which of our mailboxes a message was sent to; called on its
own with a `Context` built directly (see tests/unit/builders.py), asserting the exact
outcome."""

from __future__ import annotations

from sqlalchemy.orm import Session

from intake.handlers import pipeline
from tests.unit.builders import (
    QUOTES,
    QUOTES_EAST,
    SERVICE,
    context,
    org,
)
from tests.unit.steps.helpers import (
    stopped,
)


def test_route_takes_the_envelope_before_to_and_cc(session: Session) -> None:
    ctx = context(session, to=QUOTES, headers={"Cc": QUOTES_EAST}, rcpt_tos=[SERVICE])
    pipeline.route_mailbox(ctx)
    assert ctx.mailbox == org().mailbox_for(SERVICE)


def test_route_skips_envelope_recipients_that_are_not_ours(session: Session) -> None:
    ctx = context(session, to=QUOTES, rcpt_tos=["someone@example.org", "ConnectYou@Example.com"])
    pipeline.route_mailbox(ctx)
    assert ctx.mailbox is not None and ctx.mailbox.address == SERVICE


def test_route_without_an_envelope_reads_to_then_cc(session: Session) -> None:
    ctx = context(session, to="someone@example.org", headers={"Cc": SERVICE}, rcpt_tos=[])
    pipeline.route_mailbox(ctx)
    assert ctx.mailbox is not None and ctx.mailbox.address == SERVICE


def test_route_rejects_mail_for_none_of_our_mailboxes(session: Session) -> None:
    ctx = context(session, to="someone@example.org", rcpt_tos=["other@example.org"])
    assert stopped(pipeline.route_mailbox, ctx) == (
        "reject",
        "not addressed to any of our mailboxes",
    )
