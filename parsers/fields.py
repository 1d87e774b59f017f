"""Field extraction from one parsed message, by the forms people actually write.

`LabelExtractor` reads what a rule can read reliably: "Label: value" lines (with the label
synonyms of the organisation), the numbered six items of the quote form, plain-text and
HTML-turned-text tables, bullet lists of products, and a handful of cue words in prose
("factor .48", "closing Jan 15", 'opp is "X", Standard, Submissions'). It is the seam a later
statistical extractor replaces or extends: it takes a `ParsedMessage` and returns
`{field: FieldValue}` in the normal forms of the corpus README, and says how sure it is.

What it never reads: the quoted thread (already cut from `new_text`), legal disclaimers, and
any signature of the company's own staff, which describes the staff member, not the customer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from parsers import normalise as nz
from parsers.documents import attachment_text
from parsers.message import Attachment, ParsedMessage
from parsers.org import Account, Organisation
from parsers.vocabulary import Vocabulary


@dataclass(frozen=True)
class FieldValue:
    """One extracted field in its normal form, how sure the extractor is, and where it read it.

    `source` is "body", "subject", "signature", "from", "forwarded" or "attachment:<name>"
    ("attachment:*" for the list of attachment names itself).
    """

    value: str | list[str]
    confidence: float  # 0..1
    source: str


# How sure each way of reading is. A label is what the sender meant; prose cues guess.
LABELLED = 0.9
IN_LABEL_VALUE = 0.85  # a phone inside "Site contact: Marco Rossi, 403-555-0111"
POSITIONAL = 0.8  # unlabelled item N of the numbered six-item form
TABLE = 0.8
CLAUSE = 0.75  # a part of 'opp "X", Standard, Submissions'
BULLETS = 0.7
HEADER = 0.7  # the From display name
PROSE = 0.6
SIGNATURE = 0.5
GUESS = 0.4

QUOTES, SERVICE = "quotes", "service"
MAX_TEXT = 50_000  # characters of a text read; a request is never longer, a pasted log may be
MAX_DOCUMENT_TEXT = 20_000  # of an attached document: its fields are on its first page or two

# ---------------------------------------------------------------------------------------------
# Vocabulary: labels, picklist synonyms, cue words. The organisation file can add to each
# (org.synonyms["labels"], org.synonyms[<picklist>], org.synonyms["urgency"]).
# ---------------------------------------------------------------------------------------------

QUOTE_LABELS: dict[str, list[str]] = {
    "account": [
        "account", "account name", "acct", "acct name", "acc", "customer", "customer name",
        "client", "client name", "builder", "dealer", "company", "compte", "nom du compte",
        "nom du client",
    ],
    "product_specs": [
        "product specs", "product spec", "specs", "spec", "specifications", "products",
        "product", "product lines", "windows", "doors", "windows and doors", "windows doors",
        "items", "line items", "produits", "produit", "specifications produits", "fenetres",
        "lines", "takeoff", "take off", "scope", "units",
    ],
    "factor": [
        "factor", "pricing factor", "price factor", "multiplier", "multiplier factor",
        "discount factor", "facteur", "facteur de prix", "multiplicateur",
    ],
    "opportunity": ["opportunity", "opp", "oppty", "opportunite", "opportunity details"],
    "opportunity_name": [
        "opportunity name", "opp name", "oppty name", "job", "job name", "job opp", "opp job",
        "project", "project name", "projet", "nom de l opportunite", "nom du projet",
    ],
    "opportunity_type": [
        "opportunity type", "opp type", "oppty type", "type", "type d opportunite",
        "type de projet",
    ],
    "record_type": ["record type", "record", "rec type", "type d enregistrement", "type de fiche"],
    "stage": ["stage", "opp stage", "opportunity stage", "sales stage", "etape", "stade"],
    "close_date": [
        "close date", "closing", "closing date", "close", "expected close",
        "expected close date", "est close", "date de cloture", "cloture", "date de fermeture",
    ],
    "amount": [
        "amount", "opp amount", "opportunity amount", "value", "estimated value",
        "estimated amount", "est amount", "montant", "valeur", "montant estime", "budget",
        "est value", "deal size", "total",
    ],
    "special_instructions": [
        "special instructions", "special instruction", "special", "instructions", "notes",
        "note", "comments", "comment", "remarks", "instructions speciales", "remarques",
        "commentaires", "shipping", "delivery", "delivery notes", "shipping notes",
        "livraison", "other", "misc", "extras",
    ],
    "quote_due": [
        "quote due", "due", "due date", "needed by", "need by", "quote needed by",
        "required by", "date requise", "echeance",
    ],
    "attachments": ["attachments", "attachment", "attached", "pieces jointes", "piece jointe"],
}  # fmt: skip

SERVICE_LABELS: dict[str, list[str]] = {
    "contact_name": [
        "name", "contact", "contact name", "site contact", "on site contact", "onsite contact",
        "homeowner", "home owner", "owner", "tenant", "resident", "nom", "contact sur place",
        "proprietaire", "locataire",
    ],
    "contact_phone": [
        "phone", "phone number", "tel", "telephone", "cell", "cell phone", "mobile",
        "number", "contact number", "best number", "callback number", "telephone number",
        "tel cell", "cellulaire", "numero", "numero de telephone",
    ],
    "site_address": [
        "address", "site", "site address", "home address", "building address",
        "service address", "job site", "jobsite", "job address", "location", "property",
        "adresse", "adresse du site", "lieu",
    ],
    "description": [
        "description", "problem", "issue", "problem description", "issue description",
        "details", "probleme", "description du probleme",
    ],
    "urgency": ["urgency", "priority", "urgence", "priorite"],
    "reference": [
        "reference", "ref", "po", "po number", "order", "order number", "so", "sales order",
        "work order", "job number", "case", "case number", "invoice", "invoice number",
        "bon de commande", "commande", "numero de commande",
    ],
    "account": ["account", "account name", "acct", "builder", "dealer", "company", "compte"],
    "customer": ["customer", "customer name", "client", "client name"],
    "attachments": ["attachments", "attachment", "attached", "pieces jointes", "piece jointe"],
}  # fmt: skip

# Inside "4. Opportunity" (a header followed by indented lines) these short labels mean the
# opportunity's own name and type.
OPPORTUNITY_SUBLABELS = {"name": "opportunity_name", "nom": "opportunity_name"}

PICKLIST_SYNONYMS: dict[str, dict[str, list[str]]] = {
    "opportunity_type": {
        "Project w/ installation": [
            "project with installation", "project w/ install", "proj w/ install",
            "proj w/ installation", "project with install", "project + install",
            "project + installation", "project and install", "project & install",
            "project incl install", "supply and install", "supply & install",
            "projet avec installation", "projet avec pose", "projet et installation",
            "fourniture et pose", "fourniture et installation",
        ],
        "Project": ["proj", "projet"],
        "Standard": ["std", "regular"],
    },
    "record_type": {
        "Non-Forecast Quote": ["non forecast", "non-forecast", "nfq", "non forecast quote",
                               "hors prevision", "soumission hors prevision"],
        "Account Monthly": ["monthly", "account monthly release", "compte mensuel", "mensuel"],
        "Single": ["single quote", "one-off", "one off", "unique", "ponctuel", "simple"],
    },
    "stage": {
        "Basic Qualification": [
            "qualification", "basic qual", "qualifying", "qualification de base",
        ],
        "Funding": ["financement"],
        "Submissions": ["submission", "submitted", "soumission", "soumissions"],
        "Approvals": ["approval", "approbation", "approbations"],
        "Proofing": ["proof", "proofs", "epreuve", "epreuves"],
        "Order Follow Up": ["order follow-up", "order followup", "suivi de commande"],
        "Closed Won": ["won", "gagne", "gagnee"],
        "Closed Lost": ["lost", "perdu", "perdue"],
    },
}  # fmt: skip

# Hazards that make a service request an emergency: water coming in, broken glass, a home
# that cannot be locked or closed. Read on text with straight apostrophes.
EMERGENCY_CUES = [
    r"water (?:is |was )?(?:pouring|gushing|coming|running|leaking|pour(?:ing)?) in",
    r"pouring in", r"flood(?:ing|ed)?", r"broken glass", r"glass everywhere",
    r"smashed", r"shattered", r"glass (?:is |was )?(?:broken|smashed|shattered)",
    r"break[- ]?in\b", r"broke in", r"broken into",
    r"(?:can ?not|can't|cant|won't|wont|will not|does ?n[o']t|unable to) (?:be )?lock",
    r"(?:can ?not|can't|cant|unable to) (?:be )?secure", r"not secure",
    r"(?:door|window|it) (?:won't|wont|will not|can't|cannot|does ?n[o']t) (?:close|shut)"
    r"(?! (?:all the way|fully|completely|properly|right|tight))",
    r"inondation", r"inond[ée]", r"vitre (?:bris[ée]e|cass[ée]e|fracass[ée]e)",
    r"ne (?:se )?(?:verrouille|barre|ferme) plus(?! (?:compl[eè]tement|enti[eè]rement|bien))",
]  # fmt: skip
# Words that say so outright; they count unless negated ("not urgent", "pas urgent").
URGENCY_WORDS = r"\b(?:emergency|urgent|urgently|urgence|asap)\b"
_URGENCY_WORDS = re.compile(URGENCY_WORDS, re.IGNORECASE)
_NEGATION = re.compile(r"(?:\bnot|\bno|\bnon|n't|\bpas|\bnothing)[\s-]+(?:\w+\s+)?$", re.I)

# What is sold: "<quantity> [up to three words] <product noun>" marks a product line. The
# organisation file adds its own nouns and their spellings under [synonyms.products]
# (casement = ["crank-out"], "tilt-turn" = ["tilt & turn"]).
PRODUCT_NOUNS = [
    "casement", "awning", "slider", "sliding window", "picture window", "picture", "window",
    "patio door", "entry door", "door", "bay", "bow", "sidelite", "transom", "hung",
    "skylight", "garden window", "unit", "package", "lite", "hopper", "tilt-turn",
    "tilt & turn", "tilt and turn", "lift & slide", "lift and slide", "bifold", "fixed",
    "shape", "trapezoid", "egress", "sash", "storm door", "screen door", "fenêtre",
    "porte-fenêtre", "porte", "pcs", "panel",
]  # fmt: skip
_COUNT_WORD = (
    r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"a dozen|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze)"
)


@lru_cache(maxsize=16)
def quantity_product_pattern(nouns: tuple[str, ...]) -> re.Pattern[str]:
    """ "14 casements", "6 x patio slider", "six double-hung windows", "qty 54 awning"."""
    words = sorted({n.strip().lower() for n in nouns if n.strip()}, key=len, reverse=True)
    alternation = "|".join(r"[\s-]+".join(re.escape(w) for w in n.split()) for n in words)
    return re.compile(
        rf"(?<![\w.-])(?:\d{{1,4}}|{_COUNT_WORD})\s*(?:x\s+|×\s*|pcs?\s+|qty\s+)?"
        rf"(?:[A-Za-zÀ-ÿ][\w/-]*\s+){{0,3}}?(?:{alternation})(?:e?s)?\b",
        re.IGNORECASE,
    )


_QTY_PRODUCT = quantity_product_pattern(tuple(PRODUCT_NOUNS))
_DIMENSION = re.compile(
    r"\b\d{1,3}(?:\.\d+)?\s*(?:\"|''|in|po)?\s*(?:[x×]|by|par)\s*\d{1,3}(?:\.\d+)?\b"
)
_TABLE_HEADER_WORDS = {
    "qty", "quantity", "qte", "qté", "product", "produit", "type", "size", "dimensions",
    "glass", "vitrage", "colour", "color", "couleur", "mark", "repere", "line", "item",
    "width", "height", "description", "unit", "model", "in", "w", "h", "x", "po",
}  # fmt: skip

# Words that say a sentence is about a field or about the email itself, not an instruction.
_FIELD_CUE = re.compile(
    r"\b(?:factor|facteur|multiplier|opp|opportunity|opportunit[ée]|stage|[ée]tape|close|"
    r"closing|cl[ôo]ture|amount|montant|account|record type|quote due|due date)\b",
    re.IGNORECASE,
)
_META = re.compile(
    r"\b(?:below|above|attached|attachment|ci-joint|thanks|thank you|merci|let me know|"
    r"questions|call me|cheers|regards|fyi|i'm off|i am off|out of (?:the )?office|"
    r"back (?:on )?(?:monday|tuesday|wednesday|thursday|friday|tomorrow))\b",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^(?:thanks|thank you|thx|ty|cheers|regards|best|best regards|kind regards|warm regards|"
    r"sincerely|many thanks|merci|merci beaucoup|cordialement|salutations|bonne journ[ée]e|"
    r"sent from my \w+|envoy[ée] de mon \w+|get outlook for \w+)\b[^\n]{0,30}$",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|morning|afternoon|bonjour|"
    r"allo|salut)\b[^.!?\n]{0,40}?[,!:\-–]\s*",
    re.IGNORECASE,
)
_FORWARD_HEADER = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded|original) message\s*-{2,}|begin forwarded message:?|"
    r"(?:from|sent|date|to|cc|subject|de|envoy[ée]|[àa]|objet)\s*:.*)$",
    re.IGNORECASE,
)
# "PO-45821", "SO 558213" are kept as written; "order #12345", "job 4471" give the number.
_REFERENCE = re.compile(
    r"\b(?:(?-i:PO|SO|WO|P\.O\.|S\.O\.|INV|RMA)\s*[-#:]?\s*\d{3,}[-\w]*"
    r"|(?:order|job|work order|invoice|ticket|claim|case|commande|bon de commande)\s*"
    r"(?:#|no\.?|number|num[ée]ro|n[°o])?\s*(?:is\s+|est\s+)?:?\s*"
    r"((?-i:[A-Z]{0,4}-?\d{4,}|[A-Z]{2,4}(?:-[A-Z0-9]{1,6}){1,3})))\b",
    re.IGNORECASE,
)
_PROVINCES = r"(?:AB|BC|SK|MB|ON|QC|NS|NB|PE|NL|YT|NT|NU|Alberta|Saskatchewan|Manitoba|Ontario)"
_STREET_TYPE = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Drive|Dr|Boulevard|Blvd|Crescent|Cres|Close|Court|Ct|"
    r"Crt|Lane|Ln|Way|Place|Pl|Gate|Heights|Hts|Trail|Terrace|Circle|Cir|Parkway|Pkwy|"
    r"Highway|Hwy|Row|Square|Sq|Green|Grove|Manor|Mews|Point|Ridge|View|Link|Landing|"
    r"Common|Commons|Gardens|Rise|Bay|Hill|Hills|Estates|Wynd|Path|Walk|Loop|Bend|Cove|"
    r"Park|Mount|Vale|Village|Glen|Meadows?|Route|Heath|Crest|Plaza|Circuit|Crossing|Pass|"
    r"Run|Harbour|Alley|Chase|Grange)"
)
# A word of a city name; never a province or the first half of a postal code ("AB T2X 0K4").
_CITY_WORD = r"(?:St\.|Ste\.|Mt\.|(?!" + _PROVINCES + r"\b|[A-Z]\d[A-Z]\b)[A-ZÀ-Ý][\w'’-]*)"
_ADDRESS = re.compile(
    r"(?<![\w\-.)#])#?\d{1,6}[A-Za-z]?(?:\s*-\s*\d{1,6})?(?:\s+|,\s*(?=[Rr]ue|[Cc]hemin))(?:"
    r"(?:[Rr]ue|[Cc]hemin|[Bb]oulevard|[Bb]oul\.?|[Rr]ang|[Rr]oute|[Aa]venue)\s+"
    r"(?:de\s+|du\s+|des\s+|la\s+|l['’])?[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*){0,2}"
    rf"|(?:[A-Z0-9][\w'’.-]*\s+){{1,4}}{_STREET_TYPE}\b\.?)"
    r"(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
    r"(?:,?\s+(?i:unit|suite|apt|ste\.?|#)\s*\w+)?"
    r"(?:,\s*(?!" + _PROVINCES + r"\b)" + _CITY_WORD + r"(?:\s+" + _CITY_WORD + r"){0,2})?"
    rf"(?:,?\s+{_PROVINCES}\b)?"
    r"(?:,?\s+[A-Z]\d[A-Z]\s?\d[A-Z]\d)?"
)
# The numbered quote form: what an unlabelled item N is.
_SIX_ITEMS = {
    1: "account",
    2: "product_specs",
    3: "factor",
    4: "opportunity",
    5: "special_instructions",
    6: "attachments",
}
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
_NOT_A_QUOTE_DATE = re.compile(
    r"\bno rush\b|\bclos|\binstall|\bdeliver|\bship|\bpossession|\bmove[ds]? in|\bvalid\b|"
    r"\bexpir|\bpay",
    re.IGNORECASE,
)
_WANTS_QUOTE = re.compile(
    r"\b(?:need|needed|needs|get|have|send|quote|pricing|price|numbers|due|turnaround|"
    r"asap|besoin|soumission|prix)\b",
    re.IGNORECASE,
)
# ".62", "0.56", "0,515" standing alone: not part of a size, a sum, a version or a range.
_BARE_DECIMAL = re.compile(
    r"(?<![\w.,$/×x-])(0?[.,]\d{2,3})(?![\w%/×\"'-]|[.,]\d|\s*(?:x|×|%|\$|in\b))"
)
_PHONE_PREFERRED = re.compile(
    r"\b(?:new|cell|mobile|my number|call me|reach me|best number|cellulaire)\b[^.!?\d]*$", re.I
)
_USE_WHICH_PHONE = re.compile(r"\buse (?:the |my |our )?(cell|mobile|home|office|work)\b", re.I)
_PHONE_AVOIDED = re.compile(
    r"\b(?:old|office|fax|work|disconnected|main line|switchboard|ancien)\b[^.!?\d]*$", re.I
)
# Cue words around a picklist value in an opportunity part ("we're at Submissions").
_PART_CUES = re.compile(
    r"^(?:and |the |we re |we are |currently |now |at |is |type |opp type |stage |etape |"
    r"record type |record |opportunity type )+|(?: type| stage)$"
)
_CLOSE_PART = re.compile(
    r"^(?:.*\b(?:to |expect(?:ed|s)? to |will |should |and ))?(?:close|closing|closes|"
    r"cl[oô]ture|date de cl[oô]ture)(?: date)?(?:\s+(?:is|on|in|by|around|le|de))?\b[:\s]*(.*)$",
    re.IGNORECASE,
)
_SEPARATOR_ROW = re.compile(r"^[\s|:+\-=_]+$")


def _label_key(text: str) -> str:
    """How a label is looked up: "Opp Type", "opp-type:", "Job / opp" -> "opp type", "job opp";
    "Phone #" -> "phone number", "Product(s)" -> "products"."""
    text = re.sub(r"\(s\)", "s", text).replace("#", " number ").replace("$", " amount ")
    key = nz.fold(text).replace("/", " ").replace("+", " ")
    return re.sub(r"\s+", " ", key).strip()


# When a label is not in the table, its last word usually says what it is ("Est. close
# date", "Pricing multiplier", "Delivery instructions", "Best contact phone"). Each rule is
# (last words, words one of which must also be in the label or None, field).
QUOTE_HEADS: list[tuple[set[str], set[str] | None, str]] = [
    ({"factor", "multiplier", "mult", "facteur", "multiplicateur"}, None, "factor"),
    ({"stage", "etape", "stade"}, None, "stage"),
    ({"specs", "spec", "specifications", "products", "product", "produits"}, None, "product_specs"),
    ({"instructions", "instruction", "notes", "note", "comments", "remarks", "remarques"}, None,
     "special_instructions"),
    ({"amount", "montant", "value", "valeur"}, None, "amount"),
    ({"account", "customer", "client", "compte", "builder", "dealer"}, None, "account"),
    ({"close", "closing", "cloture"}, None, "close_date"),
    ({"date"}, {"close", "closing", "cloture"}, "close_date"),
    ({"date", "by"}, {"due", "needed", "need", "required"}, "quote_due"),
    ({"type"}, {"record"}, "record_type"),
    ({"type"}, {"opp", "oppty", "opportunity", "opportunite", "job", "project", "sale"},
     "opportunity_type"),
    ({"name"}, {"opp", "oppty", "opportunity", "opportunite", "job", "project", "projet"},
     "opportunity_name"),
    ({"name"}, {"account", "customer", "client", "builder", "dealer"}, "account"),
]  # fmt: skip
SERVICE_HEADS: list[tuple[set[str], set[str] | None, str]] = [
    ({"phone", "cell", "mobile", "telephone", "tel", "cellulaire"}, None, "contact_phone"),
    ({"number"}, {"phone", "cell", "contact", "mobile", "callback", "telephone"},
     "contact_phone"),
    ({"number"}, {"po", "order", "job", "case", "invoice", "ref", "reference", "claim",
                  "ticket", "work"}, "reference"),
    ({"address", "adresse", "location", "site"}, None, "site_address"),
    ({"contact", "homeowner", "owner", "tenant", "resident"}, None, "contact_name"),
    ({"name"}, {"contact", "homeowner", "owner", "tenant", "customer", "client", "site"},
     "contact_name"),
    ({"problem", "issue", "description", "details", "probleme", "complaint"}, None,
     "description"),
    ({"urgency", "priority", "urgence", "priorite"}, None, "urgency"),
    ({"reference", "ref", "po"}, None, "reference"),
    ({"account", "builder", "dealer", "company"}, None, "account"),
]  # fmt: skip


def _head_field(key: str, heads: list[tuple[set[str], set[str] | None, str]]) -> str | None:
    """The field a short unknown label names by its last word (see QUOTE_HEADS)."""
    words = key.split()
    if not 1 <= len(words) <= 4:
        return None
    for last, also, name in heads:
        if words[-1] in last and (also is None or also & set(words[:-1])):
            return name
    return None


def _clean(text: str) -> str:
    """Whitespace-normalised value with stray wrapping punctuation removed."""
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" \t-–—:;,").strip()


def _unquote(text: str) -> str:
    return _clean(text).strip("\"'“”«»‘’ ").strip()


# ---------------------------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------------------------


class _Picklist:
    """One picklist: match a value as written, and find its values inside prose."""

    def __init__(self, name: str, values: list[str], synonyms: dict[str, list[str]]):
        self.name = name
        self.values = values
        self.synonyms = {k: list(v) for k, v in synonyms.items() if k in values}
        self.phrases = {v: v for v in values}
        for canonical, words in self.synonyms.items():
            for word in words:
                self.phrases.setdefault(word, canonical)
        self.vocabulary: Vocabulary | None = None  # set by the extractor that owns it

    def match(self, text: str) -> str | None:
        return nz.match_picklist(text, self.values, self.synonyms)

    def find(self, text: str) -> Iterator[tuple[str, int, int]]:
        """Every value named in `text` as (canonical, start, end)."""
        assert self.vocabulary is not None
        yield from self.vocabulary.picklist_values(self.name, text)


def _merge(base: dict[str, list[str]], extra: dict[str, list[str]] | None) -> dict:
    merged = {k: list(v) for k, v in base.items()}
    for key, words in (extra or {}).items():
        merged.setdefault(key, [])
        merged[key].extend(w for w in words if w not in merged[key])
    return merged


# ---------------------------------------------------------------------------------------------
# Text structure: label lines, numbered items, tables, bullet lists, prose paragraphs
# ---------------------------------------------------------------------------------------------

_LIST_MARKER = re.compile(
    r"^(?P<indent>[ \t]*)(?:(?P<num>\d{1,2})[.)](?=\s)|(?P<bullet>[-*•·–—▪◦])(?=\s))?"
    r"\s*(?P<rest>.*?)\s*$"
)
_LABEL_LINE = re.compile(r"^(?P<label>[^\W\d_][^:：\n]{0,40}?)\s*[:：](?!//)\s*(?P<value>.*)$")
# "Factor - 0.52", "Stage = Funding": only for labels the table knows.
# "Factor - 0.52", "Stage = Funding", "Items =", "account ........ Foothills", "$ = 61,250":
# only for labels the table knows.
_DASH_LABEL_LINE = re.compile(
    r"^(?P<label>(?:[^\W\d_]|\$)[^:：\n]{0,30}?)"
    r"(?:\s+[-–]\s+|\s+[-–]$|\s*=\s*|\s*\.{3,}\s*|\s*…+\s*)(?P<value>.*)$"
)
_MULTI_LABEL_SPLIT = re.compile(
    r"(?:\s+\|\s+|\s*;\s+|,\s+|\t|\s{2,})(?=[^\W\d_][^:：\n,;|]{0,30}[:：]\s)"
)
_TITLE_AND_COMPANY = re.compile(
    r"^(?:[A-Z][\w&'’-]*\s+){0,3}(?:Manager|Supervisor|Superintendent|Coordinator|Director|"
    r"Owner|Administrator|Lead|Officer|President|Principal|Partner|Buyer|Purchaser|Agent)"
    r"\s*(?:,|\||@|\s[-–]\s|\sat\s)\s*(?P<company>[A-Z][\w&'’.-]*(?:\s+[\w&'’.-]+){0,4})$"
)
# Parts of a one-line summary: "fctr 0.49", "mult x.52", "@ .47"; "~$1.2M", "CAD 98 500".
_FACTOR_PART = re.compile(
    r"(?i:factor|fctr|facteur|mult(?:iplier)?|@)\s*[:=]?\s*(?P<value>[x×]?\s?\d*[.,]\d+\s*%?)"
)
_AMOUNT_PART = re.compile(r"(?i:~|≈|approx\.?\s*)?(?:\$|CAD\s?|USD\s?)\s?\d[\d,.\s]*[kKmM]?")
_MONEY = re.compile(r"(?:\$\s?\d|\d\s?\$|\bCAD\s?\d|\d[\d,.]*\s?[kK]\b)")
# A dash or "=" after these starts a sentence, not a label ("Please use the cell - ...").
_SENTENCE_START = re.compile(
    r"(?i)^(?:please|pls|plz|can|could|would|will|use|i|i'm|we|we're|you|they|it|this|that|"
    r"there|just|also|note|so|and|but|if|when)\b"
)
# What the account manager decides now; a forwarded older thread's values are history.
_PRICING_FIELDS = ("factor", "amount", "close_date", "stage", "quote_due")
_BARE_LABEL = re.compile(r"^[^\W\d_][\w ]{1,28}$")
_INI_SECTION = re.compile(r"^\s*\[([^\]\[]{2,30})\]\s*$")
_TEXT_FIELDS = {"product_specs", "special_instructions", "description", "site_address"}


@dataclass
class _Block:
    """One piece of a message body, in reading order.

    kind: "label" (field/value/lines), "item" (unlabelled numbered item), "table" (rows),
    "bullets" (items, with the prose line that introduced them), "prose" (a paragraph).
    """

    kind: str
    text: str = ""
    target: str = ""
    lines: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    number: int | None = None
    indent: int = 0


def _cells(line: str) -> list[str]:
    """Columns of a plain-text or HTML-turned-text table row (pipes, tabs or 2+ spaces)."""
    return list(_cells_of(line))


@lru_cache(maxsize=1024)
def _cells_of(line: str) -> tuple[str, ...]:
    """Cached: the structure parser asks about each line several times."""
    line = line.strip()
    parts = line.strip("|").split("|") if "|" in line else re.split(r"\t+|\s{2,}", line)
    return tuple(p.strip() for p in parts if p.strip())


def _strip_markup(line: str) -> str:
    """Markdown emphasis left by HTML-to-text conversion ("**Account**") is not content."""
    return re.sub(r"(\*\*|__)(.*?)\1", r"\2", line).replace("\u00a0", " ")


class _Structure:
    """Splits a text into `_Block`s. Knows the label table of one queue."""

    def __init__(
        self,
        labels: dict[str, str],
        queue: str,
        value_field: Callable[[str], str | None] | None = None,
    ):
        """`value_field`: the picklist a whole value names, if exactly one, so that an
        unknown short label with a picklist value ("Kind = Project", "Phase: Approvals",
        "Rec - Single") is read as that picklist."""
        self.labels = labels
        self.queue = queue
        self.value_field = value_field

    def _target(self, label: str, value: str, in_opportunity: bool) -> str | None:
        target = self.field_for(label, in_opportunity)
        if target or not self.value_field or len(_label_key(label).split()) > 2:
            return target
        return self.value_field(value)

    def field_for(self, label: str, in_opportunity: bool) -> str | None:
        key = _label_key(label)
        if in_opportunity and self.queue == QUOTES and key in OPPORTUNITY_SUBLABELS:
            return OPPORTUNITY_SUBLABELS[key]
        if self.queue == QUOTES and key in ("name", "nom"):
            return "opportunity_name"
        if key in self.labels:
            return self.labels[key]
        return _head_field(key, QUOTE_HEADS if self.queue == QUOTES else SERVICE_HEADS)

    def label_of(self, rest: str, in_opportunity: bool) -> list[tuple[str, str]]:
        """[(field, value)] for a "Label: value" line (or a 2-cell table row), else [].

        One line may hold several labels ("Type: Project | Stage: Funding"); they count only
        when every piece is a known label, so a colon inside a value does not split it.
        """
        segments = _MULTI_LABEL_SPLIT.split(rest)
        if len(segments) > 1:
            pieces = [self._one_label(s, in_opportunity) for s in segments]
            if all(pieces):
                return [p for p in pieces if p]
        piece = self._one_label(rest, in_opportunity)
        if piece:
            return [piece]
        cells = _cells(rest)
        if len(cells) == 2 and not _LABEL_LINE.match(cells[0]):
            target = self._target(cells[0], cells[1], in_opportunity)
            if target:
                return [(target, cells[1])]
        return []

    def _one_label(self, text: str, in_opportunity: bool) -> tuple[str, str] | None:
        for pattern in (_LABEL_LINE, _DASH_LABEL_LINE):
            m = pattern.match(text)
            if m and pattern is _DASH_LABEL_LINE and _SENTENCE_START.match(m["label"]):
                continue  # "Please use the cell - the home line is going": a sentence
            target = m and self._target(m["label"], m["value"].strip(), in_opportunity)
            if m and target:
                return target, m["value"].strip()
        return None

    def parse(self, text: str) -> list[_Block]:
        blocks: list[_Block] = []
        current: _Block | None = None
        pending: _Block | None = None  # "Products:" then a blank line, then the table
        in_opportunity = False
        previous_length = 0
        for raw in text.replace("\r", "").split("\n"):
            line = _INI_SECTION.sub(r"\1:", _strip_markup(raw))  # "[notes]" is "notes:"
            if not line.strip() or _SEPARATOR_ROW.match(line):
                if current is not None and current.kind == "label" and not current.text:
                    pending = pending or (current if not current.lines else None)
                current, in_opportunity, previous_length = None, False, 0
                continue
            m = _LIST_MARKER.match(line)
            assert m is not None
            indent = len(m["indent"].expandtabs(4))
            number = int(m["num"]) if m["num"] else None
            bullet = bool(m["bullet"])
            rest = m["rest"]
            if number is not None:
                in_opportunity = False
            labelled = self.label_of(rest, in_opportunity)
            if not labelled and number is None and not bullet and _BARE_LABEL.match(rest):
                # "special" or "NOTES" alone on a line, the text below it: a heading label
                target = self.field_for(rest.strip(), in_opportunity)
                if target in _TEXT_FIELDS:
                    labelled = [(target, "")]
            structured = bullet or len(_cells(rest)) >= 3
            if (
                pending
                and current is None
                and not labelled
                and number is None
                and (structured or indent > pending.indent)
            ):
                current = pending
            pending = None
            if labelled:
                for target, value in labelled:
                    if target == "opportunity" and not value:
                        in_opportunity = True
                    current = _Block("label", value, target, number=number, indent=indent)
                    blocks.append(current)
            elif number is not None and self.field_for(rest.rstrip(":"), False) == "opportunity":
                in_opportunity = True
                current = _Block("label", "", "opportunity", number=number, indent=indent)
                blocks.append(current)
            elif number is not None:
                current = _Block("item", rest, number=number, indent=indent)
                blocks.append(current)
            elif current is not None and self._continues(
                current, indent, bullet, rest, previous_length
            ):
                current.lines.append(rest)
            elif len(_cells(rest)) >= 3 and not bullet:
                if current is None or current.kind != "table":
                    current = _Block("table")
                    blocks.append(current)
                current.rows.append(_cells(rest))
            elif bullet:
                if current is None or current.kind != "bullets":
                    intro = blocks[-1].text if blocks and blocks[-1].kind == "prose" else ""
                    current = _Block("bullets", intro, indent=indent)
                    blocks.append(current)
                current.lines.append(rest)
            elif current is not None and current.kind == "prose":
                current.text += " " + rest.strip()
            else:
                current = _Block("prose", rest.strip(), indent=indent)
                blocks.append(current)
            previous_length = len(line)
        return blocks

    @staticmethod
    def _continues(block: _Block, indent: int, bullet: bool, rest: str, prev_len: int) -> bool:
        """Whether a line belongs to the value of the label or numbered item above it.

        A label with an empty value ("Specs:") takes the lines below it; a value takes deeper
        indented or bulleted lines, and for free-text fields a hard-wrapped next line.
        """
        if block.kind == "item":
            return indent > block.indent or bullet
        if block.kind != "label":
            return False
        if block.target == "opportunity":
            return False
        if not block.text:
            return True
        if indent > block.indent or bullet:
            return block.target in _TEXT_FIELDS
        return block.target in _TEXT_FIELDS and prev_len >= 65


# ---------------------------------------------------------------------------------------------
# Sentences and small text helpers
# ---------------------------------------------------------------------------------------------

_ABBREVIATIONS = {
    "st", "dr", "ave", "mr", "mrs", "ms", "ltd", "inc", "co", "approx", "vs", "rd", "blvd",
    "cres", "mt", "jr", "sr", "e.g", "i.e", "etc",
}  # fmt: skip
_NUMBER_ABBREVIATIONS = {"no", "ext", "tel", "apt", "ste", "p", "nos", "pg"}  # "ext. 2"


def sentences(text: str) -> list[str]:
    """Split prose into sentences without breaking "St. Albert", "Ltd." or ".48"."""
    out: list[str] = []
    start = 0
    for m in re.finditer(r"[.!?]+[\"”’)]*\s+", text):
        before = re.search(r"([\w.]+)$", text[start : m.start()])
        word = before.group(1).casefold() if before else ""
        following = text[m.end() : m.end() + 1]
        if word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", word) or not following:
            continue
        if word in _NUMBER_ABBREVIATIONS and following.isdigit():
            continue
        if not (following.isupper() or following.isdigit() or following in "\"“'(«"):
            continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def _strip_greeting(sentence: str) -> str:
    return _GREETING.sub("", sentence, count=1).strip()


def _person_name(display: str) -> str | None:
    """A From display name that is a person's name ("Kowalczyk, Anne" -> "Anne Kowalczyk").

    Mailbox-like names ("jdoe77", "Connect You", "Sales Team") are not a person.
    """
    name = _unquote(re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", display))
    if not name or "@" in name or re.search(r"\d", name):
        return None
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}".strip()
    if re.search(
        r"\b(?:team|service|support|info|admin|office|sales|accounts?|no-?reply|"
        r"mailer|daemon|postmaster|connect you|reception|billing|inc|ltd)\b",
        name,
        re.IGNORECASE,
    ):
        return None
    words = name.split()
    if not 1 <= len(words) <= 4 or not all(re.match(r"^[^\W\d_][\w'’.-]*$", w) for w in words):
        return None
    return name


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 4 and all(re.match(r"^[A-ZÀ-Ý][\w'’.-]*$", w) for w in words)


def split_tail(text: str, from_name: str = "") -> tuple[str, str]:
    """Split a message text into (core, tail): the tail is the sign-off and signature.

    mime.py already cuts most signatures; this also catches the forms it cannot know, like a
    bare first name ("Priya", "P.") or a "Name | Role" line after the sign-off.
    """
    lines = text.rstrip().split("\n")
    first = (from_name.split() or [""])[0].casefold()
    cut = len(lines)
    for i in range(len(lines) - 1, max(-1, len(lines) - 16), -1):
        stripped = lines[i].strip()
        after = [x for x in lines[i + 1 :] if x.strip()]
        if len(after) > 10 or any(len(x) > 100 for x in after):
            break
        if _is_tail_start(stripped) or (
            _is_name_line(stripped, from_name, first) and _after_blank(lines, i)
        ):
            cut = i
    return "\n".join(lines[:cut]).rstrip(), "\n".join(lines[cut:]).strip()


def _is_tail_start(line: str) -> bool:
    """A "--" separator or a sign-off line ("Thanks,", "Sent from my iPhone")."""
    return bool(re.fullmatch(r"--\s*|_{3,}|-{3,}", line) or _SIGN_OFF.match(line))


def _is_name_line(line: str, from_name: str, first: str) -> bool:
    """A line that is just the sender's name or initial, maybe with a role after a bar."""
    head = re.split(r"\s[|,–-]\s|\s\|", line)[0].strip().rstrip(".,!")
    if not head:
        return False
    key = head.casefold()
    if from_name and (key == from_name.casefold() or (first and key == first)):
        return True
    return bool(first) and bool(re.fullmatch(r"[A-Z]\.?", head)) and first[0] == key[0]


def _after_blank(lines: list[str], i: int) -> bool:
    return i == 0 or not lines[i - 1].strip() or bool(_SIGN_OFF.match(lines[i - 1].strip()))


def _strip_forward_headers(text: str) -> str:
    """The header block of an inline forward ("From: ... Subject: ...") is not content."""
    lines = text.split("\n")
    i = 0
    while i < len(lines) and (not lines[i].strip() or _FORWARD_HEADER.match(lines[i])):
        i += 1
    return "\n".join(lines[i:])


def _spec_lines(lines: Iterable[str]) -> str:
    """Product lines joined the way the corpus writes them: "line; line; line"."""
    out: list[str] = []
    for line in lines:
        cells = _cells(line)
        if len(cells) >= 3 and _is_header_row(cells):
            continue
        text = " ".join(cells) if len(cells) >= 3 else line
        text = _clean(re.sub(r"^\s*(?:[-*•·–—▪◦]|\d{1,2}[.)])\s+", "", text))
        if text:
            out.append(text.rstrip(";"))
    return "; ".join(out)


def _is_header_row(cells: list[str]) -> bool:
    words = [w for c in cells for w in re.findall(r"[^\W\d_]+", nz.fold(c))]
    if not words or any(_DIMENSION.search(c) for c in cells):
        return False
    return sum(w in _TABLE_HEADER_WORDS for w in words) >= max(2, len(words) // 2)


def _table_specs(rows: list[list[str]], qty: re.Pattern[str] = _QTY_PRODUCT) -> str:
    data = [r for r in rows if not _is_header_row(r)]
    productish = [r for r in data if _DIMENSION.search(" ".join(r)) or qty.search(" ".join(r))]
    if not productish:
        return ""
    return "; ".join(_clean(" ".join(r)) for r in productish)


def _items_as_bullets(blocks: list[_Block]) -> list[_Block]:
    """Outside the quote form, consecutive unlabelled numbered items are a plain list."""
    out: list[_Block] = []
    previous_item = False
    for block in blocks:
        if block.kind != "item":
            out.append(block)
        elif previous_item:
            out[-1].lines.append(" ".join([block.text, *block.lines]))
        else:
            out.append(_Block("bullets", lines=[" ".join([block.text, *block.lines])]))
        previous_item = block.kind == "item"
    return out


def _is_product_block(block: _Block, qty: re.Pattern[str] = _QTY_PRODUCT) -> bool:
    if block.kind == "table":
        return bool(_table_specs(block.rows, qty))
    return block.kind == "bullets" and _looks_like_products(block.lines, qty)


def _looks_like_products(items: list[str], qty: re.Pattern[str] = _QTY_PRODUCT) -> bool:
    hits = sum(bool(qty.search(i) or _DIMENSION.search(i)) for i in items)
    return bool(items) and hits * 2 >= len(items)


# ---------------------------------------------------------------------------------------------
# The extractor
# ---------------------------------------------------------------------------------------------


@dataclass
class _Found:
    """Best value per field so far; a value replaces another only when more sure."""

    values: dict[str, FieldValue] = field(default_factory=dict)
    declared_empty: set[str] = field(default_factory=set)  # "Factor: TBD": do not guess it

    def offer(
        self, name: str, value: str | list[str] | None, confidence: float, source: str
    ) -> None:
        if value is None or value == "" or value == []:
            return
        if name in self.declared_empty and confidence < LABELLED:
            return
        held = self.values.get(name)
        if held is None or confidence > held.confidence:
            self.values[name] = FieldValue(value, round(confidence, 2), source)

    def has(self, name: str) -> bool:
        return name in self.values

    def merge_missing(self, other: _Found) -> None:
        """Take from a lower-priority source only the fields this one lacks."""
        for name, value in other.values.items():
            if name not in self.values and name not in self.declared_empty:
                self.values[name] = value
        self.declared_empty |= other.declared_empty - set(self.values)


@dataclass(frozen=True)
class _Context:
    queue: str
    now: datetime
    sender_is_staff: bool
    is_reply: bool
    source: str


class LabelExtractor:
    """Reads the fields of quote and service requests from labels, lists, tables and cues."""

    def __init__(self, org: Organisation, spacy_model: str | None = None):
        """`spacy_model`: an installed spaCy pipeline whose entities may name accounts and
        contacts the organisation does not know (see parsers.vocabulary)."""
        self.org = org
        syn = org.synonyms or {}
        label_extra = syn.get("labels", {})
        self.labels: dict[str, dict[str, str]] = {}
        for queue, base in ((QUOTES, QUOTE_LABELS), (SERVICE, SERVICE_LABELS)):
            table: dict[str, str] = {}
            for name, words in _merge(base, label_extra).items():
                if queue == QUOTES and name in SERVICE_LABELS and name not in QUOTE_LABELS:
                    continue
                if queue == SERVICE and name in QUOTE_LABELS and name not in SERVICE_LABELS:
                    continue
                for word in [name.replace("_", " "), *words]:
                    table.setdefault(_label_key(word), name)
            self.labels[queue] = table
        self.picklists = {
            name: _Picklist(
                name, org.picklist(name), _merge(PICKLIST_SYNONYMS.get(name, {}), syn.get(name))
            )
            for name in ("opportunity_type", "record_type", "stage")
        }
        self.vocabulary = Vocabulary(
            org, {name: p.phrases for name, p in self.picklists.items()}, model=spacy_model
        )
        for picklist in self.picklists.values():
            picklist.vocabulary = self.vocabulary
        extra = [re.escape(c) for c in syn.get("urgency", {}).get("emergency", [])]
        # Matched on lower-cased text from a word start: ~9x faster than IGNORECASE over
        # an alternation that has no common prefix.
        cues = [*EMERGENCY_CUES, *(c.lower() for c in extra)]
        self.hazard = re.compile(r"\b(?:" + "|".join(cues) + ")")
        self.sla = _sla(org.sla.get("quote_turnaround", "48h"))
        products = syn.get("products", {})
        extra = [word for noun, words in products.items() for word in (noun, *words)]
        self.qty_product = quantity_product_pattern(tuple(PRODUCT_NOUNS + extra))

    # -- public ---------------------------------------------------------------------------

    def extract(
        self,
        msg: ParsedMessage,
        queue: str,
        *,
        now: datetime,
        sender_is_staff: bool,
        is_reply: bool = False,
    ) -> dict[str, FieldValue]:
        """The fields this one message gives, in normal form; for a reply only what it adds."""
        sender = _person_name(msg.from_name) or msg.from_name  # "Schultz, Dan" -> "Dan Schultz"
        body, tail = split_tail((msg.new_text or "")[:MAX_TEXT], sender)
        if sender_is_staff:
            body = _without_lines_of(body, msg.signature)
        ctx = _Context(queue, now, sender_is_staff, is_reply, "body")
        found = self._read_text(body, ctx)
        if msg.forwarded_text and not is_reply:
            forwarded, _ = split_tail(_strip_forward_headers(msg.forwarded_text[:MAX_TEXT]))
            from_forward = self._read_text(forwarded, _replace(ctx, "forwarded"))
            if queue == SERVICE and "description" in from_forward.values and _is_cover_note(body):
                found.values.pop("description", None)  # the forwarded mail is the request
            if queue == QUOTES:  # an older thread's pricing is not this request's
                for name in _PRICING_FIELDS:
                    from_forward.values.pop(name, None)
            found.merge_missing(from_forward)
        if queue == QUOTES:
            if len(body.split()) < 12 and not is_reply:
                self._subject_as_request(found, msg, ctx)
            self._quote_extras(found, msg, ctx)
        else:
            self._service_extras(found, msg, ctx, body, tail)
        if not is_reply:
            self._model_entities(found, body, ctx)
        self._attachment_texts(found, msg, ctx)
        names = [a.filename for a in msg.real_attachments if _is_document(a)]
        if names:
            found.offer("attachments", names, 1.0, "attachment:*")
        return dict(found.values)

    # -- reading one text -----------------------------------------------------------------

    def _read_text(self, text: str, ctx: _Context) -> _Found:
        found = _Found()
        if not text.strip():
            return found
        value_field = self._picklist_of_value if ctx.queue == QUOTES else None
        structure = _Structure(self.labels[ctx.queue], ctx.queue, value_field)
        blocks = structure.parse(text)
        six_items = ctx.queue == QUOTES and self._is_quote_form(blocks)
        if not six_items:
            blocks = _items_as_bullets(blocks)
        for block in blocks:
            if block.kind == "label":
                self._label(found, block.target, block.text, block.lines, LABELLED, ctx)
            elif block.kind == "item" and six_items:
                self._positional(found, block, ctx)
            elif block.kind == "table":
                self._field_table(found, block, structure, ctx)
                if ctx.queue == QUOTES and len(block.rows) == 1:
                    self._summary_row(found, block.rows[0], ctx)
        prose = [b for b in blocks if b.kind == "prose"]
        for block in prose:
            self._inline_labels(found, block, ctx)
        if ctx.queue == QUOTES:
            self._quote_structures(found, blocks, ctx)
            self._quote_prose(found, blocks, ctx)
        else:
            self._service_prose(found, blocks, ctx)
        self._account_mentions(found, text, ctx)
        return found

    def _field_table(
        self, found: _Found, block: _Block, structure: _Structure, ctx: _Context
    ) -> None:
        """A table whose header row is made of field labels ("Account | Opportunity | Stage |
        Close | Factor") and whose next row holds the values, as Outlook users paste them."""
        if len(block.rows) < 2:
            return
        header, values = block.rows[0], block.rows[1]
        targets = [structure.field_for(cell, False) for cell in header]
        known = sum(t is not None for t in targets)
        if known < 3 or known * 5 < len(header) * 3 or len(values) != len(header):
            return
        for target, value in zip(targets, values, strict=True):
            if target is not None and target != "product_specs":
                self._label(found, target, value, [], TABLE, ctx)

    def _summary_row(self, found: _Found, cells: list[str], ctx: _Context) -> None:
        """One line of unlabelled cells, as people jot an opportunity down:
        "Northgat Modular | NMI - Lakeside Park Phase 2 | Project | Approvals | close 3/15 |
        fctr 0.49 | ~$1.2M". The account cell is the account; the rest read as an
        opportunity line (name first, then the cells that say a field)."""
        rest = []
        for cell in cells:
            if not found.has("account") and nz.match_account(cell, self.org):
                self._offer_account(found, cell, CLAUSE, ctx.source)
            elif self.qty_product.search(cell) and _DIMENSION.search(cell):
                found.offer("product_specs", _clean(cell), CLAUSE, ctx.source)
            elif _BARE_DECIMAL.fullmatch(cell.strip()) and nz.parse_factor(cell.strip()):
                found.offer("factor", str(nz.parse_factor(cell.strip())), CLAUSE, ctx.source)
            else:
                rest.append(cell)
        said = [self._part_fields(cell, ctx, loose=True) for cell in rest]
        if sum(bool(x) for x in said) >= 2:  # a summary line, not a product row
            self._opportunity(found, " | ".join(rest), CLAUSE, ctx, name_first=True)

    def _picklist_of_value(self, value: str) -> str | None:
        """The one picklist whose value (or synonym) `value` is, else None."""
        named = [name for name, picklist in self.picklists.items() if picklist.match(value)]
        return named[0] if len(named) == 1 else None

    def _is_quote_form(self, blocks: list[_Block]) -> bool:
        """Whether the numbered items are the six-item quote form, so that an unlabelled item
        can be read by its position. A numbered list of products is not: at least two items
        must agree with the form (a label of their position, an account as item 1, a factor
        as item 3)."""
        numbered = [b for b in blocks if b.number is not None]
        if not {1, 2, 3, 4} <= {b.number for b in numbered}:
            return False
        agree = 0
        for block in numbered:
            expected = _SIX_ITEMS.get(block.number or 0, "")
            if block.kind == "label":
                agree += block.target == expected or (
                    expected == "opportunity" and block.target.startswith("opportunity")
                )
            elif block.number == 1:
                agree += nz.match_account(block.text, self.org) is not None
            elif block.number == 3:
                agree += nz.parse_factor(block.text) is not None
        return agree >= 2

    def _label(
        self, found: _Found, name: str, value: str, lines: list[str], conf: float, ctx: _Context
    ) -> None:
        """Normalise one labelled value into its field (or fields, for a composite)."""
        src = ctx.source
        if name == "attachments" or (not value.strip() and not lines):
            return
        if not value.strip() and name not in _TEXT_FIELDS:
            value, lines = lines[0], lines[1:]
        joined = _clean(" ".join([value, *lines]))
        if _SEE_ATTACHED.match(value) and not lines:
            return  # the attachment carries it; read there
        if nz.is_no_value(value) and not lines:
            found.declared_empty.add("opportunity_name" if name == "opportunity" else name)
            return
        if name == "account":
            self._offer_account(found, joined, conf, src)
        elif name == "customer":
            if nz.match_account(joined, self.org):
                self._offer_account(found, joined, conf, src)
            else:
                self._offer_contact(found, joined, conf, src)
        elif name == "product_specs":
            found.offer(name, _spec_lines([value, *lines] if value else lines), conf, src)
        elif name == "factor":
            factor = nz.parse_factor(value)
            found.offer(name, str(factor) if factor is not None else None, conf, src)
        elif name in ("opportunity", "opportunity_name"):
            self._opportunity(found, value, conf, ctx, name_first=True)
        elif name in self.picklists:
            found.offer(name, self._pick(name, value), conf, src)
        elif name == "close_date":
            found.offer(name, self._date(value, ctx), conf, src)
        elif name == "amount":
            amount = nz.parse_amount(value)
            found.offer(name, str(amount) if amount is not None else None, conf, src)
        elif name == "quote_due":
            due = self._due(value, ctx)
            found.offer(name, due, conf, src)
        elif name == "site_address":
            # "Site: 3415 Parkdale Blvd NW, Calgary. Homeowners are the Ruiz family; ..."
            address = _ADDRESS.search(joined)
            if address and re.match(r"\s*[.;]\s+\S", joined[address.end() :]):
                joined = joined[: address.end()]
            found.offer(name, joined, conf, src)
        elif name in ("special_instructions", "description"):
            found.offer(name, joined, conf, src)
        elif name == "contact_name":
            self._offer_contact(found, joined, conf, src)
        elif name == "contact_phone":
            found.offer(name, nz.normalise_phone(joined, self.org.phone_region), conf, src)
        elif name == "urgency":
            urgent = self.is_emergency(joined) or re.search(r"\b(?:high|critical)\b", joined, re.I)
            found.offer(name, "emergency" if urgent else "normal", conf, src)
        elif name == "reference":
            found.offer(name, _clean(joined.split()[0]) if joined.split() else None, conf, src)

    def _pick(self, name: str, text: str) -> str | None:
        """A picklist value as written ("Approbation (90 %)"), the one value a short phrase
        names ("3 - Submissions", "Project, supply only"), or for a stage given only as its
        win probability ("50%"), the one stage with that probability."""
        picklist = self.picklists[name]
        exact = picklist.match(text)
        if exact:
            return exact
        # "Submissions, ils ont vu la présentation": the value, then a comment on it
        head = re.split(r"\s*[,;(]\s*|\s+[-–]\s+", text.strip(), maxsplit=1)[0]
        if head != text.strip() and picklist.match(head):
            return picklist.match(head)
        if len(text.split()) > 6:
            return None
        hits = {value for value, _, _ in picklist.find(text)}
        if len(hits) == 1:
            return hits.pop()
        percent = re.fullmatch(r"\s*(\d{1,3})\s*%\s*", text)
        stages = self.org.picklists.get(name)
        if percent and isinstance(stages, dict):
            same = [k for k, v in stages.items() if str(v) == percent.group(1)]
            return same[0] if len(same) == 1 else None
        return None

    def _offer_account(self, found: _Found, text: str, conf: float, src: str) -> None:
        text = _clean(re.sub(r"\([^)]*\)", " ", text))
        account = nz.match_account(text, self.org)
        if account:
            found.offer("account", account.name, conf, src)
            found.offer("account_id", account.id, conf, src)
        else:
            found.offer("account", text, conf * 0.9, src)

    def _offer_contact(self, found: _Found, text: str, conf: float, src: str) -> None:
        """ "Marco Rossi (site super), 403-555-0111": the name, and the phone if there is one."""
        phone = nz.normalise_phone(text, self.org.phone_region)
        name = re.split(r"[(,;]|\s[-–]\s|\s\d", text)[0]
        name = _clean(name)
        if name and len(name.split()) <= 5 and re.search(r"[^\W\d_]", name):
            found.offer("contact_name", name, conf, src)
        if phone:
            found.offer("contact_phone", phone, min(conf, IN_LABEL_VALUE), src)

    def _positional(self, found: _Found, block: _Block, ctx: _Context) -> None:
        """Unlabelled items of the numbered form: 1 account, 2 specs, 3 factor, 4 opportunity,
        5 special instructions, 6 attachments."""
        target = _SIX_ITEMS.get(block.number or 0)
        if target:
            # "4. Opp name/type/stage/close: X / Y / Z / W": the label is the position's
            text = re.sub(r"^[^\W\d][^:：\n]{0,40}[:：]\s+", "", block.text)
            self._label(found, target, text, block.lines, POSITIONAL, ctx)

    def _inline_labels(self, found: _Found, block: _Block, ctx: _Context) -> None:
        """ "... factor 0.49. Products: 6 picture ... Special instructions: crane access ...":
        a known label starting a sentence inside a paragraph."""
        structure = _Structure(self.labels[ctx.queue], ctx.queue)
        starts = [
            m
            for m in re.finditer(r"(?:(?<=[.!?])\s+)([A-ZÀ-Ý][^:.!?]{1,30}?)\s*:\s", block.text)
            if structure.field_for(m.group(1), False)
        ]
        for i, m in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(block.text)
            name = structure.field_for(m.group(1), False) or ""
            value = block.text[m.end() : end].strip()
            self._label(found, name, value, [], LABELLED - 0.05, ctx)
        if starts:
            block.text = block.text[: starts[0].start()]

    # -- opportunities ----------------------------------------------------------------------

    def _opportunity(
        self, found: _Found, text: str, conf: float, ctx: _Context, *, name_first: bool
    ) -> None:
        """ "Ridgeline - Bragg Creek Cabin / Standard / Submissions / close 2027-01-22": the
        leading parts that are no picklist value or date are the name; the rest fill fields."""
        parts = _split_parts(text.strip().rstrip("."))
        name_parts: list[str] = []
        reading_name = name_first
        for part in parts:
            said = self._part_fields(part, ctx, loose=not reading_name)
            if reading_name and not said:
                name_parts.append(part)
                continue
            reading_name = False
            for name, value in said.items():
                if value is None:
                    found.declared_empty.add(name)
                else:
                    found.offer(name, value, min(conf, CLAUSE), ctx.source)
        name = _unquote(", ".join(name_parts))
        if name and not nz.is_no_value(name):
            found.offer("opportunity_name", name, conf, ctx.source)

    def _part_fields(self, part: str, ctx: _Context, *, loose: bool) -> dict[str, str | None]:
        """What one comma/slash part of an opportunity line says: {"stage": "Submissions"}
        for "stage Submissions", {"close_date": None} for "close date TBD", {} for a name.

        `loose` also finds a value inside a short phrase ("we're at Submissions"); it is off
        while the name may still be read, so "Standard Pacific - Lot 4" stays a name.
        """
        key = nz.fold(part)
        bare = _PART_CUES.sub("", key).strip()
        for name, picklist in self.picklists.items():
            value = picklist.match(bare) or picklist.match(part)
            if value is None and loose and len(key.split()) <= 6:
                hits = {v for v, _, _ in picklist.find(part)}
                value = hits.pop() if len(hits) == 1 else None
            if value:
                return {name: value}
        cue = _CLOSE_PART.match(part.strip())
        if cue:
            rest = cue.group(1).strip()
            if nz.is_no_value(rest):
                return {"close_date": None}
            date = self._date(rest, ctx)
            return {"close_date": date} if date else {}
        hit = nz.find_date(part, now=ctx.now)
        if hit and (hit[2] - hit[1]) >= 0.6 * len(part.strip()):
            return {"close_date": hit[0].isoformat()}
        factor = _FACTOR_PART.fullmatch(part.strip())
        if factor and nz.parse_factor(factor["value"]) is not None:
            return {"factor": str(nz.parse_factor(factor["value"]))}
        if _AMOUNT_PART.fullmatch(part.strip()):
            amount = nz.parse_amount(part.strip().lstrip("~≈").removeprefix("approx").strip())
            if amount is not None:
                return {"amount": str(amount)}
        return {}

    def _date(self, text: str, ctx: _Context) -> str | None:
        text = text.strip()
        if nz.is_no_value(text):
            return None
        parsed = nz.parse_date(text, now=ctx.now)
        if parsed is None:
            hit = nz.find_date(text, now=ctx.now)
            parsed = hit[0] if hit else None
        return parsed.isoformat() if parsed else None

    def _due(self, text: str, ctx: _Context) -> str | None:
        """A requested quote date, kept only when it is earlier than the quote SLA."""
        hit = nz.find_date(text, now=ctx.now)
        if not hit:
            return None
        due, deadline = hit[0], (ctx.now + self.sla).date()
        return due.isoformat() if ctx.now.date() <= due < deadline else None

    # -- quotes: structures and prose ----------------------------------------------------------

    def _quote_structures(self, found: _Found, blocks: list[_Block], ctx: _Context) -> None:
        """Tables and bullet lists of products, when no label already gave the specs."""
        for block in blocks:
            if block.kind == "table":
                found.offer(
                    "product_specs", _table_specs(block.rows, self.qty_product), TABLE, ctx.source
                )
            elif block.kind == "bullets" and _looks_like_products(block.lines, self.qty_product):
                found.offer("product_specs", _spec_lines(block.lines), BULLETS, ctx.source)

    def _quote_prose(self, found: _Found, blocks: list[_Block], ctx: _Context) -> None:
        """Cue words in the paragraphs: factor, close date, amount, opportunity clause, type,
        stage, record type, quote due, product quantities, and the instructions after them."""
        units: list[tuple[str, str]] = []  # ("spec", "") markers and ("sentence", text)
        for block in blocks:
            if block.kind == "prose":
                units.extend(("sentence", s) for s in sentences(block.text))
            elif block.kind == "bullets":
                # "- factor .51" / "- BVR - Elbow Park Sunroom / Standard / close May 28":
                # a list mixing products and fields; each line is read for what it says.
                for line in block.lines:
                    if self.qty_product.search(line) or _DIMENSION.search(line):
                        units.append(("spec", ""))
                    elif len(_split_parts(line)) >= 3:
                        self._summary_row(found, _split_parts(line), ctx)
                    else:
                        units.extend(("sentence", s) for s in sentences(line))
            elif block.kind == "label":
                units.append(("label", block.target))
        text = " ".join(s for kind, s in units if kind == "sentence")
        self._prose_numbers(found, text, ctx)
        self._prose_opportunity(found, text, ctx)
        self._prose_specs_and_instructions(found, units, ctx)

    def _prose_numbers(self, found: _Found, text: str, ctx: _Context) -> None:
        src = ctx.source
        for m in re.finditer(
            r"\b(?:factor|facteur|multiplier|multiplicateur)\b(?:\s+(?!is\b|of\b|at\b)[a-z]+){0,3}?"
            r"(?:\s*(?:of|is|at|de|est|now|"
            r"will be|should be|to be|approved at|set at|updated to|changed to|moved to|"
            r"goes to|becomes)\b|\s*[=:])*\s*([x×]?\s?\d*[.,]?\d+\s*(?:%|percent\b|pct\b)?|half\b)",
            text,
            re.IGNORECASE,
        ):
            said = m.group(1).lower()
            factor = Decimal("0.50") if said == "half" else nz.parse_factor(said)
            if factor is not None:
                found.offer("factor", str(factor), PROSE, src)
                break
        m = re.search(
            r"(?<![\w.])[x×]\s?(0?[.,]\d{1,3}|1(?:[.,]\d{1,3})?)\b(?!\s*[x×\"])"
            r"|(?<![\w.])(0?[.,]\d{1,3})\s?x\s+(?:list|net|retail)\b",  # "0.5x list"
            text,
        )
        factor = nz.parse_factor(m.group(1) or m.group(2)) if m else None
        if factor is not None:
            found.offer("factor", str(factor), PROSE - 0.1, src)  # "at x0.50"
        if not found.has("factor") and "factor" not in found.declared_empty:
            self._bare_factor(found, text, ctx)
        for m in re.finditer(
            r"\b(?:close|closing|closes|closed|clôture|cloture)\b(?:\s+date)?(?:\s*(?:is|on|of|by|in|"
            r"for|around|de|le|la|est|prévue|prevue|expected|set for|now|moved to|pushed to|"
            r"changed to|moved|pushed back to|updated to|will be|should be|to)\b|\s*[:=])*\s*",
            text,
            re.IGNORECASE,
        ):
            hit = nz.find_date(text[m.end() : m.end() + 40], now=ctx.now)
            if hit and hit[1] == 0:
                found.offer("close_date", hit[0].isoformat(), PROSE, src)
                break
        # The customer's decision date is the opportunity's close date in the CRM.
        for m in re.finditer(
            r"\b(?:decide|decision|award(?:ed)?|sign(?:ing|s)?|signature|commit)\b(?:\s+(?:is\s+)?(?:on|by|"
            r"around|before|expected|due))?\s*",
            text,
            re.IGNORECASE,
        ):
            hit = nz.find_date(text[m.end() : m.end() + 40], now=ctx.now)
            if hit and hit[1] == 0:
                found.offer("close_date", hit[0].isoformat(), PROSE - 0.1, src)
                break
        for sentence in sentences(text):
            if re.search(
                r"\b(?:amount|amt|montant|valeur|value|worth|budget|total|estimated|estim[ée]|"
                r"all in|all-in|ballpark|around|about|roughly|approx(?:imately)?)\b",
                sentence,
                re.IGNORECASE,
            ):
                amount = nz.find_amount(sentence)
                if amount is not None:
                    found.offer("amount", str(amount), PROSE, src)
                    break
        if not ctx.source.startswith("attachment"):
            self._prose_due(found, text, ctx)

    def _bare_factor(self, found: _Found, text: str, ctx: _Context) -> None:
        """'Quote for the Martels please -- .62, opp ...' or, in a reply, 'go with .56': in a
        quote request a lone decimal below one written as a fraction is the pricing factor,
        when it is the only one (sizes, money and percentages are other numbers)."""
        candidates = {nz.parse_factor(m.group(1)) for m in _BARE_DECIMAL.finditer(text)}
        candidates = {f for f in candidates if f is not None and Decimal("0.2") <= f < 1}
        if len(candidates) == 1:
            found.offer("factor", str(candidates.pop()), GUESS, ctx.source)

    def _prose_due(self, found: _Found, text: str, ctx: _Context) -> None:
        """ "Can I get this one by tomorrow at noon?", "I need it today" -> quote_due, when
        that is earlier than the SLA. A close, install or delivery date is not a quote date,
        and "no rush, anytime before Dec 4" asks for nothing."""
        for sentence in sentences(text):
            if _NOT_A_QUOTE_DATE.search(sentence) or not _WANTS_QUOTE.search(sentence):
                continue
            m = re.search(
                r"\b(?:by|before|no later than|due|for|until|d'ici|avant|pour)\s+|"
                r"\b(?=(?:today|tonight|this afternoon|eod|end of (?:the )?day)\b)",
                sentence,
                re.IGNORECASE,
            )
            if not m:
                continue
            hit = nz.find_date(sentence[m.end() :], now=ctx.now)
            if hit and hit[1] <= 4:
                due = self._due(sentence[m.end() :], ctx)
                found.offer("quote_due", due, PROSE, ctx.source)
                return

    def _prose_opportunity(self, found: _Found, text: str, ctx: _Context) -> None:
        """'The opp is "Ridgeline - Cougar Ridge Reno", standard type, we're at Submissions'."""
        for sentence in sentences(text):
            m = re.search(
                r"\b(?:opp|oppty|opportunity|opportunit[ée])\b(?:\s+name)?(?:\s+(?:is|will be|"
                r"called|named|is called|is named|name is|titled)\b|\s*[:=\-–])?\s*",
                sentence,
                re.IGNORECASE,
            )
            if not m:
                continue
            rest = sentence[m.end() :].rstrip(" .!?")
            quoted = re.match(r"[\"“«'‘]([^\"”»’]{3,80})[\"”»’]\s*,?\s*(.*)$", rest)
            later = re.search(r"[\"“«]([^\"”»\n]{3,80})[\"”»]", rest)
            if quoted:
                found.offer("opportunity_name", _clean(quoted.group(1)), PROSE + 0.1, ctx.source)
                self._opportunity(found, quoted.group(2), CLAUSE, ctx, name_first=False)
            elif re.match(r"[A-Z0-9]", rest):
                self._opportunity(found, rest, PROSE, ctx, name_first=True)
            elif later:  # 'set the opportunity up in Salesforce as "BVR - Bowness Refit"'
                found.offer("opportunity_name", _clean(later.group(1)), PROSE, ctx.source)
        self._prose_picklists(found, text, ctx)
        self._bare_picklist_clauses(found, text, ctx)
        self._stage_by_probability(found, text, ctx)

    def _stage_by_probability(self, found: _Found, text: str, ctx: _Context) -> None:
        """ "We're at 50% on this one": a stage named by its win probability."""
        m = re.search(
            r"\b(?:we(?:'|’)?re|we are|they(?:'|’)?re|they are|it(?:'|’)?s|stage(?: is)?|"
            r"sitting|now|probability(?: is)?)\s+(?:at\s+|of\s+)?(\d{1,3})\s*%",
            text,
            re.IGNORECASE,
        )
        if m and not found.has("stage"):
            found.offer("stage", self._pick("stage", m.group(1) + "%"), PROSE - 0.1, ctx.source)

    def _bare_picklist_clauses(self, found: _Found, text: str, ctx: _Context) -> None:
        """'Project, stage Submissions, mult x .49': a comma-separated clause that is exactly
        one picklist's value, written capitalised as a value is, names that picklist."""
        for sentence in sentences(text):
            for part in re.split(r"\s*[,;]\s*|\s+-\s+", sentence.strip(" .!?")):
                if not part[:1].isupper() or len(part.split()) > 4:
                    continue
                name = self._picklist_of_value(part)
                if name and not found.has(name):
                    found.offer(name, self.picklists[name].match(part), PROSE - 0.1, ctx.source)

    def _prose_picklists(self, found: _Found, text: str, ctx: _Context) -> None:
        """ "type is Standard, stage Funding": picklist values right after their cue word."""
        cues = {
            "stage": r"\b(?:stage|[ée]tape|(?:we|they|it)(?:'|’)?(?:re|s) at|(?:we|they) are at|"
            r"it is at|currently at|now at|sitting at|sits at|still at|moved to|is at|in|"
            r"stage (?:I|we) (?:put|set|picked|chose)|stage (?:is|was) set to)\s*"
            r"(?:is|=|:|-|of|at)?\s*$",
            "opportunity_type": r"\b(?:type|opp type|opportunity type)\s*(?:is|=|:|-)?\s*$",
            "record_type": r"\brecord(?: type)?\s*(?:is|=|:|-)?\s*$",
        }
        # "Project as the type and Single as the record type": the value before its cue.
        after_cues = {
            "stage": r"\s+(?:as|for) (?:the )?stage\b",
            "opportunity_type": r"\s+(?:type|opp|oppty|opportunity)\b"
            r"|\s+as (?:the )?(?:opp(?:ortunity)? )?type\b",
            "record_type": r"\s+as (?:the )?record(?: type)?\b",
        }
        for name, cue in cues.items():
            for value, start, end in self.picklists[name].find(text):
                before = text[max(0, start - 30) : start]
                after = text[end : end + 24]
                if re.search(cue, before, re.IGNORECASE) or re.match(
                    after_cues[name], after, re.IGNORECASE
                ):
                    found.offer(name, value, PROSE, ctx.source)
                    break
                if name == "record_type" and len(value.split()) > 1:
                    found.offer(name, value, PROSE - 0.1, ctx.source)

    def _prose_specs_and_instructions(
        self, found: _Found, units: list[tuple[str, str]], ctx: _Context
    ) -> None:
        """Quantities of products in prose give the specs; in a request written without
        labels, the plain sentences after the products are the special instructions."""
        spec_at = -1
        if not found.has("product_specs"):
            spec_at = self._prose_specs(found, units, ctx)
        else:
            spec_at = max((i for i, (k, _) in enumerate(units) if k == "spec"), default=-1)
        labelled_form = any(k == "label" for k, _ in units)
        if labelled_form and not ctx.is_reply and not found.has("special_instructions"):
            self._closing_instructions(found, units, ctx)
            return
        if spec_at < 0 or ctx.is_reply or found.has("special_instructions") or labelled_form:
            return
        chosen: list[str] = []
        for kind, sentence in units[spec_at + 1 :]:
            if kind != "sentence":
                continue
            if (
                _FIELD_CUE.search(sentence)
                or _META.search(sentence)
                or self._says_when(sentence, ctx)
            ):
                continue
            sentence = _strip_greeting(sentence)
            if len(sentence.split()) >= 3 and not self.qty_product.search(sentence):
                chosen.append(sentence)
        if chosen:
            found.offer("special_instructions", " ".join(chosen), GUESS, ctx.source)

    @staticmethod
    def _says_when(sentence: str, ctx: _Context) -> bool:
        """A sentence about when the quote is wanted or what it is worth is not an
        instruction ("No rush, end of next week is fine", "Probably around $60K all in")."""
        return bool(
            _MONEY.search(sentence)
            or (
                _WANTS_QUOTE.search(sentence)
                and not _NOT_A_QUOTE_DATE.search(sentence)  # "delivery by mid March" stays
                and nz.find_date(sentence, now=ctx.now)
            )
            or re.search(r"\bno rush\b|\bpas press[ée]\b", sentence, re.IGNORECASE)
        )

    def _closing_instructions(
        self, found: _Found, units: list[tuple[str, str]], ctx: _Context
    ) -> None:
        """A labelled form followed by a plain paragraph ("Please quote a seat board for the
        bay as a separate line."): with no instructions label, that paragraph is them."""
        last_structure = max(i for i, (k, _) in enumerate(units) if k in ("label", "spec"))
        chosen = []
        for kind, sentence in units[last_structure + 1 :]:
            if kind != "sentence":
                continue
            sentence = _strip_greeting(sentence)
            if (
                _FIELD_CUE.search(sentence)
                or _META.search(sentence)
                or _SIGN_OFF.match(sentence)
                or self.qty_product.search(sentence)
                or self._says_when(sentence, ctx)
                or len(sentence.split()) < 4
            ):
                continue
            chosen.append(sentence)
        if chosen:
            found.offer("special_instructions", " ".join(chosen), GUESS, ctx.source)

    def _prose_specs(self, found: _Found, units: list[tuple[str, str]], ctx: _Context) -> int:
        """ "can you quote 36 sliders 60x48 and 12 awnings 30x24, all ... white, at x0.50?"
        -> from the first quantity of a product to the end of its sentence."""
        for i, (kind, sentence) in enumerate(units):
            m = self.qty_product.search(sentence) if kind == "sentence" else None
            if not m:
                continue
            spec = _cut_at_cue(sentence[m.start() :])
            last = i
            for j in range(i + 1, min(i + 3, len(units))):
                kind2, follow = units[j]
                if (
                    kind2 == "sentence"
                    and _DIMENSION.search(follow)
                    and not _FIELD_CUE.search(follow)
                ):
                    follow = re.sub(
                        r"^(?:they(?:'|’)?re|they are|these are|it(?:'|’)?s|all)\s+",
                        "",
                        follow,
                        flags=re.I,
                    )
                    spec += ", " + _cut_at_cue(follow)
                    last = j
                else:
                    break
            found.offer("product_specs", spec, PROSE - 0.1, ctx.source)
            return last
        return -1

    def _subject_as_request(self, found: _Found, msg: ParsedMessage, ctx: _Context) -> None:
        """ "Clearview | Clearview - Sherwood Park | 12 casement 36x48 | .55 | Standard |
        Submissions | close 5/21" with a body of "^^ all in the subject"."""
        subject = _subject_text(msg.subject)
        cells = [c.strip() for c in re.split(r"\s+\|\s+|\s*;\s+", subject) if c.strip()]
        if len(cells) >= 4:
            self._summary_row(found, cells, _replace(ctx, "subject"))

    def _quote_extras(self, found: _Found, msg: ParsedMessage, ctx: _Context) -> None:
        """Subject hints (account, specs, due date) and the account named by the opportunity."""
        subject = _subject_text(msg.subject)
        if not ctx.is_reply and subject:
            sub_ctx = _replace(ctx, "subject")
            if not found.has("account") and "account" not in found.declared_empty:
                self._account_mentions(found, subject, sub_ctx)
            if not found.has("product_specs"):
                m = self.qty_product.search(subject)
                if m:
                    found.offer("product_specs", _clean(subject[m.start() :]), GUESS, "subject")
            if not found.has("quote_due"):
                self._prose_due(found, subject, sub_ctx)
        name = found.values.get("opportunity_name")
        if name and not found.has("account") and not ctx.is_reply:
            head = re.split(r"\s[-–—|:]\s", str(name.value))[0]
            account = nz.match_account(head, self.org)
            if account:
                found.offer("account", account.name, GUESS, name.source)
                found.offer("account_id", account.id, GUESS, name.source)

    # -- service ------------------------------------------------------------------------------

    def _service_prose(self, found: _Found, blocks: list[_Block], ctx: _Context) -> None:
        """Phone, address, reference, urgency and the problem description from paragraphs."""
        paragraphs = [b.text if b.kind == "prose" else "; ".join(b.lines) for b in blocks]
        text = "\n\n".join(
            p
            for b, p in zip(blocks, paragraphs, strict=True)
            if p and b.kind in ("prose", "bullets")
        )
        self._prose_phone(found, text, ctx)
        phone_labels = [b for b in blocks if b.kind == "label" and b.target == "contact_phone"]
        labelled = "\n".join(" ".join([b.text, *b.lines]) for b in phone_labels)
        if labelled and _USE_WHICH_PHONE.search(labelled + "\n" + text):
            # "Phone: 403-555-0190 (home) / 587-555-0191 (cell)" + "Please use the cell"
            self._prose_phone(found, labelled + "\n" + text, ctx)
        address = _ADDRESS.search(text)
        if address:
            found.offer("site_address", _clean(address.group(0)).rstrip("."), PROSE, ctx.source)
        for label_block in (b for b in blocks if b.kind == "label"):
            ref = _REFERENCE.search(label_block.text)
            if ref and label_block.target not in ("contact_phone", "contact_name"):
                found.offer("reference", _reference(ref), PROSE, ctx.source)
        ref = _REFERENCE.search(text)
        if ref:
            found.offer("reference", _reference(ref), PROSE, ctx.source)
        if not ctx.is_reply:
            description = _description([b for b in blocks if b.kind in ("prose", "bullets")])
            found.offer("description", description, PROSE, ctx.source)
        self._urgency(found, text, ctx)

    def is_emergency(self, text: str) -> bool:
        """A hazard named, or "urgent"/"emergency" said, neither with a "not" before it."""
        lowered = text.replace("’", "'").lower()
        return _unnegated(self.hazard, lowered) or _says_urgent(lowered)

    def _prose_phone(self, found: _Found, text: str, ctx: _Context) -> None:
        """The caller's number. The words just before a number say whose it is: a "new" or
        "cell" number wins, an "old", "office" or "fax" number loses; otherwise the first."""
        best: tuple[float, int, str] | None = None
        use = _USE_WHICH_PHONE.search(text)
        for e164, start, end in nz.find_phones(text, self.org.phone_region):
            before = text[max(0, start - 40) : start]
            tag = re.match(
                r"\s*\(?\s*(cell|mobile|home|office|work|landline|fax)\b", text[end:], re.I
            )
            score = 0.0
            if _PHONE_PREFERRED.search(before):
                score += 1.0
            if _PHONE_AVOIDED.search(before):
                score -= 2.0
            if tag and use:  # "403-555-0190 (home) / 587-555-0191 (cell). Please use the cell"
                said = {"mobile": "cell"}.get(tag.group(1).lower(), tag.group(1).lower())
                wanted = {"mobile": "cell"}.get(use.group(1).lower(), use.group(1).lower())
                score += 1.5 if said == wanted else -1.5
            if best is None or score > best[0]:
                best = (score, start, e164)
        if best:
            # The sender saying which number to use beats even a labelled pair of numbers.
            conf = LABELLED + 0.05 if best[0] >= 1.5 else PROSE if best[0] >= 0 else GUESS
            found.offer("contact_phone", best[2], conf, ctx.source)

    def _urgency(self, found: _Found, text: str, ctx: _Context) -> None:
        if self.is_emergency(text):
            found.offer("urgency", "emergency", PROSE, ctx.source)
        elif not ctx.is_reply:
            found.offer("urgency", "normal", GUESS, ctx.source)

    def _service_extras(
        self, found: _Found, msg: ParsedMessage, ctx: _Context, body: str, tail: str
    ) -> None:
        """Who the caller is: the account by sender address, the subject's urgency and
        reference, and for a customer (never for staff) the From name and own signature."""
        if not ctx.is_reply:
            account = self.org.account_by_contact(msg.from_addr)
            if account:
                found.offer("account", account.name, LABELLED, "from")
                found.offer("account_id", account.id, LABELLED, "from")
            subject = _subject_text(msg.subject)
            # A subject saying "urgent" counts; a subject naming a hazard ("door won't close")
            # defers to the body, which says how bad it is ("a 1 cm gap at the latch").
            if _says_urgent(subject) or (
                self.is_emergency(subject) and (not body.strip() or self.is_emergency(body))
            ):
                found.offer("urgency", "emergency", PROSE, "subject")
            ref = _REFERENCE.search(subject)
            if ref:
                found.offer("reference", _reference(ref), GUESS, "subject")
            address = _ADDRESS.search(subject)
            if address and not found.has("site_address"):  # "Foggy window - 42 Cranbrook Rise SE"
                found.offer("site_address", _clean(address.group(0)), GUESS, "subject")
            if not found.has("account") and not ctx.sender_is_staff:
                self._unknown_company(found, body)
        if ctx.sender_is_staff:
            if not ctx.is_reply and msg.forwarded_text:
                self._forwarded_customer(found, msg.forwarded_text, ctx)
            return
        if ctx.is_reply:
            return  # a reply's signature repeats who they are; only its new text counts
        found.offer("contact_name", _self_introduction(body), PROSE, "body")
        found.offer("contact_name", _person_name(msg.from_name), HEADER, "from")
        signature = "\n".join(x for x in (tail, msg.signature) if x)
        self._customer_signature(found, signature, ctx)

    def _forwarded_customer(self, found: _Found, forwarded: str, ctx: _Context) -> None:
        """Staff forwarding a customer's own email: the customer is the forwarded sender,
        and their signature below the forwarded text is theirs, not the staff member's."""
        m = re.search(
            r"^\s*(?:from|de)\s*:\s*\"?([^<\n\"]+?)\"?\s*<([^>\s]+)>", forwarded, re.I | re.M
        )
        if not m or self.org.is_company_address(m.group(2)):
            return
        found.offer("contact_name", _person_name(m.group(1)), GUESS, "forwarded")
        _, tail = split_tail(_strip_forward_headers(forwarded), m.group(1))
        fwd_ctx = _replace(ctx, "forwarded")
        self._customer_signature(found, tail, fwd_ctx)

    def _customer_signature(self, found: _Found, signature: str, ctx: _Context) -> None:
        """A customer's own signature gives their name, phone and address when the body
        does not."""
        if not signature:
            return
        lines = [x.strip() for x in signature.split("\n") if x.strip()]
        source = "signature" if ctx.source == "body" else ctx.source
        for line in lines:
            if _SIGN_OFF.match(line):
                continue
            if _looks_like_name(line) and len(line.split()) >= 2:
                found.offer("contact_name", line, SIGNATURE, source)
            break
        # A cell or home line before an office or fax line; a fax is never the contact.
        ranked = sorted(
            (x for x in lines if not re.search(r"\bfax\b", x, re.I)),
            key=lambda x: bool(re.search(r"\b(?:office|work|main|switchboard)\b", x, re.I)),
        )
        for line in ranked:
            phones = nz.find_phones(line, self.org.phone_region)
            if phones:
                found.offer("contact_phone", phones[0][0], SIGNATURE, source)
                break
        address = _ADDRESS.search(", ".join(lines))
        if address:
            found.offer("site_address", _clean(address.group(0)).rstrip("."), GUESS, source)
        if not found.has("account"):  # "Site Supervisor / Bow Valley Renovations"
            for line in lines:
                for part in re.split(r"\s*[,|/•·]\s*|\s+[-–]\s+", line):
                    account = nz.match_account(part, self.org) if len(part) >= 4 else None
                    if account:
                        found.offer("account", account.name, SIGNATURE, source)
                        found.offer("account_id", account.id, SIGNATURE, source)
                        return
            for line in lines:  # "Office Manager, Tallgrass Dental": a company we do not know
                m = _TITLE_AND_COMPANY.match(line)
                if m and not nz.find_phones(line) and "@" not in line:
                    found.offer("account", _clean(m["company"]), GUESS, source)
                    return

    def _unknown_company(self, found: _Found, body: str) -> None:
        """A company the CRM does not know, named in the body as the one asking ("I manage
        Bridgeland Court for Keystone Property Management")."""
        m = re.search(
            r"\b(?:for|at|with|from|of)\s+((?:[A-Z][\w&'’-]*\s+){1,4}"
            r"(?:Property Management|Management|Homes|Builders|Construction|Developments?|"
            r"Properties|Renovations|Contracting|Realty|Group|Ltd\.?|Inc\.?|Corp\.?))\b",
            body,
        )
        if m:
            found.offer("account", _clean(m.group(1)), GUESS, "body")

    def _model_entities(self, found: _Found, body: str, ctx: _Context) -> None:
        """With a configured spaCy model: an organisation it recognises stands for an
        account nothing else found (kept as written, not matched to a known one), and a
        customer's own request may name its contact. The least sure reading of all."""
        if not self.vocabulary.ner:
            return
        own = {nz.account_key(team.name) for team in self.org.teams.values()}
        if not found.has("account"):
            orgs = [
                e for e in self.vocabulary.entities(body, "ORG") if nz.account_key(e) not in own
            ]
            if orgs:
                known = nz.match_account(orgs[0], self.org)
                name, account_id = (known.name, known.id) if known else (orgs[0], None)
                found.offer("account", name, GUESS - 0.1, ctx.source)
                found.offer("account_id", account_id, GUESS - 0.1, ctx.source)
        if ctx.queue == SERVICE and not ctx.sender_is_staff and not found.has("contact_name"):
            people = self.vocabulary.entities(body, "PERSON")
            if people:
                found.offer("contact_name", people[0], GUESS - 0.1, ctx.source)

    # -- accounts named in text -----------------------------------------------------------------

    def _account_mentions(self, found: _Found, text: str, ctx: _Context) -> None:
        """A known account named in running text. When several are named, the one the
        request is "for", the one the opportunity is named after, then the most named.
        A close spelling ("Praire Crest") counts, a little less sure than the name itself."""
        if found.has("account") or ctx.is_reply:
            return
        scores: dict[str, float] = {}
        accounts: dict[str, Account] = {}
        exact: dict[str, bool] = {}
        opp = str(found.values.get("opportunity_name", FieldValue("", 0, "")).value)
        for mention in self.vocabulary.account_mentions(text):
            account = mention.account
            accounts[account.id] = account
            exact[account.id] = exact.get(account.id, False) or mention.exact
            before = text[max(0, mention.start - 12) : mention.start].casefold()
            bonus = 1.0 if re.search(r"\b(?:for|pour)\s+$", before) else 0.0
            scores[account.id] = scores.get(account.id, 0.0) + 1.0 + bonus
        for account_id, account in accounts.items():
            if opp and nz.match_account(re.split(r"\s[-–—|:]\s", opp)[0], self.org) is account:
                scores[account_id] += 2.0
        if not scores:
            return
        best = max(scores, key=lambda k: scores[k])
        conf = PROSE if ctx.source != "subject" else GUESS
        if not exact[best]:
            conf -= 0.1
        found.offer("account", accounts[best].name, conf, ctx.source)
        found.offer("account_id", accounts[best].id, conf, ctx.source)

    # -- attachments ----------------------------------------------------------------------------

    def _attachment_texts(self, found: _Found, msg: ParsedMessage, ctx: _Context) -> None:
        """Text attachments (.txt, .csv, text PDFs) fill the fields the body does not carry.

        Only what an attachment states in a structure counts (labels, a numbered form, a
        product table): a document's title naming an account or a revision date is not a
        field. Product specs may also come from its prose lines.
        """
        required = set(self.org.required_fields(ctx.queue))
        if ctx.is_reply or all(found.has(name) for name in required):
            return
        for attachment in msg.real_attachments:
            text = attachment_text(attachment)[:MAX_DOCUMENT_TEXT]
            if not text.strip():
                continue
            src = f"attachment:{attachment.filename}"
            sub = self._read_text(text, _replace(ctx, src))
            for name, value in sub.values.items():
                structured = value.confidence >= TABLE or name == "product_specs"
                if structured and not found.has(name) and name not in found.declared_empty:
                    found.offer(name, value.value, value.confidence * 0.8, src)


# ---------------------------------------------------------------------------------------------
# Module helpers
# ---------------------------------------------------------------------------------------------


def missing_fields(fields: dict[str, FieldValue], required: list[str]) -> list[str]:
    """The required fields that were not extracted (or came out empty), in required order."""
    return [name for name in required if name not in fields or fields[name].value in ("", [], None)]


def _is_document(attachment: Attachment) -> bool:
    """Signature files and vCards travel with mail but are not what the sender attached."""
    name = attachment.filename.casefold()
    return not name.endswith((".p7s", ".asc", ".vcf", ".sig")) and attachment.content_type not in (
        "application/pkcs7-signature",
        "application/pgp-signature",
    )


def _replace(ctx: _Context, source: str) -> _Context:
    return _Context(ctx.queue, ctx.now, ctx.sender_is_staff, ctx.is_reply, source)


def _sla(text: str) -> timedelta:
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([hd])", str(text).casefold())
    if not m:
        return timedelta(hours=48)
    amount = float(m.group(1))
    return timedelta(hours=amount) if m.group(2) == "h" else timedelta(days=amount)


def _subject_text(subject: str) -> str:
    """The subject without reply/forward prefixes and case tags."""
    text = re.sub(
        r"^\s*(?:(?:re|fw|fwd|tr|aw)\s*:\s*|\[[^\]]*\]\s*)+", "", subject or "", flags=re.I
    )
    return text.strip()


def _without_lines_of(text: str, signature: str) -> str:
    """Drop lines that are in the detected signature, in case they were left in the body."""
    if not signature.strip():
        return text
    sig_lines = {line.strip() for line in signature.split("\n") if len(line.strip()) > 3}
    return "\n".join(line for line in text.split("\n") if line.strip() not in sig_lines)


def _split_parts(text: str) -> list[str]:
    """Comma / slash / semicolon parts, keeping "December 22, 2026" in one part."""
    pieces = re.split(r"\s+/\s+|\s*;\s*|\s*,\s*|\s+\|\s+|(?<=[a-z]{2})\.\s+(?=[A-Z])", text)
    parts = [p.strip() for p in pieces if p.strip()]
    merged: list[str] = []
    for part in parts:
        if merged and re.fullmatch(r"\d{4}", part):
            merged[-1] = f"{merged[-1]}, {part}"
        else:
            merged.append(part)
    return merged


def _cut_at_cue(text: str) -> str:
    """Drop the trailing comma parts of a spec sentence that are about price or the opp."""
    text = text.strip().rstrip(".?!")
    parts = re.split(r",\s*", text)
    kept: list[str] = []
    for part in parts:
        if re.search(r"\b(?:at\s+)?[x×]\s?0?[.,]\d|\bfactor\b|\bopp\b|\bclos", part, re.I):
            break
        kept.append(part)
    return _clean(", ".join(kept))


def _reference(m: re.Match[str]) -> str:
    return _clean(m.group(1) or m.group(0)).rstrip(".")


def _description(blocks: list[_Block]) -> str:
    """The problem in the sender's words: prose sentences that are not greetings, contact
    details, self-introductions, attachment notes or requests to be called."""
    kept: list[str] = []
    for block in blocks:
        text = block.text if block.kind == "prose" else "; ".join(block.lines)
        if block.kind == "prose" and _GREETING.fullmatch(text + " "):
            continue
        for sentence in sentences(text):
            sentence = _strip_greeting(sentence)
            if _not_problem(sentence):
                continue
            address = _ADDRESS.search(sentence)
            if address:
                rest = _clean(sentence[: address.start()] + sentence[address.end() :])
                if _ADDRESS_CUE.search(sentence) or len(rest.split()) < 5:
                    continue
                sentence = rest
            if len(sentence.split()) >= 2:
                kept.append(sentence)
    return " ".join(kept)


def _is_cover_note(body: str) -> bool:
    """A short note on top of a forward ("Rita - can you help this homeowner? See below.")."""
    return len(body.split()) < 40 and bool(
        re.search(
            r"\b(?:below|forward(?:ed|ing)?|fwd|see (?:the )?(?:email|message))\b", body, re.I
        )
    )


def _self_introduction(text: str) -> str | None:
    """ "This is Mike Dunn, site super for ..." / "My name is Jane Doe" -> the name."""
    m = re.search(
        r"\b(?:this is|my name is|my name's|i am|i'm|je m'appelle|ici)\s+"
        r"([A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+){1,2})",
        text,
    )
    return m.group(1) if m else None


# Enough to tell a sentence that gives a phone number (the full matcher is much slower).
_PHONE_SHAPE = re.compile(
    r"(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b|\+\d{1,3}(?:[\s.-]?\d{2,4}){3,5}\b"
)


def _unnegated(pattern: re.Pattern[str], text: str) -> bool:
    """`pattern` occurs in `text` without a "not"/"no"/"pas" just before it."""
    return any(
        not _NEGATION.search(text[max(0, m.start() - 20) : m.start()])
        for m in pattern.finditer(text)
    )


def _says_urgent(text: str) -> bool:
    """ "urgent", "emergency", "asap" said outright ("not urgent" does not count)."""
    return _unnegated(_URGENCY_WORDS, text)


def _not_problem(sentence: str) -> bool:
    if _PHONE_SHAPE.search(sentence):
        return True
    return bool(
        re.search(
            r"\b(?:attached|attaching|ci-joint|see photos?|this is [A-Z]\w+|my name is|"
            r"(?:please )?(?:call|contact|reach|text) (?:me|us|her|him|them|\w+ directly)|"
            r"best (?:number|time)|sent from my|thanks|thank you|merci)\b",
            sentence,
            re.IGNORECASE,
        )
    ) or bool(_SIGN_OFF.match(sentence))
