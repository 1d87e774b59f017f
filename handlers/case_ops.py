"""What happens to a case when a message opens it or joins it, and the emails that follow.

Every change is written as a case event with its actor, so `intake cases show` can tell the
whole story; every email is an outbox row plus an outgoing case message, so its Message-ID
threads the sender's reply even before the dispatcher has sent it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from intake.handlers import echo
from intake.handlers.outgoing import queue_rendered
from intake.parsers.fields.forwarded import oldest_customer
from intake.parsers.message import Attachment
from intake.parsers.slack_event import slack_files
from intake.storage import new_cases, write_once
from intake.storage.audit import record
from intake.storage.cases import next_value
from intake.storage.models import AttachmentRow, Case, CaseEvent, CaseMessage, OutboxMessage
from intake.storage.outbox_rows import Queued
from intake.storage.safe_text import fit
from intake.storage.slack_files import queue_file

if TYPE_CHECKING:
    from intake.handlers.pipeline import Context

BOT = "intake-bot"
assert new_cases  # its flush listener writes the cases opened here by a Core INSERT

FIELD_LABELS: dict[str, str] = {
    "account": "Account",
    "account_id": "Account ID",
    "product_specs": "Product specs",
    "factor": "Factor",
    "opportunity_name": "Opportunity name",
    "opportunity_type": "Opportunity type",
    "record_type": "Record type",
    "stage": "Stage",
    "close_date": "Close date",
    "amount": "Amount",
    "special_instructions": "Special instructions",
    "quote_due": "Quote wanted by",
    "contact_name": "Contact name",
    "contact_phone": "Contact phone",
    "site_address": "Site address",
    "description": "Description",
    "urgency": "Urgency",
    "reference": "Reference",
    "attachments": "Attachments",
}
KIND_NAMES = {"quotes": "quote request", "service": "service request"}
CHECK_KINDS = ("ack", "confirm")  # the emails that ask the sender to check unsure fields
# Never asked about: the attachment list and CRM id, and free text copied from the sender's
# own words (asking them to check their own sentence is noise); what is asked about are
# the values the extractor interpreted: account, dates, factor, amounts, picklists, phone.
NOT_CHECKED = frozenset(
    {"attachments", "account_id", "description", "special_instructions", "product_specs"}
)
# A value that is the absence of a reading, not a reading: "normal" urgency means no
# emergency was named.
NOT_READ = {"urgency": "normal"}
CHECK_NAMES = {"quote_due": "date you need the quote by"}  # where "the <label>" reads badly
_CHECK_MAX = 80  # characters of a value quoted back; the summary above has it in full
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MESSAGES, _ATTACHMENTS = CaseMessage.__table__, AttachmentRow.__table__
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|tr|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def format_number(prefix: str, seq: int, digits: int) -> str:
    return f"{prefix}-{seq:0{digits}d}"


def event(ctx: Context, case: Case, what: str, actor: str | None = None, **data: Any) -> None:
    """Append to the case's audit trail; `actor` defaults to the message's sender."""
    record(ctx.session, case, **_event_row(ctx, what, actor, **data))


def _event_row(ctx: Context, what: str, actor: str | None = None, **data: Any) -> dict[str, Any]:
    who = fit(CaseEvent.actor, actor or ctx.sender) or BOT
    return {"at": ctx.now, "actor": who, "kind": what, "data": data}


def _write_events(ctx: Context, case: Case, rows: list[dict[str, Any]]) -> None:
    """The events of one step, noted in order: they are written with the session's next
    flush, all of the message's events in one INSERT (storage/audit.py), and the new case
    is not flushed here, before its owner and due date are known (an INSERT, then two
    UPDATEs, where one INSERT does)."""
    for row in rows:
        record(ctx.session, case, **row)


# --- opening and adding -------------------------------------------------------------------


def open_case(ctx: Context) -> Case:
    assert ctx.mailbox is not None
    queue = ctx.mailbox.queue
    seq = next_value(ctx.session, f"case:{ctx.config.case_prefix}")
    now = ctx.now
    case = Case(
        seq=seq,
        number=format_number(ctx.config.case_prefix, seq, ctx.config.case_digits),
        queue=queue,
        mailbox=ctx.mailbox.address,
        team=_team_for(ctx),
        status="open",
        subject=fit(Case.subject, _clean_subject(ctx.msg.subject)),
        requester_email=fit(Case.requester_email, ctx.sender),
        requester_name=fit(Case.requester_name, ctx.msg.from_name) or None,
        fields={},
        confidence={},
        missing=[],
        # whoever our answer goes to is on the case: a web form's relay sends as itself
        # with the customer in Reply-To, and the customer answers
        participants=sorted(
            {ctx.sender, ctx.reply_address, *_cc_people(ctx), *_forwarded_customer(ctx)}
        ),
        created_at=now,
        updated_at=now,
    )
    ctx.session.add(case)
    events = [
        _event_row(
            ctx,
            "opened",
            queue=queue,
            mailbox=ctx.mailbox.address,
            channel=ctx.inbound.channel,
            sender_auth=ctx.trust.how,
        )
    ]
    _add_message(ctx, case)
    ctx.reported_fields = _apply_fields(ctx, case, events)
    _update_completeness(ctx, case, events, initial=True)
    _write_events(ctx, case, events)
    return case


def add_to_case(ctx: Context) -> None:
    case = ctx.case
    assert case is not None
    events = [
        _event_row(
            ctx,
            "message_received",
            via=ctx.thread_how,
            channel=ctx.inbound.channel,
            sender_auth=ctx.trust.how,
        )
    ]
    _add_message(ctx, case)
    participants = set(case.participants or [])
    if ctx.sender not in participants and not ctx.staff:
        participants.add(ctx.sender)
    case.participants = sorted(participants)
    ctx.reported_fields = _apply_fields(ctx, case, events)
    _update_completeness(ctx, case, events, initial=False)
    case.updated_at = ctx.now
    _write_events(ctx, case, events)


def _apply_fields(ctx: Context, case: Case, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge this message's fields into the case (an event for each, added to `events`);
    return the ones that are new or changed."""
    fields = dict(case.fields or {})
    confidence = dict(case.confidence or {})
    changed: dict[str, Any] = {}
    for name, fv in ctx.fields.items():
        value = fv.value
        if value in (None, "", []):
            continue
        old = fields.get(name)
        if name == "attachments":
            new_names = [n for n in value if n not in (old or [])]
            if not new_names:
                continue
            value = [*(old or []), *new_names]
            changed[name] = new_names
        elif old == value:
            continue
        else:
            changed[name] = value
        fields[name] = value
        confidence[name] = round(float(fv.confidence), 3)
        events.append(
            _event_row(
                ctx,
                "field_set" if old is None else "field_changed",
                field=name,
                old=old,
                new=value,
                source=fv.source,
                confidence=confidence[name],
            )
        )
    case.fields, case.confidence = fields, confidence
    if "account_id" in fields:
        case.account_id = fields["account_id"]
    return changed


def _update_completeness(
    ctx: Context, case: Case, events: list[dict[str, Any]], *, initial: bool
) -> None:
    required = ctx.org.required_fields(case.queue)
    missing = [f for f in required if (case.fields or {}).get(f) in (None, "", [])]
    old_status = case.status
    case.missing = missing
    if initial:
        case.status = "awaiting_info" if missing else "open"
    elif old_status == "awaiting_info" and not missing:
        case.status = "open"
    if not initial and case.status != old_status:
        ctx.completed = old_status == "awaiting_info" and case.status == "open"
        events.append(_event_row(ctx, "status_changed", actor=BOT, old=old_status, new=case.status))
    elif initial:
        events.append(
            _event_row(ctx, "status_changed", actor=BOT, old=None, new=case.status, missing=missing)
        )


def _add_message(ctx: Context, case: Case) -> None:
    """The message on its case, with what it says (and its attachments' names and types)
    made to fit their columns: the raw bytes on the inbox row keep every value whole.

    Written with the next flush by Core INSERTs (storage/write_once.py): nothing in the
    transaction changes the message or its attachments again. A Slack message is an ORM row
    still: its files are queued with the message's id, in this step."""
    msg = ctx.msg
    values = {
        "direction": "in",
        "channel": ctx.inbound.channel,
        "message_id": fit(CaseMessage.message_id, msg.message_id),
        "sender": fit(CaseMessage.sender, ctx.sender),
        "recipients": list(ctx.inbound.rcpt_tos or msg.to),
        "subject": fit(CaseMessage.subject, msg.subject),
        "text": fit(CaseMessage.text, msg.new_text or msg.body_text),
        "extracted": {k: v.value for k, v in ctx.fields.items()},
        "at": ctx.now,
    }
    if ctx.inbound.channel == "slack":
        _add_slack_message(ctx, case, values)
        return
    session = ctx.session
    noted = write_once.note(
        session,
        _MESSAGES,
        {**values, "outbox_id": None},
        case=case,
        refs={"case_id": case, "inbound_id": ctx.inbound},
        collection="messages",
    )
    for att in msg.attachments:
        write_once.note(
            session,
            _ATTACHMENTS,
            {**_attachment(att), "slack_file_id": None},
            case=case,
            refs={"case_id": case, "case_message_id": noted},
            collection="attachments",
        )


def _attachment(att: Attachment) -> dict[str, Any]:
    return {
        "filename": fit(AttachmentRow.filename, att.filename),
        "content_type": fit(AttachmentRow.content_type, att.content_type),
        "size": att.size,
        "sha256": hashlib.sha256(att.content).hexdigest(),
        "inline": att.inline,
        "content": att.content,
    }


def _add_slack_message(ctx: Context, case: Case, values: dict[str, Any]) -> None:
    """Photos of a Slack request are fetched later (bot/slack_files.py), not within Slack's
    three seconds: here they are only queued, with the message that shared them."""
    row = CaseMessage(case=case, inbound=ctx.inbound, **values)
    ctx.session.add(row)
    for att in ctx.msg.attachments:
        ctx.session.add(AttachmentRow(case=case, message=row, **_attachment(att)))
    for file in slack_files(ctx.inbound.raw):
        queue_file(
            ctx.session,
            case,
            row,
            file_id=file.id,
            name=file.name,
            mimetype=file.mimetype,
            now=ctx.now,
        )


# --- who, when ---------------------------------------------------------------------------


def _team_for(ctx: Context) -> str | None:
    assert ctx.mailbox is not None
    if ctx.mailbox.team:
        return ctx.mailbox.team
    person = ctx.org.person_by_email(ctx.sender)
    if ctx.mailbox.queue == "quotes" and person is not None:
        return person[1].team
    return None


def _forwarded_customer(ctx: Context) -> list[str]:
    """The customer whose own mail our staff forwarded to open the case. The staff member
    vouches for them (an authenticated sender, forwarding their mail): they write back about
    it, to the acknowledgement passed on to them or with more photos. A forward by anyone
    else vouches for no one."""
    if not ctx.staff or not ctx.msg.forwarded_text:
        return []
    customer = oldest_customer(ctx.msg, ctx.org.is_company_address)
    address = customer.from_addr.lower() if customer else ""
    return [address] if address and address not in ctx.org.mailbox_addresses else []


def _cc_people(ctx: Context) -> list[str]:
    ours = ctx.org.mailbox_addresses
    return [a for a in ctx.msg.cc if a and a not in ours]


# --- replies -----------------------------------------------------------------------------


def reply_kind(ctx: Context) -> str | None:
    """Which email the sender gets: an acknowledgement for a new case; for a reply, a
    confirmation when it completed the case, a new request when it supplied something but not
    everything, and nothing when the case was already complete (a revision or an inquiry)."""
    case = ctx.case
    assert case is not None
    if ctx.outcome == "new_case":
        return "ack"
    if ctx.completed:
        return "confirm"
    supplied = {k for k in ctx.reported_fields if k != "attachments"}
    if case.status == "awaiting_info" and supplied:
        return "request_info"
    return None


def reply_subject(subject: str, number: str | None) -> str:
    base = _clean_subject(subject) or "(no subject)"
    if number is None:
        return "Re: " + base
    if number.lower() in base.lower():
        return "Re: " + base
    return f"[{number}] {base}"


def _clean_subject(subject: str) -> str:
    return _SUBJECT_PREFIX.sub("", " ".join((subject or "").split())).strip()


def queue_case_reply(ctx: Context, kind: str) -> OutboxMessage | Queued:
    case = ctx.case
    assert case is not None
    fields, confidence = case.fields or {}, case.confidence or {}
    # Said back in the sender's terms (handlers/echo.py): no default nobody gave.
    summary = [
        (FIELD_LABELS.get(name, name), _display_in_summary(_echo(ctx, name, fields[name])))
        for name in FIELD_LABELS
        if name in fields
        and name != "account_id"
        and not echo.left_out(name, fields[name], confidence.get(name))
    ]
    missing = list(case.missing or []) if kind in ("ack", "request_info") else []
    ctx.missing = missing
    due_sentence = ""
    if case.due_at is not None:
        calendar = echo.team_calendar(ctx.config.sla, case.team, ctx.org.time_zone)
        when = echo.due_phrase(case.due_at, calendar, ctx.now)
        due_sentence = (
            f"Your quote is due by {when}."
            if case.queue == "quotes"
            else f"The case owner will answer by {when}."
        )
    checking = _check_in(ctx, case) if kind in CHECK_KINDS else []
    unsure = [(label, shown) for _, label, shown in checking]
    context = {
        "case_number": case.number,
        "kind": KIND_NAMES.get(case.queue, "request"),
        "requester_name": (ctx.msg.from_name or "").split(" ")[0] if ctx.msg.from_name else "",
        "summary": summary,
        "missing": [FIELD_LABELS.get(m, m).lower() for m in missing],
        "due": bool(due_sentence),
        "due_sentence": due_sentence,
        "unsure": unsure,
        "check_sentence": check_sentence(unsure),
    }
    return queue_email(
        ctx,
        kind,
        context,
        subject=reply_subject(ctx.msg.subject, case.number),
        case=case,
        checked={name: fields[name] for name, _, _ in checking},
    )


def _check_in(ctx: Context, case: Case) -> list[tuple[str, str, str]]:
    """What this email asks the sender to check: the unsure fields, less the values an
    earlier email of the case asked about and an account the sender wrote exactly as the
    organisation file has it."""
    account = (case.fields or {}).get("account")
    settled = (
        {"account"}
        if account and echo.written_exactly(ctx.org, str(account), _written(ctx, case))
        else set()
    )
    return _unsure_fields(
        case,
        ctx.config.confirm_below,
        region=ctx.org.phone_region,
        asked=_already_checked(ctx, case),
        settled=settled,
    )


def _unsure_fields(
    case: Case,
    below: float,
    *,
    region: str = "CA",
    asked: dict[str, Any] | None = None,
    settled: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[str, str, str]]:
    """(field, label, value as the sender should see it) of the case's fields read less
    surely than `below`, in summary order; never the attachment list or the account's CRM
    id, nor a field in `settled`, nor a value `asked` holds (already asked about)."""
    fields, confidence = case.fields or {}, case.confidence or {}
    found = []
    for name in FIELD_LABELS:
        value = fields.get(name)
        if (
            name in NOT_CHECKED
            or name in settled
            or value in (None, "", [], NOT_READ.get(name))
            or name not in confidence
            or float(confidence[name]) >= below
            or (asked or {}).get(name) == value
        ):
            continue
        label = CHECK_NAMES.get(name, FIELD_LABELS[name].lower())
        shown = echo.shown_phone(value, region) if name == "contact_phone" else value
        found.append((name, label, _display_for_check(shown)))
    return found


def _written(ctx: Context, case: Case) -> list[str]:
    """What the senders of the case wrote: this message, and the case's earlier ones."""
    texts = [ctx.msg.subject, ctx.msg.new_text or ctx.msg.body_text]
    if ctx.outcome != "new_case":
        texts += [m.text or "" for m in case.messages if m.direction == "in"]
    return texts


def _already_checked(ctx: Context, case: Case) -> dict[str, Any]:
    """The values earlier emails of the case named for checking (their `reply_queued`
    events keep them), the latest per field."""
    if ctx.outcome == "new_case":
        return {}
    rows = ctx.session.scalars(
        select(CaseEvent.data)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "reply_queued")
        .order_by(CaseEvent.id)
    )
    asked: dict[str, Any] = {}
    for data in rows:
        asked.update((data or {}).get("checked") or {})
    return asked


def _echo(ctx: Context, name: str, value: Any) -> Any:
    """A stored value as the sender would write it (a phone in national format)."""
    if name == "contact_phone" and isinstance(value, str):
        return echo.shown_phone(value, ctx.org.phone_region)
    return value


def check_sentence(unsure: list[tuple[str, str]]) -> str:
    """'Please check: we read the close date as 15 Jan 2027 and the account as "Ridgeline
    Homes". Reply if either is wrong.' ("" when there is nothing to check)."""
    if not unsure:
        return ""
    parts = [f"the {label} as {value}" for label, value in unsure]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    which = {1: "that is", 2: "either is"}.get(len(parts), "any of them is")
    return f"Please check: we read {listed}. Reply if {which} wrong."


def human_date(iso: str) -> str | None:
    """ "2027-01-15" -> "15 Jan 2027" (English month names whatever the locale); None for
    anything that is not an ISO date."""
    if not _ISO_DATE.match(iso):
        return None
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return None
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _display_for_check(value: Any) -> str:
    """A date in words, anything else quoted as we read it (a long text shortened)."""
    text = _display(value)
    if len(text) > _CHECK_MAX:
        text = text[: _CHECK_MAX - 3].rstrip() + "..."
    return human_date(text) or f'"{text}"'


def queue_email(
    ctx: Context,
    kind: str,
    context: dict[str, Any],
    *,
    subject: str,
    case: Case | None,
    checked: dict[str, Any] | None = None,
) -> OutboxMessage | Queued:
    """Render and commit (with the caller's transaction) one email to the sender.
    `checked`: the values it asks the sender to check, kept on its event so that no later
    email asks again."""
    assert ctx.mailbox is not None
    to = ctx.reply_address
    rendered = ctx.config.renderer.render(
        kind,
        context,
        mailbox=ctx.mailbox.address,
        to=to,
        subject=subject,
        now=ctx.now,
        in_reply_to=ctx.msg.message_id,
        references=ctx.msg.references,
    )
    row = queue_rendered(
        ctx.session,
        rendered,
        kind=kind,
        case=case,
        mail_from=ctx.mailbox.address,
        now=ctx.now,
    )
    if case is not None:
        more = {"checked": checked} if checked else {}
        event(
            ctx,
            case,
            "reply_queued",
            actor=BOT,
            kind=kind,
            to=to,
            message_id=rendered.message_id,
            **more,
        )
    return row


def _display_in_summary(value: Any) -> str:
    """As `_display`, a date in words ("15 Jan 2027", as the check sentence says it)."""
    text = _display(value)
    return human_date(text) or text


def _display(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = " ".join(str(value).split())  # str.split's whitespace is re's \s, and no regex
    return text if len(text) <= 160 else text[:157] + "..."
