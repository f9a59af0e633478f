"""Distributed-mode test kit: a real redis-server on loopback, enqueue/worker/writer processes.

``redis_server`` starts Debian's ``redis-server`` on a free 127.0.0.1 port with no
persistence (``--save '' --appendonly no``) for one test. Without the binary the test
FAILS, saying how to install it: the distributed mode is not allowed to go untested.
Workers and the writer are real ``scrapy`` subprocesses (kill -9 is the point).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.conftest import FAST, ROOT, run_scrapy

INSTALL_HINT = (
    "redis-server is not installed: the distributed-mode tests need Debian's redis-server "
    "(apt-get install redis-server; .ci/run installs it)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, workdir: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail(INSTALL_HINT, pytrace=False)
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = self.client()
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, decode_responses=True, socket_timeout=5)

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): clients time out as on a dead network."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(10)

    def restart_empty(self) -> None:
        """Kill and start again on the same port: with no persistence, everything is gone."""
        self.stop()
        self.start()


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def settings_args(settings: dict) -> list[str]:
    args = []
    for key, value in settings.items():
        args += ["-s", f"{key}={value}"]
    return args


def dist_settings(db: Path, mirror_url: str, redis_url: str, **extra) -> dict:
    return {
        **FAST,
        "JOBS_DB": str(db),
        "MIRROR_URL": mirror_url,
        "REDIS_URL": redis_url,
        "LOG_DIR": str(Path(db).parent / "logs"),
        "UNIT_LEASE_SECONDS": "10",
        "REDIS_WAIT_SECONDS": "30",
        **{k: str(v) for k, v in extra.items()},
    }


def scrapy(args: list[str], settings: dict, timeout=300) -> subprocess.CompletedProcess:
    return run_scrapy([*args, *settings_args(settings)], timeout=timeout)


def start(args: list[str], settings: dict, log: Path) -> subprocess.Popen:
    """A ``scrapy`` subprocess in the background, its output in ``log``."""
    out = open(log, "ab")  # noqa: SIM115 - closed with the process by finish()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapy", *args, *settings_args(settings)],
        cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
    proc.log_file = out  # type: ignore[attr-defined]
    proc.log_path = log  # type: ignore[attr-defined]
    return proc


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str]:
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    finally:
        proc.log_file.close()  # type: ignore[attr-defined]
    return code, Path(proc.log_path).read_text(errors="replace")  # type: ignore[attr-defined]


def kill9(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait(30)
    proc.log_file.close()  # type: ignore[attr-defined]


def wait_for(predicate, timeout: float = 60, step: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# -- comparing databases ----------------------------------------------------------------------

# Columns that say when or in which crawl (ids differ between two databases), not what.
VOLATILE = {"id", "first_seen_at", "last_seen_at", "scraped_at", "closed_at", "last_crawl_id",
            "crawl_id", "created_at", "started_at", "finished_at", "duplicate_group_id",
            "group_id", "canonical_id", "job_id", "stats", "requests", "applied_at"}  # fmt: skip


def _rows(conn, sql: str) -> list[tuple]:
    cur = conn.execute(sql)
    names = [c[0] for c in cur.description]
    return sorted(
        tuple((n, v) for n, v in zip(names, row, strict=True) if n not in VOLATILE)
        for row in cur.fetchall()
    )


def _groups(conn, key_of: dict) -> list:
    """Duplicate groups as sorted member keys, each member with its reason and canonical flag."""
    groups: dict[int, list] = {}
    for group, job, reason, canonical in conn.execute(
        "SELECT group_id, job_id, reason, canonical FROM duplicate_groups"
    ):
        groups.setdefault(group, []).append((key_of[job], reason, canonical))
    return sorted(sorted(members) for members in groups.values())


def snapshot(db: Path) -> dict[str, list]:
    """Everything a crawl stored, minus row ids and clock times, in a comparable order."""
    conn = sqlite3.connect(db)
    try:
        spider_of = dict(conn.execute("SELECT id, spider FROM crawls"))
        crawl_n = {
            cid: n
            for n, (cid,) in enumerate(conn.execute("SELECT id FROM crawls ORDER BY spider, id"))
        }
        key_of = {
            i: (s, sid) for i, s, sid in conn.execute("SELECT id, source, source_id FROM jobs")
        }
        snap = {
            "jobs": _rows(conn, "SELECT * FROM jobs"),
            "jobs_by_crawl": sorted(
                (s, sid, spider_of.get(c))
                for s, sid, c in conn.execute("SELECT source, source_id, last_crawl_id FROM jobs")
            ),  # fmt: skip
            "crawls": _rows(
                conn,
                "SELECT spider, finish_reason, items_scraped, items_new, items_updated,"
                " items_unchanged, items_rejected, items_reopened, items_closed,"
                " versions_written, errors, healthy, health_problems, closing_problems,"
                " fill_rates, pages_skipped FROM crawls",
            ),
            "crawl_listings": sorted(
                (spider_of[r[0]], crawl_n[r[0]], *r[1:])
                for r in conn.execute(
                    "SELECT crawl_id, source, listing, responses, failures, rejects, seen,"
                    " missed, closed, healthy, problems FROM crawl_listings"
                )
            ),
            "rejects": _rows(conn, "SELECT source, url, reason, raw FROM rejects"),
            "job_versions": sorted(
                (key_of[j], *rest)
                for j, *rest in conn.execute(
                    "SELECT job_id, changed_fields, changes, previous_hash FROM job_versions"
                )
            ),
            "fts": sorted(
                conn.execute(
                    "SELECT j.source, j.source_id, f.* FROM jobs_fts f JOIN jobs j"
                    " ON j.id = f.rowid"
                ).fetchall()
            ),
            "duplicates": _groups(conn, key_of),
        }
    finally:
        conn.close()
    return snap
