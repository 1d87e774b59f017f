"""Reader: the special instructions a quote request says in prose.

"Please price each lot separately.", "Include removal and disposal of the old units.",
"Dealer is doing the install, just supply.": a sentence, or a clause of a run-on request,
that tells the quoter what to do with the quote. A sentence that states a value (a product,
a sum, the factor, a date the quote is due by) or is about the email itself ("please let me
know") is none; the label said without its colon ("Special instructions customer wants
black hardware") is one. These are surer than the plain sentences `prose_specs` guesses
are instructions."""

from __future__ import annotations

import re

from intake.parsers.cues import cued
from intake.parsers.fields import prose_specs
from intake.parsers.fields.common import Context, sentences
from intake.parsers.fields.patterns import _DIMENSION, _FIELD_CUE, _MONEY, _SIGN_OFF
from intake.parsers.fields.prose_due_date import _PRICE_VALIDITY, _asks_by_date
from intake.parsers.fields.prose_numbers import _USUAL_FACTOR
from intake.parsers.fields.resolver import GUESS, PROSE, RUN_ON, Found
from intake.parsers.fields.structure import Block
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded

# "Special instructions customer wants black hardware": the label said in a sentence, no colon
_SAID_INSTRUCTIONS = re.compile(
    r"^(?i:special instructions?|instructions)\s*(?:[:\-–]|are|is)?\s+(?P<what>[a-z].{8,})$"
)


def _said_instructions(found: Found, text: str, ctx: Context) -> None:
    if ctx.is_reply or found.has("special_instructions"):
        return
    for sentence in sentences(text):
        said = re.split(r"\.\s+(?i:thanks|thank you|thx|cheers|regards)\b", sentence)[0]
        m = _SAID_INSTRUCTIONS.match(said.strip().rstrip(" .!"))
        if m:
            found.offer("special_instructions", m["what"], PROSE - 0.15, ctx.source)
            return


# A sentence that tells the quoter what to do: "Please price each lot separately.",
# "Include removal and disposal of the old units.", "... so please include the hardware."
_INSTRUCTION_VERBS = (
    r"(?:include|show|ship|deliver|add|provide|list|break out|separate|split|itemi[sz]e|leave|"
    r"note (?:that |it |this )?on the quote|"
    r"mark|label|crate|rack|hold|exclude|omit|use|allow for|break\s+(?:\w+\s+){0,3}?out|"
    r"double[- ]check|make sure|ensure|verify|"
    # "so please copy him on the quote", "pls cc Dan": who else gets it
    r"copy|cc|"
    # "Send the quote straight to Gilles when done": where the quote goes
    r"(?:send|email|e-mail)\s+(?:the\s+)?(?:quote|it|pricing)(?:\s+(?:straight|directly))?\s+to)"
)
_QUOTE_VERB_HOW = re.compile(
    r"\b(?:separately|separate|each|per|individually|option|options|alternate|both|upgraded?|"
    r"with and without|line item|lines)\b"
    # "Quote it as prepaid, B2C terms": how to quote it
    r"|\b(?:quote|price)\s+(?:it|them|this|these|everything|all)\s+as\b"
    # "quote w/ installation + disposal of old units": what the price takes in
    r"|(?:\bwith|\bw/|\bincl\.?|\bincluding)\s*(?:the\s+)?"
    r"(?:install|installation|disposal|removal|tear[- ]?out)\b",
    re.IGNORECASE,
)
_INSTRUCTION = cued(
    guarded(
        re.compile(
            rf"^(?:(?:also|and|oh and|ps|p\.s\.)\s*[,:-]?\s*)?(?:please\s+|pls\s+|kindly\s+)?"
            rf"(?P<verb>{_INSTRUCTION_VERBS}|price|quote)\b"
            rf"|\b(?:please|pls|could you(?: please| also)?|can you(?: please| also)?)\s+"
            rf"(?P<asked>{_INSTRUCTION_VERBS}|price|quote)\b"
            # "pebble exterior on everything so double check availability": what to do, after "so"
            r"|\bso\s+(?:please\s+|pls\s+)?(?P<so>double[- ]check|make sure|check|verify)\b"
            # "Dealer is doing the install, just supply.", "NO install, supply only": who installs
            # "Need the install pricing broken out separate from product please."
            # "Need stamped shop drawings w/ the quote": what must come with it
            # "needs to be quoted w/ installation + disposal": how it is to be quoted
            r"|\b(?P<how>(?:needs?|has|have)\s+to\s+be\s+(?:quoted|priced)\s+"
            r"(?:with|w/|incl\.?|including|as|separately)(?!\w))"
            r"|\b(?P<need>needs?\b[^.!?\n]{0,40}?\b(?:broken out|split out|separated|itemi[sz]ed|"
            r"listed separately|shown separately|separate from|"
            r"(?:with|w/|along with)\s*(?:the|our|your)\s+(?:quote|pricing|numbers)\b))"
            r"|\b(?P<supply>(?:just|only) supply|supply[- ]only|no install(?:ation)?\b|"
            r"install(?:ation)? (?:is )?by (?:others|the dealer|the builder|them)|"
            r"(?:dealer|builder|customer|client|they|gc)(?:'s|’s| is| are)? (?:doing|handling) "
            r"(?:the |their own )?install)",
            re.IGNORECASE,
        )
    )
)


# What makes a please-sentence about the email, not the quote ("please let me know").
_NOT_INSTRUCTION = re.compile(
    r"\b(?:thanks|thank you|let me know|questions|call me|cheers|regards|fyi|merci|"
    r"see (?:the )?(?:attached|below|above)|"
    # "Please quote per the request below": the request is elsewhere, this points to it
    r"(?:per|as per|see|in)\s+(?:the\s+|my\s+|her\s+|his\s+|their\s+)?(?:request|e-?mail|"
    r"note|mail|message|draft|details|thread|chain)\s+(?:below|above|attached)|"
    # "Mark's list is below and his measure sheet is attached": where things are
    r"(?:is|are)\s+(?:below|above|attached|in the attachment))\b",
    re.IGNORECASE,
)


def _instruction_sentences(
    v: OrgVocabulary, found: Found, blocks: list[Block], ctx: Context
) -> None:
    """Sentences of instruction in the prose (and after the specs of a products label),
    surer than the plain sentences `prose_specs` guesses are instructions."""
    held = found.values.get("special_instructions")
    if ctx.is_reply or (held is not None and held.confidence > GUESS):
        return
    said: list[str] = []
    in_run_on = False
    for block in blocks:
        if block.kind == "prose":
            pieces = sentences(block.text)
        elif block.kind == "label" and block.target == "product_specs":
            pieces = sentences(_unwrapped(block))[1:]  # the specs' own later sentences
        else:
            continue
        for sentence in pieces:
            if _is_instruction(v, sentence, ctx):
                said.append(sentence)
            elif block.kind == "prose" and _is_run_on(v, sentence):
                clauses = _run_on_clauses(sentence)
                told = [c for c in clauses if _is_instruction(v, c, ctx, clause=True)]
                said.extend(told)
                in_run_on = in_run_on or bool(told)
        # a line typed as a thought of its own, which the paragraph ran into a field's line
        # ("record type Single, amount $31,400" over "needs to be quoted w/ installation")
        said.extend(
            line
            for line in block.thoughts()
            if not any(line in sentence for sentence in said) and _is_instruction(v, line, ctx)
        )
    if said and in_run_on:
        # a clause read out of a run-on is less sure than a sentence of its own (and an
        # unlabelled line of the form, whose lines the paragraph joined, is surer)
        found.offer("special_instructions", " ".join(said), RUN_ON, ctx.source)
    elif said:
        # The plain sentences already guessed hold these and more ("Install has to be done
        # before Dec 18. Please include casing."): they stand, now surer.
        if held is not None and all(sentence in str(held.value) for sentence in said):
            found.offer("special_instructions", held.value, PROSE - 0.15, held.source)
        else:
            found.offer("special_instructions", " ".join(said), PROSE - 0.15, ctx.source)


def _unwrapped(block: Block) -> str:
    """A label's value and the lines below it as one text: a line that starts lower-case
    continues the one above ("... Include" / "removal and disposal"), one that starts with a
    capital after an unpunctuated line is a sentence of its own ("Quote valid 60 days")."""
    text = block.text
    for line in block.lines:
        line = line.strip()
        joined = line[:1].islower() or text.rstrip()[-1:] in (".", "!", "?", ";", ":", "")
        text = text.rstrip() + (" " if joined else ". ") + line
    return text


# "..., owner wants screens on every unit", "they want a per-home breakdown": in a run-on,
# what the customer wants done (not the quote itself, nor when they sign).
_WANTS_DONE = re.compile(
    r"^(?:and\s+|also\s+)?(?:the\s+)?(?:they|owner|owners|customer|client|builder|"
    r"homeowners?|dealer|super|gc|he|she)\s+(?:wants?|needs?|would like|(?:'|’)d like)\s+"
    r"(?!(?:to\s+)?(?:pricing|a quote|quote|numbers|prices?|sign|close|decide|award|commit)\b)",
    re.IGNORECASE,
)


# "The two pictures facing the deck need to be tempered.": what the products must be made as
_MUST_BE_DONE = re.compile(
    r"^(?:the|all|both|every|each|any)\b[^,;]{3,60}?\b(?:needs?|have|has|must|should)\s+"
    r"(?:to\s+)?be\s+(?:tempered|laminated|obscured?|frosted|painted|stained|"
    r"\w+ed\s+(?:with|in|to)\b)",
    re.IGNORECASE,
)


def _is_run_on(v: OrgVocabulary, sentence: str) -> bool:
    """One sentence written as a whole request: four or more comma clauses on one line,
    among them the products or a field ("..., factor is .53, opp name ...")."""
    return (
        "\n" not in sentence.strip()
        and sentence.count(",") >= 3  # (what the pattern counts, and cheaper to rule out)
        and len(re.findall(r",\s+", sentence)) >= 3
        and bool(_FIELD_CUE.search(sentence) or v.qty_product.search(sentence))
    )


# "... double check availability thx Alex": thanks and a name run into the last clause
_THANKS_AT_END = re.compile(r"\s+(?:thx|thanks|thank you|ty|cheers)\b[\s\w.!]{0,30}$", re.I)


def _run_on_clauses(sentence: str) -> list[str]:
    """The comma clauses of a run-on sentence ("..., factor is .53, opp name ..., please
    break the pricing out per home, thanks!")."""
    clauses = []
    for clause in re.split(r",\s+|\s[-–—]\s", sentence):
        # "... not our yard. thx P": a sign-off run into the last clause is no part of it
        # ("..., close end of Oct. pls send the quote to me": each sentence its own clause)
        for piece in re.split(r"(?<=[.!?])\s+", clause):
            if _SIGN_OFF.match(piece):
                continue
            piece = _THANKS_AT_END.sub("", piece).strip(" .!?")
            piece = re.sub(r"^(?i:and|also|oh and|plus)\s+", "", piece)  # "..., and please ..."
            if piece:
                clauses.append(piece)
    return clauses


_ABOUT_PRICING = cued(re.compile(r"\b(?:quote|pric|numbers|approv)", re.IGNORECASE))


def _is_instruction(v: OrgVocabulary, sentence: str, ctx: Context, *, clause: bool = False) -> bool:
    """A sentence (or a run-on's clause) telling the quoter what to do."""
    m = _INSTRUCTION.search(sentence)
    wants = clause and _WANTS_DONE.search(sentence)
    if not clause and _MUST_BE_DONE.search(sentence):  # a product said in it is the point
        return not (
            _FIELD_CUE.search(sentence)
            or _NOT_INSTRUCTION.search(sentence)
            or _ABOUT_PRICING.search(sentence)
            or _MONEY.search(sentence)
            or _DIMENSION.search(sentence)
        )
    if (not m and not wants) or _FIELD_CUE.search(sentence) or _NOT_INSTRUCTION.search(sentence):
        return False
    verb = (m["verb"] or m["asked"] or m["so"] or "").lower() if m else ""
    if (
        m
        and not wants
        and verb in ("price", "quote")
        and not (_QUOTE_VERB_HOW.search(sentence) or _PRICE_VALIDITY.search(sentence))
    ):
        return False  # "Please quote the following" asks for the quote itself
    return not (
        v.qty_product.search(sentence)
        or _MONEY.search(sentence)
        or prose_specs.states_amount(sentence)
        or prose_specs.states_factor(sentence)
        or _USUAL_FACTOR.search(sentence)
        or (clause and prose_specs.DECIDES.search(sentence))
        or _asks_by_date(sentence, ctx, clause=clause)
        or len(sentence.split()) < 4
    )
