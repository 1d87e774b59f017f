"""Field extraction from one parsed message, by the forms people actually write.

`LabelExtractor` reads what a rule can read reliably: "Label: value" lines (with the label
synonyms of the organisation), the numbered six items of the quote form, plain-text and
HTML-turned-text tables, bullet lists of products, and a handful of cue words in prose
("factor .48", "closing Jan 15", 'opp is "X", Standard, Submissions'). It is the seam a later
statistical extractor replaces or extends: it takes a `ParsedMessage` and returns
`{field: FieldValue}` in the normal forms of the corpus README, and says how sure it is.

What it never reads: the quoted thread (already cut from `new_text`), legal disclaimers, and
any signature of the company's own staff, which describes the staff member, not the customer.

The package, one module per source of evidence (each offers `FieldValue`s to a `Found`):

    extractor      LabelExtractor: the readers in the order they run
    resolver       which reading of a field stands: precedence as data
    structure      a text as blocks: labels, numbered items, tables, bullets, prose
    labels         reader: "Label: value" lines and blocks, labels inside a paragraph
    numbered       reader: the numbered six-item quote form, items by position
    tables         reader: field tables, one-row summaries, product tables and lists
    prose_quote    reader: a quote request's sentences, through the prose readers in order
    prose_numbers  reader: factor, close date and amount said in prose
    prose_due_date reader: the date the quote is wanted back by
    prose_corrections  reader: values corrected later, still being weighed, or to follow
    prose_opportunity  reader: the opportunity's name said in prose
    prose_instructions reader: the special instructions said in prose
    prose_specs    reader: products and instructions written in prose
    opportunity_list  reader: an opportunity as a bare comma list led by its name
    prose_service  reader: phone, address, reference, contact, urgency, description in prose
    description    the sentences of a service request's prose that say what is wrong
    site_address   the site address prose gives, in lower case or corrected too
    picklist_pairs reader: a type and a record type side by side ("std single")
    cell_lines     reader: a line of picklist cells ("Std / Single / Submissions")
    spoken         reader aid: a dictated run-on written out label by label
    spoken_lines   reader aid: a dictation whose line breaks were said ("new line")
    item_table     reader aid: a pasted "# | Item | Detail" table written out as its form
    subject        reader: the subject line
    signatures     reader: sign-off, signature, From name, self-introduction
    accounts       reader: accounts named in text, by sender, by opportunity name
    entities       reader: a spaCy model's organisations and people
    forwarded      reader: a forwarded mail read as a body of its own
    attachments    reader: attached documents and their names
    case_note      a service description said as the team notes a fault
    values         from a stated value to normal-form fields (shared by the readers)
    vocab          the organisation's labels, picklists, hazards, products and SLA
    lexicon        the built-in words: labels, synonyms, cues, product nouns
    patterns       shared regular expressions
    common         shared small text helpers and the reading context
"""

from intake.parsers.fields.common import QUOTES, SERVICE, _cells_of, sentences
from intake.parsers.fields.extractor import LabelExtractor
from intake.parsers.fields.lexicon import (
    EMERGENCY_CUES,
    PICKLIST_SYNONYMS,
    PRODUCT_NOUNS,
    QUOTE_LABELS,
    SERVICE_LABELS,
)
from intake.parsers.fields.patterns import quantity_product_pattern
from intake.parsers.fields.resolver import (
    BULLETS,
    CLAUSE,
    CONFIDENCE,
    GUESS,
    HEADER,
    IN_LABEL_VALUE,
    LABELLED,
    POSITIONAL,
    PROSE,
    SIGNATURE,
    TABLE,
    FieldValue,
    missing_fields,
)
from intake.parsers.fields.signatures import split_tail

__all__ = [
    "BULLETS",
    "CLAUSE",
    "CONFIDENCE",
    "EMERGENCY_CUES",
    "GUESS",
    "HEADER",
    "IN_LABEL_VALUE",
    "LABELLED",
    "PICKLIST_SYNONYMS",
    "POSITIONAL",
    "PRODUCT_NOUNS",
    "PROSE",
    "QUOTES",
    "QUOTE_LABELS",
    "SERVICE",
    "SERVICE_LABELS",
    "SIGNATURE",
    "TABLE",
    "FieldValue",
    "LabelExtractor",
    "_cells_of",  # memoised: bench/extraction.py empties the caches it finds here
    "missing_fields",
    "quantity_product_pattern",
    "sentences",
    "split_tail",
]
