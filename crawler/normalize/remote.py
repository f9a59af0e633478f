"""Remote policy: ``remote``, ``hybrid``, ``onsite`` or None.

Order of evidence:

1. The board's structured value (``remote_raw``: Lever ``workplaceType``, Ashby
   ``workplaceType``/``isRemote``, JSON-LD ``TELECOMMUTE``, RemoteOK's board-wide "remote").
   ``hybrid`` and ``onsite`` are final. ``remote`` is final too, except against an explicit
   statement that *this* role is hybrid or on-site ("Work Location: Onsite", "must live within
   commuting distance of our Tokyo hub", "in-person 5 days a week"): boards such as RemoteOK
   label every listing remote, and the employer's own words about the role are more specific.
2. The location field and the title ("Remote - US", "Backend Team Lead - remote",
   "remote-first office in Berlin, hybrid" is hybrid: a company can be remote-first and the
   role not).
3. The description, statements about the role only. Company policy paragraphs ("many teams
   offer hybrid options", "you may be eligible to work in a hybrid environment") and words
   that are not workplaces ("hybrid creative", "hybrid delivery", "Virtual Onsite" interviews,
   "on-site demonstrations", "remote sites") do not count. Negations ("no remote", "not a
   remote role") are on-site.
"""

from __future__ import annotations

import re

from crawler.normalize.text import any_match, line_starts, lowered, matches_from, word_positions

_RAW = {
    "remote": "remote", "fully remote": "remote", "telecommute": "remote", "true": "remote",
    "yes": "remote", "remote only": "remote", "work from home": "remote", "wfh": "remote",
    "distributed": "remote", "anywhere": "remote",
    "hybrid": "hybrid", "flexible": "hybrid", "partially remote": "hybrid",
    "on-site": "onsite", "onsite": "onsite", "on site": "onsite", "in-office": "onsite",
    "in office": "onsite", "office": "onsite", "in person": "onsite", "in-person": "onsite",
    "office-based": "onsite",
}  # fmt: skip

_NEGATED = re.compile(
    r"(?i)\b(?:no|not|non)[- ]remote\b"
    r"|\bnot\s+(?:a\s+|an?\s+)?(?:fully\s+)?remote\s+(?:role|position|job)\b"
    r"|\bremote\s+(?:work\s+)?(?:is\s+)?not\s+(?:possible|available|an option|offered)\b"
    r"|\b(?:this|the)\s+(?:role|position|job)\s+is\s+not\s+remote\b"
    # remote as an exception to the rule: "Remote based work may be considered in certain
    # situations", "remote work can be approved in exceptional cases", "remote is possible
    # only on a case-by-case basis"
    r"|\bremote\b[^.\n]{0,40}?\b(?:may|might|can|could|will)\s+(?:only\s+)?be\s+"
    r"(?:considered|possible|allowed|approved|granted|discussed|an\s+option)\s+(?:only\s+)?"
    r"(?:in|for|on|under)\s+(?:certain|some|exceptional|limited|rare|special|specific"
    r"|a\s+case[- ]by[- ]case|an\s+exception)"
    r"|\bremote\b[^.\n]{0,40}?\b(?:is|are)\s+(?:only\s+)?(?:considered|possible|allowed)\s+"
    r"(?:only\s+)?(?:on\s+a\s+case[- ]by[- ]case\s+basis|by\s+exception|in\s+exceptional)"
)
_ROLE = r"(?:role|position|job|opportunity)"
# "WFH equipment stipend", "work from home reimbursement": a benefit, not the workplace.
_NOT_A_BENEFIT = (
    r"(?!\s+(?:equipment|stipends?|allowances?|budgets?|set-?ups?|reimburse\w*|expenses?|costs?"
    r"|days?|policy|options?|flexibility|benefits?|perks?))"
)
# After "hybrid role": words that say what the role combines, not where it is done.
_CONTENT_MIX = (
    r"\b(?:part\s+[\w/-]+,?\s+(?:and\s+)?part|half\s+[\w/-]+,?\s+(?:and\s+)?half"
    r"|between\s+[\w/-]+\s+and|combin\w*|blend\w*|mix(?:es|ing)?\s+of|spanning|bridging"
    r"|straddl\w*)\b"
)
_HYBRID = re.compile(
    r"(?i)^\W{0,3}(?:work(?:place)?\s*)?(?:location|arrangement|model|type|setting|mode|environment)"
    r"\s*[:\-–]\s*(?:\w+\s+){0,3}hybrid\b"
    rf"|\b(?:this|the)\s+{_ROLE}\s+is\s+(?:a\s+)?hybrid\b(?!\s+of\b)(?![^.\n]{{0,60}}?{_CONTENT_MIX})"
    # "a hybrid role: part design, part engineering" is the work's content, not a workplace
    rf"|\bhybrid\s+{_ROLE}\b(?!s)(?![^.\n]{{0,60}}?{_CONTENT_MIX})"
    r"|\b(?:\d|one|two|three|four)\s+(?:days?|times)\s+(?:a|per|each)\s+week\s+(?:in|at|from)\s+(?:the|our)\s+office"
    r"|\bin[- ]office\s+(?:\d|one|two|three|four)\s+days"
    r"|\bwithin\s+commuting\s+distance\b"
    # part of the time at the office: "some on-site time at our offices", "split your time
    # between home and our studio", "a mix of remote and in-office work"
    r"|\b(?:some|partial|part-time|regular)\s+(?:on-?site|in[- ]office|in[- ]person|office)\s+"
    r"(?:time|presence|work|days|attendance)\b"
    r"|\bsplit\s+(?:your|their|the|our)?\s*(?:work\s*)?(?:time|week)\s+between\s+"
    r"(?:(?:home|remote)[^.\n]{0,40}(?:office|studio|hub|site)"
    r"|(?:the\s+|our\s+)?(?:office|studio|hub)[^.\n]{0,40}(?:home|remote))"
    r"|\b(?:mix|combination|blend)\s+of\s+(?:remote|home|in[- ]office|office|on-?site)"
    r"\s+(?:and|&)\s+(?:remote|home|in[- ]office|office|on-?site)\b",
    re.M,
)
_ONSITE = re.compile(
    r"(?i)^\W{0,3}(?:work(?:place)?\s*)?(?:location|arrangement|model|type|setting|mode)"
    r"\s*[:\-–]\s*(?:100%\s+)?(?:on-?site|in[- ]office|in[- ]person|office[- ]based)\b"
    rf"|\b(?:this|the)\s+{_ROLE}\s+is\s+(?:an?\s+|fully\s+|100%\s+)?"
    r"(?:on-?site|in[- ]office|in[- ]person|office[- ]based)\b"
    rf"|(?<!home-)(?<!home )\b(?:on-?site|in-office|in-person|office-based)\s+{_ROLE}\b(?!s)"
    r"|\bin[- ]person\s+(?:\d|five|four)\s+days\s+(?:a|per)\s+week\b"
    # "This role will be based in our Tallinn office", "the position is based at the HQ office"
    rf"|\b(?:this|the)\s+{_ROLE}\s+(?:will\s+be|is)\s+based\s+(?:in|at|out\s+of)\s+"
    r"(?:our|the|one\s+of\s+our)\s+[^.\n]{0,50}?\boffices?\b",
    re.M,
)
_REMOTE = re.compile(
    r"(?i)\b(?:fully|100%|completely|entirely|full)\s+remote(?:ly)?\b"
    rf"|\bremote\s+{_ROLE}\b|\b(?:this|the)\s+{_ROLE}\s+is\s+(?:fully\s+|100%\s+)?remote\b"
    r"|^\W{0,3}(?:work\s*)?(?:location|arrangement|setting|mode)\s*[:\-–]\s*remote\b"
    rf"|\bwork(?:ing)?\s+(?:from\s+home|remotely)\b{_NOT_A_BENEFIT}|\bWFH\b{_NOT_A_BENEFIT}"
    r"|#LI-Remote\b|\bremote[- ]first\b|\bremote\s*\((?:full|part)[- ]time\)"
    r"|\bopen\s+to\s+(?:fully\s+)?remote\s+(?:employees|candidates|applicants|workers)\b"
    # remote offered beside a place, closing the clause: "join our team in Warsaw, Poland or
    # remote.", "based in Lisbon or remotely, from anywhere in Portugal"
    r"|\bor\s+(?:fully\s+)?remote(?:ly)?\s*(?:[.!;,)]|$)",
    re.M,
)
# The words every match of each regex starts with (any case); _HYBRID, _ONSITE and _REMOTE
# matches may also start at a line's start, _HYBRID ones at a digit. A regex is tried only
# there (text.any_match). Words the matches must contain somewhere skip a regex altogether.
_NEGATED_STARTS = ("no", "remote", "this", "the")
_HYBRID_STARTS = (
    "this", "the", "hybrid", "one", "two", "three", "four", "in-office", "in office", "within",
    "some", "partial", "part-time", "regular", "split", "mix", "combination", "blend",
)  # fmt: skip
_ONSITE_PLACE_WORDS = (
    "onsite", "on-site", "in-office", "in office", "in-person", "in person", "office-based",
    "office based",
)  # fmt: skip
# Every _ONSITE match holds one of these ("based in our Tallinn office" holds "based").
_ONSITE_WORDS = (*_ONSITE_PLACE_WORDS, "based")
_ONSITE_STARTS = ("this", "the", *_ONSITE_WORDS)
_REMOTE_STARTS = (
    "full", "100%", "completely", "entirely", "remote", "this", "the", "work", "wfh", "#li-remote",
    "open", "or",
)  # fmt: skip
# Location fields and titles: the words themselves are the statement.
# "Hybrid Cloud Engineer", "Hybrid App Developer": hybrid as the work's subject.
_FIELD_HYBRID = re.compile(
    r"(?i)\bhybrid\b(?!\s*[- ]?(?:cloud|apps?|applications?|mobile|vehicles?|cars?|systems?"
    r"|infrastructure|integrations?|it\b|workflows?|creative|delivery|solutions?|storage"
    r"|networks?|networking|engines?|powertrains?|energy|events?|learning|teaching|ai\b|search))"
)
# "Hybrid or Remote", "Remote / Hybrid": remote is one of the choices offered.
_FIELD_EITHER = re.compile(
    r"(?i)\b(?:hybrid|on-?site|office)\s*(?:or|/|&)\s*remote\b"
    r"|\bremote\s*(?:or|/|&)\s*(?:hybrid|on-?site|office)\b"
)
_FIELD_ONSITE = re.compile(r"(?i)\b(?:on-?site|in[- ]office|in[- ]person|office[- ]based)\b")
_FIELD_REMOTE = re.compile(
    r"(?i)\bremote(?:ly)?\b|\banywhere\b|\bwork from home\b|\btelecommute\b|\bworld\s?wide\b"
)


# "Distributed" as a whole part of a location field ("US - Distributed", "Distributed (EU)")
# is remote; in a title it is the work's subject ("Distributed Systems Engineer").
_DISTRIBUTED = re.compile(r"(?i)(?:^|[-–—,/|(]\s*)distributed\s*(?:$|[-–—,/|()])")


def remote_from_raw(raw) -> str | None:
    """A board's workplace value ("on-site", "Hybrid", "TELECOMMUTE", "true") as ours."""
    if raw is None or isinstance(raw, bool):
        return "remote" if raw is True else None
    key = re.sub(r"[_\s]+", " ", str(raw)).strip().lower()
    if key in _RAW:
        return _RAW[key]
    values = {_RAW.get(part.strip()) for part in re.split(r"[,|/]", key)} - {None}
    for value in ("hybrid", "onsite", "remote"):  # several values: the most restrictive
        if value in values:
            return value
    return None


def remote_from_field(text: str | None) -> str | None:
    """A location field or title: "Remote - US" -> remote, "Berlin (Hybrid)" -> hybrid."""
    if not text:
        return None
    if _NEGATED.search(text):
        return "onsite"
    if _FIELD_EITHER.search(text):
        return "remote"
    if _FIELD_HYBRID.search(text):
        return "hybrid"
    if _FIELD_ONSITE.search(text):
        return "onsite"
    if _FIELD_REMOTE.search(text):
        return "remote"
    return None


# Days a week at the workplace: "in the office 4 days a week", "on-site five days per week",
# "Work in the nearest Acme office four days/week", "3 days a week in our studio". Five is
# on-site, fewer hybrid.
_DAYS = r"(?P<{}>[1-5]|one|two|three|four|five)(?:\s*(?:-|to)\s*(?:[1-5]|two|three|four|five))?"
_PER_WEEK = r"\s*(?:days?|x)\s*(?:a|per|each|every|/|in\s+a)\s*week\b"
_PLACE = (
    r"(?:(?:in|at|from|into|to)\s+(?:the|our|an?|one\s+of\s+our)\s+(?:[\w.'’-]+\s+){0,3}?"
    r"(?:office|offices|hub|studio|HQ|headquarters|site|campus)"
    r"|on-?site|in[- ]office|in[- ]person|in\s+office)"
)
_OFFICE_DAYS = re.compile(
    rf"(?i)\b{_PLACE}\s+(?:for\s+|at\s+least\s+|a\s+minimum\s+of\s+|about\s+|around\s+)*"
    + _DAYS.format("n")
    + _PER_WEEK
    + rf"|\b{_DAYS.format('m')}{_PER_WEEK}\s+(?:\w+\s+)?{_PLACE}"
)
# "some on-site time", "regular in-office days": the words those _HYBRID matches begin with.
_PART_TIME_PLACES = tuple(
    f"{share} {place}"
    for share in ("some", "partial", "part-time", "regular")
    for place in (
        "on-site",
        "onsite",
        "on site",
        "in-office",
        "in office",
        "in-person",
        "in person",
        "office",
    )
)
# Where an _OFFICE_DAYS match starts: a place word ("in the office", "on-site") or a count.
_OFFICE_DAYS_STARTS = (
    "in", "at", "from", "into", "to", "on-site", "onsite", "in-office", "in office",
    "in-person", "in person", "1", "2", "3", "4", "5", "one", "two", "three", "four", "five",
)  # fmt: skip
_OFFICE_DAYS_WORDS = ("office", "site", "person", "hub", "studio", "hq", "headquarters", "campus")
_DAY_COUNT = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "one": 1, "two": 2, "three": 3}
_DAY_COUNT |= {"four": 4, "five": 5}
# A sentence that makes a statement conditional or denies it: "if you live near", "for
# candidates within 50 miles", "you may not be a fit if you prefer working remotely".
_CONDITION = re.compile(
    r"(?i)\bif\s+you\b|\bunless\b|\bnot\b|n['’]t\b|\bnever\b|\bno\s+longer\b"
    r"|\bprefer(?:s|red|ring)?\b|\bresid(?:e|ing|ents?)\s+(?:within|near|in\s+the)"
    r"|\b(?:living|located|based|live)\s+(?:within|near|close\s+to)\b|\bwithin\s+\d+\s*(?:miles|km)"
    r"|\b(?:those|candidates|employees|applicants)\s+(?:who\s+live\s+)?(?:near|within|close)"
)


# Working at the workplace said of the role: "working on-site and being hands-on", "you will
# work onsite at our Austin plant", "this team works in person". Not when the sentence makes it
# occasional, conditional or at customers' sites ("may require working on-site", "there is
# potential for work onsite with key customers", "willing to work on-site when needed").
_WORK_ONSITE = re.compile(
    r"(?i)\bwork(?:s|ing)?\s+(?:fully\s+|full[- ]time\s+|primarily\s+|mainly\s+)?"
    r"(?:on-?site|on\s+site|in[- ]person)\b(?!\s+(?:visits?|days?|events?|meetings?))"
)
_OCCASIONAL = re.compile(
    r"(?i)\b(?:may|might|occasional(?:ly)?|periodic(?:ally)?|some|sometimes|when|whenever"
    r"|as\s+needed|from\s+time\s+to\s+time|travel\w*|visits?|quarter(?:ly)?|per\s+(?:month|year)"
    r"|times\s+a\s+(?:year|quarter|month)|twice|ability|able|willing(?:ness)?|open\s+to|or"
    r"|can|could|potential(?:ly)?|possib\w*|opportunit\w*|customers?|clients?)\b"
)
_WORK_ONSITE_STARTS = ("work",)


def _works_on_site(text: str, low: str) -> bool:
    if "work" not in low or not any(word in low for word in _ONSITE_PLACE_WORDS + ("on site",)):
        return False
    return any(
        not _CONDITION.search(sentence) and not _OCCASIONAL.search(sentence)
        for sentence in (
            _sentence_of(text, m.start(), m.end())
            for m in _matches(_WORK_ONSITE, text, _WORK_ONSITE_STARTS)
        )
    )


def _sentence_before(text: str, start: int) -> str:
    """The sentence (or list item) a match at ``start`` belongs to, up to the match."""
    cut = max(text.rfind(mark, 0, start) for mark in (". ", "\n", "! ", "? ", "; "))
    return text[cut + 1 : start]


def _sentence_of(text: str, start: int, end: int) -> str:
    tail = min(
        (i for i in (text.find(m, end) for m in (". ", "\n", "! ", "? ")) if i >= 0),
        default=len(text),
    )
    return _sentence_before(text, start) + text[start:tail]


def _office_days(text: str, low: str) -> str | None:
    """``onsite`` (five days) or ``hybrid`` (fewer) from an unconditional day count."""
    if "week" not in low or not any(word in low for word in _OFFICE_DAYS_WORDS):
        return None
    starts = word_positions(text, _OFFICE_DAYS_STARTS)
    weeks = word_positions(text, ("week",))
    if starts is None or weeks is None:
        found = _OFFICE_DAYS.finditer(text)
    else:  # every match holds "week" within 150 characters of its start
        found = matches_from(
            _OFFICE_DAYS, text, [at for at in starts if any(0 <= w - at <= 150 for w in weeks)]
        )
    for match in found:
        if _CONDITION.search(_sentence_of(text, match.start(), match.end())):
            continue
        days = (match.group("n") or match.group("m")).lower()
        return "onsite" if _DAY_COUNT[days] >= 5 else "hybrid"
    return None


def _matches(regex: re.Pattern, text: str, words, at_line_start: bool = False):
    """``regex.finditer(text)``, tried only where a match can start (see ``any_match``)."""
    starts = word_positions(text, words)
    if starts is None:
        return regex.finditer(text)
    if at_line_start:
        starts = sorted(set(starts) | set(line_starts(text)))
    return matches_from(regex, text, starts)


def _restriction(text: str | None) -> str | None:
    """The description's hybrid or on-site statement about the role (a negated remote is
    on-site), or None. The word checks skip the regexes (each a scan of the whole text)
    when the text lacks every word their matches need."""
    if not text:
        return None
    low = lowered(text)
    if (
        "remote" in low
        and ("no" in low or " be " in low or " is " in low or " are " in low)
        and any_match(_NEGATED, text, _NEGATED_STARTS)
    ):
        return "onsite"
    days = _office_days(text, low)
    if days:
        return days
    if (
        "hybrid" in low
        or "commuting" in low
        or ("week" in low and "office" in low)
        or ("days" in low and ("in-office" in low or "in office" in low))
        or ("split" in low and "between" in low)
        or any(word in low for word in ("mix of", "combination of", "blend of"))
        or any(word in low for word in _PART_TIME_PLACES)
    ) and any_match(_HYBRID, text, _HYBRID_STARTS, at_line_start=True, at_digit=True):
        return "hybrid"
    if (
        any(word in low for word in _ONSITE_PLACE_WORDS) or ("based" in low and "office" in low)
    ) and any_match(_ONSITE, text, _ONSITE_STARTS, at_line_start=True):
        return "onsite"
    if _works_on_site(text, low):
        return "onsite"
    return None


def _says_remote(text: str | None) -> bool:
    """A remote statement about the role, not a denied or conditional one ("you may not be a
    fit if you prefer working remotely", "unless you can work remotely")."""
    if not text:
        return False
    low = lowered(text)
    if not ("remote" in low or "home" in low or "wfh" in low or "open" in low):
        return False
    if not any_match(_REMOTE, text, _REMOTE_STARTS, at_line_start=True):
        return False
    return any(
        not _CONDITION.search(_sentence_before(text, match.start()))
        for match in _matches(_REMOTE, text, _REMOTE_STARTS, at_line_start=True)
    )


def role_statement(text: str | None) -> str | None:
    """What the description says about this role's workplace, by the strongest statement:
    negation, then hybrid, then on-site, then remote."""
    return _restriction(text) or ("remote" if _says_remote(text) else None)


def decide_remote(
    remote_raw=None, location_raw: str | None = None, title: str | None = None, text=None
) -> str | None:
    """``remote``/``hybrid``/``onsite``/None from the evidence, in the order of the module doc.

    The description's remote statements are only read when nothing else says remote.
    """
    structured = remote_from_raw(remote_raw)
    if structured in ("hybrid", "onsite"):
        return structured
    if structured == "remote":
        return _restriction(text) or "remote"
    field = (
        remote_from_field(location_raw)
        or ("remote" if location_raw and _DISTRIBUTED.search(location_raw) else None)
        or remote_from_field(title)
    )
    if field in ("hybrid", "onsite"):
        return field
    said = _restriction(text)
    if said:
        return said
    return field or ("remote" if _says_remote(text) else None)
