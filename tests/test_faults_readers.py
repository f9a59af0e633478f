"""Analysts reading the database during crawls never fail and never see half a batch.

Two reader processes query ``jobs`` in a loop the way analysts' tools would, a new
connection each time, with Python's default busy timeout (5 s; pandas and sqlite-utils
read through ``sqlite3.connect``). Meanwhile two crawls write 400 postings in batches of 5
into the same file: the first into an empty database, the second a recrawl (its start-up
refreshes the schema's views and data dictionary while the readers read). Each read is
one transaction of several queries that must agree with each other, because the store
commits each batch with its counters and its full-text rows in one transaction:

* ``jobs`` rows = the sum of ``crawls.items_new``;
* documents in the full-text index (``jobs_fts_docsize``) = ``jobs`` rows;
* rows the running crawl has touched = its ``items_scraped``.

Neither reader may ever see an error ("database is locked" or any other); both must see
the crawls progress (many distinct snapshots) with counts that never go backwards.

A client with *no* busy timeout at all (the ``sqlite3`` shell before ``.timeout 5000``)
can be refused for a moment in WAL mode: when readers contend for a read mark, and while
a crawl opens or closes the file (WAL switch, schema refresh, closing checkpoint). SQLite
then answers "locked" at once instead of waiting a few milliseconds; that is SQLite's
documented behaviour, not something a writer can prevent, and the README says so.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from crawler.store.schema import open_db
from crawler.tools.bench.corpus import derived_records
from tests.conftest import MIRROR, ROOT

POSTINGS = 400
SNAPSHOT = """
    SELECT (SELECT COUNT(*) FROM jobs),
           (SELECT COALESCE(SUM(items_new), 0) FROM crawls),
           (SELECT COUNT(*) FROM jobs_fts_docsize),
           (SELECT MAX(id) FROM crawls),
           (SELECT items_scraped FROM crawls ORDER BY id DESC LIMIT 1),
           (SELECT COUNT(*) FROM jobs WHERE last_crawl_id = (SELECT MAX(id) FROM crawls)),
           (SELECT finished_at FROM crawls ORDER BY id DESC LIMIT 1)
"""


def read_loop(db: str, out: str, stop: str, timeout: str) -> None:
    """Query ``db`` until the file ``stop`` exists; write snapshots and errors to ``out``."""
    snapshots, errors = [], []
    while not Path(stop).exists():
        conn = sqlite3.connect(db, timeout=float(timeout))
        try:
            conn.execute("BEGIN")
            snapshots.append(list(conn.execute(SNAPSHOT).fetchone()))
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            errors.append([str(exc), snapshots[-1] if snapshots else None])
        finally:
            conn.close()
    Path(out).write_text(json.dumps({"snapshots": snapshots, "errors": errors}))


def start_reader(db: Path, out: Path, stop: Path, timeout: float) -> subprocess.Popen:
    code = "import sys; from tests.test_faults_readers import read_loop; read_loop(*sys.argv[1:])"
    args = [str(db), str(out), str(stop), str(timeout)]
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT)


def check_snapshots(snapshots: list) -> None:
    assert len({tuple(s) for s in snapshots}) >= 10, "the reader did not see the crawls progress"
    for jobs, new, fts, crawl_id, scraped, touched, _finished in snapshots:
        if crawl_id is None:  # before the first crawl's row
            assert jobs == 0
            continue
        assert jobs == new, f"{jobs} rows but {new} counted new: half a batch visible"
        assert fts == jobs, f"{fts} full-text rows for {jobs} rows"
        assert touched == scraped, f"{touched} rows touched, {scraped} counted"
    counts = [s[0] for s in snapshots]
    assert counts == sorted(counts) and counts[-1] == POSTINGS
    # The second crawl was read while it ran, not only before or after it.
    assert any(s[3] == 2 and 0 < s[4] < POSTINGS for s in snapshots)


def test_readers_never_see_a_lock_or_half_a_batch_during_crawls(crawl, make_replay, tmp_path):
    root = tmp_path / "mirror" / "remoteok.com"
    root.mkdir(parents=True)
    (root / "robots.txt").write_bytes((MIRROR / "remoteok.com" / "robots.txt").read_bytes())
    records = derived_records("remoteok", POSTINGS, seed=21)
    (root / "api").write_text(json.dumps([{"legal": "terms", "last_updated": 0}, *records]))
    server = make_replay(tmp_path / "mirror")
    db, stop = tmp_path / "jobs.db", tmp_path / "stop"
    # The database exists, as it does for every crawl but the very first: creating a file
    # and switching it to WAL takes an exclusive lock no reader should be racing for.
    open_db(db).close()
    outs = [tmp_path / "reader1.json", tmp_path / "reader2.json"]
    readers = [start_reader(db, out, stop, timeout=5) for out in outs]
    try:
        settings = {"STORE_BATCH_SIZE": "5", "STORE_BATCH_SECONDS": "3600"}
        first = crawl("remoteok", server=server, db=db, settings=settings)
        second = crawl("remoteok", server=server, db=db, settings=settings)
    finally:
        stop.touch()
        for reader in readers:
            reader.wait(timeout=60)
    assert first.returncode == 0, first.output
    assert second.returncode == 0, second.output

    for out in outs:
        reads = json.loads(out.read_text())
        assert reads["errors"] == []
        check_snapshots(reads["snapshots"])
