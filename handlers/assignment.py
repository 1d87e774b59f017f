"""Who owns a new case: the rules of the organisation file, applied to the open workload.

The workflow it encodes: an account manager (AM) emails a quote request, and an account team
rep (ATR) of the AM's team prepares the quote while the account's AM stays on the case. A
service request goes to the service team (Connect You). Among the people who could take a
case, the one with the fewest open cases gets it, so work spreads evenly; ties go to whoever
was assigned least recently, so equal workloads still rotate instead of always landing on
the first name of the list. A case no rule fits goes to the team's manager, who can hand it
on; nobody at all is better than a guess, so when there is no manager either the owner is
left empty for a person to decide.

`choose_owner` only reads; `assign_owner` sets `case.owner` and writes the "assigned" event
in the caller's transaction, with the rest of the case, so a rolled-back case leaves no trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from intake.parsers.org import Organisation, Team
from intake.storage.audit import record
from intake.storage.models import Case, OwnerLoad

QUOTES = "quotes"
SERVICE = "service"
ASSIGNED = "assigned"  # the kind of the event the caller writes when it sets an owner
AM_ROLE = "AM"

# What a queue's candidates are called in rule sentences.
_CANDIDATE_WORD = {QUOTES: "reps", SERVICE: "members"}


@dataclass(frozen=True)
class Assignment:
    """The decision and its reason, so the case history can say why this person got it."""

    owner: str | None  # person key from org.people, None when nobody fits
    team: str | None  # team key the owner was chosen from
    account_manager: str | None  # person key of the AM who stays on the case
    rule: str  # one human sentence saying why


def team_for_queue(
    org: Organisation, queue: str, mailbox_team: str | None, sender_email: str | None
) -> str | None:
    """mailbox_team when given; for quotes the sending AM's team; for service the service team.

    A team-specific mailbox (accountteam-west@) is the most explicit statement of intent, so
    it wins. Otherwise a quote request belongs to the team of the person who sent it, which
    is the AM's team in the normal workflow (any known sender's team is used, as the case's
    `team` column is, so a rep forwarding a request keeps it in their own team). For the
    service queue see `service_team`. Any other queue has no team but the mailbox's.
    """
    if mailbox_team:
        return mailbox_team
    if queue == QUOTES:
        found = org.person_by_email(sender_email) if sender_email else None
        if found is not None and found[1].team in org.teams:
            return found[1].team
        return None
    if queue == SERVICE:
        return service_team(org)
    return None


def service_team(org: Organisation) -> str | None:
    """The team that takes service requests when the mailbox names none.

    The organisation file may say so explicitly (`[assignment] service_team = "..."`);
    otherwise it is the one team made of `members` rather than ATRs, which is how the file
    describes Connect You. With two such teams and no explicit key there is no safe guess,
    so None. A key naming an unknown team is ignored rather than fatal: the fallback still
    routes the case, and a wrong key must not stop intake.
    """
    configured = _configured_service_team(org)
    if configured is not None and configured in org.teams:
        return configured
    member_teams = [key for key, team in org.teams.items() if team.members and not team.atrs]
    return member_teams[0] if len(member_teams) == 1 else None


def _configured_service_team(org: Organisation) -> str | None:
    """`assignment.service_team` from the organisation file, kept by the model as an extra key
    (`Organisation` allows extra keys; an attribute is read too, should the model grow one)."""
    section = (org.model_extra or {}).get("assignment")
    if section is None:
        section = getattr(org, "assignment", None)
    if isinstance(section, dict):
        value = section.get("service_team")
    else:
        value = getattr(section, "service_team", None)
    return value if isinstance(value, str) and value else None


def account_manager_for(
    org: Organisation, account_id: str | None, sender_email: str | None
) -> str | None:
    """The AM who stays on the case: the account's AM when the account is known (the account,
    not who happened to send the email, decides whose customer it is); else the sender when
    they are an AM themselves; else nobody."""
    account = org.accounts.get(account_id) if account_id else None
    if account is not None and account.am:
        return account.am
    found = org.person_by_email(sender_email) if sender_email else None
    if found is not None and found[1].role == AM_ROLE:
        return found[0]
    return None


def choose_owner(
    session: Session,
    org: Organisation,
    *,
    queue: str,
    team: str | None,
    account_id: str | None,
    sender_email: str | None,
) -> Assignment:
    """Pick the owner of a new case in `queue` for `team` (resolved from the queue and sender
    with `team_for_queue` when None). Only reads the session."""
    am = account_manager_for(org, account_id, sender_email)

    if queue not in (QUOTES, SERVICE):
        return _to_manager(org, team, am, why=f"no assignment rule for the {queue!r} queue")

    if team is None:
        team = team_for_queue(org, queue, None, sender_email)
    if team is None:
        what = "quote request" if queue == QUOTES else "service request"
        return Assignment(None, None, am, f"nobody fits: no team could be found for this {what}")
    info = org.teams.get(team)
    if info is None:
        return Assignment(
            None, None, am, f"nobody fits: team {team!r} is not in the organisation file"
        )

    word = _CANDIDATE_WORD[queue]
    candidates = _unique(info.atrs if queue == QUOTES else info.members)
    if not candidates:
        return _to_manager(org, team, am, why=f"{info.name} has no {word}")
    if len(candidates) == 1:
        only = candidates[0]
        return Assignment(only, team, am, f"{_name(org, only)} is {info.name}'s only {word[:-1]}")
    owner, how = _least_loaded(session, candidates)
    return Assignment(owner, team, am, f"least open cases among {info.name}'s {word}{how}")


def _to_manager(org: Organisation, team: str | None, am: str | None, *, why: str) -> Assignment:
    """The fallback: the team's manager decides who takes a case no rule fits."""
    info: Team | None = org.teams.get(team) if team else None
    if info is None:
        return Assignment(None, None, am, f"nobody fits: {why} and no team to hand it to")
    if not info.manager:
        return Assignment(None, team, am, f"nobody fits: {why} and no manager")
    manager = _name(org, info.manager)
    return Assignment(info.manager, team, am, f"{why}, so the team's manager {manager} takes it")


# Built once (statements are immutable), the candidates bound at each call. Of the table's
# columns, run on the session's connection: read through the session, the ORM's layer
# (its compile state, its result) cost more than the query itself.
_LOAD_COLUMNS = OwnerLoad.__table__.c
_LOADS = select(
    _LOAD_COLUMNS.owner,
    _LOAD_COLUMNS.open_cases,
    _LOAD_COLUMNS.last_assigned_at,
    _LOAD_COLUMNS.last_assigned_event,
).where(_LOAD_COLUMNS.owner.in_(bindparam("owners", expanding=True)))


def _least_loaded(session: Session, candidates: Sequence[str]) -> tuple[str, str]:
    """The candidate with the fewest open cases; ties to the least recently assigned (never
    assigned counts as oldest), then to list order. Returns the owner and a clause saying
    which tie-break, if any, decided it.

    One look-up by primary key per candidate, whatever the history: the database keeps each
    person's open cases and latest "assigned" event in `owner_loads` (storage/models.py),
    where counting the open cases and scanning every assignment ever made grew with the
    history (the 6th batch of 500 messages into one database took 1.40x the 1st).
    Recency is that of the events, not of the cases, because a case may be reassigned after
    it was opened.
    """
    # Columns, not OwnerLoad objects: the triggers change the rows under the session, and an
    # object already in the session would not be read again within the transaction.
    if session.autoflush:  # as a query through the session would
        session.flush()
    loads = session.connection().execute(_LOADS, {"owners": list(candidates)}).all()
    open_counts = {owner: count for owner, count, _, _ in loads}
    last: dict[str, tuple[datetime, int]] = {
        owner: (at, event_id or 0) for owner, _, at, event_id in loads if at is not None
    }

    def recency(person: str) -> tuple[int, float, int]:
        # Never assigned sorts first; the event id breaks ties of equal timestamps.
        if person not in last:
            return (0, 0.0, 0)
        at, event_id = last[person]
        return (1, at.timestamp(), event_id)

    def load(person: str) -> int:
        return open_counts.get(person, 0)

    fewest = min(load(p) for p in candidates)
    tied = [p for p in candidates if load(p) == fewest]
    if len(tied) == 1:
        return tied[0], ""
    oldest = min(recency(p) for p in tied)
    by_recency = [p for p in tied if recency(p) == oldest]
    if len(by_recency) == 1:
        return by_recency[0], ", assigned least recently of those tied"
    return by_recency[0], ", first in the team's list of those tied"


def _unique(people: Sequence[str]) -> list[str]:
    """The list without repeats, in its order: a name listed twice must not get two turns."""
    return list(dict.fromkeys(people))


def _name(org: Organisation, person: str) -> str:
    found = org.people.get(person)
    return found.name if found is not None else person


def assign_owner(
    session: Any,
    case: Case,
    owner: str | None,
    *,
    actor: str,
    rule: str,
    now: datetime,
    **data: Any,
) -> str | None:
    """Give the case its owner and record why, as an "assigned" event (the assignment rules'
    choice for a new case, or a person's in Slack); returns the previous owner."""
    old, case.owner = case.owner, owner
    record(
        session,
        case,
        at=now,
        actor=actor,
        kind=ASSIGNED,
        data={"owner": owner, "old": old, "rule": rule, **data},
    )
    return old
