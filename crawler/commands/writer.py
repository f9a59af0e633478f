"""``scrapy writer``: the one process that stores what workers report (docs/distributed.md).

::

    scrapy writer                 # serve until SIGTERM (systemd)
    scrapy writer --until-done    # until no run is open (cron after enqueue, tests)

It holds the database's crawl lock (``LOCK_FILE``, as ``crawlall`` does): a second
writer, or a ``crawlall``, on the same database is refused with exit status 3. Every
finished run prints crawlall's summary table. Exit status with ``--until-done``: 0 when
every crawl of the runs it finished is healthy, 1 otherwise (or when Redis stayed
unreachable past ``REDIS_WAIT_SECONDS``, or a run was lost); 2 usage; 3 locked.
SIGTERM stops it between batches: what was read but not stored stays pending in Redis
for the next writer.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from scrapy.commands import ScrapyCommand
from scrapy.utils.log import configure_logging

from crawler.commands.crawlall import EXIT_LOCKED, EXIT_USAGE, lock_path
from crawler.commands.lock import CrawlLock, LockHeld
from crawler.distributed.redisconn import NoRedisUrl, RedisGone, connect
from crawler.distributed.writer import Writer

logger = logging.getLogger("jobcrawl.writer")


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--until-done]"

    def short_desc(self) -> str:
        return "Store what distributed workers report (exactly one per database)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--until-done", action="store_true",
                            help="exit once no run is open")  # fmt: skip

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        settings = self.settings
        configure_logging(settings)
        try:
            client = connect(settings)
        except NoRedisUrl as exc:
            print(f"writer: {exc}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        lock = CrawlLock(lock_path(settings))
        try:
            lock.acquire()
        except LockHeld as held:
            print(f"writer: locked: {held}; not writing (exit 3)", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            return
        writer = Writer(settings, client)

        def stop(signum, frame):
            logger.info("writer: signal %d: stopping after this batch", signum)
            writer.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            writer.serve(until_done=opts.until_done)
            healthy = all(result.healthy for result in writer.finished)
            self.exitcode = 0 if healthy else 1
        except RedisGone as exc:
            logger.error("writer: %s; stopping: nothing unstored was acknowledged (exit 1)", exc)
            self.exitcode = 1
        finally:
            writer.close()
            lock.release()
        logger.info("writer: %d units stored, %d items", writer.applied_units,
                    writer.applied_items)  # fmt: skip
