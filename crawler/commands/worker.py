"""``scrapy worker``: take work units from Redis and crawl them with the unchanged spiders.

::

    scrapy worker                    # serve until SIGTERM (systemd), WORKER_UNITS units at once
    scrapy worker --exit-when-idle   # until nothing is queued or leased (cron, tests)

A unit is leased (``crawler/distributed/queue.py``) and crawled as ``scrapy crawl SPIDER
-a ...`` would crawl it, with every pipeline step but the store: the last step reports to
the writer instead (``crawler/distributed/pipeline.py``). The lease is renewed every third
of ``UNIT_LEASE_SECONDS`` while the unit runs and released once its end is reported.
Up to ``WORKER_UNITS`` units run side by side in one process (never two of one host: the
queue's host affinity), each its own Scrapy crawl with its own stats; log lines are counted
per unit (``crawler/distributed/logcount.py``). SIGTERM/Ctrl-C stops the current units
within seconds; they go back to the queue (their partial reports are never stored) and the
worker exits 0.

Exit status: 0; 1 when Redis stayed unreachable past ``REDIS_WAIT_SECONDS`` (the unit in
hand is left to its lease's expiry, so another worker redoes it); 2 usage (no
``REDIS_URL``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import socket
import sys

from scrapy.commands import ScrapyCommand
from scrapy.crawler import AsyncCrawlerProcess
from twisted.internet import task

from crawler.commands.crawl import log_config_error
from crawler.distributed.queue import WorkQueue
from crawler.distributed.redisconn import NoRedisUrl, RedisGone, connect, patient

logger = logging.getLogger("jobcrawl.worker")

STORE = "pipelines.store.StorePipeline"
REPORT = "crawler.distributed.pipeline.ReportPipeline"
UNIT_LOG_COUNT = "crawler.distributed.logcount.UnitLogCount"


def worker_pipelines(settings) -> dict:
    """``ITEM_PIPELINES`` with the report step where the store step was."""
    pipelines = dict(settings.getdict("ITEM_PIPELINES"))
    order = pipelines.pop(STORE, 900)
    pipelines[REPORT] = order if order is not None else 900
    return pipelines


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--exit-when-idle] [--name NAME]"

    def short_desc(self) -> str:
        return "Crawl work units from the Redis queue (distributed mode)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--exit-when-idle", action="store_true",
                            help="exit once nothing is queued or leased")  # fmt: skip
        parser.add_argument("--name", help="this worker's name in leases (default host:pid)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        settings = self.settings
        try:
            client = connect(settings)
        except NoRedisUrl as exc:
            print(f"worker: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        name = opts.name or f"{socket.gethostname()}:{os.getpid()}"
        queue = WorkQueue(client, settings.get("REDIS_PREFIX"))
        wait = settings.getfloat("REDIS_WAIT_SECONDS")
        ttl = settings.getfloat("UNIT_LEASE_SECONDS")
        attempts = settings.getint("UNIT_MAX_ATTEMPTS")
        poll = settings.getfloat("WORKER_POLL_SECONDS")
        base = settings.copy()
        base.set("ITEM_PIPELINES", worker_pipelines(settings), priority="cmdline")
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions.update({"scrapy.extensions.logcount.LogCount": None, UNIT_LOG_COUNT: 0})
        base.set("EXTENSIONS", extensions, priority="cmdline")
        process = AsyncCrawlerProcess(base)
        outcome = {"status": 0, "units": 0}

        units = max(settings.getint("WORKER_UNITS"), 1)
        stopping = {"now": False}

        async def serve(slot: int) -> None:
            """One unit after another, until idle (``--exit-when-idle``) or stopped."""
            while not stopping["now"]:
                lease = patient(lambda: queue.lease(name, ttl, attempts), wait, "leasing")
                if lease is None:
                    if opts.exit_when_idle and patient(queue.idle, wait, "polling"):
                        return
                    await asyncio.sleep(poll)
                    continue
                logger.info(
                    "%s: unit %s (run %s, attempt %d, host %s)",
                    name, lease.unit.id, lease.run, lease.attempt, lease.unit.host,
                )  # fmt: skip

                def renew(lease=lease) -> None:
                    try:
                        if not queue.renew(lease, ttl):
                            logger.warning("%s: lease of %s was lost (expired)", name,
                                           lease.unit.id)  # fmt: skip
                    except Exception as exc:  # Redis away: try again at the next tick
                        logger.warning("%s: cannot renew lease of %s: %s", name,
                                       lease.unit.id, exc)  # fmt: skip

                heartbeat = task.LoopingCall(renew)
                heartbeat.start(max(ttl / 3, 0.5), now=False)
                unit_settings = base.copy()
                unit_settings.set("DISTRIBUTED_LEASE", {"run": lease.run, "unit": lease.unit.id,
                                  "attempt": lease.attempt}, priority="cmdline")  # fmt: skip
                process.settings = unit_settings
                crawler = None
                try:
                    crawler = process.create_crawler(lease.unit.spider)
                    await process.crawl(crawler, **lease.unit.args)
                except Exception as exc:
                    if not log_config_error(lease.unit.spider, exc):
                        logger.error("%s: unit %s failed: %s", name, lease.unit.id, exc,
                                     exc_info=True)  # fmt: skip
                finally:
                    heartbeat.stop()
                stats = crawler.stats if crawler is not None else None
                reason = stats.get_value("finish_reason") if stats else None
                broken = stats.get_value("jobcrawl/distributed/broken") if stats else None
                if broken:
                    outcome["status"] = 1
                    stopping["now"] = True
                    return  # the lease expires; another worker redoes the unit
                if reason == "shutdown":
                    stopping["now"] = True
                    patient(lambda x=lease: queue.release(x, requeue=True), wait, "requeue")
                    logger.info("%s: stopped; unit %s queued again", name, lease.unit.id)
                    return
                rest = stats.get_value("jobcrawl/distributed/host_delay") if stats else None
                if rest is None:
                    rest = settings.getfloat("DOWNLOAD_DELAY")
                patient(lambda x=lease, r=rest: queue.release(x, cooldown=r), wait, "release")
                outcome["units"] += 1

        async def drive() -> None:
            from twisted.internet import reactor

            try:
                await asyncio.gather(*(serve(slot) for slot in range(units)))
            except RedisGone as exc:
                logger.error("%s: %s; stopping (exit 1)", name, exc)
                outcome["status"] = 1
            finally:
                with contextlib.suppress(RuntimeError):
                    reactor.stop()

        work = asyncio.get_event_loop().create_task(drive())
        process.start(stop_after_crawl=False)
        if not work.done():
            work.cancel()
        logger.info("%s: %d units crawled", name, outcome["units"])
        self.exitcode = outcome["status"]
