"""A body split into its parts: what the sender wrote today, the quoted thread, a forwarded
message, the signature and a legal disclaimer.

A body holds more than what the sender wrote today. The extractor must read only the new
part (a quoted old factor is not this message's factor), the forwarded part (a customer's
mail forwarded by an account manager *is* the request) and, for contact details, the
sender's own signature. `split_body` separates them with a few line-based rules, small
enough to read and cheap enough to run on every message: no rule may cut real content, so
each one needs a strong marker (a reply header, a `-- ` line, a closing followed by a name)
and a short tail. Pure; never raises on text input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intake.parsers.text import BLANK_RUN, clean_line

# --------------------------------------------------------------------------- body parts


@dataclass(frozen=True)
class BodyParts:
    """A body split by `split_body`. Forward marker lines, PGP armor and a trailing legal
    disclaimer are dropped; every other line is in exactly one of the four parts."""

    new_text: str = ""
    signature: str = ""
    forwarded_text: str = ""
    quoted_text: str = ""


_FORWARD_MARKERS = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:forwarded message|message transf[ée]r[ée]"
    r"|weitergeleitete nachricht|mensaje reenviado|mensagem encaminhada)\s*-{2,}"
    r"|begin forwarded message\s*:|d[ée]but du message r[ée]exp[ée]di[ée]\s*:"
    r"|anfang der weitergeleiteten nachricht\s*:"
    r")\s*$",
    re.IGNORECASE,
)
_ORIGINAL_MARKER = re.compile(
    r"^\s*-{2,}\s*(?:original message|message d'origine|urspr[üu]ngliche nachricht"
    r"|mensaje original|mensagem original|messaggio originale)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_REPLY_HEADER = re.compile(
    r"^\s*(?:-{2,}\s*)?(?:"
    r"on\b.{4,300}\bwrote\s*:"  # Gmail, Apple Mail, Thunderbird
    r"|le\b.{4,300}\ba [ée]crit\s*:"  # French
    r"|am\b.{4,300}\bschrieb\b.{0,200}:"  # German
    r"|el\b.{4,300}\bescribi[óo]\s*:"  # Spanish
    r"|em\b.{4,300}\bescreveu\s*:"  # Portuguese
    r"|op\b.{4,300}\bschreef\b.{0,200}:"  # Dutch
    r"|il\b.{4,300}\bha scritto\s*:"  # Italian
    r"|[^:]{0,200}[@\d][^:]{0,200}\b(?:wrote|a [ée]crit|schrieb)\s*:"  # "j@x.org wrote:"
    r")\s*$",
    re.IGNORECASE,
)
_REPLY_HEADER_START = re.compile(r"^\s*(?:-{2,}\s*)?(?:on|le|am|el|em|op|il)\s", re.IGNORECASE)
_FROM_LINE = re.compile(r"^\s*\**\s*(?:from|de|von|van|da)\s*\**\s*:", re.IGNORECASE)
_DATE_LINE = re.compile(
    r"^\s*\**\s*(?:sent|date|envoy[ée]|gesendet|datum|enviado|fecha|verzonden|inviato)\s*\**\s*:",
    re.IGNORECASE,
)
_SUBJECT_LINE = re.compile(
    r"^\s*\**\s*(?:subject|objet|betreff|asunto|assunto|onderwerp|oggetto)\s*\**\s*:",
    re.IGNORECASE,
)
_SEPARATOR_LINE = re.compile(r"^\s*(?:_{8,}|-{8,})\s*$")
_FORWARD_SUBJECT = re.compile(r"^\s*(?:\[[^\]]{0,40}\]\s*)?(?:fwd?|fw|tr|wg|rv|enc)\s*:", re.I)
_QUOTED_LINE = re.compile(r"^\s*>")
# Reply and forward headers are looked for in the first lines only: a hostile body of a
# million "From:" lines must not cost seconds, and nobody writes 10,000 new lines.
_MAX_SCAN_LINES = 10_000
_DIGIT = re.compile(r"\d")
_ATTRIBUTION_BITS = re.compile(r"[@<\d]")


def reply_header_at(lines: list[str], i: int) -> int:
    """Number of lines (1-3) of an "On <date>, <name> wrote:" header starting at line i, or 0.

    Gmail wraps that header in plain text, so a line starting "On " may end two lines later.
    """
    line = lines[i]
    if len(line) > 400:
        return 0
    if line.rstrip().endswith(":") and _REPLY_HEADER.match(line):
        return 1
    if not _REPLY_HEADER_START.match(line):
        return 0
    joined = line
    for extra in (1, 2):
        if i + extra >= len(lines) or not lines[i + extra].strip():
            return 0
        joined += " " + lines[i + extra].strip()
        if len(joined) > 400:
            return 0
        if joined.endswith(":") and _REPLY_HEADER.match(joined):
            return extra + 1
    return 0


def _header_block_at(lines: list[str], i: int) -> bool:
    """True when line i starts an Outlook-style "From: / Sent: / To: / Subject:" block."""
    if not _FROM_LINE.match(lines[i]):
        return False
    window = [w for w in lines[i + 1 : i + 13] if w.strip()][:6]
    return any(_DATE_LINE.match(w) for w in window) and any(_SUBJECT_LINE.match(w) for w in window)


def _quote_follows(lines: list[str], j: int) -> bool:
    """A "> " quoted line comes next (blank lines allowed in between)."""
    for k in range(j, min(j + 3, len(lines))):
        if lines[k].strip():
            return _QUOTED_LINE.match(lines[k]) is not None
    return False


def _attribution_start(lines: list[str], i: int, floor: int) -> int | None:
    """Start of an attribution in any language ending at line i, just above a "> " quote.

    "02.04.2012 14:20 пользователь "bob@x.org" <\nbob@x.org> написал:" has no English in it,
    but a line ending in ":" right above quoted lines, naming an address or a date, is how
    every mail client introduces a quote. Lines above it that still hold an address, a
    number or a "<" (a wrapped attribution) belong to it; a plain "Hello" does not.
    """
    line = lines[i].rstrip()
    if not line.endswith(":") or len(line) > 400 or not _quote_follows(lines, i + 1):
        return None
    start = i
    while start - 1 >= max(floor, i - 2):
        above = lines[start - 1]
        if not above.strip() or not _ATTRIBUTION_BITS.search(above) or len(above) > 300:
            break
        start -= 1
    joined = " ".join(lines[start : i + 1])
    return start if ("@" in joined or _DIGIT.search(joined)) else None


def _find_boundary(lines: list[str], forward_subject: bool, start: int = 0) -> tuple[int, int, str]:
    """First line from `start` where older or forwarded mail starts: (index, size, kind).

    kind is "forward", "reply" (everything below is old mail) or "attribution" (an "On ...
    wrote:" line over a "> " quote: only the quoted lines are old, answers written between
    or below them are new); index is len(lines) when there is none. Quoted lines are
    skipped: a header inside a quote belongs to the quote.
    """
    for i in range(start, min(len(lines), _MAX_SCAN_LINES)):
        line = lines[i]
        if not line or _QUOTED_LINE.match(line):
            continue
        if _ORIGINAL_MARKER.match(line):
            return i, 1, "forward" if forward_subject else "reply"
        if _FORWARD_MARKERS.match(line):
            return i, 1, "forward"
        if _SEPARATOR_LINE.match(line):
            nxt = next((j for j in range(i + 1, min(i + 3, len(lines))) if lines[j].strip()), None)
            if nxt is not None and _header_block_at(lines, nxt):
                return i, nxt - i, "forward" if forward_subject else "reply"
            continue
        if _header_block_at(lines, i):
            return i, 0, "forward" if forward_subject else "reply"
        size = reply_header_at(lines, i)
        if size:
            return i, size, "attribution" if _quote_follows(lines, i + size) else "reply"
        first = _attribution_start(lines, i, start)
        if first is not None:
            return first, i - first + 1, "attribution"
    return len(lines), 0, "none"


# Closings that end a message; the whole line must be one of these (plus punctuation and
# optionally a name: "Thanks, Raj").
_CLOSING = re.compile(
    r"^\s*(?:thanks(?: again| so much| a lot| in advance)?|thank you(?: very much)?|many thanks"
    r"|thx|ty|cheers|(?:with )?(?:best |kind |warm |warmest |many )?regards"
    r"|(?:with )?best wishes|best|all the best|sincerely|respectfully(?: yours)?"
    r"|yours(?: truly| sincerely| faithfully| respectfully)?|(?:thank you and )?god bless"
    r"|talk soon|take care|have a (?:good|great|nice) (?:day|one|weekend)"
    r"|merci(?: beaucoup)?|cordialement|bien [àa] vous|salutations|amicalement|bonne journ[ée]e"
    r"|mit freundlichen gr[üu](?:ß|ss?)en|(?:viele|liebe|beste) gr[üu](?:ß|ss?)e|gr[üu](?:ß|ss?)e"
    r"|lg|mfg|saludos|atentamente|gracias"
    r"|groeten|met vriendelijke groet|obrigad[oa]|cumprimentos|grazie|cordiali saluti)"
    r"\b\s*[,.!:;-]*\s*(?-i:[A-Z\u00c0-\u00de][\w.'\u2019-]*(?:\s+[A-Z\u00c0-\u00de][\w.'\u2019-]*){0,2})?"
    r"\s*[.!]?\s*$",
    re.IGNORECASE,
)
_SIG_DELIMITER = re.compile(r"^(?:-- ?|--|\u2014 ?)$")
_MOBILE_FOOTER = re.compile(
    r"^\s*(?:sent from my \w+|sent from (?:outlook|mail|yahoo mail|gmail)\b|get outlook for \w+"
    r"|sent via \w+|envoy[ée] (?:de|depuis) mon \w+|von meinem \w+ gesendet"
    r"|enviado desde mi \w+)",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*\u2022\u2013])\s")
_NAME_TOKEN = re.compile(r"^(?:[A-Z\u00c0-\u00de][\w'\u2019.-]*|[A-Z]\.)$")
_DISCLAIMER = re.compile(
    r"^\s*(?:\**\s*(?:confidentiality notice|confidential(?:ity)?|disclaimer|privileged"
    r"|avis de confidentialit[ée]|important notice)\b"
    r"|this (?:e-?mail|message|communication|transmission)\b.{0,120}"
    r"\b(?:confidential|privileged|intended (?:solely |only )?for)"
    r"|the (?:information|contents?) (?:contained |of )?(?:in )?this (?:e-?mail|message)"
    r"|ce (?:courriel|message)\b.{0,80}\bconfidenti"
    r"|diese (?:e-?mail|nachricht|information)\b)",
    re.IGNORECASE,
)

_DISCLAIMER_TERMS = re.compile(
    r"\b(?:intended recipient|named recipient|addressee|recipient\(s\)|privileged|destinataire"
    r"|unauthori[sz]ed"
    r"|prohibited|strictly forbidden|not the intended|adressat|empf[äa]nger|vertraulich"
    r"|to whom (?:it|they) (?:is|are) addressed|accepts? no liability)",
    re.IGNORECASE,
)

_FOOTER_RULE = re.compile(r"^\s*_{10,}\s*$")
_DASHES = ("-", "\u2013", "\u2014", "~")
_MAX_FOOTER_LINES = 8
_MAX_SIG_LINES = 12  # non-empty lines after a closing or a name line
_MAX_NAMED_SIG_LINES = 20  # after a closing directly followed by a name
_POSTSCRIPT = re.compile(r"^\s*p\.?\s?s\b", re.IGNORECASE)
_MAX_DELIMITED_SIG_LINES = 25  # after a "-- " line
_MAX_SIG_LINE_LEN = 160


def _nonempty_after(lines: list[str], i: int) -> list[str]:
    return [x for x in lines[i + 1 :] if x.strip()]


def _sig_like(line: str) -> bool:
    """A line that may sit in a signature: short, not a list item, not a quote."""
    return (
        len(line) <= _MAX_SIG_LINE_LEN
        and not _LIST_ITEM.match(line)
        and not _QUOTED_LINE.match(line)
    )


def _name_like(line: str) -> bool:
    """A short line that reads as a person's name: "Priya", "Tom Okonkwo", "P."."""
    s = line.strip().rstrip(",")
    if not s or len(s) > 40 or any(ch.isdigit() for ch in s) or ":" in s or "@" in s:
        return False
    tokens = s.split()
    return 1 <= len(tokens) <= 4 and all(_NAME_TOKEN.match(t) for t in tokens)


def _dash_name(line: str) -> bool:
    """A name signed with a dash: "-Abhishek Kona", "— Dan"; "- Grilles" is a list item."""
    s = line.lstrip()
    if s[:1] not in _DASHES or (s[:1] == "-" and s[1:2] == " "):
        return False
    return _name_like(s[1:])


def _sender_line(line: str, names: tuple[str, ...]) -> bool:
    """The line is the sender's name ("Dan", "Dan Schultz | Account Manager", "P.")."""
    s = line.strip()
    if not s or not names or len(s) > 120:
        return False
    low = s.lower()
    bare = low.rstrip(" .,!")
    for name in names:
        if bare == name.rstrip("."):
            return True
        if low.startswith(name) and len(name) > 2:
            rest = low[len(name) :].lstrip()
            if rest[:1] in ("|", ",", "-", "\u2013", "\u2014", "/", "(", "\u00b7", "\u2022"):
                return True
    return False


def _sender_names(sender_name: str) -> tuple[str, ...]:
    """Forms of the sender's name that may sign a message: full name, first name, initial."""
    name = clean_line(sender_name).strip("\"' ")
    if "," in name:  # "Shah, Priya"
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}".strip()
    tokens = [t for t in name.split() if t]
    if not tokens:
        return ()
    forms = {name.lower(), tokens[0].lower()}
    if tokens[0][:1].isalpha():
        forms.add(tokens[0][0].lower() + ".")
    return tuple(sorted(forms, key=len, reverse=True))


def _closing_at(lines: list[str], i: int) -> bool:
    """Line i is a closing ("Thanks,", "Regards", "Merci, Dan") that ends the message.

    A closing over a name may carry a long company block; a bare closing only a short one.
    A "P.S." below it is content, so then it is not the end.
    """
    line = lines[i]
    if len(line) > 60 or not _CLOSING.match(line):
        return False
    after = _nonempty_after(lines, i)
    limit = _MAX_NAMED_SIG_LINES if after and _name_like(after[0]) else _MAX_SIG_LINES
    if len(after) > limit or not all(_sig_like(x) for x in after):
        return False
    if any(_POSTSCRIPT.match(x) for x in after):
        return False
    # What follows must start with a name (or nothing follows): "Thanks!\n\nAlso, ..." is not
    # a sign-off.
    first = after[0] if after else ""
    return not after or _name_like(first) or _dash_name(first) or bool(_SIG_DELIMITER.match(first))


def _extend_back(lines: list[str], start: int, names: tuple[str, ...]) -> int:
    """Move a signature start up over the closing and name lines just above it.

    "Thanks,\nPriya\n\n--\nPriya Shah ..." is one signature block, not a "Thanks, Priya"
    left in the new text.
    """
    j = start - 1
    taken = 0
    while j >= 0 and taken < 3:
        line = lines[j]
        if not line.strip():
            j -= 1
            continue
        closing = len(line) <= 60 and _CLOSING.match(line) is not None
        name = (
            _sender_line(line, names)
            or _dash_name(line)
            or (taken == 0 and _name_like(line) and _closing_above(lines, j))
        )
        if not (closing or name):
            break
        start = j
        taken += 1
        j -= 1
    return start


def _closing_above(lines: list[str], j: int) -> bool:
    """The nearest non-blank line above line j is a closing ("Thanks," over "Raj")."""
    k = j - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    return k >= 0 and len(lines[k]) <= 60 and _CLOSING.match(lines[k]) is not None


def _is_paragraph_start(lines: list[str], j: int) -> bool:
    return j == 0 or not lines[j - 1].strip() or bool(_CLOSING.match(lines[j - 1]))


def _signature_start(lines: list[str], names: tuple[str, ...]) -> int | None:
    """Index of the first signature line of `lines` (trailing blanks removed), or None."""
    n = len(lines)
    # 1. The "-- " delimiter (many clients strip the trailing space: accept "--" too), or a
    #    rule of underscores over a short footer (Outlook signatures, mailing-list footers).
    for i in range(max(0, n - 200), n):  # a signature is near the end
        line = lines[i]
        if _SIG_DELIMITER.match(line):
            limit = _MAX_DELIMITED_SIG_LINES
        elif _FOOTER_RULE.match(line):
            limit = _MAX_FOOTER_LINES
        else:
            continue
        if i > 0 and len(_nonempty_after(lines, i)) <= limit:  # a signature follows a text
            return _extend_back(lines, i, names)
    # 2. A mobile footer ("Sent from my iPhone") near the end.
    for i in range(max(0, n - 4), n):
        if _MOBILE_FOOTER.match(lines[i]) and len(_nonempty_after(lines, i)) <= 2:
            return _extend_back(lines, i, names)
    # 3. A closing followed by a name and contact lines; the last one wins.
    tail_start = max(0, n - _MAX_NAMED_SIG_LINES - 10)
    for i in range(n - 1, tail_start - 1, -1):
        if _closing_at(lines, i):
            return i
    # 4. The sender's own name opening the last lines ("Dan" / "Dan Schultz | AM, East"),
    #    or any name signed with a dash ("-Abhishek Kona").
    for i in range(tail_start, n):
        line = lines[i]
        named = _sender_line(line, names) or _dash_name(line)
        if not named or not _is_paragraph_start(lines, i):
            continue
        after = _nonempty_after(lines, i)
        if len(after) <= _MAX_SIG_LINES and all(_sig_like(x) for x in after):
            return _extend_back(lines, i, names)
    return None


def _disclaimer_start(lines: list[str]) -> int | None:
    """First line of a trailing legal disclaimer paragraph (at most 30 lines long), or None.

    A paragraph counts only when it starts like a disclaimer *and* speaks of recipients or
    privilege, so "Confidential - don't share the factor with the dealer" stays content. An
    Outlook signature often has its disclaimer glued under its last line, no blank line
    between ('"Let the light in."' over "This email and any attachments are confidential
    ..."): a line that starts one counts too when its paragraph runs to the end of the text.
    """
    n = len(lines)
    last = max((k for k in range(n) if lines[k].strip()), default=-1)
    for i in range(max(0, n - 30), n):
        if not _DISCLAIMER.match(lines[i]):
            continue
        end = next((k for k in range(i, n) if not lines[k].strip()), n)
        if not (_is_paragraph_start(lines, i) or end > last):
            continue
        if _DISCLAIMER_TERMS.search(" ".join(lines[i:end])):
            return i
    return None


def _trim(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _join(lines: list[str]) -> str:
    return BLANK_RUN.sub("\n\n", "\n".join(_trim(lines)))


def between_delimiters(signature: str) -> str:
    """The lines between the first two "-- " delimiters of a signature ("" with fewer): what
    a sender set off with a delimiter of their own above the signature proper."""
    lines = signature.split("\n")
    marks = [i for i, line in enumerate(lines) if _SIG_DELIMITER.match(line.strip())]
    return "\n".join(lines[marks[0] + 1 : marks[1]]).strip() if len(marks) >= 2 else ""


def below_rule(signature: str) -> str:
    """What follows the first horizontal rule in a signature ("" without one): a CRM's
    "email this record" puts the record's fields below a rule, under the sender's sign-off."""
    lines = signature.split("\n")
    rules = [i for i, line in enumerate(lines) if _RULE.fullmatch(line.strip())]
    return "\n".join(lines[rules[0] + 1 :]).strip() if rules else ""


_RULE = re.compile(r"[_=\u2500\u2014-]{10,}")


def unquoted(text: str) -> str:
    """A block whose every line is quoted ("> From: ..."), as an iPhone quotes the mail it
    forwards, without one level of quote marks; any other text as it is."""
    lines = text.split("\n")
    if not any(line.strip() for line in lines) or not all(
        line.lstrip().startswith(">") for line in lines if line.strip()
    ):
        return text
    return "\n".join(re.sub(r"^\s*> ?", "", line) for line in lines)


def without_disclaimer(text: str) -> str:
    """The text without its trailing legal disclaimer, if it ends with one (a forwarded
    mail's "CONFIDENTIALITY NOTICE: ..." below its sign-off)."""
    lines = text.split("\n")
    cut = _disclaimer_start(lines)
    return text if cut is None else "\n".join(lines[:cut]).rstrip()


def split_signature(text: str, sender_name: str = "") -> tuple[str, str]:
    """(text without signature, signature). Legal disclaimers at the end are dropped.

    The signature block starts at a `-- ` line, a mobile footer, a closing followed by a
    name ("Thanks,\\nPriya"), or the sender's own name heading the last lines; the closing
    and name just above a delimiter go with it. Each rule accepts only a short tail of short
    lines, so a numbered list or a "Label: value" block is never taken for a signature.
    """
    lines = _trim(text.split("\n"))
    shared = next((i for i, line in enumerate(lines) if _SHARED_CHAT.match(line)), len(lines))
    lines, conversation = lines[:shared], lines[shared:]  # the sign-off is above it
    cut = _disclaimer_start(lines)
    if cut is not None:
        lines = _trim(lines[:cut])
        while lines and _FOOTER_RULE.match(lines[-1]):  # the rule over the disclaimer
            lines = _trim(lines[:-1])
    start = _signature_start(lines, _sender_names(sender_name))
    if start is None:
        return _join(lines + conversation), ""
    signature = lines[start:]
    cut = _disclaimer_start(signature)
    if cut is not None and cut > 0:
        signature = signature[:cut]
    return _join(lines[:start] + [""] + conversation), _join(signature)


# "Conversation shared from Microsoft Teams" under the sender's sign-off: the chat below it is
# what the message is about, not part of the signature
SHARED_CHAT_LINE = (
    r"(?:conversation|message|chat) shared (?:from|via) (?:microsoft teams|teams|slack)"
)
_SHARED_CHAT = re.compile(rf"^\s*{SHARED_CHAT_LINE}\s*$", re.IGNORECASE)


_PGP_SIGNED = re.compile(r"^-----BEGIN PGP SIGNED MESSAGE-----\n(?:[A-Za-z-]+:[^\n]*\n)*\n?", re.M)
_PGP_SIGNATURE = re.compile(
    r"^-----BEGIN PGP SIGNATURE-----\n.*?(?:^-----END PGP SIGNATURE-----$|\Z)", re.M | re.S
)


def _strip_pgp_armor(text: str) -> str:
    """Inline PGP (clearsigned) text without its armor: the signed text is what was said."""
    stripped = _PGP_SIGNATURE.sub("", _PGP_SIGNED.sub("", text))
    if stripped == text:
        return text
    return "\n".join(line[2:] if line.startswith("- -") else line for line in stripped.split("\n"))


def split_body(body: str, subject: str = "", sender_name: str = "") -> BodyParts:
    """Split a plain-text body into new text, signature, forwarded text and quoted thread.

    - The first reply header ("On ... wrote:", "Le ... a écrit :", "-----Original
      Message-----", an Outlook "From:/Sent:/To:" block, with or without its "_____" line)
      starts the quoted thread: everything from there on is old mail.
    - A forward marker ("---------- Forwarded message ---------", "Begin forwarded
      message:", or an Outlook block when the subject starts with Fwd/FW/TR) starts the
      forwarded text instead; the note above it stays new text.
    - In the new text, remaining "> " lines are quotes (inline answers between them stay),
      and the sender's signature is split off (see `split_signature`).
    """
    if not body:
        return BodyParts()
    if "-----BEGIN PGP " in body:
        body = _strip_pgp_armor(body)
    lines = body.split("\n")
    forward_subject = bool(_FORWARD_SUBJECT.match(subject or ""))
    head: list[str] = []
    forwarded: list[str] = []
    quoted: list[str] = []
    pos = 0
    while True:
        index, size, kind = _find_boundary(lines, forward_subject, pos)
        head.extend(lines[pos:index])
        if kind == "attribution":
            quoted.extend(lines[index : index + size])
            pos = index + size
            continue
        rest = lines[index:]
        break
    if kind == "forward":
        forwarded = rest[size:]
        while forwarded and (not forwarded[0].strip() or _SEPARATOR_LINE.match(forwarded[0])):
            forwarded.pop(0)
    else:
        quoted.extend(rest)
    new_lines = []
    for line in head:
        if _QUOTED_LINE.match(line):
            quoted.append(line)
        else:
            new_lines.append(line)
    new_text, signature = split_signature("\n".join(new_lines), sender_name)
    return BodyParts(
        new_text=new_text,
        signature=signature,
        forwarded_text=_join(forwarded),
        quoted_text=_join(quoted),
    )
