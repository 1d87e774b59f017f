"""Text from the outside world made storable in the column it goes to, on every backend.

Header and envelope values reach us as whatever bytes a sender wrote. The email parser keeps
8-bit bytes it cannot place as surrogate escapes, which no database driver can encode;
PostgreSQL refuses NUL in any text and refuses a value longer than its varchar column
(SQLite stores both). Any of these made a message fail at its INSERT every time it was
tried, so it was shunted unanswered, or, at the SMTP front door, answered 451 for ever.

`fit` is the one place that knows this: the column's length is read from the model (one
fact, one place), surrogates become the UTF-8 text they spell or a visible `\\xNN` escape,
controls go, and the value is cut to the column. The raw message bytes are stored untouched,
so the full value is never lost: only the copy in its column is cleaned and shortened.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, overload

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import QueryableAttribute

# C0 and C1 controls and DEL; NUL is the one PostgreSQL refuses outright, the others break
# logs, terminals and the one-line values that are read back into headers.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
# The same, except TAB and LF: what a multi-line (Text) column keeps.
_CONTROLS_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("[\t\n\r]+")


def decoded(value: str) -> str:
    """`value` without surrogate escapes: the raw bytes they stand for, read as UTF-8 where
    they are valid UTF-8, and written as `\\xNN` where they are not.

    Deterministic, and independent of any charset the message declares, so the same bytes
    always give the same text: a Message-ID stored from one message and named in another's
    In-Reply-To still compare equal.
    """
    if value.isascii():
        return value
    try:
        raw = value.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte (U+D800..U+DC7F)
        return value.encode("utf-8", errors="backslashreplace").decode("utf-8")
    return from_bytes(raw)


def from_bytes(raw: bytes) -> str:
    """Raw header bytes as text by the rule of `decoded`: UTF-8 where valid, else `\\xNN`."""
    return raw.decode("utf-8", errors="backslashreplace")


def storable(value: str, *, one_line: bool = True) -> str:
    """`value` as any backend stores it: decoded (see `decoded`), without NUL or controls.

    One-line values (a name, an address, a Message-ID) lose every control; line breaks and
    tabs become a space so words stay apart. A multi-line value keeps its TABs and LFs.
    """
    text = decoded(value)
    if one_line:
        return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text))
    return _CONTROLS_BUT_LINES.sub("", text)


@cache
def column_length(column: QueryableAttribute[Any]) -> int | None:
    """The length of a String(n) column of the model; None for Text (unbounded). Kept per
    column: `column.type` goes through the attribute's comparator on every read, which cost
    more than the rest of `fit` (a dozen fits a message)."""
    return getattr(column.type, "length", None)


@cache
def _indexed(column: QueryableAttribute[Any]) -> bool:
    """Whether the column is a key or in an index or unique constraint (a btree entry)."""
    (col,) = column.property.columns
    table = col.table
    groups = [index.columns for index in table.indexes]
    groups += [c.columns for c in table.constraints if isinstance(c, UniqueConstraint)]
    return bool(col.primary_key or any(col in group.values() for group in groups))


@overload
def fit(column: QueryableAttribute[Any], value: str) -> str: ...
@overload
def fit(column: QueryableAttribute[Any], value: None) -> None: ...
@overload
def fit(column: QueryableAttribute[Any], value: str | None) -> str | None: ...


def fit(column: QueryableAttribute[Any], value: str | None) -> str | None:
    """`value` made storable in `column` and cut to its length; None stays None.

    A String(n) column holds one-line values; a Text column may hold lines (a body). In an
    indexed column the length is also kept in UTF-8 bytes: PostgreSQL's btree refuses an
    entry above 2704 bytes, and 998 four-byte characters (a Message-ID) are 3992.
    """
    if value is None:
        return None
    length = column_length(column)
    text = storable(value, one_line=length is not None)
    if length is None:
        return text
    text = text[:length]
    if _indexed(column) and len(text.encode("utf-8")) > length:
        text = text.encode("utf-8")[:length].decode("utf-8", errors="ignore")
    return text
