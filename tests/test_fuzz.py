"""A hostile world, part 2: bounded fuzzing of the parser and of the whole pipeline.

(a) `parsers.mime.parse_email` gets arbitrary bytes, header soup and mutated corpus messages
    (Hypothesis, derandomized, no example database) and must keep what it documents: it never
    raises, and every field has the shape `parsers/message.py`, `parsers/mime/` and
    `parsers/text.py` promise (one-line subjects and names, clean bodies, bracketed bounded
    Message-IDs, lower-cased bare addresses, safe attachment names).

(b) Mutated versions of the messages in ../shared/corpus/intake and ../shared/corpus/wild are
    stored as the SMTP front door stores them and processed by the worker's own loop
    (`bot.worker.drain`, which retries and shunts as the running worker does), on SQLite and
    on PostgreSQL. Every one must be stored and end `done` with an outcome: storing that
    fails is a sender told 451 for ever, and a shunted message is a lost one.

The mutator is byte-level with targeted moves for what senders get wrong or abuse: 8-bit
bytes, NUL and overlong values in Message-ID, References, In-Reply-To, display names,
addresses and subjects; broken charsets, transfer encodings and boundaries; hostile file
names; header floods; envelopes with the same. It is seeded, so every run tries the same
messages. The figures (messages tried, states, outcomes, per mutation, failures) are printed
(`pytest -s`) and written as JSON beside the test's temporary files, with each failing
mutant saved as an .eml to reproduce it.
"""

from __future__ import annotations

import json
import random
import re
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.bot.app import build_app
from intake.bot.worker import drain
from intake.parsers.message import ParsedMessage
from intake.parsers.mime import MAX_DEFECTS, MAX_FILENAME, MAX_REFERENCES, parse_email
from intake.storage import inbox
from intake.storage.models import InboundMessage
from tests.conftest import CORPUS, settings_for
from tests.mailhelpers import make_request

try:  # the front door's sender verdict, once the bot authenticates senders
    from tests.mailhelpers import store_submission  # type: ignore[attr-defined]
except ImportError:  # the front door stores none
    store_submission = None

SEED = 13
PARSER_EXAMPLES = 1500  # Hypothesis examples for (a): about 10 s
PIPELINE_MESSAGES = 500  # mutants per backend for (b): about 10-15 s
T0 = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)  # a Monday, 10:00 in Edmonton
MAILBOXES = ("connectyou@example.com", "accountteam@example.com", "accountteam-west@example.com")


# --------------------------------------------------------------------------- seeds


@dataclass(frozen=True)
class Seed:
    name: str
    raw: bytes
    rcpt: tuple[str, ...]  # the envelope a front door would have seen


@lru_cache(maxsize=1)
def load_seeds() -> tuple[Seed, ...]:
    """The corpus messages (intake: addressed by their headers, as `intake replay` does;
    wild: delivered to connectyou@, as `intake replay --to` does), or, without the corpus
    beside the project, a few requests of our own so the parser fuzz still runs."""
    seeds: list[Seed] = []
    for folder, rcpt in (("intake", ()), ("wild", ("connectyou@example.com",))):
        for path in sorted((CORPUS / folder).glob("*.eml")):
            seeds.append(Seed(f"{folder}/{path.name}", path.read_bytes(), rcpt))
    if not seeds:
        for i, to in enumerate(MAILBOXES):
            seeds.append(Seed(f"own-{i}", make_request(to=to).as_bytes(), (to,)))
    return tuple(seeds)


# --------------------------------------------------------------------------- the mutator

EIGHT_BIT = (
    b"\xe9",  # Latin-1 e-acute: not UTF-8
    b"\xc3\xa9",  # the same in UTF-8
    b"\xff\xfe",
    b"\x80\x81",
    b"\xed\xa0\x80",  # a UTF-16 surrogate written as UTF-8
    b"\xc0\xaf",  # an overlong UTF-8 slash
    b"\xf0\x9f\x92\xa9",
    b"\xe2\x80\xae",  # right-to-left override
    b"\xef\xbb\xbf",  # BOM
    b"\x1b$B",  # ISO-2022-JP escape
)
CONTROLS = (b"\x00", b"\x01", b"\x1b[31m", b"\x7f", b"\r", b"\x0b", b"\x0c", b"\t", b"\x85")
TOKENS = (
    b"=?utf-8?b?",
    b"=?x-unknown?q?",
    b"=?utf-16?b?AAA?=",
    b"?=",
    b"<",
    b">",
    b"@",
    b'"',
    b"\\",
    b";",
    b":",
    b",",
    b"(",
    b"\r\n ",
    b"\r\n\r\n",
    b"\r\n--",
    b"=\r\n",
    b"%00",
    b"..",
    b"/",
    b"[CASE-000001]",
    b"boundary=",
    b"charset=utf-16",
    b"name*0*=utf-8''",
)


def junk(rng: random.Random, n: int) -> bytes:
    pools = (EIGHT_BIT, CONTROLS, TOKENS)
    out = []
    for _ in range(n):
        if rng.random() < 0.2:
            out.append(bytes([rng.randrange(256)]))
        else:
            out.append(rng.choice(rng.choice(pools)))
    return b"".join(out)


def long_run(rng: random.Random) -> bytes:
    unit = rng.choice((b"a", b"\xe9", b"\xc3\xa9", b"x.", b"<a@b>", b"=?utf-8?q?=C3=A9?= "))
    return unit * rng.randrange(300, 5000)


@dataclass
class Pool:
    """What earlier mutants left behind, for later ones that name it: Message-IDs, and the
    cases they opened with the From line that opened them (so a reply can come from the
    case's requester, who may add to it)."""

    ids: list[bytes] = field(default_factory=lambda: [b"<seed-1@example.net>"])
    cases: list[tuple[str, bytes, bytes]] = field(
        default_factory=lambda: [("CASE-000001", b"<seed-1@example.net>", b"<pat@example.net>")]
    )


_HEADER_END = re.compile(rb"\r?\n\r?\n")


def split(raw: bytes) -> tuple[bytes, bytes]:
    m = _HEADER_END.search(raw)
    return (raw[: m.start()], raw[m.start() :]) if m else (raw, b"")


def set_header(raw: bytes, name: bytes, value: bytes) -> bytes:
    """Replace the first `name` header (with its continuation lines), or add it on top."""
    head, rest = split(raw)
    pattern = re.compile(rb"(?im)^" + re.escape(name) + rb"[ \t]*:.*(?:\r?\n[ \t].*)*")
    line = name + b": " + value
    if pattern.search(head):
        head = pattern.sub(lambda _: line, head, count=1)
    else:
        head = line + b"\r\n" + head
    return head + rest


def header_value(raw: bytes, name: bytes) -> bytes | None:
    m = re.search(rb"(?im)^" + re.escape(name) + rb"[ \t]*:[ \t]*(.*)", split(raw)[0])
    return m.group(1).strip() if m else None


def a_message_id(rng: random.Random) -> bytes:
    local = b"%x" % rng.getrandbits(40)
    shape = rng.randrange(7)
    if shape == 0:  # 8-bit bytes, valid UTF-8 or not
        return b"<" + local + junk(rng, 3) + b"@example.net>"
    if shape == 1:  # longer than any column
        return b"<" + local + long_run(rng) + b"@example.net>"
    if shape == 2:  # NUL and controls
        return b"<" + local + b"\x00\x01" + junk(rng, 2) + b"@example.net>"
    if shape == 3:  # no brackets, spaces
        return local + b" @ example.net"
    if shape == 4:  # several, or none at all
        return b"<" + local + b"@a> <" + local + b"@b>" if rng.random() < 0.5 else b""
    if shape == 5:  # folded over lines
        return b"<" + local + b"\r\n @example.net>"
    return b"<" + local + b"@example.net>"


def _display_name(rng: random.Random) -> bytes:
    shape = rng.randrange(5)
    if shape == 0:
        return junk(rng, rng.randrange(1, 12)) + b" Pat"
    if shape == 1:
        return long_run(rng)
    if shape == 2:
        return b"=?x-unknown?b?" + junk(rng, 4) + b"?= =?utf-8?q?Ren=C3=A9e?="
    if shape == 3:
        return b'"Pat \\" <evil@example.org>, \x00"'
    return b"P\xe9t \xc3\x89lise"


def _address(raw: bytes) -> bytes:
    value = header_value(raw, b"From") or b""
    m = re.search(rb"[\w.+-]+@[\w.-]+", value)
    return m.group(0) if m else b"pat@example.net"


def m_flip(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    data = bytearray(raw or b"x")
    for _ in range(rng.randrange(1, 9)):
        i = rng.randrange(len(data))
        data[i] ^= rng.randrange(1, 256)
    return bytes(data)


def m_insert(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    i = rng.randrange(len(raw) + 1)
    return raw[:i] + junk(rng, rng.randrange(1, 24)) + raw[i:]


def m_delete(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    i = rng.randrange(len(raw) + 1)
    return raw[:i] + raw[i + rng.randrange(1, 400) :]


def m_duplicate(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    i = rng.randrange(len(raw) + 1)
    span = raw[i : i + rng.randrange(1, 2000)]
    return raw[:i] + span * rng.randrange(2, 6) + raw[i:]


def m_truncate(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    return raw[: rng.randrange(len(raw) + 1)]


def m_line_endings(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    lf = raw.replace(b"\r\n", b"\n")
    return rng.choice((lf, lf.replace(b"\n", b"\r\n"), lf.replace(b"\n", b"\r")))


def m_message_id(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    return set_header(raw, b"Message-ID", a_message_id(rng))


def m_references(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    ids = [a_message_id(rng) for _ in range(rng.randrange(1, 4))]
    ids += rng.sample(pool.ids, min(len(pool.ids), rng.randrange(0, 4)))
    if rng.random() < 0.2:  # a thread of a thousand messages
        ids += [b"<%d.%d@example.net>" % (i, rng.getrandbits(20)) for i in range(1000)]
    rng.shuffle(ids)
    return set_header(raw, b"References", b"\r\n ".join(ids))


def m_in_reply_to(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    _, known, sender = rng.choice(pool.cases)
    if rng.random() < 0.3:
        known = rng.choice(pool.ids)
    value = rng.choice((known, known, known + junk(rng, 2), known[:-1] + b"\xe9>"))
    if rng.random() < 0.7:  # from the one who opened that case
        raw = set_header(raw, b"From", sender)
    return set_header(raw, b"In-Reply-To", value)


def m_display_name(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    return set_header(raw, b"From", _display_name(rng) + b" <" + _address(raw) + b">")


def m_from_address(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    name = rng.choice(
        (
            b"pat" + b"x" * rng.randrange(300, 1200) + b"@example.net",  # > String(320)
            b"p\xe9t\xc3\xa9@example.net",
            b"pat\x00@example.net",
            b"alex.martin@example.com" + junk(rng, 2),  # staff, with trailing junk
            rng.choice(MAILBOXES).encode(),  # our own address: a loop
            b"mailer-daemon@example.org",
            b"no-at-sign",
            b"",
        )
    )
    return set_header(raw, b"From", b"Someone <" + name + b">")


def m_subject(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    number, _, sender = rng.choice(pool.cases)
    if rng.random() < 0.3:  # a reply to that case, by its number, from its requester
        raw = set_header(raw, b"From", sender)
        return set_header(raw, b"Subject", b"Re: [" + number.encode() + b"] " + junk(rng, 3))
    value = rng.choice(
        (
            b"Re: [" + number.encode() + b"] " + junk(rng, 6),
            junk(rng, rng.randrange(1, 40)),
            long_run(rng),
            b"=?utf-8?b?" + junk(rng, 8) + b"?=",
            b"Foggy \x00 window \xe9\r\n\tfolded",
        )
    )
    return set_header(raw, b"Subject", value)


def m_recipients(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    box = rng.choice(MAILBOXES).encode()
    value = rng.choice(
        (
            box + b", " + junk(rng, 5),
            b"\xe9quipe <" + box + b">",
            b", ".join(b"r%d@example.org" % i for i in range(rng.randrange(50, 800))),
            b"undisclosed-recipients:;",
        )
    )
    return set_header(raw, rng.choice((b"To", b"Cc")), value)


def m_charset(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    charset = rng.choice(
        (b"utf-16", b"utf-7", b"x-unknown", b"iso-2022-jp", b"", b"gb2312", b'"', b"utf-8\x00")
    )
    swapped, n = re.subn(rb'(?i)charset="?[^";\s]*"?', b"charset=" + charset, raw, count=3)
    return swapped if n else set_header(raw, b"Content-Type", b"text/plain; charset=" + charset)


def m_transfer_encoding(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    cte = rng.choice((b"base64", b"quoted-printable", b"8bit", b"x-uuencode", b"bogus", b""))
    return set_header(raw, b"Content-Transfer-Encoding", cte)


def m_boundary(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    m = re.search(rb'(?i)boundary="?([^";\r\n]+)"?', raw)
    if m is None:
        return set_header(raw, b"Content-Type", b"multipart/mixed; boundary=" + junk(rng, 4))
    boundary = m.group(1)
    how = rng.randrange(3)
    if how == 0:  # the closing delimiter lost
        return raw.replace(b"--" + boundary + b"--", b"")
    if how == 1:  # the declared boundary changed, the delimiters not
        return raw[: m.start(1)] + junk(rng, 3) + raw[m.end(1) :]
    return raw.replace(b"--" + boundary, b"--" + boundary + junk(rng, 1), 2)


def m_filename(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    name = rng.choice(
        (
            b"../../etc/passwd",
            b"C:\\Windows\\" + junk(rng, 4) + b".exe",
            b"a" * rng.randrange(300, 3000) + b".pdf",
            b"photo\xe9\x00\r\n.jpg",
            b"=?utf-8?b?" + junk(rng, 6) + b"?=",
            b"CON.txt",
        )
    )
    value = b'attachment; filename="' + name + b'"'
    found = re.search(rb"(?im)^Content-Disposition:", raw)
    if found and rng.random() < 0.7:  # a part's own disposition, not just the top
        end = raw.find(b"\n", found.end())
        end = len(raw) if end < 0 else end
        return raw[: found.start()] + b"Content-Disposition: " + value + b"\r" + raw[end:]
    return set_header(raw, b"Content-Disposition", value)


def m_header_flood(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    if rng.random() < 0.5:
        lines = b"".join(b"X-Junk-%d: %s\r\n" % (i, junk(rng, 2)) for i in range(2000))
        return lines + raw
    return set_header(raw, b"X-Long", b"y" * rng.randrange(70_000, 200_000))


def m_auto_headers(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    name = rng.choice((b"Auto-Submitted", b"Precedence", b"List-Id", b"X-Loop", b"Return-Path"))
    return set_header(raw, name, rng.choice((b"auto-replied", b"bulk", b"<>")) + junk(rng, 3))


def m_date(rng: random.Random, raw: bytes, pool: Pool) -> bytes:
    value = rng.choice(
        (b"Mon, 31 Feb 99999 25:61:61 +9999", junk(rng, 5), b"", b"Tue, 1 Jan 1 00:00:00 -0000")
    )
    return set_header(raw, b"Date", value)


MUTATIONS: dict[str, Callable[[random.Random, bytes, Pool], bytes]] = {
    name.removeprefix("m_"): fn for name, fn in globals().items() if name.startswith("m_")
}


def mutate(rng: random.Random, raw: bytes, pool: Pool) -> tuple[bytes, list[str]]:
    """One to three mutations, the targeted ones twice as likely as the blind ones."""
    names = list(MUTATIONS)
    blind = ("flip", "insert", "delete", "duplicate", "truncate")
    weights = [1 if n in blind else 2 for n in names]
    chosen = rng.choices(names, weights, k=rng.choice((1, 1, 2, 3)))
    for name in chosen:
        raw = MUTATIONS[name](rng, raw, pool)
    return raw, chosen


def envelope(rng: random.Random, seed: Seed) -> tuple[str | None, list[str], str | None]:
    """MAIL FROM and RCPT TO as aiosmtpd hands them over (8-bit bytes as surrogate escapes),
    mostly ordinary, sometimes hostile; and the name of the envelope mutation, if any."""
    rcpt = list(seed.rcpt)
    if rng.random() > 0.15:
        return "pat@example.net", rcpt, None
    how = rng.randrange(4)
    if how == 0:
        return "p\udce9t\x00@example.net", rcpt, "envelope_8bit_nul"
    if how == 1:
        return "x" * rng.randrange(600, 3000) + "@example.net", rcpt, "envelope_long_sender"
    if how == 2:
        return "", [r.upper() for r in rcpt] or [MAILBOXES[0].upper()], "envelope_null_sender"
    return None, [*rcpt, "\udcff\x00" + "r" * 2000 + "@example.com"], "envelope_junk_rcpt"


# --------------------------------------------------------------------------- (a) the parser

HEADER_NAMES = (
    b"From",
    b"To",
    b"Cc",
    b"Subject",
    b"Message-ID",
    b"In-Reply-To",
    b"References",
    b"Date",
    b"Content-Type",
    b"Content-Transfer-Encoding",
    b"Content-Disposition",
    b"MIME-Version",
    b"Reply-To",
    b"Return-Path",
    b"Auto-Submitted",
    b"Resent-To",
)
_ONE_LINE_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # parsers.text._LINE_JUNK's core
_TEXT_JUNK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # parsers.text._CONTROL's


@st.composite
def mutants(draw: st.DrawFn) -> bytes:
    seed = draw(st.sampled_from(load_seeds()))
    rng = draw(st.randoms(use_true_random=False))
    return mutate(rng, seed.raw, Pool())[0]


@st.composite
def header_soup(draw: st.DrawFn) -> bytes:
    headers = draw(
        st.lists(
            st.tuples(st.sampled_from(HEADER_NAMES), st.binary(max_size=120)),
            max_size=12,
        )
    )
    body = draw(st.binary(max_size=600))
    return b"".join(n + b": " + v + b"\r\n" for n, v in headers) + b"\r\n" + body


def check_parsed(msg: ParsedMessage) -> None:
    """What parsers/message.py, parsers/mime/ and the text modules (text.py, html_text.py,
    body_parts.py) document of a result."""
    assert isinstance(msg, ParsedMessage)
    # clean_line: one line, no control, bidi or surrogate characters; cut to the field.
    for name, value, limit in (("subject", msg.subject, 2000), ("from_name", msg.from_name, 500)):
        assert isinstance(value, str) and len(value) <= limit, name
        assert not _ONE_LINE_JUNK.search(value), (name, value)
    # clean_text: LF line ends, no control characters but TAB and LF, no lone surrogates.
    for name in ("body_text", "new_text", "signature", "forwarded_text"):
        value = getattr(msg, name)
        assert isinstance(value, str) and not _TEXT_JUNK.search(value), (name, value[:200])
    # Addresses: lower-cased bare addresses (whatever the sender wrote before the "@": a
    # C1 control from a Latin-9 header byte stays, the pipeline's storage makes it fit).
    assert len(msg.from_addr) <= 500
    for addr in (msg.from_addr, *msg.to, *msg.cc, msg.reply_to or ""):
        assert addr == addr.lower() and not re.search(r"\s", addr), addr
    # Message-IDs keep their angle brackets, so they compare equal across headers, and are
    # cut to 998 (an overlong one loses its ">" there, in every header alike); no whitespace
    # or controls, and (since the 8-bit fix) no surrogates: raw bytes become text.
    ids = [msg.message_id] if msg.message_id is not None else []
    for mid in (*ids, *msg.in_reply_to, *msg.references):
        assert mid.startswith("<") and len(mid) <= 998, mid[:200]
        assert mid.endswith(">") or len(mid) == 998, mid[:200]
        assert not re.search(r"[\s\x00-\x1f\x7f\ud800-\udfff]", mid), mid[:200]
    assert len(msg.references) <= MAX_REFERENCES
    assert len(set(msg.references)) == len(msg.references)
    # Attachments: a safe file name, never empty, no path, no control characters.
    for att in msg.attachments:
        assert att.filename and len(att.filename) <= MAX_FILENAME, att.filename
        assert not re.search(r"[/\\\x00-\x1f\x7f]", att.filename), att.filename
        assert att.filename.strip(" .") == att.filename and ".." not in att.filename
        assert isinstance(att.content, bytes) and isinstance(att.content_type, str)
    assert len(msg.defects) <= MAX_DEFECTS
    assert msg.date is None or isinstance(msg.date, datetime)


@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=PARSER_EXAMPLES,
    suppress_health_check=list(HealthCheck),
)
@given(raw=st.one_of(mutants(), header_soup(), st.binary(max_size=2000)))
def test_parse_email_keeps_its_promises_for_any_bytes(raw: bytes) -> None:
    check_parsed(parse_email(raw))


# --------------------------------------------------------------------------- (b) the pipeline


def store(session: Session, raw: bytes, mail_from: str | None, rcpt: list[str]) -> InboundMessage:
    """Store as the SMTP front door does for a peer on the trusted network (the loopback):
    with that sender verdict where the bot keeps one (sender authentication)."""
    if store_submission is not None:
        return store_submission(session, raw, received_at=T0, mail_from=mail_from, rcpt_tos=rcpt)
    return inbox.store_inbound(
        session, raw=raw, channel="smtp", received_at=T0, mail_from=mail_from, rcpt_tos=rcpt
    )


@dataclass
class Tried:
    n: int
    seed: str
    mutations: list[str]
    raw: bytes
    envelope: tuple[str | None, list[str]] = (None, [])
    row_id: int | None = None
    store_error: str | None = None


def test_mutated_corpus_through_the_pipeline_loses_nothing(
    database_url: str, tmp_path: Path, corpus: Path
) -> None:
    started = time.monotonic()
    app = build_app(settings_for(database_url))
    rng = random.Random(SEED)
    seeds, pool = load_seeds(), Pool()
    tried: list[Tried] = []

    def clock(row: InboundMessage) -> datetime:  # a minute between arrivals
        return T0 + timedelta(minutes=row.id)

    try:
        for n in range(PIPELINE_MESSAGES):
            seed = rng.choice(seeds)
            raw = seed.raw
            if rng.random() < 0.9:  # most are new messages; the rest repeat a seed's own ID
                own = b"<fuzz-%d-%x@fuzz.example.net>" % (n, rng.getrandbits(32))
                raw = set_header(raw, b"Message-ID", own)
                pool.ids.append(own)
            raw, names = mutate(rng, raw, pool)
            mail_from, rcpt, env_name = envelope(rng, seed)
            item = Tried(n, seed.name, names + ([env_name] if env_name else []), raw)
            item.envelope = (mail_from, rcpt)
            tried.append(item)
            try:  # as the SMTP front door stores, in a transaction of its own
                with app.sessions() as session, session.begin():
                    item.row_id = store(session, raw, mail_from, rcpt).id
            except Exception as exc:  # noqa: BLE001 - what the sender would be told 451 for
                item.store_error = "".join(traceback.format_exception_only(exc)).strip()
                continue
            for result in drain(app.sessions, app.pipeline, clock, max_attempts=3):
                mid, sender = header_value(raw, b"Message-ID"), header_value(raw, b"From")
                if result.outcome == "new_case" and result.case_number and mid and sender:
                    pool.cases.append((result.case_number, mid, sender))
        with app.sessions() as session:
            stored = {
                r.id: r for r in session.scalars(select(InboundMessage).order_by(InboundMessage.id))
            }
            for r in stored.values():  # load what is read after the session ends
                _ = (r.state, r.outcome, r.error, r.reason)
    finally:
        app.close()
    elapsed = time.monotonic() - started

    failures = []
    by_mutation: dict[str, Counter[str]] = {}
    for item in tried:
        row = stored.get(item.row_id) if item.row_id is not None else None
        verdict = "store_failed" if row is None else (row.outcome or row.state)
        if row is not None and row.state != "done":
            verdict = row.state
        for name in item.mutations:
            by_mutation.setdefault(name, Counter())[verdict] += 1
        if row is None or row.state != "done" or not row.outcome:
            error = item.store_error if row is None else (row.error or "")
            path = tmp_path / f"failed-{item.n:04d}.eml"
            path.write_bytes(item.raw)
            failures.append(
                {
                    "n": item.n,
                    "seed": item.seed,
                    "mutations": item.mutations,
                    "envelope": ascii(item.envelope)[:300],
                    "state": verdict,
                    "error": (error or "").partition("\n")[0][:300],
                    "file": str(path),
                }
            )
    summary = {
        "backend": database_url.split(":", 1)[0],
        "seconds": round(elapsed, 1),
        "messages_tried": len(tried),
        "stored": sum(1 for t in tried if t.row_id is not None),
        "states": dict(Counter(r.state for r in stored.values())),
        "outcomes": dict(Counter(r.outcome for r in stored.values() if r.outcome)),
        "shunted": sum(1 for r in stored.values() if r.state == "shunted"),
        "store_failed": sum(1 for t in tried if t.store_error),
        "by_mutation": {k: dict(v) for k, v in sorted(by_mutation.items())},
        "failures": failures,
    }
    report = tmp_path / "fuzz-pipeline.json"
    report.write_text(json.dumps(summary, indent=2))
    print(f"\nfuzz pipeline ({report}):", json.dumps({k: summary[k] for k in list(summary)[:8]}))
    assert not failures, f"{len(failures)} mutants lost (see {report}): {failures[:5]}"
