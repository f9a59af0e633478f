"""Reading schema.org ``JobPosting`` JSON-LD out of a page, and mapping one to an item (pure).

No I/O and no spider state: a page's HTML in, JobPosting objects and one ``JobPosting`` item
each out. The spider that finds the pages (sitemaps, listings) is
``crawler/sources/structured.py``'s ``StructuredDataSpider``; anything else that meets JSON-LD (the
``probe`` command, ``make accuracy``) reads it here too.

Reading: every JSON-LD block of a page is parsed on its own: a block that is not JSON
(truncated, trailing commas, HTML comments) is reported and skipped, the other blocks still
count. JobPostings are found at the top level, in lists, in ``@graph`` and nested in other
objects (``mainEntity``, ``ItemList``); ``@type`` may be a list or a full IRI
(``http://schema.org/JobPosting``). extruct is not used for this because one broken block
makes it drop the whole page.

Mapping (``map_jobposting``) hands over raw values (``posted_raw``, ``location_raw``,
``remote_raw`` = ``jobLocationType`` as given, ``employment_type_raw``, structured salary with
``salary_period`` = ``unitText`` as given) and the pipelines do the rest.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pycountry
import scrapy

from crawler.sources.items import JobPosting
from crawler.sources.mapping import as_list as _as_list
from crawler.sources.mapping import first as _first
from crawler.sources.mapping import joined as _joined
from crawler.sources.mapping import name as _name
from crawler.sources.mapping import structured_pay
from crawler.sources.mapping import text as _text

JSONLD_XPATH = (
    "//script[contains(translate(@type, 'APPLICATIONLDJSON', 'applicationldjson'),"
    " 'application/ld+json')]/text()"
)
# Wrappers CMSs put around JSON-LD that are not JSON: HTML comments, CDATA, // comment lines.
_WRAPPERS = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")
_LINE_COMMENT = re.compile(r"^\s*//.*$", re.M)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_ISO2 = re.compile(r"^[A-Za-z]{2}$")


# --- reading JSON-LD ------------------------------------------------------------------------


def load_jsonld(text: str) -> Any:
    """Parse one JSON-LD block; raise ``ValueError`` if it is not JSON even after the usual repairs.

    ``strict=False`` accepts raw newlines and tabs inside strings (common in descriptions).
    """
    text = _WRAPPERS.sub("", text.strip())
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    except RecursionError:
        raise ValueError("nested too deeply to parse") from None
    repaired = _TRAILING_COMMA.sub(r"\1", _LINE_COMMENT.sub("", text))
    try:
        return json.loads(repaired, strict=False)
    except RecursionError:
        raise ValueError("nested too deeply to parse") from None


def jsonld_blocks(page_html: str) -> tuple[list[Any], list[str]]:
    """Every parseable JSON-LD block of a page, and one message per block that is not JSON."""
    selector = scrapy.Selector(text=page_html)
    blocks, errors = [], []
    for n, text in enumerate(selector.xpath(JSONLD_XPATH).getall(), start=1):
        if not text.strip():
            continue
        try:
            blocks.append(load_jsonld(text))
        except ValueError as exc:
            errors.append(f"JSON-LD block {n} is not JSON: {exc}")
    return blocks, errors


def _is_jobposting(obj: dict) -> bool:
    types = obj.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and t.rsplit("/", 1)[-1] == "JobPosting" for t in types)


def find_jobpostings(data: Any) -> list[dict]:
    """All JobPosting objects in parsed JSON-LD: top level, lists, ``@graph``, nested objects."""
    found: list[dict] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if _is_jobposting(node):
                found.append(node)  # a JobPosting does not nest another one
                return
            for child in node.values():
                if isinstance(child, dict | list):
                    walk(child)

    walk(data)
    return found


def _nodes_by_id(data: Any, index: dict[str, dict]) -> dict[str, dict]:
    if isinstance(data, list):
        for child in data:
            _nodes_by_id(child, index)
    elif isinstance(data, dict):
        if isinstance(data.get("@id"), str) and set(data) - {"@id", "@type"}:
            index.setdefault(data["@id"], data)
        for child in data.values():
            _nodes_by_id(child, index)
    return index


def inline_references(posting: dict, index: dict[str, dict]) -> dict:
    """Replace ``{"@id": X}`` values of a posting by the page's node ``X`` (one level).

    ``@graph`` pages (Yoast and other SEO plugins) name the hiring organisation once and
    refer to it by ``@id`` from the JobPosting.
    """

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict) and not set(value) - {"@id", "@type"}:
            return index.get(value.get("@id"), value)
        return value

    return {key: resolve(value) for key, value in posting.items()}


def extract_jobpostings(page_html: str) -> tuple[list[dict], list[str]]:
    """The JobPostings of a page (references inlined) and the errors of its unreadable blocks."""
    blocks, errors = jsonld_blocks(page_html)
    index = _nodes_by_id(blocks, {})
    return [inline_references(p, index) for p in find_jobpostings(blocks)], errors


# --- mapping one JobPosting -------------------------------------------------------------------


def _country_code(value: Any) -> str | None:
    """An ISO 3166-1 alpha-2 code when the value *is* one (``"US"``, ``{"name": "DE"}``)."""
    text = _name(value)
    if text and _ISO2.match(text) and pycountry.countries.get(alpha_2=text.upper()):
        return text.upper()
    return None


def _address_text(address: Any) -> str | None:
    if isinstance(address, dict):
        parts = [
            _text(address.get("addressLocality")),
            _text(address.get("addressRegion")),
            _name(address.get("addressCountry")),
        ]
        return ", ".join(p for p in parts if p) or _text(address.get("name"))
    return _text(address)


def _place_text(place: Any) -> str | None:
    if isinstance(place, dict):
        return _address_text(place.get("address")) or _text(place.get("name"))
    return _text(place)


def locations(posting: dict) -> tuple[list[str], list[str]]:
    """(location texts, ISO country codes given structurally) of a posting, in page order."""
    texts: list[str] = []
    codes: list[str] = []
    for place in _as_list(posting.get("jobLocation")):
        texts.append(_place_text(place))
        address = place.get("address") if isinstance(place, dict) else None
        if isinstance(address, dict):
            codes.append(_country_code(address.get("addressCountry")))
    for area in _as_list(posting.get("applicantLocationRequirements")):
        texts.append(_name(area))
        codes.append(_country_code(area))
    return list(dict.fromkeys(t for t in texts if t)), sorted({c for c in codes if c})


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return None


def salary(base: Any) -> dict[str, Any]:
    """Structured salary fields from ``baseSalary`` (``MonetaryAmount`` + ``QuantitativeValue``).

    ``value`` may be a QuantitativeValue (``minValue``/``maxValue``/``value``/``unitText``), a
    bare number or numeric string. ``unitText`` (``HOUR``, ``YEAR``...) is handed over as
    ``salary_period`` untouched; the currency only when stated (``structured_pay`` makes the
    fields). A ``baseSalary`` without numbers is kept as ``salary_raw`` text for the
    normaliser.
    """
    base = _first(base)
    if base is None:
        return {}
    if not isinstance(base, dict):
        return {"salary_raw": _text(base)}
    value = base.get("value")
    unit = base.get("unitText")
    if isinstance(value, dict):
        unit = value.get("unitText") or unit
        lo = _number(value.get("minValue"))
        hi = _number(value.get("maxValue"))
        if lo is None and hi is None:
            lo = hi = _number(value.get("value"))
    else:
        lo = hi = _number(value)
    if lo is None and hi is None:
        return {"salary_raw": _text(value) if not isinstance(value, dict) else None}
    return structured_pay(lo, hi, base.get("currency"), unit)


def identifier(posting: dict) -> str | None:
    """``identifier`` as text: a string/number, or a ``PropertyValue``'s ``value``."""
    ident = _first(posting.get("identifier"))
    if isinstance(ident, dict):
        return _text(ident.get("value")) or _text(ident.get("@id"))
    return _text(ident)


def description_html(value: Any) -> str | None:
    text = _text(value)
    # Some sites entity-escape the HTML once more (``&lt;p&gt;``): unescape that layer only.
    if text and "<" not in text and re.search(r"&lt;\s*/?\s*[a-zA-Z]", text):
        text = html.unescape(text)
    return text


def map_jobposting(posting: dict, page: dict) -> JobPosting:
    """Map one schema.org ``JobPosting`` object to a ``JobPosting`` item (pure).

    Identity: ``identifier`` when given, else the posting's own ``url``, else the page URL
    (with ``#<n>`` when the page holds several postings without either). ``url`` is the page
    the posting was read from (so it matches the sitemap's page URL), except on a page of
    several postings, where each posting's own ``url`` is preferred.
    """
    if not isinstance(posting, dict):
        raise TypeError(f"a JobPosting must be an object, got {type(posting).__name__}")
    page_url = page["url"]
    own_url = _text(posting.get("url"))
    if own_url and not own_url.startswith(("http://", "https://")):
        own_url = None
    url = page_url if page.get("count", 1) <= 1 else own_url or page_url
    source_id = identifier(posting) or own_url
    if source_id is None:
        source_id = page_url if page.get("count", 1) <= 1 else f"{page_url}#{page['index']}"
    org = _first(posting.get("hiringOrganization"))
    company_url = _text(org.get("sameAs") or org.get("url")) if isinstance(org, dict) else None
    texts, codes = locations(posting)
    extras = {
        "identifier": posting.get("identifier"),
        "directApply": posting.get("directApply"),
        "industry": _joined(posting.get("industry")),
        "occupationalCategory": _joined(posting.get("occupationalCategory")),
        "company_url": company_url,
    }
    return JobPosting(
        source_id=source_id,
        url=url,
        title=_text(posting.get("title")) or _text(posting.get("name")),
        company=_name(org),
        description_html=description_html(posting.get("description")),
        location_raw=" | ".join(texts) or None,
        countries=codes,
        remote_raw=_joined(posting.get("jobLocationType")),
        employment_type_raw=_joined(posting.get("employmentType")),
        posted_raw=_text(posting.get("datePosted")),
        valid_through_raw=_text(posting.get("validThrough")),
        **salary(posting.get("baseSalary")),
        extras={k: v for k, v in extras.items() if v is not None},
    )
