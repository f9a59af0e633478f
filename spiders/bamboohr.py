"""BambooHR: ``https://<company>.bamboohr.com/careers/list`` for every company subdomain in
``data/boards/bamboohr.txt``.

The list (what the hosted careers page reads; no key) gives title, department, employment
status and place, but no description, date or URL: the posting page is
``/careers/<id>`` by the site's own layout. The place is ``location`` for on-site jobs and
``atsLocation`` (with the country) for the others. ``locationType`` is a code: 0 on-site,
1 remote, 2 hybrid (read from the codes the postings carry; BambooHR does not document it).
"""

from __future__ import annotations

from crawler.sources.items import JobPosting
from crawler.sources.mapping import company_fields, place, record_id
from crawler.sources.platform import PlatformSpider

WORKPLACE = {"0": "onsite", "1": "remote", "2": "hybrid"}


def parse_record(record: dict, board: dict) -> JobPosting:
    """Map one BambooHR careers-list opening to a ``JobPosting`` (pure)."""
    ats, office = record.get("atsLocation") or {}, record.get("location") or {}
    where = place(ats.get("city"), ats.get("state") or ats.get("province"), ats.get("country"))
    return JobPosting(
        **company_fields(board, record),
        url=f"https://{board['company_slug']}.bamboohr.com/careers/{record_id(record)}",
        title=record.get("jobOpeningName"),
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
    company_url_template = "https://{handle}.bamboohr.com/careers/list"
    records_key = "result"
