"""Is this message written by a machine? Then it gets no case and, above all, no answer.

Answering auto-mail is how helpdesks end up in mail loops with out-of-office robots and
bounce daemons. The checks follow RFC 3834 (Auto-Submitted), the de-facto Precedence and
List-* headers, delivery-status reports, the null sender, and our own addresses (a message
from one of our mailboxes, or carrying our X-Loop, is our own mail come back).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

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
    is_ours: Callable[[str], bool] = lambda _address: False,
) -> str | None:
    """Why the message is automatic, or None for a message a person wrote.
    `is_ours`: whether an address is at one of our domains (our website's form relay)."""
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
    if _is_daemon(msg.from_addr) and not _form_relay(msg, is_ours):
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


def _form_relay(msg: ParsedMessage, is_ours: Callable[[str], bool]) -> bool:
    """Our website's form sends as "no-reply" at our own domain with the person who filled
    it in as Reply-To ("From: Website Service Form <no-reply@example.com>", "Reply-To:
    Harjit <...>"): a person's request, relayed, answered at the Reply-To. Only a no-reply
    sender at our domains qualifies (anyone's no-reply mail with a Reply-To, a phishing
    message's among them, stays a robot's; a mailer-daemon or postmaster is a bounce), only
    with another, non-daemon Reply-To, and only after every header that marks automatic
    mail (Auto-Submitted, Precedence, List-*, X-Autoreply...) has found none. It grants
    nothing: the form's mailbox takes anyone's requests, and a forged one is a stranger's."""
    reply_to = (msg.reply_to or "").lower()
    return (
        _local_key(msg.from_addr) in _NO_REPLY_LOCALPARTS
        and is_ours(msg.from_addr)
        and "@" in reply_to
        and reply_to != msg.from_addr
        and not _is_daemon(reply_to)
    )


def _keyword(auto_submitted: str) -> str:
    """The keyword of an Auto-Submitted value, without its comments and parameters."""
    found = _KEYWORD.match(auto_submitted)
    return found.group(1) if found else ""
