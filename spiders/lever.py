"""Lever: ``https://api.lever.co/v0/postings/<site>?mode=json`` for every site in
``data/boards/lever.txt``; accounts hosted in the EU answer on ``api.eu.lever.co``
(``region=eu``).

The whole board comes in one response unless ``page_size=N`` is set (per company,
or ``-a page_size=N`` for all): then pages of ``skip``/``limit`` are requested
until one comes back short. The API never names the company: ``company_slug`` is
the site and ``company`` its configured ``name=`` (else derived from the slug).

One Lever account can publish for several brands (``matchgroup`` posts for Hinge,
Hyperconnect, Tinder...). ``company`` stays the account's name, so the board's postings
keep one company; when a posting's department or team is a proper name that its own text
uses (not a function such as "Engineering"), that brand is kept as ``extras["brand"]``.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote

import scrapy

from crawler.sources.boards import Company, derive_company_name
from crawler.sources.items import JobPosting
from crawler.sources.jsonapi import record_id
from crawler.sources.platform import PlatformSpider

HOSTS = {"global": "api.lever.co", "eu": "api.eu.lever.co"}


def postings_url(site: str, region: str = "global", skip: int = 0, limit: int = 0) -> str:
    """The postings URL of ``site``; with ``limit``, one page starting at ``skip``."""
    query = "mode=json" + (f"&skip={skip}&limit={limit}" if limit else "")
    return f"https://{HOSTS[region]}/v0/postings/{quote(site)}?{query}"


def next_page(board: dict, count: int) -> dict | None:
    """The board context of the page after one that held ``count`` records, or None.

    Only a full page asks for more: a short one (or an empty one) is the last.
    A page *longer* than the limit means the API ignored it, and is the last too.
    """
    size = board.get("page_size") or 0
    if not size or count != size:
        return None
    return {**board, "skip": (board.get("skip") or 0) + size}


def description_html(record: dict) -> str | None:
    """``description`` (= ``opening`` + ``descriptionBody``), each list under its heading,
    then ``additional``. ``descriptionBody`` is not appended again: it is already inside
    ``description``. List ``content`` is bare ``<li>`` elements, so it gets its ``<ul>``."""
    parts = [
        record.get("description")
        or (record.get("opening") or "") + (record.get("descriptionBody") or "")
    ]
    for item in record.get("lists") or []:
        heading, content = item.get("text"), (item.get("content") or "").strip()
        if heading:
            parts.append(f"<h3>{html.escape(heading, quote=False)}</h3>")
        if content:
            parts.append(f"<ul>{content}</ul>" if content.startswith("<li") else content)
    parts.append(record.get("additional") or "")
    return "".join(p for p in parts if p) or None


def _amount(value: Any) -> float | int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"salaryRange amount is not a number: {value!r}")
    return value


def salary_fields(salary_range: Any) -> dict[str, Any]:
    """``salaryRange`` {min, max, currency, interval} as item fields; currency and interval
    are passed on as given (never assumed) and the normaliser reads the interval."""
    if not salary_range:
        return {}
    lo, hi = _amount(salary_range.get("min")), _amount(salary_range.get("max"))
    if lo is None and hi is None:
        return {}
    currency = salary_range.get("currency") or None
    interval = salary_range.get("interval") or None
    span = "-".join(str(v) for v in (lo, hi) if v is not None)
    return {
        "salary_min": lo,
        "salary_max": hi,
        "salary_currency": currency,
        "salary_period": interval,
        "salary_raw": " ".join(p for p in (span, currency, interval) if p),
        "salary_source": "structured",
    }


# Department and team names that are functions, not brands.
_FUNCTION = re.compile(
    r"(?i)^(?:[\w&/ -]*\b(?:engineering|product|design|sales|marketing|operations|finance"
    r"|legal|people|hr|human resources|data|security|support|success|research|it|g&a"
    r"|general|admin\w*|business|corporate|technology|tech|infrastructure|growth|content"
    r"|communications|recruiting|talent|strategy|analytics|partnerships|trust|safety|risk"
    r"|compliance|accounting|procurement|facilities|science|services|platform|enterprise"
    r"|commercial|customer\w*|experience|editorial|creative|studio|other|team)\b.*)$"
)


def brand(record: dict, slug: str) -> str | None:
    """The brand a posting is published for (see the module doc), or None."""
    categories = record.get("categories") or {}
    # The posting's own words and links ("#Hinge", "career.hyperconnect.com").
    text = " ".join(
        [str(record.get(key) or "") for key in ("text", "description", "additional")]
        + [str(item.get("content") or "") for item in record.get("lists") or []]
    ).casefold()
    account = re.sub(r"[\W_]+", "", slug).casefold()
    for value in (categories.get("department"), categories.get("team")):
        if not isinstance(value, str) or not value.strip() or _FUNCTION.match(value.strip()):
            continue
        name = value.strip()
        if re.sub(r"[\W_]+", "", name).casefold() == account:
            continue  # the account itself
        compact = re.sub(r"[\W_]+", "", name).casefold()
        if name[:1].isupper() and len(compact) >= 4 and compact in re.sub(r"[\W_]+", "", text):
            return name
    return None


def _unique(values) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        if isinstance(value, str) and value.strip():
            seen.setdefault(value.strip().casefold(), value.strip())
    return list(seen.values())


def parse_record(record: dict, board: dict) -> JobPosting:
    """Map one Lever posting to a ``JobPosting`` (pure)."""
    slug = board["company_slug"]
    categories = record.get("categories") or {}
    locations = _unique([categories.get("location"), *(categories.get("allLocations") or [])])
    country = record.get("country")
    extras = {
        "team": categories.get("team"),
        "department": categories.get("department"),
        "salary_description": record.get("salaryDescriptionPlain"),
        "brand": brand(record, slug),
    }
    return JobPosting(
        # Lever ids are per site (the samples README keys postings by (site, id)).
        source_id=f"{slug}/{record_id(record)}",
        url=record.get("hostedUrl"),
        apply_url=record.get("applyUrl"),
        title=record.get("text"),
        company=board.get("company_name") or derive_company_name(slug),
        company_slug=slug,
        department=categories.get("department") or categories.get("team"),
        description_html=description_html(record),
        employment_type_raw=categories.get("commitment"),
        location_raw=" | ".join(locations) or None,
        remote_raw=record.get("workplaceType") or None,
        countries=[country.upper()] if isinstance(country, str) and country.strip() else [],
        posted_raw=str(record["createdAt"]) if record.get("createdAt") is not None else None,
        **salary_fields(record.get("salaryRange")),
        extras={k: v for k, v in extras.items() if v},
    )


class LeverSpider(PlatformSpider):
    name = "lever"
    allowed_domains = ["lever.co"]
    record_url_field = "hostedUrl"
    map_record = staticmethod(parse_record)
    complete_listing = True  # a site's postings list is its whole board

    def company_requests(self, company: Company):
        yield self.postings_request(self.board_for(company))

    def postings_request(self, board: dict) -> scrapy.Request:
        url = postings_url(
            board["company_slug"],
            board.get("region", "global"),
            skip=board.get("skip") or 0,
            limit=board.get("page_size") or 0,
        )
        return scrapy.Request(url, callback=self.parse, meta={"board": board})

    def records(self, data, response):
        page = super().records(data, response)
        yield from page
        following = next_page(response.meta["board"], len(page))
        if following:
            yield self.postings_request(following)
