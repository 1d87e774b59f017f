"""The MAIL FROM parameters, with no relay: an SMTP client as EHLO leaves it. RFC 6531:
SMTPUTF8 for a UTF-8 header block, and BODY=8BITMIME with it where the relay offers it;
only the header block counts."""

from __future__ import annotations

import smtplib

from intake.bot.outbox import _mail_options
from tests.unit.builders import QUOTES
from tests.unit.outbox.helpers import PAT, RAW


def relay_offering(*extensions: str) -> smtplib.SMTP:
    """An SMTP client, never connected, as EHLO leaves it with a relay offering `extensions`."""
    smtp = smtplib.SMTP()
    smtp.esmtp_features = {name.lower(): "" for name in extensions}
    return smtp


def test_a_utf8_header_goes_as_8bitmime_too_where_the_relay_offers_it() -> None:
    """RFC 6531: SMTPUTF8 for a UTF-8 header; the body is 8-bit then as well, which a relay
    may take only when it offers 8BITMIME. Only the header block counts."""
    utf8 = RAW.replace(b"Your request", "Votre demande re\u00e7ue".encode())
    both = relay_offering("SMTPUTF8", "8BITMIME")
    assert _mail_options(both, QUOTES, [PAT], utf8) == ["SMTPUTF8", "BODY=8BITMIME"]
    assert _mail_options(relay_offering("SMTPUTF8"), QUOTES, [PAT], utf8) == ["SMTPUTF8"]
    assert _mail_options(both, QUOTES, [PAT], RAW + "Merci, Jos\u00e9\r\n".encode()) == []
