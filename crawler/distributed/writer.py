"""The one writer: applies what workers report to SQLite with the one-process crawl's own store.

For every run (``scrapy enqueue``) and spider, the writer keeps one ``crawls`` row and one
``crawler.store.store.Store`` on it, so upserts, history, reopening, duplicate groups, closing
and health are the same code as ``scrapy crawl``'s.

* **A unit is applied whole, once.** The writer holds a unit's entries (per lease attempt)
  until that attempt's ``end`` arrives, checks it has every entry the worker says it sent,
  then stores them: ``Store.mark_listed`` (sitemap refreshes), then ``Store.write_batch``
  (items and rejects), each one transaction that also records the unit in
  ``distributed_units`` (stage ``listed``, then ``done``, with the unit's stats and gone
  pages). Only after the commit are the unit's stream entries acknowledged and deleted.
  Entries of another attempt of an applied unit (a worker that lost its lease but went on)
  are acknowledged without being stored. A writer killed at any point and restarted reads
  its pending entries first; a unit already recorded is not stored again: nothing is lost,
  nothing is counted twice.
* **Closing is decided here, once every unit of a spider has reported** (``done``, or
  ``failed`` when its leases ran out): the units' stats are merged
  (``crawler/distributed/stats.py``), a failed unit is a failed listing and makes the crawl
  ``units_failed`` (not healthy: it closes nothing), and ``Store.finish`` then
  ``crawler.store.health.record_health`` run as at the end of a one-process crawl.
* **A run Redis no longer knows** (Redis restarted without its data) cannot be completed:
  its crawls are finished as ``run_lost``, which closes nothing, and the writer says so.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import redis
from scrapy.spiderloader import get_spider_loader

from crawler.distributed import stream
from crawler.distributed.queue import WorkQueue
from crawler.distributed.redisconn import TRANSIENT, patient
from crawler.distributed.stats import merge_stats
from crawler.distributed.units import Unit
from crawler.store.dedupe import DedupeRules
from crawler.store.health import HealthRules, record_health
from crawler.store.lifecycle import LISTINGS_STAT, LifecycleRules
from crawler.store.rows import now_iso
from crawler.store.runs import BoardRun, read_crawl_row, summary_lines
from crawler.store.schema import open_db
from crawler.store.store import Store

logger = logging.getLogger(__name__)


@dataclass
class Attempt:
    """The entries of one lease attempt of one unit, as read so far."""

    ids: list[str] = field(default_factory=list)
    seqs: set[int] = field(default_factory=set)
    items: list = field(default_factory=list)
    rejects: list = field(default_factory=list)
    listed: list = field(default_factory=list)
    gone: list = field(default_factory=list)
    end: dict | None = None
    failed: str | None = None


@dataclass
class RunResult:
    run: str
    runs: list[BoardRun]
    lost: bool = False

    @property
    def healthy(self) -> bool:
        return not self.lost and all(r.healthy for r in self.runs)


class Writer:
    def __init__(self, settings, client: redis.Redis):
        self.settings = settings
        self.r = client
        self.prefix = settings.get("REDIS_PREFIX")
        self.queue = WorkQueue(client, self.prefix)
        self.key = stream.stream_key(self.prefix)
        self.wait = settings.getfloat("REDIS_WAIT_SECONDS")
        self.max_attempts = settings.getint("UNIT_MAX_ATTEMPTS")
        self.db_path = settings.get("JOBS_DB")
        self.db = open_db(self.db_path)
        self.conn = self.db.conn
        self.loader = get_spider_loader(settings)
        self.attempts: dict[tuple[str, str, int], Attempt] = {}
        self.buffered: set[str] = set()  # ids of entries held in ``attempts``
        self.stored: dict[tuple[str, str], bool] = {}  # (run, unit) -> stored or given up
        self.reread = False  # a read failed midway: entries may be pending unseen
        self.stores: dict[tuple[str, str], Store] = {}
        self.units: dict[str, dict[str, Unit]] = {}
        self.finished: list[RunResult] = []
        self.stopping = False  # set by SIGTERM: stop after the batch in hand
        self.applied_units = 0
        self.applied_items = 0

    # -- Redis, patiently ----------------------------------------------------------------
    def _redis(self, call, what: str):
        def noting():
            try:
                return call()
            except TRANSIENT:
                self.reread = True
                raise

        return patient(noting, self.wait, what)

    def ensure_group(self) -> None:
        def create():
            try:
                self.r.xgroup_create(self.key, stream.GROUP, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

        self._redis(create, "creating the stream's consumer group")

    def read(self, pending: bool, count: int = 1000, block_ms: int | None = None) -> list:
        """Entries pending for us (``pending``: read before, never acknowledged) or new ones.

        A read that failed (Redis away) may have delivered entries we never got: they sit in
        our pending list, so the next read re-reads that list first. A stream or group that
        vanished (Redis restarted empty) is created again; ``check_runs`` then finds the
        runs lost."""
        if block_ms is None:  # well inside the socket timeout, or every wait looks like an outage
            block_ms = int(min(1.0, self.settings.getfloat("REDIS_SOCKET_TIMEOUT") / 2) * 1000)
        try:
            if self.reread:
                self.reread = False
                pending = True
            return self._read(pending, count, block_ms)
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            logger.error("the report stream or its group is gone (Redis restarted empty?)")
            self.ensure_group()
            return []

    def _read(self, pending: bool, count: int, block_ms: int) -> list:
        found: list = []
        if pending:
            last = "0"
            while True:
                answer = self._redis(
                    lambda last=last: self.r.xreadgroup(
                        stream.GROUP, stream.CONSUMER, {self.key: last}, count=count
                    ),
                    "reading pending entries",
                )
                entries = answer[0][1] if answer else []
                entries = [(i, f) for i, f in entries if f]  # deleted entries come back empty
                if not entries:
                    return found
                found.extend(entries)
                last = entries[-1][0]
        answer = self._redis(
            lambda: self.r.xreadgroup(
                stream.GROUP, stream.CONSUMER, {self.key: ">"}, count=count, block=block_ms
            ),
            "reading the stream",
        )
        return answer[0][1] if answer else []

    def ack(self, ids: list[str]) -> None:
        self.buffered.difference_update(ids)
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]

            def both(chunk=chunk):
                pipe = self.r.pipeline(transaction=True)
                pipe.xack(self.key, stream.GROUP, *chunk)
                pipe.xdel(self.key, *chunk)
                pipe.execute()

            self._redis(both, "acknowledging stored entries")

    # -- the loop ------------------------------------------------------------------------
    def serve(self, *, until_done: bool = False, idle_exit: float | None = None) -> None:
        """Store reported units until stopped (``until_done``: until no run is open)."""
        self.ensure_group()
        self.handle(self.read(pending=True))
        last_reap = 0.0
        while not self.stopping:
            entries = self.read(pending=False)
            self.handle(entries)
            now = time.monotonic()
            if now - last_reap >= 1.0:
                last_reap = now
                # Units whose worker died go back to the queue, or fail, even with no worker
                # left to notice: a run always ends.
                self._redis(lambda: self.queue.reap(self.max_attempts), "reaping leases")
                self.check_runs()
                if until_done and not self._redis(self.queue.open_runs, "listing runs"):
                    return

    def handle(self, entries: list) -> None:
        stale: list[str] = []
        for entry_id, fields in entries:
            if entry_id in self.buffered:
                continue  # read again (pending entries re-read after a Redis outage)
            run, unit_id = fields["run"], fields["unit"]
            if self.applied(run, unit_id):
                stale.append(entry_id)  # another attempt of a stored unit: nothing to store
                continue
            attempt, kind = int(fields["attempt"]), fields["kind"]
            found = self.attempts.setdefault((run, unit_id, attempt), Attempt())
            found.ids.append(entry_id)
            self.buffered.add(entry_id)
            seq = int(fields.get("seq") or 0)
            if seq:
                if seq in found.seqs:
                    continue  # a batch the worker sent twice (its first try timed out)
                found.seqs.add(seq)
            if kind == "item":
                found.items.append(stream.decode(kind, fields["data"]))
            elif kind == "reject":
                found.rejects.append(stream.decode(kind, fields["data"]))
            elif kind == "listed":
                found.listed.append(stream.decode(kind, fields["data"]))
            elif kind == "gone":
                found.gone.append(stream.decode(kind, fields["data"]))
            elif kind == "end":
                found.end = json.loads(fields["data"])
                self.apply(run, unit_id, attempt)
            elif kind == "failed":
                found.failed = json.loads(fields["data"]).get("why", "never reported")
                self.apply(run, unit_id, attempt)
            else:
                logger.error("unknown stream entry kind %r (%s): skipped", kind, entry_id)
        if stale:
            self.ack(stale)

    def applied(self, run: str, unit_id: str) -> bool:
        """Whether the unit is stored (or given up); remembered, as only we change it."""
        key = (run, unit_id)
        if key not in self.stored:
            self.stored[key] = self.unit_stage(run, unit_id) in ("done", "failed")
        return self.stored[key]

    # -- applying a unit -----------------------------------------------------------------
    def unit_stage(self, run: str, unit_id: str) -> str | None:
        row = self.conn.execute(
            "SELECT stage FROM distributed_units WHERE run_id = ? AND unit_id = ?", (run, unit_id)
        ).fetchone()
        return row[0] if row else None

    def run_units(self, run: str) -> dict[str, Unit] | None:
        if run not in self.units:
            info = self._redis(lambda: self.queue.run_info(run), "reading a run")
            if info is None:
                return None
            self.units[run] = self._redis(lambda: self.queue.run_units(run), "reading units")
        return self.units[run]

    def _unit_ids(self, run: str, unit_id: str) -> list[str]:
        """Every buffered entry of the unit, all attempts; forgets them."""
        ids = []
        for key in [k for k in self.attempts if k[0] == run and k[1] == unit_id]:
            ids += self.attempts.pop(key).ids
        return ids

    def apply(self, run: str, unit_id: str, attempt: int) -> None:
        found = self.attempts[(run, unit_id, attempt)]
        stage = self.unit_stage(run, unit_id)
        if stage in ("done", "failed"):
            self.stored[(run, unit_id)] = True
            # Already stored (a writer restarted after its commit, or a second attempt).
            self.ack(self._unit_ids(run, unit_id))
            return
        units = self.run_units(run)
        if units is None or unit_id not in units:
            logger.error("%s: unit %s of an unknown run: its entries are dropped", run, unit_id)
            self.ack(self._unit_ids(run, unit_id))
            return
        unit = units[unit_id]
        if found.end is not None:
            sent = found.end.get("sent", {})
            have = {"item": len(found.items), "reject": len(found.rejects),
                    "listed": len(found.listed), "gone": len(found.gone)}  # fmt: skip
            if any(int(sent.get(k, 0)) != v for k, v in have.items()):
                logger.error(
                    "%s: unit %s attempt %d reported %s but %s arrived: not stored; queued again",
                    run, unit_id, attempt, sent, have,
                )  # fmt: skip
                self.ack(self.attempts.pop((run, unit_id, attempt)).ids)
                self._redis(lambda: self.queue.requeue(run, unit_id), "queueing a unit again")
                return
        store = self.store_for(run, unit.spider)

        def record(new_stage: str, stats: Any = None, gone: Any = None):
            def write(conn):
                conn.execute(
                    "INSERT INTO distributed_units (run_id, unit_id, spider, crawl_id, attempt,"
                    " stage, stats, gone, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (run_id, unit_id) DO UPDATE SET attempt = excluded.attempt,"
                    " stage = excluded.stage, stats = excluded.stats, gone = excluded.gone,"
                    " applied_at = excluded.applied_at",
                    (run, unit_id, unit.spider, store.crawl_id, attempt, new_stage,
                     json.dumps(stats, default=str), json.dumps(gone), now_iso()),
                )  # fmt: skip

            return write

        if found.failed is not None:
            logger.error("%s: unit %s failed: %s", run, unit_id, found.failed)
            store.write_batch([], [], also=record("failed", {"why": found.failed}, []))
            final = "failed"
        else:
            assert found.end is not None
            if found.listed and stage != "listed":
                store.mark_listed(found.listed, also=record("listed"))
            store.write_batch(
                found.items, found.rejects, also=record("done", found.end["stats"], found.gone)
            )
            final = "done"
            self.applied_units += 1
            self.applied_items += len(found.items)
        logger.info(
            "%s: stored unit %s (attempt %d): %d items, %d rejects, %d listed, %d gone",
            run, unit_id, attempt, len(found.items), len(found.rejects), len(found.listed),
            len(found.gone),
        )  # fmt: skip
        self.stored[(run, unit_id)] = True
        self.ack(self._unit_ids(run, unit_id))
        self._redis(lambda: self.queue.mark_unit(run, unit_id, final), "marking a unit")
        self.finish_spider_if_complete(run, unit.spider)

    def spider_instance(self, spider: str):
        return self.loader.load(spider)()

    def store_for(self, run: str, spider: str) -> Store:
        if (run, spider) in self.stores:
            return self.stores[(run, spider)]
        row = self.conn.execute(
            "SELECT crawl_id FROM distributed_crawls WHERE run_id = ? AND spider = ?", (run, spider)
        ).fetchone()
        if row is None:
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                cur = self.conn.execute(
                    "INSERT INTO crawls (spider, started_at) VALUES (?, ?)", (spider, now_iso())
                )
                crawl_id = cur.lastrowid
                self.conn.execute(
                    "INSERT INTO distributed_crawls (run_id, spider, crawl_id) VALUES (?, ?, ?)",
                    (run, spider, crawl_id),
                )
            logger.info("%s: crawl %s of %s writes to %s", run, crawl_id, spider, self.db_path)
        else:
            crawl_id = row[0]
        instance = self.spider_instance(spider)
        store = Store(
            self.db_path,
            spider,
            complete_listing=bool(getattr(instance, "complete_listing", False)),
            lifecycle_evidence=bool(getattr(instance, "lifecycle_evidence", True)),
            lifecycle_rules=LifecycleRules.from_settings(self.settings),
            dedupe_rules=DedupeRules.from_settings(self.settings),
            health_rules=HealthRules.from_settings(self.settings),
            crawl_id=crawl_id,
        )
        self.stores[(run, spider)] = store
        return store

    # -- ending crawls and runs ----------------------------------------------------------
    def finish_spider_if_complete(self, run: str, spider: str) -> None:
        units = [u for u in (self.run_units(run) or {}).values() if u.spider == spider]
        rows = {
            unit_id: (stage, stats, gone)
            for unit_id, stage, stats, gone in self.conn.execute(
                "SELECT unit_id, stage, stats, gone FROM distributed_units"
                " WHERE run_id = ? AND spider = ?",
                (run, spider),
            )
        }
        if any(rows.get(u.id, ("",))[0] not in ("done", "failed") for u in units):
            return
        done = [json.loads(rows[u.id][1]) for u in units if rows[u.id][0] == "done"]
        failed = [(u, json.loads(rows[u.id][1]).get("why")) for u in units
                  if rows[u.id][0] == "failed"]  # fmt: skip
        stats = merge_stats(done)
        reason = stats["finish_reason"]
        if failed:
            listings = stats.setdefault(LISTINGS_STAT, {})
            for unit, why in failed:
                facts = listings.setdefault(
                    unit.listing_key, {"responses": 0, "failures": 0, "rejects": 0, "why": []}
                )
                facts["failures"] += 1
                facts["why"] = [f"unit {unit.id} never reported: {why}", *facts["why"]][:5]
            stats["jobcrawl/distributed/units_failed"] = len(failed)
            reason = "units_failed"
        stats["finish_reason"] = reason
        gone = [tuple(g) for u in units if rows[u.id][0] == "done"
                for g in json.loads(rows[u.id][2] or "[]")]  # fmt: skip
        self.end_crawl(run, spider, reason, stats, gone)
        self.check_run(run)

    def end_crawl(self, run: str, spider: str, reason: str, stats: dict, gone: list) -> None:
        store = self.store_for(run, spider)
        row = read_crawl_row(self.db_path, store.crawl_id)
        if row.get("finished_at") is None:
            store.gone = list(gone)
            outcome = store.finish(reason, stats)
            logger.info(
                "%s: crawl %s of %s done (%s): %d closed %s", run, store.crawl_id, spider,
                reason, outcome.closed_total, outcome.closed or "",
            )  # fmt: skip
            if outcome.problems:
                logger.warning(
                    "%s: crawl %s closes nothing: %s", run, store.crawl_id,
                    "; ".join(f"{k}: {v}" for k, v in outcome.problems.items()),
                )  # fmt: skip
        if row.get("healthy") is None:
            _row, problems = record_health(
                self.conn, store.crawl_id, HealthRules.from_settings(self.settings)
            )
            for check, why in problems.items():
                logger.warning("%s: crawl %s unhealthy: %s: %s", spider, store.crawl_id, check,
                               why)  # fmt: skip
        store.close()
        del self.stores[(run, spider)]

    def crawls_of(self, run: str) -> dict[str, int]:
        return dict(
            self.conn.execute(
                "SELECT spider, crawl_id FROM distributed_crawls WHERE run_id = ?", (run,)
            ).fetchall()
        )

    def check_run(self, run: str) -> None:
        info = self._redis(lambda: self.queue.run_info(run), "reading a run")
        if info is None or info.get("state") != "open":
            return
        crawls = self.crawls_of(run)
        rows = {s: read_crawl_row(self.db_path, c) for s, c in crawls.items()}
        if any(s not in rows or rows[s].get("healthy") is None for s in info["spiders"]):
            return
        result = RunResult(run, [BoardRun(s, row=rows[s]) for s in info["spiders"]])
        self._say(result)
        self._redis(lambda: self.queue.finish_run(run, "done"), "finishing a run")
        self.units.pop(run, None)

    def check_runs(self) -> None:
        """Finish what can be finished: open runs whose crawls all ended, and runs Redis lost."""
        for run in self._redis(self.queue.open_runs, "listing runs"):
            self.check_run(run)
        unfinished = self.conn.execute(
            "SELECT DISTINCT d.run_id FROM distributed_crawls d JOIN crawls c ON c.id = d.crawl_id"
            " WHERE c.finished_at IS NULL"
        ).fetchall()
        for (run,) in unfinished:
            if self._redis(lambda run=run: self.queue.run_info(run), "reading a run") is None:
                self.lose_run(run)

    def lose_run(self, run: str) -> None:
        logger.error(
            "%s: the run is gone from Redis (restarted without its data?): its crawls end as "
            "run_lost and close nothing; enqueue a new run",
            run,
        )
        runs = []
        for spider, crawl_id in self.crawls_of(run).items():
            store = self.store_for(run, spider)
            if read_crawl_row(self.db_path, crawl_id).get("finished_at") is None:
                stats = merge_stats(
                    json.loads(s)
                    for (s,) in self.conn.execute(
                        "SELECT stats FROM distributed_units WHERE run_id = ? AND spider = ?"
                        " AND stage = 'done'",
                        (run, spider),
                    )
                )
                stats["finish_reason"] = "run_lost"
                self.end_crawl(run, spider, "run_lost", stats, [])
            else:
                store.close()
                del self.stores[(run, spider)]
            runs.append(BoardRun(spider, row=read_crawl_row(self.db_path, crawl_id)))
        # Entries of the lost run still buffered can never be completed.
        for key in [k for k in self.attempts if k[0] == run]:
            self.ack(self.attempts.pop(key).ids)
        self._say(RunResult(run, runs, lost=True))

    def _say(self, result: RunResult) -> None:
        lines = summary_lines(result.runs)
        if result.lost:
            lines.append(f"run {result.run} lost: Redis no longer knows it")
        print(f"run {result.run}:\n" + "\n".join(lines), flush=True)
        unhealthy = [r.board for r in result.runs if not r.healthy]
        if result.lost or unhealthy:
            logger.error("run %s: unhealthy, failed or lost: %s", result.run,
                         ", ".join(unhealthy) or "the run")  # fmt: skip
        else:
            logger.info("run %s: all %d boards healthy", result.run, len(result.runs))
        self.finished.append(result)

    def close(self) -> None:
        for store in self.stores.values():
            store.close()
        self.stores.clear()
        self.db.close()
