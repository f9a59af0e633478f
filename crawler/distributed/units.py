"""Work units: what one worker crawls at a time, never split (the lifecycle reads a listing whole).

A unit is one *listing* (``crawler/runtime/listings.py``) and the spider arguments that crawl
exactly it with the unchanged spider:

* a platform spider (Lever, Greenhouse, Ashby): one unit per company of its board list,
  ``-a companies=<the board-list line>``, id ``lever/palantir``;
* ``jobposting``: one unit per enabled site, ``-a sites=<name>``, id ``jobposting/<name>``;
* any other spider (RemoteOK's API, RemoteWLB's sitemap): the whole board is one
  listing, one unit with no arguments, id ``remotewlb/``.

Each unit names the **host** its requests go to (the politeness key, see
``crawler/distributed/queue.py``): the registrable part the spider's ``allowed_domains``
gives (``lever.co`` for every Lever company, both regions), else its first URL's host.
"""

from __future__ import annotations

import shlex
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from crawler.sources.boards import Company
from crawler.sources.platform import PlatformSpider


@dataclass(frozen=True)
class Unit:
    spider: str
    listing: str = ""  # company handle / site name; '' for a whole board
    args: dict[str, str] = field(default_factory=dict)
    host: str = ""

    @property
    def id(self) -> str:
        return f"{self.spider}/{self.listing}"

    @property
    def listing_key(self) -> str:
        """The unit's ``crawl_listings`` key (``crawler.store.lifecycle.listing_key``): a JobPosting
        site is its own board (its items' ``source``), one listing."""
        if self.spider == "jobposting":
            return f"{self.listing}/"
        return f"{self.spider}/{self.listing}"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Unit:
        return cls(data["spider"], data.get("listing", ""), dict(data.get("args") or {}),
                   data.get("host", ""))  # fmt: skip


def company_line(company: Company) -> str:
    """The board-list line of ``company`` (``-a companies=`` reads the same format)."""
    options = " ".join(f"{k}={shlex.quote(str(v))}" for k, v in company.options.items())
    return f"{company.handle} {options}".strip()


def _host_of(spider, urls: list[str]) -> str:
    domains = sorted(getattr(spider, "allowed_domains", None) or [])
    if domains:
        return domains[0]
    for url in urls:
        host = urlsplit(url).hostname
        if host:
            return host
    return spider.name


def units_for(spidercls, args: dict[str, str] | None = None) -> list[Unit]:
    """The units that together crawl what ``scrapy crawl <spider> -a k=v...`` crawls."""
    name, args = spidercls.name, dict(args or {})
    if issubclass(spidercls, PlatformSpider):
        spider = spidercls(**args)
        units = []
        for company in spider.companies:
            one_args = {**args, "companies": company_line(company)}
            one_args.pop("board_list", None)
            one = spidercls(**one_args)
            urls = [request.url for request in one.company_requests(one.companies[0])]
            units.append(Unit(name, company.handle, one_args, _host_of(one, urls)))
        return units
    if name == "jobposting":
        units = []
        for site in spidercls(**args).sites:
            one_args = {**args, "sites": site["name"]}
            one = spidercls(**one_args)
            urls = site["sitemaps"] + site["listing_urls"]
            units.append(Unit(name, site["name"], one_args, _host_of(one, urls)))
        return units
    spider = spidercls(**args)
    urls = list(getattr(spider, "start_urls", []) or []) + list(
        getattr(spider, "sitemap_urls", []) or []
    )
    return [Unit(name, "", args, _host_of(spider, urls))]
