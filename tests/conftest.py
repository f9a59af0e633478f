"""Shared fixtures: a replay server on 127.0.0.1 and real crawls through ``MIRROR_URL``.

Crawls run the real Scrapy engine inside the test process, on one reactor for the
session (``tests/engine.py``); a crawl that changes the environment (``env=``) runs
as a real ``scrapy crawl`` subprocess, as do the tests whose subject is the process
itself (kill -9, SIGTERM, ``crawlall``: they call ``run_scrapy``). Politeness delays
are turned off: the only server is our own replay server.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.tools.replay import ReplayServer
from tests import engine

# Before any test module can import twisted.internet.reactor (and so install another one).
engine.start_reactor()

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
MIRROR = ROOT / "data" / "mirror"

# TESTS_CRAWL_SUBPROCESS=1 runs every crawl as a subprocess, as the suite once did (to compare).
ALWAYS_SUBPROCESS = os.environ.get("TESTS_CRAWL_SUBPROCESS") == "1"

# Our own replay server answers instantly: no need to wait between requests.
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CRAWL_DELAY_ENABLED": "0",  # the recorded robots.txt files ask for 1 s
    "RETRY_BACKOFF_BASE": "0",  # retry at once (a Retry-After header is still honoured)
    "RETRY_PRIORITY_ADJUST": "0",
    "LOG_LEVEL": "INFO",
}


@dataclass
class CrawlResult:
    returncode: int
    output: str
    db: Path

    def rows(self, sql: str, *params) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def scalar(self, sql: str, *params):
        return self.rows(sql, *params)[0][0]


def run_scrapy(args: list[str], *, cwd: Path = ROOT, env: dict | None = None, timeout=300):
    """Run ``python -m scrapy ARGS`` in the project; return the CompletedProcess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def pytest_addoption(parser):
    parser.addoption(
        "--heavy",
        action="store_true",
        help="run the heavy fault-injection variants (50 kills, 10x property examples)",
    )


@pytest.fixture(scope="session")
def heavy(request) -> bool:
    """True under ``pytest --heavy``: fault tests then use their heavy sizes."""
    return request.config.getoption("--heavy")


@pytest.fixture(scope="session")
def replay():
    """A replay server over ``data/mirror`` for the whole session."""
    server = ReplayServer(MIRROR).start()
    yield server
    server.stop()


@pytest.fixture
def make_replay():
    """Start a replay server over any folder (e.g. one a test built in ``tmp_path``)."""
    servers = []

    def start(root: Path) -> ReplayServer:
        server = ReplayServer(root).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def crawl(tmp_path, replay):
    """``crawl("remoteok", server=..., db=..., args=[...], settings={...})`` runs a real crawl.

    ``spider`` is a spider name (or, in-process only, a spider class). ``env=`` (or
    ``subprocess=True``) runs ``python -m scrapy crawl`` in a subprocess instead.
    """

    def run(spider: str | type, *, server: ReplayServer | None = None, db: Path | None = None,
            args: list[str] | None = None, settings: dict | None = None,
            env: dict | None = None, subprocess: bool = False) -> CrawlResult:  # fmt: skip
        server = server or replay
        db = db or tmp_path / "jobs.db"
        merged = {**FAST, "JOBS_DB": str(db), "MIRROR_URL": server.url, **(settings or {})}
        if env is None and not subprocess and not ALWAYS_SUBPROCESS:
            done = engine.crawl_in_process(spider, list(args or []), merged)
            if done is not None:
                return CrawlResult(done[0], done[1], db)
        cmd = ["crawl", spider, *(args or [])]
        for key, value in merged.items():
            cmd += ["-s", f"{key}={value}"]
        proc = run_scrapy(cmd, env=env)
        return CrawlResult(proc.returncode, proc.stdout + proc.stderr, db)

    return run


@pytest.fixture
def crawlall(tmp_path, replay):
    """``crawlall(*args, server=, db=, settings=, env=)`` runs ``scrapy crawlall`` fast, offline."""

    def run(*args: str, server=None, db: Path | None = None, settings: dict | None = None,
            env: dict | None = None) -> CrawlResult:  # fmt: skip
        db = db or tmp_path / "jobs.db"
        merged = {
            **FAST,
            "JOBS_DB": str(db),
            "MIRROR_URL": (server or replay).url,
            "LOG_DIR": str(tmp_path / "logs"),
            **(settings or {}),
        }
        cmd = ["crawlall", *args]
        for key, value in merged.items():
            cmd += ["-s", f"{key}={value}"]
        proc = run_scrapy(cmd, env=env)
        return CrawlResult(proc.returncode, proc.stdout + proc.stderr, db)

    return run


def load_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))
