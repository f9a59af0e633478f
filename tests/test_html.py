"""The HTML base spider (``crawler/sources/html.py``): pure selectors and mapping, and what it
makes of RemoteOK's real recorded front page (its job rows are placeholders filled by JavaScript).

The engine path (listing -> detail pages -> stored rows) is proven by the generated ``html``
spider of ``tests/test_genspider.py``.
"""

from __future__ import annotations

import logging

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.sources.html import HtmlSpider, map_fields, select_fields
from crawler.sources.items import JobPosting, Reject
from tests.conftest import FIXTURES, MIRROR

FRONTPAGE = FIXTURES / "html" / "remoteok_frontpage.html"
OPENINGS = MIRROR / "jobs.example.test" / "openings" / "index"


class RemoteOkHtml(HtmlSpider):
    name = "remoteok_html"
    start_urls = ["https://remoteok.com/"]
    listing_item = "tr.job"
    listing_fields = {"url": "a.preventLink::attr(href)", "title": "h2"}  # noqa: RUF012


class Openings(HtmlSpider):
    name = "openings"
    listing_item = "main li"
    listing_fields = {  # noqa: RUF012
        "url": "a[href^='/openings/']::attr(href)",
        "title": "a[href^='/openings/']",
    }


def run_parse(spidercls, path, url):
    crawler = get_crawler(spidercls)
    spider = crawler._create_spider()
    body = path.read_bytes()
    response = HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))
    return list(spider.parse(response)), crawler.stats


def test_remoteok_front_page_has_only_placeholder_rows(caplog):
    caplog.set_level(logging.WARNING)
    out, stats = run_parse(RemoteOkHtml, FRONTPAGE, "https://remoteok.com/")
    # 9 rows match, none carries a link or an id: nothing is made up from them.
    assert out == []
    assert stats.get_value("jobcrawl/html/rows_without_link") == 9
    assert "all 9 postings matching 'tr.job' have no link" in caplog.text


def test_listing_without_any_posting_is_said_and_counted(caplog):
    caplog.set_level(logging.WARNING)

    class Wrong(RemoteOkHtml):
        listing_item = "article.job-card"

    out, stats = run_parse(Wrong, FRONTPAGE, "https://remoteok.com/")
    assert out == [] and stats.get_value("jobcrawl/html/empty_listing") == 1
    assert "no posting matches 'article.job-card'" in caplog.text


def test_listing_rows_become_postings_and_links_are_made_absolute():
    out, stats = run_parse(Openings, OPENINGS, "https://jobs.example.test/openings")
    items = [o for o in out if isinstance(o, JobPosting)]
    assert [i.title for i in items] == [
        "Senior / Staff Fullstack Engineer (Europe)",
        "Senior / Staff Fullstack Engineer (North America)",
    ]
    assert items[0].url == "https://jobs.example.test/openings/d3bc1ced-3ce4-4086-a050-555055dbb1ff"
    assert items[0].source_id == "openings/d3bc1ced-3ce4-4086-a050-555055dbb1ff"
    assert items[0].source == "openings"
    assert stats.get_value("jobcrawl/html/rows_without_link") == 1  # the "About" link


def test_select_fields_text_attribute_and_outer_html():
    node = Selector(text='<div><h2> Data  <b>Engineer</b> </h2><a href="/j/1">x</a>'
                    '<section class="d"><p>Hi</p></section></div>')  # fmt: skip
    got = select_fields(node, {"title": "h2", "url": "a::attr(href)",
                               "description_html": "section.d", "missing": ".nope"})  # fmt: skip
    html = '<section class="d"><p>Hi</p></section>'
    assert got == {"title": "Data Engineer", "url": "/j/1", "description_html": html,
                   "missing": None}  # fmt: skip


def test_map_fields_identity_and_a_posting_without_link_is_a_reject():
    item = map_fields({"id": "42", "title": "T", "bogus": "x"}, {"url": "https://b.test/jobs"})
    assert (item.source_id, item.url, item.title) == ("42", "https://b.test/jobs", "T")
    with pytest.raises(ValueError):
        map_fields({"title": "T"}, {"url": "https://b.test/jobs"})

    class Broken(Openings):
        listing_fields = {"title": "a"}  # noqa: RUF012 - no link, no id: not a posting

    class IdOnly(Openings):
        listing_fields = {"id": "a::attr(href)", "title": "a"}  # noqa: RUF012
        map_fields = staticmethod(lambda fields, page: (_ for _ in ()).throw(KeyError("x")))

    out, _ = run_parse(IdOnly, OPENINGS, "https://jobs.example.test/openings")
    assert out and all(isinstance(o, Reject) for o in out)
    assert "cannot map posting: KeyError" in out[0].reason
    out, stats = run_parse(Broken, OPENINGS, "https://jobs.example.test/openings")
    assert out == [] and stats.get_value("jobcrawl/html/rows_without_link") == 3
