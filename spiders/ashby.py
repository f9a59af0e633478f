"""Ashby: ``https://api.ashbyhq.com/posting-api/job-board/<name>?includeCompensation=true``
for every job-board name in ``data/boards/ashby.txt``.

Unlisted postings (``isListed: false``) are skipped and counted
(``jobcrawl/records_skipped``). The API never names the company: ``company`` is the
configured ``name=`` or derived from the board name. Pay comes from
``compensation.summaryComponents`` (the ``Salary`` component; bonus and equity
components are not pay ranges), with its currency and interval as given. When the
location text names no place ("Remote"), the job's postal address country
(``address.postalAddress.addressCountry``) is the posting's country.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from crawler.normalize.location import names_in
from crawler.sources.boards import Company, derive_company_name
from crawler.sources.items import JobPosting
from crawler.sources.jsonapi import record_id
from crawler.sources.platform import PlatformSpider


def _location_texts(record: dict) -> list[str]:
    # secondaryLocations holds {"location": ..., "address": ...} objects on most
    # boards and bare strings on some: both are read.
    texts = [record.get("location")]
    for extra in record.get("secondaryLocations") or []:
        texts.append(extra.get("location") if isinstance(extra, dict) else extra)
    seen: dict[str, str] = {}
    for text in texts:
        if isinstance(text, str) and text.strip():
            seen.setdefault(text.strip().casefold(), text.strip())
    return list(seen.values())


def salary_fields(compensation: Any) -> dict[str, Any]:
    """The ``Salary`` summary component as item fields (empty when pay is hidden)."""
    for part in (compensation or {}).get("summaryComponents") or []:
        if part.get("compensationType") != "Salary":
            continue
        lo, hi = part.get("minValue"), part.get("maxValue")
        if lo is None and hi is None:
            continue
        for value in (lo, hi):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise TypeError(f"compensation value is not a number: {value!r}")
        currency, interval = part.get("currencyCode") or None, part.get("interval") or None
        span = "-".join(str(v) for v in (lo, hi) if v is not None)
        return {
            "salary_min": lo,
            "salary_max": hi,
            "salary_currency": currency,
            "salary_period": interval,
            "salary_raw": " ".join(p for p in (span, currency, interval) if p),
            "salary_source": "structured",
        }
    return {}


_PLACELESS = re.compile(r"(?i)^\W*(?:fully\s+)?(?:remote|work from home|wfh|distributed)?\W*$")


def address_countries(record: dict, texts: list[str]) -> list[str]:
    """The postal address's country, when no location text names a place ("Remote")."""
    if any(not _PLACELESS.match(text) for text in texts):
        return []
    address = (record.get("address") or {}).get("postalAddress") or {}
    country = address.get("addressCountry")
    if not isinstance(country, str) or not country.strip():
        return []
    country = country.strip()
    if re.fullmatch(r"[A-Z]{2}", country):
        return [country]
    return sorted(names_in(country))


def remote_value(record: dict) -> str | None:
    """``workplaceType`` as given; else ``"true"`` when only ``isRemote`` says remote."""
    if record.get("workplaceType"):
        return record["workplaceType"]
    return "true" if record.get("isRemote") is True else None


def parse_record(record: dict, board: dict) -> JobPosting | None:
    """Map one Ashby job to a ``JobPosting`` (pure); None for an unlisted job."""
    if record.get("isListed") is False:
        return None
    name = board["company_slug"]
    compensation = record.get("compensation") or {}
    extras = {
        "team": record.get("team"),
        "is_remote": record.get("isRemote"),
        "address": (record.get("address") or {}).get("postalAddress"),
        "compensation_summary": compensation.get("compensationTierSummary"),
    }
    return JobPosting(
        source_id=f"{name}/{record_id(record)}",
        url=record.get("jobUrl"),
        apply_url=record.get("applyUrl"),
        title=record.get("title"),
        company=board.get("company_name") or derive_company_name(name),
        company_slug=name,
        department=record.get("department") or record.get("team"),
        description_html=record.get("descriptionHtml"),
        employment_type_raw=record.get("employmentType"),
        location_raw=" | ".join(_location_texts(record)) or None,
        countries=address_countries(record, _location_texts(record)),
        remote_raw=remote_value(record),
        posted_raw=record.get("publishedAt"),
        **salary_fields(compensation),
        extras={k: v for k, v in extras.items() if v is not None and v != ""},
    )


class AshbySpider(PlatformSpider):
    name = "ashby"
    allowed_domains = ["ashbyhq.com"]
    record_url_field = "jobUrl"
    map_record = staticmethod(parse_record)
    complete_listing = True  # a job board's answer lists every posting

    def company_url(self, company: Company) -> str:
        return (
            "https://api.ashbyhq.com/posting-api/job-board/"
            f"{quote(company.handle)}?includeCompensation=true"
        )
