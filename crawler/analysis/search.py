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


# The 100 most recently stored matches. FTS5 walks a term's postings newest rowid first and
# stops at the LIMIT, so this costs the same at any size; ranking by relevance (bm25) scores
# every match first: 2.6 s for a common term at 259,000 postings (make bench).
SEARCH_SQL = """
SELECT j.id, j.title, j.company, j.location_raw, j.salary_min, j.salary_max,
       j.salary_currency, j.salary_period, j.remote, j.status, j.posted_at, j.source, j.url
FROM (SELECT rowid AS id FROM jobs_fts WHERE jobs_fts MATCH fts_quote(:q)
      ORDER BY rowid DESC LIMIT 100) f
JOIN jobs j ON j.id = f.id
ORDER BY j.id DESC"""


def search(conn: sqlite3.Connection, query: str) -> list[dict]:
    """The 100 most recently stored ``jobs`` rows matching ``query``, any text accepted."""
    conn.create_function("fts_quote", 1, fts_quote, deterministic=True)
    cur = conn.execute(SEARCH_SQL, {"q": query})
    names = [c[0] for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
