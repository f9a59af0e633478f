"""``scrapy queue``: what the distributed mode is doing (docs/distributed.md).

Prints the open runs (units stored, failed, leased, waiting), the units waiting for a
worker, the leases (worker, attempt, host, seconds left), the report stream (entries, and
those the writer read but has not stored yet: *pending*) and the last expired leases.
Reads only. Exit status 0; 1 when Redis cannot be reached; 2 without ``REDIS_URL``.
"""

from __future__ import annotations

import argparse
import sys

import redis
from scrapy.commands import ScrapyCommand

from crawler.distributed import stream
from crawler.distributed.queue import SEP, WorkQueue
from crawler.distributed.redisconn import TRANSIENT, NoRedisUrl, connect


def status_lines(queue: WorkQueue) -> list[str]:
    r, lines = queue.r, []
    waiting = queue.waiting()
    leases = queue.leases()
    runs = queue.open_runs()
    lines.append(f"open runs: {len(runs)}")
    for run in runs:
        info = queue.run_info(run) or {}
        done = r.hgetall(queue.key("run", run, "done"))
        stored = sum(1 for v in done.values() if v == "done")
        failed = sum(1 for v in done.values() if v == "failed")
        leased = sum(1 for lease in leases if lease["run"] == run)
        queued = sum(1 for m in waiting if m.startswith(run + SEP))
        lines.append(
            f"  {run}  {', '.join(info.get('spiders', []))}: {info.get('units', 0)} units, "
            f"{stored} stored, {failed} failed, {leased} leased, {queued} waiting "
            f"(since {info.get('created_at', '?')})"
        )
    lines.append(f"waiting: {len(waiting)}")
    for member in waiting[:50]:
        run, unit = member.split(SEP, 1)
        lines.append(f"  {unit}  (run {run}, host {r.hget(queue.key('unithost'), member)})")
    if len(waiting) > 50:
        lines.append(f"  ... and {len(waiting) - 50} more")
    lines.append(f"leases: {len(leases)}")
    for lease in leases:
        lines.append(
            f"  {lease['unit']}  worker {lease['worker']}, attempt {lease['attempt']}, "
            f"host {lease['host']}, held {lease['held_for']:.0f} s, "
            f"expires in {lease['expires_in']:.0f} s"
        )
    key = stream.stream_key(queue.p)
    length = r.xlen(key)
    try:
        pending = r.xpending(key, stream.GROUP)
    except redis.ResponseError:  # no group yet
        pending = {"pending": 0}
    lines.append(
        f"stream: {length} entries not yet stored, {pending['pending']} of them read by the "
        "writer and pending (stored and acknowledged entries are deleted)"
    )
    expired = queue.expired()
    if expired:
        lines.append(f"expired leases (last {min(len(expired), 10)}):")
        for entry in expired[-10:]:
            run, unit, why = (entry.split(SEP) + ["", ""])[:3]
            lines.append(f"  {unit}  (run {run}): {why}")
    return lines


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def short_desc(self) -> str:
        return "Show the distributed queue: runs, waiting units, leases, pending reports"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            client = connect(self.settings)
            queue = WorkQueue(client, self.settings.get("REDIS_PREFIX"))
            print("\n".join(status_lines(queue)))
        except NoRedisUrl as exc:
            print(f"queue: {exc}", file=sys.stderr)
            self.exitcode = 2
        except TRANSIENT as exc:
            print(f"queue: Redis unreachable at {self.settings.get('REDIS_URL')}: {exc}",
                  file=sys.stderr)  # fmt: skip
            self.exitcode = 1
