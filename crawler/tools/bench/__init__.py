"""``make bench``: jobcrawl's speed and memory, measured on a scaled replay of real records.

Run ``python -m crawler.tools.bench --help`` (or ``make bench ARGS="..."``). Modules:

* ``crawler.tools.bench.corpus``: derives a scaled corpus (new ids, recombined real fields) from
  the recorded responses in ``data/mirror`` and lays it out for the
  replay server;
* ``crawler.tools.bench.spiders``: bench-only spider subclasses (RemoteOK over many pages);
* ``crawler.tools.bench.crawl``: runs spiders in one Scrapy process and reports wall time,
  stats and peak RSS as JSON;
* ``crawler.tools.bench.tutorial``: the "tutorial" baseline pipeline (one commit per item,
  ftfy and dateparser on every value);
* ``crawler.tools.bench.upsert``: ``Store.write_batch`` cost on prebuilt databases;
* ``crawler.tools.bench.__main__``: runs it all side by side and prints the table.

Nothing here is imported by the product; the fault-injection tests reuse the corpus.
"""
