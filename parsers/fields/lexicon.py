"""The words of the trade, as data: field labels, picklist synonyms, hazard and urgency cues,
product nouns, the numbered form's items. The organisation file can add to each
(org.synonyms["labels"], org.synonyms[<picklist>], org.synonyms["urgency"],
org.synonyms["products"]); `vocab.OrgVocabulary` merges them."""

from __future__ import annotations

# Label targets that stand for another field: "Job:"/"Project:" is the opportunity's name
# (read a little less surely than "Opp name:", values.label_value)
LABEL_STANDS_FOR = {"job": "opportunity_name", "occupant": "contact_name"}

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
        "lines", "takeoff", "take off", "scope", "units", "prod", "prods",
        # "What they want: 4x hopper 32x20 ...", "Looking for: ..."
        "what they want", "what they need", "they want", "they need", "looking for",
        "what s needed", "needs", "wants", "what we re quoting", "what we are quoting",
        "quoting", "to quote", "what to quote",
        # a CRM opportunity's "Description" field, pasted into a quote request: what is quoted
        "description",
    ],
    "factor": [
        "factor", "pricing factor", "price factor", "multiplier", "multiplier factor",
        "discount factor", "facteur", "facteur de prix", "multiplicateur", "fctr",
        "fac", "fx",
    ],
    "opportunity": ["opportunity", "opp", "oppty", "opportunite", "opportunity details"],
    "opportunity_name": [
        "opportunity name", "opp name", "oppty name", "job name", "job opp", "opp job",
        "project name", "nom de l opportunite", "nom du projet",
        "project title", "opportunity title", "opp title", "scheme", "scheme name",
    ],
    # The trade's word for the job names the opportunity less surely than a label that says
    # "name" ("Job: Chen residence full window replacement" above "Opp name: BVR Chen
    # Residence Retrofit"): see LABEL_STANDS_FOR.
    "job": ["project", "projet"],
    "opportunity_type": [
        "opportunity type", "opp type", "oppty type", "type", "type d opportunite",
        "type de projet", "deal type", "job type",
    ],
    "record_type": [
        "record type", "record", "rec type", "type d enregistrement", "type de fiche", "rt",
    ],
    # a stage is also given as its win probability ("Probability: 50%"; values.label_value)
    "stage": [
        "stage", "opp stage", "opportunity stage", "sales stage", "etape", "stade", "stg",
        "probability", "win probability", "close probability", "probabilite", "prob",
        "win", "win pct", "win percent", "win percentage", "chance", "odds",  # "Win %: 50"
    ],
    "close_date": [
        "close date", "closing", "closing date", "close", "expected close",
        "expected close date", "est close", "date de cloture", "cloture", "date de fermeture",
        "cls", "cd",  # ("CD: Sept 3": the CRM's own shorthand)
        # a customer's own request form: when they decide is when the opportunity closes
        "decision by", "decision date", "award date", "expected award",
    ],
    "amount": [
        "amount", "opp amount", "opportunity amount", "value", "estimated value",
        "estimated amount", "est amount", "montant", "valeur", "montant estime", "budget",
        "est value", "deal size", "total", "amt", "opp amt", "est amt",
        # a quantity surveyor's words: "Contract sum: CAD 96,250.00"
        "contract sum", "contract value", "tender sum", "contract amount", "sum", "total sum",
        # the estimate said after the word: "Amount est: 19,800", "Value (est.)"
        "amount est", "amt est", "value est", "amount estimated", "amount estimate",
    ],
    "special_instructions": [
        "special instructions", "special instruction", "special", "instructions", "notes",
        "special instr", "special instrs", "spec instr", "instr",
        "note", "comments", "comment", "remarks", "instructions speciales", "remarques",
        "commentaires", "shipping", "delivery", "delivery notes", "shipping notes",
        "livraison", "other", "misc", "extras",
        "si", "s i",  # ("SI: email quote to me only": the AMs' shorthand)
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
        "nom", "contact sur place", "personne ressource", "personne-ressource",
        "contact for scheduling", "scheduling contact", "contact for access", "access contact",
        "contact on site", "contact for the visit", "contact for booking",
        "who",  # an AM's own numbered form: "1) Who: ... 3) Where: ... 4) What: ..."
        "contact person", "person to contact", "contact persons", "person in charge",
    ],
    # Whose home it is: the one to call unless a label names someone else to book with
    # ("Homeowner: Achebe" above "Contact to book: Shauna Pike"): see LABEL_STANDS_FOR.
    "occupant": [
        "homeowner", "home owner", "owner", "tenant", "resident", "proprietaire", "locataire",
    ],
    "contact_phone": [
        "phone", "phone number", "tel", "telephone", "cell", "cell phone", "mobile",
        "number", "contact number", "best number", "callback number", "telephone number",
        "tel cell", "cellulaire", "numero", "numero de telephone", "callback", "call back",
    ],
    "site_address": [
        "address", "site", "site address", "home address", "building address",
        "service address", "job site", "jobsite", "job address", "location", "property",
        "adresse", "adresse du site", "lieu", "addresses", "site addresses", "adresses",
        "street address", "street", "civic address", "where",
    ],
    # An order's delivery address, pasted from the order a service request is about: the site
    # when it is a street address ("Ship To  Northgate plant, 9120 27 St NW"), not when it
    # names a company or a project ("Ship to: Harbourfront Developments - Bridgewater").
    "delivery_address": [
        "ship to", "ship to address", "shipping address", "deliver to", "delivery address",
    ],
    # A web form's address in parts below its street line ("City:", "Province:", "Postal
    # code:"): each is added to the site address read just above it.
    "address_part": [
        "city", "town", "municipality", "province", "prov", "state", "postal code", "postal",
        "postcode", "zip", "zip code", "ville", "code postal",
    ],
    # A web form's name in parts ("First name:" then "Last name:", "Nom:" then "Prénom:"):
    # each part joins the contact's name read just above it, the given name first.
    "given_name": ["first name", "given name", "prenom"],
    "family_name": ["last name", "surname", "family name", "nom de famille"],
    "description": [
        "description", "problem", "issue", "problem description", "issue description",
        "details", "probleme", "description du probleme", "what s wrong", "whats wrong", "what",
        "what is wrong", "what happened", "the problem", "the issue", "issue reported",
        "problem reported", "reported issue", "reported problem", "issues reported",
        "problems reported", "work requested", "work required", "deficiency", "deficiencies",
        "concern", "concerns", "complaint", "warranty items", "items reported",
        "message", "your message", "request details", "describe the problem",
        "how can we help", "comments or questions",
    ],
    "urgency": ["urgency", "priority", "urgence", "priorite", "how urgent"],
    "reference": [
        "reference", "ref", "po", "po number", "order", "order number", "so", "sales order",
        "work order", "job number", "case", "case number", "invoice", "invoice number",
        "bon de commande", "commande", "numero de commande",
    ],
    "account": ["account", "account name", "acct", "builder", "dealer", "company", "compte"],
    "customer": ["customer", "customer name", "client", "client name"],
    "attachments": [
        "attachments", "attachment", "attached", "pieces jointes", "piece jointe", "photos",
        "photo", "pictures", "images", "uploads", "uploaded files", "files",
    ],
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
            # "w" for "with" without its slash: "Proj w install"
            "proj w install", "project w install", "proj w installation",
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

# Abbreviations read only when they are a whole cell or line ("Std / Sub / x.47"), never in
# prose, where "sub" is as likely the subcontractor. Folded spellings.
PICKLIST_ABBREVIATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "stage": {
        "Submissions": ("sub", "subs", "subm", "submit", "submiss"),
        "Approvals": ("appr", "apprv", "approv"),
        "Basic Qualification": ("bq", "qual", "basic"),
        "Funding": ("fund",),
        "Order Follow Up": ("ofu",),
    },
    "opportunity_type": {
        "Standard": ("std", "stnd", "stand"),
        "Project w/ installation": ("proj w/ inst", "proj w/ install", "pwi", "proj+install"),
    },
    "record_type": {
        "Account Monthly": ("acct monthly", "acc monthly", "acct mthly", "monthly"),
        "Non-Forecast Quote": ("nfq", "non forecast", "non-forecast"),
    },
}


# Hazards that make a service request an emergency: water coming in, broken glass, a home
# that cannot be locked or closed. Read on text with straight apostrophes.
EMERGENCY_CUES = [
    r"water (?:is |was )?(?:pouring|gushing|coming|running|leaking|pour(?:ing)?) in",
    r"pouring in", r"flood(?:ing|ed)?", r"broken glass", r"glass everywhere",
    r"smashed", r"shattered", r"glass (?:is |was )?(?:broken|smashed|shattered)",
    r"break[- ]?in\b", r"broke in\b", r"broken into",
    r"(?:can ?not|can't|cant|won't|wont|will not|does ?n[o']t|unable to) (?:be )?lock",
    r"(?:can ?not|can't|cant|unable to) (?:be )?secure", r"not secure",
    r"(?:door|window|it) (?:won't|wont|will not|can't|cannot|does ?n[o']t) (?:close|shut)"
    r"(?! (?:all the way|fully|completely|properly|right|tight))",
    r"inondation", r"inond[ée]", r"vitre (?:bris[ée]e|cass[ée]e|fracass[ée]e)",
    r"ne (?:se )?(?:verrouille|barre|ferme) plus(?! (?:compl[eè]tement|enti[eè]rement|bien))",
    # Glass that may come down on someone, water reaching the wiring.
    r"(?:glass|pane|window|pieces?)\b[^.!?\n]{0,60}\b(?:going to|gonna|about to|could|might|"
    r"ready to|will) (?:fall\b|(?:drop|pop|blow) (?:out|in|down)\b)",
    r"(?:glass|pane)\b[^.!?\n]{0,40}\b(?:falling|dropping|fell|dropped) (?:out|in|down|onto|"
    r"on to|all over)\b",
    r"(?:glass|pane|igu|sealed unit)\b[^.!?\n]{0,30}\b(?:is |are |has |was )?(?:bowing|bulging|"
    r"sagging|bowed|bulged|sagged|bellying) (?:out|in|down|outwards?|inwards?)\b",
    r"(?:lets?|letting|let) go (?:onto|on to|on|over) (?:the |a |someone|somebody|people)",
    # "The glass in her balcony door has come loose from the frame", "I'm worried it could
    # fall": the pane itself loose, a fall the sender fears
    r"(?:glass|pane)\b[^.!?\n]{0,30}\b(?:has |have |is |are )?(?:come|came|coming|working) "
    r"loose\b",
    r"\b(?:worried|afraid|scared|concerned)\b[^.!?\n]{0,20}\b(?:it|glass|pane|pieces?|"
    r"something) (?:could|might|may|will|'ll|is going to|is gonna) (?:fall|come down)\b"
    r"(?! behind)",
    r"glass shards", r"shards of glass", r"\bshards\b",
    r"(?:glass|pane)\b[^.!?\n]{0,40}\b(?:break(?:ing)? apart|hanging (?:loose|out|down))",
    r"(?:rain|snow|wind|water) (?:is |was |keeps )?(?:blowing|coming|getting|driving) in\b",
    r"(?:pane|glass) (?:is |was )?(?:completely |totally )?gone\b",
    r"(?:de )?l'eau (?:entre|rentre|coule) ", r"vitre (?:est )?(?:bris|cass|fracass)",
    # "la vitre a éclaté", "des morceaux continuent de tomber", "c'est dangereux"
    r"(?:vitre|verre|porte)\b[^.!?\n]{0,40}\b(?:a |ont )?(?:éclaté|explosé)",
    r"morceaux\b[^.!?\n]{0,40}\btomb", r"\bdangereu(?:x|se)\b",
    r"water[^.!?\n]{0,80}\b(?:into|onto|on to|in to|over|on) (?:the |an? |our )?"
    r"(?:electrical|breaker|fuse box|outlets?\b|wiring|light fixture|pot lights?)",
    # Water named in an earlier sentence and "it" reaching the power; what electricity does.
    r"\b(?:ran|runs|running|leak(?:s|ed|ing)?|drip(?:s|ped|ping)?|seep(?:s|ed|ing)?|got|gets|"
    r"getting|went|goes|going)\b[^.!?\n]{0,40}\b(?:into|onto|in to|on to) (?:the |an? |our )?"
    r"(?:electric(?:al)? )?(?:power bars?|outlets?\b|electrical|breaker|fuse box|panel|wiring|"
    r"light fixture|plugs?\b|sockets?\b)",
    r"burning smell", r"smell(?:s|ed)? (?:of |like )?burning", r"\bspark(?:s|ed|ing)\b",
    r"\bsmoking\b", r"breaker (?:has |keeps |kept )?(?:trip(?:s|ped|ping)?)",
    # Anything heavy that may come down on someone, not only glass.
    r"(?:could|might|may|going to|gonna|about to|will|'ll|can) (?:fall|come down|drop) "
    r"(?:on|onto|on to) (?:someone|somebody|anyone|people|a person|a child|a kid|the "
    r"(?:sidewalk|street|walkway|parking|people))",
    r"hanging (?:out |outwards? |off |down |loose )?(?:over|by (?:one|a single|the last) "
    r"(?:hinge|screw))",
    r"hanging (?:off|by|from) (?:one|a single|the last|only one) \w+",
    r"(?:have it|it could|it might|it may|it will|before it) let go\b",
    r"(?:pieces|bits|chips|chunks|fragments|slivers|shards) of (?:broken )?glass",
    r"\b(?:broke|smashed|shattered|cracked open) (?:the |a |our |their )?(?:\w+ ){0,3}"
    r"(?:glass|pane|window)\b",
    r"\bsharp (?:pieces|glass|edges|shards)", r"\bdangerous\b",
    # Tempered glass that burst: "let go overnight", "exploded", "glass all over the deck"
    r"glass (?:all )?over (?:the |our |their |my )?(?:\w+ )?(?:deck|floor|patio|driveway|yard|"
    r"ground|carpet|sidewalk|walk|walkway|room|kitchen|balcony|entrance|steps|stairs)",
    # "some piece already fall on floor", "I am worry the glass fall on somebody"
    r"(?:glass|pane|piece|pieces|shards?)\b[^.!?\n]{0,40}\b(?:fall|falls|fell|falling|drop|"
    r"drops|dropped|fallen|came down|come down|coming down)(?: down)? (?:on|onto|on to|in) "
    r"(?:the )?(?:somebody|someone|anyone|people|a person|floor|ground|sidewalk|walk|walkway|"
    r"entrance|street|balcony|deck|stairs|steps|driveway|patio)",
    # a sash hanging by its arm, the area below kept clear: "roped off the driveway underneath"
    r"hanging by (?:the |its |one )?(?:operator|arm|hinge|hinges|corner)",
    r"(?:roped|taped|blocked|cordoned|fenced) off (?:the )?(?:back |front |side )?(?:driveway|"
    r"drive|walkway|sidewalk|entrance|path|street|parking|area|yard|deck|patio|balcony|stairs)\b",
    r"(?:driveway|walkway|sidewalk|area|yard|entrance) (?:is |was |has been )?(?:roped|taped|"
    r"blocked|cordoned|fenced) off",
    # glass loose in its frame over people: "the whole glass is moving in the frame when the
    # wind gusts. Framers are working on the deck right under it."
    r"(?:glass|pane|sash|unit)\b[^.!?\n]{0,30}\b(?:moving|shifting|rocking|loose) in (?:the |its )?"
    r"frame",
    r"(?:working|walking|standing|playing|sitting) [^.!?\n]{0,30}\b(?:right |directly )?"
    r"(?:under|below|beneath|underneath) it\b",
    # "I'm scared it's going to fall out onto the driveway", "could drop onto the driveway"
    r"(?:going to|gonna|about to|could|might|will) (?:fall|drop|come down) (?:out )?"
    r"(?:onto|on to|on|into) (?:the )?"
    r"(?:driveway|drive|sidewalk|walkway|street|deck|patio|yard|someone|somebody|people|kids?)\b",
    r"(?:glass|pane|window|slider|door|unit|lite)\b[^.!?\n]{0,60}\b(?:exploded|burst)\b",
    # "I'm scared it's going to fall in", "I am very afraid he can fall out" (a child at an
    # open upstairs window), "a piece ... moves when the wind gusts, you can see it flex"
    r"(?:going to|gonna|about to|could|can|might|may|will) fall (?:in|out)\b",
    r"(?:piece|glass|pane)\b[^.!?\n]{0,40}\b(?:moves|flexes|moving|flexing) (?:when|in) the wind",
    # a bedroom's way out in a fire that will not open: "That's the window that's supposed
    # to be his way out of that room if there's ever a fire"
    r"(?:way out|escape route|egress)\b[^.!?\n]{0,60}\bfire\b",
    r"egress window\b[^.!?\n]{0,40}\b(?:won't|wont|will not|doesn't|does not|can't|cannot) open",
    # a whole window coming out of its opening: "pulled away from the opening ... leaning out"
    r"(?:window|unit|sash|frame)\b[^.!?\n]{0,80}\b(?:leaning|tilting|tipping) out\b",
    r"pull(?:ed|ing) (?:away|out|loose) (?:from|of) the (?:opening|wall|rough opening)",
    r"in(?:to)? (?:a )?(?:million|thousand|hundred) pieces",
    # "a big chunk hanging at the top of the frame ... could come down anytime"
    r"(?:chunks?|pieces?|shards?|glass|pane)\b[^.!?\n]{0,40}\b(?:could|might|may|will|going to|"
    r"gonna|about to) (?:come down|fall|drop)\b[^.!?\n]{0,15}\b(?:any ?time|any (?:second|"
    r"minute|moment)|at any (?:time|moment))",
    r"(?:chunks?|pieces?|shards?) (?:of glass )?(?:still )?hanging\b",
    # a sash that will not stay shut: "swings wide open on its own, it won't stay latched"
    r"(?:won't|wont|will not|doesn't|does not|can't|cannot) stay (?:latched|closed|shut|locked)",
    r"(?:swings?|blows?|falls?) (?:wide )?open (?:on its own|by itself)",
    r"(?:glass|pane|lite)\b[^.!?\n]{0,60}\blet go (?:overnight|last night|today|this morning|"
    r"yesterday)",
]  # fmt: skip
# What a fault is described with: a sentence with one of these is about the problem. A
# service request's description keeps the sentences that say what is wrong and leaves the
# logistics around them (REQUEST_CUES) unless they also describe the fault.
DEFECT_CUES = [
    r"crack", r"broke", r"broken", r"leak", r"drip", r"fog", r"condensation", r"moisture",
    r"frost", r"ic(?:e|ed|ing) up", r"draft", r"draught", r"whistl", r"stiff", r"stuck",
    r"stick(?!er)", r"jam", r"rub(?!ber)", r"gap", r"torn", r"tear\b", r"rip", r"squeak", r"drag",
    r"rattl", r"loose", r"wobbl", r"sag", r"missing", r"damage", r"chip", r"scratch", r"dent",
    r"rot", r"stain", r"mold", r"mould", r"seal", r"shatter", r"smash", r"water", r"puddle",
    r"off (?:its|the) track", r"came off", r"fell", r"falling", r"hanging", r"c[ao]me apart",
    r"pulled (?:off|out|away)", r"fallen", r"spins", r"snapp", r"bent", r"explod", r"let go",
    r"warp", r"peel", r"faulty", r"defect", r"noisy", r"hard to", r"won't", r"wont\b",
    r"doesn't", r"doesnt\b", r"does not", r"can't", r"cant\b", r"cannot", r"will not",
    r"isn't", r"isnt\b", r"no longer", r"(?:doesn't|doesnt|does not|won't|don't) line up",
    r"fissur", r"bris", r"cass", r"fuit", r"bu[ée]e", r"coinc", r"stripp",
    # the wrong unit: "came hinged on the left, the order was right hand", "wrong size"
    r"wrong\b", r"hinged (?:on the )?(?:left|right)\b",
    # short shipped: "the grille inserts ... were not in the shipment"
    r"not (?:in|on) the (?:shipment|delivery|truck|order|crate|box)", r"never (?:arrived|came)",
    r"(?:not|never) (?:delivered|shipped|included)",
    # made to the wrong size: "an inch short, they just fall out of the frame"
    r"(?:inch|inches|bit|little|too|mm|cm) short\b", r"too (?:small|big|tight|narrow|wide)\b",
    r"falls? (?:out|off|apart)\b",
    # air let in: "has cold air coming in along the bottom", "letting cold air in"
    r"cold air", r"air (?:coming|getting|leaking|blowing) in\b",
]  # fmt: skip
REQUEST_CUES = [
    # asking for a visit, and when or how to come
    r"(?:can|could|would) (?:you|someone|somebody|anyone|a tech)\b",
    r"please (?:book|send|have|get|schedule|arrange|call|let)",
    r"\bbook (?:a|an|her|him|them|it|someone|in)\b", r"\bschedul", r"get someone",
    r"send someone", r"someone (?:out|to look|to come|today)", r"needs someone",
    r"take a look", r"next step", r"appreciat", r"let (?:me|us) know", r"home all day",
    r"work from home", r"flexible", r"available", r"any (?:day|date|time)", r"away until",
    r"on site until", r"\buntil \d", r"waiting", r"(?:i'm|i am|we're|we are) (?:home|around)\b",
    # who told whom, who the customer is, and where the details are
    r"(?:just )?(?:called|texted|emailed|phoned) me",
    r"\bone of\b[^.]{0,30}\b(?:homeowners|buyers|customers|clients|tenants|owners)\b",
    r"details", r"in (?:her|his|their|the|my) (?:e-?mail|message|note)", r"(?:see )?below",
    r"forward", r"job number", r"invoice", r"\bpo\b", r"order (?:was|is|number)",
    r"warranty (?:item|claim|call|job)",
    # history that is not the fault
    r"\bbought\b", r"purchas", r"we supplied", r"possession", r"moved in",
    r"(?:was|were) (?:supplied|installed) (?:in|by|last)", r"\bwent in\b",
    r"\bon site (?:weekdays|weekends|daily|mornings|afternoons|from|between|mon)",
    # talk about the contact details themselves
    r"\bphone\b", r"\bnumber for\b", r"e-?mail address",
    # when someone is in ("she's home after 3pm weekdays", "any weekday morning works")
    r"\bany (?:weekday|weekend|morning|afternoon|evening)", r"\bwhatever works\b",
    r"\bno rush\b", r"(?:weekday|weekend|morning|afternoon|evening)s? (?:are|is|work)",
    r"(?:home|there|around|on site) (?:most days|all day|after|before|weekdays)",
    r"\bprefers? (?:morning|afternoon|evening|weekday)", r"\bon (?:holidays?|vacation)\b",
    r"\bback on\b", r"i'?m out (?:from|until|tomorrow|next)",
    # who lets the technician in ("please coordinate access through me")
    r"coordinat", r"through me\b", r"contact (?:to )?me first", r"check in with",
    r"set up the visit", r"deal with \w+ directly", r"passez par moi",
    # who is writing and for whom ("I manage the Larch Lane complex", "Shane is the contact")
    r"(?:i|we) manage\b", r"property manager", r"on behalf of", r"site contact is",
    r"contact on site", r"is the (?:site )?contact", r"contact is (?:me|my|our|their)",
    # who installed it and when ("your crew replaced this door about two years ago")
    r"(?:you|your (?:crew|company|team|guys|installers?)|you guys) "
    r"(?:installed|replaced|put in|supplied|sold)",
    r"had your (?:windows|doors?|patio)", r"install(?:ed)? by your", r"sold (?:us|them)\b",
    r"installée?s? par", r"(?:windows|doors?) (?:are|is) (?:\d+|two|three|four|five) "
    r"(?:yrs?|years?) old",
    # photos sent, and asking for someone to come
    r"(?:i|we) send (?:you )?(?:\w+ )?(?:pictures|photos?|pics)", r"(?:photos?|pictures) "
    r"(?:en pi[eè]ce|ci-?jointe?s?)", r"envoie (?:une|des) photo", r"no photos? yet",
    r"service (?:guys|team|tech)", r"(?:somebody|someone) (?:come|out|to)", r"need somebody",
    r"get (?:a tech|a technician|somebody)\b", r"on site \d", r"(?:is|he's|she's) on site\b",
    r"(?:site|house|home|building|office|unit) is open\b",
    r"photos? (?:he|she|they|the \w+) sent",
    r"envoyer quelqu", r"technicien pourrait",
    # how the sender feels about it
    r"not happy\b", r"(?:excusez|excuse) (?:mon|my) (?:anglais|english)", r"is this covered",
    r"going direct", r"is complain",
    # where the windows came from and when ("It is one of your windows, we buy the house new
    # in 2026", "Nous avons fait installer vos fenêtres en 2026", "a patio door supplied by
    # your company in 2021", "the building is about four years old and the windows are yours")
    r"one of your (?:windows|doors?|units)\b", r"(?:windows|doors?) are yours\b",
    r"(?:had|have) (?:our|the|these|those) (?:windows?|doors?)(?: and [\w ]{1,20}?)? "
    r"(?:put in|installed)", r"fait installer", r"install[ée]e?s? (?:en|chez nous)",
    r"supplied by your", r"(?:years?|ans) (?:ago|old)\b",
    r"(?:i am|i'm) writing to (?:request|ask)",
    r"is (?:this|it|that) (?:something )?(?:that is )?(?:covered|under warranty)",
    # who called whom, and asking in French for a visit or a call
    r"\bgot a call from\b", r"\bcalled (?:me )?(?:this|earlier|yesterday)\b",
    r"pourriez-vous", r"pouvez-vous", r"pourrait passer", r"est-ce que quelqu", r"rendez-vous",
    r"disponibles?\b", r"me rejoindre", r"treat (?:this|it) as urgent",
    # what the sender wishes done ("we'd like someone to come and look at both", "would be
    # grateful if a technician could inspect them", "need this fixed before Saturday")
    r"(?:would|'d) (?:like|love) (?:someone|somebody|a tech|it|this|them|you)\b",
    r"would be grateful", r"need someone", r"need (?:this|it|them) (?:fixed|looked at|sorted)",
    r"(?:were|was) put in by (?:you|your)",
]  # fmt: skip

# Words that say so outright; they count unless negated ("not an emergency"). "Urgent" or
# "ASAP" alone does not: a cosmetic problem in capitals ("URGENT!!! screen door") is normal,
# and a real hazard is named by the cues above.
URGENCY_WORDS = r"\b(?:emergency|urgence)\b"

# A lock that will not lock makes an emergency when it is a door's or the home's. The first of
# these nouns in its sentence says whose lock it is: a window that will not latch ("the
# casement windows on the north side of our house will not lock") is a draft, not an open
# house.
LOCK_FAILS = r"(?:can ?not|can't|cant|won't|wont|will not|does ?n[o']t|unable to) (?:be )?lock"
# Water "coming in" that the sender describes as a slow leak: at a corner, leaving a stain,
# when it rains or the snow melts. A leak to book, not water pouring into the house.
WATER_IN = (
    r"\b(?:water|rain|snow|melt ?water)\b (?:is |was |keeps |has been )?"
    r"(?:coming|getting|leaking|seeping|blowing|driving) in\b|"
    r"\bl'eau (?:entre|rentre|coule|s'infiltre)\b"
)
SLOW_LEAK = (
    r"\bcorners?\b|\bstain(?:s|ed|ing)?\b|\bwhen (?:it rains|the snow melts|we get)|"
    r"\bafter (?:a |the |heavy |last night(?:'|’)s )?rain|\bnot a lot of water\b|"
    r"\bseep|\bdrip(?:s|ping)?\b|\ba little\b|\bslowly\b|"
    r"\bcoin\b|\btach(?:e|es|ent|é)\b|\blors des (?:fortes )?pluies|\bquand il pleut|"
    # past a worn seal: "the bottom sweep has torn and snow is blowing in under the door"
    r"\bunder (?:the|our|my|their|her|his) (?:\w+ )?(?:door|sweep|threshold|sill)\b|\bsweep\b|"
    r"\bweather ?strip|"
    # "a gap at the bottom of our front door, I can see daylight under it and snow is blowing
    # in": a draft past the door's bottom, not an opening
    r"\bdaylight\b|\bgap (?:at|along|under) the bottom\b"
)
# A door that will not lock but is held shut anyway: lifted into place, a bar in the track
SECURED_ANYWAY = (
    r"\b(?:without lifting|unless (?:we|you|i|they) lift|if (?:we|you|i|they) lift|"
    r"(?:stick|bar|dowel|broom ?stick|broom handle|rod|piece of wood|2x4|b[âa]ton|barre|"
    r"b[âa]ton de bois)s? (?:in|into|dans) (?:the |le |la |les )?(?:track|rail|sill|channel|"
    r"coulisse)|secured (?:it |them )?with|braced (?:it |the door )?(?:shut|closed)|"
    r"(?:a|the) (?:charley|charlie) bar|"
    # "Denise cannot lock it at all on her own": someone else can
    r"on (?:her|his|my|their|our) own|by (?:her|him|my|them|our)sel(?:f|ves))"
)
LOCK_OWNERS = (
    # (a balcony door, up a floor, counts with the windows: no way in through it)
    r"\b(?:(?P<window>windows?|sash(?:es)?|casements?|awnings?|hoppers?|balcon(?:y|ies)|"
    r"tilt[- ](?:and[- ]|& ?)?turns?|(?:single|double)[- ]hungs?)|"
    r"doors?|house|home|deadbolt|garage|entry|patio|slider|fen[eê]tres?|portes?)\b"
)

# What is sold: "<quantity> [up to three words] <product noun>" marks a product line. The
# organisation file adds its own nouns and their spellings under [synonyms.products]
# (casement = ["crank-out"], "tilt-turn" = ["tilt & turn"]).
PRODUCT_NOUNS = [
    "casement", "awning", "slider", "sliding window", "picture window", "picture", "window",
    "patio door", "entry door", "door", "bay", "bow", "sidelite", "transom", "hung",
    "skylight", "garden window", "unit", "package", "lite", "hopper", "tilt-turn",
    "tilt & turn", "tilt and turn", "lift & slide", "lift and slide", "bifold", "fixed",
    "shape", "trapezoid", "egress", "sash", "storm door", "screen door", "fenêtre", "casmt",
    "csmt",
    "porte-fenêtre", "porte", "pcs", "panel", "opening", "wdw",
    "sh", "dh",  # single and double hung, as a takeoff writes them ("40 x 3040 SH")
]  # fmt: skip

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
    # "Caller:", "Caller name:": a call centre's screen of the call
    ({"contact", "homeowner", "owner", "tenant", "resident", "caller"}, None, "contact_name"),
    ({"name"}, {"contact", "homeowner", "owner", "tenant", "customer", "client", "site",
                "caller"}, "contact_name"),
    ({"problem", "issue", "description", "details", "probleme", "complaint"}, None,
     "description"),
    ({"urgency", "priority", "urgence", "priorite"}, None, "urgency"),
    ({"reference", "ref", "po", "so"}, None, "reference"),  # "Our PO:", "Your SO:"
    ({"account", "builder", "dealer", "company"}, None, "account"),
]  # fmt: skip

# The numbered quote form: what an unlabelled item N is.
_SIX_ITEMS = {
    1: "account",
    2: "product_specs",
    3: "factor",
    4: "opportunity",
    5: "special_instructions",
    6: "attachments",
}
_TEXT_FIELDS = {"product_specs", "special_instructions", "description", "site_address"}
# Fields whose value is one line: a short line indented below it that states another field is
# that field's, as in a table cell holding two values ("Close / Value: end of Q2" then
# "~$112k"; "Type / Record: Standard" then "Account Monthly").
_ONE_LINE_FIELDS = {"factor", "amount", "close_date", "opportunity_type", "stage", "record_type"}
