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

from crawler.normalize.text import any_match, lowered

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
)
_ROLE = r"(?:role|position|job|opportunity)"
_HYBRID = re.compile(
    r"(?i)^\W{0,3}(?:work(?:place)?\s*)?(?:location|arrangement|model|type|setting|mode|environment)"
    r"\s*[:\-–]\s*(?:\w+\s+){0,3}hybrid\b"
    rf"|\b(?:this|the)\s+{_ROLE}\s+is\s+(?:a\s+)?hybrid\b"
    rf"|\bhybrid\s+{_ROLE}\b(?!s)"
    r"|\b(?:\d|one|two|three|four)\s+(?:days?|times)\s+(?:a|per|each)\s+week\s+(?:in|at|from)\s+(?:the|our)\s+office"
    r"|\bin[- ]office\s+(?:\d|one|two|three|four)\s+days"
    r"|\bwithin\s+commuting\s+distance\b",
    re.M,
)
_ONSITE = re.compile(
    r"(?i)^\W{0,3}(?:work(?:place)?\s*)?(?:location|arrangement|model|type|setting|mode)"
    r"\s*[:\-–]\s*(?:100%\s+)?(?:on-?site|in[- ]office|in[- ]person|office[- ]based)\b"
    rf"|\b(?:this|the)\s+{_ROLE}\s+is\s+(?:an?\s+|fully\s+|100%\s+)?"
    r"(?:on-?site|in[- ]office|in[- ]person|office[- ]based)\b"
    rf"|(?<!home-)(?<!home )\b(?:on-?site|in-office|in-person|office-based)\s+{_ROLE}\b(?!s)"
    r"|\bin[- ]person\s+(?:\d|five|four)\s+days\s+(?:a|per)\s+week\b",
    re.M,
)
_REMOTE = re.compile(
    r"(?i)\b(?:fully|100%|completely|entirely|full)\s+remote(?:ly)?\b"
    rf"|\bremote\s+{_ROLE}\b|\b(?:this|the)\s+{_ROLE}\s+is\s+(?:fully\s+|100%\s+)?remote\b"
    r"|^\W{0,3}(?:work\s*)?(?:location|arrangement|setting|mode)\s*[:\-–]\s*remote\b"
    r"|\bwork(?:ing)?\s+(?:from\s+home|remotely)\b|\bWFH\b|#LI-Remote\b"
    r"|\bremote[- ]first\b|\bremote\s*\((?:full|part)[- ]time\)",
    re.M,
)
# The words every match of each regex starts with (any case); _HYBRID, _ONSITE and _REMOTE
# matches may also start at a line's start, _HYBRID ones at a digit. A regex is tried only
# there (text.any_match). Words the matches must contain somewhere skip a regex altogether.
_NEGATED_STARTS = ("no", "remote", "this", "the")
_HYBRID_STARTS = (
    "this", "the", "hybrid", "one", "two", "three", "four", "in-office", "in office", "within",
)  # fmt: skip
_ONSITE_WORDS = (
    "onsite", "on-site", "in-office", "in office", "in-person", "in person", "office-based",
    "office based",
)  # fmt: skip
_ONSITE_STARTS = ("this", "the", *_ONSITE_WORDS)
_REMOTE_STARTS = (
    "full", "100%", "completely", "entirely", "remote", "this", "the", "work", "wfh", "#li-remote",
)  # fmt: skip
# Location fields and titles: the words themselves are the statement.
_FIELD_HYBRID = re.compile(r"(?i)\bhybrid\b")
_FIELD_ONSITE = re.compile(r"(?i)\b(?:on-?site|in[- ]office|in[- ]person|office[- ]based)\b")
_FIELD_REMOTE = re.compile(
    r"(?i)\bremote(?:ly)?\b|\banywhere\b|\bwork from home\b|\btelecommute\b|\bworld\s?wide\b"
)


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
    if _FIELD_HYBRID.search(text):
        return "hybrid"
    if _FIELD_ONSITE.search(text):
        return "onsite"
    if _FIELD_REMOTE.search(text):
        return "remote"
    return None


def _restriction(text: str | None) -> str | None:
    """The description's hybrid or on-site statement about the role (a negated remote is
    on-site), or None. The word checks skip the regexes (each a scan of the whole text)
    when the text lacks every word their matches need."""
    if not text:
        return None
    low = lowered(text)
    if "remote" in low and "no" in low and any_match(_NEGATED, text, _NEGATED_STARTS):
        return "onsite"
    if (
        "hybrid" in low
        or "commuting" in low
        or ("week" in low and "office" in low)
        or ("days" in low and ("in-office" in low or "in office" in low))
    ) and any_match(_HYBRID, text, _HYBRID_STARTS, at_line_start=True, at_digit=True):
        return "hybrid"
    if any(word in low for word in _ONSITE_WORDS) and any_match(
        _ONSITE, text, _ONSITE_STARTS, at_line_start=True
    ):
        return "onsite"
    return None


def _says_remote(text: str | None) -> bool:
    if not text:
        return False
    low = lowered(text)
    return ("remote" in low or "home" in low or "wfh" in low) and bool(
        any_match(_REMOTE, text, _REMOTE_STARTS, at_line_start=True)
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
    field = remote_from_field(location_raw) or remote_from_field(title)
    if field in ("hybrid", "onsite"):
        return field
    said = _restriction(text)
    if said:
        return said
    return field or ("remote" if _says_remote(text) else None)
