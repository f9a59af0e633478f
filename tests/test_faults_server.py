"""Server faults: a crawl completes, names the failure, and closes no posting wrongly.

The replay server (``crawler/tools/replay.py``) plays each fault a board can throw at a crawl:
HTTP 500 (once, or for good), 503 with an HTML page, 429 with ``Retry-After`` (once, or
for good), a connection reset (once, or for good), a connection cut mid-body, an answer slower than
``DOWNLOAD_TIMEOUT``, a truncated JSON document, an HTML error page with status 200, an
empty body. Three shapes of board:

* **Lever**, one company per fault beside healthy companies: a baseline crawl, then two
  crawls under the faults. Transient faults are retried and their postings seen; lasting
  faults are named in the stats (retry reasons, ``jobcrawl/bad_json``, the failing
  company's listing facts), in ``rejects``, in the crawl's health problems
  (``http_errors``, ``unreadable``) and in each failing company's ``crawl_listings`` row; their
  companies' postings stay open after two crawls although two misses close a posting,
  while a posting that really left a healthy company's board is closed in the same crawls.
* **RemoteOK**, one response for the whole board: a failed answer makes an unhealthy
  crawl that closes nothing, even when the age limit would close every unseen posting.
* **RemoteWLB**, a sitemap board: a shard that answers 500 and a job page that answers
  500 close nothing; a job page that answers 404 is closed as gone. A shard that answers
  200 but cannot be read (cut short, empty, an HTML page) closes nothing either: a cut
  sitemap parses as a shorter one, and used to close every posting after the cut.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from crawler.tools.bench.corpus import derived_records, write_sitemap_board
from tests.conftest import MIRROR

LEVER = "api.lever.co/v0/postings"
# company -> the sidecar meta that makes its board fail (None: healthy)
FAULTS: dict[str, dict | None] = {
    "steady": None,
    "shrinking": None,  # healthy, but one posting leaves its board
    "flaky500": {"sequence": [{"status": 500}, {"status": 500}, {}]},
    "ratelimited": {"sequence": [{"status": 429, "headers": {"Retry-After": "1"}}, {}]},
    "throttled": {"status": 429, "headers": {"Retry-After": "1"}},
    "resetonce": {"sequence": [{"reset": True}, {}]},
    "down500": {"status": 500},
    "html503": {
        "status": 503,
        "content_type": "text/html",
        "body": "<html><body><h1>503 Service Unavailable</h1></body></html>",
    },
    "reset": {"reset": True},
    "cut": {"cut": 300},
    "slow": {"delay": 5},
    "truncated": {"truncate": 700},
    "htmlpage": {
        "content_type": "text/html",
        "body": "<html><body>Please enable cookies. Cloudflare Ray ID: 1234</body></html>",
    },
    "empty": {"body": ""},
}
# How the failing company's listing facts (crawl stats) explain its failure.
EXPLAINED = {
    "down500": "HTTP 500",
    "throttled": "HTTP 429",
    "html503": "HTTP 503",
    "reset": "DownloadFailedError",
    "cut": "ResponseDataLossError",
    "slow": "DownloadTimeoutError",
}
RECOVERED = {"flaky500", "ratelimited", "resetonce"}
BAD_BODY = {"truncated", "htmlpage", "empty"}
FAILED = set(FAULTS) - RECOVERED - BAD_BODY - {"steady", "shrinking"}
NO_ANSWER = {"reset", "cut", "slow"}  # never got an HTTP answer: `unreachable`, not `http_errors`
POSTINGS = {"steady": 80}  # the others: 6 each
LOCAL = {
    "DOWNLOAD_TIMEOUT": "2",  # a local answer takes milliseconds, even on a busy machine
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LIFECYCLE_MISSES_TO_CLOSE": "2",
}


def lever_board(root: Path, *, faults: bool) -> None:
    """Write every company's board under ``root``; with ``faults``, their sidecars too."""
    folder = root / LEVER
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for seed, company in enumerate(FAULTS):
        records = derived_records("lever", POSTINGS.get(company, 6), seed=100 + seed)
        if faults and company == "shrinking":
            records = records[1:]
        (folder / company).write_text(json.dumps(records))
        if faults and FAULTS[company]:
            (folder / f"{company}.meta.json").write_text(json.dumps(FAULTS[company]))


def crawl_lever(crawl, make_replay, root: Path, db: Path):
    companies = ",".join(FAULTS)
    return crawl(
        "lever",
        server=make_replay(root),  # a fresh server: sequences start again
        db=db,
        args=["-a", f"companies={companies}"],
        settings=LOCAL,
    )


def status_by_company(result) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in result.rows("SELECT company_slug, status FROM jobs WHERE source = 'lever'"):
        out.setdefault(row["company_slug"], set()).add(row["status"])
    return out


def last_crawl(result):
    row = result.rows("SELECT * FROM crawls ORDER BY id DESC LIMIT 1")[0]
    return row, json.loads(row["stats"]), json.loads(row["health_problems"] or "{}")


def test_lever_faults_are_retried_named_and_never_close_postings(crawl, make_replay, tmp_path):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    lever_board(root, faults=False)
    baseline = crawl_lever(crawl, make_replay, root, db)
    assert baseline.returncode == 0, baseline.output
    total = baseline.scalar("SELECT COUNT(*) FROM jobs")
    assert total == 80 + 6 * (len(FAULTS) - 1)

    lever_board(root, faults=True)
    for round_ in (1, 2):
        result = crawl_lever(crawl, make_replay, root, db)
        where = f"faults crawl {round_}"
        # The crawl completes: it ends "finished", not cut short by the faults.
        row, stats, problems = last_crawl(result)
        assert row["finish_reason"] == "finished" and row["finished_at"], where
        # Transient faults were retried and their postings seen in this crawl.
        seen = {
            r["company_slug"]
            for r in result.rows("SELECT company_slug FROM jobs WHERE last_crawl_id = ?", row["id"])
        }
        assert {"steady", "shrinking", *RECOVERED} <= seen, where
        assert not (seen & (FAILED | BAD_BODY)), where
        # Stats name each failure.
        reasons = " | ".join(k for k in stats if k.startswith("retry/reason_count/"))
        for named in ("500", "503", "429", "DownloadTimeoutError", "DownloadFailedError",
                      "ResponseDataLossError"):  # fmt: skip
            assert named in reasons, (named, reasons)
        assert stats["jobcrawl/retry_after/count"] >= 1, where
        assert stats["jobcrawl/bad_json"] == len(BAD_BODY), where
        listings = stats["jobcrawl/listings"]
        for company, why in EXPLAINED.items():
            facts = listings[f"lever/{company}"]
            assert facts["failures"] >= 1 and facts["responses"] == 0, (company, facts)
            assert why in facts["why"], (company, facts)
        for company in BAD_BODY:
            assert listings[f"lever/{company}"]["rejects"] == 1, company
        # The health check says the crawl was not healthy, and why: requests that failed
        # for good, and listing answers that came but could not be read.
        assert row["healthy"] == 0, where
        statuses = len(FAILED - NO_ANSWER)
        assert problems["http_errors"] == f"{statuses} of {len(FAULTS)} requests failed"
        assert problems["unreachable"] == (
            f"{len(NO_ANSWER)} of {len(FAULTS)} requests could not connect "
            "(connection lost x2, timed out)"
        ), problems
        assert problems["unreadable"] == f"{len(BAD_BODY)} listing answers not JSON", problems
        # Each failing company's listing row names its failure; healthy ones have none.
        listings_rows = {
            r["listing"]: (r["healthy"], json.loads(r["problems"] or "[]"))
            for r in result.rows("SELECT * FROM crawl_listings WHERE crawl_id = ?", row["id"])
        }
        for company in FAILED:
            healthy, why = listings_rows[company]
            assert healthy == 0 and any("requests failed" in w for w in why), (company, why)
        for company, why in EXPLAINED.items():
            assert why in " ".join(listings_rows[company][1]), (company, listings_rows[company])
        for company in BAD_BODY:
            healthy, why = listings_rows[company]
            assert healthy == 0 and "1 records could not be read" in why, (company, why)
        for company in {"steady", "shrinking", *RECOVERED}:
            assert listings_rows[company] == (1, []), (company, listings_rows[company])
        # Each unreadable body is a reject naming its company's URL and the reason.
        rejects = result.rows("SELECT url, reason FROM rejects WHERE crawl_id = ?", row["id"])
        assert len(rejects) == len(BAD_BODY), rejects
        for company in BAD_BODY:
            (reject,) = [r for r in rejects if f"/postings/{company}" in r["url"]]
            assert "body is not JSON" in reject["reason"]

    # Two crawls missed every posting of the failing companies: none is closed, because
    # a listing that failed says nothing about its postings. The posting that really
    # left a healthy board was missed twice by complete listings: it is closed.
    statuses = status_by_company(result)
    for company in FAILED | BAD_BODY | RECOVERED | {"steady"}:
        assert statuses[company] == {"open"}, (company, statuses[company])
    assert statuses["shrinking"] == {"open", "closed"}
    closed = result.rows("SELECT company_slug, closed_reason FROM jobs WHERE status = 'closed'")
    assert [(r["company_slug"], r["closed_reason"]) for r in closed] == [("shrinking", "absent")]
    assert result.scalar("SELECT COUNT(*) FROM jobs") == total  # nothing duplicated


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"reset": True},
        {"truncate": 5000},
        {"status": 200, "content_type": "text/html", "body": "<html>Just a moment...</html>"},
        {"body": ""},
    ],
    ids=["500", "reset", "truncated", "html", "empty"],
)
def test_a_failed_remoteok_answer_closes_nothing(crawl, make_replay, tmp_path, fault):
    # RemoteOK answers in one response: the one request failing is the whole board failing.
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    shutil.copytree(MIRROR / "remoteok.com", root / "remoteok.com")
    # Far enough after the recorded postings that the age limit would close every posting
    # a healthy crawl did not see.
    later = {"LIFECYCLE_NOW": "2026-12-31T00:00:00Z"}
    first = crawl("remoteok", server=make_replay(root), db=db, settings=later)
    assert first.returncode == 0, first.output
    (root / "remoteok.com" / "api.meta.json").write_text(json.dumps(fault))
    failed = crawl("remoteok", server=make_replay(root), db=db, settings=later)
    row, stats, problems = last_crawl(failed)
    assert row["finish_reason"] == "finished"
    assert row["healthy"] == 0 and problems, problems
    assert failed.scalar("SELECT COUNT(*) FROM jobs WHERE status != 'open'") == 0
    assert failed.scalar("SELECT COUNT(*) FROM jobs") == 97
    assert problems["no_items"] == "no posting stored", problems
    if "status" in fault and fault["status"] == 500:
        assert any(k.startswith("retry/reason_count/") for k in stats), stats
        assert problems["http_errors"] == "1 of 1 requests failed", problems
        assert "unreadable" not in problems, problems
    elif "reset" in fault:  # no HTTP answer at all: named apart from error statuses
        assert any(k.startswith("retry/reason_count/") for k in stats), stats
        assert problems["unreachable"] == "1 of 1 requests could not connect (connection lost)"
        assert "http_errors" not in problems and "unreadable" not in problems, problems
    else:
        assert stats["jobcrawl/bad_json"] == 1
        assert "body is not JSON" in failed.scalar("SELECT reason FROM rejects")
        assert problems["unreadable"] == "1 listing answers not JSON", problems
        assert "http_errors" not in problems, problems


def test_sitemap_faults_close_only_the_page_that_is_gone(crawl, make_replay, tmp_path):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    manifest = write_sitemap_board(root, 20, seed=3, shard_size=10)
    shard1, shard2 = (root / "remotewlb.com" / "sitemaps" / "jobs" / h for h in manifest.handles)
    # A day before the recorded pages' validThrough, so that only the faults decide.
    before = {"LIFECYCLE_NOW": "2026-09-25T00:00:00Z"}

    def run():
        result = crawl("remotewlb", server=make_replay(root), db=db, settings=before)
        assert result.returncode in (0, 1), result.output  # 1: an unhealthy crawl
        return result

    assert run().scalar("SELECT COUNT(*) FROM jobs") == 20

    # In shard 1, one page answers 500 and one 404, both listed with a new lastmod so
    # that an incremental crawl fetches them again; shard 2 answers 500.
    text = shard1.read_text()
    urls = re.findall(r"<loc>([^<]+)</loc>", text)
    broken, gone = urls[0], urls[1]
    for url in (broken, gone):
        text = re.sub(
            f"<loc>{re.escape(url)}</loc><lastmod>[^<]*",
            f"<loc>{url}</loc><lastmod>2027-02-01T00:00:00+00:00",
            text,
        )
    shard1.write_text(text)
    pages = root / "remotewlb.com" / "job"
    (pages / f"{broken.rsplit('/', 1)[1]}.meta.json").write_text(json.dumps({"status": 500}))
    (pages / gone.rsplit("/", 1)[1]).unlink()
    shard2_fault = shard2.parent / f"{shard2.name}.meta.json"
    shard2_fault.write_text(json.dumps({"status": 500}))
    # While a shard cannot be read, the crawl cannot tell what left the board: it closes
    # nothing at all, not even the page that answered 404, and says why.
    for _ in range(2):
        result = run()
        row, stats, problems = last_crawl(result)
        assert row["finish_reason"] == "finished"
        assert stats["jobcrawl/sitemap_errors"] == 1
        assert row["healthy"] == 0 and problems["unreadable"] == "1 sitemaps not fetched"
        assert any("500" in k for k in stats if k.startswith("retry/reason_count/")), stats
        assert "sitemap" in (row["closing_problems"] or ""), row["closing_problems"]
        assert result.scalar("SELECT COUNT(*) FROM jobs WHERE status != 'open'") == 0

    # Shard 2 is back: the 404 page is closed as gone; the page still answering 500 and
    # every posting of the shard that failed twice stay open.
    shard2_fault.unlink()
    result = run()
    closed = result.rows("SELECT url, closed_reason FROM jobs WHERE status = 'closed'")
    assert [(r["url"], r["closed_reason"]) for r in closed] == [(gone, "gone")]
    assert result.scalar("SELECT COUNT(*) FROM jobs WHERE status = 'open'") == 19
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 20


@pytest.mark.parametrize(
    "fault",
    [
        {"truncate": 600},
        {"body": ""},
        {"content_type": "text/html", "body": "<html><body>Checking your browser</body></html>"},
    ],
    ids=["cut-short", "empty", "html"],
)
def test_a_sitemap_shard_that_answers_200_but_cannot_be_read_closes_nothing(
    crawl, make_replay, tmp_path, fault
):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    manifest = write_sitemap_board(root, 20, seed=3, shard_size=10)
    shard1 = root / "remotewlb.com" / "sitemaps" / "jobs" / manifest.handles[0]
    # One miss closes a posting: a single crawl shows whether a fault would close any.
    settings = {"LIFECYCLE_NOW": "2026-09-25T00:00:00Z", "LIFECYCLE_MISSES_TO_CLOSE": "1"}
    first = crawl("remotewlb", server=make_replay(root), db=db, settings=settings)
    assert first.scalar("SELECT COUNT(*) FROM jobs WHERE status = 'open'") == 20, first.output
    if "truncate" in fault:  # the cut falls inside the shard's list, after some whole entries
        assert 600 < len(shard1.read_bytes()) and shard1.read_text()[:600].count("</url>") >= 2
    (shard1.parent / f"{shard1.name}.meta.json").write_text(json.dumps(fault))
    result = crawl("remotewlb", server=make_replay(root), db=db, settings=settings)
    row, stats, problems = last_crawl(result)
    assert row["finish_reason"] == "finished"
    assert stats["jobcrawl/bad_sitemap"] == 1, stats
    assert row["healthy"] == 0 and problems["unreadable"] == "1 sitemaps not readable", problems
    assert "bad_sitemap" in json.loads(row["closing_problems"]), row["closing_problems"]
    assert "is not a sitemap (empty, cut short or not XML)" in result.output
    assert result.scalar("SELECT COUNT(*) FROM jobs WHERE status != 'open'") == 0
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 20


def test_a_sitemap_cut_anywhere_is_not_read_and_a_signed_one_is():
    from crawler.sources.structured import _read_sitemap

    whole = (MIRROR / "remotewlb.com" / "sitemaps" / "jobs" / "2026-09-1").read_bytes()
    listed = [entry["loc"] for entry in _read_sitemap(whole)]
    assert len(listed) >= 2
    # Cut after any whole entry, or inside one: Scrapy alone would list what came before.
    for cut in [m.end() for m in re.finditer(rb"</url>", whole)] + [len(whole) // 2]:
        assert _read_sitemap(whole[:cut]) is None, cut
    # Whitespace, a generator's comment or a processing instruction after the root is whole.
    signed = whole + b"\n<!-- XML Sitemap generated by Yoast SEO -->\n<?done?>\n"
    assert [entry["loc"] for entry in _read_sitemap(signed)] == listed
