"""``make demo``: crawl recorded board responses offline into ``data/demo.db`` and summarise.

Starts the replay server (crawler/replay.py) on 127.0.0.1 over the recorded responses in
``tests/fixtures/mirror``, runs every board that has recordings through the full pipeline
with ``MIRROR_URL`` pointing at it, prints rows per board with this run's new/updated/
unchanged counts, and stops the server. No network is used.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
from pathlib import Path

from crawler.replay import ReplayServer

ROOT = Path(__file__).resolve().parent.parent
MIRROR = ROOT / "tests" / "fixtures" / "mirror"
# Boards with recorded responses, in crawl order; ones not (yet) installed are skipped.
DEMO_SPIDERS = ["remoteok", "lever", "greenhouse", "ashby", "remotewlb"]
LOCAL = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "LOG_LEVEL": "WARNING"}


def available_spiders() -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.split()


def summary(db: Path, first_crawl: int) -> str:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            """SELECT c.spider, (SELECT COUNT(*) FROM jobs j WHERE j.source = c.spider),
                      SUM(c.items_new), SUM(c.items_updated), SUM(c.items_unchanged),
                      SUM(c.items_rejected)
               FROM crawls c WHERE c.id >= ? GROUP BY c.spider ORDER BY c.spider""",
            (first_crawl,),
        ).fetchall()
    finally:
        conn.close()
    head = ("board", "rows", "new", "updated", "unchanged", "rejected")
    lines = [head, *[tuple("" if v is None else v for v in row) for row in rows]]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    return "\n".join(
        "  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w) for i, (v, w) in
                  enumerate(zip(line, widths, strict=True)))
        for line in lines
    )  # fmt: skip


def last_crawl_id(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COALESCE(MAX(id), 0) FROM crawls").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Offline demo on replayed boards.")
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "demo.db")
    args = parser.parse_args(argv)
    installed = set(available_spiders())
    spiders = [name for name in DEMO_SPIDERS if name in installed]
    before = last_crawl_id(args.db)
    server = ReplayServer(MIRROR).start()
    print(f"replay server on {server.url} (recorded responses from {MIRROR.relative_to(ROOT)})")
    failed = []
    try:
        for name in spiders:
            print(f"crawling {name} ...", flush=True)
            cmd = [sys.executable, "-m", "scrapy", "crawl", name, "-s", f"JOBS_DB={args.db}"]
            cmd += ["-s", f"MIRROR_URL={server.url}"]
            for key, value in LOCAL.items():
                cmd += ["-s", f"{key}={value}"]
            if subprocess.run(cmd, cwd=ROOT).returncode != 0:
                failed.append(name)
    finally:
        server.stop()
        print("replay server stopped")
    print(f"\n{args.db}:\n{summary(args.db, before + 1)}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
