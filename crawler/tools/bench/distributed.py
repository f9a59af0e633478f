"""Distributed-mode figures (``make bench``; alone: ``python -m crawler.tools.bench.distributed``).

On a many-host JobPosting corpus (``crawler.tools.bench.sites``: one host per site), against a
replay server and a local ``redis-server`` (no persistence), every run a fresh database:

1. **polite**: ``--delay`` seconds between a host's requests, as a real broad crawl keeps;
   ``scrapy crawl jobposting`` in one process, then 1 worker + writer, then 2 workers +
   writer: items/s from the first process start to the writer's exit;
2. **unthrottled** (no delay: CPU-bound): 1 worker vs 2 workers, each with the writer;
3. **the writer's ceiling**: 2 workers report a whole run with no writer running, then one
   writer stores it all: items/s, its start-up (measured on an empty queue) taken out.

On a 2-core machine the workers, the writer, Redis and the replay server share the cores:
the unthrottled figures say how the pieces share a machine, not how N machines scale.
Figures only; written to ``--out``/``distributed-latest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from crawler.tools.bench.sites import write_sites
from crawler.tools.replay import ReplayServer

ROOT = Path(__file__).resolve().parents[3]


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m crawler.tools.bench.distributed",
                                description=__doc__.splitlines()[0])  # fmt: skip
    p.add_argument("--sites", type=int, default=40, help="sites (hosts) of the CPU-bound runs")
    p.add_argument("--pages", type=int, default=50, help="job pages per site (CPU-bound runs)")
    p.add_argument("--polite-sites", type=int, default=16)
    p.add_argument("--polite-pages", type=int, default=10)
    p.add_argument("--delay", type=float, default=0.25, help="DOWNLOAD_DELAY of the polite runs")
    p.add_argument("--polite-only", action="store_true", help="only the polite runs")
    p.add_argument("--out", type=Path, default=ROOT / "data" / "bench")
    return p.parse_args(argv)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Bench:
    def __init__(self, out: Path):
        self.out = out / "distributed"
        shutil.rmtree(self.out, ignore_errors=True)
        self.out.mkdir(parents=True)
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("distributed bench: redis-server is missing (apt-get install "
                             "redis-server)")  # fmt: skip
        self.port = free_port()
        self.redis = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(0.5)
        self.runs = 0

    def close(self) -> None:
        self.redis.kill()
        self.redis.wait()

    def settings(self, db: Path, server: ReplayServer, delay: float, prefix: str) -> list[str]:
        values = {
            "JOBS_DB": db, "MIRROR_URL": server.url, "REDIS_URL": f"redis://127.0.0.1:{self.port}/0",
            "REDIS_PREFIX": prefix, "DOWNLOAD_DELAY": delay, "DOWNLOAD_DELAY_JITTER": 0,
            "AUTOTHROTTLE_ENABLED": False, "CRAWL_DELAY_ENABLED": False, "LOG_LEVEL": "INFO",
            "WORKER_UNITS": 4,
            "LOG_DIR": self.out / "logs",
        }  # fmt: skip
        args = []
        for key, value in values.items():
            args += ["-s", f"{key}={value}"]
        return args

    def scrapy(self, args: list[str], log: str) -> subprocess.Popen:
        out = open(self.out / log, "ab")  # noqa: SIM115 - the child owns it
        command = [sys.executable, "-m", "scrapy", *args]
        return subprocess.Popen(
            command, cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT
        )

    def wait(self, procs: list[subprocess.Popen]) -> None:
        for proc in procs:
            if proc.wait(1800) != 0:
                raise SystemExit(f"distributed bench: {proc.args[3]} failed (see {self.out})")

    def fresh(self, name: str) -> tuple[Path, str]:
        self.runs += 1
        return self.out / f"{name}.db", f"bench{self.runs}"

    def single(self, server, config, delay) -> dict:
        db, prefix = self.fresh(f"single-{delay}")
        started = time.monotonic()
        settings = self.settings(db, server, delay, prefix)
        crawl = ["crawl", "jobposting", "-a", f"config={config}", *settings]
        self.wait([self.scrapy(crawl, "single.log")])
        return figure(db, time.monotonic() - started)

    def enqueue(self, config, settings) -> None:
        self.wait([self.scrapy(["enqueue", "--only", "jobposting", "-a", f"config={config}",
                                *settings], "enqueue.log")])  # fmt: skip

    def distributed(self, server, config, delay, workers: int) -> dict:
        db, prefix = self.fresh(f"dist{workers}-{delay}")
        settings = self.settings(db, server, delay, prefix)
        self.enqueue(config, settings)
        started = time.monotonic()
        procs = [self.scrapy(["worker", "--exit-when-idle", *settings], f"worker{i}.log")
                 for i in range(workers)]  # fmt: skip
        procs.append(self.scrapy(["writer", "--until-done", *settings], "writer.log"))
        self.wait(procs)
        return figure(db, time.monotonic() - started)

    def writer_ceiling(self, server, config) -> dict:
        db, prefix = self.fresh("ceiling")
        settings = self.settings(db, server, 0, prefix)
        started = time.monotonic()
        self.wait([self.scrapy(["writer", "--until-done", *settings], "writer-empty.log")])
        startup = time.monotonic() - started
        self.enqueue(config, settings)
        self.wait([self.scrapy(["worker", "--exit-when-idle", *settings], f"w{i}.log")
                   for i in range(2)])  # fmt: skip
        started = time.monotonic()
        self.wait([self.scrapy(["writer", "--until-done", *settings], "writer-ceiling.log")])
        total = time.monotonic() - started
        found = figure(db, total - startup)
        found["writer_startup_s"] = round(startup, 2)
        return found


def figure(db: Path, seconds: float) -> dict:
    conn = sqlite3.connect(db)
    try:
        items = conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    finally:
        conn.close()
    return {"items": items, "seconds": round(seconds, 2), "items_per_s": round(items / seconds, 1)}


def main(argv=None) -> None:
    args = parse_args(argv)
    bench = Bench(args.out)
    results: dict = {"cpus": os.cpu_count(), "worker_units": 4}
    try:
        polite_root, cpu_root = bench.out / "polite-corpus", bench.out / "corpus"
        polite_config = write_sites(polite_root, args.polite_sites, args.polite_pages)
        cpu_config = write_sites(cpu_root, args.sites, args.pages)
        polite, cpu = ReplayServer(polite_root).start(), ReplayServer(cpu_root).start()
        try:
            d = args.delay
            print(f"polite: {args.polite_sites} hosts x {args.polite_pages} pages, delay {d} s",
                  flush=True)  # fmt: skip
            results["polite"] = {
                "delay_s": d,
                "one_process": bench.single(polite, polite_config, d),
                "1_worker": bench.distributed(polite, polite_config, d, 1),
                "2_workers": bench.distributed(polite, polite_config, d, 2),
            }
            if args.polite_only:
                return finish(args, results, polite_only=True)
            print(f"unthrottled: {args.sites} hosts x {args.pages} pages", flush=True)
            results["unthrottled"] = {
                "one_process": bench.single(cpu, cpu_config, 0),
                "1_worker": bench.distributed(cpu, cpu_config, 0, 1),
                "2_workers": bench.distributed(cpu, cpu_config, 0, 2),
            }
            print("writer ceiling", flush=True)
            results["writer_ceiling"] = bench.writer_ceiling(cpu, cpu_config)
        finally:
            polite.stop()
            cpu.stop()
    finally:
        bench.close()
    finish(args, results)


def finish(args, results: dict, polite_only: bool = False) -> None:
    name = "distributed-polite-latest.json" if polite_only else "distributed-latest.json"
    (args.out / name).write_text(json.dumps(results, indent=2))
    print(table(results))


def table(results: dict) -> str:
    lines = ["run                      items  seconds  items/s"]
    for group in ("polite", "unthrottled"):
        if group not in results:
            continue
        for name in ("one_process", "1_worker", "2_workers"):
            f = results[group][name]
            lines.append(f"{group:<11} {name:<12} {f['items']:>5} {f['seconds']:>8} "
                         f"{f['items_per_s']:>8}")  # fmt: skip
    c = results.get("writer_ceiling")
    if c:
        lines.append(
            f"writer ceiling           {c['items']:>5} {c['seconds']:>8} {c['items_per_s']:>8}"
            f"  (start-up {c['writer_startup_s']} s taken out)"
        )
    lines.append(f"{results['cpus']} CPUs shared by workers, writer, Redis and the replay server;"
                 f" {results['worker_units']} units side by side per worker")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    main()
