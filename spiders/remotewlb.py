"""RemoteWLB: job pages listed in a sitemap index of monthly shards, each with JobPosting JSON-LD.

The site has no API and no RSS. ``/sitemap.xml`` indexes ``/sitemaps/jobs/YYYY-MM-1`` shards
(oldest first, going back years) of ``/job/<slug>`` pages. ``-a since=YYYY-MM`` crawls only the
shards of that month and later. Identity is the slug (its numeric suffix, when there is one,
is part of it); candidates apply at ``https://www.remotewlb.com/apply/<slug>``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from crawler.sources.items import JobPosting
from crawler.sources.structured import StructuredDataSpider, map_jobposting

APPLY_URL = "https://www.remotewlb.com/apply/{slug}"
_JOB_PATH = re.compile(r"^/job/([^/]+)/?$")
_SHARD_MONTH = re.compile(r"/sitemaps/jobs/(\d{4}-\d{2})-\d+")


def job_slug(url: str) -> str:
    match = _JOB_PATH.match(urlsplit(url).path)
    if not match:
        raise ValueError(f"{url} is not a RemoteWLB /job/<slug> page")
    return unquote(match.group(1))


def parse_posting(posting: dict, page: dict) -> JobPosting:
    """Map a RemoteWLB job page's JobPosting (pure): the generic mapping plus the board's quirks."""
    item = map_jobposting(posting, page)
    slug = job_slug(page["url"])
    item.source_id = slug
    item.url = page["url"]
    item.apply_url = APPLY_URL.format(slug=slug)
    # The site renders a missing company as Python's None: the literal text means unknown.
    if item.company == "None":
        item.company = None
    return item


class RemoteWlbSpider(StructuredDataSpider):
    name = "remotewlb"
    # A domain, so both remotewlb.com (the sitemaps) and www.remotewlb.com (apply links) pass.
    allowed_domains = ["remotewlb.com"]
    sitemap_urls = ["https://remotewlb.com/sitemap.xml"]
    sitemap_follow = [r"/sitemaps/jobs/"]
    sitemap_rules = [(r"/job/[^/]+/?$", "parse")]
    map_posting = staticmethod(parse_posting)

    @property
    def complete_listing(self) -> bool:
        # The sitemap lists every open job, unless -a since= left older shards out.
        return self.since is None

    def __init__(self, *args, since: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if since is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", since):
            raise ValueError(f"since must be YYYY-MM, got {since!r}")
        self.since = since

    def sitemap_filter(self, entries):
        for entry in entries:
            month = _SHARD_MONTH.search(entry.get("loc") or "")
            if self.since and month and month.group(1) < self.since:
                continue
            yield entry
