"""SmartRecruiters: ``https://api.smartrecruiters.com/v1/companies/<id>/postings`` for every
company identifier in ``data/boards/smartrecruiters.txt``.

Pages of up to 100 (``offset``/``limit``) until ``totalFound`` is reached. The list has no
description and no page URL; ``https://jobs.smartrecruiters.com/<id>/<posting id>`` is the
public posting page. An unknown identifier answers 200 with ``totalFound: 0`` (counted as an
empty board, never as a missing one).
"""

from __future__ import annotations

from urllib.parse import quote

import scrapy

from crawler.sources.boards import Company
from crawler.sources.items import JobPosting
from crawler.sources.jsonapi import record_id
from crawler.sources.mapping import place
from crawler.sources.platform import PlatformSpider

PAGE = 100


def parse_record(record: dict, board: dict) -> JobPosting:
    """Map one SmartRecruiters posting (list form) to a ``JobPosting`` (pure)."""
    ident, posting = board["company_slug"], record_id(record)
    loc, company = record.get("location") or {}, record.get("company") or {}
    country = loc.get("country") if isinstance(loc.get("country"), str) else ""
    return JobPosting(
        source_id=f"{ident}/{posting}",
        url=f"https://jobs.smartrecruiters.com/{quote(ident)}/{posting}",
        title=record.get("name"),
        company=board.get("company_name") or company.get("name") or ident,
        company_slug=ident,
        department=(record.get("department") or {}).get("label")
        or (record.get("function") or {}).get("label"),
        employment_type_raw=(record.get("typeOfEmployment") or {}).get("label"),
        location_raw=loc.get("fullLocation") or place(loc.get("city"), loc.get("region")),
        remote_raw="hybrid"
        if loc.get("hybrid") is True
        else ("remote" if loc.get("remote") is True else None),
        countries=[country.upper()] if len(country) == 2 else [],
        posted_raw=record.get("releasedDate"),
        extras={
            "ref_number": record.get("refNumber"),
            "uuid": record.get("uuid"),
            "experience": (record.get("experienceLevel") or {}).get("label"),
        },  # fmt: skip
    )


class SmartRecruitersSpider(PlatformSpider):
    name = "smartrecruiters"
    allowed_domains = ["smartrecruiters.com"]
    record_url_field = "id"
    map_record = staticmethod(parse_record)
    complete_listing = True  # the pages together list every public posting

    def company_url(self, company: Company, offset: int = 0) -> str:
        return f"https://api.smartrecruiters.com/v1/companies/{quote(company.handle)}/postings?offset={offset}&limit={PAGE}"

    def records(self, data, response):
        if not isinstance(data, dict) or not isinstance(data.get("content"), list):
            raise ValueError("expected an object with a 'content' list")
        yield from super().records(data["content"], response)
        board, seen = response.meta["board"], (data.get("offset") or 0) + len(data["content"])
        if data["content"] and seen < (data.get("totalFound") or 0):
            url = self.company_url(Company(board["company_slug"]), seen)
            yield scrapy.Request(url, callback=self.parse, meta={"board": board})
