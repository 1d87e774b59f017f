"""Reader: the stage, the type and the record type said in prose.

"we're at Submissions", "it's a project", "I have it at Approvals", "We're at 50% on this
one", "pt52 project 25% close end of next month", "Project as the type and Single as the
record type": a picklist value after (or before) the words that say which field it is, or a
stage by its win probability. Called by `prose_quote.read` on the paragraphs' text.
"""

from __future__ import annotations

import re

from intake.parsers.cues import cued
from intake.parsers.fields.common import Context, sentences
from intake.parsers.fields.patterns import FOR_NOW, PERCENT_SIGN, PERCENT_WORDS
from intake.parsers.fields.resolver import PROSE, Found
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded

# "it's a project", "this one is a project with installation", "as a standard": the
# article before a type value says what the opportunity is.
_TYPE_BEFORE = re.compile(
    r"\b(?:it(?:'|’)?s|it is|this(?: one)? is|that(?:'|’)?s|that is|(?:it|this) will be|"
    r"is|as|quote it as|set (?:it )?up as)\s+(?:a|an)\s+$"
    # "this time they want it as Project w/ installation"
    r"|\b(?:wants?|needs?|have|has|quote|set up|enter|book)\s+(?:it|this(?: one)?|them)\s+"
    r"(?:up\s+)?as\s+(?:an?\s+)?$",
    re.IGNORECASE,
)
_IS_CAPITALISED_VALUE = re.compile(r"\b(?:this(?: one)? is|it(?:'|’)s|it is)\s+$", re.IGNORECASE)
# ... unless the word is part of another noun: "it's a project manager's call".
_TYPE_NOT_AFTER = re.compile(
    r"\s*(?:manager|management|coordinator|lead|site|office|team|engineer|of\b)", re.I
)


def type_in_prose(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """ "PCH wants pricing - it's a project (three homes)", "so this one is a project with
    installation": an opportunity type after "it's a", the one such in the text."""
    if found.has("opportunity_type"):
        return
    said = set()
    for value, start, end in v.picklists["opportunity_type"].find(text):
        before = text[max(0, start - 30) : start]
        if _TYPE_BEFORE.search(before) and not _TYPE_NOT_AFTER.match(text, end):
            said.add(value)
        elif text[start].isupper() and _IS_CAPITALISED_VALUE.search(before):
            said.add(value)  # "this one is Project w/ installation": the value, capitalised
    if len(said) == 1:
        found.offer("opportunity_type", said.pop(), PROSE - 0.05, ctx.source)


# (the item may say it is for now: "Project, 5% for now, close end of Q2"; a busy writer
# runs the items on without commas: "pt52 project 25% close end of next month", "factor .47,
# 50% close 3/31": then the close date is the item after it)
_THEN_CLOSE = r",?\s+(?:close[sd]?|closing)\b"
_PERCENT_ITEM = cued(
    re.compile(
        r"(?:^|,\s*|(?<=\w)\s+)(\d{1,3})\s*%"
        rf"(?:\s+{FOR_NOW})?"
        rf"(?=\s*(?:$|[,;.]|\s[-–—]\s)|{_THEN_CLOSE})"
    )
)
# "pt52 std 25 close apr 30": the probability without its sign, right after the type and
# right before the close date, where the run of values leaves nothing else it could be
_BARE_PERCENT_ITEM = re.compile(r"\s*,?\s*(\d{1,3})" + rf"(?={_THEN_CLOSE})")


def _after_record_type(v: OrgVocabulary, sentence: str, end: int) -> str:
    """The words after a type, past a record type said with it ("std single 25 close")."""
    for _, start, stop in v.picklists["record_type"].find(sentence):
        if start > end and not sentence[end:start].strip():
            return sentence[stop:]
    return sentence[end:]


# "I have it at Approvals", "Priya has it at 50%": where the writer keeps the opportunity
_HAS_IT = r"(?:\w+ (?:have|has|had|got)|i(?:'|’)ve got) (?:it|this(?: one)?|the opp(?:ortunity)?)"


# "We're at 50% on this one", "bump it to 90%": a stage by its probability, with its sign
_AT_PERCENT = guarded(
    re.compile(
        r"\b(?:we(?:'|’)?re|we are|they(?:'|’)?re|they are|it(?:'|’)?s|stage(?: is)?|"
        rf"sitting|now|probability(?: is)?|{_HAS_IT}|"
        r"(?:i(?:'|’)?d|i would|let(?:'|’)?s|we(?:'|’)?d) "
        r"(?:call|put) it|(?:put|set|mark|move|bump|change|update) (?:it|this(?: one)?|"
        r"the stage|stage)(?= (?:at|to) )|"
        # "Stage you can put at 90%": the stage named first
        r"stage (?:you|we|i) (?:can|could|should|may) (?:put|set|mark|move)(?: it)?(?= (?:at|to) )|"
        # ("Pls move Maple Run Ph2 to 95%": the job named between)
        r"(?:bump|move|push)(?: it| [A-Z][^.!?\n]{0,40}?)?(?: up)?(?= to ))"
        r"\s+(?:at\s+|of\s+|to\s+)?"
        r"(?:(?:about|around|roughly|maybe|probably)\s+)?(\d{1,3})\s*"
        rf"{PERCENT_SIGN}(?!\s*(?:off|discount|of|deposit|down)\b)",
        re.IGNORECASE,
    )
)
# "stage 25", "move to 90": the probability without its sign after the word or the move
_STAGE_NUMBER = cued(
    guarded(
        re.compile(
            r"\b(?:stage\s*(?:is\s+|at\s+|of\s+|[:=-]\s*)?|(?:bump|move|push)(?: it)?(?: up)?"
            r"\s+to\s+)(\d{1,3})(?=\s*(?:$|[,.;!()–—]|-\s))",
            re.IGNORECASE,
        )
    )
)
# "we're at 50 now": the probability without its sign, in a sentence about the stage
_AT_NUMBER = cued(
    guarded(
        re.compile(
            r"\b(?:we(?:'|’)?re|we are|they(?:'|’)?re|they are|it(?:'|’)?s|it is)\s+"
            r"(?:now\s+)?at\s+(\d{1,3})(?=\s*(?:now|for now|%)?\s*(?:$|[,.;!–—-]))",
            re.IGNORECASE,
        )
    )
)
# "the opportunity (HFD - Block E) is won", "we won it"
_WON = cued(
    guarded(
        re.compile(
            r"\b(?:opp(?:ortunity)?|oppty|job|deal|project|order|it|this one|\))\s+"
            r"(?:is|was|has been|got)\s+(?:now\s+|officially\s+|finally\s+)?won\b"
            r"|\bwe(?:(?:'|’)ve| have)?\s+won\s+"
            r"(?:it|the (?:job|deal|project|opp(?:ortunity)?|order))\b",
            re.IGNORECASE,
        )
    )
)


def stage_by_probability(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """ "We're at 50% on this one": a stage named by its win probability."""
    lowered = text.lower()
    signed = any(word in lowered for word in PERCENT_WORDS)
    m = _AT_PERCENT.search(text) if signed else None  # its sign, or no match
    if m is None:
        # "use factor point five one, stage 25, close in 3 weeks", "approved, move to 90":
        # the word stage or a move, then the probability without its sign, as the whole clause
        m = _STAGE_NUMBER.search(text)
        m = m if m and v.pick("stage", m.group(1) + "%") else None
    if m is None:
        # "Stage update on Hadfield - we're at 50 now": a sentence about the stage gives
        # the probability without its sign
        # (or names the very stage: "They're at 25 - the funding application went in")
        for sentence in sentences(text):
            m = _AT_NUMBER.search(sentence)
            stage = v.pick("stage", m.group(1) + "%") if m else None
            if stage and re.search(
                rf"\b(?:stage|{re.escape(stage.split()[0])})\b", sentence, re.IGNORECASE
            ):
                break
            m = None
    if m is None:
        # "Project, 50%, closing the 30th", "Standard type, 90% - they've said yes": the
        # probability as one item of a list of the opportunity's values
        for sentence in sentences(text):
            m = _PERCENT_ITEM.search(sentence)
            if m and next(v.picklists["opportunity_type"].find(sentence), None):
                break
            m = next(
                (
                    said
                    for _, _, end in v.picklists["opportunity_type"].find(sentence)
                    if (said := _BARE_PERCENT_ITEM.match(_after_record_type(v, sentence, end)))
                    and v.pick("stage", said.group(1) + "%")
                ),
                None,
            )
            if m:
                break
    if m and not found.has("stage"):
        found.offer("stage", v.pick("stage", m.group(1) + "%"), PROSE - 0.1, ctx.source)
    # "the opportunity (HFD - Block E) is won", "we won it": the stage is Closed Won
    won = _WON.search(text)
    if won and not found.has("stage"):
        found.offer("stage", v.pick("stage", "Closed Won"), PROSE - 0.1, ctx.source)
    # "they're at the funding stage now": a stage value before the word "stage"
    for value, start, end in v.picklists["stage"].find(text):
        before = text[max(0, start - 30) : start]
        if re.search(r"\b(?:at|in|to|into|reached)\s+the\s+$", before, re.IGNORECASE) and re.match(
            r"\s+stage\b", text[end : end + 10], re.IGNORECASE
        ):
            found.offer("stage", value, PROSE, ctx.source)
            break


_CLAUSE_GAP = guarded(re.compile(r"\s*[,;]\s*|\s+-\s+|\.\s+"))


def bare_clauses(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """'Project, stage Submissions, mult x .49': a comma-separated clause that is exactly
    one picklist's value, written capitalised as a value is, names that picklist."""
    for sentence in sentences(text):
        parts = _CLAUSE_GAP.split(sentence.strip(" .!?"))
        named = [(part, v.picklist_of_value(part)) for part in parts if len(part.split()) <= 4]
        # ("project, submissions, close end of Q2": written lower case, the values still
        # say what they are when two picklists' values stand side by side)
        lower_ok = len({name for _, name in named if name}) >= 2
        for part, name in named:
            if name and (lower_ok or part[:1].isupper()) and not found.has(name):
                found.offer(name, v.picklists[name].match(part), PROSE - 0.1, ctx.source)


# "we're essentially at Approvals", "they're already at Submissions": how far along, said
# between the subject and "at"; one word, or an "-ly" adverb of the writer's own
_HOW_FAR = r"(?: only| still| now| just| already| pretty much| \w{3,}ly)"


def read(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """ "type is Standard, stage Funding": picklist values right after their cue word."""
    cues = {
        "stage": r"\b(?:stage|[ée]tape|"
        rf"(?:we|they|it)(?:'|’)?(?:re|s){_HOW_FAR}? at|"
        rf"(?:we|they) are{_HOW_FAR}? at|"
        r"it is at|currently at|now at|sitting at|sits at|still at|moved to|is at|in|"
        rf"{_HAS_IT} (?:at|in)|"
        # ("Please move the opp to Approvals", "can you bump it to Funding": asked for as
        # well as done; "You can move it to Approvals once they confirm" is for later)
        r"(?:(?:please|pls|can you|could you) (?:move|bump|change|update|set|put|mark)|"
        r"moved|bumped|changed|updated|set|put|marked) "
        r"(?:it|this(?: one)?|the opp(?:ortunity)?) "
        r"(?:to|at|in|as)?|(?:move|bump|change|update|set|put) (?:the )?stage (?:to|at)|"
        r"stage (?:I|we) (?:put|set|picked|chose)|stage (?:is|was) set to)\s*"
        r"(?:is|=|:|-|of|at)?(?:\s+the)?\s*$",
        # ("so back to Standard, no install from us": a change undone)
        "opportunity_type": r"\b(?:type|opp type|opportunity type)\s*(?:is|=|:|-)?\s*$"
        r"|\bback to\s+$"
        r"|\b(?:make|change|switch|set) (?:it|this(?: one)?|the type) (?:to |as |a |an )?$",
        "record_type": r"\brecord(?: type)?\s*(?:is|=|:|-)?\s*$",
    }
    # "Project as the type and Single as the record type": the value before its cue.
    after_cues = {
        "stage": r"\s+(?:as|for) (?:the )?stage\b|\s+stage\b"
        # "Early days – basic qualification at this point"
        rf"|\s+{FOR_NOW}\b",
        "opportunity_type": r"\s+(?:type|opp|oppty|opportunity)\b"
        r"|\s+as (?:the )?(?:opp(?:ortunity)? )?type\b",
        "record_type": r"\s+as (?:the )?record(?: type)?\b|\s+record(?: type)?\b",
    }
    for name, cue in cues.items():
        for value, start, end in v.picklists[name].find(text):
            before = text[max(0, start - 30) : start]
            after = text[end : end + 24]
            if re.search(cue, before, re.IGNORECASE) or re.match(
                after_cues[name], after, re.IGNORECASE
            ):
                found.offer(name, value, PROSE, ctx.source)
                break
            if name == "record_type" and len(value.split()) > 1:
                found.offer(name, value, PROSE - 0.1, ctx.source)
