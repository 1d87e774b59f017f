"""Picklist values and accounts: matched on folded text, exactly or nearly."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from intake.parsers.normalise.folding import fold, is_no_value

if TYPE_CHECKING:
    from intake.parsers.org import Account, Organisation


@lru_cache(maxsize=16384)
def _plural_free(key: str) -> str:
    """ "approvals" and "approval" compare equal; so do "submission" and "submissions"."""
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in key.split())


def match_picklist(
    text: str, values: Iterable[str], synonyms: Mapping[str, Iterable[str]] | None = None
) -> str | None:
    """The canonical picklist value that `text` names, or None.

    Case, accents, spacing, punctuation and a plural "s" do not matter; a parenthesis
    ("Approbation (90 %)") is ignored; synonyms map other wordings ("proj w/ install") to
    their canonical value. Never guesses between values: an unknown word gives None.
    """
    return match_keyed(text, picklist_keys(values, synonyms))


def picklist_keys(
    values: Iterable[str], synonyms: Mapping[str, Iterable[str]] | None = None
) -> dict[str, str]:
    """Every wording of a picklist's values, as `match_keyed` compares it -> the canonical
    value. A picklist asked about many texts builds this once (see `match_picklist`)."""
    values = list(values)
    table: dict[str, str] = {}
    for value in values:
        table.setdefault(_plural_free(fold(value)), value)
    for canonical, words in (synonyms or {}).items():
        if canonical not in values:
            continue
        for word in words:
            table.setdefault(_plural_free(fold(word)), canonical)
    return table


def match_keyed(text: str, table: Mapping[str, str]) -> str | None:
    """The canonical value `text` names among `table`'s wordings (`picklist_keys`), or None."""
    if not text or is_no_value(text):
        return None
    for candidate in (text, re.sub(r"\([^)]*\)", " ", text)):
        key = _plural_free(fold(candidate))
        if key in table:
            return table[key]
    return None


_LEGAL_SUFFIX = re.compile(
    r"\b(?:ltd|limited|inc|incorporated|corp|corporation|co|company|llc|llp|ltee|enr)\b"
)
FUZZY_ACCOUNT_THRESHOLD = 90.0
_FUZZY_MIN_LENGTH = 6  # short aliases (PCH, BVR) are too close to other words to be fuzzy


@lru_cache(maxsize=8192)
def account_key(name: str) -> str:
    """Comparison key of an account name: folded, "and" for "&", no legal suffix, no "'s"."""
    key = " " + fold(name).replace("’", "'") + " "
    key = key.replace(" and ", " ")
    key = re.sub(r"\b(\w+) s\b", r"\1", key)  # Ridgeline's -> ridgeline
    key = _LEGAL_SUFFIX.sub(" ", key)
    return re.sub(r"\s+", " ", key).strip()


def _account_keys(account: Account) -> frozenset[str]:
    return _names_keys(account.name, tuple(account.aliases))


@lru_cache(maxsize=1024)
def _names_keys(name: str, aliases: tuple[str, ...]) -> frozenset[str]:
    keys = {account_key(n) for n in [name, *aliases]} - {""}
    # "A&O" for "Aspen & Oak": the initials of a name joined by an ampersand
    for written in [name, *aliases]:
        words = account_key(written).split()
        if re.search(r"&|\band\b", written) and 2 <= len(words) <= 3:
            keys.add(" ".join(w[0] for w in words))
    return frozenset(keys)


def account_by_domain(address: str, org: Organisation) -> Account | None:
    """The one known account whose name or alias, run together, is the first label of the
    address's domain ("clearviewwindows.example.org": Clearview Windows; "aspenoak.ca": Aspen
    & Oak). A short label (a mail provider's, initials) names no one surely."""
    domain = address.rpartition("@")[2].lower()
    label = re.sub(r"[^a-z0-9]", "", domain.split(".")[0]) if "." in domain else ""
    if len(label) < _DOMAIN_LABEL_MIN:
        return None
    found = [
        account
        for account in org.accounts.values()
        if any(key.replace(" ", "") == label for key in _account_keys(account))
    ]
    return found[0] if len(found) == 1 else None


_DOMAIN_LABEL_MIN = 6


def match_account(text: str, org: Organisation) -> Account | None:
    """The known account that `text` names: exact name or alias first, then a close spelling.

    Short aliases (PCH, BVR) only match exactly. The fuzzy step is strict (similarity of at
    least 90 over the whole name) and must be unambiguous, so a misspelling like "Praire
    Crest Homes" is recognised but a different company is never turned into a known one.
    """
    key = account_key(text)
    if not key:
        return None
    by_id = org.accounts.get(text.strip().upper())
    if by_id:
        return by_id
    for account in org.accounts.values():
        if key in _account_keys(account):
            return account
    if len(key) < _FUZZY_MIN_LENGTH:
        return None
    scored: list[tuple[float, Account]] = []
    for account in org.accounts.values():
        names = [k for k in _account_keys(account) if len(k) >= _FUZZY_MIN_LENGTH]
        score = max((fuzz.ratio(key, k) for k in names), default=0.0)
        if score >= FUZZY_ACCOUNT_THRESHOLD:
            scored.append((score, account))
    scored.sort(key=lambda pair: -pair[0])
    if len(scored) == 1 or (len(scored) > 1 and scored[0][0] - scored[1][0] >= 5):
        return scored[0][1]
    return None
