"""Reader: named entities of a configured spaCy model, the least sure reading of all."""

from __future__ import annotations

from intake.parsers import normalise as nz
from intake.parsers.fields.common import SERVICE, Context
from intake.parsers.fields.resolver import GUESS, Found
from intake.parsers.fields.vocab import OrgVocabulary


def read(v: OrgVocabulary, found: Found, body: str, ctx: Context) -> None:
    """With a configured spaCy model: an organisation it recognises stands for an
    account nothing else found (kept as written, not matched to a known one), and a
    customer's own request may name its contact. The least sure reading of all."""
    if not v.vocabulary.ner:
        return
    own = {nz.account_key(team.name) for team in v.org.teams.values()}
    if not found.has("account"):
        orgs = [e for e in v.vocabulary.entities(body, "ORG") if nz.account_key(e) not in own]
        if orgs:
            known = nz.match_account(orgs[0], v.org)
            name, account_id = (known.name, known.id) if known else (orgs[0], None)
            found.offer("account", name, GUESS - 0.1, ctx.source)
            found.offer("account_id", account_id, GUESS - 0.1, ctx.source)
    if ctx.queue == SERVICE and not ctx.sender_is_staff and not found.has("contact_name"):
        people = v.vocabulary.entities(body, "PERSON")
        if people:
            found.offer("contact_name", people[0], GUESS - 0.1, ctx.source)
