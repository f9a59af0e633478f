"""Crawls inside the test process: one Twisted reactor for the whole session.

A ``scrapy crawl`` subprocess per test crawl spent about 1.5 s starting Python and
importing Scrapy, Twisted, lxml, dateparser and the project before the first request,
for crawls that then take a fraction of that against the replay server. Here the
asyncio reactor Scrapy uses is installed once, runs in a background thread, and each
crawl is the same spider, settings and pipelines run by Scrapy's own
``AsyncCrawlerRunner``, exactly as ``scrapy crawl`` would (``crawler/commands/crawl.py``
decides the exit status and says configuration errors the same way).

What differs from a subprocess, and why it does not matter to the tests that use it:

* the crawl's log is captured by a handler on the root logger, with Scrapy's format and
  the crawl's ``LOG_LEVEL``, for the crawl's duration only;
* settings come from ``crawler.settings`` as imported once: tests that change the
  environment or the local settings file pass ``env=`` and get a real subprocess;
* no signal handlers: tests of SIGTERM, kill -9 and ``crawlall`` run real processes
  (``run_scrapy``), because the process is what they test.
"""

from __future__ import annotations

import asyncio
import io
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

_state: dict[str, Any] = {}


def start_reactor() -> None:
    """Install Scrapy's asyncio reactor and run it in a daemon thread (once per process).

    Must run before anything imports ``twisted.internet.reactor`` (conftest does it
    at import time).
    """
    if "reactor" in _state:
        return
    from twisted.internet import asyncioreactor

    loop = asyncio.new_event_loop()
    asyncioreactor.install(eventloop=loop)
    from twisted.internet import reactor

    def run() -> None:
        asyncio.set_event_loop(loop)
        reactor.run(installSignalHandlers=False)

    threading.Thread(target=run, name="test-reactor", daemon=True).start()
    _state["reactor"] = reactor


@dataclass
class Command:
    """What a ``scrapy crawl`` command line asks for, parsed the way Scrapy parses it."""

    spargs: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    output: list[str] = field(default_factory=list)
    overwrite_output: list[str] = field(default_factory=list)


def parse_args(args: list[str]) -> Command | None:
    """``-a k=v``, ``-s K=V``, ``-o/-O FILE``, ``-L LEVEL``; None for anything else."""
    command, rest = Command(), list(args)
    while rest:
        flag = rest.pop(0)
        if flag not in ("-a", "-s", "-o", "-O", "-L") or not rest:
            return None
        value = rest.pop(0)
        if flag in ("-a", "-s"):
            if "=" not in value:
                return None
            key, _, val = value.partition("=")
            (command.spargs if flag == "-a" else command.settings)[key] = val
        elif flag == "-o":
            command.output.append(value)
        elif flag == "-O":
            command.overwrite_output.append(value)
        else:
            command.settings["LOG_LEVEL"] = value
    return command


def _settings(command: Command, overrides: dict[str, Any]):
    from scrapy.settings import Settings
    from scrapy.utils.conf import feed_process_params_from_cli

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict({**overrides, **command.settings}, priority="cmdline")
    if command.output or command.overwrite_output:
        feeds = feed_process_params_from_cli(
            settings, command.output, overwrite_output=command.overwrite_output
        )
        settings.set("FEEDS", feeds, priority="cmdline")
    return settings


class _CaptureLog:
    """The crawl's log lines, formatted as ``scrapy crawl`` prints them."""

    def __init__(self, settings):
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(
            logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT"))
        )
        self.level = logging.getLevelName(str(settings.get("LOG_LEVEL") or "DEBUG").upper())
        self.handler.setLevel(self.level)

    def __enter__(self) -> _CaptureLog:
        root = logging.getLogger()
        self.saved_level = root.level
        root.addHandler(self.handler)
        root.setLevel(self.level)
        return self

    def __exit__(self, *exc) -> None:
        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self.saved_level)

    @property
    def text(self) -> str:
        return self.stream.getvalue()


def run_crawl(
    spider: str | type, command: Command, overrides: dict[str, Any], timeout: float = 300
) -> tuple[int, str]:
    """Run one crawl on the session reactor; return (exit status as ``scrapy crawl``, log)."""
    from scrapy.crawler import AsyncCrawlerRunner

    from crawler.commands.crawl import say_config_errors

    start_reactor()
    reactor = _state["reactor"]
    settings = _settings(command, overrides)
    finished = threading.Event()
    outcome: dict[str, Any] = {}

    def start() -> None:
        try:
            runner = AsyncCrawlerRunner(settings)
            crawler = runner.create_crawler(spider)
            task = runner.crawl(crawler, **command.spargs)
        except Exception as exc:  # e.g. an unknown spider name: scrapy crawl exits 1
            logging.getLogger("scrapy").error("cannot start %s: %r", spider, exc, exc_info=exc)
            outcome["status"] = 1
            finished.set()
            return
        name = spider if isinstance(spider, str) else spider.name
        say_config_errors(task, name)
        outcome["crawler"] = crawler

        def done(_task) -> None:
            outcome["status"] = 1 if runner.bootstrap_failed else 0
            finished.set()

        task.add_done_callback(done)

    with _CaptureLog(settings) as log:
        reactor.callFromThread(start)
        if not finished.wait(timeout):
            crawler = outcome.get("crawler")
            if crawler is not None:
                reactor.callFromThread(crawler.stop)
                finished.wait(30)
            raise TimeoutError(f"crawl of {spider} still running after {timeout} s")
    return outcome["status"], log.text


def crawl_in_process(
    spider: str | type, args: list[str], overrides: dict[str, Any]
) -> tuple[int, str] | None:
    """Run the crawl here when its command line is one we parse; None means use a subprocess."""
    command = parse_args(args)
    if command is None:
        return None
    return run_crawl(spider, command, overrides)
