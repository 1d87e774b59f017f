"""The SMTP front door (aiosmtpd): accept, store, commit, and only then say 250.

Cheap checks happen at RCPT (only our mailbox addresses: never an open relay) and by size
(aiosmtpd answers 552 above the limit). The authoritative checks (auto-mail, senders,
threading) happen later in the worker, from storage, so nothing here can lose a message.

Lines longer than RFC 5321's 998 octets are accepted (up to `MAX_LINE_OCTETS`): Outlook and
Exim send them (HTML on one line, long quoted replies), and Postfix and Exchange take them,
so refusing them only bounces real customers' mail for good.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from sqlalchemy.orm import Session, sessionmaker

from intake.storage import inbox

log = logging.getLogger("intake.smtp")

# (raw, peer IP, envelope sender, HELO name) -> the sender verdict kept with the message
SenderCheck = Callable[[bytes, str | None, str, str | None], dict[str, Any]]

OK_QUEUED = "250 2.0.0 OK: stored as #{id}"
REJECT_RECIPIENT = "550 5.1.1 <{address}>: no such mailbox here (this server is not a relay)"
TRY_LATER = "451 4.3.0 Could not store the message; please try again later"

# The longest line taken at DATA as it travels (CRLF not counted; a line that starts with a
# dot travels with a second one, RFC 5321 4.5.2). aiosmtpd's default (RFC 5321's 998)
# refused 6 of the 391 wild corpus messages with a permanent 500; the longest line there is
# 707,606 octets (a quoted reply written as one HTML line). A longer line still gets
# "500 Line too long" after the whole message has been read, and the session goes on.
MAX_LINE_OCTETS = 1024 * 1024


class IntakeHandler:
    """aiosmtpd hooks. `store` runs in a thread so a slow commit never stalls the loop."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        mailboxes: Collection[str],
        now: Callable[[], datetime],
        on_stored: Callable[[], None] | None = None,
        verify_sender: SenderCheck | None = None,
    ) -> None:
        """`verify_sender(raw, peer_ip, mail_from, helo)`: the sender verdict stored with the
        message (bot/sender_auth.py); None stores none (every sender is then unvouched)."""
        self.sessions = sessions
        self.mailboxes = {m.lower() for m in mailboxes}
        self.now = now
        self.on_stored = on_stored
        self.verify_sender = verify_sender

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.strip().lower() not in self.mailboxes:
            log.info("RCPT %s from %s refused: not our mailbox", address, session.peer)
            return REJECT_RECIPIENT.format(address=address[:254])
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or b""
        mail_from = "" if envelope.mail_from in (None, "<>") else envelope.mail_from
        peer = f"{session.peer[0]}:{session.peer[1]}" if session.peer else None
        peer_ip = str(session.peer[0]) if session.peer else None
        helo = session.host_name if isinstance(session.host_name, str) else None
        loop = asyncio.get_running_loop()
        try:
            row_id = await loop.run_in_executor(
                None,
                self._store,
                raw,
                mail_from,
                list(envelope.rcpt_tos),
                peer,
                (peer_ip, helo),
            )
        except Exception:  # noqa: BLE001 - any storage failure means: sender, retry later
            log.exception("could not store message from %s (%d bytes)", peer, len(raw))
            return TRY_LATER
        if self.on_stored:
            self.on_stored()
        return OK_QUEUED.format(id=row_id)

    def _store(
        self,
        raw: bytes,
        mail_from: str,
        rcpt_tos: list[str],
        peer: str | None,
        connection: tuple[str | None, str | None] = (None, None),
    ) -> int:
        # Judged before the transaction: DNS must never hold the database's write lock.
        peer_ip, helo = connection
        verdict = self.verify_sender(raw, peer_ip, mail_from, helo) if self.verify_sender else None
        with self.sessions() as session, session.begin():
            row = inbox.store_inbound(
                session,
                raw=raw,
                channel="smtp",
                received_at=self.now(),
                mail_from=mail_from,
                rcpt_tos=rcpt_tos,
                peer=peer,
                sender_auth=verdict,
            )
            row_id = row.id
        # DEBUG: at INFO a message is the pipeline's one line, once it is processed.
        log.debug("stored inbound #%s from %s (%d bytes)", row_id, peer, len(raw))
        return row_id


class LongLineSMTP(SMTP):
    """aiosmtpd's SMTP with lines up to `MAX_LINE_OCTETS` at DATA.

    `line_length_limit` is both the stream reader's buffer limit (set in `__init__`) and the
    check on each DATA line as read, CRLF included, hence + 2. (aiosmtpd's own 1001 also
    counts a transparency dot, so a 999-octet line passes; a megabyte needs no such care.)
    Commands keep their own, smaller limits (`command_size_limit`); the data size limit (552)
    still bounds the whole message.
    """

    line_length_limit = MAX_LINE_OCTETS + 2


class IntakeController(Controller):
    """The Controller, building `LongLineSMTP` servers instead of aiosmtpd's own class."""

    def factory(self) -> SMTP:
        return LongLineSMTP(self.handler, **self.SMTP_kwargs)


def make_controller(
    handler: IntakeHandler, host: str, port: int, *, hostname: str, max_size: int
) -> Controller:
    return IntakeController(
        handler,
        hostname=host,
        port=port,
        server_hostname=hostname,
        data_size_limit=max_size,
        decode_data=False,
        enable_SMTPUTF8=True,  # senders with UTF-8 mailbox names (RFC 6531) are customers too
        ready_timeout=10,
    )
