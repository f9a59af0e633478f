"""Pinpoint: ``https://<company>.pinpointhq.com/postings.json`` for every company subdomain in
``data/boards/pinpoint.txt``.

One response (``{"data": [...]}``) holds every open posting with its sections (description,
key responsibilities, skills, benefits) under the headings the employer chose. Pay is
structured (``compensation_minimum``/``maximum``/``currency``/``frequency``) and only read
when ``compensation_visible`` is true. The list carries no posting date.
"""

from __future__ import annotations

from urllib.parse import quote

from crawler.sources.boards import Company, derive_company_name
from crawler.sources.items import JobPosting
from crawler.sources.jsonapi import record_id
from crawler.sources.mapping import sections, structured_salary
from crawler.sources.platform import PlatformSpider

_SECTIONS = ("key_responsibilities", "skills_knowledge_expertise", "benefits")


def parse_record(record: dict, board: dict) -> JobPosting:
    """Map one Pinpoint posting to a ``JobPosting`` (pure)."""
    sub = board["company_slug"]
    job = record.get("job") or {}
    pay = {}
    if record.get("compensation_visible") is True:
        pay = structured_salary(record.get("compensation_minimum"),
                                record.get("compensation_maximum"),
                                record.get("compensation_currency"),
                                record.get("compensation_frequency"))  # fmt: skip
        if pay and record.get("compensation"):
            pay["salary_raw"] = record["compensation"]  # the sentence the board shows
    return JobPosting(
        source_id=f"{sub}/{record_id(record)}",
        url=record.get("url"),
        title=record.get("title"),
        company=board.get("company_name") or derive_company_name(sub),
        company_slug=sub,
        department=(job.get("department") or {}).get("name"),
        description_html=sections(
            (None, record.get("description")),
            *((record.get(f"{k}_header"), record.get(k)) for k in _SECTIONS),
        ),  # fmt: skip
        employment_type_raw=record.get("employment_type_text") or None,
        location_raw=(record.get("location") or {}).get("name"),
        remote_raw=record.get("workplace_type_text") or None,
        valid_through_raw=record.get("deadline_at") or None,
        **pay,
        extras={"requisition_id": job.get("requisition_id"), "division": job.get("division")}
        if job.get("requisition_id")
        else {},
    )


class PinpointSpider(PlatformSpider):
    name = "pinpoint"
    allowed_domains = ["pinpointhq.com"]
    record_url_field = "url"
    map_record = staticmethod(parse_record)
    complete_listing = True  # postings.json lists every open posting

    def company_url(self, company: Company) -> str:
        return f"https://{quote(company.handle)}.pinpointhq.com/postings.json"

    def records(self, data, response):
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise ValueError("expected an object with a 'data' list")
        return super().records(data["data"], response)
