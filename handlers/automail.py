"""Is this message written by a machine? Then it gets no case and, above all, no answer.

Answering auto-mail is how helpdesks end up in mail loops with out-of-office robots and
bounce daemons. The checks follow RFC 3834 (Auto-Submitted), the de-facto Precedence and
List-* headers, delivery-status reports, the null sender, and our own addresses (a message
from one of our mailboxes, or carrying our X-Loop, is our own mail come back).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from intake.parsers.message import ParsedMessage

_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
# Local parts of daemons and no-reply senders, compared without "-", "_", "." and a "+tag":
# "do-not-reply", "no_reply", "mailer-daemon" and "noreply+bounces" are all written.
_NO_REPLY_LOCALPARTS = {"noreply", "donotreply"}
_DAEMON_LOCALPARTS = {"mailerdaemon", "postmaster", *_NO_REPLY_LOCALPARTS}
_LOCAL_PUNCTUATION = re.compile(r"[-_.]")
# RFC 3834's Auto-Submitted keyword, after any comment ("(by hand) no; reason=x").
_KEYWORD = re.compile(r"\s*(?:\([^)]*\)\s*)*([^\s;(]*)")
# Subjects that out-of-office robots write when they forget the headers.
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?reply|out of (the )?office|autoreply|"
    r"r[ée]ponse automatique|abwesenheitsnotiz|undeliver(able|ed)|delivery status notification"
    r"|returned mail|mail delivery (failed|failure))\b",
    re.IGNORECASE,
)


CALENDAR_INVITATION = "calendar invitation"


def automail_reason(
    msg: ParsedMessage,
    envelope_from: str | None,
    our_addresses: Collection[str],
) -> str | None:
    """Why the message is automatic, or None for a message a person wrote."""
    ours = {a.lower() for a in our_addresses}
    if envelope_from == "" or msg.return_path == "":
        return "null sender (bounce or notification)"
    if msg.is_delivery_report:
        return "delivery status report"
    if msg.auto_submitted and _keyword(msg.auto_submitted) != "no":
        return f"Auto-Submitted: {msg.auto_submitted}"
    if msg.precedence and msg.precedence.strip() in _BULK_PRECEDENCE:
        return f"Precedence: {msg.precedence}"
    if msg.list_id:
        return "mailing list (List-Id)"
    if msg.list_unsubscribe:
        # A person's own mail has no unsubscribe link: only bulk senders add one (RFC 2369, 8058).
        return "bulk mail (List-Unsubscribe)"
    if msg.from_addr in ours:
        return "from our own mailbox"
    if any(addr in loop for loop in msg.x_loop for addr in ours):
        return "X-Loop names our mailbox"
    if msg.other_auto_headers:
        return "auto-reply header " + ", ".join(msg.other_auto_headers)
    if _is_daemon(msg.from_addr) and not _form_relay(msg):
        return "sent by a mail daemon or no-reply address"
    if _AUTO_SUBJECT.match(msg.subject or ""):
        return "auto-reply subject"
    if msg.is_calendar_invite:
        return CALENDAR_INVITATION
    return None


def _is_daemon(address: str) -> bool:
    """A mail daemon's or a no-reply address, however its local part is punctuated."""
    return _local_key(address) in _DAEMON_LOCALPARTS


def _local_key(address: str) -> str:
    """The local part as the lists above write it: no "+tag", no "-", "_" or "."."""
    local = address.rpartition("@")[0].partition("+")[0]  # the local part ends at the last @
    return _LOCAL_PUNCTUATION.sub("", local)


def _form_relay(msg: ParsedMessage) -> bool:
    """A web form or a portal sends as "no-reply" with the person who filled it in as
    Reply-To ("From: Website Service Form <no-reply@example.com>", "From: Harbourfront via
    ProcureHub <no-reply@procurehub...>", "Reply-To: Janice Whitlock <...>"): a person's
    request, relayed, answered at the Reply-To. Our own website's form and a dealer's or a
    builder's portal alike (every blind writer who wrote one labelled it a request: sets 55,
    57, 59, 62, 73, 82, 93). Only with another, non-daemon Reply-To, and only after every
    header that marks automatic mail (Auto-Submitted, Precedence, List-*, X-Autoreply...)
    has found none; a mailer-daemon or postmaster is a bounce whatever its Reply-To says.
    It grants nothing: privilege comes from the authenticated sender, so a relayed request
    to a quote mailbox is a stranger's, and the reply budget caps what any one Reply-To is
    sent."""
    reply_to = (msg.reply_to or "").lower()
    return (
        _local_key(msg.from_addr) in _NO_REPLY_LOCALPARTS
        and "@" in reply_to
        and reply_to != msg.from_addr
        and not _is_daemon(reply_to)
    )


def _keyword(auto_submitted: str) -> str:
    """The keyword of an Auto-Submitted value, without its comments and parameters."""
    found = _KEYWORD.match(auto_submitted)
    return found.group(1) if found else ""
