"""Every spider `scrapy list` shows, present and future, conforms (no boilerplate per board).

For each spider, crawled through the real engine from its recorded fixture (its default
board list, start URLs, or its ``recorded_args``):

* it has a recorded fixture: every configured company of a platform lands rows, any other
  spider lands at least one;
* it maps the fixture without an exception (no mapping error, no reject of a recorded record
  that the spider did not mean to reject);
* ids are stable: a second crawl into the same database finds the same postings and adds none;
* every row fills the required fields;
* file = ``name`` = class: ``spiders/<name>.py`` defines ``<Name>Spider`` (any case).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from crawler.sources.boards import load_board_list
from crawler.sources.items import REQUIRED
from crawler.sources.platform import PlatformSpider
from tests.conftest import ROOT, run_scrapy

LOADER = SpiderLoader.from_settings(get_project_settings())
SPIDERS = sorted(LOADER.list())
# Required of every row: what the validator demands (identity and link). A title is not:
# RemoteOK publishes hollow records, kept so that nothing is lost.
ROW_REQUIRED = REQUIRED


def recorded_args(cls) -> list[str]:
    args = []
    for key, value in getattr(cls, "recorded_args", {}).items():
        args += ["-a", f"{key}={value}"]
    return args


def test_the_conformance_list_is_scrapy_list():
    listed = run_scrapy(["list"]).stdout.split()
    assert listed == SPIDERS and len(SPIDERS) >= 12


@pytest.mark.parametrize("name", SPIDERS)
def test_file_name_and_class_agree(name):
    cls = LOADER.load(name)
    assert cls.__module__ == f"spiders.{name}"
    assert Path(ROOT, "spiders", f"{name}.py").is_file()
    assert cls.__name__.lower() == f"{name}spider", cls.__name__


@pytest.mark.parametrize("name", SPIDERS)
def test_spider_conforms_on_its_recorded_fixture(name, crawl, tmp_path):
    cls = LOADER.load(name)
    args = recorded_args(cls)
    first = crawl(name, args=args)
    assert first.returncode == 0, first.output[-3000:]
    rows = first.rows("SELECT * FROM jobs")
    assert rows, f"{name}: no row from its recorded fixture"
    if issubclass(cls, PlatformSpider):
        companies = {c.handle for c in load_board_list(name)}
        landed = {r["company_slug"] for r in rows}
        assert companies <= landed, f"{name}: no recorded fixture for {companies - landed}"
    stats = json.loads(first.scalar("SELECT stats FROM crawls"))
    assert not stats.get("jobcrawl/mapping_errors"), stats
    assert not stats.get("jobcrawl/bad_json") and not stats.get("jobcrawl/bad_shape"), stats
    for row in rows:
        missing = [f for f in ROW_REQUIRED if not row[f]]
        assert not missing, f"{name}: {row['source_id']} lacks {missing}"

    second = crawl(name, args=args, db=first.db)
    assert second.returncode == 0, second.output[-3000:]
    ids = {(r["source"], r["source_id"]) for r in rows}
    again = {(r["source"], r["source_id"]) for r in second.rows("SELECT * FROM jobs")}
    assert again == ids, f"{name}: ids moved between two crawls of the same fixture"
    new = second.scalar("SELECT items_new FROM crawls ORDER BY id DESC LIMIT 1")
    assert not new, f"{name}: the second crawl of the same fixture added {new} postings"
