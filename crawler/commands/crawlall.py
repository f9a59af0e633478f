"""``scrapy crawlall``: crawl every enabled board in one run. This is the job cron runs.

::

    scrapy crawlall                      # every enabled board
    scrapy crawlall --only remoteok,lever
    scrapy crawlall --skip greenhouse
    scrapy crawlall --list               # what would run, and why not the others

Which boards: ``ENABLED_SPIDERS`` (settings), in that order. An enabled name
with no spider in this checkout is skipped with a warning; a board that cannot
run without ``-a`` arguments is skipped with its reason (its spider's
``unrunnable_reason``: a platform whose ``data/boards/<name>.txt`` lists no
company, ``jobposting`` with no enabled site, ``archive``, which needs ``-a
path``); ``--list`` shows these reasons. A board list or site config that cannot
be read is a configuration error. ``--only`` may name any spider of the project,
enabled or not. A run with the placeholder ``CONTACT_URL`` warns once.

How: one board after another in one Scrapy process, each board its own
``crawls`` row with its own stats, log counts and health verdict (running them
side by side would mix the per-crawl log counts). Ctrl-C / SIGTERM stops the
current board gracefully and skips the rest.

A lock (``LOCK_FILE``, default ``JOBS_DB`` + ``.lock``; see ``crawler/commands/lock.py``)
keeps two runs from crawling into one database at once: the second prints one
line and exits with status 3. A lock left by a run that died is taken over.

Logs go to the console and to ``LOG_DIR/crawlall.log`` (rotated). The run ends
with a summary table on stdout (also written to the log file): board, items
(postings stored), new, updated, closed, rejected, errors (logged), health.

Exit status:

* 0: every board crawled and healthy;
* 1: some board unhealthy (its failing checks are named), failed to run, or was
  not run because the run was stopped;
* 2: usage or configuration error (unknown board, broken board list or local
  settings file, unusable database); nothing was crawled;
* 3: another crawl holds the lock; nothing was done.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from crawler.commands.crawl import log_config_error
from crawler.commands.lock import CrawlLock, LockHeld, pid_alive
from crawler.commands.logs import add_rotating_file_log, remove_file_log
from crawler.settings import PLACEHOLDER_CONTACT_URL
from crawler.sources.boards import SpiderConfigError
from crawler.store.schema import open_db

logger = logging.getLogger(__name__)
# The summary goes to stdout as a table and, through this logger, to the log file only.
summary_logger = logging.getLogger("crawlall.summary")
summary_logger.propagate = False

EXIT_OK = 0
EXIT_UNHEALTHY = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3

# The lifecycle work may name its count either way; shown as 0 until one exists.
CLOSED_COLUMNS = ("items_closed", "closed")


def split_names(values: Iterable[str] | None) -> list[str]:
    """``["a,b", "c"]`` (repeated or comma-separated options) -> ``["a", "b", "c"]``."""
    names: list[str] = []
    for value in values or []:
        for name in value.split(","):
            if name.strip() and name.strip() not in names:
                names.append(name.strip())
    return names


def select_boards(
    enabled: Sequence[str], available: Iterable[str], only: Sequence[str], skip: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The boards to crawl, in order, and notes on enabled boards left out.

    Raises ``UsageError`` for a name in ``only``/``skip`` that is no spider.
    """
    available = set(available)
    unknown = [n for n in [*only, *skip] if n not in available]
    if unknown:
        raise UsageError(
            f"no such board: {', '.join(unknown)} (boards: {', '.join(sorted(available))})",
            print_help=False,
        )
    notes = []
    if only:
        chosen = list(only)
    else:
        chosen = []
        for name in enabled:
            if name in available:
                chosen.append(name)
            else:
                notes.append(f"{name}: enabled but no such spider in this checkout: skipped")
    return [n for n in chosen if n not in skip], notes


@dataclass
class BoardRun:
    """One board's outcome in a crawlall run."""

    board: str
    crawler: Any = None
    error: str | None = None
    row: dict[str, Any] = field(default_factory=dict)

    @property
    def problems(self) -> dict[str, str]:
        if self.error:
            return {"failed": self.error}
        if not self.row:
            return {"failed": "no crawls row (the crawl never opened its store)"}
        if self.row.get("healthy") is None:
            return {"failed": "crawl not judged (see the log)"}
        try:
            problems = json.loads(self.row.get("health_problems") or "{}")
        except ValueError:
            problems = {}
        if not self.row["healthy"] and not problems:
            problems = {"unhealthy": "see crawls.health_problems"}
        return problems

    @property
    def healthy(self) -> bool:
        return not self.problems

    def count(self, *columns: str) -> int:
        for column in columns:
            if self.row.get(column) is not None:
                return int(self.row[column])
        return 0


SUMMARY_COLUMNS = ("board", "items", "new", "updated", "closed", "rejected", "errors", "health")


def summary_lines(runs: Sequence[BoardRun], notes: Sequence[str] = ()) -> list[str]:
    """The summary table and, under it, one line per failing check and per note."""
    rows = []
    for run in runs:
        if run.healthy:
            health = "healthy"
        elif "failed" in run.problems:
            health = "FAILED"
        else:
            health = "UNHEALTHY: " + ", ".join(run.problems)
        rows.append(
            [
                run.board,
                *(
                    str(run.count(*c))
                    for c in (
                        ("items_scraped",),
                        ("items_new",),
                        ("items_updated",),
                        CLOSED_COLUMNS,
                        ("items_rejected",),
                        ("errors",),
                    )
                ),
                health,
            ]
        )
    widths = [max(len(cells[i]) for cells in [SUMMARY_COLUMNS, *rows]) for i in range(8)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        numbers = [c.rjust(w) for c, w in zip(cells[1:-1], widths[1:-1], strict=True)]
        return "  ".join([first, *numbers, cells[-1]]).rstrip()

    lines = [line(SUMMARY_COLUMNS), *(line(r) for r in rows)]
    for run in runs:
        for check, why in run.problems.items():
            lines.append(f"{run.board}: {check}: {why}")
    lines += list(notes)
    return lines


def read_crawl_row(db_path: str | Path, crawl_id: int | None) -> dict[str, Any]:
    if crawl_id is None:
        return {}
    conn = sqlite3.connect(db_path, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM crawls WHERE id = ?", (crawl_id,)).fetchone()
    finally:
        conn.close()
    return dict(row) if row else {}


def lock_path(settings) -> Path:
    return Path(settings.get("LOCK_FILE") or f"{settings.get('JOBS_DB')}.lock")


class Command(ScrapyCommand):
    requires_project = True
    # The process is created only once the lock is held: a locked run prints one
    # line and nothing else.
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--only a,b] [--skip c] [--list]"

    def short_desc(self) -> str:
        return "Crawl every enabled board (the cron job); exit 0 healthy, 1 not, 2 usage, 3 locked"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--only", action="append", metavar="A,B", help="crawl only these boards"
        )
        parser.add_argument("--skip", action="append", metavar="C", help="do not crawl these")
        parser.add_argument(
            "--list", action="store_true", help="print the boards that would run, and exit"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        settings = self.settings
        assert settings is not None
        if args:
            raise UsageError(f"unexpected arguments {args}: use --only / --skip")
        if settings.get("LOCAL_SETTINGS_ERROR"):
            raise UsageError(settings["LOCAL_SETTINGS_ERROR"], print_help=False)
        if not settings.getbool("TWISTED_REACTOR_ENABLED"):
            raise UsageError("crawlall needs TWISTED_REACTOR_ENABLED", print_help=False)
        boards, notes = self.plan(opts)
        if opts.list:
            print("\n".join([*(boards or ["(no board to crawl)"]), *notes, *self.others(opts)]))
            return
        if not boards:
            raise UsageError(
                "no board to crawl (see ENABLED_SPIDERS, --only, --skip)", print_help=False
            )

        lock = CrawlLock(lock_path(settings))
        try:
            lock.acquire()
        except LockHeld as held:
            print(f"crawlall: locked: {held}; not crawling (exit 3)", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            return
        except OSError as exc:  # the lock lives next to the database: its place is unusable
            print(
                f"crawlall: cannot use the database location {settings.get('JOBS_DB')}: {exc}",
                file=sys.stderr,
            )
            self.exitcode = EXIT_USAGE
            return
        try:
            self.exitcode = self.crawl_boards(boards, notes, lock)
        finally:
            lock.release()

    def plan(self, opts: argparse.Namespace) -> tuple[list[str], list[str]]:
        settings = self.settings
        loader = get_spider_loader(settings)
        boards, notes = select_boards(
            settings.getlist("ENABLED_SPIDERS"),
            loader.list(),
            split_names(opts.only),
            split_names(opts.skip),
        )
        chosen = []
        for name in boards:
            try:
                reason = unrunnable_reason(loader.load(name))
            except SpiderConfigError as exc:
                raise UsageError(str(exc), print_help=False) from None
            if reason:
                notes.append(f"{name}: {reason}: skipped")
                continue
            chosen.append(name)
        return chosen, notes

    def others(self, opts: argparse.Namespace) -> list[str]:
        """For ``--list``: each spider this run leaves out by choice, and what it would need."""
        if split_names(opts.only):
            return []
        loader = get_spider_loader(self.settings)
        enabled, skipped = self.settings.getlist("ENABLED_SPIDERS"), split_names(opts.skip)
        lines = []
        for name in sorted(loader.list()):
            if name in enabled and name not in skipped:
                continue
            why = "--skip" if name in skipped else "not in ENABLED_SPIDERS"
            try:
                reason = unrunnable_reason(loader.load(name))
            except SpiderConfigError as exc:
                reason = f"its configuration cannot be read: {exc}"
            lines.append(f"{name}: {why}" + (f"; {reason}" if reason else ""))
        return lines

    def crawl_boards(self, boards: list[str], notes: list[str], lock: CrawlLock) -> int:
        settings = self.settings
        db_path = settings.get("JOBS_DB")
        try:
            db = open_db(db_path)  # create/upgrade the schema once, before any crawl
            try:
                # A damaged file can open and then lose every batch: refuse it up front.
                check = db.execute("PRAGMA quick_check(1)").fetchone()[0]
            finally:
                db.close()
            if check != "ok":
                raise sqlite3.DatabaseError(f"the file is damaged (quick_check: {check})")
        except (sqlite3.Error, OSError) as exc:
            print(f"crawlall: cannot open the database {db_path}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        process = AsyncCrawlerProcess(settings)
        handler = add_rotating_file_log(settings)
        summary_logger.addHandler(handler)
        try:
            if lock.stale_holder:
                pid = lock.stale_holder.get("pid", "?")
                state = "still running" if pid.isdigit() and pid_alive(int(pid)) else "gone"
                logger.warning(
                    "took over a stale lock %s left by PID %s (%s) from %s",
                    lock.path, pid, state, lock.stale_holder.get("started_at", "?"),
                )  # fmt: skip
            if settings.get("CONTACT_URL") == PLACEHOLDER_CONTACT_URL:
                logger.warning(
                    "CONTACT_URL is still the placeholder %s: boards cannot reach whoever runs "
                    "this crawler. Set CONTACT_URL (jobcrawl.local.toml, JOBCRAWL_CONTACT_URL "
                    "or -s CONTACT_URL=...) to your own page or mail",
                    PLACEHOLDER_CONTACT_URL,
                )
            for note in notes:
                logger.warning("%s", note)
            logger.info("crawlall: %s into %s", ", ".join(boards), db_path)
            runs = self.run_sequentially(process, boards)
            for run in runs:
                if run.crawler is not None and not run.error:
                    crawl_id = _stat(run.crawler, "jobcrawl/crawl_id")
                    run.row = read_crawl_row(db_path, crawl_id)
            lines = summary_lines(runs, notes)
            print("\n".join(lines), flush=True)
            for text in lines:
                summary_logger.info("%s", text)
            unhealthy = [r.board for r in runs if not r.healthy]
            if unhealthy:
                logger.error("crawlall: unhealthy or failed: %s", ", ".join(unhealthy))
                return EXIT_UNHEALTHY
            logger.info("crawlall: all %d boards healthy", len(runs))
            return EXIT_OK
        finally:
            summary_logger.removeHandler(handler)
            remove_file_log(handler)

    def run_sequentially(self, process: AsyncCrawlerProcess, boards: list[str]) -> list[BoardRun]:
        """Crawl ``boards`` one after another in ``process``; stop early on shutdown."""
        import asyncio

        from twisted.internet import reactor

        runs: dict[str, BoardRun] = {}

        async def drive() -> None:
            try:
                for name in boards:
                    run = runs[name] = BoardRun(name)
                    try:
                        run.crawler = process.create_crawler(name)
                        await process.crawl(run.crawler)
                    except Exception as exc:  # a board that cannot start must not stop the others
                        run.error = f"{type(exc).__name__}: {exc}"
                        if not log_config_error(name, exc):
                            logger.error("%s: crawl failed: %s", name, run.error, exc_info=True)
                    if _stat(run.crawler, "finish_reason") == "shutdown":
                        break  # Ctrl-C / SIGTERM: the remaining boards are not started
            finally:
                with contextlib.suppress(RuntimeError):  # already stopping
                    reactor.stop()

        task = asyncio.get_event_loop().create_task(drive())
        process.start(stop_after_crawl=False)
        if not task.done():
            task.cancel()
        for name in boards:
            if name not in runs:
                runs[name] = BoardRun(name, error="not run: crawlall was stopped")
        return [runs[name] for name in boards]


def unrunnable_reason(spidercls) -> str | None:
    """Why ``spidercls`` cannot run without ``-a`` arguments (its ``unrunnable_reason``), or None.

    Raises ``SpiderConfigError`` when its configuration cannot be read.
    """
    reason = getattr(spidercls, "unrunnable_reason", None)
    return reason() if reason else None


def _stat(crawler, key: str) -> Any:
    if crawler is None:
        return None
    try:
        return crawler.stats.get_value(key)
    except (AttributeError, RuntimeError):  # the crawler never got as far as its stats
        return None
