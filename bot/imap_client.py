"""One authenticated IMAP session for one account (imapclient), and the few operations the
IMAP front door needs, each with the server differences it has to paper over.

Errors are turned into one line by `describe`: an operator reading the log (or the start-up
refusal) needs "login refused: [AUTHENTICATIONFAILED] ..." or "connection refused", never a
traceback through imaplib.
"""

from __future__ import annotations

import imaplib
import re
import shlex
import socket
import ssl
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from intake.bot.imap_settings import KEYWORD, ImapAccount


class ImapError(Exception):
    """Something about the account or the server that retrying the same way will not fix
    by itself (a missing folder, no STARTTLS, a token command that fails)."""


@dataclass(frozen=True)
class SelectedFolder:
    name: str  # as the server spells it
    uidvalidity: int
    uidnext: int | None  # some servers leave it out
    writable: bool
    keywords: bool  # the server keeps our keyword on messages (PERMANENTFLAGS)


def tls_context(account: ImapAccount) -> ssl.SSLContext:
    """Certificate and host name checked, against `tls_ca_file` when given."""
    return ssl.create_default_context(cafile=account.tls_ca_file)


def connect(account: ImapAccount) -> IMAPClient:
    """A connection, TLS from the start or after STARTTLS as the account says; not yet
    logged in. A server that cannot STARTTLS is refused: the password would go in clear."""
    host, port = account.host, account.server_port
    if account.security == "ssl":
        return IMAPClient(
            host, port, ssl=True, ssl_context=tls_context(account), timeout=account.timeout_seconds
        )
    conn = IMAPClient(host, port, ssl=False, timeout=account.timeout_seconds)
    if account.security == "starttls":
        if not conn.has_capability("STARTTLS"):
            conn.shutdown()
            raise ImapError("the server offers no STARTTLS, so the password would go in clear")
        conn.starttls(tls_context(account))
    return conn


def authenticate(conn: IMAPClient, account: ImapAccount) -> None:
    """LOGIN with the password (or password file), or XOAUTH2 with a fresh token."""
    if account.oauth2_token_command is not None:
        conn.oauth2_login(account.username, oauth2_token(account))
    elif account.password_file is not None:
        secret = Path(account.password_file).read_text(encoding="utf-8").rstrip("\r\n")
        conn.login(account.username, secret)
    else:
        conn.login(account.username, account.password or "")


def oauth2_token(account: ImapAccount) -> str:
    """The access token the account's command prints (run without a shell)."""
    command = account.oauth2_token_command
    argv = shlex.split(command) if isinstance(command, str) else list(command or [])
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=account.timeout_seconds, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ImapError(f"oauth2_token_command could not run: {exc}") from None
    token = done.stdout.strip()
    if done.returncode != 0 or not token:
        last = (done.stderr.strip().splitlines() or ["no token printed"])[-1]
        raise ImapError(f"oauth2_token_command failed (exit {done.returncode}): {last}")
    return token


@contextmanager
def session(account: ImapAccount) -> Iterator[IMAPClient]:
    """Connected and logged in for the block; logged out (or just closed) after it."""
    conn = connect(account)
    try:
        authenticate(conn, account)
        yield conn
    finally:
        close(conn)


def close(conn: IMAPClient) -> None:
    try:
        conn.logout()
    except Exception:  # noqa: BLE001 - a dead connection has nothing to log out of
        with suppress(OSError):
            conn.shutdown()


def server_name(conn: IMAPClient, name: str) -> str:
    """A folder name written with `/` between levels, in the server's own separator (Dovecot's
    Maildir++ uses `.`, Exchange and Gmail `/`)."""
    if "/" not in name:
        return name
    listing = conn.list_folders("", "")  # LIST "" "": the hierarchy separator alone
    delimiter = listing[0][1] if listing else None
    if isinstance(delimiter, bytes):
        delimiter = delimiter.decode("ascii", "replace")
    return name.replace("/", delimiter) if delimiter else name


def select(conn: IMAPClient, name: str) -> SelectedFolder:
    try:
        info = conn.select_folder(name)
    except IMAPClientError as exc:
        raise ImapError(f"folder {name!r}: {describe(exc)}") from None
    permanent = {f.lower() for f in info.get(b"PERMANENTFLAGS", ())}
    uidnext = info.get(b"UIDNEXT")
    return SelectedFolder(
        name=name,
        uidvalidity=int(info[b"UIDVALIDITY"]),
        uidnext=int(uidnext) if uidnext is not None else None,
        writable=bool(info.get(b"READ-WRITE", True)),
        keywords=b"\\*" in permanent or KEYWORD.lower().encode() in permanent,
    )


def check_folder(folder: SelectedFolder, account: ImapAccount) -> None:
    """What the account needs of the folder it fetches from, or ImapError."""
    if not folder.writable:
        raise ImapError(f"folder {folder.name!r} is read-only for {account.username}")
    if account.after_store == "flag" and not folder.keywords:
        raise ImapError(
            f'folder {folder.name!r} keeps no keywords, so after_store = "flag" cannot mark '
            'what was stored; use after_store = "move"'
        )


def ensure_folder(conn: IMAPClient, name: str) -> bool:
    """Create (and subscribe, so mail clients show it) a missing folder; True if created."""
    if conn.folder_exists(name):
        return False
    conn.create_folder(name)
    with suppress(IMAPClientError):  # a folder nobody is subscribed to is still a folder
        conn.subscribe_folder(name)
    return True


def move(conn: IMAPClient, uids: Sequence[int], target: str) -> None:
    """MOVE (RFC 6851) where offered; else COPY, \\Deleted and an expunge of just these UIDs
    (UIDPLUS), or of the folder's deleted messages as a last resort."""
    if conn.has_capability("MOVE"):
        conn.move(list(uids), target)
        return
    conn.copy(list(uids), target)
    conn.add_flags(list(uids), [b"\\Deleted"], silent=True)
    if conn.has_capability("UIDPLUS"):
        conn.uid_expunge(list(uids))
    else:
        conn.expunge()


def flag(conn: IMAPClient, uids: Sequence[int]) -> None:
    conn.add_flags(list(uids), [KEYWORD.encode()], silent=True)


def fetch_raw(conn: IMAPClient, uid: int) -> bytes | None:
    """The message exactly as stored on the server, without setting \\Seen; None when it
    has gone since it was found (another client moved or deleted it)."""
    data = conn.fetch([uid], [b"BODY.PEEK[]"]).get(uid)
    raw = data.get(b"BODY[]") if data else None
    return bytes(raw) if raw is not None else None


def pending_exists(conn: IMAPClient) -> bool:
    """Did the server announce new messages (EXISTS) in answer to an earlier command?

    A message that arrives while a SEARCH runs can be announced with that SEARCH's answer yet
    missing from its results; the server will not announce it again, so IDLE would sit on it
    until it is re-issued. imaplib keeps such untagged answers; this takes them out.
    """
    pending = getattr(getattr(conn, "_imap", None), "untagged_responses", None)
    if not isinstance(pending, dict):
        return False
    return bool(pending.pop("EXISTS", None)) | bool(pending.pop("RECENT", None))


def buffered_lines(conn: IMAPClient) -> list[bytes]:
    """The whole lines the server sent that imaplib's reader already holds, taken out.

    A server may send an announcement in the same packet as its "+ idling" ("+ idling" and
    "* 1 EXISTS" when a message arrived as IDLE began): imaplib's buffered reader takes both
    while reading the "+", and imapclient's `idle_check` waits on the socket, which has
    nothing more to give, so the announcement would sit unread for the whole IDLE. Read
    only what is buffered: the socket is made non-blocking meanwhile, so this never waits.
    """
    file = getattr(getattr(conn, "_imap", None), "file", None)
    peek = getattr(file, "peek", None)
    if peek is None:
        return []
    sock = conn.socket()
    timeout = sock.gettimeout()
    lines: list[bytes] = []
    try:
        sock.setblocking(False)
        while b"\n" in (peek(1) or b""):
            lines.append(file.readline().rstrip(b"\r\n"))
    except (BlockingIOError, OSError, ValueError):
        pass
    finally:
        sock.settimeout(timeout)
    return lines


def _server_text(exc: BaseException) -> str:
    text = str(exc)
    quoted = re.fullmatch(r"""b(['"])(.*)\1""", text, re.DOTALL)  # imaplib's bytes, as repr
    return quoted.group(2) if quoted else text


def describe(exc: BaseException) -> str:
    """One line saying what went wrong, for the log and the start-up refusal."""
    if isinstance(exc, LoginError):
        text = f"login refused: {_server_text(exc)}"
    elif isinstance(exc, ImapError):
        text = str(exc)
    elif isinstance(exc, ssl.SSLCertVerificationError):
        text = f"TLS certificate not accepted: {exc.verify_message or exc}"
    elif isinstance(exc, ssl.SSLError):
        text = f"TLS failed: {exc.reason or exc}"
    elif isinstance(exc, socket.gaierror):
        text = f"host not found ({exc.strerror})"
    elif isinstance(exc, TimeoutError):
        text = "no answer in time"
    elif isinstance(exc, ConnectionRefusedError):
        text = "connection refused"
    elif isinstance(exc, imaplib.IMAP4.abort):
        text = f"connection lost: {_server_text(exc)}"
    elif isinstance(exc, IMAPClientError):
        text = _server_text(exc)
    elif isinstance(exc, OSError):
        text = exc.strerror or str(exc) or type(exc).__name__
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())
