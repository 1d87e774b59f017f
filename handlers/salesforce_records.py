"""What a case is in Salesforce: its Case record and, for a quote, its Opportunity.

Pure functions of the case as it is now and the organisation file: the Salesforce
dispatcher (bot/salesforce_out.py) builds the records when it sends, so a sync queued
before later changes still writes the latest state, and a repeated sync writes the same.
The external id (our case number) is not in the records: it is the upsert's address.
"""

from __future__ import annotations

import re
from typing import Any

from intake.handlers import statuses
from intake.parsers.org import Organisation
from intake.storage.models import Case

DESCRIPTION_LIMIT = 32000  # Case.Description is a Long Text Area(32000)
SUBJECT_LIMIT = 255  # Case.Subject
NAME_LIMIT = 120  # Opportunity.Name
# The fields an Opportunity cannot be created without.
OPPORTUNITY_REQUIRED = ("Name", "StageName", "CloseDate")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _cut(text: Any, limit: int) -> str:
    text = str(text or "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value(value: Any) -> Any:
    """A case field's value as Salesforce takes it: a list joined, numbers as they are."""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def _amount(value: Any) -> float | None:
    """`1200000`, `"85,000.50"`, `"$1.2M"`, `"85k"`: a currency amount, or None."""
    if isinstance(value, int | float):
        return float(value)
    m = re.fullmatch(r"\s*\$?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([kKmM]?)\s*", str(value or ""))
    if m is None:
        return None
    number = float(m.group(1).replace(",", ""))
    return number * {"k": 1e3, "m": 1e6}.get(m.group(2).lower(), 1)


def account_reference(org: Organisation, case: Case) -> dict[str, Any]:
    """`AccountId`, or the Account by its external id, or nothing when it is not known."""
    account = org.accounts.get(case.account_id or "")
    if account is None:
        return {}
    if account.salesforce:
        return {"AccountId": account.salesforce}
    external = org.salesforce.account_external_id
    return {"Account": {external: account.id}} if external else {}


def user_id(org: Organisation, person_key: str | None) -> str | None:
    person = org.people.get(person_key or "")
    return person.salesforce if person is not None else None


def case_record(org: Organisation, case: Case, origin_channel: str | None) -> dict[str, Any]:
    """The Case: subject, description, origin, status, priority, who wrote, its owner and
    account, then the organisation's own mapped fields."""
    sf = org.salesforce
    fields = case.fields or {}
    description = fields.get("description") or fields.get("product_specs") or ""
    if fields.get("special_instructions"):
        description = f"{description}\n\nSpecial instructions: {fields['special_instructions']}"
    subject = f"{case.number}: {case.subject or fields.get('account') or ''}"
    record: dict[str, Any] = {
        "Subject": _cut(subject, SUBJECT_LIMIT),
        "Description": _cut(_value(description), DESCRIPTION_LIMIT),
        "Status": sf.case_status.get(case.status, case.status),
        "SuppliedEmail": case.requester_email,
        "SuppliedName": case.requester_name,
    }
    origin = sf.origin.get(origin_channel or "")
    if origin:
        record["Origin"] = origin
    urgency = str(fields.get("urgency") or "").lower()
    if urgency in sf.priority:
        record["Priority"] = sf.priority[urgency]
    owner = user_id(org, case.owner)
    if owner:
        record["OwnerId"] = owner
    record.update(account_reference(org, case))
    for target, ours in sf.case_fields.items():
        if fields.get(ours) not in (None, "", []):
            record[target] = _value(fields[ours])
    return {k: v for k, v in record.items() if v is not None}


def opportunity_record(org: Organisation, case: Case) -> tuple[dict[str, Any], list[str]]:
    """The quote's Opportunity, and the required fields it still lacks (an Opportunity
    without a name, stage or close date cannot be created: it waits for a later sync).

    Won sets the closed-won stage and the PO, lost the closed-lost stage and the reason;
    the CRM policy (handlers/lifecycle.py) has made sure those are there."""
    sf = org.salesforce
    fields = case.fields or {}
    stage = fields.get("stage")
    if case.status == statuses.WON:
        stage = sf.won_stage
    elif case.status == statuses.LOST:
        stage = sf.lost_stage
    close = str(fields.get("close_date") or "")
    name = fields.get("opportunity_name")
    if not name and fields.get("account"):
        name = f"{fields['account']} ({case.number})"
    record: dict[str, Any] = {
        "Name": _cut(name, NAME_LIMIT) if name else None,
        "StageName": stage or None,
        "CloseDate": close if _ISO_DATE.match(close) else None,
        "Amount": _amount(fields.get("amount")) if fields.get("amount") else None,
        "Type": fields.get("opportunity_type") or None,
        "OwnerId": user_id(org, case.account_manager or case.owner),
    }
    record.update(account_reference(org, case))
    for target, ours in sf.opportunity_fields.items():
        if fields.get(ours) not in (None, "", []):
            record[target] = _value(fields[ours])
    record = {k: v for k, v in record.items() if v is not None}
    return record, [k for k in OPPORTUNITY_REQUIRED if k not in record]
