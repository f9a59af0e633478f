"""Greenhouse: ``https://boards-api.greenhouse.io/v1/boards/<token>/jobs?content=true`` for
every board token in ``data/boards/greenhouse.txt``.

``content`` is entity-escaped HTML (``&lt;p&gt;``): unescaped exactly once here, then
sanitised by the clean pipeline like any description. The API has no pay field:
pay, when published, is in the text and the normaliser reads it there.
"""

from __future__ import annotations

import html

from crawler.sources.items import JobPosting
from crawler.sources.mapping import company_fields, names
from crawler.sources.platform import PlatformSpider


def parse_record(record: dict, board: dict) -> JobPosting:
    """Map one Greenhouse job (``content=true``) to a ``JobPosting`` (pure)."""
    location = (record.get("location") or {}).get("name")
    # location.name is the text the board shows; office names add the structured places.
    locations = names([{"name": location}, *(record.get("offices") or [])])
    content = record.get("content")
    extras = {
        "updated_at": record.get("updated_at"),
        "requisition_id": record.get("requisition_id"),
        "internal_job_id": record.get("internal_job_id"),
        "offices": names(record.get("offices")),
        "language": record.get("language"),
    }
    return JobPosting(
        **company_fields(board, record, published=record.get("company_name")),
        url=record.get("absolute_url"),
        title=record.get("title"),
        # A name configured in the board list wins over the one the board publishes.
        department=" | ".join(names(record.get("departments"))) or None,
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
    company_url_template = "https://boards-api.greenhouse.io/v1/boards/{handle}/jobs?content=true"
