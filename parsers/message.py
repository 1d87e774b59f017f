"""What the rest of the bot knows about one inbound message, whatever channel it came by.

A `ParsedMessage` is produced once per message by a pure parser (`parsers.mime` for email) and
is all the pipeline reads: it never goes back to the raw bytes. Keeping it a plain frozen
dataclass makes every pipeline step testable with a hand-built message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Attachment:
    """One MIME leaf that is not the body text.

    `inline` is True for images shown inside the HTML body (logos, signature images, pasted
    screenshots referenced by Content-ID): they are stored but are not the sender's
    attachments and are not reported as such.
    """

    filename: str  # safe file name: no path, no control characters, never empty
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class ParsedMessage:
    """The parts of a message that the intake pipeline decides on.

    Addresses are lower-cased bare addresses. Message-IDs keep their angle brackets, as they
    appear in In-Reply-To and References, so that they compare equal across headers.
    """

    message_id: str | None
    subject: str
    from_name: str
    from_addr: str
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    reply_to: str | None = None
    date: datetime | None = None  # timezone-aware when the header had a zone
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    # Header values that mark automatic mail, lower-cased, exactly as found (None when absent).
    auto_submitted: str | None = None
    precedence: str | None = None
    list_id: str | None = None
    list_unsubscribe: str | None = None  # List-Unsubscribe (or -Post): bulk mail (RFC 2369/8058)
    x_loop: tuple[str, ...] = ()
    return_path: str | None = None  # "" for the null sender <>
    other_auto_headers: tuple[str, ...] = ()  # names of X-Autoreply, X-Autorespond, ... present
    is_delivery_report: bool = False  # multipart/report or message/delivery-status
    is_calendar_invite: bool = False  # text/calendar with METHOD REQUEST/CANCEL/REPLY
    body_text: str = ""  # the whole readable body: text/plain, or the HTML turned into text
    new_text: str = ""  # what this message adds: body without quoted thread and signature
    signature: str = ""  # the sender's signature block, if one was found
    forwarded_text: str = ""  # text of forwarded messages (message/rfc822 or inline forward)
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = field(default=())  # what was wrong with the MIME, for the log

    @property
    def real_attachments(self) -> tuple[Attachment, ...]:
        return tuple(a for a in self.attachments if not a.inline)
