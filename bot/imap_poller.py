"""One IMAP folder of one account, fetched for as long as the bot runs.

The SMTP front door's rule holds here too: a message is stored and committed before the
server is told anything. Here "told" is the move to the processed folder (or the keyword
$IntakeStored), and the checkpoint of the highest stored UID is committed in the same
transaction as the message. So after any crash:
- a UID above the checkpoint was not stored: it is fetched (again);
- a UID at or below it that still waits in the folder was stored but not yet moved: it is
  moved (or flagged) without fetching it again;
- under a new UIDVALIDITY the UIDs mean nothing: the folder is read again from the start,
  and the dedupe key (Message-ID, else a content hash) makes each second arrival change
  nothing, as for a message an SMTP client sends twice.

The poller waits with IDLE when the server offers it (ended and issued again every
`idle_seconds`, before RFC 2177's 29 minutes), else looks every `poll_seconds`; a dropped
connection or any error is logged in one line and the poller connects again, waiting twice
as long each time up to `backoff_max_seconds`. A move (or flag) the server refuses is only
logged: the message is stored, and the next periodic look tries again, so one stuck message
never holds up the mail behind it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from email.utils import parseaddr

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError
from sqlalchemy.orm import Session, sessionmaker

from intake.bot import imap_client
from intake.bot.imap_settings import KEYWORD, ImapAccount, ImapSettings
from intake.parsers.header_section import read_headers
from intake.storage import imap_checkpoints, inbox

log = logging.getLogger("intake.imap")

ACTION_BATCH = 25  # stored messages moved (or flagged) by one command
IDLE_CHECK_SECONDS = 1.0  # how long one wait inside IDLE lasts: the bound on stopping


class ConnectionClosed(ConnectionError):
    """The server ended the session (BYE, or end of stream) while we waited in IDLE."""


def envelope_sender(raw: bytes) -> str | None:
    """The topmost Return-Path (written at final delivery): "" for the null sender of a
    bounce, None when there is none. The auto-mail guard and refusal limits read it as the
    SMTP front door's envelope sender."""
    headers = read_headers(raw)
    value = headers.get("Return-Path")
    if value is None:
        return None
    text = str(value).strip()
    if text in ("<>", ""):
        return ""
    return parseaddr(text)[1] or None


class FolderPoller(threading.Thread):
    """Fetches one folder into the inbox table until `stop()`."""

    def __init__(
        self,
        account: ImapAccount,
        folder: str,
        settings: ImapSettings,
        sessions: sessionmaker[Session],
        now: Callable[[], datetime],
        on_stored: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(name=f"imap {account.key} {folder}", daemon=True)
        self.account = account
        self.folder = folder
        self.settings = settings
        self.sessions = sessions
        self.now = now
        self.on_stored = on_stored
        self.stopping = threading.Event()
        self.mode = "starting"  # starting | idle | polling | backoff: for the log and tests
        self.label = f"{account.key} {folder}"
        self.uidvalidity = 0
        self.last_uid = 0  # the highest UID stored
        self.skip_uid = 0  # UIDs up to here were there before the first start (first_run="new")
        self._synced = False

    def stop(self) -> None:
        self.stopping.set()

    # --- the connection loop -------------------------------------------------------------

    def run(self) -> None:
        delay = self.settings.backoff_first_seconds
        while not self.stopping.is_set():
            self._synced = False
            try:
                with imap_client.session(self.account) as conn:
                    self._serve(conn)
            except Exception as exc:  # noqa: BLE001 - every failure means: connect again
                if self.stopping.is_set():
                    break
                if self._synced:  # it worked for a while: this is a new outage
                    delay = self.settings.backoff_first_seconds
                self.mode = "backoff"
                log.warning(
                    "IMAP %s: %s; connecting again in %.1fs",
                    self.label,
                    imap_client.describe(exc),
                    delay,
                )
                self.stopping.wait(delay)
                delay = min(delay * 2, self.settings.backoff_max_seconds)
        log.info("IMAP %s: stopped", self.label)

    def _serve(self, conn: IMAPClient) -> None:
        """One session: select, catch up, then wait for mail until stopped or dropped."""
        target = None
        if self.account.after_store == "move":
            target = imap_client.server_name(conn, self.account.processed_folder)
            if imap_client.ensure_folder(conn, target):
                log.info("IMAP %s: created folder %s", self.label, target)
        name = imap_client.server_name(conn, self.folder)
        folder = imap_client.select(conn, name)
        imap_client.check_folder(folder, self.account)
        self._load_checkpoint(conn, folder)
        self._settle(conn, target)
        self._sync(conn, target)
        self._synced = True
        use_idle = conn.has_capability("IDLE")
        self.mode = "idle" if use_idle else "polling"
        log.info(
            "IMAP %s: up to date (UIDVALIDITY %s, last UID %s); %s",
            self.label,
            self.uidvalidity,
            self.last_uid,
            "waiting with IDLE"
            if use_idle
            else f"no IDLE, looking every {self.settings.poll_seconds:g}s",
        )
        looked = time.monotonic()
        while not self.stopping.is_set():
            if use_idle:
                announced = self._idle(conn)
            else:
                announced = False
                self.stopping.wait(self.settings.poll_seconds)
            if self.stopping.is_set():
                break
            if not announced or time.monotonic() - looked >= self.settings.idle_seconds:
                looked = time.monotonic()
                self._look_again(conn, name, target)
            self._sync(conn, target)

    def _look_again(self, conn: IMAPClient, name: str, target: str | None) -> None:
        """The periodic look. Selecting again shows what arrived since, and whether the folder
        is still the same one (a folder deleted and made again says nothing to a session that
        has it selected, at least on Dovecot); and what could not be moved is tried again."""
        folder = imap_client.select(conn, name)
        if folder.uidvalidity != self.uidvalidity:
            self._load_checkpoint(conn, folder)
        if target is not None and imap_client.ensure_folder(conn, target):
            log.info("IMAP %s: created folder %s again", self.label, target)
        self._settle(conn, target)

    def _idle(self, conn: IMAPClient) -> bool:
        """Wait in IDLE until the server announces a message (True), `idle_seconds` pass, or
        stop (False)."""
        if imap_client.pending_exists(conn):
            return True
        conn.idle()
        # (an announcement sent with the "+ idling" is already read: see buffered_lines)
        announced = any(
            re.search(rb"^\* \d+ (?:EXISTS|RECENT)\b", line)
            for line in imap_client.buffered_lines(conn)
        )
        started = time.monotonic()
        quick_empties = 0
        while (
            not announced
            and not self.stopping.is_set()
            and time.monotonic() - started < self.settings.idle_seconds
        ):
            waited = time.monotonic()
            responses = conn.idle_check(timeout=IDLE_CHECK_SECONDS)
            for response in responses:
                if response and response[0] == b"BYE":
                    raise ConnectionClosed(f"the server said BYE: {_text(response[1:])}")
            if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                announced = True
                break
            # imapclient answers a closed stream with an empty list at once, every time.
            quick = not responses and time.monotonic() - waited < IDLE_CHECK_SECONDS / 2
            quick_empties = quick_empties + 1 if quick else 0
            if quick_empties >= 2:
                raise ConnectionClosed("the server closed the connection")
        conn.idle_done()
        return announced

    # --- the checkpoint and the catching up ----------------------------------------------

    def _load_checkpoint(self, conn: IMAPClient, folder: imap_client.SelectedFolder) -> None:
        """Where to go on from: the stored checkpoint, or a new one for a folder seen for the
        first time or under a new UIDVALIDITY."""
        with self.sessions() as session, session.begin():
            row = imap_checkpoints.get(session, self.account.key, self.folder)
            if row is not None and row.uidvalidity == folder.uidvalidity:
                self.uidvalidity, self.last_uid = row.uidvalidity, row.last_uid
                self.skip_uid = row.skip_uid
                return
            start = 0
            if row is None and self.account.first_run == "new":
                start = self._highest_uid(conn, folder)
                log.info("IMAP %s: first start, taking mail after UID %s", self.label, start)
            elif row is not None:
                log.warning(
                    "IMAP %s: UIDVALIDITY changed from %s to %s: reading the folder again "
                    "(messages stored before are recognised by their dedupe key)",
                    self.label,
                    row.uidvalidity,
                    folder.uidvalidity,
                )
                if self.account.first_run == "new":
                    start = self._last_uid_before(conn, row.started_at)
            row = imap_checkpoints.restart(
                session,
                self.account.key,
                self.folder,
                uidvalidity=folder.uidvalidity,
                skip_uid=start,
                now=self.now(),
            )
            self.uidvalidity, self.last_uid = row.uidvalidity, row.last_uid
            self.skip_uid = row.skip_uid

    def _highest_uid(self, conn: IMAPClient, folder: imap_client.SelectedFolder) -> int:
        if folder.uidnext is not None:
            return folder.uidnext - 1
        return max(conn.search(["ALL"]) or [0])

    def _last_uid_before(self, conn: IMAPClient, started_at: datetime) -> int:
        """For an account that takes only new mail: the highest UID delivered before the
        folder was first seen (day-exact, as IMAP's BEFORE is), so a rescan skips old mail."""
        return max(conn.search(["BEFORE", started_at.date()]) or [0])

    def _settle(self, conn: IMAPClient, target: str | None) -> None:
        """Move (or flag) what was stored but not yet moved when the last session ended."""
        if self.last_uid <= self.skip_uid:
            return
        criteria: list[object] = ["UID", f"{self.skip_uid + 1}:{self.last_uid}"]
        if target is None:
            criteria += ["UNKEYWORD", KEYWORD]
        waiting = conn.search(criteria)
        if waiting:
            log.info(
                "IMAP %s: %d message(s) stored before were not yet %s; doing it now",
                self.label,
                len(waiting),
                "moved" if target else "flagged",
            )
            self._acknowledge(conn, sorted(waiting), target)

    def _sync(self, conn: IMAPClient, target: str | None) -> None:
        """Store every message above the checkpoint, oldest first, then move (or flag) them;
        again until nothing new has arrived meanwhile."""
        while not self.stopping.is_set():
            criteria: list[object] = ["UID", f"{self.last_uid + 1}:*"]
            if target is None:
                criteria += ["UNKEYWORD", KEYWORD]
            # "N:*" always matches the highest UID, even one below N.
            new = sorted(uid for uid in conn.search(criteria) if uid > self.last_uid)
            if not new:
                if imap_client.pending_exists(conn):
                    continue
                return
            done: list[int] = []
            for uid in new:
                if self.stopping.is_set():
                    break
                raw = imap_client.fetch_raw(conn, uid)
                if raw is not None:
                    self._store(uid, raw)
                    done.append(uid)
                if len(done) >= ACTION_BATCH:
                    self._acknowledge(conn, done, target)
                    done = []
            if done:
                self._acknowledge(conn, done, target)

    def _store(self, uid: int, raw: bytes) -> None:
        """Store the message as the SMTP front door does, and the checkpoint with it."""
        account = self.account
        verdict = {"method": "imap", "account": account.key, "authserv_id": account.authserv_id}
        with self.sessions() as session, session.begin():
            row = inbox.store_inbound(
                session,
                raw=raw,
                channel="imap",
                received_at=self.now(),
                mail_from=envelope_sender(raw),
                rcpt_tos=[account.mailbox],
                peer=f"{account.host}:{account.server_port}",
                sender_auth=verdict,
            )
            imap_checkpoints.advance(
                session,
                account.key,
                self.folder,
                uidvalidity=self.uidvalidity,
                uid=uid,
                now=self.now(),
            )
            row_id = row.id
        self.last_uid = uid
        log.info(
            "IMAP %s: UID %s stored as inbound #%s (%d bytes)", self.label, uid, row_id, len(raw)
        )
        if self.on_stored is not None:
            self.on_stored()

    def _acknowledge(self, conn: IMAPClient, uids: Sequence[int], target: str | None) -> None:
        """`after_store`, where a refusal (NO: the processed folder gone, over quota) is
        logged and tried again at the next periodic look rather than holding up new mail;
        the checkpoint already says these UIDs are stored. A lost connection still ends the
        session."""
        try:
            self.after_store(conn, uids, target)
        except IMAPClientError as exc:
            if isinstance(exc, IMAPClientAbortError):
                raise
            log.warning(
                "IMAP %s: could not %s %d message(s) (UID %s to %s): %s; trying again later",
                self.label,
                f"move to {target}" if target else "flag",
                len(uids),
                min(uids),
                max(uids),
                imap_client.describe(exc),
            )

    def after_store(self, conn: IMAPClient, uids: Sequence[int], target: str | None) -> None:
        """Tell the server: move the stored messages out of the folder, or flag them."""
        if target is not None:
            imap_client.move(conn, uids, target)
        else:
            imap_client.flag(conn, uids)


def _text(parts: Sequence[object]) -> str:
    return " ".join(p.decode("utf-8", "replace") if isinstance(p, bytes) else str(p) for p in parts)
