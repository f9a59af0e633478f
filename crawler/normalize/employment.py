"""Employment type: ``full_time``, ``part_time``, ``contract``, ``internship``, ``temporary``.

The board's structured value (Lever commitment "Full-time", Ashby "FullTime", JSON-LD
"FULL_TIME", "CONTRACTOR") is read word by word, so qualifiers around the type words do not
hide them ("Regular Full Time (Salary)", "Full-time (remote)", "Permanent - Full Time",
"Part Time - Hourly"). The board's value and the title are one piece of evidence: when they
name several types the most specific wins, internship > temporary > contract > part_time >
full_time (a board's "Full-time" with the title "Summer Internship" or "Designer
(Part-Time)" is the title's type). A title word that names the job's subject is not a type
("Contract Manager", "Internship Program Coordinator"). Only without a board value are the
board's tags and the description's statements about the role read, by the same precedence
(a "part-time freelance" engagement is a contract, a "full-time summer internship" an
internship).

Only statements about the role count: a "Job Type:"/"Status:" line, "Remote (Full Time)",
"on a contract basis", "independent contractor", "freelance", "(temporary)". Benefits
boilerplate ("How we support full-time employees", "equity for all full time roles") and
words that only look alike ("contracted obligations", "internal") do not.
"""

from __future__ import annotations

import re

from crawler.normalize.text import any_match, line_starts, lowered, matches_from

PRECEDENCE = ("internship", "temporary", "contract", "part_time", "full_time")

_RAW = {
    "fulltime": "full_time", "full": "full_time", "permanent": "full_time", "regular": "full_time",
    "ft": "full_time", "vollzeit": "full_time", "tempsplein": "full_time", "cdi": "full_time",
    "정규직": "full_time",
    "parttime": "part_time", "pt": "part_time", "teilzeit": "part_time",
    "tempspartiel": "part_time",
    "contract": "contract", "contractor": "contract", "freelance": "contract",
    "freelancer": "contract", "contracttohire": "contract", "consultant": "contract",
    "b2b": "contract", "1099": "contract", "selfemployed": "contract",
    "intern": "internship", "internship": "internship", "trainee": "internship",
    "apprenticeship": "internship", "praktikum": "internship", "stage": "internship",
    "temporary": "temporary", "temp": "temporary", "seasonal": "temporary",
    "fixedterm": "temporary", "perdiem": "temporary", "cdd": "temporary",
}  # fmt: skip

# Board tags are free words: only the unambiguous ones count ("stage" is a tag, not a stage).
_TAGS = {
    "fulltime": "full_time", "parttime": "part_time", "contract": "contract",
    "contractor": "contract", "freelance": "contract", "internship": "internship",
    "temporary": "temporary",
}  # fmt: skip

_TITLE = {
    "internship": re.compile(r"(?i)\bintern(?:ship)?s?\b|\bco-?op\b|\bapprentice(?:ship)?\b"),
    "temporary": re.compile(r"(?i)\btemp(?:orary)?\b|\bseasonal\b|\bfixed[- ]term\b"),
    "contract": re.compile(r"(?i)\bcontract(?:or)?\b|\bfreelance(?:r)?\b"),
    "part_time": re.compile(r"(?i)\bpart[- ]?time\b"),
    "full_time": re.compile(r"(?i)\bfull[- ]?time\b"),
}

_LABEL = re.compile(
    r"(?im)^\W{0,3}(?:job|employment|position|contract|engagement|work)?\s*"
    r"(?:type|status|commitment|schedule)\s*[:\-–]\s*(?P<value>[^\n]{1,60})"
)
# Not the role's type when followed by these (benefits and policy boilerplate).
_PEOPLE = (
    r"(?!\s+(?:employees?|staff|team\s+members|workers|offers?|roles|positions|equivalent"
    r"|hours?|basis\s+employees))"
)
_TEXT = {
    # An internship of this role, not past ones ("excluding tenure from internships",
    # "prior internship experience").
    "internship": re.compile(
        r"(?i)(?<!previous )(?<!prior )(?<!past )(?<!from )(?<!excluding )(?<!including )"
        r"(?<!post-)(?<!post )(?<!non-)"  # "3+ years of post-internship experience"
        r"\binternship\b(?!\s+(?:program\s+for\s+|experience))|\bintern\s+(?:role|position)\b"
    ),
    "temporary": re.compile(
        r"(?i)\btemp(?:orary)?\s+(?:role|position|job|assignment|contract)\b|\(temporary\)"
        r"|\bfixed[- ]term\b|\bseasonal\s+(?:role|position|job)\b"
    ),
    "contract": re.compile(
        r"(?im)\bcontract\s+(?:basis|role|position|job|assignment|engagement|opportunity)\b"
        r"|\(contractor\)|\bas\s+an?\s+(?:independent\s+)?contractor\b|\bindependent\s+contract(?:or)?\b"
        r"|\bcontractor\s+(?:role|position|agreement|engagement|basis)\b|^\W{0,3}freelance\b"
        r"|\bfreelance\s+(?:role|position|basis|contract|engagement|opportunity|job|gig|project)\b"
        r"|\bas\s+an?\s+freelancer\b|\(freelance\)|\bcontract[- ]to[- ]hire\b|\bB2B\s+contract\b"
        r"|\bfull[- ]?time\s+contractors?\b"
        r"|\b(?:1099|C2C|corp[- ]to[- ]corp)\s+(?:or\s+\w+\s+)?contract\b"
    ),
    "part_time": re.compile(
        rf"(?i)\bpart[- ]?time\b{_PEOPLE}"
        r"|\b(?:temps\s+partiel|teilzeit|tiempo\s+parcial|medio\s+tiempo|media\s+jornada"
        r"|meio\s+per[íi]odo|tempo\s+parcial|tempo\s+parziale|deeltijd)\b"
    ),
    "full_time": re.compile(
        r"(?i)\b(?:hire|hiring|seeking|looking\s+for|recruiting)\s+an?\s+(?:[\w-]+\s+)?"
        r"full[- ]?time\b"
        r"|\bon\s+a\s+full[- ]?time\s+basis\b"
        # the hours asked of the hire: "Available to work full-time", "able to work full time"
        r"|\b(?:available|able|expected|required|willing)\s+to\s+work\s+full[- ]?time\b|"
        rf"(?i:\bfull[- ]?time\b){_PEOPLE}(?=\s*(?:[,)/·|]|\s[-–—]\s|$"
        r"|\s+(?:role|position|job|opportunity|remote|contract|permanent|employment)\b))"
        # the same words in the languages postings here are written in
        r"|\b(?:temps\s+plein|vollzeit|tiempo\s+completo|jornada\s+completa|tempo\s+integral"
        r"|tempo\s+pieno|voltijd)\b",
        re.M,
    ),
}

# Words every match of each _TEXT regex (and of _LABEL) contains, any case: a description
# without them is not scanned (each scan of a few kB costs 50-700 µs).
_TEXT_WORDS = {
    "internship": ("intern",),
    "temporary": ("temp", "fixed", "seasonal"),
    "contract": ("contract", "freelance"),
    "part_time": (
        "part-time", "part time", "parttime", "partiel", "teilzeit", "parcial", "medio",
        "media", "meio", "parziale", "deeltijd",
    ),
    "full_time": (
        "full-time", "full time", "fulltime", "plein", "vollzeit", "completo", "completa",
        "integral", "pieno", "voltijd",
    ),
}  # fmt: skip
_LABEL_WORDS = ("type", "status", "commitment", "schedule")
# The words every match of each _TEXT regex starts with (any case; "contract" matches may
# also start at a line's start): the regex is tried only there (text.any_match).
_TEXT_STARTS = {
    "internship": ("intern",),
    "temporary": ("temp", "(temporary)", "fixed", "seasonal"),
    "contract": (
        "contract", "(contractor)", "as", "independent", "freelance", "(freelance)", "b2b",
        "full-time", "full time", "fulltime", "1099", "c2c", "corp",
    ),
    "part_time": (
        "part-time", "part time", "parttime", "temps", "teilzeit", "tiempo", "medio", "media",
        "meio", "tempo", "deeltijd",
    ),
    "full_time": (
        "hire", "hiring", "seeking", "looking", "recruiting", "full-time", "full time",
        "fulltime", "on", "temps", "vollzeit", "tiempo", "jornada", "tempo", "voltijd",
        "available", "able", "expected", "required", "willing",
    ),
}  # fmt: skip


# Type words inside a qualified board value ("Regular Full Time (Salary)"): a run of one to
# three words, read as one key ("full time" -> "fulltime", "fixed term" -> "fixedterm").
_RAW_WORD = re.compile(r"[^\W\d_]+|\d+")


def _words_kinds(value: str) -> set[str]:
    words = [w.lower() for w in _RAW_WORD.findall(value)]
    found = set()
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            key = "".join(words[i : i + size])
            if key in _RAW and (size > 1 or key not in _NOT_ALONE):
                found.add(_RAW[key])
    return found


# Words that are a type only as the whole value: "Full" alone is full-time, but "Full
# Stack"; "Regular" alone is full-time, "Temp" too, but not inside longer phrases.
_NOT_ALONE = {"full", "regular", "ft", "pt", "temp", "stage", "consultant"}


def employment_from_raw(raw) -> str | None:
    """A board's value ("Full-time", "FullTime", "FULL_TIME", ["PART_TIME", "CONTRACTOR"],
    "Regular Full Time (Salary)", "Permanent - Full Time")."""
    if raw is None:
        return None
    values = raw if isinstance(raw, list | tuple) else re.split(r"[,;/|]| or ", str(raw))
    found = set()
    for value in values:
        key = re.sub(r"[\s_\-.]+", "", str(value)).lower()
        if key in _RAW:
            found.add(_RAW[key])
        else:
            found |= _words_kinds(str(value))
            # Compound codes: Recruitee "fulltime_permanent", Pinpoint "Permanent - Full
            # Time", BambooHR "Contract - Full-Time"; the most specific part wins below.
            found |= {kind for part, kind in _COMPOUND if part in key}
    return next((kind for kind in PRECEDENCE if kind in found), None)


# Parts of compound codes, each unambiguous inside a longer word-run ("intern" is not:
# "internal"; "temp" is not: "template").
_COMPOUND = (
    ("internship", "internship"), ("traineeship", "internship"), ("fixedterm", "temporary"),
    ("temporary", "temporary"), ("contract", "contract"), ("freelance", "contract"),
    ("parttime", "part_time"), ("fulltime", "full_time"), ("permanent", "full_time"),
)  # fmt: skip


# After a type word in a title, a noun that makes it the job's subject ("Contract Manager",
# "Internship Program Coordinator", "Temporary Housing Specialist").
_SUBJECT = re.compile(
    r"(?i)\s*(?:s\b)?\s*(?:&\s*\w+\s*)?(?:program(?:me)?s?|management|manager|specialist|administrator"
    r"|admin|analyst|coordinator|recruit\w*|lawyer|attorney|counsel|negotiat\w*|officer|lead"
    r"|compliance|lifecycle|operations|housing|staffing|agency|services|sourcing|pricing"
    r"|review\w*|associate|paralegal|clerk|desk)\b"
)


def _title_kinds(title: str | None) -> set[str]:
    """The types a title names as the job's own type, not as its subject."""
    if not title:
        return set()
    found = set()
    for kind, regex in _TITLE.items():
        for match in regex.finditer(title):
            if kind == "full_time" or not _SUBJECT.match(title, match.end()):
                found.add(kind)
                break
    return found


# A kind named as the one *not* offered: "preference given to employees over b2b contract
# employment", "a permanent position rather than a contract role", "instead of freelancers".
_NOT_CHOSEN = re.compile(
    r"(?i)\b(?:over|rather\s+than|instead\s+of)\s+(?:an?\s+)?(?:b2b\s+|1099\s+|independent\s+)?"
    r"(?:contract(?:or)?s?|freelance(?:rs?)?|part[- ]?time|internships?|temporary)\b"
)


# The experience asked for is past work, not this role: "3+ years of post-internship,
# full-time, hands-on experience", "2 years of full-time professional experience".
_EXPERIENCE = re.compile(r"(?i)\b\d+\+?\s*(?:-\s*\d+\s*)?years?\s+of\s+[^.\n]{0,100}?experience\b")
_NOT_THE_ROLES = (
    (("over", "rather", "instead"), _NOT_CHOSEN),
    (("experience",), _EXPERIENCE),
)


def _text_kinds(text: str | None) -> set[str]:
    if not text:
        return set()
    low = lowered(text)
    for words, regex in _NOT_THE_ROLES:
        if any(word in low for word in words) and regex.search(text):
            # blanked, not removed: offsets of the rest stay (the scans use word positions)
            text = regex.sub(lambda m: " " * len(m.group(0)), text)
            low = lowered(text)
    found = {
        kind
        for kind, regex in _TEXT.items()
        if any(word in low for word in _TEXT_WORDS[kind])
        and any_match(regex, text, _TEXT_STARTS[kind], at_line_start=kind == "contract")
    }
    if not any(word in low for word in _LABEL_WORDS):
        return found
    for match in matches_from(_LABEL, text, line_starts(text)):  # _LABEL starts at "^"
        value = match.group("value")
        found |= {kind for kind, regex in _TITLE.items() if regex.search(value)}
        kind = employment_from_raw(value.split(",")[0])
        if kind:
            found.add(kind)
    return found


def employment_type(raw=None, title=None, tags=None, text=None) -> str | None:
    """The posting's employment type by the rules of the module doc; None when unknown."""
    structured = employment_from_raw(raw)
    if structured:
        found = {structured} | _title_kinds(title)
        return next(kind for kind in PRECEDENCE if kind in found)
    found = _title_kinds(title) | _text_kinds(text)
    found |= {
        _TAGS[t]
        for t in (re.sub(r"[\s_\-]+", "", str(t)).lower() for t in tags or [])
        if t in _TAGS
    }
    return next((kind for kind in PRECEDENCE if kind in found), None)
