"""Reader: the opportunity a quote request names in prose, and its values after the name.

'The opp is "Ridgeline - Cougar Ridge Reno", standard type, we're at Submissions', "call it
PCH - Livingston Showhome 4", "please quote BVR - Mission Infill Duplex": the name after an
"opp" cue, after "call it" / "set it up as", or after "quote (on)" when an account the
organisation knows leads it, ended where the writer runs on; then the type, record type and
stage the prose says (`prose_picklists`)."""

from __future__ import annotations

import re

from intake.parsers import normalise as nz
from intake.parsers.cues import cued
from intake.parsers.fields import prose_picklists
from intake.parsers.fields.bare_lines import is_opportunity_name
from intake.parsers.fields.common import Context, _clean, sentences
from intake.parsers.fields.patterns import CAPITALISED_NAME, NAMES_OPPORTUNITY
from intake.parsers.fields.resolver import CLAUSE, PROSE, Found
from intake.parsers.fields.values import _CLAUSE_START, opportunity
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded

# Where a name written after "opp" in running prose ends though no comma says so: a busy
# writer goes straight on, lower-case, with a field ("opp A&O Hendricks Acreage. pt58 std",
# "opp BVR 17 Ave Reno factor tbd"), a clause ("... Prod Run they added the 2 new plans"),
# a note ("... Bldg C same 2 colour options as B") or a count of what to quote ("opp PCH Sage
# Meadows Ph3 - 14 homes same pkg"). A name's own words are capitalised ("Lot 14", "Ph 2").
_NAME_RUNS_ON = re.compile(
    r"(?<=\S)[.,]?\s+(?:[-–]\s+(?=\d+\s+[a-z]{3,})"
    r"|(?=(?:they|we|he|she|i|pls|please|thx|thanks|same|see|factor|fctr|stage|close|"
    r"closing|type|record type)\b[^\n]*?\s[a-z0-9]"
    r"|" + nz.FACTOR_GLUED.pattern + "))"
)

# ... only after a name whose every word is capitalised (patterns.CAPITALISED_NAME)


_OPP_CUE = cued(
    guarded(
        re.compile(
            r"\b(?:opp|oppty|opportunity|opportunit[ée])\b(?:\s+name)?(?:\s+(?:is|will be|would be|"
            r"called|named|is called|is named|name is|titled|up as|up in \w+ as)\b|\s*[:=\-–])?\s*",
            re.IGNORECASE,
        )
    )
)


# What an "opp" cue says besides the word: "opp = ", "opp name:", "opportunity is called"
_SAYS_NAME = re.compile(r"[:=\-–]|\s(?:name|is|will|would|called|named|titled|up)\b", re.I)


def _prose_opportunity(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """'The opp is "Ridgeline - Cougar Ridge Reno", standard type, we're at Submissions'."""
    for sentence in sentences(text):
        # (the next "opp" when one says nothing after it: "and opp name? .44 same as last
        # run. opp = Northgate - Spring Stock 2050", a chat's question, then its answer)
        for i, m in enumerate(_OPP_CUE.finditer(sentence)):
            if i and not _SAYS_NAME.search(m.group(0)):
                continue  # a later bare "Opportunity Field History": no name said
            if _named_after(v, found, sentence[m.end() :].rstrip(" .!?"), ctx):
                break
    if not found.has("opportunity_name"):
        _called(v, found, text, ctx)
    if not found.has("opportunity_name"):
        _quoted_job(v, found, text, ctx)
    prose_picklists.read(v, found, text, ctx)
    prose_picklists.bare_clauses(v, found, text, ctx)
    prose_picklists.stage_by_probability(v, found, text, ctx)


def _named_after(v: OrgVocabulary, found: Found, rest: str, ctx: Context) -> bool:
    """The opportunity named in `rest`, the words after an "opp" cue; whether they said
    anything of it."""
    quoted = re.match(r"[\"“«'‘]([^\"”»’']{3,80})[\"”»’']\s*,?\s*(.*)$", rest)
    later = re.search(r"[\"“«]([^\"”»\n]{3,80})[\"”»]", rest)
    if quoted:
        found.offer("opportunity_name", _clean(quoted.group(1)), PROSE + 0.1, ctx.source)
        opportunity(v, found, quoted.group(2), CLAUSE, ctx, name_first=False)
    elif later and not CAPITALISED_NAME.fullmatch(rest[: later.start()].strip()):
        # 'For the opportunity I was thinking "Ridgeline - Lot 7", type Standard': the
        # name in quotes after the writer's own words
        found.offer("opportunity_name", _clean(later.group(1)), PROSE, ctx.source)
    elif re.match(r"[A-Z0-9]", rest) and not _CLAUSE_START.match(rest):
        # ("This will be its own Project opp – I'll get you the name": no name)
        ends = _NAME_RUNS_ON.search(rest)
        # "opp BVR 17 Ave Reno factor tbd": the name, then the rest's values
        if ends and CAPITALISED_NAME.fullmatch(rest[: ends.start()]):
            found.offer("opportunity_name", _clean(rest[: ends.start()]), PROSE, ctx.source)
            opportunity(v, found, rest[ends.start() :], CLAUSE, ctx, name_first=False)
        else:
            opportunity(v, found, rest, PROSE, ctx, name_first=True)
    elif paren := re.match(r"\(([A-Z0-9][^()]{1,30}?\s[-–]\s[^()]{2,60})\)", rest):
        # "so the opportunity (HFD - Quayside Towns Block E) is won"
        found.offer("opportunity_name", _clean(paren.group(1)), PROSE, ctx.source)
    elif later:  # 'set the opportunity up in Salesforce as "BVR - Bowness Refit"'
        found.offer("opportunity_name", _clean(later.group(1)), PROSE, ctx.source)
    else:
        return False
    return True


# "Bow Valley needs a quote on BVR - Mission Infill Duplex, it's ...", "please quote PCH -
# Harvest Hills Duplex Plan B as a Standard": the job asked for by its opportunity's name
_QUOTE_ON = cued(re.compile(r"\b(?i:quote)\s+(?:(?i:on|for)\s+)?(?=[A-Z])"))
_JOB_NAME_ENDS = re.compile(r"\s*[,;(]\s*|\.\s|\s+(?:as|it(?:'|’)s|it is|for|with|and|but)\s+")


def _quoted_job(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """A name led by an account the organisation knows, right after "quote (on)"."""
    for m in _QUOTE_ON.finditer(text):
        name = _JOB_NAME_ENDS.split(text[m.end() : m.end() + 90], maxsplit=1)[0].strip()
        if is_opportunity_name(v, name):
            found.offer("opportunity_name", _clean(name), PROSE - 0.05, ctx.source)
            return


def _called(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """ "Call it PCH - Livingston Showhome 4.", "set it up as ...": a name in the
    "<Account> - <name>" form after "call it" / "name it" / "set it up as"; 'I'd like this
    opened as "Martel – Basement Windows 2030"': any name in quotes after them."""
    for sentence in sentences(text):
        m = NAMES_OPPORTUNITY.search(sentence)
        if not m:
            continue
        rest = sentence[m.end() :].rstrip(" .!?")
        quoted = re.match(r"[\"“«‘']([^\"”»’\n]{3,80})[\"”»’']", rest)
        if quoted:
            found.offer("opportunity_name", _clean(quoted.group(1)), PROSE, ctx.source)
            return
        name = re.split(r"\s*[,;(]\s*|\s+(?:and|but|for|since|because)\s+", rest)[0]
        words = name.split()
        if re.fullmatch(r"[A-Z0-9][\w&'’.]*(?:\s+[\w&'’.]+){0,3}\s+[-–]\s+\S.{0,60}", name) or (
            # "I've set it up as Northgate 2031 Rural Series, a Project opp": a name that
            # opens with the account
            2 <= len(words) <= 6 and nz.match_account(words[0], v.org) is not None
        ):
            found.offer("opportunity_name", _clean(name), PROSE, ctx.source)
            return
