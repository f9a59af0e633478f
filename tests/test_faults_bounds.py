"""Bounds: a crawl always finishes, and one that hits a bound is unhealthy and closes nothing.

Through the real engine and the replay server:

* a sitemap index that keeps naming another index (an endless chain) stops at
  ``SITEMAP_MAX_DEPTH``; an index naming more sitemaps than ``SITEMAP_MAX_COUNT`` stops
  there; a crawl that downloads more than ``CRAWL_MAX_BYTES`` stops. Each is named
  (``bounds`` in ``health_problems``), and the postings it did not get to stay open
  although one miss would close them;
* a configured ``job_url_pattern`` that backtracks catastrophically in Python's ``re``
  (``(a+)+$`` against a long URL ending in ``!``) runs in linear time (RE2): the crawl
  finishes in seconds and the pages that match are read.
"""

from __future__ import annotations

import json

from crawler.tools.bench.corpus import write_sitemap_board
from tests.conftest import MIRROR

ONE_MISS = {"LIFECYCLE_NOW": "2026-09-25T00:00:00Z", "LIFECYCLE_MISSES_TO_CLOSE": "1"}
INDEX = '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{}\n</sitemapindex>\n'
URLSET = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{}\n</urlset>\n'


def entry(path: str) -> str:
    return f"<sitemap><loc>https://remotewlb.com/{path}</loc></sitemap>"


def board(crawl, make_replay, tmp_path):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    manifest = write_sitemap_board(root, 12, seed=7, shard_size=6)
    first = crawl("remotewlb", server=make_replay(root), db=db, settings=ONE_MISS)
    assert first.scalar("SELECT COUNT(*) FROM jobs WHERE status = 'open'") == 12, first.output
    return root, db, manifest


def assert_bound_closes_nothing(result, name: str) -> None:
    row = result.rows("SELECT * FROM crawls ORDER BY id DESC LIMIT 1")[0]
    stats, problems = json.loads(row["stats"]), json.loads(row["health_problems"])
    assert stats.get(f"jobcrawl/bounds/{name}"), stats
    assert row["healthy"] == 0 and name in problems.get("bounds", ""), problems
    assert "bounds" in json.loads(row["closing_problems"])
    assert f"crawl stopped at a bound: {name}" in result.output
    assert result.scalar("SELECT COUNT(*) FROM jobs WHERE status != 'open'") == 0
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 12


def test_an_endless_chain_of_sitemap_indexes_stops_at_the_depth_bound(crawl, make_replay, tmp_path):
    root, db, manifest = board(crawl, make_replay, tmp_path)
    shards = "sitemaps/jobs"
    # The index lists the first shard and an index that names another index, and so on.
    (root / "remotewlb.com" / "sitemap.xml").write_text(
        INDEX.format(entry(f"{shards}/{manifest.handles[0]}") + entry(f"{shards}/chain-1"))
    )
    for n in range(1, 30):
        (root / "remotewlb.com" / shards / f"chain-{n}").write_text(
            INDEX.format(entry(f"{shards}/chain-{n + 1}"))
        )
    result = crawl(
        "remotewlb",
        server=make_replay(root),
        db=db,
        settings={**ONE_MISS, "SITEMAP_MAX_DEPTH": "3"},
    )
    assert_bound_closes_nothing(result, "sitemap_depth")


def test_an_index_naming_too_many_sitemaps_stops_at_the_count_bound(crawl, make_replay, tmp_path):
    root, db, manifest = board(crawl, make_replay, tmp_path)
    extra = root / "remotewlb.com" / "sitemaps" / "jobs"
    for n in range(20):
        (extra / f"extra-{n}").write_text(URLSET.format(""))
    entries = [entry(f"sitemaps/jobs/{manifest.handles[0]}")]
    entries += [entry(f"sitemaps/jobs/extra-{n}") for n in range(20)]
    entries += [entry(f"sitemaps/jobs/{manifest.handles[1]}")]  # past the bound
    (root / "remotewlb.com" / "sitemap.xml").write_text(INDEX.format("\n".join(entries)))
    result = crawl(
        "remotewlb",
        server=make_replay(root),
        db=db,
        settings={**ONE_MISS, "SITEMAP_MAX_COUNT": "10"},
    )
    assert_bound_closes_nothing(result, "sitemap_count")


def test_a_crawl_that_downloads_more_than_its_size_bound_stops_and_closes_nothing(
    crawl, make_replay, tmp_path
):
    root, db, _manifest = board(crawl, make_replay, tmp_path)
    result = crawl(
        "remotewlb",
        server=make_replay(root),
        db=db,
        args=["-a", "full=1"],  # every page fetched again, none skipped for its lastmod
        settings={**ONE_MISS, "CRAWL_MAX_BYTES": "60000", "CONCURRENT_REQUESTS": "1"},
    )
    row = result.rows("SELECT * FROM crawls ORDER BY id DESC LIMIT 1")[0]
    assert row["finish_reason"] == "bounds_bytes"
    assert_bound_closes_nothing(result, "bytes")


def test_a_catastrophic_job_url_pattern_runs_in_linear_time(crawl, make_replay, tmp_path):
    root = tmp_path / "mirror"
    site = root / "careers.example.test"
    (site / "jobs").mkdir(parents=True)
    page = (MIRROR / "remotewlb.com" / "job" / "senior-automation-qa-engineer-140084").read_text(
        encoding="utf-8"
    )
    (site / "jobs" / ("a" * 8)).write_text(page, encoding="utf-8")
    evil = "https://careers.example.test/jobs/" + "a" * 60 + "!"
    urls = [f"https://careers.example.test/jobs/{'a' * 8}", evil]
    (site / "sitemap.xml").write_text(
        URLSET.format("\n".join(f"<url><loc>{u}</loc></url>" for u in urls))
    )
    config = tmp_path / "sites.toml"
    config.write_text(
        '[[site]]\nname = "evil"\nsitemap = "https://careers.example.test/sitemap.xml"\n'
        'job_url_pattern = "/jobs/(a+)+$"\n'
    )
    # Python's re would take ~2^60 steps on the second URL (and ignore SIGTERM meanwhile).
    result = crawl("jobposting", server=make_replay(root), args=["-a", f"config={config}"])
    assert result.returncode == 0, result.output[-3000:]
    assert result.scalar("SELECT COUNT(*) FROM jobs WHERE source = 'evil'") == 1


def test_a_pattern_that_needs_backtracking_is_refused_with_its_site_named(tmp_path):
    from spiders.jobposting import load_sites

    config = tmp_path / "sites.toml"
    config.write_text(
        '[[site]]\nname = "refs"\nsitemap = "https://careers.example.test/sitemap.xml"\n'
        'job_url_pattern = "/jobs/(\\\\w+)/\\\\1"\n'
    )
    try:
        load_sites(config)
    except ValueError as exc:
        assert "site 'refs'" in str(exc) and "linear time" in str(exc)
    else:
        raise AssertionError("a backreference was accepted")


def test_a_sitemap_listing_more_entries_than_its_bound_stops_there(crawl, make_replay, tmp_path):
    root, db, manifest = board(crawl, make_replay, tmp_path)
    result = crawl(
        "remotewlb",
        server=make_replay(root),
        db=db,
        settings={**ONE_MISS, "SITEMAP_MAX_ENTRIES": "4"},  # each shard lists 6
    )
    assert_bound_closes_nothing(result, "sitemap_entries")
