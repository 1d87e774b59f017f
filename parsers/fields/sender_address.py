"""Reader: the sender's address itself. A text message sent through a carrier's SMS-to-email
gateway comes from its phone number ("4035550191@mms.example.net", "+14035550191@..."): the
number the customer texts from is the number to call back, whatever the body says."""

from __future__ import annotations

import re

from intake.parsers import normalise as nz
from intake.parsers.fields.common import Context
from intake.parsers.fields.resolver import SIGNATURE, Found
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.message import ParsedMessage

# A local part that is only a phone number: ten or eleven digits, an optional "+".
_PHONE_LOCAL_PART = re.compile(r"\+?1?\d{10}")


def read(v: OrgVocabulary, found: Found, msg: ParsedMessage, ctx: Context) -> None:
    """Offer the gateway's phone number as the contact phone, as sure as a signature's."""
    local = (msg.from_addr or "").rpartition("@")[0]
    if not _PHONE_LOCAL_PART.fullmatch(local):
        return
    phone = nz.normalise_phone(local, v.org.phone_region)
    if phone:
        found.offer("contact_phone", phone, SIGNATURE, "from")
