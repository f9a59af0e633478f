"""Any site that embeds schema.org JobPosting JSON-LD, by configuration (no code per site).

Sites are ``[[site]]`` entries of ``data/boards/jobposting.toml``::

    [[site]]
    name = "acme"                                   # the items' `source`
    sitemap = "https://careers.acme.com/sitemap.xml"  # or a list; an index or robots.txt works
    listing_urls = ["https://careers.acme.com/jobs"]  # optional: pages linking to job pages
    job_url_pattern = "/jobs/[0-9]+"                # optional regex job page URLs must match
    enabled = true                                  # default true

``scrapy crawl jobposting`` crawls the enabled sites; ``-a sites=a,b`` crawls the named ones
(enabled or not); ``-a config=PATH`` reads another file. The list is read and checked by
``crawler/sources/boards.py`` (``load_sites``): a bad file or entry stops the crawl before any
request, with the file and entry named. Job pages must be on the domain of the
site's sitemap or listing URLs (or a subdomain of it).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import scrapy

from crawler.sources.boards import SITES_PATH, display_path, load_sites, select_sites
from crawler.sources.structured import StructuredDataSpider


def site_domains(sites) -> list[str]:
    """Domains (not URLs) of the sites' sitemaps and listings, without "www." so that a
    sitemap on www.acme.com may list pages on acme.com or careers.acme.com; pages elsewhere
    are not fetched (Scrapy's offsite filter)."""
    urls = [u for s in sites for u in s["sitemaps"] + s["listing_urls"]]
    return sorted({urlsplit(u).hostname.removeprefix("www.") for u in urls})


class JobPostingSpider(StructuredDataSpider):
    name = "jobposting"
    # A site's sitemap or listing pages need not list every open job (paging, stale
    # sitemaps): absence closes nothing; validThrough, 404 pages and the age limit do.
    complete_listing = False
    # The recorded fixture: the demo site replayed from data/mirror (conformance, demo).
    recorded_args = {"sites": "demo"}

    @classmethod
    def unrunnable_reason(cls) -> str | None:
        """Why a plain ``crawlall`` cannot run this spider, or None (see ``crawlall --list``)."""
        if not select_sites(load_sites(), None):
            return (
                f"no enabled [[site]] in {display_path(SITES_PATH)} (or crawl one: -a sites=NAME)"
            )
        return None

    @classmethod
    def crawl_domains(cls) -> list[str]:
        """The domains a plain run requests (the enabled sites'): ``crawlall`` never runs
        this board beside another on the same hosts."""
        return site_domains(select_sites(load_sites(), None))

    def __init__(self, *args, config: str | None = None, sites: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites = select_sites(load_sites(config), sites)
        self.allowed_domains = site_domains(self.sites)

    def start_requests(self):
        if not self.sites:
            self.logger.warning("no JobPosting site enabled: nothing to crawl")
        for site in self.sites:
            board = {"source": site["name"], "job_url_pattern": site["job_url_pattern"]}
            for url in site["sitemaps"]:
                yield self.sitemap_request(url, {"board": board})
            for url in site["listing_urls"]:
                yield scrapy.Request(url, self.parse_listing, meta={"board": board})
