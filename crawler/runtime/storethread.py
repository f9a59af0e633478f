"""The store pipeline's database calls, off the reactor thread, one at a time, and retried.

Every call runs in a worker thread, one at a time, so that SQLite's busy wait (another
connection holding the write lock: an analyst's transaction, a ``VACUUM``, a backup) never
freezes downloads, timers or signal handling. A write that fails with a database error (the
lock held past ``STORE_BUSY_TIMEOUT_MS``, a full disk, an I/O error) is rolled back and retried
``STORE_WRITE_RETRIES`` times, ``STORE_RETRY_DELAY`` seconds apart (doubling); if it still
fails, ``StoreWriteFailed`` says so. Any other error is a bug: it is logged with its traceback
and not retried.
"""

from __future__ import annotations

import logging
import sqlite3

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, task, threads

from crawler.store.store import Store

logger = logging.getLogger(__name__)


class StoreWriteFailed(Exception):
    """A store write that still failed after its retries (its records are not stored)."""


class StoreThread:
    def __init__(self, stats, retries: int, retry_delay: float):
        self.stats = stats
        self.retries = max(retries, 0)
        self.retry_delay = retry_delay
        self.lock = defer.DeferredLock()
        self.store: Store | None = None

    @classmethod
    def from_settings(cls, settings, stats) -> StoreThread:
        return cls(
            stats,
            settings.getint("STORE_WRITE_RETRIES", 3),
            settings.getfloat("STORE_RETRY_DELAY", 1.0),
        )

    async def open(self, *args, **kwargs) -> Store:
        self.store = await self.call(Store, *args, **kwargs)
        return self.store

    async def call(self, fn, *args, **kwargs):
        """``fn(*args)`` in a worker thread, one database call at a time."""
        await maybe_deferred_to_future(self.lock.acquire())
        try:
            return await maybe_deferred_to_future(threads.deferToThread(fn, *args, **kwargs))
        finally:
            self.lock.release()

    async def write(self, what: str, fn, *args):
        """Run a store write, retried on a database error; raise ``StoreWriteFailed`` at last."""
        store, delay = self.store, self.retry_delay
        for attempt in range(self.retries + 1):
            try:
                return await self.call(fn, *args)
            except Exception as exc:
                if not isinstance(exc, sqlite3.Error):
                    # Not the database's doing: retrying would fail the same way.
                    logger.exception("crawl %s: writing %s failed", store.crawl_id, what)
                    await self.call(store.rollback)
                    raise StoreWriteFailed(f"{what}: {type(exc).__name__}: {exc}") from exc
                await self.call(store.rollback)
                if attempt == self.retries:
                    raise StoreWriteFailed(f"{what}: {type(exc).__name__}: {exc}") from exc
                self.stats.inc_value("jobcrawl/store_retries")
                logger.warning(
                    "crawl %s: writing %s failed (%s: %s); retry %d of %d in %gs",
                    store.crawl_id, what, type(exc).__name__, exc, attempt + 1,
                    self.retries, delay,
                )  # fmt: skip
                from twisted.internet import reactor  # the running one (not installed at import)

                await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))
                delay *= 2
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self.store is not None:
            await self.call(self.store.close)
            self.store = None
