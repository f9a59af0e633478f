"""The leased work queue, with host affinity, in Redis (every step one Lua script: atomic).

Keys (all under ``REDIS_PREFIX``, default ``jobcrawl``; one Redis database, no Cluster):

``P:runs``                     sorted set of run ids by creation time
``P:run:<run>``                hash: ``created_at``, ``spiders`` (JSON), ``units``, ``state``
``P:run:<run>:units``          hash: unit id -> unit (JSON, ``crawler/distributed/units.py``)
``P:run:<run>:done``           hash: unit id -> ``done``/``failed`` (set by the writer)
``P:queue``                    list of ``<run>\\t<unit>`` waiting for a worker, oldest first
``P:leases``                   sorted set ``<run>\\t<unit>`` -> lease expiry (ms, Redis' clock)
``P:lease:<run>\\t<unit>``      hash: ``worker``, ``token``, ``attempt``, ``host``, ``since``
``P:attempts``                 hash ``<run>\\t<unit>`` -> leases handed out so far
``P:unithost``                 hash ``<run>\\t<unit>`` -> host
``P:hosts``                    hash host -> the ``<run>\\t<unit>`` holding it (host affinity)
``P:hostfree``                 hash host -> when (ms) it may be leased again (its delay)
``P:stream``                   the stream workers report into (``crawler/distributed/stream.py``)

**Leases.** ``lease`` hands a worker the oldest waiting unit whose host no other lease holds,
for ``UNIT_LEASE_SECONDS``. The worker renews it every third of that while it crawls and
releases it when the unit has reported its end. A worker that dies stops renewing: at the
next ``lease`` call by anyone the expired lease is reaped and the unit goes back to the
front of the queue, its attempt counted; after ``UNIT_MAX_ATTEMPTS`` leases the unit is
given up and a ``failed`` entry goes into the stream, so that the writer counts it as a
failed listing (never an empty one). Time is Redis' own clock (``TIME``): the machines'
clocks never meet.

**Politeness: host affinity.** A host is held by one lease at a time, so all of a host's
units run one after another on whichever worker holds it, with that worker's Scrapy
``DOWNLOAD_DELAY``/AutoThrottle/robots.txt Crawl-delay: N workers never hit one host
harder than one process does. Between two units of one host the host also rests: a
released lease keeps its host unleasable for the download delay the unit's crawl used
(its largest Scrapy slot delay: ``DOWNLOAD_DELAY``, robots.txt Crawl-delay, AutoThrottle),
so the first request of the next unit never follows the last one sooner than within one
crawl. Parallelism comes from different hosts (career sites,
platforms), which is what limits a broad crawl.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

import redis

from crawler.distributed.units import Unit

SEP = "\t"

_LEASE = """
local p, worker, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local max_attempts, token, scan = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, m in ipairs(redis.call('ZRANGEBYSCORE', p .. ':leases', '-inf', now)) do
  local lk = p .. ':lease:' .. m
  local host = redis.call('HGET', lk, 'host')
  local attempt = tonumber(redis.call('HGET', lk, 'attempt') or '0')
  local holder = redis.call('HGET', lk, 'worker') or '?'
  redis.call('ZREM', p .. ':leases', m)
  redis.call('DEL', lk)
  if host and redis.call('HGET', p .. ':hosts', host) == m then
    redis.call('HDEL', p .. ':hosts', host)
  end
  local sep = string.find(m, '\\t', 1, true)
  local why = 'lease ' .. attempt .. ' (worker ' .. holder .. ') expired'
  if attempt >= max_attempts then
    redis.call('XADD', p .. ':stream', '*', 'run', string.sub(m, 1, sep - 1),
      'unit', string.sub(m, sep + 1), 'attempt', tostring(attempt), 'kind', 'failed',
      'data', cjson.encode({why = why .. '; given up after ' .. attempt .. ' leases'}))
  else
    redis.call('LPUSH', p .. ':queue', m)
  end
  redis.call('RPUSH', p .. ':expired', m .. '\\t' .. why)
  redis.call('LTRIM', p .. ':expired', -100, -1)
end
if scan <= 0 then return false end
for _, m in ipairs(redis.call('LRANGE', p .. ':queue', 0, scan - 1)) do
  local host = redis.call('HGET', p .. ':unithost', m) or m
  local free = tonumber(redis.call('HGET', p .. ':hostfree', host) or '0')
  if not redis.call('HGET', p .. ':hosts', host) and now >= free then
    redis.call('LREM', p .. ':queue', 1, m)
    local attempt = redis.call('HINCRBY', p .. ':attempts', m, 1)
    redis.call('ZADD', p .. ':leases', now + ttl, m)
    redis.call('HSET', p .. ':lease:' .. m, 'worker', worker, 'token', token,
      'attempt', attempt, 'host', host, 'since', now)
    redis.call('HSET', p .. ':hosts', host, m)
    return {m, attempt}
  end
end
return false
"""

_RENEW = """
local p, m, token, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
if redis.call('HGET', p .. ':lease:' .. m, 'token') ~= token then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', p .. ':leases', 'XX', now + ttl, m)
return 1
"""

_RELEASE = """
local p, m, token, requeue, cooldown = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local lk = p .. ':lease:' .. m
if redis.call('HGET', lk, 'token') ~= token then return 0 end
local host = redis.call('HGET', lk, 'host')
redis.call('ZREM', p .. ':leases', m)
redis.call('DEL', lk)
if host and redis.call('HGET', p .. ':hosts', host) == m then
  redis.call('HDEL', p .. ':hosts', host)
  if cooldown > 0 then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    redis.call('HSET', p .. ':hostfree', host, now + cooldown)
  end
end
if requeue == '1' then
  redis.call('HINCRBY', p .. ':attempts', m, -1)
  redis.call('LPUSH', p .. ':queue', m)
end
return 1
"""


@dataclass(frozen=True)
class Lease:
    run: str
    unit: Unit
    attempt: int
    token: str

    @property
    def member(self) -> str:
        return f"{self.run}{SEP}{self.unit.id}"


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


class WorkQueue:
    def __init__(self, client: redis.Redis, prefix: str = "jobcrawl"):
        self.r = client
        self.p = prefix
        self._lease = client.register_script(_LEASE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    # -- runs ----------------------------------------------------------------------------
    def key(self, *parts: str) -> str:
        return ":".join([self.p, *parts])

    def open_runs(self) -> list[str]:
        runs = self.r.zrange(self.key("runs"), 0, -1)
        return [run for run in runs if self.r.hget(self.key("run", run), "state") == "open"]

    def enqueue(self, spiders: list[str], units: list[Unit], run: str | None = None) -> str:
        """Queue one run of ``units`` (in order); return its id."""
        run = run or new_run_id()
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(
            self.key("run", run),
            mapping={
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "spiders": json.dumps(spiders),
                "units": len(units),
                "state": "open",
            },
        )
        pipe.zadd(self.key("runs"), {run: time.time()})
        for unit in units:
            member = f"{run}{SEP}{unit.id}"
            pipe.hset(self.key("run", run, "units"), unit.id, json.dumps(unit.to_json()))
            pipe.hset(self.key("unithost"), member, unit.host or unit.id)
            pipe.rpush(self.key("queue"), member)
        pipe.execute()
        return run

    def run_info(self, run: str) -> dict | None:
        info = self.r.hgetall(self.key("run", run))
        if not info:
            return None
        info["spiders"] = json.loads(info.get("spiders") or "[]")
        info["units"] = int(info.get("units") or 0)
        return info

    def run_units(self, run: str) -> dict[str, Unit]:
        return {
            unit_id: Unit.from_json(json.loads(data))
            for unit_id, data in self.r.hgetall(self.key("run", run, "units")).items()
        }

    def mark_unit(self, run: str, unit_id: str, stage: str) -> None:
        self.r.hset(self.key("run", run, "done"), unit_id, stage)

    def finish_run(self, run: str, state: str) -> None:
        """``state``: ``done`` (every spider's crawl finished) or ``failed``. Forgets the run's
        bookkeeping but its ``P:run:<run>`` summary (kept a week)."""
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(self.key("run", run), "state", state)
        pipe.expire(self.key("run", run), 7 * 86400)
        for unit_id in self.r.hkeys(self.key("run", run, "units")):
            member = f"{run}{SEP}{unit_id}"
            pipe.hdel(self.key("unithost"), member)
            pipe.hdel(self.key("attempts"), member)
        pipe.delete(self.key("run", run, "units"), self.key("run", run, "done"))
        pipe.execute()

    # -- leases --------------------------------------------------------------------------
    def lease(self, worker: str, ttl: float, max_attempts: int, scan: int = 1000) -> Lease | None:
        token = secrets.token_hex(8)
        found = self._lease(args=[self.p, worker, int(ttl * 1000), max_attempts, token, scan])
        if not found:
            return None
        member, attempt = found[0], int(found[1])
        run, unit_id = member.split(SEP, 1)
        data = self.r.hget(self.key("run", run, "units"), unit_id)
        if data is None:  # the run was forgotten under us (Redis flushed, run finished)
            self.release_member(member, token)
            return None
        return Lease(run, Unit.from_json(json.loads(data)), attempt, token)

    def reap(self, max_attempts: int) -> None:
        """Put units whose lease expired back in the queue (or give them up), leasing nothing."""
        self._lease(args=[self.p, "-", 1, max_attempts, "-", 0])

    def requeue(self, run: str, unit_id: str) -> None:
        self.r.lpush(self.key("queue"), f"{run}{SEP}{unit_id}")

    def renew(self, lease: Lease, ttl: float) -> bool:
        return bool(self._renew(args=[self.p, lease.member, lease.token, int(ttl * 1000)]))

    def release(self, lease: Lease, *, requeue: bool = False, cooldown: float = 0) -> bool:
        """Give the unit up (``requeue``: back to the queue); its host may be leased again
        ``cooldown`` seconds from now (the download delay the crawl kept with it)."""
        return self.release_member(lease.member, lease.token, requeue=requeue, cooldown=cooldown)

    def release_member(
        self, member: str, token: str, *, requeue: bool = False, cooldown: float = 0
    ) -> bool:
        args = [self.p, member, token, "1" if requeue else "0", int(cooldown * 1000)]
        return bool(self._release(args=args))

    # -- what is going on ----------------------------------------------------------------
    def waiting(self) -> list[str]:
        return self.r.lrange(self.key("queue"), 0, -1)

    def leases(self) -> list[dict]:
        now_s, now_us = self.r.time()
        now = now_s * 1000 + now_us // 1000
        found = []
        for member, expiry in self.r.zrange(self.key("leases"), 0, -1, withscores=True):
            info = self.r.hgetall(self.key("lease", member))
            run, unit_id = member.split(SEP, 1)
            found.append(
                {
                    "run": run,
                    "unit": unit_id,
                    "worker": info.get("worker", "?"),
                    "attempt": int(info.get("attempt") or 0),
                    "host": info.get("host", ""),
                    "expires_in": (expiry - now) / 1000,
                    "held_for": (now - int(info.get("since") or now)) / 1000,
                }
            )
        return found

    def expired(self) -> list[str]:
        return self.r.lrange(self.key("expired"), 0, -1)

    def idle(self) -> bool:
        """Nothing waiting and nothing leased."""
        return self.r.llen(self.key("queue")) == 0 and self.r.zcard(self.key("leases")) == 0
