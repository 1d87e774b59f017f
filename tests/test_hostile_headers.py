"""Hostile header and envelope values reach every column they fill, on both backends.

8-bit bytes in Message-ID, In-Reply-To or References once reached the INSERT as surrogate
escapes (the worker failed three times and shunted the message: no case, no reply); on
PostgreSQL a long display name, address or content type overflowed its varchar column, and
a NUL in MAIL FROM was answered 451 for ever. One test per column that stores text taken
from a message or its envelope: each sends the hostile value in (through the real SMTP
listener where the trouble was at arrival, else stored as the front door stores it and run
through the worker) and reads back what was stored. The raw bytes keep every value whole.
"""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select

from intake.bot.app import App, build_app
from intake.bot.config import Settings
from intake.bot.serve import serve
from intake.bot.worker import drain
from intake.storage import inbox
from intake.storage.models import (
    AttachmentRow,
    Case,
    CaseEvent,
    CaseMessage,
    InboundMessage,
    OutboxMessage,
    ProcessedKey,
)
from intake.storage.safe_text import column_length, fit
from tests.conftest import ORG_FILE
from tests.mailhelpers import Sink, free_port, wait_for, wait_for_port
from tests.test_pipeline import T0

BODY = (
    b"The kitchen window is foggy between the panes.\r\n\r\n"
    b"Name: Pat Lee\r\nPhone: 403-555-0188\r\nAddress: 12 Elm Street, Calgary AB\r\n"
)
CAFE = "caf\u00e9".encode()  # valid UTF-8: stored as the text it spells
BAD = b"\xff\xfe"  # not UTF-8: stored as a visible escape
LONG_NAME = b"Pat " + b"N" * 396  # 400 characters
ADDRESS_330 = b"p" * 64 + b"@" + b"d" * 253 + b".example.net"


def message(headers: dict[str, bytes | None] | None = None, body: bytes = BODY) -> bytes:
    """A service request as raw bytes, with `headers` replacing (or, None, removing) ours."""
    fields: dict[str, bytes | None] = {
        "From": b"Pat Lee <pat@example.net>",
        "To": b"connectyou@example.com",
        "Subject": b"Foggy window",
        "Date": b"Mon, 02 Nov 2026 10:00:00 -0700",
        "Message-ID": b"<plain@example.net>",
    }
    fields.update(headers or {})
    head = b"".join(
        name.encode() + b": " + value + b"\r\n"
        for name, value in fields.items()
        if value is not None
    )
    return head + b"\r\n" + body


# --- the pipeline, on both backends ---------------------------------------------------------


def deliver(app: App, raw: bytes, mail_from: str | None = "pat@example.net") -> InboundMessage:
    """Stored as the SMTP front door stores it, then run by the worker; the inbox row after."""
    with app.sessions() as session, session.begin():
        row_id = inbox.store_inbound(
            session,
            raw=raw,
            channel="smtp",
            received_at=T0,
            mail_from=mail_from,
            rcpt_tos=["connectyou@example.com"],
        ).id
    drain(app.sessions, app.pipeline, lambda row: T0, max_attempts=1)
    with app.sessions() as session:
        row = session.get(InboundMessage, row_id)
        assert row is not None
        session.expunge(row)
    assert row.state == "done", row.error  # never shunted
    assert row.raw == raw  # the full value is still there, byte for byte
    return row


def rows(app: App, model: Any) -> list[Any]:
    with app.sessions() as session:
        found = list(session.scalars(select(model).order_by(model.id)))
        session.expunge_all()
        return found


def the_case(app: App) -> Case:
    (case,) = rows(app, Case)
    return case


# Every String(n) column filled with text from a message or its envelope.
OUTSIDE_TEXT = (
    InboundMessage.mail_from,
    InboundMessage.peer,
    InboundMessage.message_id,
    CaseMessage.message_id,
    CaseMessage.sender,
    AttachmentRow.filename,
    AttachmentRow.content_type,
    Case.requester_email,
    Case.requester_name,
    CaseEvent.actor,
)


def test_fit_cuts_to_the_length_the_database_has(app: App) -> None:
    """The lengths `fit` reads from the model are the ones the migrations gave the tables."""
    inspector = inspect(app.engine)
    for column in OUTSIDE_TEXT:
        table = column.property.columns[0].table.name
        (found,) = (c for c in inspector.get_columns(table) if c["name"] == column.key)
        assert len(fit(column, "x" * 5000)) == found["type"].length, column
    assert fit(Case.subject, "x" * 5000) == "x" * 5000  # Text: nothing to cut


def test_inbound_message_id_with_8bit_bytes_is_stored_decoded(app: App) -> None:
    row = deliver(app, message({"Message-ID": b"<" + CAFE + BAD + b"\x00@example.net>"}))
    assert row.message_id == "<caf\u00e9\\xff\\xfe@example.net>"
    assert row.outcome == "new_case"


def test_inbound_peer_is_cut_to_its_column(app: App) -> None:
    """The peer comes from the socket, but a front door may pass anything."""
    with app.sessions() as session, session.begin():
        row = inbox.store_inbound(
            session, raw=message(), channel="smtp", received_at=T0, peer="::1\x00" + "9" * 500
        )
        stored = row.id
    with app.sessions() as session:
        peer = session.get(InboundMessage, stored).peer  # type: ignore[union-attr]
    assert peer == ("::1" + "9" * 500)[: column_length(InboundMessage.peer)]


def test_processed_key_of_an_8bit_message_id_makes_the_twin_a_duplicate(app: App) -> None:
    hostile = message({"Message-ID": b"<" + CAFE + BAD + b"@example.net>"})
    first = deliver(app, hostile)
    second = deliver(app, hostile)
    assert (first.outcome, second.outcome) == ("new_case", "ignore")
    assert second.reason == f"duplicate of inbound #{first.id}"
    with app.sessions() as session:
        (key,) = session.scalars(select(ProcessedKey)).all()
        assert (key.dedupe_key, key.inbound_id) == (first.dedupe_key, first.id)
    assert len(rows(app, Case)) == 1 and len(rows(app, OutboxMessage)) == 1


def test_dedupe_key_tells_apart_ids_that_differ_only_in_8bit_bytes(app: App) -> None:
    """Read as '?', <\\xff@x> and <\\xfe@x> were one key: the second message was lost."""
    first = deliver(app, message({"Message-ID": b"<\xff@example.net>"}))
    second = deliver(app, message({"Message-ID": b"<\xfe@example.net>", "Subject": b"Door"}))
    assert first.dedupe_key != second.dedupe_key
    assert (first.outcome, second.outcome) == ("new_case", "new_case")


def test_case_message_id_with_8bit_bytes_threads_the_reply(app: App) -> None:
    hostile_id = b"<" + CAFE + BAD + b"@example.net>"
    deliver(app, message({"Message-ID": hostile_id}))
    reply = deliver(
        app,
        message(
            {
                "Message-ID": b"<reply@example.net>",
                "Subject": b"more about my window",
                "In-Reply-To": hostile_id,
                "References": b"<elsewhere@example.net> " + hostile_id,
            },
            body=b"It is the one over the sink.\r\n",
        ),
    )
    assert reply.outcome == "append" and reply.reason == "joined by In-Reply-To/References"
    first, second = (m for m in rows(app, CaseMessage) if m.direction == "in")
    assert first.message_id == "<caf\u00e9\\xff\\xfe@example.net>"
    assert second.case_id == first.case_id == the_case(app).id


def test_case_message_id_of_four_byte_characters_fits_the_index(app: App) -> None:
    """998 characters fit varchar(998), but not PostgreSQL's btree at four bytes each."""
    giant = "".join(chr(0x20000 + i * 7) for i in range(990)).encode()
    deliver(app, message({"Message-ID": b"<" + giant + b"@example.net>"}))
    (stored,) = (m.message_id for m in rows(app, CaseMessage) if m.direction == "in")
    assert len(stored.encode()) <= column_length(CaseMessage.message_id)  # type: ignore[operator]
    assert giant.decode().startswith(stored[1:])


def test_case_message_sender_of_330_characters(app: App) -> None:
    deliver(app, message({"From": b"Pat <" + ADDRESS_330 + b">"}))
    (stored,) = (m.sender for m in rows(app, CaseMessage) if m.direction == "in")
    assert stored == ADDRESS_330.decode()[: column_length(CaseMessage.sender)]


def test_case_message_subject_with_nul_and_utf8_bytes(app: App) -> None:
    deliver(app, message({"Subject": b"Foggy\x00 " + CAFE + b" window"}))
    (stored,) = (m.subject for m in rows(app, CaseMessage) if m.direction == "in")
    assert stored == "Foggy caf\u00e9 window"
    assert the_case(app).subject == stored


def test_case_subject_is_stored_without_controls(app: App) -> None:
    deliver(app, message({"Subject": b"=?utf-8?q?Foggy=00=1B[31m_window?="}))
    assert the_case(app).subject == "Foggy[31m window"


def test_case_requester_name_of_400_characters(app: App) -> None:
    assert len(LONG_NAME) == 400
    deliver(app, message({"From": b'"' + LONG_NAME + b'\x00" <pat@example.net>'}))
    case = the_case(app)
    assert case.requester_name == LONG_NAME.decode()[: column_length(Case.requester_name)]
    assert case.requester_email == "pat@example.net"


def test_case_requester_email_of_330_characters(app: App) -> None:
    assert len(ADDRESS_330) == 330
    deliver(app, message({"From": b"Pat <" + ADDRESS_330 + b">"}))
    case = the_case(app)
    assert case.requester_email == ADDRESS_330.decode()[: column_length(Case.requester_email)]
    assert case.status in ("open", "awaiting_info")


def test_case_event_actor_of_330_characters(app: App) -> None:
    deliver(app, message({"From": b"Pat <" + ADDRESS_330 + b">"}))
    actors = {e.actor for e in rows(app, CaseEvent)}
    assert ADDRESS_330.decode()[: column_length(CaseEvent.actor)] in actors
    assert all(len(a) <= column_length(CaseEvent.actor) for a in actors)  # type: ignore[operator]


def with_attachment(filename_param: bytes, content_type: bytes) -> bytes:
    head = message(
        {"Content-Type": b'multipart/mixed; boundary="b1"', "MIME-Version": b"1.0"}, body=b""
    )
    return (
        head + b"--b1\r\nContent-Type: text/plain\r\n\r\n" + BODY + b"--b1\r\n"
        b"Content-Type: " + content_type + b"\r\n"
        b"Content-Disposition: attachment; " + filename_param + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b1--\r\n"
    )


def test_attachment_content_type_of_412_characters(app: App) -> None:
    ctype = b"image/" + b"x" * 406
    assert len(ctype) == 412
    deliver(app, with_attachment(b'filename="photo.jpg"', ctype))
    (att,) = rows(app, AttachmentRow)
    assert att.content_type == ctype.decode()[: column_length(AttachmentRow.content_type)]
    assert att.content == b"\x00\x01\x02"


def test_attachment_filename_with_nul_and_400_characters(app: App) -> None:
    name = CAFE + b"\x00" + b"y" * 400 + b".jpg"
    deliver(app, with_attachment(b'filename="' + name + b'"', b"image/jpeg"))
    (att,) = rows(app, AttachmentRow)
    assert att.filename.startswith("caf\u00e9yyy") and "\x00" not in att.filename
    assert att.filename.endswith(".jpg")
    assert len(att.filename) <= column_length(AttachmentRow.filename)  # type: ignore[operator]


# --- arrival over SMTP, on both backends ----------------------------------------------------


@pytest.fixture
def listener(migrated_database_url: str, tmp_path: Path) -> Iterator[tuple[int, Sink, App]]:
    """`intake serve` in a thread, relaying its replies to a sink."""
    with Sink() as sink:
        port = free_port()
        settings = Settings.model_validate(
            {
                "database": {"url": migrated_database_url},
                "smtp": {"listen": f"127.0.0.1:{port}"},
                "slack": {"http_listen": f"127.0.0.1:{free_port()}"},  # /healthz, /metrics
                "relay": {"address": sink.address, "spool_dir": str(tmp_path / "spool")},
                "bot": {"org": str(ORG_FILE)},
                "worker": {"poll_seconds": 0.1},
                "outbox": {"poll_seconds": 0.1, "backoff_first_seconds": 0.2},
            }
        )
        app = build_app(settings)
        stop = threading.Event()
        thread = threading.Thread(target=serve, args=(app, stop), daemon=True)
        thread.start()
        wait_for_port(port)
        try:
            yield port, sink, app
        finally:
            stop.set()
            thread.join(15)
            app.close()


def send_raw(port: int, mail_from: bytes, raw: bytes) -> tuple[int, bytes]:
    """One SMTP transaction with MAIL FROM written byte for byte; the answer to DATA."""
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.ehlo()
        client.send(b"MAIL FROM:<" + mail_from + b">\r\n")
        code, answer = client.getreply()
        assert code == 250, answer
        assert client.rcpt("connectyou@example.com")[0] == 250
        return client.data(raw)


def processed(app: App, count: int) -> list[InboundMessage]:
    def done() -> list[InboundMessage] | None:
        found = rows(app, InboundMessage)
        return found if len(found) == count and all(r.state != "new" for r in found) else None

    return wait_for(done)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("written", "stored"),
    [(b"pat\x00@example.net", "pat@example.net"), (b"p\xffat@example.net", "p\\xffat@example.net")],
    ids=["NUL", "8-bit"],
)
def test_inbound_mail_from_with_nul_or_8bit_is_answered_250(
    listener: tuple[int, Sink, App], written: bytes, stored: str
) -> None:
    port, sink, app = listener
    code, _ = send_raw(port, written, message())
    assert code == 250
    (row,) = processed(app, 1)
    assert (row.state, row.outcome, row.mail_from) == ("done", "new_case", stored)
    ack = wait_for(lambda: sink.messages)[0]
    assert ack["To"] == "pat@example.net" and "[CASE-000001]" in ack["Subject"]


@pytest.mark.slow
def test_inbound_dedupe_key_of_an_8bit_message_id_over_smtp(
    listener: tuple[int, Sink, App],
) -> None:
    """The same hostile message delivered twice (a sender's retry): one case, one reply."""
    port, sink, app = listener
    hostile = message({"Message-ID": b"<" + CAFE + BAD + b"@example.net>"})
    assert send_raw(port, b"pat@example.net", hostile)[0] == 250
    assert send_raw(port, b"pat@example.net", hostile)[0] == 250
    first, second = processed(app, 2)
    assert first.dedupe_key == second.dedupe_key
    assert (first.outcome, second.outcome) == ("new_case", "ignore")
    assert first.message_id == "<caf\u00e9\\xff\\xfe@example.net>"
    wait_for(lambda: [r.state for r in rows(app, OutboxMessage)] == ["sent"])
    assert len(rows(app, Case)) == 1 and sink.count == 1
