"""``make report``: one self-contained HTML file of charts answering the market questions.

``python -m crawler.analysis.report [DB] [-o FILE]`` reads the analysis views
(crawler/store/schema.py) and
writes ``data/report.html``: postings per week by board, new and closed per week, time to
close, pay by role family, remote share, top tags and companies now, tags over time and
board health. Each chart is matplotlib SVG inlined in the page (no script, no CDN, works
offline) with its numbers in a table beside it; every data mark carries an SVG ``<title>``
tooltip and an id starting with ``mark``. ``report_data(conn)`` returns the tables the
charts are drawn from, so a test can compare them with SQL run on the database.
"""

from __future__ import annotations

import argparse
import html
import io
import re
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = ROOT / "data" / "jobs.db"
DEFAULT_OUT = ROOT / "data" / "report.html"
TOP = 15
WEEKS = 26


def _rows(conn: sqlite3.Connection, sql: str, params=()) -> list[dict]:
    cur = conn.execute(sql, params)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def pay_basis(conn: sqlite3.Connection) -> tuple[str, str] | None:
    """The (currency, period) most postings state their pay in."""
    row = conn.execute(
        "SELECT salary_currency, salary_period FROM pay_percentiles GROUP BY 1, 2"
        " ORDER BY SUM(postings) DESC, 1, 2 LIMIT 1"
    ).fetchone()
    return (row[0], row[1]) if row else None


def report_data(conn: sqlite3.Connection) -> dict[str, dict]:
    """Each chart's title, note and rows (what the chart and its table show)."""
    out: dict[str, dict] = {}
    recent = "SELECT DISTINCT week FROM weekly_postings ORDER BY week DESC LIMIT ?"
    weeks = [r[0] for r in conn.execute(recent, (WEEKS,))]
    since = min(weeks) if weeks else ""
    out["weekly_by_board"] = {
        "title": "Postings per week, by board",
        "note": f"Postings posted each week (posted date, else first seen), last {WEEKS} weeks.",
        "rows": _rows(
            conn,
            "SELECT week, source, posted FROM weekly_postings WHERE week >= ?"
            " ORDER BY week, source",
            (since,),
        ),  # fmt: skip
    }
    out["new_and_closed"] = {
        "title": "New and closed postings per week",
        "note": "All boards: postings jobcrawl first saw, and postings it closed, each week.",
        "rows": _rows(
            conn,
            "SELECT week, SUM(first_seen) AS new, SUM(closed) AS closed"
            " FROM weekly_postings WHERE week >= ? GROUP BY week ORDER BY week",
            (since,),
        ),  # fmt: skip
    }
    out["time_to_close"] = {
        "title": "How long postings stay open",
        "note": "Days from posting (else first seen) to closing, closed postings per board.",
        "rows": _rows(
            conn,
            "SELECT source, closed, median_days, p90_days, mean_days"
            " FROM time_to_close ORDER BY source",
        ),  # fmt: skip
    }
    basis = pay_basis(conn)
    out["pay_by_role"] = {
        "title": "Pay by role family" + (f" ({basis[0]} per {basis[1]})" if basis else ""),
        "note": "Percentiles of the pay range's midpoint, every seniority together is not"
        " mixed: one row per role family and seniority with 3 or more postings.",
        "rows": _rows(
            conn,
            "SELECT role_family, seniority, postings, p25, median, p75"
            " FROM pay_percentiles WHERE salary_currency = ? AND salary_period = ?"
            " AND postings >= 3 ORDER BY median DESC LIMIT ?",
            (*basis, TOP),
        )
        if basis
        else [],  # fmt: skip
    }
    out["remote_share"] = {
        "title": "Remote share over time",
        "note": "Per posted week: remote / (remote + hybrid + on-site), postings that say.",
        "rows": _rows(
            conn,
            "SELECT week, postings, remote, hybrid, onsite, remote_share"
            " FROM remote_share_weekly WHERE week >= ? ORDER BY week",
            (since,),
        ),  # fmt: skip
    }
    out["top_tags"] = {
        "title": "Top skills (tags) now",
        "note": "Tags by open postings.",
        "rows": _rows(conn, "SELECT tag, open, postings FROM top_tags LIMIT ?", (TOP,)),
    }
    out["top_companies"] = {
        "title": "Companies hiring now",
        "note": "Companies by open postings.",
        "rows": _rows(conn, "SELECT company, open, postings FROM top_companies LIMIT ?", (TOP,)),
    }
    top5 = [r["tag"] for r in out["top_tags"]["rows"][:5]]
    marks = ",".join("?" * len(top5))
    out["tag_trends"] = {
        "title": "Top tags over time",
        "note": "Postings per posted month with each of today's five top tags.",
        "rows": _rows(
            conn,
            f"SELECT month, tag, postings FROM tag_trends WHERE tag IN ({marks})"
            " ORDER BY month, tag",
            top5,
        )
        if top5
        else [],  # fmt: skip
    }
    out["board_health"] = {
        "title": "Board health",
        "note": "Crawls per day and board: healthy, unhealthy, unfinished (last 30 days with"
        " crawls).",
        "rows": _rows(
            conn,
            "SELECT day, spider, crawls, healthy, unhealthy, not_judged, unfinished,"
            " items_scraped, errors FROM board_health WHERE day IN (SELECT DISTINCT"
            " day FROM board_health ORDER BY day DESC LIMIT 30) ORDER BY day, spider",
        ),  # fmt: skip
    }
    out["duplicates"] = {
        "title": "The same jobs on several boards",
        "note": "Duplicate groups two boards share.",
        "rows": _rows(
            conn,
            "SELECT source, other_source, groups FROM cross_board_duplicates"
            " WHERE source < other_source ORDER BY groups DESC",
        ),  # fmt: skip
    }
    return out


# --- charts -------------------------------------------------------------------------------


def _pivot(rows, x, series, y):
    xs = sorted({r[x] for r in rows})
    names = sorted({r[series] for r in rows})
    table = {(r[x], r[series]): r[y] or 0 for r in rows}
    return xs, names, {n: [table.get((v, n), 0) for v in xs] for n in names}


def _label(value) -> str:
    return value if isinstance(value, str) else f"{value:,}"


def _chart(key: str, data: dict):  # noqa: C901 - one branch per chart kind
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = data["rows"]
    fig, ax = plt.subplots(figsize=(7.5, 3.4), dpi=100)
    tips: list[str] = []

    def mark(artist, tip: str) -> None:
        artist.set_gid(f"mark{len(tips)}")
        tips.append(tip)

    if key == "weekly_by_board":
        xs, names, series = _pivot(rows, "week", "source", "posted")
        for name in names:
            (line,) = ax.plot(xs, series[name], marker="o", markersize=3, label=name)
            mark(
                line,
                f"{name}: "
                + ", ".join(f"{x} {v:,}" for x, v in zip(xs, series[name], strict=True)),
            )
        ax.legend(fontsize=7)
        ax.set_ylabel("postings")
    elif key == "new_and_closed":
        xs = [r["week"] for r in rows]
        pos = range(len(xs))
        for offset, col in ((-0.2, "new"), (0.2, "closed")):
            bars = ax.bar([p + offset for p in pos], [r[col] for r in rows], width=0.4, label=col)
            for bar, r in zip(bars, rows, strict=True):
                mark(bar, f"week {r['week']}: {r[col]:,} {col}")
        ax.set_xticks(list(pos), xs)
        ax.legend(fontsize=7)
    elif key == "time_to_close":
        names = [r["source"] for r in rows]
        for offset, col in ((-0.2, "median_days"), (0.2, "p90_days")):
            bars = ax.barh([i + offset for i in range(len(rows))], [r[col] or 0 for r in rows],
                           height=0.4, label=col.replace("_", " "))  # fmt: skip
            for bar, r in zip(bars, rows, strict=True):
                mark(bar, f"{r['source']}: {col.replace('_', ' ')} {r[col]}")
        ax.set_yticks(range(len(rows)), names)
        ax.set_xlabel("days open")
        ax.legend(fontsize=7)
    elif key == "pay_by_role":
        labels = [f"{r['role_family'] or '?'} / {r['seniority'] or 'any'}" for r in rows]
        for i, r in enumerate(rows):
            bar = ax.barh(i, (r["p75"] or 0) - (r["p25"] or 0), left=r["p25"] or 0, height=0.5,
                          color="#9ecae1")  # fmt: skip
            mark(bar.patches[0], f"{labels[i]}: p25 {r['p25']:,.0f}, p75 {r['p75']:,.0f}")
            (dot,) = ax.plot([r["median"]], [i], "o", color="#08519c")
            mark(dot, f"{labels[i]}: median {r['median']:,.0f} ({r['postings']} postings)")
        ax.set_yticks(range(len(rows)), labels, fontsize=7)
        ax.set_xlabel("pay (p25 to p75, dot: median)")
    elif key == "remote_share":
        xs = [r["week"] for r in rows]
        (line,) = ax.plot(xs, [r["remote_share"] or 0 for r in rows], marker="o", markersize=3)
        mark(line, ", ".join(f"{r['week']} {r['remote_share']}" for r in rows))
        ax.set_ylim(0, 1)
        ax.set_ylabel("remote share")
    elif key in ("top_tags", "top_companies"):
        name = "tag" if key == "top_tags" else "company"
        bars = ax.barh(range(len(rows)), [r["open"] for r in rows])
        for bar, r in zip(bars, rows, strict=True):
            mark(bar, f"{r[name]}: {r['open']:,} open, {r['postings']:,} in all")
        ax.set_yticks(range(len(rows)), [r[name] for r in rows], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("open postings")
    elif key == "tag_trends":
        xs, names, series = _pivot(rows, "month", "tag", "postings")
        for name in names:
            (line,) = ax.plot(xs, series[name], marker="o", markersize=3, label=name)
            mark(
                line,
                f"{name}: "
                + ", ".join(f"{x} {v:,}" for x, v in zip(xs, series[name], strict=True)),
            )
        ax.legend(fontsize=7)
    elif key == "board_health":
        days = sorted({r["day"] for r in rows})
        bottom = [0] * len(days)
        for col, label, color in (("healthy", "healthy", "#31a354"),
                                  ("unhealthy", "unhealthy", "#de2d26"),
                                  ("not_judged", "not judged", "#bdbdbd")):  # fmt: skip
            values = [sum(r[col] for r in rows if r["day"] == d) for d in days]
            if not any(values):
                continue
            bars = ax.bar(days, values, bottom=bottom, label=label, color=color)
            for bar, d, v in zip(bars, days, values, strict=True):
                mark(bar, f"{d}: {v} {label}")
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.legend(fontsize=7)
        ax.set_ylabel("crawls")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.grid(axis="both", alpha=0.3)
    fig.tight_layout()
    buf = io.StringIO()
    # No RDF metadata block (creator, date): the page stays the same for the same data.
    fig.savefig(buf, format="svg", metadata=dict.fromkeys(("Creator", "Date", "Format", "Type")))
    plt.close(fig)
    return _with_tooltips(buf.getvalue(), tips)


def _with_tooltips(svg: str, tips: list[str]) -> str:
    """The SVG without its XML prologue, each ``mark`` group given a ``<title>`` tooltip."""
    svg = svg[svg.index("<svg") :]
    for i, tip in enumerate(tips):
        svg = re.sub(rf'(<g id="mark{i}">)', rf"\1<title>{html.escape(tip)}</title>", svg, count=1)
    return svg


def _table(rows: list[dict]) -> str:
    if not rows:
        return "<p>No data yet.</p>"
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0])
    body = "".join(
        "<tr>" + "".join(
            f'<td data-col="{html.escape(k)}">{html.escape("" if v is None else _label(v))}</td>'
            for k, v in r.items()) + "</tr>"
        for r in rows
    )  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
section { display: flex; gap: 1.5em; align-items: flex-start; margin-bottom: 2em;
          border-top: 1px solid #ddd; padding-top: 1em; flex-wrap: wrap; }
.chart svg { max-width: 760px; height: auto; }
.numbers { max-height: 340px; overflow: auto; }
table { border-collapse: collapse; font-size: 12px; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
"""


def render(conn: sqlite3.Connection, title: str = "jobcrawl report") -> str:
    """The report as one HTML document (inline SVG and CSS; no script, nothing fetched)."""
    data = report_data(conn)
    totals = conn.execute("SELECT SUM(postings), SUM(open), SUM(closed) FROM board_summary")
    postings, open_now, closed = (v or 0 for v in totals.fetchone())
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
        f"<p>{postings:,} postings, {open_now:,} open and {closed:,} closed. Made {made} from"
        " the database's analysis views; hover a mark for its numbers, or read the table"
        " beside each chart.</p>",
    ]
    for key, chart in data.items():
        svg = _chart(key, chart) if chart["rows"] and key != "duplicates" else ""
        parts.append(
            f"<section id='{key}'><div class='chart'><h2>{html.escape(chart['title'])}</h2>"
            f"<p>{html.escape(chart['note'])}</p>{svg}</div>"
            f"<div class='numbers'>{_table(chart['rows'])}</div></section>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", type=Path, default=DEFAULT_DB)
    parser.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"{args.db} does not exist: run `make crawl` (or `make demo`) first", file=sys.stderr)
        return 2
    from crawler.store.schema import open_db

    open_db(args.db).close()  # current schema and views
    conn = sqlite3.connect(args.db)
    try:
        text = render(conn)
    finally:
        conn.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text) / 1024:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
