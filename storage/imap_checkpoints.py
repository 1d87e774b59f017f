"""Where the IMAP front door stands in each folder it fetches from (`imap_checkpoints`).

The checkpoint moves in the same transaction as the message it stores, so the database
alone says which UIDs are stored: a crash can never leave a stored message that the
checkpoint does not cover, nor a covered one that is not stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from intake.storage.models import ImapCheckpoint


def get(session: Session, account: str, folder: str) -> ImapCheckpoint | None:
    return session.get(ImapCheckpoint, (account, folder))


def restart(
    session: Session,
    account: str,
    folder: str,
    *,
    uidvalidity: int,
    skip_uid: int,
    now: datetime,
) -> ImapCheckpoint:
    """A checkpoint for a folder seen for the first time, or seen under a new UIDVALIDITY
    (then UIDs start again, and the folder's first sighting is kept). UIDs up to `skip_uid`
    are left alone: 0 to take everything in the folder."""
    row = get(session, account, folder)
    if row is None:
        row = ImapCheckpoint(account=account, folder=folder, started_at=now)
        session.add(row)
    row.uidvalidity = uidvalidity
    row.last_uid = row.skip_uid = skip_uid
    row.updated_at = now
    session.flush()
    return row


def advance(
    session: Session, account: str, folder: str, *, uidvalidity: int, uid: int, now: datetime
) -> None:
    """Record `uid` as stored; the caller commits it with the stored message. The row is
    locked (PostgreSQL) so two bots fetching one folder cannot move it backwards."""
    row = session.get(ImapCheckpoint, (account, folder), with_for_update=True)
    if row is None or row.uidvalidity != uidvalidity:
        raise LookupError(f"no checkpoint for {account} {folder} under UIDVALIDITY {uidvalidity}")
    row.last_uid = max(row.last_uid, uid)
    row.updated_at = now
