"""The validate step reads any Scrapy item through itemadapter: third-party dicts are stored."""

from __future__ import annotations

import json

import scrapy

from crawler.sources.items import JobPosting, Reject, as_posting


class ThirdPartyItem(scrapy.Item):
    source_id = scrapy.Field()
    url = scrapy.Field()
    title = scrapy.Field()
    salary_note = scrapy.Field()


class DictSpider(scrapy.Spider):
    """A spider written elsewhere: it yields plain dicts from RemoteOK's API, as Scrapy allows."""

    name = "thirdparty"
    start_urls = ["https://remoteok.com/api"]

    def parse(self, response):
        records = [r for r in response.json() if isinstance(r, dict) and "id" in r][:3]
        for record in records:
            yield {
                "source_id": str(record["id"]),
                "url": record["url"],
                "title": record["position"],
                "company": record["company"],
                "tags": record.get("tags") or [],
                "board_slug": record.get("slug"),  # not a JobPosting field: kept in extras
            }
        yield {"source_id": "no-link", "title": "A posting without its link"}


def test_dict_items_from_a_third_party_spider_are_stored_like_ours(crawl):
    result = crawl(DictSpider)

    assert result.returncode == 0, result.output
    rows = result.rows("SELECT * FROM jobs ORDER BY source_id")
    assert len(rows) == 3
    assert {row["source"] for row in rows} == {"thirdparty"}  # the spider's name
    assert all(row["title"] and row["url"].startswith("https://remoteok.com/") for row in rows)
    assert all(json.loads(row["extras"])["board_slug"] for row in rows)
    assert all(row["description_text"] is None for row in rows)
    reject = result.rows("SELECT * FROM rejects")
    assert [r["reason"] for r in reject] == ["missing url"]
    assert json.loads(result.scalar("SELECT stats FROM crawls"))["jobcrawl/adapted_items"] == 4


def test_items_of_any_kind_become_postings_and_non_items_rejects():
    item = ThirdPartyItem(source_id="7", url="https://example.org/7", title="T", salary_note="x")
    posting = as_posting(item, "other")
    assert isinstance(posting, JobPosting)
    assert (posting.source, posting.source_id, posting.title) == ("other", "7", "T")
    assert posting.extras == {"salary_note": "x"}

    given = as_posting({"source": "mine", "source_id": "1", "extras": {"a": 1}, "b": 2}, "spider")
    assert given.source == "mine" and given.extras == {"a": 1, "b": 2}

    ours = JobPosting(source="remoteok", source_id="1")
    assert as_posting(ours, "x") is ours

    rejected = as_posting("just text", "spider")
    assert isinstance(rejected, Reject)
    assert rejected.reason == "not an item: str" and rejected.source == "spider"
