"""A real Dovecot IMAP server for tests, one per test, started and stopped by the test.

Each instance gets a generated configuration in its own directory, a free loopback port, a
passwd-file user database and Maildirs of its own; it runs in the foreground (`dovecot -F`)
as a child of the test, never through systemd, so a test can restart or stop it at will
(the connection drops the pollers must survive). Plaintext logins are allowed: the server
listens on loopback only. With `tls=True` it also offers STARTTLS on the same port and
implicit TLS on a second one, with a self-signed certificate made by `openssl`.

Everything lives in one directory under the system's temp directory, not pytest's (which is
private to its user): Dovecot's auth process reads the passwd file as Dovecot's own user.
Dovecot refuses to run a mail session as root, so when the tests run as root (CI does) the
Maildirs belong to `nobody`; as any other user they belong to that user, and Dovecot's
internal and login users are that user too.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from imapclient import IMAPClient

from tests.certs import self_signed
from tests.mailhelpers import free_port, wait_for_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def available() -> str | None:
    """None when Dovecot can run here, else why not."""
    if not Path(DOVECOT).exists():
        return "dovecot is not installed (apt-get install dovecot-imapd)"
    return None


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Dovecot:
    """One foreground Dovecot on 127.0.0.1. `users`: name -> password (stored PLAIN)."""

    def __init__(
        self,
        users: Mapping[str, str],
        *,
        tls: bool = False,
        capability: str | None = None,
        oauth2_introspection_url: str | None = None,
    ) -> None:
        """`capability`: replaces the capability list Dovecot announces after login (a
        server without IDLE, say), as `imap_capability` does. `oauth2_introspection_url`:
        also take XOAUTH2 logins, each token checked by POSTing it there (RFC 7662), as
        Dovecot's oauth2 passdb does in front of a real identity provider."""
        self.dir = Path(tempfile.mkdtemp(prefix="intake-dovecot-"))
        self.dir.chmod(0o755)
        self.users = dict(users)
        self.tls = tls
        self.capability = capability
        self.oauth2_url = oauth2_introspection_url
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.cert = self.dir / "cert.pem"
        self.mail = self.dir / "mail"
        self.mail.mkdir()
        if os.geteuid() == 0:
            self.mail_uid, self.mail_gid = (
                pwd.getpwnam("nobody").pw_uid,
                grp.getgrnam("nogroup").gr_gid,
            )
            os.chown(self.mail, self.mail_uid, self.mail_gid)
        else:
            self.mail_uid, self.mail_gid = os.getuid(), os.getgid()
        self.config = self.dir / "dovecot.conf"
        self._write_config()

    # --- configuration --------------------------------------------------------------------

    def _write_config(self) -> None:
        d = self.dir
        (d / "run").mkdir(exist_ok=True)
        (d / "state").mkdir(exist_ok=True)
        self._write_passwd()
        lines = [
            f"base_dir = {d / 'run'}",
            f"state_dir = {d / 'state'}",
            f"log_path = {d / 'dovecot.log'}",
            "protocols = imap",
            "listen = 127.0.0.1",
            "disable_plaintext_auth = no",
            "auth_mechanisms = plain login" + (" xoauth2" if self.oauth2_url else ""),
            f"first_valid_uid = {min(self.mail_uid, 500)}",
            f"first_valid_gid = {min(self.mail_gid, 500)}",
            f"mail_location = maildir:{self.mail}/%u",
            *self._oauth2_passdb(),
            "passdb {",
            "  driver = passwd-file",
            "  mechanisms = plain login",
            f"  args = scheme=PLAIN username_format=%u {d / 'passwd'}",
            "}",
            "userdb {",
            "  driver = passwd-file",
            f"  args = username_format=%u {d / 'passwd'}",
            f"  default_fields = uid={self.mail_uid} gid={self.mail_gid} home={self.mail}/%u",
            "}",
            "service imap-login {",
            "  inet_listener imap {",
            "    address = 127.0.0.1",
            f"    port = {self.port}",
            "  }",
            "  inet_listener imaps {",
            "    address = 127.0.0.1",
            f"    port = {self.tls_port}",
            "    ssl = yes",
            "  }",
            "}",
        ]
        if os.geteuid() != 0:
            user = pwd.getpwuid(os.getuid()).pw_name
            group = grp.getgrgid(os.getgid()).gr_name
            lines += [
                f"default_internal_user = {user}",
                f"default_internal_group = {group}",
                f"default_login_user = {user}",
                "service imap-login {",
                "  chroot =",
                "}",
            ]
        if self.tls:
            self_signed(self.dir)  # cert.pem and key.pem, where self.cert points
            lines += ["ssl = yes", f"ssl_cert = <{self.cert}", f"ssl_key = <{d / 'key.pem'}"]
        else:
            lines.append("ssl = no")
        if self.capability is not None:
            lines.append(f"imap_capability = {self.capability}")
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _oauth2_passdb(self) -> list[str]:
        if not self.oauth2_url:
            return []
        settings = self.dir / "oauth2.conf.ext"
        settings.write_text(
            "introspection_mode = post\n"
            f"introspection_url = {self.oauth2_url}\n"
            "username_attribute = username\n"
            "active_attribute = active\n"
            "active_value = true\n",
            encoding="utf-8",
        )
        settings.chmod(0o644)
        return [
            "passdb {",
            "  driver = oauth2",
            "  mechanisms = xoauth2",
            f"  args = {settings}",
            "}",
        ]

    def _write_passwd(self) -> None:
        rows = [f"{name}:{{PLAIN}}{password}::::::" for name, password in self.users.items()]
        path = self.dir / "passwd"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        path.chmod(0o644)

    def set_password(self, user: str, password: str) -> None:
        """passwd-file is read at each login: no restart needed."""
        self.users[user] = password
        self._write_passwd()

    # --- the process ----------------------------------------------------------------------

    def start(self) -> None:
        log = (self.dir / "stdout.log").open("ab")
        self.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: see `stop`
        )
        try:
            wait_for_port(self.port, timeout=20)
        except AssertionError:
            self.stop()
            raise AssertionError(f"dovecot did not listen; see {self.dir}") from None

    def stop(self) -> None:
        """SIGTERM to the whole process group, as a service manager stops the unit: the
        master alone would leave running sessions (and their connections) behind it."""
        if self.proc is None:
            return
        group = self.proc.pid  # the session leader's pid is the group's id
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
            self.proc.wait(5)
        self.proc = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _group_alive(group):
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)  # a session that ignored SIGTERM
        # Children (imap, auth) may outlive the master by a moment; the port must be free
        # before a restart binds it again.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (self.dir / "run" / "master.pid").exists():
            time.sleep(0.05)

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    # --- a test's own mail client ---------------------------------------------------------

    @contextmanager
    def client(self, user: str) -> Iterator[IMAPClient]:
        """A logged-in IMAP connection, as another mail client of the same mailbox."""
        client = IMAPClient("127.0.0.1", self.port, ssl=False, timeout=10)
        client.login(user, self.users[user])
        try:
            yield client
        finally:
            try:
                client.logout()
            except Exception:  # noqa: BLE001 - the server may be gone; nothing to tidy
                client.shutdown()
