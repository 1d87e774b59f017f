"""Is the From address really the sender's? Checked at the front door, before storing.

A message's From header is whatever its sender typed. Before a From address earns staff
rights (quote mailboxes, changing any case) or a participant's rights on a case, somebody
must vouch for it. When the bot is the MX it does that itself, the way a receiving MTA does:

- a connection from `[senders] trusted_networks` is the company's own submission;
- otherwise DKIM signatures (dkimpy) and SPF for the envelope sender (pyspf) are checked,
  and DMARC (RFC 7489) says whether one that passed is *aligned* with the From domain:
  only an aligned pass vouches for the From. A failure against a domain that publishes
  `p=quarantine` or `p=reject` is evidence of forgery.

The verdict is stored with the message (`InboundMessage.sender_auth`) so the worker, a
replay and an auditor all read the same answer, and DNS is asked once, at arrival, as an MTA
would. DNS goes through one resolver built from the settings, so tests point it at a local
fake server; a DNS failure is a `temperror` verdict (not vouched for), never a lost message.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
from dataclasses import dataclass
from typing import Any

import dkim
import dns.exception
import dns.resolver
import spf

from intake.bot.config import SenderSettings
from intake.parsers.addresses import aligned, org_domain
from intake.parsers.header_section import read_headers

log = logging.getLogger("intake.senders")

_MAX_SIGNATURES = 5  # a message with more DKIM signatures than this is not worth more DNS


@dataclass(frozen=True)
class Resolver:
    """TXT look-ups through the configured servers (or the system's)."""

    resolver: dns.resolver.Resolver
    timeout: float

    @classmethod
    def from_settings(cls, settings: SenderSettings) -> Resolver:
        if settings.dns_servers:
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = [host for host, _ in settings.dns]
            resolver.nameserver_ports = {host: port for host, port in settings.dns}
        else:
            resolver = dns.resolver.Resolver()
        resolver.lifetime = resolver.timeout = settings.dns_timeout_seconds
        resolver.cache = dns.resolver.Cache()
        return cls(resolver, settings.dns_timeout_seconds)

    def txt(self, name: str | bytes, timeout: float | None = None) -> list[bytes]:
        """Every TXT record at `name`, each as one byte string; [] for none. DNS trouble
        raises `dns.exception.DNSException`."""
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        try:
            answer = self.resolver.resolve(text, "TXT", lifetime=timeout or self.timeout)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        return [b"".join(r.strings) for r in answer]

    def dkim_txt(self, name: bytes, timeout: float = 5) -> bytes | None:
        """The shape dkimpy asks for: the first TXT record, or None."""
        records = self.txt(name, timeout)
        return records[0] if records else None

    def spf_lookup(
        self, name: str, qtype: str, tcpfallback: bool = True, timeout: float = 30
    ) -> list[tuple[tuple[str, str], Any]]:
        """The shape pyspf's `DNSLookup` has (see spf.DNSLookup_dnspython)."""
        out: list[tuple[tuple[str, str], Any]] = []
        try:
            answer = self.resolver.resolve(name, qtype, lifetime=min(timeout, self.timeout))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return out
        except dns.exception.DNSException as exc:
            raise spf.TempError(f"DNS {exc}") from None
        for r in answer:
            if qtype in ("A", "AAAA"):
                out.append(((name, qtype), r.address))
            elif qtype == "MX":
                out.append(((name, qtype), (r.preference, r.exchange)))
            elif qtype == "PTR":
                out.append(((name, qtype), r.target.to_text(True)))
            elif qtype in ("TXT", "SPF"):
                out.append(((name, qtype), r.strings))
        return out


def dmarc_record(resolver: Resolver, from_domain: str) -> dict[str, str]:
    """The DMARC policy for `from_domain` (its own record, else its organisational
    domain's): tag -> value, lower-cased; {} when none is published (or several are)."""
    for host in dict.fromkeys([from_domain, org_domain(from_domain)]):
        records = [r for r in resolver.txt(f"_dmarc.{host}") if r.startswith(b"v=DMARC1")]
        if len(records) == 1:
            tags = (t.partition("=") for t in records[0].decode("ascii", "replace").split(";"))
            record = {k.strip().lower(): v.strip().lower() for k, _, v in tags if k.strip()}
            if host != from_domain and "sp" in record:
                record["p"] = record["sp"]
            return record
        if records:
            return {}
    return {}


def _from_domain(raw: bytes) -> str | None:
    """The domain of the single From address (DMARC has no answer for several)."""
    headers = read_headers(raw)
    values = [str(v) for v in headers.get_all("From") or []]
    addresses = {a.lower() for _, a in email.utils.getaddresses(values) if "@" in a}
    if len(addresses) != 1:
        return None
    return addresses.pop().rpartition("@")[2].rstrip(".") or None


class SenderVerifier:
    """Builds the stored verdict for one arrival."""

    def __init__(self, settings: SenderSettings, resolver: Resolver | None = None) -> None:
        self.settings = settings
        self.networks = settings.networks
        self.resolver = resolver or Resolver.from_settings(settings)
        # pyspf looks names up through its module's `DNSLookup`; the process has one sender
        # configuration, so it is pointed at our resolver once.
        spf.DNSLookup = self.resolver.spf_lookup

    def verdict(
        self, raw: bytes, peer_ip: str | None, mail_from: str | None, helo: str | None
    ) -> dict[str, Any]:
        """JSON-ready: {"method": "trusted_network"|"checked"|"unchecked", ...}."""
        if peer_ip and self._trusted(peer_ip):
            return {"method": "trusted_network", "peer": peer_ip}
        if not self.settings.verify or not peer_ip:
            return {"method": "unchecked", "peer": peer_ip}
        try:
            return self._check(raw, peer_ip, mail_from or "", helo or "")
        except Exception as exc:  # noqa: BLE001 - a hostile message must not cost its arrival
            log.warning("sender check of a message from %s failed: %s", peer_ip, exc)
            return {"method": "checked", "peer": peer_ip, "dmarc": "temperror", "error": str(exc)}

    def _trusted(self, peer_ip: str) -> bool:
        try:
            ip = ipaddress.ip_address(peer_ip.split("%")[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in net for net in self.networks)

    def _check(self, raw: bytes, peer_ip: str, mail_from: str, helo: str) -> dict[str, Any]:
        from_domain = _from_domain(raw)
        dkim_pass = self._dkim(raw)
        spf_result, spf_domain = self._spf(peer_ip, mail_from, helo)
        out: dict[str, Any] = {
            "method": "checked",
            "peer": peer_ip,
            "from_domain": from_domain,
            "dkim": dkim_pass,
            "spf": spf_result,
            "spf_domain": spf_domain,
        }
        if from_domain is None:
            out["dmarc"] = "permerror"
            return out
        try:
            record = dmarc_record(self.resolver, from_domain)
        except dns.exception.DNSException as exc:
            out.update(dmarc="temperror", error=str(exc))
            return out
        strict_dkim, strict_spf = record.get("adkim") == "s", record.get("aspf") == "s"
        passed = any(aligned(d, from_domain, strict=strict_dkim) for d in dkim_pass) or (
            spf_result == "pass"
            and spf_domain is not None
            and aligned(spf_domain, from_domain, strict=strict_spf)
        )
        out["policy"] = record.get("p")
        out["dmarc"] = "pass" if passed else ("fail" if record else "none")
        return out

    def _dkim(self, raw: bytes) -> list[str]:
        """The d= domains of the DKIM signatures that verify."""
        passed: list[str] = []
        try:
            checker = dkim.DKIM(raw)  # parsed once; each verify() reads its own signature
        except Exception:  # noqa: BLE001 - unparseable header block: no signature verifies
            return passed
        count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
        for idx in range(min(count, _MAX_SIGNATURES)):
            try:
                if checker.verify(idx=idx, dnsfunc=self.resolver.dkim_txt):
                    domain = checker.signature_fields.get(b"d", b"").decode("ascii", "replace")
                    passed.append(domain.lower())
            except Exception:  # noqa: BLE001 - a broken signature or DNS trouble: not a pass
                continue
        return passed

    def _spf(self, peer_ip: str, mail_from: str, helo: str) -> tuple[str, str | None]:
        """SPF for the envelope sender (or HELO for the null sender)."""
        domain = mail_from.rpartition("@")[2] if "@" in mail_from else helo
        if not domain:
            return "none", None
        sender = mail_from or f"postmaster@{helo}"
        try:
            result, _ = spf.check2(i=peer_ip, s=sender, h=helo or domain)
        except Exception:  # noqa: BLE001 - pyspf's own errors: no pass
            return "temperror", domain
        return result, domain.lower()
