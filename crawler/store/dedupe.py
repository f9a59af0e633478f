"""Cross-board duplicates: the same job on the employer's ATS and on aggregators, grouped.

Never destructive: no row is deleted or merged. Duplicates are *recorded* in
``duplicate_groups`` (one row per grouped posting: group id, job id, the reason
and the score) and the ``unique_jobs`` view shows one canonical row per group.

How two postings end up in one group (each step explains itself in ``reason``):

1. **Candidates** share a *match key*: normalised company + normalised title
   (``match_key``), stored on ``jobs.match_key`` with an index. Company: accents,
   case, punctuation, spaces and legal forms dropped (``Match Group, Inc.`` =
   ``matchgroup``); the board's company handle stands in for a missing name.
   Title: ``Sr.`` = ``Senior`` (and a few other abbreviations), gender markers
   (``(m/w/d)``, ``(f/m/x)``, ``(all genders)``) and workplace words (``Remote``,
   ``Hybrid``) removed, a trailing part that only repeats the posting's location
   (``Backend Engineer - Berlin``) removed, punctuation folded, roman level
   numbers read as digits (``Engineer II`` = ``Engineer 2``). Only postings of
   *another* board are candidates: a board's own ids are trusted to tell its
   postings apart (Lever lists one posting per office under the same title).
   At most ``DEDUPE_MAX_CANDIDATES`` candidates are looked at (newest first), so
   the cost per new posting is one index lookup and a bounded number of
   comparisons however large the database grows: never all pairs.
2. **Location/remote must be compatible**: remote vs on-site conflicts (hybrid
   goes with either); two non-empty country lists must overlap (unless one is
   worldwide); without countries, location texts must share a place word unless
   one side is remote; an unknown location is compatible.
3. **Descriptions must be similar**: the *containment* of their 5-word shingles
   (the share of the shorter text's word 5-grams that also occur in the other;
   the first ``TEXT_WORDS`` words of each), at least ``DEDUPE_TEXT_MIN_SCORE``
   (0.8). Containment rather than Jaccard so that an aggregator's shortened copy
   still matches its source (a real Lever posting against its first half: 0.99),
   and shingles rather than word sets so that two different jobs of one company
   sharing its blurb and benefits stay apart (Palantir's two real "Administrative
   Business Partner" postings: 0.56; rapidfuzz's ``token_set_ratio`` gave them
   0.87). A description under ``DEDUPE_MIN_TEXT_CHARS`` cannot confirm
   anything, so such a posting is not grouped.

A new posting joins the group of its best-scoring confirmed candidate, or forms
a new group with it. Groups are not merged afterwards (a posting belongs to one
group). The canonical row of a group is the employer's own ATS posting
(``DEDUPE_EMPLOYER_SOURCES``) before an aggregator's, then the earliest seen,
then the lowest id.

Everything above ``-- database --`` is pure.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

# Words compared per description: bounds the cost of one comparison.
TEXT_WORDS = 1500
SHINGLE_WORDS = 5
# Longer inputs are cut first: no real title, company or place is longer, and junk of
# megabytes (a broken board) must not make the key's regexes and loops crawl.
MAX_NAME_CHARS = 300
MAX_TEXT_CHARS = TEXT_WORDS * 20

_ABBREVIATIONS = {
    "sr": "senior",
    "snr": "senior",
    "sen": "senior",
    "jr": "junior",
    "jnr": "junior",
    "mgr": "manager",
    "eng": "engineer",
    "engr": "engineer",
    "dev": "developer",
    "swe": "software engineer",
    "assoc": "associate",
    "admin": "administrator",
    "asst": "assistant",
    "i": "1",
    "ii": "2",
    "iii": "3",
    "iv": "4",
    "v": "5",
}
_WORKPLACE_WORDS = {"remote", "hybrid", "onsite", "wfh", "telecommute", "anywhere", "fully"}
_GENDER_TOKENS = r"(?:m|w|f|d|x|h|a|n|i|div|divers|diverse|gn|all|genders?|\*)"
_GENDER = re.compile(
    rf"[(\[]\s*{_GENDER_TOKENS}(?:\s*[/|,\s]\s*{_GENDER_TOKENS})*\s*[)\]]"
    rf"|\b[mwfdxh]\s*/\s*[mwfdxh](?:\s*/\s*(?:[mwfdxh]|div))+\b",
    re.I,
)
_ON_SITE = re.compile(r"\bon[\s-]site\b|\bin[\s-]office\b|\bwork from home\b", re.I)
# A trailing part a board appended: "Title (Remote, EU)", "Title [Hybrid]", then
# "Title - Berlin", "Title | London", "Title, Remote".
_TRAILING_GROUP = re.compile(r"^(?P<head>.+?)\s*[(\[](?P<tail>[^()\[\]]*)[)\]]\s*$")
_TRAILING_PART = re.compile(r"^(?P<head>.+?)\s*[-–—|:,]\s*(?P<tail>[^-–—|:,()\[\]]+)$")
# Regions boards append to titles ("Backend Engineer - EU").
_REGION_WORDS = {"eu", "emea", "apac", "latam", "europe", "americas", "amer", "worldwide", "global"}
_TOKEN = re.compile(r"[a-z0-9+#]+")

_LEGAL_FORMS = {
    "inc", "incorporated", "llc", "ltd", "limited", "gmbh", "ag", "sa", "sas", "sarl", "bv",
    "nv", "plc", "corp", "corporation", "co", "company", "oy", "oyj", "ab", "as", "asa", "aps",
    "pty", "srl", "spa", "kk", "pte", "lp", "llp", "se", "kg", "ug", "sl", "sro",
}  # fmt: skip
_NO_COMPANY = {"", "none", "null", "n/a", "na", "unknown", "confidential", "undisclosed"}

# Words of location texts that name no particular place (or are shared by many).
_PLACE_STOPWORDS = {
    "remote", "hybrid", "onsite", "on", "site", "office", "anywhere", "worldwide", "global",
    "the", "and", "or", "in", "of", "from", "only", "based", "time", "zone", "timezone", "utc",
    "gmt", "full", "united", "states", "state", "kingdom", "new", "city", "north", "south",
    "east", "west", "central", "san", "st", "saint", "la", "de", "el", "region", "area",
    "multiple", "locations", "location", "hq", "headquarters", "any", "country", "countries",
}  # fmt: skip


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _ascii_fold(text: str) -> str:
    """Accents dropped (NFKD without combining marks), case folded."""
    if text.isascii():
        return text.casefold()  # ASCII is its own NFKD and has no combining marks
    decomposed = unicodedata.normalize("NFKD", text)
    # Only the few non-ASCII characters need looking at, not every character in Python.
    marks = {c for c in _NON_ASCII.findall(decomposed) if unicodedata.combining(c)}
    if marks:
        decomposed = decomposed.translate(dict.fromkeys(map(ord, marks)))
    return decomposed.casefold()


def normalize_company(name: str | None) -> str | None:
    """``Match Group, Inc.`` -> ``matchgroup``; None for a missing or placeholder name."""
    if not isinstance(name, str):
        return None
    text = _ascii_fold(name[:MAX_NAME_CHARS]).replace("&", " and ")
    tokens = _TOKEN.findall(text)
    if tokens and tokens[0] == "the" and len(tokens) > 1:
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in _LEGAL_FORMS:
        tokens.pop()
    joined = "".join(tokens)
    return None if joined in _NO_COMPANY else joined


def place_words(location: str | None) -> set[str]:
    """The words of a location text that can name a place (``Palo Alto, CA`` -> palo, alto, ca)."""
    if not isinstance(location, str):
        return set()
    words = _TOKEN.findall(_ascii_fold(location[:MAX_NAME_CHARS]))
    return {w for w in words if w not in _PLACE_STOPWORDS}


def _title_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        tokens.extend(_ABBREVIATIONS.get(token, token).split())
    return [t for t in tokens if t not in _WORKPLACE_WORDS]


def normalize_title(title: str | None, location: str | None = None) -> str | None:
    """``Sr. Backend Engineer (m/w/d) - Berlin`` -> ``senior backend engineer`` (with Berlin
    as the posting's location); None for a missing title."""
    if not isinstance(title, str):
        return None
    text = _GENDER.sub(" ", _ascii_fold(title[:MAX_NAME_CHARS]))
    text = _ON_SITE.sub(" onsite ", text).replace("&", " and ")
    places = place_words(location)
    # Drop trailing parts that only name the posting's own place or workplace ("- Remote").
    strippable = places | _WORKPLACE_WORDS | _PLACE_STOPWORDS | _REGION_WORDS
    while True:
        text = text.strip()
        match = _TRAILING_GROUP.match(text) or _TRAILING_PART.match(text)
        if not match:
            break
        tail = set(_TOKEN.findall(match["tail"]))
        if tail and not tail <= strippable:
            break
        text = match["head"]
    tokens = _title_tokens(text)
    return " ".join(tokens) or None


def match_key(
    company: str | None, company_slug: str | None, title: str | None, location: str | None
) -> str | None:
    """``<company>|<title>``, the blocking key candidates share; None when either is unknown."""
    who = normalize_company(company) or normalize_company(company_slug)
    what = normalize_title(title, location)
    if not who or not what:
        return None
    return f"{who}|{what}"


@dataclass(frozen=True)
class DedupeRules:
    """Thresholds; each is the setting ``DEDUPE_<FIELD NAME IN CAPITALS>``."""

    enabled: bool = True
    text_min_score: float = 0.8
    min_text_chars: int = 200
    max_candidates: int = 50
    employer_sources: tuple[str, ...] = ("lever", "greenhouse", "ashby")

    @classmethod
    def from_settings(cls, settings) -> DedupeRules:
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f"DEDUPE_{f.name.upper()}"
            if settings.get(name) is None:
                continue
            if f.type == "bool":
                values[f.name] = settings.getbool(name)
            elif f.type == "int":
                values[f.name] = settings.getint(name)
            elif f.type == "float":
                values[f.name] = settings.getfloat(name)
            else:
                values[f.name] = tuple(settings.getlist(name))
        return cls(**values)


@dataclass
class Posting:
    """What the comparison needs of a ``jobs`` row."""

    id: int
    source: str
    title: str | None = None
    company: str | None = None
    location_raw: str | None = None
    remote: str | None = None
    countries: Sequence[str] = ()
    regions: Sequence[str] = ()
    description_text: str | None = None
    first_seen_at: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Posting:
        return cls(
            id=row["id"],
            source=row["source"],
            title=row.get("title"),
            company=row.get("company"),
            location_raw=row.get("location_raw"),
            remote=row.get("remote"),
            countries=_json_list(row.get("countries")),
            regions=_json_list(row.get("regions")),
            description_text=row.get("description_text"),
            first_seen_at=row.get("first_seen_at"),
        )


def _json_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value.startswith("["):
        try:
            loaded = json.loads(value)
        except ValueError:
            return []
        return [str(v) for v in loaded] if isinstance(loaded, list) else []
    return []


def location_compatible(a: Posting, b: Posting) -> tuple[bool, str]:
    """Whether two postings can be in the same place, and why (see the module doc)."""
    remotes = {a.remote, b.remote}
    if remotes == {"remote", "onsite"}:
        return False, "remote vs on-site"
    worldwide = any(r.casefold() == "worldwide" for r in (*a.regions, *b.regions))
    ca, cb = set(a.countries), set(b.countries)
    if ca and cb:
        if ca & cb:
            return True, f"same country {','.join(sorted(ca & cb))}"
        if not worldwide:
            return False, f"countries {','.join(sorted(ca))} vs {','.join(sorted(cb))}"
    wa, wb = place_words(a.location_raw), place_words(b.location_raw)
    if wa and wb:
        if wa & wb:
            return True, f"same place ({', '.join(sorted(wa & wb))})"
        if "remote" in remotes or worldwide:
            return True, "remote, place names differ"
        return False, f"places {a.location_raw!r} vs {b.location_raw!r}"
    return True, "location unknown on one side"


def shingles(text: str | None, size: int = SHINGLE_WORDS) -> set[tuple[str, ...]]:
    """The word ``size``-grams of the first ``TEXT_WORDS`` words (accents and case folded)."""
    words = _TOKEN.findall(_ascii_fold((text or "")[:MAX_TEXT_CHARS]))[:TEXT_WORDS]
    if len(words) <= size:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def text_similarity(a: str | None, b: str | None, min_chars: int = 200) -> float | None:
    """0..1: the share of the shorter description's shingles found in the other one;
    None when either is too short to tell."""
    if not a or not b or len(a.strip()) < min_chars or len(b.strip()) < min_chars:
        return None
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return None
    return round(len(sa & sb) / min(len(sa), len(sb)), 3)


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing a posting with one candidate."""

    same: bool
    score: float | None
    reason: str


def compare(a: Posting, b: Posting, key: str, rules: DedupeRules) -> Verdict:
    """Are ``a`` and ``b`` (which share match ``key``) the same job? With the reason."""
    if a.source == b.source:
        return Verdict(False, None, f"same board {a.source}")
    ok, where = location_compatible(a, b)
    if not ok:
        return Verdict(False, None, f"same company+title {key!r}; location conflict: {where}")
    score = text_similarity(a.description_text, b.description_text, rules.min_text_chars)
    if score is None:
        return Verdict(
            False, None, f"same company+title {key!r}; {where}; description too short to compare"
        )
    reason = f"same company+title {key!r}; {where}; description similarity {score:.2f}"
    return Verdict(score >= rules.text_min_score, score, reason)


def best_match(
    posting: Posting, candidates: Iterable[Posting], key: str, rules: DedupeRules
) -> tuple[Posting, Verdict] | None:
    """The confirmed candidate with the highest score (ties: the earliest id), or None."""
    best: tuple[Posting, Verdict] | None = None
    for candidate in candidates:
        if candidate.id == posting.id:
            continue
        verdict = compare(posting, candidate, key, rules)
        if not verdict.same:
            continue
        if best is None or (verdict.score or 0) > (best[1].score or 0):
            best = (candidate, verdict)
    return best


def canonical_rank(member: Posting, rules: DedupeRules) -> tuple:
    """Sort key: the employer's own ATS first, then the earliest seen, then the lowest id."""
    return (
        0 if member.source in rules.employer_sources else 1,
        member.first_seen_at or "9999",
        member.id,
    )


# -- database ---------------------------------------------------------------------------------

_COLUMNS = (
    "id, source, title, company, location_raw, remote, countries, regions, description_text,"
    " first_seen_at"
)


def _rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DuplicateGroups:
    """Maintains ``duplicate_groups`` for postings as they are written (inside the caller's
    transaction). ``assign(job_ids)`` is called by the store after each batch with the ids of
    new postings and of postings whose match key changed."""

    def __init__(self, conn: sqlite3.Connection, rules: DedupeRules, crawl_id: int | None = None):
        self.conn = conn
        self.rules = rules
        self.crawl_id = crawl_id

    def assign(
        self, job_ids: Iterable[int], written: Mapping[int, Mapping[str, Any]] | None = None
    ) -> int:
        """Group each posting with its best confirmed candidate; return how many were grouped.

        ``written`` may hold postings' rows exactly as the caller just wrote them (id ->
        row with at least the matcher's columns and ``match_key``): those are not read back.
        """
        if not self.rules.enabled:
            return 0
        grouped = 0
        written = written or {}
        for job_id in job_ids:
            row = written.get(job_id)
            if row is None:
                rows = _rows(
                    self.conn, f"SELECT {_COLUMNS}, match_key FROM jobs WHERE id = ?", (job_id,)
                )
                if not rows:
                    continue
                row = rows[0]
            self._leave_group(job_id)
            key = row["match_key"]
            if not key:
                continue
            candidates = _rows(
                self.conn,
                f"SELECT {_COLUMNS} FROM jobs WHERE match_key = ? AND source != ? AND id != ?"
                " ORDER BY id DESC LIMIT ?",
                (key, row["source"], job_id, self.rules.max_candidates),
            )
            found = best_match(
                Posting.from_row(row), map(Posting.from_row, candidates), key, self.rules
            )
            if found is None:
                continue
            other, verdict = found
            self._join(job_id, other.id, verdict)
            grouped += 1
        return grouped

    def _group_of(self, job_id: int) -> int | None:
        found = self.conn.execute(
            "SELECT group_id FROM duplicate_groups WHERE job_id = ?", (job_id,)
        ).fetchone()
        return found[0] if found else None

    def _join(self, job_id: int, other_id: int, verdict: Verdict) -> None:
        group = self._group_of(other_id)
        now = _now()
        insert = (
            "INSERT INTO duplicate_groups (group_id, job_id, matched_job_id, reason, score,"
            " canonical, grouped_at, crawl_id) VALUES (?, ?, ?, ?, ?, 0, ?, ?)"
        )
        if group is None:
            # The pair founds the group; its id is the older posting's id.
            group = min(job_id, other_id)
            self.conn.execute(
                insert, (group, other_id, job_id, verdict.reason, verdict.score, now, self.crawl_id)
            )
        self.conn.execute(
            insert, (group, job_id, other_id, verdict.reason, verdict.score, now, self.crawl_id)
        )
        self._elect_canonical(group)

    def _leave_group(self, job_id: int) -> None:
        """Take a posting out of its group before it is matched again (its key changed)."""
        group = self._group_of(job_id)
        if group is None:
            return
        self.conn.execute("DELETE FROM duplicate_groups WHERE job_id = ?", (job_id,))
        left = self.conn.execute(
            "SELECT COUNT(*) FROM duplicate_groups WHERE group_id = ?", (group,)
        ).fetchone()[0]
        if left < 2:
            # A group of one is no group: its last member is simply unique again.
            self.conn.execute("DELETE FROM duplicate_groups WHERE group_id = ?", (group,))
        else:
            self._elect_canonical(group)

    def _elect_canonical(self, group: int) -> None:
        members = _rows(
            self.conn,
            f"SELECT {_COLUMNS} FROM jobs WHERE id IN"
            " (SELECT job_id FROM duplicate_groups WHERE group_id = ?)",
            (group,),
        )
        best = min(
            (Posting.from_row(m) for m in members), key=lambda p: canonical_rank(p, self.rules)
        )
        self.conn.execute(
            "UPDATE duplicate_groups SET canonical = (job_id = ?) WHERE group_id = ?",
            (best.id, group),
        )
