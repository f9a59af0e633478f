"""Base spider for platforms that host many companies' job boards (Lever, Greenhouse, Ashby).

A platform spider subclasses ``PlatformSpider`` (itself a ``JsonApiSpider``, see
``crawler/sources/jsonapi.py`` for ``records``, ``map_record`` and ``patch_item``) and
fills in:

``name``, ``allowed_domains``, ``record_url_field``
    As for any JSON-API spider. ``name`` is also the platform: the companies come
    from ``data/boards/<name>.txt`` (format in ``crawler/sources/boards.py``).
``company_url(company)``
    The API URL of one company's board (required).
``company_requests(company)``
    Optional: the first request(s) for one company; default: one GET of
    ``company_url``. Every request carries ``meta["board"]`` (see ``board_for``).
``map_record``
    The pure mapper ``(record, board) -> JobPosting | None``. ``board`` holds
    ``company_slug`` (the handle), ``company_name`` (the configured readable
    name, or None) and the company's other board-list options.

Which companies are crawled:

* ``data/boards/<name>.txt`` by default;
* ``-a companies=a,b`` instead of the file (an item may carry options like a
  board-list line: ``-a "companies=acme region=eu,globex"``);
* ``-a board_list=PATH`` reads another file in the same format;
* a board-list option given as a spider argument (``-a page_size=100``) is the
  default for every company that does not set it itself.

A bad list stops the spider from being created: ``BoardListError`` carries a
one-line message naming the file and line, the crawl never starts (no requests,
no ``crawls`` row), ``scrapy crawl`` logs ``<name>: cannot start: <message>`` with no
traceback and exits with status 1.

What the base adds to ``JsonApiSpider``:

* an HTTP 404 for a company's board means the company is unknown on the platform
  (Lever answers ``{"ok":false,"error":"Document not found"}``): logged as an
  error naming the company, counted in ``jobcrawl/unknown_company`` and
  ``jobcrawl/unknown_company/<handle>``, and the other companies go on;
* a company whose board is empty is logged and counted (``jobcrawl/empty_board``);
* ``jobcrawl/companies`` is the number of companies requested.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import scrapy

from crawler.sources.boards import (
    PLATFORM_OPTIONS,
    Company,
    board_list_path,
    display_path,
    load_board_list,
    parse_companies_arg,
    parse_options,
    with_defaults,
)
from crawler.sources.jsonapi import JsonApiSpider, snippet


class PlatformSpider(JsonApiSpider):
    """Crawl every configured company of one platform (see module doc)."""

    def __init__(self, *args, companies: str | None = None, board_list: str | None = None,
                 **kwargs):  # fmt: skip
        # ``-a page_size=100`` and the like: a board-list option given as a spider
        # argument is the default for every company that does not set its own.
        allowed = PLATFORM_OPTIONS.get(self.name, {})
        arg_options = [
            (k, str(kwargs.pop(k))) for k in list(kwargs) if k in allowed and k != "name"
        ]
        super().__init__(*args, **kwargs)
        defaults = parse_options(arg_options, self.name, "-a")
        if companies is not None:
            listed = parse_companies_arg(companies, self.name)
            self.companies_source = "-a companies"
        else:
            path = board_list or board_list_path(self.name)
            listed = load_board_list(self.name, path)
            self.companies_source = display_path(path)
        self.companies = [with_defaults(c, defaults) for c in listed]

    @classmethod
    def unrunnable_reason(cls) -> str | None:
        """Why a plain ``crawlall`` cannot run this spider (its list is empty), or None.

        A list that cannot be read raises ``BoardListError``: a configuration error.
        """
        if not load_board_list(cls.name):
            return f"no company listed in {display_path(board_list_path(cls.name))}"
        return None

    def company_url(self, company: Company) -> str:
        raise NotImplementedError(f"{type(self).__name__} must define company_url()")

    def board_for(self, company: Company) -> dict[str, Any]:
        """The ``meta["board"]`` context the mapper receives for ``company``."""
        options = {k: v for k, v in company.options.items() if k != "name"}
        return {"company_slug": company.handle, "company_name": company.name, **options}

    def company_requests(self, company: Company) -> Iterable[scrapy.Request]:
        yield scrapy.Request(
            self.company_url(company), callback=self.parse, meta={"board": self.board_for(company)}
        )

    def start_requests(self) -> Iterable[scrapy.Request]:
        handles = ", ".join(c.handle for c in self.companies) or "none"
        self.logger.info(
            "%s: %d companies from %s: %s",
            self.name,
            len(self.companies),
            self.companies_source,
            handles,
        )
        self.crawler.stats.set_value("jobcrawl/companies", len(self.companies))
        for company in self.companies:
            yield from self.company_requests(company)

    def records(self, data: Any, response) -> Iterable[Any]:
        records = list(super().records(data, response))
        board = response.meta.get("board", {})
        if not records and not board.get("skip"):
            self.crawler.stats.inc_value("jobcrawl/empty_board")
            self.logger.info("%s: %s has no open postings", self.name, board.get("company_slug"))
        return records

    def handle_error_response(self, response) -> Iterator[Any]:
        if response.status != 404:
            return super().handle_error_response(response)
        slug = response.meta.get("board", {}).get("company_slug")
        stats = self.crawler.stats
        stats.inc_value("jobcrawl/unknown_company")
        stats.inc_value(f"jobcrawl/unknown_company/{slug}")
        self.logger.error(
            "%s: unknown company %r (%s answered HTTP 404: %s); check the board list. "
            "The other companies go on.",
            self.name,
            slug,
            response.url,
            snippet(response, 120),
        )
        return iter(())
