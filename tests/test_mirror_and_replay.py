"""MIRROR_URL rewriting and the replay server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from crawler.runtime.mirror import mirrored_url
from tests.conftest import MIRROR


def test_mirrored_url_keeps_path_and_query_and_lowercases_host():
    assert (
        mirrored_url("https://API.lever.co/v0/postings/x?mode=json&skip=0", "http://127.0.0.1:1/")
        == "http://127.0.0.1:1/api.lever.co/v0/postings/x?mode=json&skip=0"
    )
    assert mirrored_url("https://remoteok.com", "http://m") == "http://m/remoteok.com/"


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_replay_serves_files_query_variants_and_404(make_replay, tmp_path):
    (tmp_path / "h.example" / "p").mkdir(parents=True)
    (tmp_path / "h.example" / "p" / "index").write_text("dir index")
    (tmp_path / "h.example" / "api").write_text("[]")
    (tmp_path / "h.example" / "api?page=2").write_text("[2]")
    server = make_replay(tmp_path)
    assert fetch(f"{server.url}/h.example/api")[2] == b"[]"
    assert fetch(f"{server.url}/h.example/api?page=2")[2] == b"[2]"
    assert fetch(f"{server.url}/h.example/api?other=1")[2] == b"[]"
    assert fetch(f"{server.url}/h.example/p")[2] == b"dir index"
    assert fetch(f"{server.url}/h.example/missing")[0] == 404
    assert fetch(f"{server.url}/../../etc/passwd")[0] == 404
    assert server.count("/h.example/api") == 1


def test_replay_meta_sequences_answers(make_replay, tmp_path):
    (tmp_path / "h.example").mkdir()
    (tmp_path / "h.example" / "api").write_text("ok")
    meta = {"sequence": [{"status": 429, "headers": {"Retry-After": "1"}, "body": "slow"}, {}]}
    (tmp_path / "h.example" / "api.meta.json").write_text(json.dumps(meta))
    server = make_replay(tmp_path)
    status, headers, body = fetch(f"{server.url}/h.example/api")
    assert (status, headers["Retry-After"], body) == (429, "1", b"slow")
    assert fetch(f"{server.url}/h.example/api")[:3:2] == (200, b"ok")
    assert fetch(f"{server.url}/h.example/api")[0] == 200


def test_items_keep_real_urls_and_robots_txt_goes_through_the_mirror(crawl, make_replay, tmp_path):
    server = make_replay(MIRROR)
    out = tmp_path / "out.jsonl"
    result = crawl("remoteok", server=server, args=["-O", str(out)])
    assert result.returncode == 0, result.output
    items = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(items) == 97
    assert all(i["url"].startswith("https://remoteok.com/remote-jobs/") for i in items)
    assert server.count("/remoteok.com/robots.txt") == 1
    assert server.count("/remoteok.com/api") == 1
