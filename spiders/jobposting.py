"""Any site that embeds schema.org JobPosting JSON-LD, by configuration (no code per site).

Sites are ``[[site]]`` entries of ``data/boards/jobposting.toml``::

    [[site]]
    name = "acme"                                   # the items' `source`
    sitemap = "https://careers.acme.com/sitemap.xml"  # or a list; an index or robots.txt works
    listing_urls = ["https://careers.acme.com/jobs"]  # optional: pages linking to job pages
    job_url_pattern = "/jobs/[0-9]+"                # optional regex job page URLs must match
    enabled = true                                  # default true

``scrapy crawl jobposting`` crawls the enabled sites; ``-a sites=a,b`` crawls the named ones
(enabled or not); ``-a config=PATH`` reads another file. A bad file or entry stops the crawl
before any request, with the file and entry named. Job pages must be on the domain of the
site's sitemap or listing URLs (or a subdomain of it).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import re2
import scrapy

from crawler.sources.boards import SpiderConfigError, display_path
from crawler.sources.structured import StructuredDataSpider, job_url_regex

CONFIG = Path(__file__).resolve().parent.parent / "data" / "boards" / "jobposting.toml"
KEYS = {"name", "sitemap", "listing_urls", "job_url_pattern", "enabled"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _urls(value, where: str, key: str) -> list[str]:
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise SpiderConfigError(f"{where}: {key} must be a URL or a list of URLs")
    for url in urls:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise SpiderConfigError(f"{where}: {key} has {url!r}, not an http(s) URL")
    return urls


def load_sites(path: Path) -> list[dict]:
    """The checked ``[[site]]`` entries of a config file; ``SpiderConfigError`` names the fault."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpiderConfigError(f"{path}: {exc}") from exc
    sites, names = [], set()
    for n, entry in enumerate(data.get("site", []), start=1):
        where = f"{path}: [[site]] #{n}"
        unknown = set(entry) - KEYS
        if unknown:
            raise SpiderConfigError(
                f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(KEYS)}"
            )
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise SpiderConfigError(
                f"{where}: name must be lower-case letters, digits, '_', '-', '.'"
            )
        if name in names:
            raise SpiderConfigError(f"{where}: name {name!r} used twice")
        names.add(name)
        where = f"{path}: site {name!r}"
        site = {
            "name": name,
            "sitemaps": _urls(entry.get("sitemap", []), where, "sitemap"),
            "listing_urls": _urls(entry.get("listing_urls", []), where, "listing_urls"),
            "job_url_pattern": entry.get("job_url_pattern"),
            "enabled": entry.get("enabled", True),
        }
        if not site["sitemaps"] and not site["listing_urls"]:
            raise SpiderConfigError(f"{where}: give a sitemap or listing_urls")
        if site["job_url_pattern"] is not None:
            try:
                job_url_regex(site["job_url_pattern"])
            except (re2.error, TypeError) as exc:
                raise SpiderConfigError(
                    f"{where}: job_url_pattern is not a regex RE2 can run in linear time"
                    f" (no backreferences or lookarounds): {exc}"
                ) from exc
        if not isinstance(site["enabled"], bool):
            raise SpiderConfigError(f"{where}: enabled must be true or false")
        sites.append(site)
    return sites


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
        if not any(site["enabled"] for site in load_sites(CONFIG)):
            return f"no enabled [[site]] in {display_path(CONFIG)} (or crawl one: -a sites=NAME)"
        return None

    def __init__(self, *args, config: str | None = None, sites: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        configured = load_sites(Path(config) if config else CONFIG)
        if sites:
            wanted = [s.strip() for s in sites.split(",") if s.strip()]
            by_name = {s["name"]: s for s in configured}
            missing = [name for name in wanted if name not in by_name]
            if missing:
                raise SpiderConfigError(f"unknown sites {missing}; configured: {sorted(by_name)}")
            self.sites = [by_name[name] for name in wanted]
        else:
            self.sites = [s for s in configured if s["enabled"]]
        urls = [u for s in self.sites for u in s["sitemaps"] + s["listing_urls"]]
        # Domains (not URLs) of the configured sites, without "www." so that a sitemap on
        # www.acme.com may list pages on acme.com or careers.acme.com; pages elsewhere are not
        # fetched (Scrapy's offsite filter).
        self.allowed_domains = sorted({urlsplit(u).hostname.removeprefix("www.") for u in urls})

    def start_requests(self):
        if not self.sites:
            self.logger.warning("no JobPosting site enabled: nothing to crawl")
        for site in self.sites:
            board = {"source": site["name"], "job_url_pattern": site["job_url_pattern"]}
            for url in site["sitemaps"]:
                yield self.sitemap_request(url, {"board": board})
            for url in site["listing_urls"]:
                yield scrapy.Request(url, self.parse_listing, meta={"board": board})
