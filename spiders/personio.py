"""Personio: the XML feed ``https://<company>.jobs.personio.de/xml`` for every company
subdomain in ``data/boards/personio.txt``.

The feed (what Personio documents for integrating open positions; no key) is a
``<workzag-jobs>`` document of every published ``<position>``: id, title (``name``), office
and ``additionalOffices``, department, the employer's description sections
(``jobDescriptions``: name and HTML value), ``employmentType`` with ``schedule``, ``createdAt``
and, when the employer shows it, ``salaryInformation`` (min, max, currency, ``type``: hourly,
monthly, yearly). It carries no URL: the posting page is ``/job/<id>`` on the company's
subdomain, and no remote flag ("Remote" appears only as an office name).
"""

from __future__ import annotations

from crawler.sources.items import JobPosting
from crawler.sources.jsonapi import load_xml_body
from crawler.sources.mapping import company_fields, record_id, sections, structured_pay, texts
from crawler.sources.platform import PlatformSpider


def _listed(value) -> list:
    """An XML container read as data: a list, one child, or "" when empty."""
    return value if isinstance(value, list) else [] if value in ("", None) else [value]


def parse_record(record: dict, board: dict) -> JobPosting:
    """Map one Personio ``<position>`` (as ``xml_data`` reads it) to a ``JobPosting`` (pure)."""
    sub = board["company_slug"]
    job_id = record_id(record)
    pay = record.get("salaryInformation") or {}
    parts = [d for d in _listed(record.get("jobDescriptions")) if isinstance(d, dict)]
    extras = ("seniority", "yearsOfExperience", "occupation", "occupationCategory",
              "recruitingCategory", "keywords", "subcompany")  # fmt: skip
    return JobPosting(
        **company_fields(board, record, published=record.get("subcompany")),
        url=f"https://{sub}.jobs.personio.de/job/{job_id}",
        title=record.get("name") or None,
        department=record.get("department") or None,
        description_html=sections(*((d.get("name"), d.get("value")) for d in parts)),
        employment_type_raw=", ".join(texts(record.get("employmentType"), record.get("schedule")))
        or None,  # fmt: skip
        location_raw=" | ".join(
            texts(record.get("office"), *_listed(record.get("additionalOffices")))
        )
        or None,  # fmt: skip
        posted_raw=record.get("createdAt") or None,
        **structured_pay(pay.get("min"), pay.get("max"), pay.get("currencyCode"), pay.get("type")),
        extras={k: record[k] for k in extras if record.get(k)},
    )


class PersonioSpider(PlatformSpider):
    name = "personio"
    allowed_domains = ["jobs.personio.de"]
    body_format = "XML"
    load_body = staticmethod(load_xml_body)
    map_record = staticmethod(parse_record)
    complete_listing = True  # the feed lists every published position of the company
    company_url_template = "https://{handle}.jobs.personio.de/xml"

    def records(self, data, response):
        if not isinstance(data, dict) or "workzag-jobs" not in data:
            raise ValueError("expected a <workzag-jobs> document")
        return super().records(_listed(data["workzag-jobs"]), response)
