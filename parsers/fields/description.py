"""A service request's description: the sentences of its prose that say what is wrong, without
greetings, contact details, self-introductions, attachment notes, requests for a visit, how
urgent it is or the context around the fault; of a long story only the fault. (`case_note`
then says it as the team notes a fault.)"""

from __future__ import annotations

import re

from intake.parsers.cues import cued
from intake.parsers.fields.common import _clean, _strip_greeting, sentences
from intake.parsers.fields.lexicon import DEFECT_CUES, REQUEST_CUES
from intake.parsers.fields.patterns import (
    _ADDRESS,
    _ADDRESS_CUE,
    _CALLER,
    _GREETING,
    _REFERENCE,
    _SIGN_OFF,
)
from intake.parsers.fields.patterns import (
    _PHONE_SHAPE as _ANY_PHONE_SHAPE,
)
from intake.parsers.fields.site_address import _address_spans
from intake.parsers.fields.structure import Block
from intake.parsers.first_chars import guarded
from intake.parsers.remembered import remembered

# Matched on lower-cased text with straight apostrophes.
_DEFECT = guarded(re.compile(r"\b(?:" + "|".join(DEFECT_CUES) + ")"))
# The state a fault leaves the opening in ("the lockset still locks so the house is
# secure"): part of the description even in a sentence that also asks for a visit
_STATE = guarded(
    re.compile(
        r"\bstill (?:locks?|closes?|opens?|latches?|works?)\b|\b(?:is|are|stays?) secure\b|"
        r"\bdoes(?:n't| not)? (?:lock|close|latch)\b"
    )
)
_REQUEST = guarded(re.compile(r"\b(?:" + "|".join(REQUEST_CUES) + ")"))
# Searched in every sentence: each of these is guarded by the characters its matches start
# with (see first_chars), which makes the searches two to three times faster.
# (and remembered: each sentence is asked about up to three times)
_PHONE_SHAPE = remembered(guarded(_ANY_PHONE_SHAPE))


def _cut_contact_tail(sentence: str, region: str) -> str:
    """An unpunctuated message that runs on into the address and phone ("... can somebody
    come fix it 19 mapleridge cres se calgary dave 403 555 0147"): the part before them."""
    starts = [s for s, _, _ in _address_spans(sentence, region)]
    phone = _PHONE_SHAPE.search(sentence)
    if phone:
        starts.append(phone.start())
    if not starts:
        return sentence
    cut = min(starts)
    before, tail = sentence[:cut], sentence[cut:]
    for start, end, _ in sorted(_address_spans(tail, region), reverse=True):
        tail = tail[:start] + tail[end:]
    tail = _PHONE_SHAPE.sub(" ", tail)
    fault = _DEFECT.search(before.replace("’", "'").lower())
    if fault and len(before.split()) >= 5 and len(re.findall(r"[^\W\d_]+", tail)) <= 3:
        return before.rstrip(" ,;:-–")
    return sentence


def _only_an_address(sentence: str, region: str) -> bool:
    """A sentence (a line) that is an address and nothing more."""
    said = sentence.strip().rstrip(" .")
    return any(start == 0 and end >= len(said) for start, end, _ in _address_spans(said, region))


# "I manage the Bowness Court building and one of your casements ...": who the sender is,
# run into the clause that names the fault
_INTRODUCTION = re.compile(
    r"^(?:I|we)\s+(?:manage|look after|run|own|rent|live in|am the [\w ]{3,30}? (?:for|of|at))"
    r"\b[^,]{0,80}?\s+and\s+(?=\S)",
    re.IGNORECASE,
)
# A whole message written as one sentence: many comma clauses, many words.
RUN_ON_CLAUSES, RUN_ON_WORDS = 5, 50


def _is_run_on_story(sentence: str) -> bool:
    """ "I manage the building, one of your casements has come apart, we've taped off the
    area, the tenant can't close it, I've attached a photo, can someone come today?" """
    return (
        len(sentence.split()) >= RUN_ON_WORDS
        and len(re.findall(r",\s+", sentence)) + 1 >= RUN_ON_CLAUSES
    )


def _fault_clauses(sentence: str, *, faults_only: bool = False) -> str:
    """A long run-on sentence that also gives a phone ("the super says three units are
    fogging, they went in on SO-..., Kyle Brenner 403-..., can you book someone"): the
    comma clauses that say what is wrong, or what to do about it. `faults_only`: of a
    whole message written as one sentence, only the clauses that name the fault."""
    text = re.sub(r"\s*\([^)]*\)", "", sentence)
    lead = re.search(
        r"\b(?:says|said|reports|reported|tells me|told me|mentioned)\s+(?:that\s+)?", text
    )
    if (
        lead
        and len(text[: lead.start()].split()) <= 20
        and not _DEFECT.search(text[: lead.start()].lower())
    ):
        text = text[lead.end() :]
    kept: list[str] = []
    for clause in re.split(r",\s+", text):
        clause = _INTRODUCTION.sub("", clause.strip().rstrip(".!"))
        lowered = clause.replace("’", "'").lower()
        if not clause or _PHONE_SHAPE.search(clause) or _REFERENCE.search(clause):
            continue
        if _NOT_PROBLEM.search(clause) or _SIGN_OFF.match(clause):
            continue  # "..., thank you Brenda Kowalczyk"
        clause = _after_address(clause)
        lowered = clause.replace("’", "'").lower()
        if _ADDRESS.search(clause) or (_REQUEST.search(lowered) and not _DEFECT.search(lowered)):
            continue
        if faults_only and (not _DEFECT.search(lowered) or _not_problem(clause)):
            continue
        kept.append(re.sub(r"^(?i:(?:can|could|would) you (?:please )?)", "", clause))
    if not any(_DEFECT.search(k.replace("’", "'").lower()) for k in kept):
        return ""
    return ", ".join(kept)


def _after_address(clause: str) -> str:
    """ "we had windows put in about 2 yrs ago at 3318 Parsons Rd NW in Edmonton and the big
    window has gone foggy": of a clause that runs on past the address into the fault, the
    fault; any other clause as it is."""
    address = _ADDRESS.search(clause)
    if not address:
        return clause
    rest = re.sub(r"^[\s,;]*(?:and|but|so)?\s+", "", clause[address.end() :])
    lowered = rest.replace("’", "'").lower()
    return rest if len(rest.split()) >= 4 and _DEFECT.search(lowered) else clause


def _table_problems(block: Block) -> str:
    """A table of problems ("Suite | Issue | Access"): each row up to its issue column."""
    if len(block.rows) < 2:
        return ""
    header = [c.lower() for c in block.rows[0]]
    column = next(
        (
            i
            for i, c in enumerate(header)
            if re.search(r"\b(?:issue|problem|defect|fault|description|what'?s wrong)\b", c)
        ),
        None,
    )
    if column is None:
        return ""
    rows = [r for r in block.rows[1:] if len(r) > column]
    return "; ".join(_clean(" ".join(r[: column + 1])) for r in rows)


# A long story is cut to the sentences that describe the fault.
LONG_STORY_WORDS = 80


# A line that is a person's name, with their role or firm after a comma
_WHO_LINE = re.compile(r"[A-ZÀ-Ý][\w'’.-]+(?: [A-ZÀ-Ý][\w'’.-]+){1,2}(?:,\s*[^.!?\n]{1,40})?")
_LOWER_STARTS = re.compile(r"[.!?]\s+[a-zà-ÿ]")
_UPPER_STARTS = re.compile(r"[.!?]\s+[A-ZÀ-Ý]")


def _description(blocks: list[Block], region: str = "CA") -> str:
    """The problem in the sender's words: prose sentences that are not greetings, contact
    details, self-introductions, attachment notes, requests to be called or the logistics
    of a visit (unless they also say what is wrong); of a long story, only the sentences
    that describe the fault."""
    kept: list[tuple[str, bool]] = []
    for block in blocks:
        if block.kind == "table":
            problems = _table_problems(block)
            if problems:
                kept.append((problems, True))
            continue
        text = block.text if block.kind == "prose" else "; ".join(block.lines)
        if block.kind == "prose" and _GREETING.fullmatch(text + " "):
            continue
        pieces = sentences(text)
        if block.kind == "prose" and block.typed_a_thought_a_line():
            # a phone's lines, each a thought, no stops ("customer Doug Pruitt, 403-555-0152"
            # over "his picture window has condensation between panes"): a line each, but
            # for a line that only names someone ("Harpreet Sandhu", "Curtis Yellowhorn, site
            # super PCH"): who, not what
            pieces = [
                piece
                for line in block.said_lines
                if not (_WHO_LINE.fullmatch(line) and not describes_fault(line))
                for piece in sentences(line)
            ]
        if _LOWER_STARTS.search(text) and not _UPPER_STARTS.search(text):
            # no sentence starts with a capital ("morning, got a cracked frame. bottom corner
            # is split."): ". " ends a sentence
            pieces = [p for s in pieces for p in re.split(r"(?<=[.!?])\s+", s) if p]
        for sentence in pieces:
            sentence = _strip_greeting(sentence)
            caller = _CALLER.match(sentence)
            if caller and caller.group("sep") in "–—:;-" and caller.end() < len(sentence):
                rest = sentence[caller.end() :].strip()
                sentence = rest[:1].upper() + rest[1:]
            sentence = re.sub(r"^(?i:hi|hello|hey)\s+(?=[a-z]+\s+[a-z])", "", sentence)
            sentence = _cut_contact_tail(sentence, region)
            if _only_an_address(sentence, region):
                continue  # "harbour view flats 9020 jasper ave edmonton": where, not what
            sentence = _TRAILING_URGENCY.sub("", sentence)
            if _PHONE_SHAPE.search(sentence) and len(sentence.split()) >= 20:
                sentence = _fault_clauses(sentence, faults_only=_is_run_on_story(sentence))
                if not sentence:
                    continue
            elif _is_run_on_story(sentence):
                sentence = _fault_clauses(sentence, faults_only=True)
                if not sentence:
                    continue
            if _not_problem(sentence):
                continue
            address = _ADDRESS.search(sentence)
            if address:
                before, after = sentence[: address.start()], sentence[address.end() :]
                if after.startswith(",") and len(before.split()) <= 6:
                    before = ""  # "At their reno at <address>, the door ...": the lead goes too
                rest = re.sub(r"\s*\(\s*\)|\s+(?=[.,;:!?])", "", before + after)
                rest = _clean(re.sub(r",(?:\s*,)+", ",", rest))  # "build, <address>, tells"
                cue = _ADDRESS_CUE.search(sentence[max(0, address.start() - 25) : address.start()])
                if cue or len(rest.split()) < 5:
                    continue
                sentence = rest[:1].upper() + rest[1:] if not before else rest
            sentence = _without_history_lead(_without_urgency_aside(sentence))
            if len(sentence.split()) < 2:
                continue
            lowered = sentence.replace("’", "'").lower()
            defect = bool(_DEFECT.search(lowered))
            if not defect and _REQUEST.search(lowered) and not _STATE.search(lowered):
                continue
            if not defect and _context_only(sentence):
                continue
            kept.append((sentence, defect))
    if sum(len(s.split()) for s, _ in kept) > LONG_STORY_WORDS and any(d for _, d in kept):
        kept = [(s, d) for s, d in kept if d]
    return " ".join(s for s, _ in kept)


def describes_fault(text: str) -> bool:
    """Does the text name a defect ("cracked", "won't lock", "leaking")?"""
    return bool(_DEFECT.search(text.replace("’", "'").lower()))


# Said around a fault, never the fault: who is writing ("Corey from Ridgeline Custom
# Builds.", "I'm the board president at ..."), who sent them ("Referral from Bow Valley"), a
# pleasantry ("Hope you're well.", "Happy to pay if it's not covered.") or photos to come.
_CONTEXT = cued(
    guarded(
        re.compile(
            r"\b(?:i(?:'|’)m|i am) (?:the|a|an|one of)\b|^[A-Z][a-z]+ (?:here )?from [A-Z]|"
            # "aspen & oak counter here", "Becca here": who writes, said as a phone call opens
            r"^[\w&'’. -]{2,40}?\bhere[.!]?$|"
            r"\breferr(?:al|ed) (?:from|by)\b|\basked me to (?:write|send|email|contact)\b|"
            r"\bhope (?:you|all|this (?:\w+ )?finds)\b|\bhappy to (?:pay|cover|send|help)\b|"
            r"\bdo the needful\b|"
            r"\b(?:will|i(?:'|’)ll|we(?:'|’)ll) (?:send|forward) (?:more |some )?"
            r"(?:pics|pictures|photos|images|video)\b|\b(?:pics|photos) (?:to follow|later)\b",
            re.IGNORECASE,
        )
    )
)


# "Not urgent, it isn't leaking or anything, but we'd like someone to look at both": how
# urgent it is (the urgency reader's business), and what follows a "but"
_URGENCY_ASIDE = cued(
    re.compile(
        r"^(?:it(?:'|’)?s |this is |it is )?(?:not (?:urgent|an emergency|a big deal)|"
        r"nothing urgent|no rush|no emergency)\b(?:.*?\bbut\b\s*(?P<rest>.*))?",
        re.IGNORECASE | re.DOTALL,
    )
)


# "... dripping on the electrical panel need somebody asap this is an emergency": how urgent,
# said at the end of the fault's own sentence (the urgency reader's business)
_TRAILING_URGENCY = cued(  # run only on text holding its cues (cues.py)
    re.compile(
        r"[\s,;:-]*\b(?:this is|it(?:'|’)?s|it is) (?:an? )?(?:real |total )?(?:emergency|urgent)"
        r"[\s.!]*$",
        re.IGNORECASE,
    )
)


# "picked up the order last week (PO 2291) and 4 of the screens are an inch short": the
# history the fault is told after, up to its "and"
_LEAD_AND = re.compile(r"(?P<lead>.+?)\s+and\s+(?P<rest>.+)", re.DOTALL)


def _without_history_lead(sentence: str) -> str:
    """A sentence that tells the order's history, then "and" the fault: the fault."""
    m = _LEAD_AND.match(sentence)
    if not m:
        return sentence
    lead, rest = (m.group(g).replace("’", "'").lower() for g in ("lead", "rest"))
    history = _REFERENCE.search(m.group("lead")) or _REQUEST.search(lead)
    if history and not _DEFECT.search(lead) and _DEFECT.search(rest):
        return m.group("rest")
    return sentence


def _without_urgency_aside(sentence: str) -> str:
    """A sentence that opens by saying how urgent the matter is: what it goes on to say
    after "but" if that names a fault, else nothing."""
    aside = _URGENCY_ASIDE.match(sentence)
    if not aside:
        return sentence
    rest = aside.group("rest") or ""
    lowered = rest.replace("’", "'").lower()
    if _DEFECT.search(lowered) and not _REQUEST.search(lowered):
        return rest[:1].upper() + rest[1:]
    return ""


def _context_only(sentence: str) -> bool:
    """A sentence naming no fault that only gives context: a question to the team ("Is
    this normal for new windows?"), the order or job it concerns ("Original order
    SO-558940."), who writes or sent them, a pleasantry (`_CONTEXT`). The case keeps the
    whole message; its description keeps the fault."""
    return (
        sentence.rstrip().endswith("?")
        or bool(_REFERENCE.search(sentence))
        or bool(_CONTEXT.search(sentence))
    )


def _not_problem(sentence: str) -> bool:
    if _PHONE_SHAPE.search(sentence):
        return True
    return bool(
        _NOT_PROBLEM.search(sentence) or _SIGN_OFF.match(sentence) or _WHO_OR_LATER.search(sentence)
    )


_NOT_PROBLEM = cued(
    guarded(
        re.compile(
            r"\b(?:attached|attaching|ci-joint|see photos?|this is [A-Z]\w+|my name is|"
            r"(?:please )?(?:call|contact|reach|text) (?:me|us|her|him|them|\w+ directly)|"
            r"(?:call|text)(?: or (?:call|text))? (?:me |us )?(?:at |on )?(?:this|that|my) "
            r"(?:number|cell|phone)|"
            r"best (?:number|time)|sent from my|thanks|thank you|merci|"
            # a photo sent in French, an inline image's name, a letter's sign-off
            r"j(?:'|’)ai joint|je vous joins|joint une photo|image: [\w.-]+|"
            r"yours (?:faithfully|sincerely|truly))\b",
            re.IGNORECASE,
        )
    )
)


# "The site super is Kyle Brandt.", "I don't have his cell handy, I'll send it over": who
# the contact is, or what the sender will send later, is no part of the fault
_WHO_OR_LATER = cued(
    guarded(
        re.compile(
            r"\b(?i:site super(?:intendent)?|site contact|site lead|contact|home ?owner|owner|"
            r"tenant|"
            r"foreman|super)(?:'s name)? (?i:is|will be) [A-ZÀ-Ý][a-zà-ÿ'’-]+ [A-ZÀ-Ý]"
            # "addr - he's gonna email it to me, will fwd", "The site address will be advised
            # by our Site Engineer": a value still to come
            r"|\b(?i:(?:gonna|going to|will|(?:'|’)ll) (?:email|e-mail|send|text|fwd|forward) "
            r"(?:it|them|that|this))\b"
            r"|\b(?i:(?:address|number|phone|contact|details?) (?:will|shall) be "
            r"(?:advised|sent|provided|confirmed|forwarded))\b"
            r"|\b(?i:i(?:'|’)ll send|i will send|(?:don(?:'|’)t|do not) have (?:his|her|their|the) "
            r"(?:cell|number|phone|mobile))\b"
        )
    )
)
