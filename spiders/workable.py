"""Workable: ``https://apply.workable.com/api/v1/widget/accounts/<account>?details=true`` for
every account in ``data/boards/workable.txt``.

The careers-widget endpoint (the one the embeddable widget reads; no key) returns every
published job with its description in one response. The account's published name is the
response's top-level ``name``; a configured ``name=`` wins over it.
"""

from __future__ import annotations

from urllib.parse import quote

from crawler.sources.boards import Company, derive_company_name
from crawler.sources.items import JobPosting
from crawler.sources.jsonapi import record_id
from crawler.sources.mapping import place, texts
from crawler.sources.platform import PlatformSpider


def parse_record(record: dict, board: dict) -> JobPosting:
    """Map one Workable widget job (``details=true``) to a ``JobPosting`` (pure)."""
    account = board["company_slug"]
    # Hidden locations are the employer's bookkeeping, not where the job is advertised.
    shown = [loc for loc in record.get("locations") or [] if not loc.get("hidden")]
    places = [place(loc.get("city"), loc.get("region"), loc.get("country")) for loc in shown]
    places = places or [place(record.get("city"), record.get("state"), record.get("country"))]
    extras = {k: record.get(k) for k in ("code", "function", "industry", "experience", "education")}
    return JobPosting(
        source_id=f"{account}/{record_id(record, 'shortcode')}",
        url=record.get("url") or record.get("shortlink"),
        apply_url=record.get("application_url"),
        title=record.get("title"),
        company=board.get("company_name")
        or board.get("published_name")
        or derive_company_name(account),
        company_slug=account,
        department=record.get("department") or None,
        description_html=record.get("description"),
        employment_type_raw=record.get("employment_type") or None,
        location_raw=" | ".join(texts(*places)) or None,
        # telecommuting false says nothing about hybrid or on-site: only true is passed on.
        remote_raw="telecommute" if record.get("telecommuting") is True else None,
        countries=texts(*(str(loc.get("countryCode") or "").upper() for loc in shown)),
        posted_raw=record.get("published_on") or record.get("created_at"),
        extras={k: v for k, v in extras.items() if v},
    )


class WorkableSpider(PlatformSpider):
    name = "workable"
    allowed_domains = ["workable.com"]
    record_url_field = "url"
    map_record = staticmethod(parse_record)
    complete_listing = True  # the widget lists every published job of the account

    def company_url(self, company: Company) -> str:
        return f"https://apply.workable.com/api/v1/widget/accounts/{quote(company.handle)}?details=true"

    def records(self, data, response):
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            response.meta["board"]["published_name"] = data["name"].strip() or None
        return super().records(data, response)
