"""``scrapy record``: real responses fetched politely into the mirror layout, replayable as is.

The "live" boards are a replay server over a folder built here; the recorded folder is then
served by a second replay server and crawled by the real spider.
"""

from __future__ import annotations

import json
import shutil

from crawler.commands.record import mirror_path
from tests.conftest import MIRROR, run_scrapy

KROO = "apply.workable.com/api/v1/widget/accounts/kroo"
URL = f"https://{KROO}?details=true"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CRAWL_DELAY_ENABLED=0"]


def live_board(tmp_path):
    """A board answering with the real Kroo response, revalidation headers and a robots.txt."""
    root = tmp_path / "live"
    body = root / KROO
    body.parent.mkdir(parents=True)
    shutil.copy(MIRROR / KROO, body)
    headers = {"ETag": '"kroo-1"', "Last-Modified": "Thu, 08 Aug 2024 10:47:44 GMT"}
    meta = {"content_type": "application/json; charset=utf-8", "headers": headers}
    body.with_name("kroo.meta.json").write_text(json.dumps(meta))
    (root / "apply.workable.com" / "robots.txt").write_text("User-agent: *\nDisallow: /private\n")
    return root


def test_record_writes_the_mirror_layout_with_status_and_headers(tmp_path, make_replay, crawl):
    live = make_replay(live_board(tmp_path))
    out = tmp_path / "recorded"
    unknown = "https://apply.workable.com/api/v1/widget/accounts/nosuch?details=true"
    refused = "https://apply.workable.com/private/jobs"
    proc = run_scrapy(["record", URL, unknown, refused, "--mirror", str(out),
                       "-s", f"MIRROR_URL={live.url}", *FAST])  # fmt: skip
    # One URL was refused by robots.txt: said, and the exit status says it too.
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{refused}: not recorded" in proc.stdout
    assert live.count("/apply.workable.com/robots.txt") == 1  # politeness: robots.txt first
    assert live.count("/apply.workable.com/private/jobs") == 0

    saved = out / "apply.workable.com/api/v1/widget/accounts/kroo?details=true"
    assert saved == mirror_path(URL, out)
    assert saved.read_bytes() == (MIRROR / KROO).read_bytes()
    meta = json.loads(saved.with_name(saved.name + ".meta.json").read_text())
    assert meta["status"] == 200 and meta["url"] == URL
    assert meta["headers"] == {"ETag": '"kroo-1"', "Last-Modified": "Thu, 08 Aug 2024 10:47:44 GMT"}
    assert meta["content_type"].startswith("application/json")
    missing = mirror_path(unknown, out)
    assert json.loads(missing.with_name(missing.name + ".meta.json").read_text())["status"] == 404

    # What was recorded replays: the real spider crawls it as it would the live board.
    result = crawl("workable", server=make_replay(out))
    assert result.returncode == 0, result.output
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 7

    again = run_scrapy(["record", URL, "--mirror", str(out), "-s", f"MIRROR_URL={live.url}", *FAST])
    assert again.returncode == 1 and "exists (use --force)" in again.stdout


def test_mirror_path_layout(tmp_path):
    assert mirror_path("https://Boards.Example.test/", tmp_path) == (
        tmp_path / "boards.example.test" / "index"
    )
    assert (
        mirror_path("https://x.test/api/offers/", tmp_path) == tmp_path / "x.test/api/offers/index"
    )
    assert mirror_path("https://x.test/a?b=1", tmp_path) == tmp_path / "x.test/a?b=1"
