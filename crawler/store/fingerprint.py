"""Unchanged postings cost almost nothing: a fingerprint of what the board sent.

On a scheduled crawl most postings are the ones stored yesterday, and cleaning and normalising
one costs about a millisecond of CPU. So before any cleaning, the raw posting (the item as the
spider mapped it, after validation) is fingerprinted and compared with the fingerprint stored
with its row:

* **fingerprint** = a 128-bit digest of the item's fields as the spider handed them over
  (every field but ``scraped_at`` and ``lastmod``, which say when we looked, not what the
  board said), stored in ``jobs.raw_fingerprint``, beside ``jobs.rules_version``: the
  version of the cleaning and normalising rules that made the stored row
  (``crawler.normalize.rules.RULES_VERSION``).
* **unchanged** = both equal the stored ones. The stored row is then exactly what the
  pipeline would make again, so the clean and normalise steps and the store's row rebuild
  are skipped: the posting is only marked seen (``last_seen_at``, ``last_crawl_id``) and
  counted (``items_unchanged``, ``items_skipped``, listing and lifecycle accounting as any
  posting seen again). Fill rates count the stored row's filled fields (``jobs.filled_mask``,
  written with every row the pipeline made: computing it from the stored columns in the
  lookup cost ~230 µs a posting, reading 35 columns through a long description's overflow
  pages; the column costs ~10 µs).
* A **rules change** (the raw fingerprint equal, the version not) re-processes the posting;
  a version it writes is marked ``cause = 'rules'`` (not a board change).

The lookup is one indexed point query per posting on a read-only connection of its own
(``Fingerprints``), answered from the committed database: a posting written by an earlier
batch of the same crawl (an in-crawl repeat) is found like any other. Memory does not grow
with the board's size, unlike loading every fingerprint at the crawl's start.
"""

from __future__ import annotations

import hashlib
import io
import logging
import pickle
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from crawler.normalize import rules
from crawler.sources.items import JobPosting, item_fields

logger = logging.getLogger(__name__)

# What says when we looked at a posting, not what the board said (as in crawler/store/rows.py).
_NOT_RAW = {"scraped_at", "lastmod"}
RAW_FIELDS = [name for name, _t, _d in item_fields() if name not in _NOT_RAW]
# The attribute a fingerprinted item carries (not a dataclass field: never stored or exported).
ATTR = "_sighting"


@dataclass(slots=True)
class Sighting:
    """What the fingerprint step found out about one posting."""

    fingerprint: str
    rules_version: int
    # The stored row is what the rules would make again: skip clean, normalise, row rebuild.
    unchanged: bool = False
    # The stored row's filled FILL_FIELDS as a bit mask (crawler.store.health.filled_mask).
    filled_mask: int = 0


def raw_fingerprint(item: JobPosting) -> str:
    """The digest of ``item``'s raw fields (every field but ``scraped_at``/``lastmod``).

    The values are serialised with pickle in its "fast" mode, which writes a value shared
    by two fields twice instead of by reference, so the bytes depend on the values only,
    never on which objects happen to be the same: 16 µs a posting where JSON took 60 µs
    (descriptions of ~6 kB, ``make bench``). A value pickle cannot write (or a structure
    that contains itself) falls back to its ``repr``; either way a digest that differs
    only costs one posting a full processing, never a wrong skip.
    """
    values = item.__dict__
    raw = [values.get(name) for name in RAW_FIELDS]
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, 5)
    pickler.fast = True
    try:
        pickler.dump(raw)
        payload = buffer.getbuffer()
    except Exception:  # noqa: BLE001 - any value a spider may put in extras
        payload = b"repr:" + repr(raw).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def sighting(item: JobPosting) -> Sighting | None:
    return getattr(item, ATTR, None)


def is_unchanged(item) -> bool:
    """Whether ``item`` was found unchanged (its clean/normalise steps are skipped)."""
    seen = getattr(item, ATTR, None)
    return seen is not None and seen.unchanged


class Fingerprints:
    """Looks up a posting's stored fingerprint (a read-only connection of its own)."""

    def __init__(self, path: str | Path | None):
        self.path = path
        self.conn: sqlite3.Connection | None = None
        self.usable = path is not None and str(path) != ":memory:"
        self.sql = (
            "SELECT raw_fingerprint, rules_version, filled_mask FROM jobs"
            " WHERE source = ? AND source_id = ?"
        )

    def _open(self) -> sqlite3.Connection | None:
        if self.conn is None and self.usable:
            try:
                uri = Path(self.path).resolve().as_uri() + "?mode=ro"
                conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout = 5000")
                conn.execute(self.sql, ("", ""))  # the schema has the columns
            except sqlite3.Error as exc:
                # No database yet or an older schema (the store migrates it): every posting
                # is then processed in full, as before fingerprints.
                logger.info(
                    "fingerprints unavailable in %s (%s): no posting skipped", self.path, exc
                )
                self.usable = False
                return None
            self.conn = conn
        return self.conn

    def see(self, item: JobPosting) -> Sighting:
        """Fingerprint ``item``, attach the result to it, and return it."""
        found = Sighting(raw_fingerprint(item), rules.RULES_VERSION)
        setattr(item, ATTR, found)
        conn = self._open()
        if conn is None or not isinstance(item.source_id, str):
            return found
        try:
            row = conn.execute(self.sql, (item.source, item.source_id.strip())).fetchone()
        except sqlite3.Error as exc:
            logger.warning("fingerprint lookup failed (%s): the posting is processed in full", exc)
            return found
        if (
            row is not None
            and row[0] == found.fingerprint
            and row[1] == found.rules_version
            and row[2] is not None
        ):
            found.unchanged, found.filled_mask = True, row[2]
        return found

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
