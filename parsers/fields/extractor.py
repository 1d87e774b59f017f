"""`LabelExtractor`: the readers in the order they run, and the resolver between them.

The order is data (`BLOCK_READERS`, `PROSE_READERS`) and the top of `extract`: the body
first, then what a forwarded mail adds, the subject, the sender, the model's entities and
the attached documents. Between equally sure readings the first stands (see `resolver`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from intake.parsers import normalise as nz
from intake.parsers.body_parts import below_rule, between_delimiters
from intake.parsers.fields import (
    accounts,
    answers,
    attachments,
    bare_lines,
    cell_lines,
    chat_paste,
    entities,
    fallback,
    forwarded,
    item_table,
    labels,
    numbered,
    opportunity_list,
    picklist_pairs,
    prose_corrections,
    prose_quote,
    prose_service,
    sender_address,
    shorthand,
    signatures,
    spoken,
    spoken_lines,
    subject,
    subject_request,
    tables,
)
from intake.parsers.fields.case_note import case_note
from intake.parsers.fields.common import (
    MAX_TEXT,
    QUOTES,
    SERVICE,
    Context,
    _person_name,
    _subject_text,
    calm,
    is_shouting,
)
from intake.parsers.fields.lexicon import LABEL_STANDS_FOR
from intake.parsers.fields.resolver import CLAUSE, FieldValue, Found, merge_forwarded
from intake.parsers.fields.signatures import _without_lines_of, split_tail
from intake.parsers.fields.structure import Structure, _items_as_bullets
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.message import ParsedMessage
from intake.parsers.org import Organisation

# What reads each kind of block of a text, in the text's order (an "item" block exists only
# in the numbered quote form; elsewhere numbered items are a bullet list).
BLOCK_READERS = {"label": labels.read, "item": numbered.read, "table": tables.read}
# Then, over the whole text, per queue: what the paragraphs and lists say.
PROSE_READERS = {
    QUOTES: (
        tables.read_products,
        shorthand.read,
        prose_quote.read,
        opportunity_list.read,
        picklist_pairs.read,
    ),
    SERVICE: (prose_service.read,),
}


# A line that only rules off a section: "-------", "=======", "_______", a DSN's "********"
# (wider than body_parts' rule under a sign-off, which a banner of stars does not end)
_RULE_LINE = re.compile(r"^[ \t]*(?:-{8,}|={8,}|_{8,}|\*{8,}|~{8,})[ \t]*$", re.MULTILINE)


class LabelExtractor:
    """Reads the fields of quote and service requests from labels, lists, tables and cues."""

    def __init__(self, org: Organisation, spacy_model: str | None = None):
        """`spacy_model`: an installed spaCy pipeline whose entities may name accounts and
        contacts the organisation does not know (see parsers.vocabulary)."""
        self.org = org
        self.vocab = OrgVocabulary(org, spacy_model)
        # The organisation's words as the readers see them, kept under their old names.
        self.vocabulary = self.vocab.vocabulary
        self.labels = self.vocab.labels
        self.picklists = self.vocab.picklists
        self.hazard = self.vocab.hazard
        self.sla = self.vocab.sla
        self.qty_product = self.vocab.qty_product

    def extract(
        self,
        msg: ParsedMessage,
        queue: str,
        *,
        now: datetime,
        sender_is_staff: bool,
        is_reply: bool = False,
        expected: Sequence[str] = (),
    ) -> dict[str, FieldValue]:
        """The fields this one message gives, in normal form; for a reply only what it adds.

        `expected`: for a reply, the fields its case still misses (what the bot asked for),
        so that a terse answer ("std / 25%", "the 28th") is read as the asked field."""
        v = self.vocab
        if is_shouting(msg.new_text or ""):  # names and addresses are told by their capitals
            msg = dataclasses.replace(
                msg, new_text=calm(msg.new_text), signature=calm(msg.signature)
            )
        # "... argon new line factor point four eight new line ...": the breaks it spoke
        lined = spoken_lines.as_lines(msg.new_text or "", v.labels[queue])
        lined = nz.digits_for_spelled(lined)  # "sixty (60) vertical sliders": 60 of them
        if lined != (msg.new_text or ""):
            msg = dataclasses.replace(msg, new_text=lined)
        sender = _person_name(msg.from_name) or msg.from_name  # "Schultz, Dan" -> "Dan Schultz"
        # "Kyle Brandt  10:47 AM" over each message of a chat pasted in
        text, chat = chat_paste.split((msg.new_text or "")[:MAX_TEXT])
        text = _RULE_LINE.sub("", text)  # a ticket's "-----" between sections: a blank line
        body, tail = split_tail(text, sender)
        if chat and chat[0].text not in body:
            # "Dan" then "----- pasted from Teams -----": a chat below the sign-off is read
            body = "\n\n".join([body, *(said.text for said in chat)])
        if sender_is_staff:
            body = _without_lines_of(body, msg.signature)
        set_off = between_delimiters(msg.signature or "")
        if set_off and len(self._labelled(set_off, queue)) >= 2:
            # "--\nOpp: Martel - upstairs 2025\nStd / Single\nFctr 62\n--\nPriya Shah":
            # the request's values set off above the signature proper are the request's
            body = f"{body}\n\n{set_off}"
        record, chat_below = chat_paste.split(below_rule(msg.signature or ""))
        if not (record or chat_below):
            _, signed = chat_paste.split(msg.signature or "")
            if len(signed) >= chat_paste.MIN_HEADERS:
                # "Factor per Lena's ok below" / "Dan" / the chat, no rule between (the
                # sign-off above took it for a signature): who said what is read, its
                # sentences are not (the products in the list attached, not "60 units")
                chat = chat + signed
        required = set(self.org.required_fields(queue))
        if chat_below or (record and len(self._labelled(record, queue) & required) >= 3):
            # "Thanks / Dan / ____ / Opportunity Name: ... / Stage: ... / Close Date: ...": a
            # CRM's record sent below the sign-off is the request; so is a chat pasted there
            # ("Package and factor per the chat below")
            body, chat = f"{body}\n\n{record}", chat + chat_below
        ctx = Context(queue, now, sender_is_staff, is_reply, "body", self.org.date_order)
        if queue == SERVICE and not is_reply:
            # "Cracked window in front room 47 Tamarack Cres NW - Karen Blum 780-555-0199 pls
            # call" over an empty body, or a subject of cells over "Pics attached.": the
            # subject is the request, read as its body would be
            body = subject_request.with_subject(
                msg.subject, body, forwards=bool(msg.forwarded_text)
            )
        found = self._read_text(body, ctx)
        chat_paste.read(self.org, found, chat, ctx)
        staff = self.org.is_company_address
        handed = None
        if queue == SERVICE and not is_reply:  # a customer's own mail the sender hands over
            handed = forwarded.handed_over(msg, body, staff, sender_is_staff=sender_is_staff)
        if msg.forwarded_text and not is_reply:
            fwd = forwarded.read(msg, ctx, self._read_text)
            merge_forwarded(found, fwd, queue, body, handed=handed is not None)
        elif msg.forwarded_text:  # "see Lena's OK below": the approval forwarded on a case
            found.merge_missing(forwarded.read_newest(msg, body, ctx, self._read_text))
        if queue == QUOTES:
            subject.read(v, found, msg, ctx, body, expected)
            accounts.by_opportunity_name(v, found, ctx)
            if not is_reply:
                accounts.new_account(v, found, body)
                accounts.new_account(v, found, _subject_text(msg.subject))
        else:
            if not is_reply:
                accounts.by_sender(v, found, msg)
            subject.read(v, found, msg, ctx, body, expected)
            if not is_reply and not found.has("account") and not sender_is_staff:
                accounts.unknown_company(v, found, body)
            signatures.read(v, found, msg, ctx, body, tail)
            if handed is not None:  # "her email is attached ... call her directly"
                found.offer("contact_name", _person_name(handed.from_name), CLAUSE, "forwarded")
                signatures.handed_customer(v, found, forwarded.customer_details(handed), ctx)
            if not is_reply:  # "Marco's cell: 403-...", and Marco Ruiz named above
                prose_service.first_name_with_phone(v, found, body, ctx)
            if not is_reply:
                sender_address.read(v, found, msg, ctx)
        if not is_reply:
            entities.read(v, found, body, ctx)
        attachments.read(v, found, msg, ctx, self._read_text, expected)
        answers.read(v, found, msg, body, ctx, expected)
        fallback.read(v, found, body, ctx, self.org.required_fields(queue))
        described = found.values.get("description")
        if described is not None and isinstance(described.value, str):
            # whatever gave it, the case shows the fault as a note (case_note)
            found.values["description"] = dataclasses.replace(
                described, value=case_note(described.value)
            )
        return dict(found.values)

    def _read_text(self, text: str, ctx: Context) -> Found:
        """The fields of one text (a body, a forwarded mail, a document): its blocks in order,
        then its prose, then the accounts it names."""
        found = Found()
        if not text.strip():
            return found
        v = self.vocab
        structure = self._structure(ctx.queue)
        text = item_table.as_form(text, structure.field_for)  # "# | Item | Detail", row by row
        if ctx.queue == QUOTES:
            # a dictated request, label by label
            text = spoken.as_form(text, v.labels[QUOTES], v.picklist_values)
        blocks = structure.parse(text)
        if not (ctx.queue == QUOTES and numbered.is_quote_form(v, blocks)):
            blocks = _items_as_bullets(blocks)
        for block in blocks:
            reader = BLOCK_READERS.get(block.kind)
            if reader is not None:
                reader(v, found, block, structure, ctx)
        for block in [b for b in blocks if b.kind == "prose"]:
            labels.read_inline(v, found, block, ctx)
        for read in PROSE_READERS[QUOTES if ctx.queue == QUOTES else SERVICE]:
            read(v, found, blocks, ctx)
        bare_lines.read(v, found, text, ctx)  # unlabelled lines, one value each
        cell_lines.read(v, found, text, ctx)  # "Std / Single / Submissions"
        accounts.read(v, found, text, ctx)
        if ctx.queue == QUOTES:  # last: a correcting sentence beats what any reader said
            prose_corrections.corrected_later(v, found, text, ctx)
        return found

    def states_a_request(self, text: str) -> bool:
        """Whether `text` writes a request out as labelled fields (three or more of one
        queue's required fields, each on a label line): a person's request, whatever it was
        sent as (a calendar invitation booking the quote's review, say)."""
        return any(
            len(self._labelled(text, queue) & set(self.org.required_fields(queue))) >= 3
            for queue in (QUOTES, SERVICE)
        )

    def _labelled(self, text: str, queue: str) -> set[str]:
        """The fields `text` states on label lines of `queue` (colon-less ones included)."""
        blocks = self._structure(queue).parse(text)
        return {LABEL_STANDS_FOR.get(b.target, b.target) for b in blocks if b.kind == "label"}

    def _structure(self, queue: str) -> Structure:
        v = self.vocab
        quotes = queue == QUOTES
        return Structure(
            v.labels[queue],
            queue,
            v.picklist_of_value if quotes else None,
            partial(bare_lines.states, v) if quotes else None,
        )

    def is_emergency(self, text: str) -> bool:
        """A hazard named, or "urgent"/"emergency" said, neither with a "not" before it."""
        return self.vocab.is_emergency(text)
