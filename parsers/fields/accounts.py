"""Reader: accounts named in running text (spaCy phrase matching over the organisation's
account names and aliases, close spellings through rapidfuzz), by the sender's address, by
the opportunity's name, or a company the CRM does not know."""

from __future__ import annotations

import re

from intake.parsers import normalise as nz
from intake.parsers.fields.common import SERVICE, Context, _clean, sentences, without_stop
from intake.parsers.fields.resolver import GUESS, LABELLED, PROSE, FieldValue, Found
from intake.parsers.fields.vocab import OrgVocabulary
from intake.parsers.first_chars import guarded
from intake.parsers.message import ParsedMessage
from intake.parsers.org import Account


def read(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """A known account named in running text. When several are named, the one the
    request is "for", the one the opportunity is named after, then the most named.
    A close spelling ("Praire Crest") counts, a little less sure than the name itself."""
    if found.has("account") or ctx.is_reply:
        return
    scores: dict[str, float] = {}
    accounts: dict[str, Account] = {}
    exact: dict[str, bool] = {}
    opp = str(found.values.get("opportunity_name", FieldValue("", 0, "")).value)
    for mention in v.vocabulary.account_mentions(text):
        account = mention.account
        if ctx.queue == SERVICE and _third_party_role(text, mention.start, mention.end):
            continue  # "we bought them through Clearview": who sold or built, not who asks
        accounts[account.id] = account
        exact[account.id] = exact.get(account.id, False) or mention.exact
        before = text[max(0, mention.start - 12) : mention.start].casefold()
        bonus = 1.0 if re.search(r"\b(?:for|pour)\s+$", before) else 0.0
        scores[account.id] = scores.get(account.id, 0.0) + 1.0 + bonus
    for account_id, account in accounts.items():
        if opp and nz.match_account(re.split(r"\s[-–—|:]\s", opp)[0], v.org) is account:
            scores[account_id] += 2.0
    if not scores:
        _lower_case_acronym(v, found, text, ctx)
        if not found.has("account"):
            _capital_initials(v, found, text, ctx)
        return
    best = max(scores, key=lambda k: scores[k])
    conf = PROSE if ctx.source != "subject" else GUESS
    if not exact[best]:
        conf -= 0.1
    found.offer("account", accounts[best].name, conf, ctx.source)
    found.offer("account_id", accounts[best].id, conf, ctx.source)


def _lower_case_acronym(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """ "pch hollows ph 4 is a go", "a&o - whitford reno": a writer who starts sentences in
    lower case writes an account's acronym (PCH, or A&O for Aspen & Oak) in lower case too.
    Only such a writer's: where capitals are used, "pch" is no account's name."""
    if not _writes_lower_case(text):
        return
    named = {
        account.id: account
        for account in v.org.accounts.values()
        for acronym in _acronyms(account)
        if re.search(rf"(?<![\w&]){re.escape(acronym)}(?![\w&])", text)
    }
    _offer_the_one(found, named, ctx)


def _offer_the_one(found: Found, named: dict[str, Account], ctx: Context) -> None:
    """The account a writer's own short form names, when it names exactly one."""
    if len(named) == 1:
        account = next(iter(named.values()))
        found.offer("account", account.name, PROSE - 0.1, ctx.source)
        found.offer("account_id", account.id, PROSE - 0.1, ctx.source)


# A word of three to five capitals, standing alone: "NGM", "CWC"; or capitals joined by an
# ampersand, which makes even two of them initials: "A&O", "B&K"
_CAPITALS = guarded(re.compile(r"(?<![\w&])(?:[A-Z]{3,5}|[A-Z]{1,2}&[A-Z]{1,2})(?![\w&])"))


def _capital_initials(v: OrgVocabulary, found: Found, text: str, ctx: Context) -> None:
    """ "NGM duplex model pilot" for Northgate Modular: a writer's own initials for an account
    the organisation file gives only in full, the first letter of each word and perhaps
    another from inside it (North-Gate). Only where safe: every such word fits one account
    only, and one account in all; a code the fit does not reach ("ASAP", "IGU") names none."""
    named: dict[str, Account] = {}
    for token in set(_CAPITALS.findall(text)):
        initials = token.lower().replace("&", "")
        fits = [a for a in v.org.accounts.values() if _initials_fit(initials, a)]
        if len(fits) > 1:
            return  # one set of initials, two accounts: not safe
        named.update((a.id, a) for a in fits)
    _offer_the_one(found, named, ctx)


def _initials_fit(initials: str, account: Account) -> bool:
    """Whether `initials` (lower case) are one of the account's names of two words or more
    written as initials: each word in turn gives its first letter, then perhaps more of its
    own letters in order."""
    return any(
        len(words) >= 2 and _fits(initials, words)
        for words in (nz.account_key(n).split() for n in (account.name, *account.aliases))
    )


def _fits(initials: str, words: list[str]) -> bool:
    """`initials` read as each of `words` in turn: its first letter, then any of its later
    letters in order, every word giving at least its first."""
    if not words:
        return not initials
    word, rest = words[0], words[1:]
    if not initials or initials[0] != word[0]:
        return False
    for taken in range(1, len(initials) + 1):  # this word gives initials[:taken]
        if _in_order(initials[1:taken], word[1:]) and _fits(initials[taken:], rest):
            return True
    return False


def _in_order(letters: str, word: str) -> bool:
    """`letters` appear in `word` in this order (not necessarily side by side)."""
    it = iter(word)
    return all(ch in it for ch in letters)


def _acronyms(account: Account) -> list[str]:
    """An account's short acronyms as a lower-case writer types them: "pch" for the alias
    PCH, "a&o" for "Aspen & Oak" (the initials of a name joined by an ampersand)."""
    out = []
    for name in (account.name, *account.aliases):
        if name.isupper() and len(name) <= 5:
            out.append(name.lower())
        words = nz.account_key(name).split()
        if re.search(r"&|\band\b", name) and 2 <= len(words) <= 3:
            out.append("&".join(w[0] for w in words))
    return out


def _writes_lower_case(text: str) -> bool:
    """Whether most of the sentences and lines of `text` start with a lower-case letter."""
    starts = _SENTENCE_STARTS.findall(text)
    return len(starts) >= 1 and sum(c.islower() for c in starts) * 2 > len(starts)


# The first letter of each line and of each sentence after a full stop
_SENTENCE_STARTS = re.compile(r"(?:^|[.!?]\s+)[^\w\n]*([^\W\d_])", re.MULTILINE)


# Who installed or sold a homeowner's windows, named in a service request: the customer is
# the homeowner ("Referral from Bow Valley, they did the install", "we bought them through
# Clearview"). (A builder's homeowner, "a Prairie Crest homeowner", is labelled both ways by
# the corpus's writers, and stays the builder's.)
_SOLD_OR_INSTALLED_BEFORE = re.compile(
    r"(?i:\b(?:referral from|referred by|installed by|supplied by|sold by|(?:was )?built by|"
    r"bought (?:them |it |these |those |the \w+ |our \w+ )?(?:from|through)|"
    r"purchased (?:them |it )?(?:from|through))\s*)$"
)
_SOLD_OR_INSTALLED_AFTER = re.compile(
    r"^(?i:\s+(?:did the install|installed (?:it|them|the))|[,.]?\s*they (?:did|do) the install)"
)


def _third_party_role(text: str, start: int, end: int) -> bool:
    """Whether the account named at text[start:end] is said to have sold or installed."""
    before, after = text[max(0, start - 40) : start], text[end : end + 30]
    return bool(_SOLD_OR_INSTALLED_BEFORE.search(before) or _SOLD_OR_INSTALLED_AFTER.match(after))


def by_sender(v: OrgVocabulary, found: Found, msg: ParsedMessage) -> None:
    """A service request from an account's known contact address is that account's; one from
    an address at the account's own domain (a dealer's office) is, unless the text names
    another."""
    account = v.org.account_by_contact(msg.from_addr)
    if account:
        found.offer("account", account.name, LABELLED, "from")
        found.offer("account_id", account.id, LABELLED, "from")
        return
    account = nz.account_by_domain(msg.from_addr, v.org)
    if account:
        found.offer("account", account.name, GUESS, "from")
        found.offer("account_id", account.id, GUESS, "from")


def by_opportunity_name(v: OrgVocabulary, found: Found, ctx: Context) -> None:
    """ "BVR - Bowness Refit": the account an opportunity is named after."""
    name = found.values.get("opportunity_name")
    if name and not found.has("account") and not ctx.is_reply:
        head = re.split(r"\s[-–—|:]\s", str(name.value))[0]
        account = nz.match_account(head, v.org)
        if account:
            found.offer("account", account.name, GUESS, name.source)
            found.offer("account_id", account.id, GUESS, name.source)


def unknown_company(v: OrgVocabulary, found: Found, body: str) -> None:
    """A company the CRM does not know, named in the body as the one asking ("I manage
    Bridgeland Court for Keystone Property Management")."""
    m = _FOR_COMPANY.search(body) or _TITLE_AND_COMPANY.search(body)
    if m:
        found.offer("account", _clean(m.group(1)), GUESS, "body")
        return
    header = _FORM_HEADER.match(body.lstrip()[:200])
    if header:  # a work order headed with the company's name, often in capitals
        name = _clean(header["company"])
        found.offer("account", name.title() if name.isupper() else name, GUESS, "body")


# The last word of a company's name ("... Homes", "... Timberframe Co.")
_COMPANY_SUFFIX = (
    r"(?:Property Management|Management|Homes|Builders|Construction|Developments?|"
    r"Properties|Renovations|Contracting|Realty|Group|Dealers|Exteriors|Ltd\.?|Inc\.?|"
    r"Corp\.?|Co\.|Company)"
)
_COMPANY = rf"((?:[A-Z][\w&'’-]*\s+){{1,4}}{_COMPANY_SUFFIX})"
_FOR_COMPANY = re.compile(rf"\b(?:for|at|with|from|of)\s+{_COMPANY}\b")
# "Property Manager | Bowmont Property Management": a signature's title line
_TITLE_AND_COMPANY = re.compile(rf"(?m)^[A-Z][\w .&'’-]{{2,40}}?\s*[|,–]\s*{_COMPANY}\s*$")


# "KESTREL PROPERTY MANAGEMENT - VENDOR SERVICE REQUEST": the first line of a company's own
# work-order form names the company
_FORM_HEADER = re.compile(
    rf"(?P<company>(?:[A-Z][\w&'’-]*\s+){{1,4}}(?i:{_COMPANY_SUFFIX}))\s*[-–—|:]\s*"
    r"(?i:(?:vendor |contractor |trade )?(?:service|work|maintenance|repair) "
    r"(?:request|order)(?: form)?)[ \t]*(?:\n|$)"
)


# "Brand new account, not in Salesforce yet: Tamarack Ridge Homes, a builder ...",
# "new customer - Keystone Builders", "New prospect - Lakeshore Builders Group out of ..."
# ("New custom builder, first quote for them - Wolfe & Dunmore Builders.": a word between,
# an ampersand inside the name)
_NEW_ACCOUNT = re.compile(
    r"\b(?i:new (?:\w+ )?(?:account|customer|client|builder|dealer|prospect))\b[^:\n.]{0,80}?"
    r"(?:[:–,]|\s-)\s*"
    r"(?!(?:I|We|They|He|She|It)\b)"  # ("... not in SF yet - I'll set up the account")
    r"((?:(?:[A-Z][\w&'’.-]*|&)\s+){0,4}[A-Z][\w&'’.-]*)"
)


# "New acct Kestrel Lake Cabins - 12 cabin pkgs - ...": the name right after the words
_NEW_ACCOUNT_NAMED = re.compile(
    r"\b(?i:new (?:acct|account|customer|client|builder|dealer))\s+"
    r"((?:[A-Z][\w&'’.-]*\s+){0,4}[A-Z][\w&'’.-]*)(?=\s+[-–—|(]|\s*[,:;]|\s*$)"
)


# "Kestrel Ridge Homes (new custom builder, not in SF yet - ...)", "Lakeshore Cottage Co. –
# new customer, not set up yet": the name, then the note
_NEW_ACCOUNT_BEFORE = re.compile(
    r"((?:[A-Z][\w&'’.-]*\s+){1,4}[A-Z][\w&'’.-]*)\s*(?:\(|[–—-]\s)"
    r"(?i:[^)]{0,40}?\b(?:new (?:\w+ )?"
    r"(?:account|customer|client|builder|dealer)|not (?:in|set up in) (?:sf|salesforce|the crm|"
    r"crm)))"
)


# "New one for you – Kettle Creek Builders, first job with them (account is being set up)"
_NEW_ACCOUNT_FIRST_JOB = re.compile(
    r"((?:[A-Z][\w&'’.-]*\s+){1,4}[A-Z][\w&'’.-]*),?\s+(?i:(?:our |their )?first "
    r"(?:job|order|quote|project) (?:with|for|from) (?:them|us))"
)


# "... the guys at Foothills Timber Frame Co. They're a brand new account for us"
_NEW_ACCOUNT_THEN_SAID = re.compile(
    r"((?:[A-Z][\w&'’.-]*\s+){1,4}[A-Z][\w&'’-]*)\.?\s+(?i:they(?:'|’)re|they are|who are)\s+"
    r"(?i:an?\s+)?(?i:brand\s+)?(?i:new\s+(?:account|customer|client|builder|dealer))"
)


# Any word that says the customer is new to the CRM: "credit app is in progress", "first
# time dealing with us", "isn't set up in the CRM yet", "not in SF yet"
_NEW_ACCOUNT_CUE = re.compile(
    r"\b(?i:new (?:acct|account|customer|client|builder|dealer|prospect|one for (?:you|us))|"
    r"(?:not|isn'?t|isn’t|aren'?t|aren’t) (?:yet )?(?:set up|in (?:sf|salesforce|the crm|crm))|"
    r"credit app(?:lication)?|first time (?:dealing|working|doing business) with us)"
)
# A company by its kind of name ("Foothills Timberframe Co.", "Silverleaf Homes")
_COMPANY_NAME = re.compile(rf"\b{_COMPANY}(?![\w-])")


def new_account(v: OrgVocabulary, found: Found, body: str) -> None:
    """A company named as a new account, one the CRM does not know yet."""
    if found.has("account"):
        return
    patterns = (
        _NEW_ACCOUNT_NAMED,
        _NEW_ACCOUNT,
        _NEW_ACCOUNT_BEFORE,
        _NEW_ACCOUNT_FIRST_JOB,
        _NEW_ACCOUNT_THEN_SAID,
    )
    for pattern in patterns:
        m = pattern.search(body)
        if m and not nz.match_account(m.group(1), v.org):
            # ("New account - not set up in CRM yet: Silverberry Homes" read as a label
            # "New account" with no value: the name is given after all)
            found.declared_empty.discard("account")
            # ("Kestrel Point Homes. They're doing ...": the name ends with its sentence)
            name = re.split(r"\.\s+(?=[A-Z])", _clean(m.group(1)))[0]
            name = without_stop(name)
            found.offer("account", name, PROSE, "body")
            return
    name = _company_near_new_account_cue(v, body)
    if name:
        found.declared_empty.discard("account")
        found.offer("account", name, PROSE, "body")


def _company_near_new_account_cue(v: OrgVocabulary, body: str) -> str | None:
    """ "New one for you. Silverleaf Homes is a small builder out of Cochrane - first time
    dealing with us": a company-shaped name the CRM does not know, in the sentence that says
    the customer is new or the one just before or after it; the nearest to the cue."""
    said = [s for paragraph in re.split(r"\n\s*\n", body) for s in sentences(paragraph)]
    for i, sentence in enumerate(said):
        cue = _NEW_ACCOUNT_CUE.search(sentence)
        if not cue:
            continue
        candidates = []
        for j, near in ((i, sentence), (i + 1, None), (i - 1, None)):
            if not 0 <= j < len(said):
                continue
            text = near if near is not None else said[j]
            for m in _COMPANY_NAME.finditer(text):
                name = _clean(m.group(1)).removeprefix("The ")
                if nz.match_account(name, v.org):
                    return None  # a known account is named: it is no new one
                distance = abs(m.start() - cue.start()) if j == i else 10_000 + abs(j - i)
                candidates.append((distance, name))
        if candidates:
            return min(candidates)[1]
    return None
