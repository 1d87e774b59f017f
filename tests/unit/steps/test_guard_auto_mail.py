"""Pins the `guard_auto_mail` step: out-of-office, bounces, lists and calendars are never
answered; called on its own with a `Context` built directly (see tests/unit/builders.py),
asserting the exact outcome."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.orm import Session

from intake.handlers import pipeline
from tests.unit.builders import (
    CUSTOMER,
    PAT,
    StubExtractor,
    config,
    context,
    fv,
)
from tests.unit.steps.helpers import (
    invitation,
    logged,
    stopped,
)


def test_guard_lets_a_person_through(session: Session) -> None:
    """The step stops auto-mail by raising Stop: returning is letting through (a Stop here
    fails the test)."""
    pipeline.guard_auto_mail(context(session, sender=PAT, mail_from=CUSTOMER))


def test_guard_ignores_a_null_envelope_sender_kept_as_stored(session: Session) -> None:
    """A bounce has MAIL FROM:<> and a From that looks human; only the stored envelope
    tells it apart, so the inbox must keep "" (not NULL) and the guard must read it."""
    ctx = context(session, sender=PAT, mail_from="")
    assert ctx.inbound.mail_from == "" and ctx.msg.return_path is None
    assert stopped(pipeline.guard_auto_mail, ctx) == (
        "ignore",
        "null sender (bounce or notification)",
    )


def test_guard_ignores_auto_mail_by_its_headers(session: Session) -> None:
    ctx = context(session, sender=PAT, mail_from=CUSTOMER, headers={"Precedence": "junk"})
    assert stopped(pipeline.guard_auto_mail, ctx) == ("ignore", "Precedence: junk")


def test_guard_ignores_a_calendar_invitation_that_asks_for_nothing(session: Session) -> None:
    ctx = context(session, invitation("Backlog review, bring your open cases."), mail_from=PAT)
    assert stopped(pipeline.guard_auto_mail, ctx) == ("ignore", "calendar invitation")
    assert ctx.config.extractor.texts == ["Backlog review, bring your open cases."]


def test_guard_lets_through_an_invitation_that_writes_out_a_request(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """Booking the quote's review as a meeting, with Account:, Factor:... in it: the
    extractor (here a stub told so) says the text is a request, so it is one, and the log
    says why a calendar invitation was let through."""
    said = {name: fv("x") for name in ("account", "factor", "product_specs")}
    cfg = config(extractor=StubExtractor(fields=said))
    ctx = context(session, invitation("Account: PCH\nFactor: .52"), cfg=cfg, mail_from=PAT)
    with caplog.at_level(logging.INFO, logger="intake.pipeline"):
        pipeline.guard_auto_mail(ctx)  # a Stop here fails the test
    assert cfg.extractor.texts == ["Account: PCH\nFactor: .52"]  # it asked, and was told so
    assert logged(caplog) == [
        (
            logging.INFO,
            f"inbound #{ctx.inbound.id}: a calendar invitation that writes out a request",
        )
    ]


def test_guard_ignores_a_message_without_a_sender(session: Session) -> None:
    ctx = context(session, sender="", mail_from=CUSTOMER)
    assert stopped(pipeline.guard_auto_mail, ctx) == ("ignore", "no sender address to answer")
