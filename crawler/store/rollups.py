"""Summary tables the database keeps up to date itself, so that trend views answer at once.

At a million postings a ``GROUP BY`` over ``jobs`` reads gigabytes (``board_summary`` took
53 s, a weekly count 8 s). The analysis views read these small tables instead. Triggers on
``jobs`` keep them exact in the writer's own transaction: an insert adds the row's
contribution, a delete subtracts it, and an update of a column they read subtracts the old
row's contribution and adds the new one. Updates that name none of those columns (the
store's "seen again" touch of ``last_seen_at``) fire nothing, so a recrawl pays nothing.

* ``weekly_stats``: per board and week, postings by posted week (``posted_at``, else
  ``first_seen_at``) with their remote mode, pay and posted date fill; postings first seen;
  postings closed (by the week of ``closed_at``, while closed) and their days open.
* ``close_durations``: closed postings per board by whole days open.
* ``pay_stats``: postings per currency, period, seniority, role family and pay amount
  (the midpoint of ``salary_min``/``salary_max``), from which exact percentiles are read.
* ``facet_counts`` / ``facet_monthly``: postings and open postings per tag and company,
  in all and per posted month.

Keys use '' for "not known" (a NULL in a key would never match itself). ``rebuild(db)``
recomputes every table from ``jobs``; ``check(db)`` compares them with a fresh computation
(the tests use it after crawls). A change to what a rollup counts is a schema change: it
ships as a new migration that reinstalls the triggers and calls ``rebuild``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

WEEK = "date({ts}, 'weekday 0', '-6 days')"  # the Monday of the ISO week, 'YYYY-MM-DD'

# Coarse role families read from the title, first match wins (lower-cased LIKE patterns).
# Order matters: "data engineer" is data, "engineering manager" is engineering.
ROLE_FAMILIES: list[tuple[str, tuple[str, ...]]] = [
    ("data", ("%data %", "%machine learning%", "% ml %", "ml %", "%analytics%", "%analyst%",
              "%scientist%", "% ai %", "ai %")),
    ("design", ("%design%", "% ux%", "ux %", "% ui %", "ui %")),
    ("product", ("%product manager%", "%product owner%", "%product lead%", "%head of product%",
                 "%vp product%", "%product director%")),
    ("engineering", ("%engineer%", "%developer%", "%devops%", "%programmer%", "%architect%",
                     "%sre%", "%software%", "%technical lead%", "%tech lead%", "%qa %", "%cto%",
                     "%security%", "%infrastructure%", "%frontend%", "%backend%", "%full stack%",
                     "%fullstack%")),
    ("sales", ("%sales%", "%account executive%", "%account manager%", "%business development%",
               "%sdr%", "%bdr%")),
    ("marketing", ("%marketing%", "%seo%", "%content%", "%growth%", "%brand%", "%copywriter%",
                   "%social media%", "%communications%")),
    ("support", ("%support%", "%customer success%", "%customer service%", "%customer experience%",
                 "%helpdesk%", "%help desk%")),
    ("people", ("%recruit%", "%talent%", "%people %", "%human resources%", "% hr %", "hr %")),
    ("finance", ("%finance%", "%financial%", "%accountant%", "%accounting%", "%controller%",
                 "%payroll%", "%tax %")),
    ("operations", ("%operations%", "%project manager%", "%program manager%", "%office manager%",
                    "%administrat%", "%assistant%", "%coordinator%")),
]  # fmt: skip


def role_family_sql(title: str = "title") -> str:
    """SQL for the role family of ``title`` (a column or expression); 'other' when none fits,
    NULL when there is no title."""
    padded = f"(' ' || lower({title}) || ' ')"
    whens = []
    for family, patterns in ROLE_FAMILIES:
        cond = " OR ".join(f"{padded} LIKE '{p if p.startswith('%') else '% ' + p}'"
                           for p in patterns)  # fmt: skip
        whens.append(f"WHEN {cond} THEN '{family}'")
    return f"CASE WHEN {title} IS NULL THEN NULL {' '.join(whens)} ELSE 'other' END"


def pay_amount_sql(row: str) -> str:
    """The pay amount counted in ``pay_stats``: the midpoint of the range, or its one bound."""
    lo, hi = f"{row}.salary_min", f"{row}.salary_max"
    return f"((COALESCE({lo}, {hi}) + COALESCE({hi}, {lo})) / 2.0)"


@dataclass(frozen=True)
class Rollup:
    """One summary table: its key and counter columns, and each contribution of a row."""

    table: str
    keys: tuple[str, ...]
    counters: tuple[str, ...]
    # (condition, key expressions, counter expressions) with ``R`` for the row; a row adds
    # one contribution per entry whose condition holds (``FROM`` lets one row add several).
    contributions: tuple[tuple[str, tuple[str, ...], tuple[str, ...], str], ...]
    key_types: tuple[str, ...] = ()

    def create_sql(self) -> str:
        types = self.key_types or ("TEXT",) * len(self.keys)
        cols = [f"{k} {t} NOT NULL" for k, t in zip(self.keys, types, strict=True)]
        cols += [f"{c} INTEGER NOT NULL DEFAULT 0" for c in self.counters]
        return (f"CREATE TABLE IF NOT EXISTS {self.table} ({', '.join(cols)}, "
                f"PRIMARY KEY ({', '.join(self.keys)}))")  # fmt: skip

    def apply_sql(self, row: str, sign: int) -> list[str]:
        """Statements adding (``sign`` 1) or removing (-1) the contributions of ``row``."""
        out = []
        for cond, keys, counters, source in self.contributions:
            values = [k.replace("R.", f"{row}.") for k in keys]
            values += [f"{sign} * COALESCE({c.replace('R.', f'{row}.')}, 0)" for c in counters]
            where = cond.replace("R.", f"{row}.")
            updates = ", ".join(f"{c} = {c} + excluded.{c}" for c in self.counters)
            src = f" FROM {source.replace('R.', f'{row}.')}" if source else ""
            out.append(
                f"INSERT INTO {self.table} ({', '.join(self.keys + self.counters)}) "
                f"SELECT {', '.join(values)}{src} WHERE {where} "
                f"ON CONFLICT ({', '.join(self.keys)}) DO UPDATE SET {updates}"
            )
        return out


def _week(expr: str) -> str:
    return WEEK.format(ts=expr)


_POSTED = "COALESCE(R.posted_at, R.first_seen_at)"
_CLOSED = "R.status = 'closed' AND R.closed_at IS NOT NULL"
_FAMILY = f"COALESCE({role_family_sql('R.title')}, '')"
_PAID = ("R.salary_currency IS NOT NULL AND R.salary_period IS NOT NULL"
         " AND (R.salary_min IS NOT NULL OR R.salary_max IS NOT NULL)")  # fmt: skip
# Tags are deduplicated by the cleaner, so each counts once per posting.
_TAGS = "json_each(CASE WHEN json_valid(R.tags) THEN R.tags END) t"
_DAYS_OPEN = f"MAX(0, CAST(julianday(R.closed_at) - julianday({_POSTED}) AS INTEGER))"

ROLLUPS = [
    Rollup(
        "weekly_stats",
        ("source", "week", "role_family"),
        ("posted", "remote", "hybrid", "onsite", "with_salary", "with_posted_at",
         "first_seen", "closed", "closed_days"),
        (
            (f"{_POSTED} IS NOT NULL", ("R.source", _week(_POSTED), _FAMILY),
             ("1", "R.remote = 'remote'", "R.remote = 'hybrid'", "R.remote = 'onsite'",
              "R.salary_min IS NOT NULL OR R.salary_max IS NOT NULL", "R.posted_at IS NOT NULL",
              "0", "0", "0"), ""),
            ("R.first_seen_at IS NOT NULL", ("R.source", _week("R.first_seen_at"), _FAMILY),
             ("0",) * 6 + ("1", "0", "0"), ""),
            (_CLOSED, ("R.source", _week("R.closed_at"), _FAMILY), ("0",) * 7 + ("1", _DAYS_OPEN),
             ""),
        ),
    ),
    Rollup(
        "close_durations",
        ("source", "days_open"),
        ("closed",),
        ((_CLOSED, ("R.source", _DAYS_OPEN), ("1",), ""),),
        key_types=("TEXT", "INTEGER"),
    ),
    Rollup(
        "pay_stats",
        ("salary_currency", "salary_period", "seniority", "role_family", "amount"),
        ("postings", "open"),
        (
            (_PAID,
             ("R.salary_currency", "R.salary_period", "COALESCE(R.seniority, '')",
              _FAMILY, pay_amount_sql("R")),
             ("1", "R.status = 'open'"), ""),
        ),
        key_types=("TEXT", "TEXT", "TEXT", "TEXT", "REAL"),
    ),
    Rollup(
        "pay_region_stats",
        ("salary_currency", "salary_period", "region", "amount"),
        ("postings", "open"),
        (
            (_PAID + " AND r.type IN ('text', 'null')",
             ("R.salary_currency", "R.salary_period", "COALESCE(r.value, '')",
              pay_amount_sql("R")),
             ("1", "R.status = 'open'"),
             # a posting naming no region counts once, under ''
             "json_each(CASE WHEN json_valid(R.regions) AND json_array_length(R.regions) > 0"
             " THEN R.regions ELSE '[null]' END) r"),
        ),
        key_types=("TEXT", "TEXT", "TEXT", "REAL"),
    ),
    Rollup(
        "facet_counts",
        ("facet", "value"),
        ("postings", "open"),
        (
            ("R.company IS NOT NULL", ("'company'", "R.company"), ("1", "R.status = 'open'"), ""),
            ("t.type = 'text'", ("'tag'", "t.value"), ("1", "R.status = 'open'"),
             _TAGS),
        ),
    ),
    Rollup(
        "facet_monthly",
        ("facet", "value", "month"),
        ("postings",),
        (
            (f"R.company IS NOT NULL AND {_POSTED} IS NOT NULL",
             ("'company'", "R.company", f"substr({_POSTED}, 1, 7)"), ("1",), ""),
            (f"t.type = 'text' AND {_POSTED} IS NOT NULL",
             ("'tag'", "t.value", f"substr({_POSTED}, 1, 7)"), ("1",),
             _TAGS),
        ),
    ),
]  # fmt: skip

# Every jobs column a rollup reads: an UPDATE naming none of them fires no trigger.
WATCHED = ("source", "posted_at", "first_seen_at", "status", "closed_at", "remote",
           "salary_min", "salary_max", "salary_currency", "salary_period", "seniority",
           "title", "company", "tags")  # fmt: skip

ROLLUP_DOCS: dict[str, dict[str, tuple[str, str]]] = {
    "weekly_stats": {
        "source": ("TEXT", "Board."),
        "week": ("TEXT", "Monday of the week, `YYYY-MM-DD` (UTC)."),
        "role_family": ("TEXT", "Coarse role family from the title, '' without a title."),
        "posted": ("INTEGER", "Postings posted this week (`posted_at`, else `first_seen_at`)."),
        "remote": ("INTEGER", "Of `posted`: `remote` = 'remote'."),
        "hybrid": ("INTEGER", "Of `posted`: `remote` = 'hybrid'."),
        "onsite": ("INTEGER", "Of `posted`: `remote` = 'onsite'."),
        "with_salary": ("INTEGER", "Of `posted`: with a salary bound."),
        "with_posted_at": ("INTEGER", "Of `posted`: with a `posted_at`."),
        "first_seen": ("INTEGER", "Postings jobcrawl first saw this week (`first_seen_at`)."),
        "closed": ("INTEGER", "Postings closed this week (`closed_at`) and still closed."),
        "closed_days": ("INTEGER", "Sum of the whole days those closed postings were open."),
    },
    "close_durations": {
        "source": ("TEXT", "Board."),
        "days_open": (
            "INTEGER",
            "Whole days from `posted_at` (else `first_seen_at`) to `closed_at`.",
        ),
        "closed": ("INTEGER", "Closed postings that were open that many days."),
    },
    "pay_stats": {
        "salary_currency": ("TEXT", "ISO 4217 currency."),
        "salary_period": ("TEXT", "`hour` ... `year`."),
        "seniority": ("TEXT", "`seniority`, '' when the title names none."),
        "role_family": ("TEXT", "Coarse role family from the title (crawler/store/rollups.py)."),
        "amount": ("REAL", "Midpoint of `salary_min` and `salary_max` (or the one given)."),
        "postings": ("INTEGER", "Postings with that pay."),
        "open": ("INTEGER", "Of them, open now."),
    },
    "pay_region_stats": {
        "salary_currency": ("TEXT", "ISO 4217 currency."),
        "salary_period": ("TEXT", "`hour` ... `year`."),
        "region": ("TEXT", "One of the posting's `regions`; '' when it names none."),
        "amount": ("REAL", "Midpoint of `salary_min` and `salary_max` (or the one given)."),
        "postings": ("INTEGER", "Postings with that pay (once per region they name)."),
        "open": ("INTEGER", "Of them, open now."),
    },
    "facet_counts": {
        "facet": ("TEXT", "`tag` or `company`."),
        "value": ("TEXT", "The tag or the company name."),
        "postings": ("INTEGER", "Postings with it."),
        "open": ("INTEGER", "Of them, open now."),
    },
    "facet_monthly": {
        "facet": ("TEXT", "`tag` or `company`."),
        "value": ("TEXT", "The tag or the company name."),
        "month": ("TEXT", "Posted month (`posted_at`, else `first_seen_at`), `YYYY-MM`."),
        "postings": ("INTEGER", "Postings with it posted that month."),
    },
}


def trigger_sql() -> list[str]:
    """CREATE TRIGGER statements keeping every rollup exact."""
    add = [s for r in ROLLUPS for s in r.apply_sql("NEW", 1)]
    sub = [s for r in ROLLUPS for s in r.apply_sql("OLD", -1)]
    watched = ", ".join(WATCHED)
    return [
        f"CREATE TRIGGER jobs_rollup_ai AFTER INSERT ON jobs BEGIN {'; '.join(add)}; END",
        f"CREATE TRIGGER jobs_rollup_ad AFTER DELETE ON jobs BEGIN {'; '.join(sub)}; END",
        f"CREATE TRIGGER jobs_rollup_au AFTER UPDATE OF {watched} ON jobs BEGIN "
        f"{'; '.join(sub + add)}; END",
    ]


def install(conn: sqlite3.Connection) -> None:
    """Create the tables and triggers (replacing older triggers) and fill the tables."""
    for rollup in ROLLUPS:
        conn.execute(rollup.create_sql())
    for name in ("jobs_rollup_ai", "jobs_rollup_ad", "jobs_rollup_au"):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    for sql in trigger_sql():
        conn.execute(sql)
    rebuild(conn)


def _fill(conn: sqlite3.Connection, rollup: Rollup, target: str) -> None:
    """Aggregate every jobs row's contributions into ``target`` (same columns)."""
    for cond, keys, counters, source in rollup.contributions:
        keys_sql = [k.replace("R.", "j.") for k in keys]
        sums = [f"SUM(COALESCE({c.replace('R.', 'j.')}, 0))" for c in counters]
        src = f", {source.replace('R.', 'j.')}" if source else ""
        updates = ", ".join(f"{c} = {c} + excluded.{c}" for c in rollup.counters)
        group = ", ".join(str(i + 1) for i in range(len(keys)))
        conn.execute(
            f"INSERT INTO {target} ({', '.join(rollup.keys + rollup.counters)}) "
            f"SELECT {', '.join(keys_sql + sums)} FROM jobs j{src} "
            f"WHERE {cond.replace('R.', 'j.')} GROUP BY {group} "
            f"ON CONFLICT ({', '.join(rollup.keys)}) DO UPDATE SET {updates}"
        )


def rebuild(conn: sqlite3.Connection) -> None:
    """Recompute every rollup from ``jobs`` (one pass per contribution)."""
    for rollup in ROLLUPS:
        conn.execute(f"DELETE FROM {rollup.table}")
        _fill(conn, rollup, rollup.table)


def check(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows of each rollup that differ from a fresh computation (zero-count rows ignored)."""
    out = {}
    for rollup in ROLLUPS:
        scratch = f"temp.check_{rollup.table}"
        conn.execute(f"DROP TABLE IF EXISTS {scratch}")
        conn.execute(rollup.create_sql().replace(f"EXISTS {rollup.table}", f"EXISTS {scratch}"))
        _fill(conn, rollup, scratch)
        nonzero = " OR ".join(f"{c} != 0" for c in rollup.counters)
        cols = ", ".join(rollup.keys + rollup.counters)
        diff = conn.execute(
            f"SELECT (SELECT COUNT(*) FROM (SELECT {cols} FROM {rollup.table} WHERE {nonzero} "
            f"EXCEPT SELECT {cols} FROM {scratch} WHERE {nonzero})) + "
            f"(SELECT COUNT(*) FROM (SELECT {cols} FROM {scratch} WHERE {nonzero} "
            f"EXCEPT SELECT {cols} FROM {rollup.table} WHERE {nonzero}))"
        )
        out[rollup.table] = diff.fetchone()[0]
        conn.execute(f"DROP TABLE {scratch}")
    return out
