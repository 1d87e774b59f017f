"""The intake pipeline: one stored message in, its outcome out, in one transaction.

Read it top to bottom: `STEPS` is the order a message goes through. Each step looks at the
context and either adds to it or stops the message with an outcome (ignore, reject). The
caller owns the transaction: everything a step writes (case, messages, attachments, events,
outbox rows, the inbox row's state) commits together or not at all, which is what makes
processing exactly-once across crashes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from intake.handlers import case_ops, clocks
from intake.handlers.automail import CALENDAR_INVITATION, automail_reason
from intake.handlers.earlier_request import earlier_request
from intake.handlers.email_commands import obey_command, without_command
from intake.handlers.replies import ReplyRenderer, is_safe_address
from intake.handlers.reply_budget import Budget, answer_refused, refusal_refused
from intake.handlers.salesforce_feed import SalesforceFeed, mirror
from intake.handlers.senders import UNVOUCHED, SenderPolicy, SenderTrust, judge
from intake.handlers.sla import SlaRuntime
from intake.handlers.slack_feed import SlackFeed
from intake.handlers.threads import find_case, holds_our_message, is_our_case_number
from intake.parsers.message import ParsedMessage
from intake.parsers.org import Mailbox, Organisation
from intake.parsers.slack_event import slack_message_id
from intake.storage import inbox
from intake.storage.models import Case, InboundMessage, OutboxMessage
from intake.storage.outbox_rows import Queued

log = logging.getLogger("intake.pipeline")

# Where `process` notes what it processed on its session, for the metrics taken when the
# transaction commits (bot/metrics.py): (channel, outcome, stored at) per message.
PROCESSED = "intake.processed"


class FieldLike(Protocol):
    value: Any
    confidence: float
    source: str


class Extractor(Protocol):
    """The extraction seam: any object with these methods can read fields from a message."""

    def states_a_request(self, text: str) -> bool: ...

    def extract(
        self,
        msg: ParsedMessage,
        queue: str,
        *,
        now: datetime,
        sender_is_staff: bool,
        is_reply: bool = False,
        expected: Sequence[str] = (),
    ) -> Mapping[str, FieldLike]: ...


@dataclass(frozen=True)
class PipelineConfig:
    """What the pipeline needs from the running bot; built once by the composition root."""

    org: Organisation
    extractor: Extractor
    renderer: ReplyRenderer
    case_prefix: str = "CASE"
    case_digits: int = 6
    budget: Budget = Budget()  # how much the bot may write to one outside address
    confirm_below: float = 0.7  # fields read less surely are named for checking
    parse: Callable[[bytes], ParsedMessage] | None = None
    parse_slack: Callable[[bytes], ParsedMessage] | None = None  # a stored Slack event
    sla: SlaRuntime | None = None  # None: no clocks (and no due date promised)
    slack: SlackFeed | None = None  # None: Slack is off
    salesforce: SalesforceFeed | None = None  # None: Salesforce is off
    senders: SenderPolicy = SenderPolicy()  # who vouches for a From address


class Stop(Exception):
    """Ends a message's way through the pipeline with an outcome that is not a case."""

    def __init__(self, outcome: str, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


@dataclass
class Context:
    session: Session
    config: PipelineConfig
    inbound: InboundMessage
    msg: ParsedMessage
    now: datetime
    mailbox: Mailbox | None = None
    case: Case | None = None
    thread_how: str = ""
    fields: dict[str, Any] = field(default_factory=dict)  # extracted from this message
    reported_fields: dict[str, Any] = field(default_factory=dict)  # new or changed values
    missing: list[str] = field(default_factory=list)  # what our reply asked for
    completed: bool = False  # this message gave the last missing field
    status_before: str = ""  # the case's status before this message joined it
    trust: SenderTrust = UNVOUCHED  # who vouches for the From address (handlers/senders.py)
    replies: list[OutboxMessage | Queued] = field(default_factory=list)
    outcome: str = ""
    reason: str = ""

    @property
    def org(self) -> Organisation:
        return self.config.org

    @property
    def sender(self) -> str:
        return self.msg.from_addr

    @property
    def staff(self) -> bool:
        """A member of staff, vouched for: only such a sender has staff rights."""
        return self.trust.verified and self.org.is_company_address(self.sender)

    @property
    def verified_sender(self) -> str:
        """The From address when it is vouched for, else "" (nobody in particular)."""
        return self.sender if self.trust.verified else ""

    @property
    def reply_address(self) -> str:
        """Where our answer goes. Case content goes only to people already on the case, so a
        Reply-To is followed on a case only when it names a participant; on a new message
        only when the sender is vouched for or Reply-To stays in the From's domain (else
        anyone could make the bot mail their text to a third party)."""
        reply_to = (self.msg.reply_to or "").lower()
        if not reply_to or reply_to == self.sender or not is_safe_address(reply_to):
            return self.sender
        if self.case is not None and self.outcome != "new_case":
            return reply_to if reply_to in (self.case.participants or []) else self.sender
        same_domain = reply_to.rpartition("@")[2] == self.sender.rpartition("@")[2]
        return reply_to if self.trust.verified or same_domain else self.sender


@dataclass(frozen=True)
class Result:
    """What happened to one message; the replay report is made of these."""

    inbound_id: int
    outcome: str
    reason: str
    case_number: str | None
    queue: str | None
    fields: dict[str, Any]
    missing: list[str]
    replies: list[str]  # kinds of email sent to the sender: ack, request_info, confirm, refusal

    @property
    def autoreply(self) -> bool:
        return bool(self.replies)


# --- steps ------------------------------------------------------------------------------


def dedupe(ctx: Context) -> None:
    """A second arrival of a message we already processed changes nothing.

    A Message-ID held by an earlier arrival with another From, Date or Subject is a client
    or relay reusing IDs, not a re-delivery: that message is processed under a key of its own
    (dropping it would lose it), and the operator is told."""
    key, own = ctx.inbound.dedupe_key, ctx.inbound.id
    first = inbox.take_key(ctx.session, key, own)
    if (
        first != own
        and key.startswith("mid:")
        and not inbox.same_authored(ctx.session, first, ctx.inbound.raw)
    ):
        log.warning(
            "inbound #%s reuses the Message-ID of inbound #%s with another From, Date or "
            "Subject: processed as a message of its own",
            own,
            first,
        )
        first = inbox.take_key(ctx.session, inbox.reused_id_key(key, ctx.inbound.raw), own)
    if first != own:
        raise Stop("ignore", f"duplicate of inbound #{first}")


def guard_auto_mail(ctx: Context) -> None:
    reason = automail_reason(ctx.msg, ctx.inbound.mail_from, ctx.org.mailbox_addresses)
    if reason == CALENDAR_INVITATION and ctx.config.extractor.states_a_request(
        ctx.msg.new_text or ""
    ):
        # "Booking this so we can walk through the numbers" above Account:, Opp:, Factor:...
        # a person's request sent as an invitation, not the calendar's own mail
        log.info("inbound #%s: a calendar invitation that writes out a request", ctx.inbound.id)
        reason = None
    if reason:
        raise Stop("ignore", reason)
    if not ctx.sender:
        raise Stop("ignore", "no sender address to answer")


def authenticate(ctx: Context) -> None:
    """Who vouches for the From address: decided once, from what was stored at arrival."""
    ctx.trust = judge(
        ctx.config.senders,
        channel=ctx.inbound.channel,
        verdict=ctx.inbound.sender_auth,
        raw=ctx.inbound.raw,
        from_addr=ctx.sender,
    )
    if not ctx.trust.verified and ctx.org.is_company_address(ctx.sender):
        log.warning(
            "inbound #%s: From %s is a company address nobody vouches for (%s): outsider",
            ctx.inbound.id,
            ctx.sender,
            ctx.trust.how,
        )


def route_mailbox(ctx: Context) -> None:
    """The mailbox the message was sent to: the envelope first, then the To/Cc headers."""
    box = mailbox_of(ctx.org, ctx.inbound.rcpt_tos or [], ctx.msg)
    if box is None:
        raise Stop("reject", "not addressed to any of our mailboxes")
    ctx.mailbox = box


def mailbox_of(org: Organisation, rcpt_tos: Sequence[str], msg: ParsedMessage) -> Mailbox | None:
    """The first of our mailboxes among the envelope recipients, then the To and Cc headers
    (also used by `intake extract`, which has no envelope and passes header addresses)."""
    for address in [*rcpt_tos, *msg.to, *msg.cc]:
        box = org.mailbox_for(address)
        if box is not None:
            return box
    return None


def thread(ctx: Context) -> None:
    customer = None if ctx.org.is_company_address(ctx.sender) else ctx.sender
    ctx.case, ctx.thread_how = find_case(
        ctx.session, ctx.msg, ctx.config.case_prefix, customer=customer
    )


def authorise(ctx: Context) -> None:
    """Replies to a case come from our staff, the case's participants, or somebody answering
    an email we sent on it (see `holds_our_message`); new requests must be allowed by the
    mailbox (quote mailboxes take requests from company addresses only)."""
    assert ctx.mailbox is not None
    if ctx.trust.forged:
        # The From domain asks receivers to refuse such mail; answering would only mail the
        # person whose address was forged.
        raise Stop("reject", f"forged From ({ctx.trust.how}); not answered")
    staff = ctx.staff
    if ctx.case is not None:
        if staff or ctx.sender in (ctx.case.participants or []):
            return
        if holds_our_message(ctx.session, ctx.case, ctx.msg):
            log.info(
                "inbound #%s: %s answers our mail on %s; joins it",
                ctx.inbound.id,
                ctx.sender,
                ctx.case.number,
            )
            return
        log.info(
            "inbound #%s: %s is not on %s; treated as new",
            ctx.inbound.id,
            ctx.sender,
            ctx.case.number,
        )
        ctx.case, ctx.thread_how = None, "new (sender not on the threaded case)"
    if mailbox_allows(ctx.mailbox, staff):
        return
    _queue_refusal(ctx)
    if ctx.org.is_company_address(ctx.sender):
        raise Stop("reject", f"company address not vouched for ({ctx.trust.how})")
    raise Stop("reject", f"{ctx.mailbox.address} takes requests from company addresses only")


def mailbox_allows(box: Mailbox, sender_is_staff: bool) -> bool:
    return box.policy == "anyone" or sender_is_staff


def extract(ctx: Context) -> None:
    queue = ctx.case.queue if ctx.case is not None else ctx.mailbox.queue  # type: ignore[union-attr]
    msg = without_command(ctx)
    values = ctx.config.extractor.extract(
        msg,
        queue,
        now=ctx.now,
        sender_is_staff=ctx.staff,
        is_reply=ctx.case is not None,
        # A reply may answer the case's request for these ("the 28th", "std / 25%").
        expected=list(ctx.case.missing or []) if ctx.case is not None else (),
    )
    ctx.fields = dict(values)
    ref = ctx.fields.get("reference")
    said = f"{msg.subject}\n{msg.new_text}"
    if ref is not None and is_our_case_number(str(ref.value), said, ctx.config.case_prefix):
        del ctx.fields["reference"]


def open_or_update_case(ctx: Context) -> None:
    if ctx.case is None:
        ctx.case = case_ops.open_case(ctx)
        ctx.outcome, ctx.reason = "new_case", "opened"
    else:
        ctx.status_before = ctx.case.status
        case_ops.add_to_case(ctx)
        ctx.outcome, ctx.reason = "append", f"joined by {ctx.thread_how}"


def acknowledge(ctx: Context) -> None:
    """The one email the sender gets about this message, if any."""
    kind = case_ops.reply_kind(ctx)
    if kind is None:
        return
    if ctx.inbound.channel == "slack":
        # Said in Slack, answered in Slack: in the thread of the message, never by email.
        assert ctx.case is not None
        if ctx.config.slack is not None:
            ctx.config.slack.answer(ctx.session, ctx.case, ctx.msg.message_id, kind, ctx.now)
        return
    assert ctx.case is not None
    why = None
    if not is_safe_address(ctx.reply_address):
        why = f"no address we can safely write to ({ctx.reply_address[:80]!r})"
    elif not ctx.staff:
        why = answer_refused(ctx.session, ctx.config.budget, ctx.reply_address, ctx.now)
    if why is not None:
        case_ops.event(ctx, ctx.case, "reply_skipped", actor=case_ops.BOT, kind=kind, why=why)
        log.warning("inbound #%s: %s not sent: %s", ctx.inbound.id, kind, why)
        return
    ctx.replies.append(case_ops.queue_case_reply(ctx, kind))


def notify(ctx: Context) -> None:
    """The case feed: a new case is announced in its team's channel; a message that joins it
    is posted in the announcement's thread (unless it was written in that thread)."""
    feed, case = ctx.config.slack, ctx.case
    if feed is None or case is None:
        return
    if ctx.outcome == "new_case":
        feed.announce(ctx.session, case, ctx.now)
        return
    if ctx.outcome != "append":
        return
    thread = slack_message_id(case.slack_channel or "", case.slack_ts or "")
    if not (case.slack_ts and thread in ctx.msg.in_reply_to):
        feed.message_received(ctx.session, case, ctx.sender, ctx.msg.new_text, ctx.now)
    if ctx.reported_fields:  # the announcement shows the fields and what is missing
        feed.refresh(ctx.session, case, ctx.now)


STEPS: list[Callable[[Context], None]] = [
    dedupe,
    guard_auto_mail,
    authenticate,
    route_mailbox,
    thread,
    authorise,
    extract,
    earlier_request,
    open_or_update_case,
    obey_command,
    clocks.assign,
    clocks.time_case,
    acknowledge,
    notify,
    mirror,
]


# --- running ----------------------------------------------------------------------------


def process(
    session: Session, inbound_row: InboundMessage, config: PipelineConfig, now: datetime
) -> Result:
    """Run one stored message through every step; the caller commits."""
    parse = config.parse
    if inbound_row.channel == "slack":
        from intake.parsers.slack_event import parse_slack_event

        parse = config.parse_slack or parse_slack_event
    elif parse is None:
        from intake.parsers.mime import parse_email

        parse = parse_email
    msg = parse(inbound_row.raw)
    ctx = Context(session=session, config=config, inbound=inbound_row, msg=msg, now=now)
    try:
        for step in STEPS:
            step(ctx)
    except Stop as stop:
        ctx.outcome, ctx.reason = stop.outcome, stop.reason
    joined = ctx.case if ctx.outcome in ("new_case", "append") else None
    inbox.mark_done(session, inbound_row, ctx.outcome, ctx.reason, joined, now)
    session.info.setdefault(PROCESSED, []).append(
        (inbound_row.channel, ctx.outcome, inbound_row.received_at)
    )
    # The one line per message at INFO: where it came from and what became of it.
    log.info(
        "inbound #%s %s from %s to %s %s: %s (%s)%s",
        inbound_row.id,
        inbound_row.channel,
        ctx.sender or inbound_row.mail_from or "-",
        ctx.mailbox.address if ctx.mailbox else ",".join(inbound_row.rcpt_tos or []) or "-",
        inbound_row.message_id or "(no Message-ID)",
        ctx.outcome,
        ctx.reason,
        f" case {ctx.case.number}" if ctx.case is not None and ctx.outcome != "ignore" else "",
    )
    on_case = ctx.outcome in ("new_case", "append") and ctx.case is not None
    return Result(
        inbound_id=inbound_row.id,
        outcome=ctx.outcome,
        reason=ctx.reason,
        case_number=ctx.case.number if on_case else None,  # type: ignore[union-attr]
        queue=ctx.case.queue if on_case else None,  # type: ignore[union-attr]
        fields=ctx.reported_fields,
        missing=ctx.missing,
        replies=[r.kind for r in ctx.replies],
    )


def _queue_refusal(ctx: Context) -> None:
    """One polite refusal per sender per day at most: never a reply storm."""
    address = ctx.reply_address
    if not is_safe_address(address) or ctx.inbound.channel == "slack":
        return  # a Slack user we do not know has no email address to refuse by
    why = refusal_refused(
        ctx.session, ctx.config.budget, address, ctx.inbound.mail_from, ctx.now, ctx.inbound.id
    )
    if why is not None:
        log.info("inbound #%s: no refusal (%s)", ctx.inbound.id, why)
        return
    assert ctx.mailbox is not None
    service = next((m.address for m in ctx.org.mailboxes.values() if m.queue == "service"), None)
    ctx.replies.append(
        case_ops.queue_email(
            ctx,
            "refusal",
            {
                "mailbox": ctx.mailbox.address,
                "allowed": "staff of " + ", ".join(ctx.org.domains),
                "alternative": service if service != ctx.mailbox.address else None,
                "unverified": ctx.org.is_company_address(ctx.sender),
            },
            subject=case_ops.reply_subject(ctx.msg.subject, None),
            case=None,
        )
    )
