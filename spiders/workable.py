"""Workable: ``https://apply.workable.com/api/v1/widget/accounts/<account>?details=true`` for
every account in ``data/boards/workable.txt``.

The careers-widget endpoint (the one the embeddable widget reads; no key) returns every
published job with its description in one response. The account's published name is the
response's top-level ``name``; a configured ``name=`` wins over it.
"""

from __future__ import annotations

from crawler.sources.items import JobPosting
from crawler.sources.mapping import company_fields, place, texts
from crawler.sources.platform import PlatformSpider


def parse_record(record: dict, board: dict) -> JobPosting:
    """Map one Workable widget job (``details=true``) to a ``JobPosting`` (pure)."""
    # Hidden locations are the employer's bookkeeping, not where the job is advertised.
    shown = [loc for loc in record.get("locations") or [] if not loc.get("hidden")]
    places = [place(loc.get("city"), loc.get("region"), loc.get("country")) for loc in shown]
    places = places or [place(record.get("city"), record.get("state"), record.get("country"))]
    extras = {k: record.get(k) for k in ("code", "function", "industry", "experience", "education")}
    return JobPosting(
        **company_fields(board, record, "shortcode", published=board.get("published_name")),
        url=record.get("url") or record.get("shortlink"),
        apply_url=record.get("application_url"),
        title=record.get("title"),
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
    company_url_template = "https://apply.workable.com/api/v1/widget/accounts/{handle}?details=true"

    def records(self, data, response):
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            response.meta["board"]["published_name"] = data["name"].strip() or None
        return super().records(data, response)
