"""RemoteOK: the public JSON API (https://remoteok.com/api), latest ~100 jobs.

Terms of use: link back to each job's ``url`` on Remote OK and name Remote OK
as the source, so ``url`` is kept on every row and never rewritten to a
third-party page.
"""

from __future__ import annotations

import re

from crawler.normalize.text import canonical_url
from crawler.sources.items import JobPosting
from crawler.sources.jsonapi import JsonApiSpider

# Every description ends with "Please mention the word **X** and tag R…= when
# applying …": a per-requester anti-spam line (the tag is base64 of our IP).
ANTI_SPAM = re.compile(r"(?:<br\s*/?>\s*)*Please mention the word\b.*\Z", re.S | re.I)


def parse_record(record: dict, board: dict) -> JobPosting:
    """Map one RemoteOK API element to a ``JobPosting`` (pure)."""
    source_id = str(record["id"]).strip()
    if not source_id.isdigit():
        raise ValueError(f"id {record['id']!r} is not a RemoteOK id")
    smin, smax = record.get("salary_min") or 0, record.get("salary_max") or 0
    if not isinstance(smin, int | float) or not isinstance(smax, int | float):
        raise TypeError(f"salary_min/max not numbers: {smin!r}/{smax!r}")
    has_salary = bool(smin or smax)
    extras = {k: record[k] for k in ("slug", "original", "verified", "epoch") if k in record}
    return JobPosting(
        source_id=source_id,
        url=canonical_url(record.get("url")),
        apply_url=canonical_url(record.get("apply_url")),
        title=record.get("position") or None,  # one real record is hollow: kept, counted
        company=record.get("company"),
        description_html=ANTI_SPAM.sub("", record.get("description") or ""),
        tags=list(record.get("tags") or []),
        location_raw=record.get("location") or None,
        # ``date`` is ISO with an offset; ``epoch`` (seconds) is the fallback.
        posted_raw=str(record.get("date") or record.get("epoch") or "") or None,
        # The API documents its structured salary as USD; 0 means "not given".
        salary_min=smin or None,
        salary_max=smax or None,
        salary_currency="USD" if has_salary else None,
        salary_raw=f"{smin}-{smax} USD" if has_salary else None,
        salary_source="structured" if has_salary else None,
        # RemoteOK lists remote jobs only: the board itself is the structured signal.
        remote_raw="remote",
        extras=extras,
    )


def _is_legal_notice(record) -> bool:
    return isinstance(record, dict) and "legal" in record and "id" not in record


class RemoteOkSpider(JsonApiSpider):
    name = "remoteok"
    allowed_domains = ["remoteok.com"]
    start_urls = ["https://remoteok.com/api"]
    map_record = staticmethod(parse_record)
    # The API shows only the latest ~100 jobs: absence from it says nothing (see lifecycle).
    complete_listing = False

    def records(self, data, response):
        # Element 0 is the API's legal notice ({"last_updated", "legal"}): skip by shape.
        return [r for r in super().records(data, response) if not _is_legal_notice(r)]
