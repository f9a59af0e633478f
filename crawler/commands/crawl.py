"""``scrapy crawl NAME``: Scrapy's own command, with a configuration error said in one line.

A spider that cannot start because of its configuration (a bad board-list line, a
broken ``jobposting.toml`` entry, ``archive`` without ``-a path``) raises
``SpiderConfigError``. Scrapy would then print the asyncio task's 30-line traceback
("Task exception was never retrieved") after our message; here the message is the
only output::

    CRITICAL: lever: cannot start: data/boards/lever.txt:9: unknown option 'regoin' ...

and the exit status is 1, as before. Any other exception while starting is a bug and
keeps its traceback. Everything else (options, ``-a``, ``-s``, ``-O``) is Scrapy's.
"""

from __future__ import annotations

import asyncio
import logging

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.sources.boards import SpiderConfigError

logger = logging.getLogger("jobcrawl")


def log_config_error(spider: str, exc: BaseException) -> bool:
    """Log a ``SpiderConfigError`` as one line (True); anything else is left alone (False)."""
    if not isinstance(exc, SpiderConfigError):
        return False
    logger.critical("%s: cannot start: %s", spider, exc)
    return True


def say_config_errors(task, spider: str) -> None:
    """Have a crawl task's ``SpiderConfigError`` logged as one line, not a traceback."""

    def done(task: asyncio.Task) -> None:
        if task.cancelled():
            return
        exc = task.exception()  # marks it retrieved: asyncio logs no traceback for it ...
        if exc is not None and not log_config_error(spider, exc):
            # ... so a real bug is logged here, traceback and all.
            logger.error("%s: crawl failed", spider, exc_info=exc)

    if isinstance(task, asyncio.Future):
        task.add_done_callback(done)


class Command(ScrapyCrawlCommand):
    def run(self, args, opts) -> None:
        if not args:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process
        task = self.crawler_process.crawl(self._create_crawler(args[0]), **opts.spargs)
        say_config_errors(task, args[0])
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
