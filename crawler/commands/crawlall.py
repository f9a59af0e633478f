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

How: boards run side by side, each in its own process
(``crawler/commands/crawlall_board.py``), at most ``--jobs N`` at once (setting
``CRAWLALL_JOBS``, default 8: a board spends its crawl waiting out its host's delay, so
processes, not cores, are what is counted; 8 runs every board enabled today at once and
bounds memory at 8 crawl processes). Boards whose hosts overlap (their
``allowed_domains``, one a subdomain of the other) never run at the same time, so
per-host politeness is exactly that of one crawl: each process keeps its own robots.txt,
Crawl-delay and AutoThrottle state for its own hosts. A board whose hosts cannot be told
runs alone. Pending boards start in ``ENABLED_SPIDERS`` order; ``--jobs 1`` crawls one
after another. Separate processes were measured faster than one reactor (both cores
work; ``docs/performance.md``). Each board is its own ``crawls`` row with its own stats,
log counts and health verdict; their log lines, interleaved, name the board. Writers
take turns on the database (WAL, short ``BEGIN IMMEDIATE`` transactions with a busy
wait and retries: ``pipelines/store.py``); readers are never blocked.

Ctrl-C / SIGTERM: running boards stop gracefully (their batches in flight are written,
each crawl is closed with reason ``shutdown``), no other board is started, and the run
ends with its summary (exit 1). A second signal stops the running boards at once. A
``kill -9`` of ``crawlall`` kills its boards too (Linux): at most the batches in flight
are lost, and the unfinished crawls close nothing.

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
import base64
import contextlib
import json
import logging
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.conf import closest_scrapy_cfg
from scrapy.utils.log import configure_logging

from crawler.commands.lock import CrawlLock, LockHeld, pid_alive
from crawler.commands.logs import add_rotating_file_log, remove_file_log
from crawler.settings import PLACEHOLDER_CONTACT_URL
from crawler.sources.boards import SpiderConfigError
from crawler.store.runs import BoardRun, read_crawl_row, summary_lines
from crawler.store.schema import open_db

logger = logging.getLogger(__name__)
# The summary goes to stdout as a table and, through this logger, to the log file only.
summary_logger = logging.getLogger("crawlall.summary")
summary_logger.propagate = False

EXIT_OK = 0
EXIT_UNHEALTHY = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3


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


def lock_path(settings) -> Path:
    return Path(settings.get("LOCK_FILE") or f"{settings.get('JOBS_DB')}.lock")


class Command(ScrapyCommand):
    requires_project = True
    # The process is created only once the lock is held: a locked run prints one
    # line and nothing else.
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--only a,b] [--skip c] [--jobs N] [--list]"

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
        parser.add_argument(
            "--jobs",
            type=int,
            metavar="N",
            help="boards crawled at once, each in its own process (default: CRAWLALL_JOBS, 8;"
            " 1: one after another); boards sharing a host never run together",
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
        jobs = opts.jobs if opts.jobs is not None else settings.getint("CRAWLALL_JOBS", 8)
        if jobs < 1:
            raise UsageError(f"--jobs must be at least 1, not {jobs}", print_help=False)
        self.jobs = jobs

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
        self.domains: dict[str, frozenset[str] | None] = {}
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
        for name in chosen:
            try:
                self.domains[name] = board_domains(loader.load(name))
            except SpiderConfigError as exc:
                raise UsageError(str(exc), print_help=False) from None
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
        # The console, as a crawl process would set it up (LOG_LEVEL, LOG_FILE...); the boards'
        # processes send their records here.
        configure_logging(settings)
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
            logger.info("crawlall: %s into %s, %d at a time", ", ".join(boards), db_path, self.jobs)
            runs = BoardProcesses(settings, boards, self.domains, self.jobs, handler.level).run()
            for run in runs:
                if not run.error:
                    run.row = read_crawl_row(db_path, run.result.get("crawl_id"))
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


def board_domains(spidercls) -> frozenset[str] | None:
    """The domains a board's crawl requests, or None when they cannot be told before it runs.

    A spider whose hosts come from its configuration says so with a ``crawl_domains()``
    classmethod (``jobposting``); otherwise its ``allowed_domains``. Raises
    ``SpiderConfigError`` when that configuration cannot be read.
    """
    hook = getattr(spidercls, "crawl_domains", None)
    domains = hook() if hook else getattr(spidercls, "allowed_domains", None)
    if not domains or isinstance(domains, str):
        return None
    return frozenset(d.lower().removeprefix("www.") for d in domains)


def domains_overlap(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
    """Whether two boards may request the same host (unknown domains overlap everything)."""
    if a is None or b is None:
        return True
    return any(x == y or x.endswith(f".{y}") or y.endswith(f".{x}") for x in a for y in b)


class BoardProcesses:
    """Run each board in its own process (``crawlall_board``), ``jobs`` at a time.

    The next board to start is the first pending one, in the given order, whose domains
    overlap no running board's. Child log records are handled by this process's loggers
    (console and ``crawlall.log``). Signals: the first SIGINT/SIGTERM asks every running
    board to stop gracefully and starts no other; the second stops them at once.
    """

    POLL = 0.2

    def __init__(self, settings, boards: Sequence[str], domains: dict, jobs: int,
                 file_level: int) -> None:  # fmt: skip
        self.settings = settings
        self.boards = list(boards)
        self.domains = domains
        self.jobs = jobs
        console = logging.getLevelName(str(settings.get("LOG_LEVEL") or "DEBUG").upper())
        levels = [level for level in (console, file_level) if isinstance(level, int)]
        # The lowest level anything here writes: the children send nothing below it.
        self.log_level = min(levels) if levels else logging.DEBUG
        self.changed = threading.Event()
        self.signals: list[int] = []
        self.stopping = 0  # signals acted upon

    def run(self) -> list[BoardRun]:
        runs = {name: BoardRun(name) for name in self.boards}
        pending, running = list(self.boards), []
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            while running or (pending and not self.stopping):
                self._act_on_signals(running)
                while pending and not self.stopping and len(running) < self.jobs:
                    name = next(
                        (n for n in pending if not any(
                            domains_overlap(self.domains.get(n), self.domains.get(r.board))
                            for r in running
                        )),
                        None,
                    )  # fmt: skip
                    if name is None:
                        break
                    pending.remove(name)
                    try:
                        self._start(runs[name])
                    except OSError as exc:  # no process (out of memory, PIDs, descriptors)
                        runs[name].error = f"its crawl process could not start: {exc}"
                        logger.error("crawlall: %s: %s", name, runs[name].error)
                        continue
                    running.append(runs[name])
                self.changed.wait(self.POLL)
                self.changed.clear()
                for run in [r for r in running if r.proc.poll() is not None]:
                    running.remove(run)
                    self._finished(run)
        finally:
            for run in running:  # only on an exception here: do not leave boards behind
                self._tell(run, "kill")
                with contextlib.suppress(subprocess.TimeoutExpired):
                    run.proc.wait(timeout=30)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        for name in pending:
            runs[name].error = "not run: crawlall was stopped"
        return [runs[name] for name in self.boards]

    def _on_signal(self, signum: int, _frame) -> None:
        # Logging and writing to pipes wait for the main loop (a handler may interrupt them).
        self.signals.append(signum)
        self.changed.set()

    def _act_on_signals(self, running: list[BoardRun]) -> None:
        while self.signals:
            signame = signal.Signals(self.signals.pop(0)).name
            self.stopping += 1
            if self.stopping == 1:
                logger.warning(
                    "crawlall: received %s: the running boards (%s) stop gracefully, no other"
                    " board starts. Send again to force",
                    signame, ", ".join(r.board for r in running) or "none",
                )  # fmt: skip
                command = "stop"
            else:
                logger.warning("crawlall: received %s again: stopping the boards now", signame)
                command = "kill"
            for run in running:
                self._tell(run, command)

    def _tell(self, run: BoardRun, command: str) -> None:
        with contextlib.suppress(OSError, ValueError):  # it has exited already
            run.proc.stdin.write(f"{command}\n".encode())
            run.proc.stdin.flush()

    def _start(self, run: BoardRun) -> None:
        spec = {
            "board": run.board,
            "settings": self.settings,
            "log_level": self.log_level,
            "parent": os.getpid(),
        }
        env = dict(os.environ)
        cfg = closest_scrapy_cfg()
        if cfg:  # the project's modules (spiders, pipelines) import as they do here
            project = str(Path(cfg).parent)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [project, env.get("PYTHONPATH")]))
        logger.info("crawlall: %s starts", run.board)
        run.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.commands.crawlall_board"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        run.proc.stdin.write(base64.b64encode(pickle.dumps(spec)) + b"\n")
        run.proc.stdin.flush()
        run.readers = [
            threading.Thread(target=self._read_channel, args=(run,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(run,), daemon=True),
        ]
        for reader in run.readers:
            reader.start()

    def _read_channel(self, run: BoardRun) -> None:
        for raw in run.proc.stdout:
            try:
                message = json.loads(raw)
            except ValueError:  # a line cut short by a killed process
                continue
            if "log" in message:
                record = logging.makeLogRecord({**message["log"], "args": None})
                logging.getLogger(record.name).handle(record)
            elif "result" in message:
                run.result = message["result"]
        self.changed.set()

    def _read_stderr(self, run: BoardRun) -> None:
        for raw in run.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                logger.warning("%s: %s", run.board, line)

    def _finished(self, run: BoardRun) -> None:
        for reader in run.readers:
            reader.join(timeout=30)
        code = run.proc.returncode
        with contextlib.suppress(OSError):
            run.proc.stdin.close()
        if run.result.get("error"):
            run.error = run.result["error"]
        elif not run.result:
            how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
            run.error = f"its crawl process died ({how})"
            logger.error("crawlall: %s: %s", run.board, run.error)
        logger.info(
            "crawlall: %s ends (%s)", run.board, run.error or run.result.get("finish_reason")
        )


def unrunnable_reason(spidercls) -> str | None:
    """Why ``spidercls`` cannot run without ``-a`` arguments (its ``unrunnable_reason``), or None.

    Raises ``SpiderConfigError`` when its configuration cannot be read.
    """
    reason = getattr(spidercls, "unrunnable_reason", None)
    return reason() if reason else None
