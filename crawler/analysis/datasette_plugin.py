"""jobcrawl's Datasette plugin (registered as the ``jobcrawl`` entry point of ``datasette``).

* ``fts_quote(text)`` as a SQL function, for the ``search`` canned query
  (crawler/analysis/search.py): ``c++`` and ``node.js`` are accepted.
* A table page opened with no query string shows its ``default_columns`` (the metadata's
  ``plugins.jobcrawl`` block, crawler/analysis/explore.py) in that order: the first screen of
  ``jobs`` is title, company, location and pay, not ids and hashes. The redirect adds
  ``_jobcrawl=columns``, so Datasette's "Show all columns" (which drops ``_col``) stays on
  all columns instead of coming back here.
* On table and view pages, Datasette 0.65 lists every column's description above the rows
  (40 of them for ``jobs``: the rows start three screens down). A small script folds the list
  into a "What each column means" disclosure and puts each description on its column
  heading as a hover tooltip, and moves the facets below the rows. Without scripts the page
  stays as Datasette lays it out.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from datasette import hookimpl

from crawler.analysis.search import fts_quote


@hookimpl
def prepare_connection(conn):
    conn.create_function("fts_quote", 1, fts_quote, deterministic=True)


FOLD_DESCRIPTIONS = """
(function () {
  var dl = document.querySelector("dl.column-descriptions");
  if (!dl) return;
  var docs = {};
  dl.querySelectorAll("dt").forEach(function (dt) {
    var dd = dt.nextElementSibling;
    if (dd) docs[dt.textContent.trim()] = dd.textContent.trim();
  });
  document.querySelectorAll("th[data-column]").forEach(function (th) {
    var doc = docs[th.getAttribute("data-column")];
    if (doc) th.title = doc;
  });
  var details = document.createElement("details");
  details.className = "column-descriptions";
  var summary = document.createElement("summary");
  summary.textContent = "What each column means (" + Object.keys(docs).length + " columns)";
  details.appendChild(summary);
  dl.parentNode.insertBefore(details, dl);
  details.appendChild(dl);
  // The rows first, then the facets (eleven of them would push the rows off the screen).
  var rows = document.querySelector(".table-wrapper");
  if (!rows) return;
  [".facet-results", ".facets-timed-out", ".suggested-facets"].forEach(function (sel) {
    var el = document.querySelector(sel);
    if (el) rows.parentNode.insertBefore(el, rows.nextSibling);
  });
})();
"""


@hookimpl
def extra_body_script(view_name):
    if view_name == "table":
        return FOLD_DESCRIPTIONS
    return ""


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def default_columns(scope, receive, send):
            if scope["type"] == "http" and not scope.get("query_string"):
                target = _target(datasette, scope.get("path", ""))
                if target:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 302,
                            "headers": [[b"location", target.encode()]],
                        }
                    )
                    await send({"type": "http.response.body", "body": b""})
                    return
            await app(scope, receive, send)

        return default_columns

    return wrap


def _target(datasette, path: str) -> str | None:
    parts = path.strip("/").split("/")
    if len(parts) != 2 or "." in parts[1]:
        return None
    database, table = parts
    config = datasette.plugin_config("jobcrawl", database=database, table=table) or {}
    columns = config.get("default_columns")
    if not columns:
        return None
    query = urlencode([("_col", c) for c in columns] + [("_jobcrawl", "columns")])
    return f"/{quote(database)}/{quote(table)}?{query}"
