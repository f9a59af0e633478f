"""Listings read in part, caches that answer for the board, values that are placeholders.

Each route used to end in a *healthy* crawl that lost postings or closed live ones. Each test
runs the real engine against the replay server and asserts what a user cares about: no
live posting closed, the failure named on the ``crawls`` row, every record a row or a reject.

* a sitemap the XML parser stops reading part-way (a stray ``<``), that still ends in
  ``</urlset>``: unreadable, nothing closes (one miss would close);
* a listing answered by a 301 to another company's board: a failed listing, none of the
  other company's postings stored under this one, and the 301 never cached;
* a listing whose answer says ``max-age`` of a year and an old ``Last-Modified``: asked
  again every crawl (its new postings stored), the stored copy used only on a 304;
* ``validThrough`` "N/A"/"NaN" and ``datePosted`` "NA"/2099: null with the reason in
  ``value_problems``, nothing closed; a sitemap ``lastmod`` of 2099 does not pin a page;
* a record nested deeper than the JSON parser goes, and an invalid UTF-8 byte: the deep
  record is a ``rejects`` row, its neighbours and the bad byte's posting are stored;
* ``url``/``apply_url`` that are ``javascript:``/``data:`` links: null, with the reason;
  and Scrapy's remote-control extension is not running.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from crawler.tools.bench.corpus import derived_records, write_sitemap_board

LEVER = "api.lever.co/v0/postings"
ONE_MISS = {"LIFECYCLE_NOW": "2026-09-25T00:00:00Z", "LIFECYCLE_MISSES_TO_CLOSE": "1"}


def last_crawl(result):
    row = result.rows("SELECT * FROM crawls ORDER BY id DESC LIMIT 1")[0]
    return row, json.loads(row["stats"]), json.loads(row["health_problems"] or "{}")


def test_a_sitemap_the_parser_stops_reading_early_is_unreadable_and_closes_nothing(
    crawl, make_replay, tmp_path
):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    manifest = write_sitemap_board(root, 20, seed=3, shard_size=20)
    first = crawl("remotewlb", server=make_replay(root), db=db, settings=ONE_MISS)
    assert first.scalar("SELECT COUNT(*) FROM jobs WHERE status = 'open'") == 20, first.output
    shard = root / "remotewlb.com" / "sitemaps" / "jobs" / manifest.handles[0]
    text = shard.read_text()
    locs = [m.start() for m in re.finditer("</loc>", text)]
    # A stray "<" in the 9th entry: lxml's recovering parser stops there, quietly; the
    # document still ends in </urlset>, so it looked whole and 12 live postings were closed.
    shard.write_text(text[: locs[8]] + "<" + text[locs[8] :])
    assert shard.read_text().rstrip().endswith("</urlset>")

    result = crawl("remotewlb", server=make_replay(root), db=db, settings=ONE_MISS)
    row, stats, problems = last_crawl(result)
    assert row["finish_reason"] == "finished"
    assert stats["jobcrawl/bad_sitemap"] == 1, stats
    assert row["healthy"] == 0 and "unreadable" in problems, problems
    assert "bad_sitemap" in json.loads(row["closing_problems"])
    assert "of the 20 <loc> entries" in result.output
    assert result.scalar("SELECT COUNT(*) FROM jobs WHERE status != 'open'") == 0
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 20


def lever_company(root: Path, company: str, count: int, seed: int) -> list[dict]:
    records = derived_records("lever", count, seed=seed)
    for record in records:  # derived ids depend on the position only: make them the company's
        record["id"] = f"{company}-{record['id']}"
    folder = root / LEVER
    folder.mkdir(parents=True, exist_ok=True)
    (folder / company).write_text(json.dumps(records))
    return records


def sidecar(root: Path, company: str, meta: dict | None) -> None:
    path = root / LEVER / f"{company}.meta.json"
    if meta is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(json.dumps(meta))


def test_a_listing_redirected_to_another_board_fails_and_the_redirect_is_never_cached(
    crawl, make_replay, tmp_path
):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    lever_company(root, "acme", 20, seed=501)
    lever_company(root, "steady", 10, seed=502)
    other = lever_company(root, "othercorp", 15, seed=503)
    args = ["-a", "companies=acme,steady"]
    first = crawl("lever", server=make_replay(root), db=db, args=args)
    assert first.scalar("SELECT COUNT(*) FROM jobs WHERE company_slug = 'acme'") == 20

    away = {
        "status": 301,
        "headers": {"Location": "https://api.lever.co/v0/postings/othercorp?mode=json"},
        "body": "moved",
    }
    sidecar(root, "acme", away)
    for _ in range(2):  # two misses would close every acme posting
        result = crawl("lever", server=make_replay(root), db=db, args=args)
        row, stats, problems = last_crawl(result)
        assert stats["jobcrawl/redirected_away"] == 1, stats
        assert "redirected away to https://api.lever.co/v0/postings/othercorp" in result.output
        listing = result.rows(
            "SELECT * FROM crawl_listings WHERE crawl_id = ? AND listing = 'acme'", row["id"]
        )[0]
        assert listing["healthy"] == 0 and "redirected away" in listing["problems"]
    assert result.scalar("SELECT COUNT(*) FROM jobs WHERE company_slug = 'acme'") == 20
    assert result.scalar("SELECT COUNT(*) FROM jobs WHERE status != 'open'") == 0
    other_ids = {str(r["id"]) for r in other}
    stored = {r[0].split("/", 1)[-1] for r in result.rows("SELECT source_id FROM jobs")}
    assert not other_ids & stored, "another company's postings were stored under this one"

    # The board answers again: it is asked (the 301 was never cached) and read.
    sidecar(root, "acme", None)
    server = make_replay(root)
    back = crawl("lever", server=server, db=db, args=args)
    assert server.count("/api.lever.co/v0/postings/acme?mode=json") == 1
    row, stats, problems = last_crawl(back)
    assert row["healthy"] == 1, problems
    assert "jobcrawl/redirected_away" not in stats


def test_the_cache_always_asks_the_board_and_uses_its_copy_only_on_a_304(
    crawl, make_replay, tmp_path
):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    year = {
        "headers": {
            "Cache-Control": "public, max-age=31536000",
            "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT",
            "ETag": '"v1"',
        }
    }
    lever_company(root, "acme", 10, seed=601)
    sidecar(root, "acme", year)
    args = ["-a", "companies=acme"]
    first = crawl("lever", server=make_replay(root), db=db, args=args)
    assert first.scalar("SELECT COUNT(*) FROM jobs") == 10

    # New postings: a cache trusting max-age (or the Last-Modified heuristic) never asks.
    lever_company(root, "acme", 14, seed=601)
    sidecar(root, "acme", year)
    server = make_replay(root)
    second = crawl("lever", server=server, db=db, args=args)
    assert server.count("/api.lever.co/v0/postings/acme?mode=json") == 1
    assert second.scalar("SELECT COUNT(*) FROM jobs") == 14, second.output[-2000:]

    # The board confirms its copy with a 304: the stored copy is read, nothing is lost.
    sidecar(root, "acme", {"status": 304, "body": ""})
    third = crawl("lever", server=make_replay(root), db=db, args=args)
    row, stats, problems = last_crawl(third)
    assert stats.get("httpcache/revalidate") == 1, stats
    assert row["items_scraped"] == 14 and row["healthy"] == 1, problems


def jsonld_pages(root: Path) -> list[Path]:
    return sorted((root / "remotewlb.com" / "job").iterdir())


def set_posting(page: Path, **values) -> None:
    html = page.read_text(encoding="utf-8")
    match = re.search(r'(<script type="application/ld\+json">)(.*?)(</script>)', html, re.S)
    posting = json.loads(match.group(2))
    posting.update(values)
    block = json.dumps(posting).replace("</", "<\\/")
    page.write_text(html[: match.start(2)] + block + html[match.end(2) :], encoding="utf-8")


def test_placeholder_and_impossible_dates_are_null_with_a_reason_and_close_nothing(
    crawl, make_replay, tmp_path
):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    manifest = write_sitemap_board(root, 8, seed=5, shard_size=8)
    pages = jsonld_pages(root)
    placeholders = {"N/A": pages[0], "NaN": pages[1], "NA": pages[2]}
    for value, page in placeholders.items():
        set_posting(page, validThrough=value)
    set_posting(pages[3], datePosted="NA")
    set_posting(pages[4], datePosted="2099-01-01")
    # One page's sitemap lastmod is 2099: it must not pin the page's content until then.
    shard = root / "remotewlb.com" / "sitemaps" / "jobs" / manifest.handles[0]
    pinned_url = f"https://remotewlb.com/job/{pages[5].name}"
    text = shard.read_text()
    entry = re.search(rf"<loc>{re.escape(pinned_url)}</loc><lastmod>[^<]+</lastmod>", text)
    shard.write_text(
        text.replace(
            entry.group(0), f"<loc>{pinned_url}</loc><lastmod>2099-01-01T00:00:00+00:00</lastmod>"
        )
    )

    settings = {"LIFECYCLE_NOW": "2026-09-25T00:00:00Z"}
    first = crawl("remotewlb", server=make_replay(root), db=db, settings=settings)
    row, stats, problems = last_crawl(first)
    assert stats["jobcrawl/future_lastmod"] == 1
    by_url = {r["url"]: r for r in first.rows("SELECT * FROM jobs")}
    for value, page in placeholders.items():
        job = by_url[f"https://remotewlb.com/job/{page.name}"]
        assert job["valid_through"] is None and job["valid_through_raw"] == value
        assert f"unreadable closing date {value!r}" in job["value_problems"]
        assert job["status"] == "open"
    na = by_url[f"https://remotewlb.com/job/{pages[3].name}"]
    assert na["posted_at"] is None and "unreadable posted date 'NA'" in na["value_problems"]
    future = by_url[f"https://remotewlb.com/job/{pages[4].name}"]
    assert future["posted_at"] is None and "in the future" in future["value_problems"]
    assert by_url[pinned_url]["lastmod"] is None

    set_posting(pages[5], title="Changed title, same 2099 lastmod")
    second = crawl("remotewlb", server=make_replay(root), db=db, settings=settings)
    assert second.scalar("SELECT title FROM jobs WHERE url = ?", pinned_url) == (
        "Changed title, same 2099 lastmod"
    )
    assert second.scalar("SELECT COUNT(*) FROM jobs WHERE status != 'open'") == 0


def test_a_record_too_deep_to_parse_is_a_reject_and_a_bad_byte_costs_nothing(
    crawl, make_replay, tmp_path
):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    records = derived_records("lever", 6, seed=701)
    records[5]["text"] += " BADBYTE"
    deep = "[" * 100_000 + "]" * 100_000
    parts = [json.dumps(r) for r in records]
    bad = json.loads(parts[2])
    parts[2] = json.dumps(bad)[:-1] + f', "nested": {deep}}}'
    body = ("[" + ", ".join(parts) + "]").encode()
    # One invalid UTF-8 byte in the last posting's title (and a Latin-1 "é").
    body = body.replace(b"BADBYTE", b"\xff caf\xe9", 1)
    folder = root / LEVER
    folder.mkdir(parents=True)
    (folder / "deep").write_bytes(body)
    result = crawl("lever", server=make_replay(root), db=db, args=["-a", "companies=deep"])
    row, stats, problems = last_crawl(result)
    assert "spider_exceptions" not in problems and not any(
        k.startswith("spider_exceptions/") for k in stats
    ), result.output[-3000:]
    stored = {r["source_id"] for r in result.rows("SELECT source_id FROM jobs")}
    assert len(stored) == 5
    rejects = result.rows("SELECT * FROM rejects")
    assert [r["reason"] for r in rejects] == ["record nested too deeply to read"]
    assert stats["jobcrawl/bad_utf8"] == 1
    title = result.scalar("SELECT title FROM jobs WHERE source_id LIKE ?", f"%{records[5]['id']}")
    assert title.endswith("\ufffd caf\ufffd")
    # The listing read a record it could not map: it is not complete, so it closes nothing.
    listing = result.rows("SELECT * FROM crawl_listings WHERE listing = 'deep'")[0]
    assert listing["healthy"] == 0 and listing["rejects"] == 1


def test_url_and_apply_url_keep_only_web_links(crawl, make_replay, tmp_path):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    records = lever_company(root, "links", 3, seed=801)
    records[0]["hostedUrl"] = "javascript:alert(document.cookie)"
    records[1]["applyUrl"] = "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
    (root / LEVER / "links").write_text(json.dumps(records))
    result = crawl("lever", server=make_replay(root), db=db, args=["-a", "companies=links"])
    rows = {r["source_id"].rsplit("/", 1)[-1]: r for r in result.rows("SELECT * FROM jobs")}
    js, data, fine = (rows[str(r["id"])] for r in records)
    assert js["url"] is None and "is not an http(s) link" in js["value_problems"]
    assert data["apply_url"] is None and "'data:text/html" in data["value_problems"]
    assert fine["url"].startswith("https://") and fine["apply_url"].startswith("https://")
    # Scrapy 2.19's remote-control endpoint (it runs code sent to it) is not enabled.
    assert "Enabled extensions" in result.output
    assert "RemoteControl" not in result.output


def test_a_board_shrinking_in_stages_is_caught_at_the_second_stage(crawl, make_replay, tmp_path):
    """20, then 11, then 6, then 3 postings: each stage is over half the one before, so a
    memory of one healthy listing closed some postings every crawl. Against the largest of
    the recent healthy listings, the 6 is a collapse: from there on nothing closes."""
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    records = lever_company(root, "shrinks", 20, seed=901)
    args = ["-a", "companies=shrinks"]
    closed_after = []
    for keep in (20, 11, 6, 3):
        (root / LEVER / "shrinks").write_text(json.dumps(records[:keep]))
        result = crawl("lever", server=make_replay(root), db=db, args=args, settings=ONE_MISS)
        closed_after.append(result.scalar("SELECT COUNT(*) FROM jobs WHERE status = 'closed'"))
    assert closed_after == [0, 9, 9, 9], closed_after
    problems = result.rows("SELECT problems FROM crawl_listings ORDER BY crawl_id")
    assert "collapsed: 6 postings, under 0.5 x the 20" in problems[2]["problems"]
    assert "collapsed: 3 postings, under 0.5 x the 20" in problems[3]["problems"]


def test_json_ld_nested_too_deep_is_its_pages_reject_and_the_other_pages_are_stored(
    crawl, make_replay, tmp_path
):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    write_sitemap_board(root, 4, seed=9, shard_size=4)
    page = jsonld_pages(root)[0]
    html = page.read_text(encoding="utf-8")
    match = re.search(r'(<script type="application/ld\+json">)(.*?)(</script>)', html, re.S)
    deep = '{"@type": "JobPosting", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    page.write_text(html[: match.start(2)] + deep + html[match.end(2) :], encoding="utf-8")
    result = crawl("remotewlb", server=make_replay(root), db=db, settings=ONE_MISS)
    row, stats, problems = last_crawl(result)
    assert not any(k.startswith("spider_exceptions/") for k in stats), result.output[-3000:]
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 3
    reasons = [r["reason"] for r in result.rows("SELECT reason FROM rejects")]
    assert len(reasons) == 1 and "nested too deeply" in reasons[0], reasons
