"""The IMAP front door of `intake serve`: every configured account checked once at start-up,
then one poller thread per account and folder (bot/imap_poller.py).

At start-up a wrong password, an unreachable host, a missing folder or a mailbox the
organisation file does not know stops the bot with one line, before anything listens: such
mistakes are made while configuring, and retrying them quietly in a log would hide them.
Once running, an outage is the poller's business: it connects again with backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from intake.bot import imap_client
from intake.bot.config import ConfigError
from intake.bot.imap_poller import FolderPoller
from intake.bot.imap_settings import ImapAccount, ImapSettings

log = logging.getLogger("intake.imap")


class ImapStartError(ConfigError):
    """An account cannot be used as configured; the message is one line naming it."""


def account_label(account: ImapAccount) -> str:
    return f"imap account {account.key} ({account.host}:{account.server_port})"


def check_account(account: ImapAccount, mailboxes: Collection[str]) -> None:
    """Log in, select each folder, create the processed folder; or ImapStartError."""
    if account.mailbox not in {m.lower() for m in mailboxes}:
        raise ImapStartError(
            f"{account_label(account)}: mailbox {account.mailbox} is not one of the "
            "organisation file's mailboxes"
        )
    try:
        with imap_client.session(account) as conn:
            for name in account.folders:
                folder = imap_client.select(conn, imap_client.server_name(conn, name))
                imap_client.check_folder(folder, account)
            if account.after_store == "move":
                target = imap_client.server_name(conn, account.processed_folder)
                if imap_client.ensure_folder(conn, target):
                    log.info("%s: created folder %s", account_label(account), target)
    except Exception as exc:  # noqa: BLE001 - whatever it is, it is said in one line
        raise ImapStartError(f"{account_label(account)}: {imap_client.describe(exc)}") from None


class ImapFront:
    """The pollers of every account and folder, checked, started and stopped together."""

    def __init__(
        self,
        settings: ImapSettings,
        sessions: sessionmaker[Session],
        now: Callable[[], datetime],
        mailboxes: Collection[str],
    ) -> None:
        self.settings = settings
        self.mailboxes = mailboxes
        self.on_stored: Callable[[], None] | None = None
        self.pollers = [
            FolderPoller(account, folder, settings, sessions, now, self._stored)
            for account in settings.every_account
            for folder in account.folders
        ]

    def check(self) -> None:
        for account in self.settings.every_account:
            check_account(account, self.mailboxes)

    def _stored(self) -> None:
        if self.on_stored is not None:
            self.on_stored()

    def start(self) -> None:
        for poller in self.pollers:
            poller.start()

    def stop(self, timeout: float = 10) -> None:
        for poller in self.pollers:
            poller.stop()
        for poller in self.pollers:
            if poller.is_alive():
                poller.join(timeout)

    def describe(self) -> str:
        if not self.pollers:
            return "IMAP off (no [[imap.accounts]])"
        return "IMAP: " + ", ".join(
            f"{p.account.key} {p.folder} -> {p.account.mailbox}" for p in self.pollers
        )
