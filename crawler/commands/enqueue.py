"""``scrapy enqueue``: queue one distributed run, a work unit per listing (docs/distributed.md).

::

    scrapy enqueue                       # every board crawlall would run
    scrapy enqueue --only lever,ashby    # --only / --skip as for crawlall
    scrapy enqueue --list                # the units it would queue, and exit
    scrapy enqueue --only jobposting -a config=sites.toml   # -a as for scrapy crawl

Boards are chosen exactly as ``scrapy crawlall`` chooses them; each is cut into units
(``crawler/distributed/units.py``); ``-a NAME=VALUE`` goes to every spider of the run (a
board that needs arguments, e.g. ``jobposting -a config=...``, then runs even if a plain
crawlall would skip it). While an earlier run is still open (its writer has not
finished every crawl of it) nothing is queued and the exit status is 3, as for a locked
crawlall: cron may run ``enqueue`` often. Exit 2 for usage errors or no ``REDIS_URL``.
"""

from __future__ import annotations

import argparse
import sys

import redis
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.conf import arglist_to_dict

from crawler.commands.crawlall import EXIT_LOCKED, EXIT_USAGE, select_boards, split_names
from crawler.commands.crawlall import Command as CrawlAll
from crawler.distributed import stream
from crawler.distributed.queue import WorkQueue
from crawler.distributed.redisconn import NoRedisUrl, RedisGone, connect, patient
from crawler.distributed.units import units_for
from crawler.sources.boards import SpiderConfigError


class Command(CrawlAll):
    def syntax(self) -> str:
        return "[--only a,b] [--skip c] [--list] [-a NAME=VALUE ...]"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
            help="spider argument for every unit",
        )  # fmt: skip

    def plan(self, opts: argparse.Namespace) -> tuple[list[str], list[str]]:
        if not opts.spargs:
            return super().plan(opts)
        loader = get_spider_loader(self.settings)
        return select_boards(
            self.settings.getlist("ENABLED_SPIDERS"),
            loader.list(),
            split_names(opts.only),
            split_names(opts.skip),
        )

    def short_desc(self) -> str:
        return "Queue a distributed run: one work unit per listing (exit 3 while one is open)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        settings = self.settings
        if args:
            raise UsageError(f"unexpected arguments {args}: use --only / --skip")
        if settings.get("LOCAL_SETTINGS_ERROR"):
            raise UsageError(settings["LOCAL_SETTINGS_ERROR"], print_help=False)
        try:
            spargs = arglist_to_dict(opts.spargs)
        except ValueError:
            raise UsageError("invalid -a value, use -a NAME=VALUE", print_help=False) from None
        boards, notes = self.plan(opts)
        loader = get_spider_loader(settings)
        try:
            units = [u for name in boards for u in units_for(loader.load(name), spargs)]
        except SpiderConfigError as exc:
            raise UsageError(str(exc), print_help=False) from None
        if opts.list:
            lines = [f"{u.id}\thost={u.host}\t{u.args or ''}" for u in units]
            print("\n".join([*(lines or ["(no unit to queue)"]), *notes]))
            return
        if not units:
            raise UsageError("no unit to queue (see ENABLED_SPIDERS, --only, --skip)",
                             print_help=False)  # fmt: skip
        for note in notes:
            print(f"enqueue: {note}", file=sys.stderr)
        try:
            client = connect(settings)
            queue = WorkQueue(client, settings.get("REDIS_PREFIX"))
            wait = settings.getfloat("REDIS_WAIT_SECONDS")
            open_runs = patient(queue.open_runs, wait, "listing runs")
            if open_runs:
                print(f"enqueue: run {open_runs[0]} is still open; not queueing (exit 3)",
                      file=sys.stderr)  # fmt: skip
                self.exitcode = EXIT_LOCKED
                return
            key = stream.stream_key(settings.get("REDIS_PREFIX"))

            def group():
                try:  # from the stream's start, so no report is missed before the writer runs
                    client.xgroup_create(key, stream.GROUP, id="0", mkstream=True)
                except redis.ResponseError as exc:
                    if "BUSYGROUP" not in str(exc):
                        raise

            patient(group, wait, "creating the consumer group")
            run = patient(lambda: queue.enqueue(boards, units), wait, "queueing units")
        except NoRedisUrl as exc:
            print(f"enqueue: {exc}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        except RedisGone as exc:
            print(f"enqueue: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        print(f"{run}\t{len(units)} units of {', '.join(boards)}", flush=True)
