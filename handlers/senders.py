"""Who vouches for the From address of a stored message, and what that allows.

Privilege comes only from an authenticated sender. A From address is *vouched for* when:
- the message came in on a channel that authenticates its users (Slack signs every event
  and names the user), or is a replayed fixture and the replay trusts its files;
- the front door saw it come from a trusted network (the company's own submission);
- the topmost `Authentication-Results` header of the configured MTA in front says DMARC
  passed for the From domain, or an aligned DKIM or SPF identity passed (for mail fetched
  over IMAP: the header of the account's `authserv_id`, the provider's MTA);
- our own check at the front door (`bot/sender_auth.py`) found an aligned DKIM or SPF pass.

A From is *disproved* when DMARC failed for a domain that asks receivers to quarantine or
reject such mail: such a sender is not even a case's participant. Anything in between
(no DMARC record, no signature, a DNS failure) is an outsider's word: fine for opening a
service request, never enough for staff rights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intake.parsers.addresses import aligned
from intake.parsers.authresults import AuthResult, recorded_results, trusted_results

_FORGERY_POLICIES = ("quarantine", "reject")


@dataclass(frozen=True)
class SenderTrust:
    verified: bool  # the From address is vouched for
    forged: bool  # DMARC says the From is false
    how: str  # for the log and the case's audit trail


@dataclass(frozen=True)
class SenderPolicy:
    """The settings the pipeline judges by (built from `[senders]` by the composition root)."""

    authserv_id: str | None = None
    trust_replay: bool = True  # `intake replay` trusts its fixtures unless --check-senders


UNVOUCHED = SenderTrust(False, False, "nobody vouches for the From address")


def judge(
    policy: SenderPolicy,
    *,
    channel: str,
    verdict: Mapping[str, Any] | None,
    raw: bytes,
    from_addr: str,
) -> SenderTrust:
    """What the stored message's evidence says about its From address."""
    if channel == "slack":
        return SenderTrust(True, False, "Slack user (signed event)")
    if channel == "replay" and policy.trust_replay:
        return _replayed(raw, from_addr)
    verdict = verdict or {}
    if verdict.get("method") == "trusted_network":
        return SenderTrust(True, False, f"trusted network {verdict.get('peer')}")
    from_domain = from_addr.rpartition("@")[2].lower()
    if not from_domain:
        return UNVOUCHED
    authserv_id = policy.authserv_id
    if verdict.get("method") == "imap":
        # Fetched from a mailbox: the provider's MTA judged it, under the account's own id;
        # the MTA in front of our SMTP listener never saw it, so its id proves nothing here.
        authserv_id = verdict.get("authserv_id") or None
    if authserv_id:
        found = _from_results(trusted_results(raw, authserv_id), from_domain)
        if found is not None:
            return SenderTrust(found[0], found[1], f"{authserv_id}: {found[2]}")
    if verdict.get("method") == "checked":
        return _from_own_check(verdict, from_domain)
    return UNVOUCHED


def _replayed(raw: bytes, from_addr: str) -> SenderTrust:
    """A trusted replay trusts the fixture's headers as a whole: its From, and so also the
    verdict its own receiving MTA recorded. A From that MTA found forged stays forged."""
    from_domain = from_addr.rpartition("@")[2].lower()
    found = _from_results(recorded_results(raw), from_domain) if from_domain else None
    if found is not None and found[1]:
        return SenderTrust(False, True, f"replayed fixture whose own header says {found[2]}")
    return SenderTrust(True, False, "replayed fixture (trusted by the replay)")


def _from_results(results: list[AuthResult], from_domain: str) -> tuple[bool, bool, str] | None:
    """(verified, forged, how) from the MTA's results, or None when they say nothing."""
    dmarc = next((r for r in results if r.method == "dmarc"), None)
    header_from = (dmarc.properties.get("header.from", from_domain) if dmarc else "").lower()
    if dmarc is not None and header_from.rstrip(".") == from_domain:
        if dmarc.result == "pass":
            return True, False, "dmarc=pass"
        if dmarc.result == "fail":
            forged = dmarc.policy is None or dmarc.policy in _FORGERY_POLICIES
            return False, forged, f"dmarc=fail (p={dmarc.policy or '?'})"
    for r in results:
        if r.result != "pass":
            continue
        if r.method == "dkim" and aligned(r.properties.get("header.d", ""), from_domain):
            return True, False, f"dkim=pass header.d={r.properties['header.d']}"
        mailfrom = r.properties.get("smtp.mailfrom", "").rpartition("@")[2]
        if r.method == "spf" and mailfrom and aligned(mailfrom, from_domain):
            return True, False, f"spf=pass smtp.mailfrom domain {mailfrom}"
    return None


def _from_own_check(verdict: Mapping[str, Any], from_domain: str) -> SenderTrust:
    checked = str(verdict.get("from_domain") or "")
    dmarc = verdict.get("dmarc")
    if checked != from_domain:
        # The front door judged another From (several, or none): no evidence either way.
        return SenderTrust(False, False, f"checked From domain {checked!r} is not {from_domain}")
    if dmarc == "pass":
        return SenderTrust(True, False, "DKIM/SPF aligned with the From domain (DMARC pass)")
    policy = verdict.get("policy")
    if dmarc == "fail" and policy in _FORGERY_POLICIES:
        return SenderTrust(False, True, f"DMARC fail, the domain asks to {policy} it")
    return SenderTrust(False, False, f"not vouched for (DMARC {dmarc or 'unchecked'})")
