"""Pins the `authenticate` step: who vouches for the From address; called on its own with a
`Context` built directly (see tests/unit/builders.py), asserting the exact outcome."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.orm import Session

from intake.handlers import pipeline
from intake.handlers.senders import UNVOUCHED, SenderTrust
from tests.unit.builders import (
    AM,
    CUSTOMER,
    PAT,
    QUOTES,
    SERVICE,
    TRUSTED,
    TRUSTED_SUBMISSION,
    context,
)
from tests.unit.steps.helpers import (
    logged,
)


def test_authenticate_takes_the_stored_verdict(session: Session) -> None:
    ctx = context(session)
    ctx.inbound.sender_auth = TRUSTED_SUBMISSION
    pipeline.authenticate(ctx)
    assert ctx.trust == TRUSTED
    assert ctx.staff and ctx.verified_sender == AM


def test_authenticate_without_evidence_vouches_for_nobody(session: Session) -> None:
    ctx = context(session, trust=TRUSTED)
    pipeline.authenticate(ctx)
    assert ctx.trust == UNVOUCHED
    assert not ctx.staff and ctx.verified_sender == ""


def test_authenticate_trusts_a_signed_slack_event(session: Session) -> None:
    ctx = context(session, channel="slack")
    pipeline.authenticate(ctx)
    assert ctx.trust == SenderTrust(True, False, "Slack user (signed event)")


def test_authenticate_logs_a_company_address_nobody_vouches_for(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = context(session)
    with caplog.at_level(logging.WARNING, logger="intake.pipeline"):
        pipeline.authenticate(ctx)
    assert logged(caplog) == [
        (
            logging.WARNING,
            f"inbound #{ctx.inbound.id}: From {AM} is a company address nobody vouches for"
            f" ({UNVOUCHED.how}): outsider",
        )
    ]


def test_authenticate_warns_only_of_a_company_address_nobody_vouches_for(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=pipeline.log.name):
        pipeline.authenticate(context(session, sender=PAT, mail_from=CUSTOMER, mailbox=SERVICE))
        assert "nobody vouches for" not in caplog.text  # an outsider is no company address
        pipeline.authenticate(context(session, mailbox=QUOTES))  # the AM's address, unvouched
    assert f"From {AM} is a company address nobody vouches for" in caplog.text
