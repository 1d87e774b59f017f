"""Settings of the IMAP front door: the `[imap]` table and its `[[imap.accounts]]`.

Most companies keep their intake addresses as mailboxes on Exchange/M365, Google Workspace
or their own IMAP server and will not point an MX at a bot, so the bot fetches from those
mailboxes instead. One account table per mailbox account; one account can also come whole
from `INTAKE_IMAP_URL` (`imaps://user:pass@host/INBOX?mailbox=accountteam@example.com`), for
deployments configured by environment only.

Kept apart from `bot/config.py` so the front door's rules (which security a host may use,
the URL's shape) sit in one place; `Settings.imap` is this module's `ImapSettings`.
"""

from __future__ import annotations

import ipaddress
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
KEYWORD = "$IntakeStored"  # the keyword `after_store = "flag"` leaves on a stored message
URL_ACCOUNT_KEYS = {"mailbox", "after_store", "processed_folder", "authserv_id", "security"}


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback address: the only hosts a clear-text login may go to."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImapAccount(_Section):
    """One mailbox account the bot fetches from."""

    # A stable name for the account's checkpoints and log lines; default `username@host`.
    name: str | None = None
    host: str = Field(min_length=1)
    port: int | None = Field(default=None, gt=0, lt=65536)  # default by security
    # "ssl": TLS from the first byte (993); "starttls": upgraded on 143, refused if the server
    # cannot; "none": clear text, for loopback (tests, a local proxy) only.
    security: Literal["ssl", "starttls", "none"] = "ssl"
    tls_ca_file: str | None = None  # CA bundle for a private CA; default: the system's
    username: str = Field(min_length=1)
    password: str | None = None
    password_file: str | None = None  # read at each login, so a rotated secret is picked up
    # A command (no shell) printing an OAuth2 access token, run at each login (tokens expire
    # in about an hour): logs in with XOAUTH2, as Microsoft 365 and Google require.
    oauth2_token_command: str | list[str] | None = None
    folders: list[str] = Field(default=["INBOX"], min_length=1)
    mailbox: str  # which of the organisation's addresses this account receives
    # "move": to processed_folder once stored; "flag": keyword $IntakeStored, left in place.
    after_store: Literal["move", "flag"] = "move"
    processed_folder: str = "Intake/Processed"  # `/` separates levels on any server
    # The provider's Authentication-Results id (e.g. "mx.google.com"): its topmost header of
    # that id vouches for the From address of mail fetched from this account.
    authserv_id: str | None = None
    # On the very first start: "all" takes every message already in the folder, "new" only
    # those that arrive after it (an old, busy mailbox is not answered from its beginning).
    first_run: Literal["all", "new"] = "all"
    timeout_seconds: float = Field(default=60, gt=0)  # connect, and each command's answer

    @field_validator("mailbox")
    @classmethod
    def _mailbox(cls, v: str) -> str:
        if "@" not in v or v.strip() != v:
            raise ValueError(f"expected an email address, got {v!r}")
        return v.lower()

    @field_validator("folders")
    @classmethod
    def _folders(cls, v: list[str]) -> list[str]:
        if any(not f.strip() for f in v) or len(set(v)) != len(v):
            raise ValueError("folder names must be non-empty and each given once")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> ImapAccount:
        secrets = [self.password, self.password_file, self.oauth2_token_command]
        if sum(s is not None for s in secrets) != 1:
            raise ValueError("give exactly one of password, password_file, oauth2_token_command")
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f'security = "none" would send the password in clear to {self.host}: '
                "allowed for a loopback host only"
            )
        if self.after_store == "move" and self.processed_folder in self.folders:
            raise ValueError("processed_folder must not be one of the folders fetched from")
        return self

    @property
    def key(self) -> str:
        """The account's name in checkpoints and logs."""
        return self.name or f"{self.username}@{self.host}"

    @property
    def server_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]


def parse_imap_url(url: str) -> ImapAccount:
    """`imaps://user:pass@host[:port]/FOLDER?mailbox=ADDRESS[&after_store=flag&...]`.

    `imaps` is TLS from the start (993); `imap` is STARTTLS (143) unless `security=none`
    (loopback only). User and password are percent-encoded (`%40` for `@`). Errors never
    repeat the URL: it holds the password.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError("expected an imaps:// or imap:// URL")
    if not parts.hostname or parts.username is None or parts.password is None:
        raise ValueError("the URL needs user, password and host: imaps://user:pass@host/INBOX")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = set(query) - URL_ACCOUNT_KEYS
    if unknown:
        raise ValueError(f"unknown URL parameter(s): {', '.join(sorted(unknown))}")
    if "mailbox" not in query:
        raise ValueError("the URL needs ?mailbox=<the address this account receives>")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the URL's port is not a number from 1 to 65535") from None
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    security = query.pop("security", "ssl" if parts.scheme == "imaps" else "starttls")
    try:
        return ImapAccount.model_validate(
            {
                "host": parts.hostname,
                "port": port,
                "security": security,
                "username": unquote(parts.username),
                "password": unquote(parts.password),
                "folders": [folder],
                **query,
            }
        )
    except ValidationError as exc:  # its text would quote the input, password and all
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ValueError(f"{where + ': ' if where else ''}{err['msg']}") from None


class ImapSettings(_Section):
    """`[imap]`: the accounts, and how the pollers wait and retry."""

    accounts: list[ImapAccount] = []
    url: str | None = None  # INTAKE_IMAP_URL: one more account, written as a URL
    # Without IDLE, how often a folder is looked at; with IDLE, how often IDLE is ended and
    # issued again (RFC 2177: before 29 minutes; sooner also finds a silently dropped
    # connection sooner).
    poll_seconds: float = Field(default=60, gt=0)
    idle_seconds: float = Field(default=300, gt=0, le=29 * 60)
    # Reconnecting after a drop or an error: doubling from first to max.
    backoff_first_seconds: float = Field(default=1, gt=0)
    backoff_max_seconds: float = Field(default=300, gt=0)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        parse_imap_url(v)
        return v

    @model_validator(mode="after")
    def _distinct(self) -> ImapSettings:
        seen: set[tuple[str, str]] = set()
        for account in self.every_account:
            for folder in account.folders:
                if (account.key, folder) in seen:
                    raise ValueError(
                        f"account {account.key} folder {folder} is configured twice "
                        "(give the accounts different names)"
                    )
                seen.add((account.key, folder))
        return self

    @property
    def every_account(self) -> list[ImapAccount]:
        """The account tables, then the URL's account."""
        return [*self.accounts, *([parse_imap_url(self.url)] if self.url else [])]
