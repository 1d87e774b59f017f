"""Authentication-Results headers (RFC 8601) written by the MTA in front of the bot.

Only the topmost header carrying the configured authserv-id is read: the MTA in front
prepends its own and removes copies a sender forged with the same id; headers of any other
id, and ours further down, are a sender's words and vouch for nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import authres

from intake.parsers.header_section import header_end, read_headers

_NAME = b"authentication-results"  # the header, as any spelling of it lower-cases to
_POLICY = re.compile(r"\bp=([a-z]+)", re.IGNORECASE)


@dataclass(frozen=True)
class AuthResult:
    method: str  # dkim, spf, dmarc, ...
    result: str  # pass, fail, none, temperror, ...
    properties: dict[str, str] = field(default_factory=dict)  # "header.d" -> "example.com"
    policy: str | None = None  # a DMARC result's published policy, when the comment says it


def trusted_results(raw: bytes, authserv_id: str) -> list[AuthResult]:
    """The results of the topmost Authentication-Results header with `authserv_id`."""
    return _topmost(raw, authserv_id)


def recorded_results(raw: bytes) -> list[AuthResult]:
    """The results of the topmost Authentication-Results header, whoever wrote it: only for
    a message whose headers are trusted as a whole (a replayed fixture), never live mail."""
    return _topmost(raw, None)


def _topmost(raw: bytes, authserv_id: str | None) -> list[AuthResult]:
    end = header_end(raw)
    if _NAME not in (raw if end < 0 else raw[:end]).lower():
        # No such header (most messages): not worth the header section's parse to say so.
        return []
    headers = read_headers(raw)
    for value in headers.get_all("Authentication-Results") or []:
        text = re.sub(r"\s+", " ", str(value)).strip()
        try:
            parsed = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {text}")
        except Exception:  # noqa: BLE001 - authres raises its own SyntaxError and others
            continue
        if authserv_id is not None and str(parsed.authserv_id).lower() != authserv_id.lower():
            continue
        policy = _POLICY.search(text)
        return [
            AuthResult(
                method=str(r.method).lower(),
                result=str(r.result).lower(),
                properties={f"{p.type}.{p.name}".lower(): str(p.value) for p in r.properties},
                policy=policy.group(1).lower() if r.method == "dmarc" and policy else None,
            )
            for r in parsed.results
        ]
    return []
