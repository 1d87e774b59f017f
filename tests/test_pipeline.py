"""The pipeline end to end over the database: real parser, real extractor, real templates.

Messages are built as bytes the way mail clients write them, stored like a front door
stores them, and processed by the worker with an explicit clock.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from sqlalchemy import event, select, update

from intake.bot.worker import drain, process_one
from intake.handlers.pipeline import Result
from intake.storage.models import Case, CaseEvent, Counter, InboundMessage, OutboxMessage
from tests.mailhelpers import store_submission

T0 = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)  # a Monday, 10:00 in Edmonton


def mail(
    body: str,
    *,
    sender: str = "Alex Martin <alex.martin@example.com>",
    to: str = "accountteam@example.com",
    subject: str = "Quote please",
    when: datetime = T0,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="mail.example.com")
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(body)
    return msg


def deliver(
    app,
    msg: EmailMessage | bytes,
    when: datetime = T0,
    mail_from: str | None = None,
    rcpt: list[str] | None = None,
) -> Result:
    raw = msg if isinstance(msg, bytes) else msg.as_bytes()
    with app.sessions() as session, session.begin():
        store_submission(session, raw, received_at=when, mail_from=mail_from, rcpt_tos=rcpt or [])
    results = drain(app.sessions, app.pipeline, lambda row: when)
    assert len(results) == 1
    return results[0]


def outbox(app) -> list[OutboxMessage]:
    with app.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def reply_to(
    msg: OutboxMessage,
    body: str,
    when: datetime,
    sender: str | None = None,
    keep_subject: bool = True,
) -> EmailMessage:
    sent = email.message_from_bytes(msg.raw, policy=email.policy.default)
    return mail(
        body,
        sender=sender or "Alex Martin <alex.martin@example.com>",
        subject=("Re: " + str(sent["Subject"])) if keep_subject else "Re: your note",
        when=when,
        headers={"In-Reply-To": msg.message_id, "References": msg.message_id},
    )


COMPLETE_QUOTE = """Please quote:

Account: Prairie Crest Homes
Product specs: 10 casements 30x48, triple pane
Factor: 0.52
Opportunity name: PCH - Lot 9
Opportunity type: Standard
Stage: Submissions
Close date: 2026-12-18
"""

PARTIAL_QUOTE = """Please quote:

Account: Prairie Crest Homes
Product specs: 10 casements 30x48, triple pane
Opportunity name: PCH - Lot 9
Opportunity type: Standard
"""


def test_complete_request_opens_an_open_case_and_is_acknowledged(app) -> None:
    result = deliver(app, mail(COMPLETE_QUOTE))
    assert result.outcome == "new_case" and result.case_number == "CASE-000001"
    assert result.queue == "quotes" and result.missing == []
    assert result.replies == ["ack"]
    assert result.fields["factor"] == "0.52"
    (ack,) = outbox(app)
    parsed = email.message_from_bytes(ack.raw, policy=email.policy.default)
    assert parsed["Subject"] == "[CASE-000001] Quote please"
    assert b"\r\nSubject: [CASE-000001] Quote please\r\n" in ack.raw  # readable, not =?utf-8?q?
    assert parsed["Auto-Submitted"] == "auto-replied"
    text = parsed.get_body(("plain",)).get_content()
    assert "CASE-000001" in text and "Prairie Crest Homes" in text
    assert "due by Wed 4 Nov, 10:00 MST." in text  # 48 h later, in the team's time zone
    with app.sessions() as session:
        case = session.scalars(select(Case)).one()
        assert case.status == "open" and case.account_id == "ACC-1001"
        kinds = [e.kind for e in session.scalars(select(CaseEvent).order_by(CaseEvent.id))]
    assert kinds[0] == "opened" and "reply_queued" in kinds and "field_set" in kinds


def test_a_message_writes_its_events_in_one_statement_in_trail_order(app) -> None:
    """The events of a message (opened or message_received, each field, the status, the
    owner, the clocks, the reply) are written with the flush in one INSERT, not one per
    event (storage/audit.py), and keep the order the steps noted them in. A reply's are
    split once, by the flush before its earlier checks are read."""
    inserts: list[int] = []  # rows of each INSERT INTO case_events

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith("INSERT INTO case_events"):
            inserts.append(len(parameters) if executemany else 1)

    event.listen(app.engine, "before_cursor_execute", record)
    try:
        deliver(app, mail(PARTIAL_QUOTE))
        opening = list(inserts)
        inserts.clear()
        (ack,) = outbox(app)
        later = T0 + timedelta(hours=1)
        answer = "Factor: 0.52\nStage: Submissions\nClose date: 2026-12-18"
        deliver(app, reply_to(ack, answer, later), when=later)
        joining = list(inserts)
    finally:
        event.remove(app.engine, "before_cursor_execute", record)
    with app.sessions() as session:
        kinds = [e.kind for e in session.scalars(select(CaseEvent).order_by(CaseEvent.id))]
    fields = 5  # account and its id, specs, opportunity name and type
    assert kinds[: fields + 3] == ["opened", *["field_set"] * fields, "status_changed", "assigned"]
    first = kinds.index("message_received")
    assert opening == [first]  # the new case's whole trail: one statement
    assert len(joining) == 2 and sum(joining) == len(kinds) - first
    assert kinds.index("message_received") > kinds.index("reply_queued")
    assert kinds[-1] == "reply_queued"


def test_missing_fields_are_asked_for_then_completed_then_left_alone(app) -> None:
    first = deliver(app, mail(PARTIAL_QUOTE))
    assert sorted(first.missing) == ["close_date", "factor", "stage"]
    (ack,) = outbox(app)
    assert (
        "- factor"
        in email.message_from_bytes(ack.raw).get_payload()[0].get_payload(decode=True).decode()
    )

    partial = deliver(
        app, reply_to(ack, "Factor: 0.50\n", T0 + timedelta(hours=1)), T0 + timedelta(hours=1)
    )
    assert partial.outcome == "append" and partial.case_number == first.case_number
    assert partial.replies == ["request_info"]
    assert sorted(partial.missing) == ["close_date", "stage"]

    last = deliver(
        app,
        reply_to(ack, "Stage: Funding\nClose date: 2026-12-30\n", T0 + timedelta(hours=2)),
        T0 + timedelta(hours=2),
    )
    assert last.replies == ["confirm"] and last.missing == []
    assert last.fields == {"stage": "Funding", "close_date": "2026-12-30"}

    revision = deliver(
        app, reply_to(ack, "Factor: 0.49\n", T0 + timedelta(hours=3)), T0 + timedelta(hours=3)
    )
    assert revision.outcome == "append" and revision.replies == []
    with app.sessions() as session:
        case = session.scalars(select(Case)).one()
        assert case.status == "open" and case.fields["factor"] == "0.49"


def test_in_reply_to_our_ack_threads_without_a_case_number(app) -> None:
    deliver(app, mail(COMPLETE_QUOTE))
    (ack,) = outbox(app)
    result = deliver(
        app,
        reply_to(ack, "Any news?", T0 + timedelta(hours=5), keep_subject=False),
        T0 + timedelta(hours=5),
    )
    assert result.outcome == "append" and result.case_number == "CASE-000001"


def test_unknown_case_number_in_subject_opens_a_new_case(app) -> None:
    result = deliver(app, mail(COMPLETE_QUOTE, subject="Re: [CASE-000777] lost thread"))
    assert result.outcome == "new_case" and result.case_number == "CASE-000001"


def test_outside_sender_to_the_quote_mailbox_is_refused_once_a_day(app) -> None:
    spam = mail(COMPLETE_QUOTE, sender="Jordan <jordan@example.org>")
    first = deliver(app, spam)
    assert first.outcome == "reject" and first.replies == ["refusal"]
    again = deliver(
        app,
        mail("Did you get my quote request?", sender="Jordan <jordan@example.org>"),
        T0 + timedelta(hours=2),
    )
    assert again.outcome == "reject" and again.replies == []
    later = deliver(
        app, mail("Hello?", sender="Jordan <jordan@example.org>"), T0 + timedelta(days=2)
    )
    assert later.replies == ["refusal"]
    with app.sessions() as session:
        assert session.scalars(select(Case)).first() is None


SERVICE_REQUEST = (
    "Our patio door glass cracked.\n\nName: Sam Lee\nPhone: 403-555-0177\n"
    "Address: 8 Birch Close, Calgary AB\n"
)


def test_outsider_cannot_join_a_case_by_its_number(app) -> None:
    """On the service mailbox, which takes mail from anyone, so that the participant check
    is what keeps the outsider out (on a quote mailbox the mailbox rule refuses them first):
    the requester's reply joins CASE-000001; the outsider's, with the same subject, is
    treated as new and opens a case of its own."""
    subject = "Re: [CASE-000001] Cracked patio door"
    sam, eve = "Sam Lee <sam@example.net>", "Eve <eve@example.org>"
    opened = deliver(app, mail(SERVICE_REQUEST, sender=sam, to="connectyou@example.com"))
    assert (opened.outcome, opened.case_number) == ("new_case", "CASE-000001")
    later = T0 + timedelta(hours=1)
    reply = mail("Phone: 403-555-0100", sender=sam, to="connectyou@example.com", subject=subject)
    joined = deliver(app, reply, later)
    assert (joined.outcome, joined.case_number) == ("append", "CASE-000001")
    intruder = mail("Phone: 403-555-0999", sender=eve, to="connectyou@example.com", subject=subject)
    result = deliver(app, intruder, later)
    assert (result.outcome, result.case_number) == ("new_case", "CASE-000002")
    with app.sessions() as session:
        first = session.scalars(select(Case).where(Case.number == "CASE-000001")).one()
        assert first.fields["contact_phone"] == "+14035550100"  # the requester's, not Eve's
        assert first.participants == ["sam@example.net"]


def test_whoever_answers_our_acknowledgement_joins_the_case_and_a_guess_does_not(app) -> None:
    """A dealer the account manager forwarded the acknowledgement to answers it (reply-all,
    the service mailbox in Cc): its unguessable Message-ID in References lets them on the
    case. The request's own Message-ID (which every recipient of the request saw) and a
    reminder-shaped one (derived, guessable) do not."""
    subject = "Re: [CASE-000001] Fogged units"
    opened = deliver(app, mail(SERVICE_REQUEST, to="connectyou@example.com", subject="Fogged"))
    assert (opened.outcome, opened.case_number) == ("new_case", "CASE-000001")
    (ack,) = outbox(app)
    request_id = str(mail_ids(app)[0])
    later = T0 + timedelta(hours=1)
    dealer = "Derek <derek@dealer.example.org>"
    for guess in (request_id, "<sla.1.0.0.first@example.com>"):
        outsider = mail(
            "Screen torn too.",
            sender=dealer,
            to="connectyou@example.com",
            subject=subject,
            headers={"References": guess},
        )
        assert deliver(app, outsider, later).outcome == "new_case"
    holder = mail(
        "Screen torn too, photo to follow.",
        sender=dealer,
        to="connectyou@example.com",
        subject=subject,
        headers={"References": f"{request_id} {ack.message_id}"},
    )
    joined = deliver(app, holder, later)
    assert (joined.outcome, joined.case_number) == ("append", "CASE-000001")
    with app.sessions() as session:
        first = session.scalars(select(Case).where(Case.number == "CASE-000001")).one()
        assert "derek@dealer.example.org" in first.participants


def mail_ids(app) -> list[str]:
    """The Message-IDs of the mail taken in, oldest first."""
    with app.sessions() as session:
        return list(session.scalars(select(InboundMessage.message_id).order_by(InboundMessage.id)))


def test_customer_service_request_is_open_to_anyone(app) -> None:
    result = deliver(
        app,
        mail(
            SERVICE_REQUEST,
            sender="Sam Lee <sam@example.net>",
            to="connectyou@example.com",
            subject="Cracked patio door",
        ),
    )
    assert result.outcome == "new_case" and result.queue == "service"
    assert result.replies == ["ack"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"List-Id": "<news.example.org>"},
        {"X-Loop": "accountteam@example.com"},
    ],
)
def test_auto_mail_is_stored_but_never_answered(app, headers) -> None:
    result = deliver(app, mail(COMPLETE_QUOTE, headers=headers))
    assert result.outcome == "ignore" and result.replies == []
    assert outbox(app) == []
    with app.sessions() as session:
        row = session.scalars(select(InboundMessage)).one()
        assert row.state == "done" and row.outcome == "ignore" and row.raw


def test_null_envelope_sender_is_ignored_whoever_the_from_names(app) -> None:
    """A bounce or notification (MAIL FROM:<>) is never answered, even when its From is a
    person's address that would otherwise open a case (the same message from that
    envelope sender does)."""
    null = deliver(app, mail(COMPLETE_QUOTE), mail_from="")
    assert (null.outcome, null.reason) == ("ignore", "null sender (bounce or notification)")
    assert outbox(app) == []
    person = deliver(app, mail(COMPLETE_QUOTE), mail_from="alex.martin@example.com")
    assert person.outcome == "new_case"


def test_mail_from_postmaster_is_ignored_whatever_the_envelope(app) -> None:
    """A mail daemon's From is never answered, even with an ordinary envelope sender."""
    msg = mail("Delivery failed", sender="postmaster@example.org", to="connectyou@example.com")
    result = deliver(app, msg, mail_from="bounces@example.org")
    assert (result.outcome, result.reason) == (
        "ignore",
        "sent by a mail daemon or no-reply address",
    )
    assert outbox(app) == []


def test_duplicate_delivery_changes_nothing(app) -> None:
    msg = mail(COMPLETE_QUOTE)
    deliver(app, msg)
    again = deliver(app, msg, T0 + timedelta(minutes=5))
    assert again.outcome == "ignore" and "duplicate" in again.reason
    assert len(outbox(app)) == 1


def test_a_new_message_under_a_reused_message_id_is_not_lost(app) -> None:
    """A client that gives every message one Message-ID: the second request, with its own
    subject and date, opens its own case; its re-delivery changes nothing."""
    later = T0 + timedelta(hours=2)
    first = mail(COMPLETE_QUOTE)
    second = mail(COMPLETE_QUOTE.replace("Lot 9", "Lot 10"), subject="Lot 10 too", when=later)
    for msg in (first, second):
        msg.replace_header("Message-ID", "<fixed@client.example>")
    opened = [deliver(app, first), deliver(app, second, later)]
    assert [r.outcome for r in opened] == ["new_case", "new_case"]
    assert opened[0].case_number != opened[1].case_number
    again = deliver(app, second, later + timedelta(hours=1))
    assert (again.outcome, again.reason) == (
        "ignore",
        f"duplicate of inbound #{opened[1].inbound_id}",
    )
    assert len(outbox(app)) == 2


def test_hostile_subject_cannot_inject_headers_into_our_reply(app) -> None:
    raw = (
        mail(COMPLETE_QUOTE)
        .as_bytes()
        .replace(
            b"Subject: Quote please",
            b"Subject: =?utf-8?q?Quote=0D=0ABcc=3A_victim=40example=2Eorg=0D=0AX-Evil=3A_1?=",
        )
    )
    result = deliver(app, raw)
    assert result.outcome == "new_case"
    (ack,) = outbox(app)
    parsed = email.message_from_bytes(ack.raw, policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert ack.recipients == ["alex.martin@example.com"]


def test_a_message_that_breaks_a_step_is_shunted_and_the_rest_go_on(app) -> None:
    calls = {"n": 0}
    real = app.pipeline.extractor

    class Exploding:
        def extract(self, msg, queue, **kw):
            calls["n"] += 1
            if "explode" in msg.subject:
                raise RuntimeError("extractor bug")
            return real.extract(msg, queue, **kw)

    from dataclasses import replace

    config = replace(app.pipeline, extractor=Exploding())
    for subject in ("please explode", "Quote please"):
        with app.sessions() as session, session.begin():
            store_submission(
                session, mail(COMPLETE_QUOTE, subject=subject).as_bytes(), received_at=T0
            )
    outcomes = [process_one(app.sessions, config, lambda row: T0, max_attempts=2) for _ in range(4)]
    assert outcomes[0] is None and outcomes[1] is None  # two failed attempts on the first
    assert isinstance(outcomes[2], Result) and outcomes[2].outcome == "new_case"
    assert outcomes[3] is False
    with app.sessions() as session:
        rows = session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        assert rows[0].state == "shunted" and "extractor bug" in rows[0].error
        assert rows[1].state == "done"


def test_a_message_whose_insert_always_fails_is_shunted_not_taken_again_for_ever(app) -> None:
    """A failing insert is a failed attempt like any other. The case counter set back behind
    its cases (as after a partial restore) makes every attempt to open a case collide with
    CASE-000001; an IntegrityError that was not counted had the drain take the message again
    for ever."""
    deliver(app, mail(COMPLETE_QUOTE))
    with app.sessions() as session, session.begin():
        session.execute(update(Counter).values(value=0))
        store_submission(session, mail(COMPLETE_QUOTE, subject="Lot 10").as_bytes(), received_at=T0)
    assert drain(app.sessions, app.pipeline, lambda row: T0, max_attempts=3) == []
    with app.sessions() as session:
        row = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
        assert (row.state, row.attempts) == ("shunted", 3)
        assert row.error.startswith("IntegrityError: ") and "cases" in row.error
        assert session.scalars(select(Case.subject)).all() == ["Quote please"]


HOSTILE = {
    "no headers at all": b"just some bytes\r\nand more\r\n",
    "binary garbage": bytes(range(256)) * 40,
    "broken multipart": (
        b"From: Pat <pat@example.net>\r\nTo: connectyou@example.com\r\nSubject: help\r\n"
        b'Content-Type: multipart/mixed; boundary="zzz"\r\n\r\n--zzz\r\nContent-Type: text/plain'
        b"\r\n\r\nthe door is stuck\r\n--zzz\r\nContent-Type: image/jpeg\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n"
    ),
    "8-bit header and NUL": (
        b"From: \xff\xfe Pat \x00 <pat@example.net>\r\nTo: connectyou@example.com\r\n"
        b"Subject: \xe9t\xe9\x00\r\n\r\nbody\x00 here\r\n"
    ),
    "endless header": b"From: pat@example.net\r\nTo: connectyou@example.com\r\nSubject: "
    + b"a" * 200_000
    + b"\r\n\r\nhello\r\n",
}
# What each should come to: no From is no one to answer; a readable From to the service
# mailbox (open to anyone) is a request, however broken the rest.
HOSTILE_OUTCOMES = {
    "no headers at all": ("ignore", "no sender address to answer", []),
    "binary garbage": ("ignore", "no sender address to answer", []),
    "broken multipart": ("new_case", "opened", ["ack"]),
    "8-bit header and NUL": ("new_case", "opened", ["ack"]),
    "endless header": ("new_case", "opened", ["ack"]),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_gets_its_one_right_outcome(app, name: str) -> None:
    result = deliver(app, HOSTILE[name], rcpt=["connectyou@example.com"])
    assert (result.outcome, result.reason, result.replies) == HOSTILE_OUTCOMES[name]
    with app.sessions() as session:
        row = session.scalars(select(InboundMessage)).one()
        assert row.state == "done" and row.raw == HOSTILE[name]
    for sent in outbox(app):
        parsed = email.message_from_bytes(sent.raw, policy=email.policy.default)
        assert len(str(parsed["Subject"])) <= 260  # bounded, whatever came in


def test_large_attachment_is_stored_whole_with_its_digest(app) -> None:
    import hashlib

    photo = bytes(range(256)) * (8 * 1024 * 1024 // 256)  # 8 MiB
    msg = mail(
        "Photos of the cracked unit attached.\n\nName: Sam Lee\nPhone: 403-555-0177\n"
        "Address: 8 Birch Close, Calgary AB\n",
        sender="Sam Lee <sam@example.net>",
        to="connectyou@example.com",
    )
    msg.add_attachment(photo, maintype="image", subtype="jpeg", filename="../../etc/crack.jpg")
    result = deliver(app, msg)
    assert result.outcome == "new_case"
    with app.sessions() as session:
        case = session.scalars(select(Case)).one()
        (att,) = case.attachments
        assert att.filename == "crack.jpg" and att.size == len(photo)
        assert att.sha256 == hashlib.sha256(photo).hexdigest() and att.content == photo
    assert result.fields["attachments"] == ["crack.jpg"]


def test_concurrent_workers_process_each_message_exactly_once(app) -> None:
    """Several workers (threads here; processes in production) drain one inbox at once:
    every message is processed once, and twin deliveries of one message give one case."""
    import threading

    originals = [
        mail(COMPLETE_QUOTE.replace("PCH - Lot 9", f"PCH - Lot {i}"), subject=f"Lot {i}")
        for i in range(12)
    ]
    with app.sessions() as session, session.begin():
        for msg in originals + originals[:6]:  # six arrive twice
            store_submission(session, msg.as_bytes(), received_at=T0)
    results: list[Result] = []
    lock = threading.Lock()

    def work() -> None:
        while True:
            outcome = process_one(app.sessions, app.pipeline, lambda row: T0)
            if outcome is False:
                return
            if isinstance(outcome, Result):
                with lock:
                    results.append(outcome)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(r.outcome for r in results) == ["ignore"] * 6 + ["new_case"] * 12
    with app.sessions() as session:
        cases = session.scalars(select(Case)).all()
        assert sorted(c.subject for c in cases) == sorted(f"Lot {i}" for i in range(12))
        assert sorted(c.seq for c in cases) == list(range(1, 13))
        assert all(r.state == "done" for r in session.scalars(select(InboundMessage)))
    assert len(outbox(app)) == 12


def test_the_processed_arrival_is_written_as_the_worker_saw_it(app) -> None:
    """The arrival's outcome is a Core UPDATE (storage/inbox.py `mark_done`): the database
    and the object the worker holds agree, the new case's id included."""
    from intake.handlers.pipeline import process
    from intake.storage import inbox

    with app.sessions() as session, session.begin():
        store_submission(session, mail(PARTIAL_QUOTE).as_bytes(), received_at=T0)
    with app.sessions() as session, session.begin():
        row = inbox.claim_next(session)
        assert row is not None
        result = process(session, row, app.pipeline, T0)
        assert result.outcome == "new_case" and row.case is not None
        held = (row.state, row.outcome, row.reason, row.case_id, row.processed_at)
        assert held[:3] == ("done", "new_case", "opened") and held[3] == row.case.id
        assert not session.dirty
    with app.sessions() as session:
        stored = session.get(InboundMessage, row.id)
        assert stored is not None
        assert (stored.state, stored.outcome, stored.reason, stored.case_id) == held[:4]
        assert stored.processed_at is not None
