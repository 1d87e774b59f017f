"""Mailbox addresses as a relay can take them.

Senders write addresses we must be able to answer: `josé@example.net` (a UTF-8 local part,
RFC 6531, deliverable only through a relay that offers SMTPUTF8) and `pat@bücher.example`
(an internationalised domain, deliverable anywhere once written in IDNA A-labels,
`xn--bcher-kva.example`). Everything else that is not a plain mailbox (spaces, brackets,
quotes, control characters, several @) is refused, so a hostile header can never become a
second recipient or an injected SMTP command.
"""

from __future__ import annotations

import functools
import re

import idna
from publicsuffix2 import PublicSuffixList

MAX_ADDRESS = 254  # RFC 5321's path limit, less the angle brackets
# A dot-atom local part: printable ASCII atext or any non-ASCII character (RFC 6531's UTF-8
# extension); never whitespace, controls or the specials that end or split an address.
_LOCAL = re.compile(r"[^\s\x00-\x1f\x7f@<>\"(),;:\\\[\]]{1,64}")
_ASCII_DOMAIN = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z0-9-]{2,63}"
)


def delivery_address(address: str | None) -> str | None:
    """`address` as we would write it in RCPT TO and in a To header (domain in A-labels,
    local part as written), or None when it is no address we can safely write to."""
    if not address or len(address) > 2 * MAX_ADDRESS:
        return None
    local, at, domain = address.strip().rpartition("@")
    if not at or not _LOCAL.fullmatch(local) or local.startswith(".") or ".." in local:
        return None
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    if not _ASCII_DOMAIN.fullmatch(domain):
        return None
    result = f"{local}@{domain}"
    return result if len(result.encode("utf-8")) <= MAX_ADDRESS else None


def needs_smtputf8(address: str) -> bool:
    """A delivery address with a UTF-8 local part: only an SMTPUTF8 relay can take it."""
    return not address.isascii()


@functools.cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list the package ships: nothing fetched


def org_domain(domain: str) -> str:
    """The organisational domain (RFC 7489 3.2): `mail.example.co.uk` -> `example.co.uk`."""
    domain = domain.lower().rstrip(".")
    return _suffixes().get_public_suffix(domain) or domain


def aligned(a: str, b: str, *, strict: bool = False) -> bool:
    """DMARC identifier alignment: the same organisational domain (relaxed), or the same
    domain (strict)."""
    a, b = a.lower().rstrip("."), b.lower().rstrip(".")
    return a == b if strict else org_domain(a) == org_domain(b)
