"""The statuses a case moves through, in one place.

`awaiting_info`: the bot asked the requester for missing fields. `open`: complete, with its
owner. `quote_sent`: the quote went to the customer and waits for their approval.
`waiting`: the owner waits on the customer for something else. `won`, `lost`, `closed`: done.
"""

from __future__ import annotations

AWAITING_INFO = "awaiting_info"
OPEN = "open"
QUOTE_SENT = "quote_sent"
WAITING = "waiting"
WON = "won"
LOST = "lost"
CLOSED = "closed"

ALL = (AWAITING_INFO, OPEN, QUOTE_SENT, WAITING, WON, LOST, CLOSED)
DONE = frozenset({WON, LOST, CLOSED})  # a case in one of these is no longer open
