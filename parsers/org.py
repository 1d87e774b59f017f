"""The organisation file: who we are, which mailboxes feed which queue, who the people and
accounts are, and the vocabulary (picklists, synonyms, required fields) the extractor uses.

It is plain data read from TOML, validated into typed models here so that every other module
can rely on its shape. The format is the one of `shared/corpus/org.toml`; everything this bot
adds to it (company domains, required fields, synonyms, queues of mailboxes) has a default, so
an organisation file of that shape works unchanged.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from intake.parsers.salesforce_map import SalesforceMap

DEFAULT_REQUIRED: dict[str, list[str]] = {
    "quotes": [
        "account",
        "product_specs",
        "factor",
        "opportunity_name",
        "opportunity_type",
        "stage",
        "close_date",
    ],
    "service": ["contact_name", "contact_phone", "site_address", "description"],
}


class OrgFileError(ValueError):
    """The organisation file cannot be used; the message names the file and the key."""


class OrgFileMissing(OrgFileError):
    """There is no organisation file where the settings say (the fix is a setting)."""


# The tables and keys the organisation file may have. Anything else is a typo
# (`[organisation] time_zon`) or a section this bot does not read; taking it silently would
# leave the operator wondering why the setting has no effect, so it is refused by name.
SECTIONS = (
    "organisation",
    "mailboxes",
    "teams",
    "people",
    "accounts",
    "picklists",
    "fields",
    "synonyms",
    "assignment",
    "sla",
    "salesforce",
)
ORGANISATION_KEYS = (
    "name",
    "phone",
    "signature",
    "domains",
    "time_zone",
    "phone_region",
    "date_order",
)
# Regions that write a numeric date month first ("08/09/2027" is August 9).
MONTH_FIRST_REGIONS = frozenset({"CA", "US"})
DEFAULT_NAME = "Customer Experience"
DEFAULT_SIGNATURE = "This is an automated message from the intake bot."


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Mailbox(_Model):
    """One address the bot answers for, and the queue (and optionally team) it feeds."""

    key: str
    address: str
    queue: str
    team: str | None = None
    # Who may open cases here: "company" (our domains) or "anyone". Default: quote
    # mailboxes take requests from the company only, the others from anyone.
    allow: Literal["company", "anyone"] | None = None

    @property
    def policy(self) -> str:
        return self.allow or ("company" if self.queue == "quotes" else "anyone")

    @field_validator("address")
    @classmethod
    def _lower(cls, v: str) -> str:
        if "@" not in v:
            raise ValueError(f"not an email address: {v!r}")
        return v.strip().lower()


class Team(_Model):
    name: str
    atrs: list[str] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)
    manager: str | None = None
    slack_channel: str | None = None
    calendar: str | None = None  # a [sla.calendars.<name>] table the team works to


class Person(_Model):
    name: str
    role: str
    team: str | None = None
    email: str
    slack: str | None = None
    salesforce: str | None = None  # their Salesforce user id (005…), for owners and mentions

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.strip().lower()


class Account(_Model):
    id: str
    name: str
    type: str | None = None
    am: str | None = None
    aliases: list[str] = Field(default_factory=list)
    contact_email: str | None = None
    salesforce: str | None = None  # the Salesforce Account id (001…)


class Assignment(_Model):
    service_team: str | None = None  # the team that owns service requests


class Organisation(_Model):
    """The whole organisation file, typed. Build it with `load_organisation`."""

    # Who the emails say they come from: the footer of every acknowledgement.
    name: str = DEFAULT_NAME
    phone: str | None = None
    signature: str = DEFAULT_SIGNATURE
    domains: list[str] = Field(default_factory=list)
    phone_region: str = "CA"
    # How an ambiguous numeric date ("08/09/2027") is read: "MDY" or "DMY"; by default
    # month first in the regions that write it so (`MONTH_FIRST_REGIONS`), else day first.
    date_order: Literal["MDY", "DMY"] | None = None
    time_zone: str = "America/Edmonton"
    mailboxes: dict[str, Mailbox]
    teams: dict[str, Team] = Field(default_factory=dict)
    people: dict[str, Person] = Field(default_factory=dict)
    accounts: dict[str, Account] = Field(default_factory=dict)
    picklists: dict[str, Any] = Field(default_factory=dict)
    synonyms: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    required: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_REQUIRED))
    sla: dict[str, Any] = Field(default_factory=dict)
    assignment: Assignment = Field(default_factory=Assignment)
    salesforce: SalesforceMap = Field(default_factory=SalesforceMap)

    @model_validator(mode="before")
    @classmethod
    def _default_date_order(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("date_order") is None:
            region = str(data.get("phone_region") or "CA").upper()
            data = {**data, "date_order": "MDY" if region in MONTH_FIRST_REGIONS else "DMY"}
        return data

    @model_validator(mode="after")
    def _check_references(self) -> Organisation:
        for key, team in self.teams.items():
            for who in [*team.atrs, *team.members, *([team.manager] if team.manager else [])]:
                if who not in self.people:
                    raise ValueError(f"teams.{key} names unknown person {who!r}")
        for key, acc in self.accounts.items():
            if acc.am and acc.am not in self.people:
                raise ValueError(f"accounts.{key}.am names unknown person {acc.am!r}")
        for key, box in self.mailboxes.items():
            if box.team and box.team not in self.teams:
                raise ValueError(f"mailboxes.{key}.team names unknown team {box.team!r}")
        return self

    # -- look-ups the pipeline needs -------------------------------------------------------
    def mailbox_for(self, address: str) -> Mailbox | None:
        address = address.strip().lower()
        return next((m for m in self.mailboxes.values() if m.address == address), None)

    @property
    def mailbox_addresses(self) -> frozenset[str]:
        return frozenset(m.address for m in self.mailboxes.values())

    def is_company_address(self, address: str) -> bool:
        domain = address.rpartition("@")[2].lower()
        return any(domain == d or domain.endswith("." + d) for d in self.domains)

    def person_by_email(self, address: str) -> tuple[str, Person] | None:
        address = address.strip().lower()
        return next(((k, p) for k, p in self.people.items() if p.email == address), None)

    def account_by_contact(self, address: str) -> Account | None:
        address = address.strip().lower()
        return next(
            (a for a in self.accounts.values() if (a.contact_email or "").lower() == address),
            None,
        )

    def team_manager(self, team: str | None) -> str | None:
        """The person key of a team's manager (None for no team or no manager)."""
        found = self.teams.get(team or "")
        return found.manager if found is not None else None

    def picklist(self, name: str) -> list[str]:
        """Values of a picklist; for a mapping (stage -> probability) its keys."""
        values = self.picklists.get(name, [])
        return list(values.keys()) if isinstance(values, dict) else list(values)

    def required_fields(self, queue: str) -> list[str]:
        return list(self.required.get(queue, DEFAULT_REQUIRED.get(queue, [])))


def _queue_of_key(key: str) -> str:
    """`quotes_west` feeds the `quotes` queue: the part before the first underscore."""
    return key.split("_", 1)[0]


class _UnknownKey(ValueError):
    """A section or key the organisation file may not have (the message names it)."""


def _refuse_unknown(raw: dict[str, Any]) -> None:
    for section in raw:
        if section not in SECTIONS:
            raise _UnknownKey(f"[{section}]: unknown section (known: {', '.join(SECTIONS)})")
    org_section = raw.get("organisation") or {}
    if not isinstance(org_section, dict):
        raise _UnknownKey("organisation: expected a table")
    for key in org_section:
        if key not in ORGANISATION_KEYS:
            raise _UnknownKey(
                f"organisation.{key}: unknown key (known: {', '.join(ORGANISATION_KEYS)})"
            )
    for queue, spec in (raw.get("fields") or {}).items():
        for key in spec if isinstance(spec, dict) else ():
            if key != "required":
                raise _UnknownKey(f"fields.{queue}.{key}: unknown key (known: required)")


def _normalise(raw: dict[str, Any]) -> dict[str, Any]:
    _refuse_unknown(raw)
    data = dict(raw)
    org_section = data.pop("organisation", {}) or {}
    for k in ORGANISATION_KEYS:
        if k in org_section:
            data[k] = org_section[k]
    boxes: dict[str, Any] = {}
    for key, value in (data.get("mailboxes") or {}).items():
        if isinstance(value, str):
            suffix = key.split("_", 1)[1] if "_" in key else None
            team = suffix if suffix and suffix in (data.get("teams") or {}) else None
            boxes[key] = {"key": key, "address": value, "queue": _queue_of_key(key), "team": team}
        elif isinstance(value, dict):
            boxes[key] = {"key": key, "queue": _queue_of_key(key), **value}
        else:
            boxes[key] = value  # let validation name it
    data["mailboxes"] = boxes
    data["accounts"] = {
        k: ({"id": k, **v} if isinstance(v, dict) else v)
        for k, v in (data.get("accounts") or {}).items()
    }
    req = data.pop("fields", None)
    if isinstance(req, dict):
        data["required"] = {
            q: (spec.get("required", []) if isinstance(spec, dict) else spec)
            for q, spec in req.items()
        } | {q: v for q, v in DEFAULT_REQUIRED.items() if q not in req}
    if not data.get("domains"):
        data["domains"] = sorted(
            {
                str(b.get("address", "")).rpartition("@")[2].lower()
                for b in boxes.values()
                if isinstance(b, dict)
            }
            - {""}
        )
    return data


def parse_organisation(raw: dict[str, Any], source: str = "<organisation>") -> Organisation:
    """Validate an already-read TOML document; errors name the key and the file."""
    try:
        return Organisation.model_validate(_normalise(raw))
    except _UnknownKey as exc:
        raise OrgFileError(f"{source}: {exc}") from None
    except ValidationError as exc:
        # A misspelt key is also a missing one: name the misspelling, which is the mistake.
        errors = exc.errors()
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = [str(p) for p in first["loc"]]
        if loc and loc[0] in ORGANISATION_KEYS:
            loc.insert(0, "organisation")
        elif loc and loc[0] == "required":
            loc[0] = "fields"
        key = ".".join(loc) or "(top level)"
        msg = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        raise OrgFileError(f"{source}: {key}: {msg}") from None
    except (TypeError, AttributeError) as exc:
        raise OrgFileError(f"{source}: malformed section: {exc}") from None


def load_organisation(path: str | Path) -> Organisation:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OrgFileMissing(f"{path}: organisation file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise OrgFileError(f"{path}: not valid TOML: {exc}") from None
    return parse_organisation(raw, str(path))
