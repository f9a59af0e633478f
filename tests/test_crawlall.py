"""``scrapy crawlall`` through the real engine on replayed boards: exit codes, lock, summary."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.exceptions import UsageError

from crawler.commands.crawlall import BoardRun, select_boards, split_names, summary_lines
from crawler.commands.lock import CrawlLock, LockHeld, read_holder
from tests.conftest import MIRROR, load_json, run_scrapy

SUMMARY_HEADER = "board items new updated closed rejected errors health"


def mirror_of(tmp_path: Path, *hosts: str) -> Path:
    """A writable copy of the recorded responses of ``hosts`` under ``tmp_path/mirror``."""
    root = tmp_path / "mirror"
    for host in hosts:
        shutil.copytree(MIRROR / host, root / host)
    return root


def summary_row(output: str, board: str) -> list[str]:
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0] == board and len(cells) >= 8 and cells[1].isdigit():
            return cells
    raise AssertionError(f"no summary row for {board} in:\n{output}")


def enabled_boards() -> list[str]:
    proc = run_scrapy(["crawlall", "--list"])
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.splitlines() if line and ":" not in line]


def test_every_enabled_board_is_crawled_healthy_and_the_run_exits_0(crawlall, tmp_path):
    boards = enabled_boards()
    assert {"remoteok", "lever", "greenhouse", "ashby"} <= set(boards)

    first = crawlall()
    assert first.returncode == 0, first.output
    crawls = first.rows("SELECT * FROM crawls ORDER BY id")
    assert [c["spider"] for c in crawls] == boards  # one crawls row per board, in order
    assert all(c["finish_reason"] == "finished" and c["healthy"] == 1 for c in crawls)
    assert all(json.loads(c["health_problems"]) == {} for c in crawls)
    assert SUMMARY_HEADER in " ".join(first.output.split())
    for crawl in crawls:
        row = summary_row(first.output, crawl["spider"])
        assert row[1:3] == [str(crawl["items_scraped"]), str(crawl["items_new"])]
        assert row[7] == "healthy"
    assert summary_row(first.output, "remoteok")[1] == "97"
    log = (tmp_path / "logs" / "crawlall.log").read_text()
    assert "remoteok: crawl 1 is healthy" in log and "crawlall: all" in log
    assert not (tmp_path / "jobs.db.lock").exists()  # released

    # The second run is judged against the first: same counts, same fill -> healthy.
    second = crawlall()
    assert second.returncode == 0, second.output
    again = second.rows("SELECT * FROM crawls WHERE id > ?", len(crawls))
    assert [c["spider"] for c in again] == boards
    assert all(c["healthy"] == 1 and c["items_new"] == 0 for c in again)


def test_a_board_answering_500_fails_alone_and_is_named(crawlall, make_replay, tmp_path):
    root = mirror_of(tmp_path, "remoteok.com", "api.lever.co")
    for site in ("matchgroup", "palantir"):
        meta = root / "api.lever.co" / "v0" / "postings" / f"{site}.meta.json"
        meta.write_text(json.dumps({"status": 500, "body": "Internal Server Error"}))
    server = make_replay(root)

    result = crawlall("--only", "remoteok,lever", server=server)

    assert result.returncode == 1, result.output
    assert summary_row(result.output, "remoteok")[7] == "healthy"
    lever = summary_row(result.output, "lever")
    assert lever[1] == "0" and lever[7] == "UNHEALTHY:"
    assert "lever: no_items: no posting stored" in result.output
    assert "lever: http_errors: 2 of 2 requests failed" in result.output
    assert "unhealthy or failed: lever" in result.output
    # The healthy board was stored all the same.
    assert result.scalar("SELECT COUNT(*) FROM jobs WHERE source = 'remoteok'") == 97
    health = dict(result.rows("SELECT spider, healthy FROM crawls"))
    assert health == {"remoteok": 1, "lever": 0}
    # Each company was asked RETRY_TIMES (3) more times before giving up.
    assert server.count("/api.lever.co/v0/postings/palantir?mode=json") == 4


def test_a_board_whose_salary_vanished_is_unhealthy(crawlall, make_replay, tmp_path):
    root = mirror_of(tmp_path, "remoteok.com")
    first = crawlall("--only", "remoteok", server=make_replay(root))
    assert first.returncode == 0, first.output

    # The board changes its format: the salary keys are gone from every record.
    records = load_json(MIRROR / "remoteok.com" / "api")
    for record in records:
        record.pop("salary_min", None)
        record.pop("salary_max", None)
    api = root / "remoteok.com" / "api"
    api.unlink()
    api.write_text(json.dumps(records))

    second = crawlall("--only", "remoteok", server=make_replay(root))

    assert second.returncode == 1, second.output
    assert summary_row(second.output, "remoteok")[1] == "97"  # the count alone looks fine
    assert "remoteok: given:salary_min: salary_min given by the board on 0% of postings, " \
        "19% in healthy crawl 1" in second.output  # fmt: skip
    row = second.rows("SELECT * FROM crawls WHERE id = 2")[0]
    assert row["healthy"] == 0
    problems = json.loads(row["health_problems"])
    assert {"given:salary_min", "given:salary_max", "given:salary_raw"} <= set(problems)
    assert "given:title" not in problems and "fill:title" not in problems
    assert json.loads(row["fill_rates"])["given:salary_min"] == 0
    before = json.loads(first.rows("SELECT fill_rates FROM crawls")[0][0])
    assert before["given:salary_min"] == 0.1856  # the 18 of 97 with a structured salary

    # Still broken next time: the baseline stays the last healthy crawl (1), not crawl 2.
    third = crawlall("--only", "remoteok", server=make_replay(root))
    assert third.returncode == 1
    assert "in healthy crawl 1" in third.output


def test_postings_the_lifecycle_closed_are_counted_in_the_summary(crawlall, make_replay, tmp_path):
    root = mirror_of(tmp_path, "api.lever.co")
    settings = {"LIFECYCLE_MISSES_TO_CLOSE": "1"}  # close on the first healthy miss
    first = crawlall("--only", "lever", server=make_replay(root), settings=settings)
    assert first.returncode == 0, first.output
    board = root / "api.lever.co" / "v0" / "postings" / "palantir"
    postings = load_json(board)
    board.unlink()
    board.write_text(json.dumps(postings[1:]))  # one posting taken down

    second = crawlall("--only", "lever", server=make_replay(root), settings=settings)

    assert second.returncode == 0, second.output
    row = summary_row(second.output, "lever")
    assert row[1:5] == [str(first.scalar("SELECT COUNT(*) FROM jobs") - 1), "0", "0", "1"]
    assert second.scalar("SELECT items_closed FROM crawls WHERE id = 2") == 1


def test_an_overlapping_run_exits_3_with_one_line_and_touches_nothing(crawlall, tmp_path):
    db = tmp_path / "jobs.db"
    with CrawlLock(f"{db}.lock"):
        result = crawlall(db=db)
    assert result.returncode == 3
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("crawlall: locked: another crawl holds")
    assert "exit 3" in lines[0]
    assert not db.exists()


def test_a_lock_left_by_a_dead_run_is_taken_over(crawlall, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    lock = tmp_path / "jobs.db.lock"
    lock.write_text(f"{dead.stdout.strip()} 2026-01-01T03:00:00Z cronhost\n")

    result = crawlall("--only", "remoteok")

    assert result.returncode == 0, result.output
    assert f"stale lock {lock} left by PID {dead.stdout.strip()} (gone)" in result.output
    assert not lock.exists()


def test_usage_and_configuration_errors_exit_2_before_crawling(crawlall, tmp_path):
    unknown = crawlall("--only", "remoteok,nosuchboard")
    assert unknown.returncode == 2
    assert "no such board: nosuchboard" in unknown.output

    local = tmp_path / "local.toml"
    local.write_text('DOWNLOAD_TIMEOUT = "soon"\n')
    broken = crawlall("--only", "remoteok", env={"JOBCRAWL_LOCAL_SETTINGS_FILE": str(local)})
    assert broken.returncode == 2
    assert "DOWNLOAD_TIMEOUT must be int" in broken.output

    assert not (tmp_path / "jobs.db").exists()


def test_skip_leaves_a_board_out_and_a_quiet_console_still_logs_everything(crawlall, tmp_path):
    result = crawlall("--only", "remoteok,greenhouse", "--skip", "greenhouse", "-L", "WARNING")
    assert result.returncode == 0, result.output
    assert [r["spider"] for r in result.rows("SELECT spider FROM crawls")] == ["remoteok"]
    assert " INFO: " not in result.output
    assert summary_row(result.output, "remoteok")[7] == "healthy"  # the table is on stdout
    log = (tmp_path / "logs" / "crawlall.log").read_text()
    assert "[crawler.runtime.extensions] INFO: remoteok: crawled " in log  # the periodic stats line
    assert "remoteok: crawl 1 is healthy" in log


# --- the parts, without the engine ---------------------------------------------------------


def test_selection_keeps_enabled_order_and_notes_missing_spiders():
    boards, notes = select_boards(["remoteok", "future", "lever"], ["lever", "remoteok"], [], [])
    assert boards == ["remoteok", "lever"]
    assert notes == ["future: enabled but no such spider in this checkout: skipped"]
    assert select_boards(["remoteok"], ["lever", "remoteok"], ["lever"], []) == (["lever"], [])
    assert select_boards(["remoteok", "lever"], ["lever", "remoteok"], [], ["lever"])[0] == [
        "remoteok"
    ]
    with pytest.raises(UsageError, match="no such board: nope"):
        select_boards(["remoteok"], ["remoteok"], [], ["nope"])
    assert split_names(["a,b", "c", "a"]) == ["a", "b", "c"]


def test_summary_names_every_failing_check_and_reads_closed_when_present():
    ok = BoardRun("remoteok", row={"items_scraped": 97, "items_new": 3, "items_closed": 2,
                                   "healthy": 1, "health_problems": "{}"})  # fmt: skip
    problems = json.dumps({"no_items": "no posting stored"})
    bad = BoardRun("lever", row={"items_scraped": 0, "healthy": 0, "health_problems": problems})
    failed = BoardRun("ashby", error="not run: crawlall was stopped")
    lines = summary_lines([ok, bad, failed], ["remotewlb: enabled but no such spider"])
    assert lines[1].split() == ["remoteok", "97", "3", "0", "2", "0", "0", "healthy"]
    assert lines[2].split()[-2:] == ["UNHEALTHY:", "no_items"]
    assert lines[3].split()[-1] == "FAILED"
    assert "lever: no_items: no posting stored" in lines
    assert "ashby: failed: not run: crawlall was stopped" in lines
    assert lines[-1] == "remotewlb: enabled but no such spider"


def test_lock_is_exclusive_and_names_its_holder(tmp_path):
    path = tmp_path / "x.lock"
    with CrawlLock(path) as held:
        assert read_holder(path)["pid"].isdigit()
        with pytest.raises(LockHeld, match=r"another crawl holds .* \(PID \d+, since "):
            CrawlLock(path).acquire()
        assert held.stale_holder == {}
    assert not path.exists()
    CrawlLock(path).acquire().release()  # free again
