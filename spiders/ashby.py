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

from crawler.normalize.location import names_in
from crawler.sources.items import JobPosting
from crawler.sources.mapping import company_fields, structured_pay, texts
from crawler.sources.platform import PlatformSpider


def salary_fields(compensation: Any) -> dict[str, Any]:
    """The ``Salary`` summary component as item fields (empty when pay is hidden)."""
    for part in (compensation or {}).get("summaryComponents") or []:
        lo, hi = part.get("minValue"), part.get("maxValue")
        if part.get("compensationType") == "Salary" and (lo is not None or hi is not None):
            return structured_pay(lo, hi, part.get("currencyCode"), part.get("interval"))
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
    compensation = record.get("compensation") or {}
    # secondaryLocations holds {"location": ..., "address": ...} objects on most boards and
    # bare strings on some: both are read.
    places = texts(
        record.get("location"),
        *(
            e.get("location") if isinstance(e, dict) else e
            for e in record.get("secondaryLocations") or []
        ),
    )
    extras = {
        "team": record.get("team"),
        "is_remote": record.get("isRemote"),
        "address": (record.get("address") or {}).get("postalAddress"),
        "compensation_summary": compensation.get("compensationTierSummary"),
    }
    return JobPosting(
        **company_fields(board, record),
        url=record.get("jobUrl"),
        apply_url=record.get("applyUrl"),
        title=record.get("title"),
        department=record.get("department") or record.get("team"),
        description_html=record.get("descriptionHtml"),
        employment_type_raw=record.get("employmentType"),
        location_raw=" | ".join(places) or None,
        countries=address_countries(record, places),
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
    company_url_template = (
        "https://api.ashbyhq.com/posting-api/job-board/{handle}?includeCompensation=true"
    )
