"""Round trips per message, pinned: a change that adds statements to the message path fails.

On SQLite every ORM row is an INSERT of its own and every statement costs its share of the
per-message CPU (issue 11: the database's part was about a quarter of it). The ceilings
below are what the path sends today, counted with a `before_cursor_execute` listener, for
a staff quote request like those of `bench/peer.py` (the front door's transaction, then the
worker's). Lower them when a change saves a statement; never raise them to make a test pass
without knowing which statement was added and why it cannot be avoided.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import event, select

from intake.bot.app import App, build_app
from intake.bot.config import Settings
from intake.bot.worker import process_one
from intake.handlers.pipeline import Result
from intake.storage import inbox
from intake.storage.models import CaseEvent, OutboxMessage
from tests.conftest import ORG_FILE
from tests.mailhelpers import make_request

T0 = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)  # a Monday, 10:00 in Edmonton

# Today's counts (2026-12-06): the front door BEGIN + INSERT; the worker BEGIN, claim,
# SAVEPOINT, dedupe look-up, case number, owners' loads, then one flush (case, dedupe key,
# message in, clocks x2, outbox row, message out, inbox row) with every event in one
# INSERT, RELEASE. Before the round-trip work of issue 11: 25 for the worker (the case
# inserted, then updated for its owner and due date; each event but a step's an INSERT).
DOOR_STATEMENTS = 2
NEW_CASE_STATEMENTS = 16
ATTACHMENT_STATEMENTS = 1  # one more INSERT per attached file
# A reply that completes the case: claim, dedupe and thread look-ups, the case's clocks
# (read once), the case's messages and earlier checks read (these two flush what the
# message changed so far), then the last flush. Before: 23.
REPLY_STATEMENTS = 19

QUOTE = """Dear underwriting team,

please prepare a quote for Acme Logistics regarding our fleet policy.

Account: 482913-C
Factor: 0.52
Close date: 15.06.2025
Sum insured: EUR 4,500,000
Broker ref: BR-4821
Contact phone: +49 40 5551234

We have reviewed last year's figures with our finance team and would like to move forward
before the end of the quarter.

Best regards,
Anna Meyer
Acme Logistics
"""
ANSWER = """Factor: 0.52
Opportunity name: Acme - fleet
Opportunity type: Standard
Product specs: fleet policy, 40 vehicles
Stage: Submissions
"""


@dataclass
class Counts:
    """Statements and commits seen by the engine, by phase."""

    phase: str = ""
    statements: dict[str, list[str]] = field(default_factory=dict)
    commits: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    settings = Settings.model_validate(
        {"database": {"url": f"sqlite:///{tmp_path}/intake.db"}, "bot": {"org": str(ORG_FILE)}}
    )
    app = build_app(settings)
    yield app
    app.close()


@pytest.fixture
def counts(app: App) -> Iterator[Counts]:
    seen = Counts()

    def statement(_conn, _cursor, text: str, _params, _context, _many) -> None:  # noqa: ANN001
        seen.statements.setdefault(seen.phase, []).append(" ".join(text.split())[:80])

    def commit(_conn) -> None:  # noqa: ANN001
        seen.commits[seen.phase] = seen.commits.get(seen.phase, 0) + 1

    event.listen(app.engine, "before_cursor_execute", statement)
    event.listen(app.engine, "commit", commit)
    yield seen
    event.remove(app.engine, "before_cursor_execute", statement)
    event.remove(app.engine, "commit", commit)


def quote(subject: str = "Quote request Prairie Crest #1000", **headers: str) -> EmailMessage:
    """A staff quote request to the quote mailbox, as in the peer benchmark's mix."""
    return make_request(
        sender="Alex Martin <alex.martin@example.com>",
        to="Account Team <accountteam@example.com>",
        subject=subject,
        body=QUOTE,
        extra={name.replace("_", "-"): value for name, value in headers.items()},
    )


def deliver(app: App, counts: Counts, raw: bytes, tag: str, when: datetime = T0) -> Result:
    """What `intake serve` does with one message: the front door commits it, then the
    worker processes it in a transaction of its own; counted as `tag`-door, `tag`-worker."""
    counts.phase = f"{tag}-door"
    with app.sessions() as session, session.begin():
        inbox.store_inbound(
            session,
            raw=raw,
            channel="replay",  # trusted, as bench/peer.py delivers
            received_at=when,
            mail_from="alex.martin@example.com",
            rcpt_tos=["accountteam@example.com"],
        )
    counts.phase = f"{tag}-worker"
    result = process_one(app.sessions, app.pipeline, lambda _row: when)
    counts.phase = ""
    assert isinstance(result, Result)
    return result


def warm_up(app: App, counts: Counts) -> None:
    """One message first, uncounted: the counter row and the owners' loads exist after it,
    as they do for every message but a database's first."""
    deliver(app, counts, quote(subject="warm-up").as_bytes(), "warm-up")


def test_a_new_case_costs_two_commits_and_a_fixed_number_of_statements(
    app: App, counts: Counts
) -> None:
    warm_up(app, counts)
    result = deliver(app, counts, quote().as_bytes(), "new")
    assert result.outcome == "new_case" and result.replies == ["ack"]
    assert counts.commits["new-door"] == 1  # stored before 250
    assert counts.commits["new-worker"] == 1  # processed, its rows and events: one commit
    assert len(counts.statements["new-door"]) <= DOOR_STATEMENTS, counts.statements["new-door"]
    worker = counts.statements["new-worker"]
    assert len(worker) <= NEW_CASE_STATEMENTS, "\n".join(worker)
    events = [s for s in worker if s.startswith("INSERT INTO case_events")]
    assert len(events) == 1  # the message's whole trail in one statement
    assert not [s for s in worker if s.startswith("UPDATE cases")]  # written once, complete


def test_an_attachment_adds_one_insert(app: App, counts: Counts) -> None:
    warm_up(app, counts)
    msg = quote()
    msg.add_attachment(b"\xff\xd8\xff\xe0" + bytes(2048), "image", "jpeg", filename="scan.jpg")
    assert deliver(app, counts, msg.as_bytes(), "attached").outcome == "new_case"
    worker = counts.statements["attached-worker"]
    assert len(worker) <= NEW_CASE_STATEMENTS + ATTACHMENT_STATEMENTS, "\n".join(worker)


def test_a_reply_costs_two_commits_and_a_fixed_number_of_statements(
    app: App, counts: Counts
) -> None:
    warm_up(app, counts)
    partial = quote()
    partial.set_content(QUOTE.replace("Factor: 0.52\n", ""))
    opened = deliver(app, counts, partial.as_bytes(), "partial")
    assert opened.outcome == "new_case" and "factor" in opened.missing
    with app.sessions() as session:
        ack = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert ack is not None
    later = T0 + timedelta(hours=1)
    answer = quote(subject=f"Re: [{opened.case_number}] Quote request", In_Reply_To=ack.message_id)
    answer.set_content(ANSWER)
    replied = deliver(app, counts, answer.as_bytes(), "reply", when=later)
    assert replied.outcome == "append" and replied.replies == ["confirm"]
    assert counts.commits["reply-worker"] == 1
    worker = counts.statements["reply-worker"]
    assert len(worker) <= REPLY_STATEMENTS, "\n".join(worker)


def test_the_trail_keeps_its_order_when_written_in_one_statement(app: App, counts: Counts) -> None:
    """Events written at the flush, in one INSERT, keep the order the steps noted them in."""
    deliver(app, counts, quote().as_bytes(), "new")
    with app.sessions() as session:
        kinds = [e.kind for e in session.scalars(select(CaseEvent).order_by(CaseEvent.id))]
    fields = kinds.count("field_set")
    assert kinds[: fields + 3] == ["opened", *["field_set"] * fields, "status_changed", "assigned"]
    assert kinds.index("sla_started") > kinds.index("assigned")
    assert kinds[-1] == "reply_queued"
