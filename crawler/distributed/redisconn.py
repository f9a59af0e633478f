"""The Redis connection of every distributed command, and how it rides out an outage.

``REDIS_URL`` (a setting: ``jobcrawl.local.toml``, ``JOBCRAWL_REDIS_URL`` or ``-s``) names
the server, e.g. ``redis://queue.internal:6379/0``. Every call goes through ``patient``:
while Redis cannot be reached (restarting, a network blip, a paused server), the call is
retried every second for up to ``REDIS_WAIT_SECONDS``, each wait logged; after that
``RedisGone`` is raised and the command fails loudly (exit status 1), storing and closing
nothing it was not sure of.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import redis

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Errors that mean "Redis is not there right now", as opposed to a bug or a bad command.
TRANSIENT = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError)


class RedisGone(RuntimeError):
    """Redis could not be reached for ``REDIS_WAIT_SECONDS``."""


class NoRedisUrl(ValueError):
    """``REDIS_URL`` is not set."""


def connect(settings) -> redis.Redis:
    url = settings.get("REDIS_URL")
    if not url:
        raise NoRedisUrl(
            "REDIS_URL is not set: the distributed commands need it (jobcrawl.local.toml, "
            "JOBCRAWL_REDIS_URL or -s REDIS_URL=redis://HOST:6379/0)"
        )
    timeout = settings.getfloat("REDIS_SOCKET_TIMEOUT", 5.0)
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=30,
    )


def patient(call: Callable[[], T], wait_seconds: float, what: str) -> T:
    """``call()``, retried every second while Redis is unreachable, for up to ``wait_seconds``."""
    deadline = time.monotonic() + wait_seconds
    first = None
    while True:
        try:
            result = call()
        except TRANSIENT as exc:
            now = time.monotonic()
            if first is None:
                first = now
            if now >= deadline:
                raise RedisGone(
                    f"Redis unreachable for {now - first:.0f} s while {what}: {exc}"
                ) from exc
            logger.warning("Redis unreachable while %s (%s): waiting", what, exc)
            time.sleep(min(1.0, max(deadline - now, 0.05)))
            continue
        if first is not None:
            logger.warning(
                "Redis reachable again after %.1f s; %s resumed", time.monotonic() - first, what
            )
        return result
