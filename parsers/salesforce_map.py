"""The organisation file's `[salesforce]` table: how a case is written into Salesforce.

Connecting (the instance, the connected app) is a setting (`bot/config.py`); what a case
becomes there is the organisation's: which fields its Salesforce org has, which picklist
values it uses, which custom field holds our case number. Every key has a default that
fits a Salesforce org with only the standard fields plus the ones the README asks for
(the external ids, the PO and the loss reason), so an organisation file without the table
works as soon as Salesforce is configured.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Our statuses (handlers/statuses.py) -> the standard Case Status picklist's values.
DEFAULT_CASE_STATUS = {
    "awaiting_info": "New",
    "open": "Working",
    "quote_sent": "Working",
    "waiting": "Working",
    "won": "Closed",
    "lost": "Closed",
    "closed": "Closed",
}
# Our urgency values -> the standard Case Priority picklist's values.
DEFAULT_PRIORITY = {
    "emergency": "High",
    "urgent": "High",
    "high": "High",
    "normal": "Medium",
    "low": "Low",
}
# Where a case came from (the channel of its first message) -> Case Origin.
DEFAULT_ORIGIN = {"smtp": "Email", "imap": "Email", "replay": "Email", "slack": "Web"}
# Custom Opportunity fields the CRM policy needs (README: "fields to add").
DEFAULT_OPPORTUNITY_FIELDS = {"PO_Number__c": "po_number", "Loss_Reason__c": "lost_reason"}


class SalesforceMap(BaseModel):
    """`[salesforce]` of the organisation file. `case_fields` and `opportunity_fields` map
    a Salesforce field's API name to one of our case fields (`Factor__c = "factor"`); they
    are written after the standard fields, so they may also override one of those."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The external-id fields (Text, unique, External ID) holding our case number: a Case and
    # its Opportunity are upserted by it, so a retry after a lost answer changes nothing.
    case_external_id: str = "Intake_Case_Number__c"
    opportunity_external_id: str = "Intake_Case_Number__c"
    # An Account external-id field holding our account key (`ACC-1001`), used for accounts
    # without a `salesforce = "001…"` id; unset: such an account is not linked.
    account_external_id: str | None = None
    case_fields: dict[str, str] = Field(default_factory=dict)
    opportunity_fields: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_OPPORTUNITY_FIELDS)
    )
    case_status: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_CASE_STATUS))
    priority: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PRIORITY))
    origin: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ORIGIN))
    won_stage: str = "Closed Won"
    lost_stage: str = "Closed Lost"
