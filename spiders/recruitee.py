"""Recruitee: ``https://<company>.recruitee.com/api/offers/`` (the careers-site API, no key)
for every company subdomain in ``data/boards/recruitee.txt``.

One response holds every published offer with its description and requirements. Pay is
``salary {min, max, currency, period}`` with the amounts as *text* ("28000"); the workplace
is three flags (``remote``, ``hybrid``, ``on_site``) that may be true together: only a single
true flag is passed on as the role's workplace.
"""

from __future__ import annotations

from urllib.parse import quote

from crawler.sources.boards import Company, derive_company_name
from crawler.sources.items import JobPosting
from crawler.sources.jsonapi import record_id
from crawler.sources.mapping import place, sections, structured_salary, texts
from crawler.sources.platform import PlatformSpider

_FLAGS = (("remote", "remote"), ("hybrid", "hybrid"), ("on_site", "onsite"))


def parse_record(record: dict, board: dict) -> JobPosting | None:
    """Map one Recruitee offer to a ``JobPosting`` (pure); None for an unpublished offer."""
    if record.get("status") not in (None, "published"):
        return None
    sub = board["company_slug"]
    places = [place(loc.get("city"), loc.get("state"), loc.get("country"))
              for loc in record.get("locations") or []]  # fmt: skip
    salary = record.get("salary") or {}
    # An employer may tick several workplaces (remote and hybrid, "either"): only a single
    # one states the role's workplace; with several, the text decides.
    flags = [word for key, word in _FLAGS if record.get(key) is True]
    flags = flags if len(flags) == 1 else []
    return JobPosting(
        source_id=f"{sub}/{record_id(record)}",
        url=record.get("careers_url"),
        apply_url=record.get("careers_apply_url"),
        title=record.get("title"),
        company=board.get("company_name") or record.get("company_name") or derive_company_name(sub),
        company_slug=sub,
        department=record.get("department") or None,
        description_html=sections(
            (None, record.get("description")), ("Requirements", record.get("requirements"))
        ),
        employment_type_raw=record.get("employment_type_code") or None,
        location_raw=" | ".join(texts(*places)) or record.get("location") or None,
        remote_raw=", ".join(flags) or None,
        countries=texts(
            *(str(loc.get("country_code") or "").upper() for loc in record.get("locations") or [])
        ),  # fmt: skip
        tags=list(record.get("tags") or []),
        posted_raw=record.get("published_at") or record.get("created_at"),
        valid_through_raw=record.get("close_at") or None,
        **structured_salary(
            salary.get("min"), salary.get("max"), salary.get("currency"), salary.get("period")
        ),  # fmt: skip
        extras={
            k: record[k]
            for k in ("guid", "slug", "experience_code", "category_code", "education_code")
            if record.get(k)
        },  # fmt: skip
    )


class RecruiteeSpider(PlatformSpider):
    name = "recruitee"
    allowed_domains = ["recruitee.com"]
    record_url_field = "careers_url"
    map_record = staticmethod(parse_record)
    complete_listing = True  # the offers list is every published offer

    def company_url(self, company: Company) -> str:
        return f"https://{quote(company.handle)}.recruitee.com/api/offers/"

    def records(self, data, response):
        if not isinstance(data, dict) or not isinstance(data.get("offers"), list):
            raise ValueError("expected an object with an 'offers' list")
        return super().records(data["offers"], response)
