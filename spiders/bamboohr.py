"""BambooHR: ``https://<company>.bamboohr.com/careers/list`` for every company subdomain in
``data/boards/bamboohr.txt``.

The list (what the hosted careers page reads; no key) gives title, department, employment
status and place, but no description, date or URL: the posting page is
``/careers/<id>`` by the site's own layout. The place is ``location`` for on-site jobs and
``atsLocation`` (with the country) for the others. ``locationType`` is a code: 0 on-site,
1 remote, 2 hybrid (read from the codes the postings carry; BambooHR does not document it).
"""

from __future__ import annotations

from urllib.parse import quote

from crawler.sources.boards import Company, derive_company_name
from crawler.sources.items import JobPosting
from crawler.sources.jsonapi import record_id
from crawler.sources.mapping import place
from crawler.sources.platform import PlatformSpider

WORKPLACE = {"0": "onsite", "1": "remote", "2": "hybrid"}


def parse_record(record: dict, board: dict) -> JobPosting:
    """Map one BambooHR careers-list opening to a ``JobPosting`` (pure)."""
    sub = board["company_slug"]
    job_id = record_id(record)
    ats, office = record.get("atsLocation") or {}, record.get("location") or {}
    where = place(ats.get("city"), ats.get("state") or ats.get("province"), ats.get("country"))
    return JobPosting(
        source_id=f"{sub}/{job_id}",
        url=f"https://{sub}.bamboohr.com/careers/{job_id}",
        title=record.get("jobOpeningName"),
        company=board.get("company_name") or derive_company_name(sub),
        company_slug=sub,
        department=record.get("departmentLabel") or None,
        employment_type_raw=record.get("employmentStatusLabel") or None,
        location_raw=where or place(office.get("city"), office.get("state")),
        remote_raw="true"
        if record.get("isRemote") is True
        else WORKPLACE.get(str(record.get("locationType"))),
        extras={
            "location_type": record.get("locationType"),
            "department_id": record.get("departmentId"),
        },  # fmt: skip
    )


class BambooHrSpider(PlatformSpider):
    name = "bamboohr"
    allowed_domains = ["bamboohr.com"]
    record_url_field = "id"
    map_record = staticmethod(parse_record)
    complete_listing = True  # the careers list is every open job of the company

    def company_url(self, company: Company) -> str:
        return f"https://{quote(company.handle)}.bamboohr.com/careers/list"

    def records(self, data, response):
        if not isinstance(data, dict) or not isinstance(data.get("result"), list):
            raise ValueError("expected an object with a 'result' list")
        return super().records(data["result"], response)
