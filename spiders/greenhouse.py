"""Greenhouse: ``https://boards-api.greenhouse.io/v1/boards/<token>/jobs?content=true`` for
every board token in ``data/boards/greenhouse.txt``.

``content`` is entity-escaped HTML (``&lt;p&gt;``): unescaped exactly once here, then
sanitised by the clean pipeline like any description. The API has no pay field:
pay, when published, is in the text and the normaliser reads it there.
"""

from __future__ import annotations

import html
from urllib.parse import quote

from crawler.sources.boards import Company, derive_company_name
from crawler.sources.items import JobPosting
from crawler.sources.jsonapi import record_id
from crawler.sources.platform import PlatformSpider


def _names(entries) -> list[str]:
    seen: dict[str, str] = {}
    for entry in entries or []:
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name.strip():
            seen.setdefault(name.strip().casefold(), name.strip())
    return list(seen.values())


def parse_record(record: dict, board: dict) -> JobPosting:
    """Map one Greenhouse job (``content=true``) to a ``JobPosting`` (pure)."""
    token = board["company_slug"]
    location = (record.get("location") or {}).get("name")
    # location.name is the text the board shows; office names add the structured places.
    locations = _names([{"name": location}, *(record.get("offices") or [])])
    content = record.get("content")
    extras = {
        "updated_at": record.get("updated_at"),
        "requisition_id": record.get("requisition_id"),
        "internal_job_id": record.get("internal_job_id"),
        "offices": _names(record.get("offices")),
        "language": record.get("language"),
    }
    return JobPosting(
        source_id=f"{token}/{record_id(record)}",
        url=record.get("absolute_url"),
        title=record.get("title"),
        # A name configured in the board list wins over the one the board publishes.
        company=board.get("company_name")
        or record.get("company_name")
        or derive_company_name(token),
        company_slug=token,
        department=" | ".join(_names(record.get("departments"))) or None,
        description_html=html.unescape(content) if isinstance(content, str) else None,
        location_raw=" | ".join(locations) or None,
        posted_raw=record.get("first_published") or record.get("updated_at"),
        valid_through_raw=record.get("application_deadline") or None,
        extras={k: v for k, v in extras.items() if v},
    )


class GreenhouseSpider(PlatformSpider):
    name = "greenhouse"
    allowed_domains = ["greenhouse.io"]
    record_url_field = "absolute_url"
    map_record = staticmethod(parse_record)
    complete_listing = True  # a token's jobs list is its whole board

    def company_url(self, company: Company) -> str:
        return (
            f"https://boards-api.greenhouse.io/v1/boards/{quote(company.handle)}/jobs?content=true"
        )
