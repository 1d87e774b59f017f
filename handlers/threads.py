"""Which case does a message belong to?

Our case number in the subject wins (people forward and re-send, and some clients drop
In-Reply-To); otherwise any Message-ID in In-Reply-To or References that we have seen on a
case, in either direction, joins it; last, a customer on a case who names its number in
what they wrote (an SMS gateway has no subject and no headers to thread by).

Who may join the case found is `handlers/pipeline.authorise`'s question: staff, the case's
participants, and whoever quotes one of the bot's own unguessable Message-IDs of that case
(`holds_our_message`: somebody the acknowledgement was forwarded to, answering it).
"""

from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy.orm import Session

from intake.handlers.replies import is_fresh_message_id
from intake.parsers.message import ParsedMessage
from intake.storage import cases as case_repo
from intake.storage.models import Case, CaseMessage
from intake.storage.safe_text import fit


@lru_cache(maxsize=8)
def _number_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Z0-9]){re.escape(prefix)}-(\d{{3,12}})(?![0-9])", re.IGNORECASE)


def case_numbers_in(text: str, prefix: str) -> list[str]:
    """Case numbers as written in `text`, normalised to upper case, in order."""
    return [f"{prefix.upper()}-{m.group(1)}" for m in _number_pattern(prefix).finditer(text or "")]


def is_our_case_number(reference: str, text: str, prefix: str) -> bool:
    """Whether a reference read from a message is one of our own case numbers: written whole
    ("case CASE-000006"), or the number alone that "CASE-000006" in `text` gives a reader of
    "case 123"-style references (our prefix is also the word "case"). Our numbers name our
    case (find_case), never a customer's order."""
    if case_numbers_in(reference, prefix):
        return True
    digits = re.sub(r"\D", "", reference)
    return bool(digits) and any(
        number.rpartition("-")[2] == digits for number in case_numbers_in(text, prefix)
    )


def _references(msg: ParsedMessage) -> list[str]:
    """In-Reply-To, then References newest first, in the form they are stored in (see
    case_ops._add_message)."""
    return [fit(CaseMessage.message_id, r) for r in (*msg.in_reply_to, *reversed(msg.references))]


def holds_our_message(session: Session, case: Case, msg: ParsedMessage) -> bool:
    """Whether `msg` answers an email we sent on `case` under a Message-ID nobody could have
    guessed: its sender had that email, so they may write on the case (a dealer the account
    manager forwarded the acknowledgement to). A forged From with the case number in the
    subject has no such reference; a reminder's derived Message-ID does not count."""
    refs = [r for r in _references(msg) if is_fresh_message_id(r)]
    return case_repo.has_sent(session, case, refs)


def find_case(
    session: Session, msg: ParsedMessage, prefix: str, *, customer: str | None = None
) -> tuple[Case | None, str]:
    """The case this message continues, and how it was found (for the audit trail).

    `customer`: the sender's address when it is not the company's. A customer who writes
    without our subject or headers (a text message through an SMS gateway, a new email)
    but quotes one case number in what they wrote joins that case, if they are on it; staff
    naming a case in a new request ("same as CASE-000012") start a new one."""
    for number in case_numbers_in(msg.subject, prefix):
        case = case_repo.by_number(session, number)
        if case is not None:
            return case, f"case number {number} in subject"
    case = case_repo.by_message_ids(session, _references(msg))
    if case is not None:
        return case, "In-Reply-To/References"
    said = set(case_numbers_in(msg.new_text, prefix)) if customer else set()
    if len(said) == 1:
        number = said.pop()
        case = case_repo.by_number(session, number)
        if case is not None and customer in (case.participants or []):
            return case, f"case number {number} in the text, from a participant"
    return None, "new"
