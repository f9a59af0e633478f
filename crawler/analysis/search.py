"""Full-text search that accepts what people type: ``c++``, ``c#``, ``.net``, ``node.js``.

FTS5 reads ``+``, ``#``, ``.``, ``-``, ``:``, ``*``, ``"``, ``AND``/``OR``/``NOT`` as query
syntax, so ``c++`` is a syntax error. ``fts_quote`` wraps each term in double quotes (a
quoted phrase the tokenizer reads as words), exactly as ``sqlite-utils search --quote``
and Datasette's search box do. The index's tokenizer keeps letters and digits only, so a
quoted ``c++`` finds postings with the word "c" (and ``.net`` the word "net"): quoting makes
the query run, it cannot make the index tell C from C++.

``fts_quote`` is also a SQL function in Datasette (crawler/analysis/datasette_plugin.py), used by
the ``search`` canned query: ``... WHERE jobs_fts MATCH fts_quote(:q)``.
"""

from __future__ import annotations

import re
import sqlite3

# sqlite-utils' Database.quote_fts: whitespace separates terms, "quoted phrases" stay whole.
_TERMS = re.compile(r'\s+|(".*?")')
# A query that matches nothing (an empty query is an FTS5 syntax error).
NOTHING = '" "'  # a phrase of no words


def fts_quote(query: str | None) -> str:
    """``query`` with every term double-quoted; an unbalanced ``"`` is closed at the end.

    >>> fts_quote('c++ node.js')
    '"c++" "node.js"'

    An empty query gives a query that matches nothing, instead of an FTS5 syntax error.
    """
    query = query or ""
    if query.count('"') % 2:
        query += '"'
    bits = [b for b in _TERMS.split(query) if b and b != '""']
    if not bits:
        return NOTHING
    return " ".join(b if b.startswith('"') else f'"{b}"' for b in bits)


# Relevance is bm25 with a column weighting: a term in the title counts most, then the
# company and tags, then the location, then the description (long, and it mentions
# everything). Same order as schema.FTS_COLUMNS: title, company, description_text,
# location_raw, tags.
BM25_WEIGHTS = (10.0, 5.0, 1.0, 2.0, 5.0)
# How many matches a search ranks at most: the newest RANK_CAP (by rowid, i.e. most recently
# stored). bm25 costs a few us a match, so ranking every match of a common term grows with
# the database (660 ms for "experience", 180,100 matches, at 208,000 postings; 2.6 s at
# 259,000 on a busier machine) while FTS5 hands
# over a term's matches newest first and stops at a LIMIT. A search with no more matches
# than this is ranked exactly; a broader one is ranked among its newest RANK_CAP matches
# and says so in ``ranked_among``. Timings: docs/performance.md.
RANK_CAP = 2000
RESULTS = 100


def search_sql(cap: int = RANK_CAP, results: int = RESULTS) -> str:
    """The ranked search for ``:q``: the ``results`` most relevant of the newest ``cap``
    matches, best first, with ``relevance`` (bm25, higher is better) and ``ranked_among``."""
    cap, results = int(cap), int(results)
    weights = ", ".join(f"{w:g}" for w in BM25_WEIGHTS)
    return f"""
WITH candidates AS (
  SELECT rowid AS id, bm25(jobs_fts, {weights}) AS score
  FROM jobs_fts WHERE jobs_fts MATCH fts_quote(:q)
  ORDER BY rowid DESC LIMIT {cap + 1}
),
ranked AS (SELECT id, score FROM candidates ORDER BY id DESC LIMIT {cap}),
found AS (SELECT COUNT(*) AS n FROM candidates)
SELECT j.id, j.title, j.company, j.location_raw, j.salary_min, j.salary_max,
       j.salary_currency, j.salary_period, j.remote, j.status, j.posted_at, j.source, j.url,
       -r.score AS relevance,
       CASE WHEN found.n > {cap} THEN 'the newest {cap} of more than {cap} matches'
            ELSE 'all ' || found.n || ' matches' END AS ranked_among
FROM (SELECT id, score FROM ranked ORDER BY score, id DESC LIMIT {results}) r
JOIN jobs j ON j.id = r.id
CROSS JOIN found
ORDER BY r.score, j.id DESC"""


SEARCH_SQL = search_sql()


def search(
    conn: sqlite3.Connection, query: str, *, cap: int = RANK_CAP, results: int = RESULTS
) -> list[dict]:
    """The ``results`` ``jobs`` rows most relevant to ``query`` (any text accepted), best
    first: every match ranked when there are at most ``cap``, else the newest ``cap``
    (``ranked_among`` says which)."""
    conn.create_function("fts_quote", 1, fts_quote, deterministic=True)
    cur = conn.execute(SEARCH_SQL if (cap, results) == (RANK_CAP, RESULTS)
                       else search_sql(cap, results), {"q": query})  # fmt: skip
    names = [c[0] for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
