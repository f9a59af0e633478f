"""One board of ``scrapy crawlall``, in its own process (``crawlall`` starts it).

``crawlall`` (``crawler/commands/crawlall.py``) starts one such process per board and
talks to it over three pipes; nobody else is meant to run it:

* **stdin**: first one line, the base64 of a pickled dict: ``board`` (spider name),
  ``settings`` (the parent's resolved ``Settings``, priorities and all: the child crawls
  with exactly what ``crawlall`` was given), ``log_level`` (the lowest level the parent
  writes anywhere) and ``parent`` (its PID). Then control lines: ``stop`` (shut down
  gracefully: the batches in flight are written, the crawl is closed with reason
  ``shutdown``), ``kill`` (stop at once, as a second Ctrl-C does). End of input (the
  parent is gone) is a ``stop``.
* **stdout** (the file descriptor the process started with; the process's own
  ``sys.stdout`` is moved onto stderr so that a stray ``print`` cannot corrupt the
  channel): JSON lines, ``{"log": {...}}`` for each log record at ``log_level`` or above,
  and last ``{"result": {"crawl_id", "finish_reason", "error"}}``.
* **stderr**: anything else the interpreter writes (a crash before logging started);
  the parent logs it line by line.

The process logs nothing itself: every record goes to the parent, which writes it to its
console and ``crawlall.log`` with its own handlers and levels. Records are prefixed with the
board (``lever: Spider opened``) unless they already start with it, since boards running
side by side interleave in one log. Scrapy's per-crawler log counts (``log_count/ERROR``,
the ``crawls.errors`` column) are this process's own: one board, one count, as before.

Signals: the process keeps Scrapy's own handling (first SIGINT/SIGTERM graceful, second
forced), so a Ctrl-C at a terminal, which reaches the whole process group, stops it like
any ``scrapy crawl``; the parent's ``stop`` for the same Ctrl-C is then a no-op. On Linux
the process is killed when its parent dies (``PR_SET_PDEATHSIG``): a ``kill -9`` of
``crawlall`` kills its boards too, instead of leaving them crawling without the lock.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import logging
import os
import pickle
import signal
import sys
import threading
from typing import Any, TextIO

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when the process that started it dies."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


class Channel:
    """JSON lines to the parent, one writer at a time (log records come from any thread)."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        line = json.dumps(message, default=str, ensure_ascii=False)
        with self.lock:
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except (BrokenPipeError, ValueError):  # the parent is gone
                pass


class ChannelHandler(logging.Handler):
    """Send each record, formatted as far as its message and traceback, to the parent."""

    def __init__(self, channel: Channel, board: str, level: int):
        super().__init__(level)
        self.channel = channel
        self.board = board
        self.traceback = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if not message.startswith((f"{self.board}:", f"{self.board} ")):
                message = f"{self.board}: {message}"
            exc_text = record.exc_text
            if record.exc_info and not exc_text:
                exc_text = self.traceback.formatException(record.exc_info)
            self.channel.send(
                {
                    "log": {
                        "name": record.name,
                        "levelno": record.levelno,
                        "levelname": record.levelname,
                        "msg": message,
                        "created": record.created,
                        "msecs": record.msecs,
                        "exc_text": exc_text,
                        "stack_info": record.stack_info,
                        "process": record.process,
                    }
                }
            )
        except Exception:  # noqa: BLE001 - logging must never raise into the crawl
            self.handleError(record)


def _control(process, stream) -> None:
    """Obey the parent's ``stop`` / ``kill`` lines (end of input: ``stop``)."""
    from twisted.internet import reactor

    for line in stream:
        command = line.strip()
        if command == "stop":
            reactor.callFromThread(process._graceful_stop_reactor)
        elif command == "kill":
            logging.getLogger(__name__).info("crawlall asked for an unclean shutdown")
            reactor.callFromThread(process._stop_reactor)
            return
    with contextlib.suppress(RuntimeError):
        reactor.callFromThread(process._graceful_stop_reactor)


def run(spec: dict[str, Any], channel: Channel, control) -> dict[str, Any]:
    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.commands.crawl import log_config_error

    board = spec["board"]
    settings = spec["settings"].copy()
    # The parent writes every record (console and crawlall.log): no handler of our own.
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    settings.set("LOG_FILE", None, priority="cmdline")
    process = AsyncCrawlerProcess(settings)
    logging.root.setLevel(logging.NOTSET)  # levels are the handlers' business (as Scrapy's)
    logging.root.addHandler(ChannelHandler(channel, board, spec["log_level"]))
    logger = logging.getLogger("crawler.commands.crawlall")
    result: dict[str, Any] = {"crawl_id": None, "finish_reason": None, "error": None}
    crawler = None

    def failed(exc: BaseException) -> None:
        result["error"] = f"{type(exc).__name__}: {exc}"
        if not log_config_error(board, exc):
            logger.error("%s: crawl failed: %s", board, result["error"], exc_info=exc)

    try:
        crawler = process.create_crawler(board)
        task = process.crawl(crawler)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as this board's failure
        failed(exc)
        return result

    def done(task) -> None:
        if not task.cancelled() and task.exception() is not None:
            failed(task.exception())

    task.add_done_callback(done)
    threading.Thread(target=_control, args=(process, control), daemon=True).start()
    process.start()
    for key, stat in (("crawl_id", "jobcrawl/crawl_id"), ("finish_reason", "finish_reason")):
        with contextlib.suppress(AttributeError, RuntimeError):
            result[key] = crawler.stats.get_value(stat)
    return result


def main() -> None:
    # The channel is the stdout we were given; our own prints go to stderr from now on.
    channel = Channel(os.fdopen(os.dup(1), "w", encoding="utf-8"))
    os.dup2(2, 1)
    spec = pickle.loads(base64.b64decode(sys.stdin.buffer.readline()))
    die_with_parent(spec["parent"])
    result = run(spec, channel, sys.stdin)
    channel.send({"result": result})


if __name__ == "__main__":
    main()
