"""Row encoding: a ``JobPosting`` as the ``jobs`` row the store writes (``crawler/store/store.py``).

Lists and dicts become JSON text (sorted keys), text is made storable (lone surrogates become
U+FFFD), integers beyond 64 bits are kept as text, and ``content_hash`` covers every content
field (not ``scraped_at``/``lastmod``, which say when we saw a posting, not what it says).
"""

from __future__ import annotations

import hashlib
import json
import re
import reprlib
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from crawler.sources.items import JobPosting, item_fields
from crawler.store.dedupe import match_key

RAW_LIMIT = 20_000
# Fields that say when/how we saw a posting rather than what it says.
NOT_CONTENT = {"scraped_at", "lastmod"}
FIELDS = [name for name, _t, _d in item_fields()]
CONTENT_FIELDS = [f for f in FIELDS if f not in NOT_CONTENT | {"source", "source_id"}]


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# A JSON "\ud83d" escape without its pair (a string cut mid-emoji) decodes to a lone
# surrogate, which SQLite's UTF-8 cannot hold: one such character must not fail a batch.
_SURROGATE = re.compile("[\ud800-\udfff]")


def sql_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD, so that it can be stored."""
    if text.isascii():
        return text
    try:
        # Strict UTF-8 fails on surrogates only, and is far cheaper than the regex scan.
        text.encode()
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


# The encoders ``json.dumps`` would build on each call with these options.
_JSON_SQL = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_JSON_HASH = json.JSONEncoder(ensure_ascii=False, default=str)


def to_sql(value: Any) -> Any:
    """Lists and dicts as JSON text; text made storable; everything else as is."""
    if value is None:
        return None
    if type(value) is str:
        return sql_text(value)
    if isinstance(value, list | dict):
        value = _JSON_SQL.encode(value)
    if isinstance(value, str):
        return sql_text(value)
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        # SQLite integers are 64-bit; a raw value beyond that (a junk epoch) is kept as text.
        return str(value)
    return value


def content_hash(row: dict) -> str:
    payload = _JSON_HASH.encode([row.get(f) for f in CONTENT_FIELDS])
    return hashlib.sha1(payload.encode()).hexdigest()


def item_row(item: JobPosting) -> dict:
    """The item's columns as stored, and its ``content_hash`` (no ``match_key``)."""
    values = item.__dict__
    try:
        # Shallow: to_sql turns lists and dicts into JSON text anyway, so asdict's deep copy
        # (the dearest part of a row) only matters for a dataclass nested in a value.
        row = {name: to_sql(values[name]) for name in FIELDS}
    except (KeyError, TypeError):
        row = {name: to_sql(value) for name, value in asdict(item).items()}
    row["content_hash"] = content_hash(row)
    return row


def item_match_key(item: JobPosting) -> str | None:
    return match_key(item.company, item.company_slug, item.title, item.location_raw)


def job_row(item: JobPosting) -> dict:
    row = item_row(item)
    row["match_key"] = item_match_key(item)
    return row


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel, _SHORT_REPR.maxstring, _SHORT_REPR.maxother = 20, 2000, 200


def raw_text(raw: Any) -> str | None:
    if raw is None:
        return None
    try:
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):
        # Nested too deep (or circular) for JSON: its start as Python shows it, still kept.
        text = f"(not JSON-serialisable) {_SHORT_REPR.repr(raw)}"
    return sql_text(text[:RAW_LIMIT])
