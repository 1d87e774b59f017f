"""The regular expressions the readers share: product lines, sizes, cue words, sign-offs,
references, addresses, phones, money."""

from __future__ import annotations

import re
from functools import lru_cache

from intake.parsers.cues import Cued, cued
from intake.parsers.fields.lexicon import PRODUCT_NOUNS, URGENCY_WORDS
from intake.parsers.first_chars import guarded
from intake.parsers.normalise import FACTOR_WORDS

_URGENCY_WORDS = re.compile(URGENCY_WORDS, re.IGNORECASE)
# "not urgent", "no emergency", "not really urgent", "I would not call it an emergency",
# "It is not, I should say, an emergency" (an aside between commas)
_NEGATION = re.compile(
    r"(?:\bnot|\bno|\bnon|n't|\bpas|\bnothing)(?:,[^,\n]{1,20},)?[\s-]+(?:\w+\s+)?"
    r"(?:(?:call|consider|say|think|it|this|that|an?|is|be|really|as)\s+){0,3}"
    # ("nothing is urgent or dangerous": the second of two words the "not" covers)
    r"(?:\w+\s+(?:or|nor)\s+)?$",
    re.I,
)

_COUNT_WORD = (
    r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"a dozen|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze)"
)


_COUNT_WORDS = _COUNT_WORD[3:-1].split("|")
# A digit or the first letter of a count word, in either case
_QUANTITY_START = "[\\d" + "".join(sorted({w[0] + w[0].upper() for w in _COUNT_WORDS})) + "]"
# "Phase 2 package", "Lot 14 windows", "Block 3 doors": a number naming a place, no count
_NOT_AN_IDENTIFIER = "".join(
    rf"(?<!\b{word} )"
    for word in ("phase", "ph", "lot", "block", "blk", "bldg", "building", "suite", "stage",
                 "level", "floor", "model")
)  # fmt: skip


_A_DIGIT = re.compile(r"\d")


class Counted(Cued):
    """A quantity-and-product pattern that runs only on text holding what its every match
    opens with: a digit (as `\\d` finds one) or a count word (its cues). Most sentences of a
    request have neither, and the pattern, tried at each digit and letter of a count word,
    is among the costliest a sentence meets."""

    __slots__ = ()

    def may_match(self, text: str) -> bool:
        return _A_DIGIT.search(text) is not None or super().may_match(text)


@lru_cache(maxsize=16)
def quantity_product_pattern(nouns: tuple[str, ...]) -> Counted:
    """ "14 casements", "6 x patio slider", "six double-hung windows", "qty 54 awning"."""
    words = sorted({n.strip().lower() for n in nouns if n.strip()}, key=len, reverse=True)
    alternation = "|".join(r"[\s-]+".join(re.escape(w) for w in n.split()) for n in words)
    regex = re.compile(
        # the first character first: the lookbehinds after it are tried only where a
        # quantity can start (a third of the pattern's time on prose)
        # (a year is no quantity: "Q3 2029 Unit Run")
        rf"(?={_QUANTITY_START})(?<![\w.-]){_NOT_AN_IDENTIFIER}(?!(?:19|20)\d\d\b)"
        rf"(?:\d{{1,4}}(?!\d)|{_COUNT_WORD})\s*"
        r"(?:x\s+|×\s*|pcs?\s+|qty\s+|[-–]\s+(?=\S))?"  # "6 - 2-lite slider 60x48"
        # (the words between may name a series by number, "6 x Series 3000 double hung", or
        # a width in feet, "1 x 6' two-panel sliding patio door")
        rf"(?:(?:[A-Za-zÀ-ÿ][\w/-]*|\d{{3,5}}|\d{{1,2}}(?:'|’|-?ft\b|-foot\b)|\d{{1,5}}-[a-z]+)\s+){{0,3}}?"
        rf"(?:{alternation})(?:e?s)?\b",
        re.IGNORECASE,
    )
    return Counted(regex, frozenset(_COUNT_WORDS))


_QTY_PRODUCT = quantity_product_pattern(tuple(PRODUCT_NOUNS))
_DIMENSION = re.compile(
    r"\b\d{1,3}(?:\.\d+)?\s*(?:\"|''|in|po)?\s*(?:[x×]|by|par)\s*\d{1,3}(?:\.\d+)?\b"
)
_TABLE_HEADER_WORDS = {
    "qty", "quantity", "qte", "qté", "product", "produit", "type", "size", "dimensions",
    "glass", "vitrage", "colour", "color", "couleur", "mark", "repere", "line", "item",
    "width", "height", "description", "unit", "model", "in", "w", "h", "x", "po",
}  # fmt: skip

# A value said for the time being: "Factor 50 to start", "5% for now", "basic qual at this
# point"
# A percentage's sign, or the words people write for it ("25 per cent", "25 percent", "25pct")
PERCENT_SIGN = r"(?:%|\s?per\s?cent\b|\s?pct\b)"
PERCENT_WORDS = ("%", "cent", "pct")  # one of these is in every text PERCENT_SIGN matches in

FOR_NOW = (
    r"(?:for now|for starters|to start|to begin(?: with)?|initially|at this (?:point|stage|time)|"
    r"at the moment|so far|right now|currently)"
)

# A cell that is a factor alone, its label at most abbreviated: ".47", "x.47", "@ .47",
# "f .49", "fctr: 0,58"; a whole number only after its label ("f 52", "factor 55%"), for a
# bare "52" in a cell is a count or a lot
_CELL_FACTOR_LABEL = rf"(?i:{FACTOR_WORDS}|f)"
FACTOR_CELL = re.compile(
    _CELL_FACTOR_LABEL
    + r"?\s*[:=]?\s*[x×@]?\s?(?P<value>0?[.,]\d{2,3})|"
    # "f .5": one decimal, only after its label
    + _CELL_FACTOR_LABEL
    + r"\s*[:=]?\s*[x×@]?\s?(?P<tenths>0?[.,][2-9])|"
    + _CELL_FACTOR_LABEL
    + r"\s*[:=]?\s*(?P<whole>[2-9]\d)\s*%?"
)

# Words that say a sentence is about a field or about the email itself, not an instruction.
_FIELD_CUE = cued(
    guarded(
        re.compile(
            # (and the AMs' shorthand for them: "fctr .50 ok'd by lena")
            r"\b(?:factor|fctr|facteur|multiplier|opp|oppty|opportunity|opportunit[ée]|stage|stg|"
            r"[ée]tape|close|"
            r"closing|cl[ôo]ture|amount|montant|account|record type|quote due|due date|"
            r"(?:make|change|set) (?:the|it to) type)\b",
            re.IGNORECASE,
        )
    )
)
# The verb a name for the opportunity follows: "call it", "set it up as", "this opened as",
# "open it in SF under"
NAMES_OPPORTUNITY = cued(
    guarded(
        re.compile(
            r"\b(?i:(?:call|name|title)\s+(?:it|this(?: one)?)"
            r"|set\s+(?:it|this(?: one)?)\s+up(?:\s+in\s+(?:sf|salesforce|the crm))?\s+as"
            r"|(?:it|this(?: one)?)\s+(?:opened|set up|entered|logged|created)"
            r"(?:\s+in\s+(?:sf|salesforce|the crm))?\s+(?:as|under)"
            r"|(?:open|log|enter|create|put|file)\s+(?:it|this(?: one)?)\s+(?:up\s+)?"
            r"(?:in\s+(?:sf|salesforce|the crm)\s+)?(?:as|under)"
            # "a Standard opp I've named Clearview - Lethbridge retrofit"
            r"|(?:i(?:'|’)ve|i have|i)\s+(?:named|called|titled)(?:\s+it)?)\s+(?=[A-Z0-9\"“«‘'])"
        )
    )
)
_META = cued(
    guarded(
        re.compile(
            r"\b(?:below|above|attached|attachment|ci-joint|thanks|thank you|merci|let me know|"
            r"questions|call me|cheers|regards|fyi|i'm off|i am off|out of (?:the )?office|"
            r"back (?:on )?(?:monday|tuesday|wednesday|thursday|friday|tomorrow)|"
            # the sender's own follow-up: "I'll send the final number once we land on it"
            r"i(?:'|’)?ll send|i will send|once we (?:land|decide|settle|agree|confirm)|"
            # "Timing I'm still sorting out with them, I'll let you know."
            r"let you know|i(?:'|’)?ll (?:get back|get you|confirm|update|follow up)|"
            r"still (?:sorting|working|waiting|figuring|finali[sz]ing)|"
            r"(?:rest|details|more) to follow|"
            r"waiting on \w+ for|(?:will|i(?:'|’)?ll) (?:send|get) (?:both|the rest|it|them|you)|"
            r"\w+ to follow|sitting down with)\b",
            re.IGNORECASE,
        )
    )
)
# A word of a company's name ("Prairie Crest Homes", "Bow Valley Renovations"), capitalised
COMPANY_WORD = re.compile(
    r"\b(?:Homes|Builders|Construction|Developments?|Renovations|Contracting|Group|Ltd|Inc|"
    r"Corp|Co|Properties|Property|Management|Realty|Dealers?|Windows|Doors|Centre|Center|"
    r"Dental|Clinic|Services)\b"
)
# A desk that signs a mail ("PCH Warranty Dept.", "Service Team", "Customer Care"): a
# department, never a person to call
DEPARTMENT = re.compile(
    r"\b(?:dept|department|team|desk|division|warranty|customer (?:care|service)|support)\b",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^(?:thanks|thank you|thx|ty|cheers|regards|best|best regards|kind regards|warm regards|"
    r"with (?:kind |best |warm )?regards|respectfully|yours|god bless|"
    r"sincerely|many thanks|merci|merci beaucoup|cordialement|salutations|bonne journ[ée]e|"
    r"sent from my \w+|envoy[ée] de mon \w+|get outlook for \w+)\b[^\n]{0,30}$",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening|day)|morning|afternoon|bonjour|"
    r"allo|salut|greetings|to whom it may concern|g(?:'|’)?day|howdy|namaste|hiya|yo)\b"
    r"[^.!?\n]{0,40}?[,!:\-–]\s*",
    re.IGNORECASE,
)
_FORWARD_HEADER = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded|original) message\s*-{2,}|begin forwarded message:?|"
    r"-{3,}\s*forwarded by .{3,120}?-{3,}|"  # Notes/Domino: "----- Forwarded by X on ... -----"
    r"(?:from|sent|date|to|cc|subject|de|envoy[ée]|[àa]|objet)\s*:.*)$",
    re.IGNORECASE,
)
# "PO-45821", "SO 558213" are kept as written; "order #12345", "job 4471" give the number.
_REFERENCE = cued(  # only texts with its cues, where a match can start
    guarded(
        re.compile(
            # ("WO PO-55120": a work order's PO is the PO, the word before it only says what it is)
            r"\b(?:(?-i:PO|SO|WO|P\.O\.|S\.O\.|INV|RMA)\s*[-#:]?\s*(?!(?-i:PO|SO|WO|INV|RMA)\b)"
            r"(?:[A-Z]{2,5}-)?\d{3,}[-\w]*"
            # ("Warranty request WR-3318": a builder's own numbered request)
            r"|(?:order|job|work order|invoice|ticket|claim|case|commande|bon de commande|"
            r"(?:warranty|service) request)\s*"
            r"(?:#|no\.?|number|num[ée]ro|n[°o])?\s*(?:is\s+|est\s+)?:?\s*"
            r"((?-i:[A-Z]{0,4}-?\d{4,}(?:-\d{1,6}){0,2}|[A-Z]{2,4}(?:-[A-Z0-9]{1,6}){1,3})))\b",
            re.IGNORECASE,
        )
    )
)
_PROVINCES = r"(?:AB|BC|SK|MB|ON|QC|NS|NB|PE|NL|YT|NT|NU|Alberta|Saskatchewan|Manitoba|Ontario)"
_STREET_TYPE = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Drive|Dr|Boulevard|Blvd|Crescent|Cres|Close|Court|Ct|"
    r"Crt|Lane|Ln|Way|Place|Pl|Gate|Heights|Hts|Trail|Terrace|Circle|Cir|Parkway|Pkwy|"
    r"Highway|Hwy|Row|Square|Sq|Green|Grove|Manor|Mews|Point|Ridge|View|Link|Landing|"
    r"Common|Commons|Gardens|Rise|Bay|Hill|Hills|Estates|Wynd|Path|Walk|Loop|Bend|Cove|"
    r"Park|Mount|Vale|Village|Glen|Meadows?|Route|Heath|Crest|Plaza|Circuit|Crossing|Pass|"
    r"Run|Harbour|Alley|Chase|Grange|Villas?|Ravine|Vista|Knoll|Glade|Hollow|Dale|Downs|"
    # Canada Post's abbreviations of the longer ones
    r"Pt|Trl|Terr|Ter|Grv|Rdg|Vw|Lndg|Cmn|Gdns|Mnr|Cv|Pky|Hl|Crcl|Ests|Hts)"
)
# A word of a city name; never a province or the first half of a postal code ("AB T2X 0K4").
_CITY_WORD = r"(?:St\.|Ste\.|Mt\.|(?!" + _PROVINCES + r"\b|[A-Z]\d[A-Z]\b)[A-ZÀ-Ý][\w'’-]*)"
# The street types French writes before the name: "42, promenade Bellerose", "12 rue Notre-Dame"
_FRENCH_STREET = (
    r"[Rr]ue|[Cc]hemin|[Aa]venue|[Bb]oulevard|[Bb]oul\.?|[Rr]ang|[Rr]oute|[Pp]romenade|"
    r"[Pp]lace|[Cc]roissant|[Aa]ll[ée]e|[Mm]ont[ée]e|[Tt]errasse|[Ii]mpasse"
)
_ADDRESS = re.compile(
    # (a lot's or block's number is no house number: "Lot 7 Aspen Ridge, 31 Aspen Summit
    # Green SW", "Lot 14 Block 3 Sage Hill")
    r"(?<![\w\-.)#])(?<![Ll]ot )(?<!LOT )(?<![Bb]lock )(?<!BLOCK )"
    r"#?\d{1,6}[A-Za-z]?(?:\s*-\s*\d{1,6})?"
    # "5012 – 49 Avenue": a dash between the house number and a numbered street
    r"(?:\s+|\s*[-–]\s*(?=\d{1,3}(?:st|nd|rd|th)?\s+[A-Z])"
    r"|,\s*(?=" + _FRENCH_STREET + r"))(?:"
    r"(?:" + _FRENCH_STREET + r")\s+"
    r"(?:de\s+|du\s+|des\s+|la\s+|l['’])?[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*){0,2}"
    rf"|(?:[A-Z0-9À-Ý][\w'’.-]*\s+){{1,4}}{_STREET_TYPE}\b\.?)"
    # "1540 Concession Rd 4, Alliston", "31045 Range Road 31, Rocky View": a numbered road
    r"(?:\s+\d{1,3}(?=\s*(?:,|$|\n|\s+(?:NW|NE|SW|SE)\b)))?"
    # "1407 Lakewood Road South NW": a spelled-out side of the road before the quadrant
    r"(?:\s+(?:North|South|East|West)(?=\s+(?:NW|NE|SW|SE)\b|,|$))?"
    r"(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
    r"(?:,?\s+(?i:unit|suite|apt|ste\.?|#)\s*\w+)?"
    # "27 Saltmarsh Lane (Lot 14), Bedford": the lot or unit in brackets
    r"(?:\s*\((?i:lot|unit|suite|apt|block|blk|bldg|building)\.?\s*[\w-]{1,8}\))?"
    # ", Calgary" or " in Sherwood Park" (never " in March")
    r"(?:(?:,\s*|\s+in\s+(?!(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b))"
    # (a city's words stand on one line: "Sherwood Park" never runs on into the next one)
    r"(?!" + _PROVINCES + r"\b)" + _CITY_WORD + r"(?:[ \t]+" + _CITY_WORD + r"){0,2})?"
    rf"(?:,?\s+{_PROVINCES}\b"
    # "Beaumont (Alb.)", "Gatineau (Québec)": the province as French writers bracket it
    r"|\s+\((?:Alb|Alta|Sask|Man|Ont|Qu[ée]|Qc|Qu[ée]bec|Alberta|Ontario)\.?\))?"
    r"(?:,?\s+[A-Z]\d[A-Z]\s?\d[A-Z]\d)?"
)
# Searched in every sentence with a digit: guarded by the characters a match can start with
# (first_chars), which leaves its matches as they are.
_ADDRESS = guarded(_ADDRESS)
_ADDRESS_CUE = re.compile(
    r"\b(?:address|adresse|we(?:'|’)?re at|we are at|located|live at|living at|i'm at|"
    r"site is|house is|home is)\b",
    re.IGNORECASE,
)
_SEE_ATTACHED = re.compile(
    r"^\W*(?:(?:see|per|as per|as|in|on) (?:the )?attach|attached|enclosed|voir (?:le |la )?"
    r"(?:ci-joint|pi[èe]ce)|ci-joint)",
    re.IGNORECASE,
)
_NOT_A_QUOTE_DATE = cued(
    guarded(
        re.compile(
            r"\bno rush\b|\bclos|\binstall|\bdeliver|\bship|\bpossession|\bmove[ds]? in|\bvalid\b|"
            r"\bexpir|\bpay|"
            # "I'll get the account set up today": the CRM's record, not the quote
            r"\baccount (?:set ?up|created|opened)|\b(?:set|get) (?:up )?(?:the |their )?account\b",
            re.IGNORECASE,
        )
    )
)
_WANTS_QUOTE = cued(
    guarded(
        re.compile(
            r"\b(?:need|needed|needs|get|have|send|quote|pricing|price|numbers|due|turnaround|"
            r"turn (?:it|this|them|that) around|"
            r"(?:it|this|them|that|one) back|"
            r"asap|besoin|soumission|prix|quotation|figures)\b",
            re.IGNORECASE,
        )
    )
)
# ".62", "0.56", "0,515" standing alone: not part of a size, a sum, a version or a range.
_BARE_DECIMAL = re.compile(
    # ("BVR, .5, Standard / Single": one place after a point too, never after a comma)
    r"(?<![\w.,$/×x-])(0?[.,]\d{2,3}|0?\.[2-9])"
    r"(?![\w%/×\"'-]|[.,]\d|\s*(?:x|×|%|\$|in\b|mm\b|cm\b|m\b|ft\b|kg\b|lbs?\b|mil\b))"
)
_PHONE_PREFERRED = re.compile(
    r"\b(?:new|cell|mobile|my number|call me|reach me|best number|cellulaire)\b[^.!?\d]*$", re.I
)
_USE_WHICH_PHONE = cued(
    re.compile(r"\buse (?:the |my |our )?(cell|mobile|home|office|work)\b", re.I)
)
_PHONE_AVOIDED = re.compile(
    r"\b(?:old|office|fax|work|disconnected|main line|switchboard|ancien)\b[^.!?\d]*$", re.I
)
# Enough to tell a sentence that gives a phone number (the full matcher is much slower).
_PHONE_SHAPE = re.compile(
    r"(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b|\+\d{1,3}(?:[\s.-]?\d{2,4}){3,5}\b"
)
# Cue words around a picklist value in an opportunity part ("we're at Submissions").
_PART_CUES = re.compile(
    r"^(?:and |the |we re |we are |currently |now |at |is |type |opp type |stage |etape |"
    r"record type |record |opportunity type )+|(?: type| stage)$"
)
_CLOSE_PART = re.compile(
    r"^(?:.*\b(?:to |expect(?:ed|s)? to |will |should |and ))?(?:close|closing|closes|"
    r"cl[oô]ture|date de cl[oô]ture|cls|cd)(?: date)?"
    # "close now 12-05", "close moves to Dec 5": the new date of a change
    r"(?:\s+(?:is now|now|is|on|in|by|around|moves? to|moved to|le|de))?\b[:\s]*(.*)$",
    re.IGNORECASE,
)
_TITLE_AND_COMPANY = re.compile(
    r"^(?:[A-Z][\w&'’-]*\s+){0,3}(?:Manager|Supervisor|Superintendent|Coordinator|Director|"
    r"Owner|Administrator|Lead|Officer|President|Principal|Partner|Buyer|Purchaser|Agent)"
    r"\s*(?:,|\||@|\s[-–]\s|\sat\s)\s*"
    # a company, not a body inside one ("President, Board of Directors")
    r"(?!(?:the\s+)?(?:Board|Committee|Council|Executive|Department)\b)"
    r"(?P<company>[A-Z][\w&'’.-]*(?:\s+[\w&'’.-]+){0,4})$"
)
# A signature line that is only the name of a company that manages buildings ("Larchmont
# Property Group", "Keystone Property Management"): the account a property manager writes
# for. Any other employer in a signature (a homeowner's workplace) is not the account.
_COMPANY_LINE = re.compile(
    r"(?:[A-Z][\w&'’.-]*\s+){1,4}(?:Property Management|Property Group|Property Services|"
    r"Properties|Management|Realty|Residential|Rentals|Apartments|Condominiums?|Strata|"
    r"Condominium Corporation|Condo Corp(?:oration)?|(?:Owners|Homeowners) Association)"
    r"(?:\s+(?:Ltd|Inc|Corp|Corporation|Group|Co)\.?)?(?:\s+(?:No\.?\s*)?\d+)?"
)
# Parts of a one-line summary: "fctr 0.49", "mult x.52", "@ .47"; "~$1.2M", "CAD 98 500".
_FACTOR_PART = re.compile(
    r"(?i:factor|fctr|facteur|mult(?:iplier)?|@)\s*[:=]?\s*(?P<value>[x×]?\s?\d*[.,]\d+\s*%?)"
    # "factor 46": a whole number only after the word ("@ 12" is a count)
    r"|(?i:factor|fctr|facteur|mult(?:iplier)?)\s*[:=]?\s*(?P<whole>[2-9]\d\s*%?)"
)
# Words of a product line's continuation ("all black ext / white int", "same, tempered",
# "Dbl pane low-e, white, MH flange").
_SPEC_WORDS = cued(
    guarded(
        re.compile(
            r"\b(?:pane|glazing|low-?e|loe|argon|krypton|tempered|laminated|triple|dual|double|dbl|"
            r"int|ext|interior|exterior|inside|outside|same|colou?r|frame|sash|flange|nail fin)\b",
            re.IGNORECASE,
        )
    )
)
_AMOUNT_PART = re.compile(
    # ("amt 58,750", "~145k": after its short label, or in thousands, a sum needs no sign)
    r"(?i:(?:amt|amount)\s*[:=]?\s*)?"
    r"(?i:~|≈|(?:approx|est)\.?\s*|(?:estimated|about|around|roughly)\s+)?"
    r"(?:(?:\$|CAD\s?|USD\s?)\s?\d[\d,.\s]*[kKmM]?|\d[\d,.]*\s?(?:[kK]|M)"
    r"|(?<=[\s:=])\d{1,3}(?:,\d{3})+(?:\.\d\d)?)"
)
_MONEY = cued(guarded(re.compile(r"(?:\$\s?\d|\d\s?\$|\bCAD\s?\d|\d[\d,.]*\s?[kK]\b)")))
_SEPARATOR_ROW = re.compile(r"^[\s|:+\-=_]+$")
# A list's bullet: a dash or dot, or a pictograph put where one goes ("✅ Re: Factor — .54",
# "👉 12 casements", "➡️ Stage: ..."): arrows, shapes, symbols, dingbats and emoji, with the
# variation selector that asks for the emoji's colour form (box-drawing is left to tables)
_PICTOGRAPHS = r"\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2b00-\u2bff\U0001f300-\U0001faff"
BULLET = rf"[-*•·–—▪◦]|[{_PICTOGRAPHS}]\ufe0f?"


def names_a_job(cell: str) -> bool:
    """ "Millwoods showroom refresh": two to six words, capitalised, letters in most, no
    label cue, and not a request's own words ("See below", "Quote request", "Urgent pls")."""
    words = [w for w in cell.split() if re.search(r"\w", w)]  # "NM Plant 2 - Q2": no "-"
    lettered = [w for w in words if re.search(r"[^\W\d_]{2,}", w)]
    return (
        2 <= len(words) <= 6
        and cell[:1].isupper()
        and len(lettered) * 2 > len(words)
        and not _FIELD_CUE.search(cell)
        and not _REQUEST_WORDS.search(cell)
    )


_REQUEST_WORDS = re.compile(
    r"(?i)\b(?:quote|quoting|pricing|price|request|please|pls|see|attached|below|above|"
    r"urgent|asap|rush|thanks|thx|revised|revision|updated?|fwd?|re)\b"
)


# "Opp:", "Opp name -": the label of a cell that names the opportunity, before the name
# ("QR: Northgate | Opp: Northgate - Q3 Run | F .51", "Factor 0.45 | Project | Opp: HFD - X")
NAME_LABEL = re.compile(r"^(?i:opp(?:ortunity)?(?: name)?|name)\s*[:\-–]\s+")


# A factor said in prose: ".47", "x.47", "0,47", or as a percentage without the sign ("52")
_FACTOR_SAID = r"([x×]?\s?0?[.,]\d{1,3}(?!\d)|[2-9]\d(?![\d%x×]|[.,]\d))"
# "Can you rerun it at .46 instead of .48?", "so use .48 NOT .47": the factor to use, and the
# one it replaces
_FACTOR_INSTEAD = re.compile(
    rf"\b(?:at|to|use|with)\s+{_FACTOR_SAID}\s+(?:instead of|rather than|not)\s+"
    # ("kindly use 0.45 rather than the 0.47 I gave you")
    rf"(?:the\s+|our\s+)?{_FACTOR_SAID}",
    re.IGNORECASE,
)


# A person's name as written: a capitalised word, then one or two more ("Mark Jensen",
# "Anne McNeil"), the words apart by any space or by one space only
_NAME_WORD = r"(?:[A-ZÀ-Ý][a-zà-ÿ'’-]+|Mc[A-Z][a-z]+)"
_PERSON = r"[A-ZÀ-Ý][a-zà-ÿ'’-]+(?:\s+" + _NAME_WORD + r"){1,2}"
_PERSON_ON_ONE_LINE = r"[A-ZÀ-Ý][a-zà-ÿ'’-]+(?: " + _NAME_WORD + r"){1,2}"

# "Genevieve Martel called me last night – the deadbolt ...": a customer who called the
# sender, named as the subject of the call; the lead clause is no part of the fault.
_CALLER = cued(
    re.compile(
        rf"(?:^|(?<=[.!?\n])\s*)(?P<name>{_PERSON})"
        r"\s+(?:just\s+)?(?:called|phoned|rang|texted|emailed|e-mailed|messaged)\s+"
        r"(?:me|us|in|our office)\b(?P<when>[^.!?\n–—:;-]{0,30}?)\s*(?P<sep>[–—:;-]|,|$)",
        re.M,
    )
)

# A name whose every word is capitalised, a number, a count or a dash ("PCH - Cityscape Phase
# 4", "HFD Quayside Block C x2")
CAPITALISED_NAME = re.compile(r"[A-Z0-9][^\s,;]*(?:\s+(?:[A-Z0-9&][^\s,;]*|[-–&]|x\d+))*")
