"""Who owns a new case: least open cases first, then least recently assigned, then list order;
managers take what no rule fits. Database tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import copy
import itertools
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from intake.handlers.assignment import Assignment, choose_owner, team_for_queue
from intake.handlers.statuses import CLOSED, DONE, LOST, OPEN, WAITING, WON
from intake.parsers.org import Organisation, parse_organisation
from intake.storage import db
from intake.storage.models import Case, CaseEvent
from tests.conftest import ORG_FILE

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AM_ALEX = "alex.martin@example.com"
AM_PRIYA = "priya.shah@example.com"


@pytest.fixture
def session(migrated_database_url: str) -> Iterator[Session]:
    engine = db.make_engine(migrated_database_url)
    db.upgrade(engine)
    with db.make_sessionmaker(engine)() as s:
        yield s
    engine.dispose()


def raw_org() -> dict[str, Any]:
    return tomllib.loads(ORG_FILE.read_text(encoding="utf-8"))


_seq = itertools.count(1)


def add_case(
    session: Session,
    owner: str | None,
    *,
    status: str = OPEN,
    queue: str = "quotes",
    assigned_at: datetime | None = None,
    event_kind: str = "assigned",
) -> Case:
    """What the caller does after choose_owner: the case with its owner and an event."""
    seq = next(_seq)
    at = assigned_at or T0
    case = Case(
        seq=seq,
        number=f"T-{seq:06d}",
        queue=queue,
        status=status,
        owner=owner,
        created_at=at,
        updated_at=at,
    )
    session.add(case)
    if owner is not None:
        session.add(
            CaseEvent(case=case, at=at, actor="test", kind=event_kind, data={"owner": owner})
        )
    session.flush()
    return case


def quotes(session: Session, org: Organisation, **kw: Any) -> Assignment:
    args: dict[str, Any] = {"team": "west", "account_id": None, "sender_email": AM_ALEX} | kw
    return choose_owner(session, org, queue="quotes", **args)


# --- quotes: the least-open rule and its tie-breaks ---------------------------------------


def test_round_robin_across_two_atrs_as_cases_accumulate(session: Session, org) -> None:
    owners = []
    for i in range(6):
        got = quotes(session, org)
        assert got.team == "west"
        owners.append(got.owner)
        add_case(session, got.owner, assigned_at=T0 + timedelta(minutes=i))
    assert owners == ["tara.nguyen", "omar.haddad"] * 3
    counts = dict(session.execute(select(Case.owner, func.count()).group_by(Case.owner)).all())
    assert counts == {"tara.nguyen": 3, "omar.haddad": 3}


def test_first_pick_with_no_history_goes_to_list_order(session: Session, org) -> None:
    got = quotes(session, org)
    assert got.owner == "tara.nguyen"
    assert got.rule == (
        "least open cases among Account Team West's reps, first in the team's list of those tied"
    )


def test_tie_on_open_cases_goes_to_the_least_recently_assigned(session: Session, org) -> None:
    # Both have one open case; Omar was assigned earlier, so he is next although Tara is
    # first in the list. A later event of another kind naming Omar does not count.
    add_case(session, "omar.haddad", assigned_at=T0)
    add_case(session, "tara.nguyen", assigned_at=T0 + timedelta(hours=1))
    noise = add_case(session, None)
    session.add(
        CaseEvent(
            case=noise,
            at=T0 + timedelta(hours=2),
            actor="x",
            kind="note",
            data={"owner": "omar.haddad"},
        )
    )
    session.flush()
    got = quotes(session, org)
    assert got.owner == "omar.haddad"
    assert got.rule == (
        "least open cases among Account Team West's reps, assigned least recently of those tied"
    )


def test_least_open_wins_over_recency(session: Session, org) -> None:
    # Tara was assigned long ago but still holds two open cases; Omar was assigned just now
    # and holds one: Omar gets it.
    add_case(session, "tara.nguyen", assigned_at=T0 - timedelta(days=30))
    add_case(session, "tara.nguyen", assigned_at=T0 - timedelta(days=29))
    add_case(session, "omar.haddad", assigned_at=T0)
    got = quotes(session, org)
    assert got.owner == "omar.haddad"
    assert got.rule == "least open cases among Account Team West's reps"


def test_closed_cases_do_not_count_but_waiting_ones_do(session: Session, org) -> None:
    assert {WON, LOST, CLOSED} <= DONE and WAITING not in DONE
    for status in (WON, LOST, CLOSED):
        add_case(session, "tara.nguyen", status=status, assigned_at=T0 + timedelta(hours=1))
    add_case(session, "omar.haddad", status=WAITING, assigned_at=T0)
    got = quotes(session, org)
    # Tara: 0 open (3 done), Omar: 1 waiting. Recency alone would have picked Omar.
    assert got.owner == "tara.nguyen"
    assert got.rule == "least open cases among Account Team West's reps"


def test_open_cases_of_any_queue_count(session: Session, org) -> None:
    add_case(session, "tara.nguyen", queue="service")
    assert quotes(session, org).owner == "omar.haddad"


def test_a_single_atr_takes_everything(session: Session, org) -> None:
    add_case(session, "ben.okafor")
    got = quotes(session, org, team="east")
    assert (got.owner, got.team) == ("ben.okafor", "east")
    assert got.rule == "Ben Okafor is Account Team East's only rep"


def test_choose_owner_does_not_write(session: Session, org) -> None:
    add_case(session, "tara.nguyen")
    session.commit()
    quotes(session, org)
    choose_owner(session, org, queue="service", team=None, account_id=None, sender_email=None)
    assert not session.new and not session.dirty and not session.deleted
    assert session.scalar(select(func.count()).select_from(CaseEvent)) == 1


def test_workload_is_one_look_up_by_key_whatever_the_team_size(session: Session) -> None:
    """Counting open cases and scanning the assignments grew with the history; the loads the
    database keeps are read by primary key, in one query, never from cases or events."""
    raw = raw_org()
    for i in range(6):
        raw["people"][f"rep.{i}"] = {
            "name": f"Rep {i}",
            "role": "ATR",
            "team": "big",
            "email": f"rep.{i}@example.com",
        }
    raw["teams"]["big"] = {"name": "Big Team", "atrs": [f"rep.{i}" for i in range(6)]}
    org = parse_organisation(raw)
    for i in range(5):
        add_case(session, f"rep.{i}")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        got = quotes(session, org, team="big")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert got.owner == "rep.5"
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1
    assert "FROM owner_loads" in selects[0] and "WHERE owner_loads.owner IN" in selects[0]


# --- the account manager who stays on the case -------------------------------------------


def test_the_accounts_am_is_kept_over_the_sender(session: Session, org) -> None:
    # Priya sends a request for Alex's account: Alex stays on the case.
    got = quotes(session, org, account_id="ACC-1001", sender_email=AM_PRIYA)
    assert got.account_manager == "alex.martin"


def test_the_am_sender_is_kept_when_the_account_is_unknown(session: Session, org) -> None:
    assert quotes(session, org, account_id=None, sender_email=AM_PRIYA).account_manager == (
        "priya.shah"
    )
    unknown = quotes(session, org, account_id="ACC-9999", sender_email=AM_PRIYA.upper())
    assert unknown.account_manager == "priya.shah"
    # Not an AM, and no account: nobody.
    rep = quotes(session, org, account_id=None, sender_email="tara.nguyen@example.com")
    assert rep.account_manager is None
    assert quotes(session, org, sender_email="someone@example.net").account_manager is None


# --- service ------------------------------------------------------------------------------


def test_service_goes_to_connectyou_members(session: Session, org) -> None:
    args = {"queue": "service", "team": None, "sender_email": "g.martel@example.net"}
    first = choose_owner(session, org, account_id="ACC-1008", **args)
    assert (first.owner, first.team) == ("rita.santos", "connectyou")
    assert first.account_manager == "priya.shah"  # the account's AM, though a customer wrote
    assert first.rule.startswith("least open cases among Connect You (service)'s members")
    add_case(session, first.owner, queue="service")
    second = choose_owner(session, org, account_id=None, **args)
    assert (second.owner, second.team) == ("jon.price", "connectyou")
    assert second.account_manager is None
    # ATRs are never service candidates, however idle.
    assert second.owner not in org.teams["west"].atrs + org.teams["east"].atrs


def test_service_team_override_from_the_org_file(session: Session) -> None:
    raw = raw_org()
    raw["people"]["fay.field"] = {
        "name": "Fay Field",
        "role": "CY",
        "team": "field",
        "email": "fay.field@example.com",
    }
    raw["teams"]["field"] = {"name": "Field Service", "members": ["fay.field"]}
    ambiguous = parse_organisation(copy.deepcopy(raw))
    # Two members-only teams and no key: no guess.
    assert team_for_queue(ambiguous, "service", None, None) is None
    none = choose_owner(
        session, ambiguous, queue="service", team=None, account_id=None, sender_email=None
    )
    assert none.owner is None and "nobody fits" in none.rule

    raw["assignment"] = {"service_team": "field"}
    org = parse_organisation(raw)
    assert org.assignment.service_team == "field"
    assert team_for_queue(org, "service", None, None) == "field"
    got = choose_owner(session, org, queue="service", team=None, account_id=None, sender_email=None)
    assert (got.owner, got.team) == ("fay.field", "field")
    # The mailbox's own team still wins over the key.
    assert team_for_queue(org, "service", "connectyou", None) == "connectyou"


def test_service_team_key_naming_an_unknown_team_is_ignored() -> None:
    raw = raw_org()
    raw["assignment"] = {"service_team": "nope"}
    assert team_for_queue(parse_organisation(raw), "service", None, None) == "connectyou"


# --- managers and nobody ------------------------------------------------------------------


def test_team_with_no_atrs_goes_to_its_manager(session: Session, org) -> None:
    got = quotes(session, org, team="connectyou")
    assert (got.owner, got.team) == ("mike.welker", "connectyou")
    assert got.rule == (
        "Connect You (service) has no reps, so the team's manager Mike Welker takes it"
    )
    # Service sent to a quotes team's mailbox: its manager, not its ATRs.
    svc = choose_owner(
        session, org, queue="service", team="west", account_id=None, sender_email=None
    )
    assert (svc.owner, svc.team) == ("lena.fischer", "west")
    assert (
        svc.rule == "Account Team West has no members, so the team's manager Lena Fischer takes it"
    )


def test_nothing_fits_gives_no_owner(session: Session, org) -> None:
    # No mailbox team and a sender who is nobody we know: no team for a quote.
    got = quotes(session, org, team=None, sender_email="stranger@example.net")
    assert got == Assignment(
        None, None, None, "nobody fits: no team could be found for this quote request"
    )
    # A team with neither reps nor a manager.
    raw = raw_org()
    raw["teams"]["empty"] = {"name": "Empty Team"}
    empty = quotes(session, parse_organisation(raw), team="empty")
    assert (empty.owner, empty.team) == (None, "empty")
    assert empty.rule == "nobody fits: Empty Team has no reps and no manager"
    # A team key the organisation file does not know.
    gone = quotes(session, org, team="north")
    assert gone.owner is None and "'north'" in gone.rule


def test_quotes_without_a_team_use_the_senders_team(session: Session, org) -> None:
    got = quotes(session, org, team=None, sender_email="dan.schultz@example.com")
    assert (got.owner, got.team, got.account_manager) == ("ben.okafor", "east", "dan.schultz")


def test_unknown_queue_goes_to_the_teams_manager_or_nobody(session: Session, org) -> None:
    args = {"account_id": None, "sender_email": AM_ALEX}
    got = choose_owner(session, org, queue="billing", team="west", **args)
    assert (got.owner, got.team) == ("lena.fischer", "west")
    assert got.rule == (
        "no assignment rule for the 'billing' queue, so the team's manager Lena Fischer takes it"
    )
    alone = choose_owner(session, org, queue="billing", team=None, **args)
    assert (alone.owner, alone.team) == (None, None)
    assert alone.rule.startswith("nobody fits")
    assert alone.account_manager == "alex.martin"


# --- team_for_queue -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("queue", "mailbox_team", "sender", "expected"),
    [
        ("quotes", "east", AM_ALEX, "east"),  # the mailbox's team wins over the sender's
        ("quotes", None, AM_ALEX, "west"),
        ("quotes", None, "DAN.SCHULTZ@example.com", "east"),
        ("quotes", None, "stranger@example.net", None),
        ("quotes", None, None, None),
        ("service", None, AM_ALEX, "connectyou"),  # not the AM's team
        ("service", None, None, "connectyou"),
        ("service", "west", None, "west"),
        ("billing", None, AM_ALEX, None),
        ("billing", "east", None, "east"),
    ],
)
def test_team_for_queue(
    org, queue: str, mailbox_team: str | None, sender: str | None, expected: str | None
) -> None:
    assert team_for_queue(org, queue, mailbox_team, sender) == expected
