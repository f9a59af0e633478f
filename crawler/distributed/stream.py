"""The report stream: workers write every unit's records and its end; the one writer reads them.

A Redis Stream (``P:stream``) read through the consumer group ``writer`` by the single
consumer ``writer``: entries the writer has read but not acknowledged stay *pending* under
that name, so a restarted writer reads them first (``XREADGROUP ... 0``). The writer
acknowledges (and deletes) a unit's entries only after the SQLite transaction that stored
them has committed. Delivery is at least once; the writer's own bookkeeping
(``distributed_units``, written in that same transaction) makes applying exactly once.

Each entry has the fields ``run``, ``unit``, ``attempt`` (which lease of the unit sent
it), ``seq`` (its number within the attempt: a batch re-sent after a timeout that had in
fact been added is recognised and stored once), ``kind`` and ``data`` (JSON, no pickles:
workers and writer may run different Python builds):

``item``    a ``JobPosting`` after the worker's pipelines, as a JSON object of its fields
``reject``  a ``Reject`` (source, url, reason, raw)
``listed``  a stored posting a sitemap still lists: [source, url, page skipped]
``gone``    a posting page that answered 404/410: [source, url]
``end``     the unit's Scrapy stats and how many entries of each kind it sent
``failed``  from the queue: the unit's leases ran out (``crawler/distributed/queue.py``)
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from crawler.sources.items import JobPosting, Reject

GROUP = "writer"
CONSUMER = "writer"
KINDS = ("item", "reject", "listed", "gone")


def stream_key(prefix: str) -> str:
    return f"{prefix}:stream"


def encode(kind: str, value: Any) -> str:
    if kind == "item":
        value = asdict(value)
    elif kind == "reject":
        value = {"source": value.source, "url": value.url, "reason": value.reason,
                 "raw": value.raw}  # fmt: skip
    return json.dumps(value, ensure_ascii=False, default=str)


def decode(kind: str, data: str) -> Any:
    value = json.loads(data)
    if kind == "item":
        return JobPosting(**value)
    if kind == "reject":
        return Reject(**value)
    if kind == "listed":
        return (value[0], value[1], bool(value[2]))
    if kind == "gone":
        return (value[0], value[1])
    return value
