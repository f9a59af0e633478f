"""``make bench`` end to end on a tiny corpus: it runs, prints every ratio and loses nothing.

Figures are not asserted (timings belong to the bench, not to tests): only that each
measured run saw the whole corpus, that the recrawl found the changes, and that the
table and ``latest.json`` carry every figure the issue asks for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import scrapy
from scrapy.utils.test import get_crawler

from crawler.sources.items import JobPosting
from crawler.tools.bench import spiders as bench_spiders
from crawler.tools.bench.corpus import JSON_SHAPES, SHAPES, write_corpus
from crawler.tools.registry import json_boards, local_response, recorded_items, spider_classes

ROOT = Path(__file__).resolve().parent.parent


def test_bench_prints_every_ratio_and_crawls_the_whole_corpus(tmp_path):
    out = tmp_path / "bench"
    args = ["--postings", "600", "--sitemap-pages", "30", "--tutorial-responses", "1"]
    args += ["--upsert-levels", "", "--stage-items", "5", "--out", str(out)]
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.tools.bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = proc.stdout
    for line in (
        "JSON-API: full / bare items/s",
        "sitemap JSON-LD: full / bare items/s",
        "full / tutorial items/s",
        "JSON-API, polite settings: full / bare",
        "sitemap recrawl / first crawl requests",
        "JSON-API recrawl at 5% churn / first, CPU",
        "unchanged / new posting, CPU end to end",
        "peak RSS, JSON-API full crawl (MB)",
        "stage, us per item",
        "crawlall wall time / slowest board alone",
        "crawlall recrawl (unchanged) / slowest alone",
        "the same, one board after another",
        "the same boards in one reactor",
    ):
        assert line in table
    assert "NOTE:" not in table  # no run lost postings

    report = json.loads((out / "latest.json").read_text())
    assert "full / tutorial items/s" in (out / "latest.txt").read_text()
    runs, corpus = report["runs"], report["corpus"]
    json_postings = sum(v["postings"] for k, v in corpus.items() if k != "remotewlb")
    assert json_postings == 600
    assert runs["json_bare"]["items"] == runs["json_full"]["items"] == 600
    assert runs["json_full"]["new"] == 600 and runs["json_full"]["errors"] == 0
    assert runs["json_bare_polite"]["items"] == runs["json_full_polite"]["new"] == 600
    assert runs["sitemap_full"]["new"] == corpus["remotewlb"]["postings"] == 30
    # The recrawl stores exactly the changed postings as updates, the rest as unchanged.
    changed = sum(v["changed"] for k, v in report["recrawl_corpus"].items() if k != "remotewlb")
    assert runs["json_recrawl"]["updated"] == changed > 0
    # The same corpus again: every posting unchanged and skipped (only marked seen).
    assert runs["json_unchanged"]["unchanged"] == runs["json_unchanged"]["skipped"] == 600
    assert runs["json_recrawl"]["skipped"] == runs["json_recrawl"]["unchanged"] > 0
    # Postings gone from a complete listing (a Lever or Greenhouse company) are missed once,
    # not yet closed (that takes LIFECYCLE_MISSES_TO_CLOSE = 2 healthy listings); RemoteOK's
    # window closes only by age, so no more than its own gone postings can close.
    gone = {k: v["gone"] for k, v in report["recrawl_corpus"].items() if k != "remotewlb"}
    complete = {k for k in gone if spider_classes()[k].complete_listing}
    # (A gone posting whose deadline has passed may be closed already, by that evidence.)
    assert 0 < runs["json_recrawl"]["missed"] <= sum(gone[k] for k in complete)
    assert runs["json_recrawl"]["closed"] <= sum(gone[k] for k in set(gone) - complete)
    # A sitemap recrawl fetches only what lastmod says changed.
    assert runs["sitemap_recrawl"]["requests"] < runs["sitemap_full"]["requests"]
    # crawlall, politeness on: each board alone, in turn and side by side stored everything.
    crawlall = report["crawlall"]
    assert set(crawlall["alone"]) == set(json_boards())
    for run in [*crawlall["alone"].values(), crawlall["sequential"], crawlall["concurrent"]]:
        assert run["stored"] == run["postings"] > 0, run
    assert crawlall["concurrent"]["postings"] == 600
    summary = report["summary"]
    for key in ("crawlall_concurrent_vs_slowest", "crawlall_sequential_vs_slowest",
                "crawlall_recrawl_concurrent_vs_slowest"):  # fmt: skip
        assert isinstance(summary[key], float) and summary[key] > 0
    for key in ("json_full_vs_bare", "full_vs_tutorial", "sitemap_recrawl_requests",
                "json_recrawl_cpu", "unchanged_cpu_per_posting"):  # fmt: skip
        assert isinstance(summary[key], float) and summary[key] > 0
    assert set(report["stages"]) == {*json_boards(), "all"}
    assert report["machine"]["cpus"] >= 1


def test_bench_analyst_part_times_every_case_and_compares_the_build_settings(tmp_path):
    from crawler.tools.bench import analyst

    out = tmp_path / "bench"
    args = ["--only-analyst", "--analyst-scale", "600", "--analyst-crawls", "4"]
    args += ["--analyst-batch", "250", "--analyst-cache-mb", "64", "--analyst-compare"]
    args += ["--analyst-compare-postings", "300"]
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.tools.bench", *args, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads((out / "analyst-latest.json").read_text())
    built = result["built"]
    # 600 built, then 300 per setting and round (2 settings, 2 rounds) written by the store.
    assert built["postings"] == 600 + 4 * 300
    assert [(v["batch"], v["cache_mb"], len(v["rates"])) for v in built["compare"]] == [
        (500, 0, 2),
        (250, 64, 2),
    ]
    names = [r["name"] for r in result["queries"]]
    assert [n for n, _sql, _p in analyst.cases()] == names[: len(analyst.cases())]
    assert "query search 'experience'" in names and "fts count 'experience'" in names
    for line in ("query search 'experience'", "build write rate", "batch   250, cache   64 MB"):
        assert line in proc.stdout


def test_the_corpus_holds_every_registered_json_board(tmp_path):
    """Derived from the spiders and their fixtures: every JSON API board of ``scrapy list``
    with a recorded answer is written, where its own spider asks for it, in its own answer's
    shape, with postings its own mapper takes (no per-board table to edit)."""
    boards = json_boards()
    assert set(boards) >= {"remoteok", "lever", "greenhouse", "ashby", "workable", "recruitee",
                           "bamboohr", "pinpoint", "smartrecruiters"}  # fmt: skip
    assert list(JSON_SHAPES) == boards
    manifests = write_corpus(tmp_path / "corpus", 60 * len(boards), seed=3, shapes=JSON_SHAPES)
    assert set(manifests) == set(boards)
    for name in boards:
        manifest, shape = manifests[name], SHAPES[name]
        assert manifest.postings == 60 and manifest.responses >= 1
        items = list(_read_back(name, tmp_path / "corpus", manifest))
        assert len(items) == 60 and all(isinstance(i, JobPosting) for i in items), name
        assert len({i.source_id for i in items}) == 60, name
        assert shape.spider == (name if shape.companies else f"{name}_bench")


def _read_back(name: str, root: Path, manifest):
    """The corpus's postings of ``name`` as the spider the bench runs makes them."""
    if SHAPES[name].companies:
        yield from recorded_items(name, root, companies=",".join(manifest.handles))
        return
    cls = next(c for c in vars(bench_spiders).values()
               if isinstance(c, type) and getattr(c, "name", None) == manifest.spider)  # fmt: skip
    spider = get_crawler(cls)._create_spider(pages=",".join(manifest.handles))
    for url in spider.start_urls:
        response = local_response(scrapy.Request(url), root)
        for out in spider.parse(response):
            if isinstance(out, JobPosting):
                yield out
