"""Run several spiders in one Scrapy process and report wall time, stats and peak RSS.

``python -m crawler.tools.bench.crawl SPEC.json OUT.json`` where SPEC is::

    {"settings": {"ITEM_PIPELINES": {}, ...},
     "crawls": [{"spider": "lever", "args": {"companies": "a,b"}}, ...]}

All crawls share one reactor, as in a crawl-everything run. OUT gets
``{"wall_seconds", "peak_rss_mb", "crawls": [{"spider", "stats"}]}``. The wall
time runs from the first crawl's start to the last one's end; interpreter start
and imports are outside it (they are the same in every variant).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings


def run(spec: dict) -> dict:
    settings = get_project_settings()
    settings.setdict(spec.get("settings", {}), priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = []
    for entry in spec["crawls"]:
        crawler = process.create_crawler(entry["spider"])
        process.crawl(crawler, **entry.get("args", {}))
        crawlers.append((entry["spider"], crawler))
    started = time.perf_counter()
    process.start()
    wall = time.perf_counter() - started
    return {
        "wall_seconds": wall,
        # ru_maxrss is in KiB on Linux: the peak resident set of this whole process.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "crawls": [
            {"spider": name, "stats": crawler.stats.get_stats()} for name, crawler in crawlers
        ],
    }


def main(argv: list[str] | None = None) -> None:
    spec_path, out_path = argv or sys.argv[1:]
    result = run(json.loads(Path(spec_path).read_text()))
    Path(out_path).write_text(json.dumps(result, default=str, indent=1))


if __name__ == "__main__":
    main()
