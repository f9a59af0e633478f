"""Two workers and one writer over Redis store exactly what one ``crawlall`` process stores.

Row for row: postings (every column but ids and clock times), their full-text index,
``crawls`` counts and health, ``crawl_listings``, versions, duplicate groups and, on a
second crawl over a changed replay (a posting gone from a complete listing, one changed),
the closing decisions.
"""

from __future__ import annotations

import json
import shutil

from tests import distkit
from tests.conftest import MIRROR
from tests.distkit import dist_settings, finish, scrapy, snapshot, start

redis_server = distkit.redis_server  # the fixture


def changed_mirror(root):
    """The recorded mirror with Palantir's second posting gone and its first retitled."""
    shutil.copytree(MIRROR, root)
    path = root / "api.lever.co" / "v0" / "postings" / "palantir"
    postings = json.loads(path.read_text())
    postings[0]["text"] = postings[0]["text"] + " (Remote)"
    path.write_text(json.dumps(postings[:1]))
    return root


def distributed_crawl(tmp_path, settings, tag: str, workers: int = 2) -> list[str]:
    enqueued = scrapy(["enqueue"], settings)
    assert enqueued.returncode == 0, enqueued.stdout + enqueued.stderr
    procs = [start(["worker", "--exit-when-idle"], settings, tmp_path / f"{tag}-w{i}.log")
             for i in range(workers)]  # fmt: skip
    writer = start(["writer", "--until-done"], settings, tmp_path / f"{tag}-writer.log")
    logs = []
    for proc in procs:
        code, log = finish(proc)
        assert code == 0, log[-3000:]
        logs.append(log)
    code, log = finish(writer)
    assert code == 0, log[-3000:]
    return [*logs, log]


def test_two_workers_and_one_writer_store_what_one_process_stores(
    tmp_path, redis_server, make_replay
):
    second = make_replay(changed_mirror(tmp_path / "mirror2"))
    first = make_replay(MIRROR)
    one_db, dist_db = tmp_path / "one" / "jobs.db", tmp_path / "dist" / "jobs.db"
    rules = {"LIFECYCLE_MISSES_TO_CLOSE": "1"}
    for server, tag in ((first, "first"), (second, "second")):
        one = dist_settings(one_db, server.url, redis_server.url, **rules)
        done = scrapy(["crawlall"], one)
        assert done.returncode == 0, done.stdout + done.stderr
        dist = dist_settings(dist_db, server.url, redis_server.url, **rules)
        logs = distributed_crawl(tmp_path, dist, tag)
        # Both workers took part (every unit is leased by whichever asks first).
        assert "units crawled" in logs[0] and "units crawled" in logs[1]

    single, distributed = snapshot(one_db), snapshot(dist_db)
    for table in single:
        assert distributed[table] == single[table], table
    # The second crawl really decided something: Palantir's missing posting closed.
    closed = [r for r in single["crawl_listings"] if r[3] == "palantir" and r[-3]]
    assert closed, single["crawl_listings"]
    assert any(("status", "closed") in row for row in single["jobs"])
    assert single["job_versions"], "the retitled posting left a version"
    assert len(single["fts"]) == len(single["jobs"]) > 100
