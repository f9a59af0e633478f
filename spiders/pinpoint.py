"""Pinpoint: ``https://<company>.pinpointhq.com/postings.json`` for every company subdomain in
``data/boards/pinpoint.txt``.

One response (``{"data": [...]}``) holds every open posting with its sections (description,
key responsibilities, skills, benefits) under the headings the employer chose. Pay is
structured (``compensation_minimum``/``maximum``/``currency``/``frequency``) and only read
when ``compensation_visible`` is true; the pay sentence the board shows is kept as
``extras["compensation"]``. The list carries no posting date.
"""

from __future__ import annotations

from crawler.sources.items import JobPosting
from crawler.sources.mapping import company_fields, sections, structured_pay
from crawler.sources.platform import PlatformSpider

_SECTIONS = ("key_responsibilities", "skills_knowledge_expertise", "benefits")


def parse_record(record: dict, board: dict) -> JobPosting:
    """Map one Pinpoint posting to a ``JobPosting`` (pure)."""
    job = record.get("job") or {}
    shown = record.get("compensation_visible") is True
    pay = {k: record.get(f"compensation_{k}") if shown else None
           for k in ("minimum", "maximum", "currency", "frequency")}  # fmt: skip
    extras = {"requisition_id": job.get("requisition_id"), "division": job.get("division")}
    extras = extras if job.get("requisition_id") else {}
    if shown and record.get("compensation"):
        extras["compensation"] = record["compensation"]  # the pay sentence the board shows
    return JobPosting(
        **company_fields(board, record),
        url=record.get("url"),
        title=record.get("title"),
        department=(job.get("department") or {}).get("name"),
        description_html=sections(
            (None, record.get("description")),
            *((record.get(f"{k}_header"), record.get(k)) for k in _SECTIONS),
        ),  # fmt: skip
        employment_type_raw=record.get("employment_type_text") or None,
        location_raw=(record.get("location") or {}).get("name"),
        remote_raw=record.get("workplace_type_text") or None,
        valid_through_raw=record.get("deadline_at") or None,
        **structured_pay(*pay.values()),
        extras=extras,
    )


class PinpointSpider(PlatformSpider):
    name = "pinpoint"
    allowed_domains = ["pinpointhq.com"]
    record_url_field = "url"
    map_record = staticmethod(parse_record)
    complete_listing = True  # postings.json lists every open posting
    company_url_template = "https://{handle}.pinpointhq.com/postings.json"
    records_key = "data"
