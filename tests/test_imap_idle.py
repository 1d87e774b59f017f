"""IDLE against a server that sends its announcement in the same packet as "+ idling".

A stand-in, because Dovecot cannot be made to: whether its "* 1 EXISTS" travels with the
"+ idling" depends on when a message arrives, which is how two CI runs lost the race (the
message waited out the whole IDLE). The server here is a real TCP socket speaking just
enough IMAP for imapclient, so imaplib's buffered reader behaves as against Dovecot.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from imapclient import IMAPClient

from intake.bot import imap_client
from intake.bot.imap_poller import FolderPoller
from intake.bot.imap_settings import ImapSettings, parse_imap_url

IDLING = b"+ idling\r\n"


def serve(listener: socket.socket, answer_to_idle: bytes) -> None:
    conn, _ = listener.accept()
    with conn, conn.makefile("rb") as lines:
        conn.sendall(b"* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n")
        idle_tag = b""
        for line in lines:
            if line.strip().upper() == b"DONE":  # ends IDLE: the IDLE command's own answer
                conn.sendall(idle_tag + b" OK idle done\r\n")
                continue
            tag, command = (line.split(b" ", 2) + [b""])[:2]
            command = command.strip().upper()
            if command == b"CAPABILITY":
                conn.sendall(b"* CAPABILITY IMAP4rev1 IDLE\r\n" + tag + b" OK done\r\n")
            elif command == b"IDLE":
                idle_tag = tag
                conn.sendall(answer_to_idle)  # in one packet
            else:
                conn.sendall(tag + b" OK done\r\n")


@pytest.fixture
def client(request: pytest.FixtureRequest) -> Iterator[IMAPClient]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    threading.Thread(target=serve, args=(listener, request.param), daemon=True).start()
    conn = IMAPClient("127.0.0.1", port=listener.getsockname()[1], ssl=False, timeout=5)
    yield conn
    conn.socket().close()
    listener.close()


@pytest.mark.parametrize("client", [IDLING + b"* 1 EXISTS\r\n"], indirect=True)
def test_an_announcement_sent_with_the_idling_is_read_from_the_buffer(client) -> None:
    client.idle()
    assert client.idle_check(timeout=0.5) == []  # imapclient alone never sees it
    assert imap_client.buffered_lines(client) == [b"* 1 EXISTS"]
    assert imap_client.buffered_lines(client) == []  # taken out, once


@pytest.mark.parametrize("client", [IDLING], indirect=True)
def test_nothing_buffered_is_nothing_and_never_waits(client) -> None:
    client.idle()
    started = time.monotonic()
    assert imap_client.buffered_lines(client) == []
    assert time.monotonic() - started < 0.5
    assert client.socket().gettimeout() == 5  # the socket's time-out is put back


@pytest.mark.parametrize("client", [IDLING + b"* 1 EXISTS\r\n"], indirect=True)
def test_the_poller_ends_idle_at_once_for_an_announcement_sent_with_the_idling(client) -> None:
    account = parse_imap_url(
        "imap://user:pass@127.0.0.1/INBOX?mailbox=connectyou@example.com&security=none"
    )
    settings = ImapSettings(accounts=[], idle_seconds=30)
    poller = FolderPoller(account, "INBOX", settings, sessions=None, now=lambda: datetime.now(UTC))  # type: ignore[arg-type]
    started = time.monotonic()
    assert poller._idle(client) is True
    assert time.monotonic() - started < 5  # not the 30 s of idle_seconds
