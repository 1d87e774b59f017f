"""A real DNS server on loopback (UDP, dnspython's wire format) answering from a table.

Sender authentication asks DNS for DKIM keys, SPF and DMARC records. The tests point the
bot's resolver (`[senders] dns_servers`) at this server, so the real dkimpy, pyspf and
dnspython code paths run over a real socket; no mock stands in for them.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

DATA = Path(__file__).resolve().parent / "data"
# A 1024-bit RSA key made for these tests only (openssl genrsa); its public half is the
# DKIM record the fake DNS publishes at test._domainkey.<domain>.
DKIM_KEY = (DATA / "dkim-test.key").read_bytes()
DKIM_RECORD = "v=DKIM1; k=rsa; p=" + (DATA / "dkim-test.pub.b64").read_text().strip()


def txt_value(text: str) -> str:
    """A TXT record's presentation form: quoted strings of at most 255 characters."""
    chunks = [text[i : i + 255] for i in range(0, len(text), 255)] or [""]
    return " ".join('"' + c.replace('"', '\\"') + '"' for c in chunks)


class FakeDns:
    """Answers TXT (and A) questions from `records`: {(name, type): [values]}. Unknown
    names are NXDOMAIN; `silent = True` makes it drop every question (a DNS outage)."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.silent = False
        self.questions: list[tuple[str, str]] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def txt(self, name: str, *values: str) -> None:
        self.records[(name.lower().rstrip("."), "TXT")] = [txt_value(v) for v in values]

    def publish_dkim(self, domain: str, selector: str = "test") -> None:
        self.txt(f"{selector}._domainkey.{domain}", DKIM_RECORD)

    def __enter__(self) -> FakeDns:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, client = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if self.silent:
                continue
            try:
                query = dns.message.from_wire(wire)
            except Exception:  # noqa: BLE001 - not a DNS message: ignore it, as servers do
                continue
            self.sock.sendto(self._answer(query).to_wire(), client)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().lower().rstrip(".")
        kind = dns.rdatatype.to_text(question.rdtype)
        self.questions.append((name, kind))
        values = self.records.get((name, kind))
        if values:
            response.answer.append(
                dns.rrset.from_text_list(question.name, 60, dns.rdataclass.IN, kind, values)
            )
        elif not any(n == name for n, _ in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response
