"""Small pure functions that turn what people write into the normal forms of the case record.

Each function takes one value as written ("Dec 18", ".52", "$48.5k", "403 555 0193",
"proj w/ install", "Praire Crest Homes") and returns the normal form, or None when the text is
not such a value. None is the important answer: "TBD", "will confirm" or a dimension like
"30x48" must never become a date or a factor, because a wrong value is worse than a missing
one (a missing one is asked for, a wrong one is quoted).

One module per kind of value: `folding` (comparison keys, "not known yet" placeholders),
`dates`, `numbers` (factors and amounts), `corrections` (a value corrected on the spot),
`phones`, `rural` (rural addresses), `picklists` (picklist values and accounts) and
`dictation` (what a phone's dictation writes). Everything is also importable from here, as
the readers use it (`from intake.parsers import normalise as nz; nz.find_date(...)`).
"""

from __future__ import annotations

from intake.parsers.normalise.corrections import (
    after_correction,
    split_at_correction,
    take_corrections,
)
from intake.parsers.normalise.dates import _DATE_WORDS, TOMORROW_SHORT_RE, find_date, parse_date
from intake.parsers.normalise.dictation import from_speech
from intake.parsers.normalise.folding import fold, is_no_value
from intake.parsers.normalise.numbers import (
    FACTOR_GLUED,
    FACTOR_WORDS,
    digits_for_spelled,
    factor_said_in,
    find_amount,
    parse_amount,
    parse_factor,
)
from intake.parsers.normalise.phones import blank_long_runs, find_phones, normalise_phone
from intake.parsers.normalise.picklists import (
    FUZZY_ACCOUNT_THRESHOLD,
    account_by_domain,
    account_key,
    match_account,
    match_keyed,
    match_picklist,
    picklist_keys,
)
from intake.parsers.normalise.rural import find_rural_addresses

__all__ = [
    "digits_for_spelled",
    "FACTOR_GLUED",
    "FACTOR_WORDS",
    "FUZZY_ACCOUNT_THRESHOLD",
    "TOMORROW_SHORT_RE",
    "_DATE_WORDS",
    "account_by_domain",
    "account_key",
    "after_correction",
    "split_at_correction",
    "blank_long_runs",
    "find_amount",
    "find_date",
    "find_phones",
    "find_rural_addresses",
    "fold",
    "from_speech",
    "is_no_value",
    "match_account",
    "match_keyed",
    "match_picklist",
    "normalise_phone",
    "parse_amount",
    "parse_date",
    "factor_said_in",
    "parse_factor",
    "picklist_keys",
    "take_corrections",
]
