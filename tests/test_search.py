"""Ranked full-text search (crawler/analysis/search.py): the most relevant matches first,
every match ranked when there are at most ``cap`` of them, else the newest ``cap``, and it
says which."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from crawler.analysis.explore import canned_queries
from crawler.analysis.search import BM25_WEIGHTS, SEARCH_SQL, fts_quote, search
from crawler.store.store import Store
from crawler.tools.bench import analyst
from crawler.tools.bench.corpus import JSON_SHAPES
from crawler.tools.bench.upsert import real_items

WEIGHTS = ", ".join(map(str, BM25_WEIGHTS))


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "jobs.db"
    analyst.build(path, 1500, crawls=3 * len(JSON_SHAPES), log=lambda *_: None)
    return path


@pytest.fixture
def conn(db_path):
    conn = sqlite3.connect(db_path)
    conn.create_function("fts_quote", 1, fts_quote, deterministic=True)
    yield conn
    conn.close()


def bm25_order(conn, term: str, newest: int | None = None) -> list[int]:
    """Ids of every match (or of the newest ``newest``) ordered by the weighted bm25, as a
    plain ``ORDER BY bm25(...)`` over all of them ranks them."""
    matches = conn.execute(
        f"SELECT rowid, bm25(jobs_fts, {WEIGHTS}) FROM jobs_fts"
        " WHERE jobs_fts MATCH fts_quote(?) ORDER BY rowid DESC",
        (term,),
    ).fetchall()
    if newest is not None:
        matches = matches[:newest]
    return [rowid for rowid, _score in sorted(matches, key=lambda m: (m[1], -m[0]))]


def test_with_no_more_matches_than_the_cap_every_match_is_ranked(conn):
    total = conn.execute(
        "SELECT COUNT(*) FROM jobs_fts WHERE jobs_fts MATCH fts_quote('python')"
    ).fetchone()[0]
    assert 100 < total < 1500
    found = search(conn, "python", cap=total)
    assert [r["id"] for r in found] == bm25_order(conn, "python")[:100]
    assert {r["ranked_among"] for r in found} == {f"all {total} matches"}
    relevance = [r["relevance"] for r in found]
    assert relevance == sorted(relevance, reverse=True) and relevance[0] > relevance[-1]


def test_a_broad_search_ranks_its_newest_cap_matches_and_says_so(conn):
    found = search(conn, "experience", cap=300, results=40)
    assert [r["id"] for r in found] == bm25_order(conn, "experience", newest=300)[:40]
    assert {r["ranked_among"] for r in found} == {"the newest 300 of more than 300 matches"}
    newest_300 = conn.execute(
        "SELECT rowid FROM jobs_fts WHERE jobs_fts MATCH 'experience'"
        " ORDER BY rowid DESC LIMIT 1 OFFSET 299"
    ).fetchone()[0]
    assert all(r["id"] >= newest_300 for r in found)
    # Not simply the newest 40: ranking reorders them.
    assert [r["id"] for r in found] != sorted((r["id"] for r in found), reverse=True)


def test_a_title_match_ranks_above_newer_postings_that_only_mention_the_term(tmp_path):
    base = [i for i in real_items(per_shape=20) if i.source == "bench_lever"]
    filler = " ".join(["We build software for logistics teams and care about quality."] * 20)
    titled = replace(base[0], source_id="t", title="Kotlin Engineer", description_text=filler)
    mentioned = [
        replace(
            item,
            source_id=f"m{n}",
            title="Office Manager",
            description_text=filler + " Our app team writes Kotlin.",
            tags=[],
        )
        for n, item in enumerate(base[1:5])
    ]
    # Postings that do not mention it: a term in every posting would say nothing (bm25's
    # inverse document frequency), as "experience" says little in a real database.
    others = [replace(item, source_id=f"o{n}", title="Accountant", description_text=filler,
                      tags=[]) for n, item in enumerate(base[5:15])]  # fmt: skip
    store = Store(tmp_path / "jobs.db", "bench_lever")
    store.write_batch([titled], [])  # stored first: the oldest match
    store.write_batch(mentioned + others, [])
    store.close()
    conn = sqlite3.connect(tmp_path / "jobs.db")
    found = search(conn, "kotlin")
    assert [r["title"] for r in found] == ["Kotlin Engineer"] + ["Office Manager"] * 4
    assert found[0]["relevance"] > found[1]["relevance"] > 0
    assert found[0]["ranked_among"] == "all 5 matches"
    # Newest first would have put it last.
    assert found[0]["id"] == min(r["id"] for r in found)


def test_the_search_canned_query_is_the_ranked_search(conn):
    assert canned_queries()["search"]["sql"] == SEARCH_SQL.strip()
    rows = conn.execute(SEARCH_SQL, {"q": "c++"}).fetchall()  # what people type still runs
    assert rows
    assert search(conn, "") == []
