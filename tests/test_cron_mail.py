"""What cron mails a person: one line per network failure, no traceback for what is not a bug.

A name that does not resolve (``.invalid`` never does) and a refused port on 127.0.0.1
stand in for a machine without network.
"""

from __future__ import annotations

import json
import socket

import pytest
from OpenSSL import SSL
from scrapy.exceptions import CannotResolveHostError, DownloadTimeoutError
from twisted.internet import error as tx
from twisted.python.failure import Failure
from twisted.web.client import ResponseNeverReceived

from crawler.runtime.network import failure_kind
from tests.conftest import run_scrapy

NO_SUCH_HOST = "http://no-such-host.invalid:8080"
ONE_TRY = {"RETRY_TIMES": "1", "LOG_LEVEL": "WARNING"}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def warning_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def problems_of(result) -> dict:
    return json.loads(result.scalar("SELECT health_problems FROM crawls"))


@pytest.mark.parametrize(
    ("mirror", "words"),
    [(NO_SUCH_HOST, "DNS lookup failed"), (None, "connection refused")],
    ids=["dns", "refused"],
)
def test_a_host_that_cannot_be_reached_is_one_line_and_named_by_health(crawl, mirror, words):
    mirror = mirror or f"http://127.0.0.1:{closed_port()}"
    result = crawl("remoteok", settings={**ONE_TRY, "MIRROR_URL": mirror})

    assert result.returncode == 0, result.output
    assert "Traceback" not in result.output
    failures = [line for line in warning_lines(result.output) if "ERROR" in line]
    assert len(failures) == 1, result.output  # robots.txt and retries say nothing more
    assert (
        f"remoteok: cannot reach remoteok.com: {words} (GET https://remoteok.com/api)"
        in (failures[0])
    )
    problems = problems_of(result)
    assert problems["unreachable"] == f"1 of 1 requests could not connect ({words})"
    assert "http_errors" not in problems  # not an error status: named apart


def test_each_company_of_a_platform_gets_its_own_line(crawl):
    result = crawl("lever", settings={**ONE_TRY, "MIRROR_URL": NO_SUCH_HOST})

    assert "Traceback" not in result.output
    failures = [line for line in warning_lines(result.output) if "ERROR" in line]
    assert len(failures) == 2, result.output
    assert any(
        "lever/matchgroup: cannot reach api.lever.co: DNS lookup failed" in f for f in failures
    )
    assert any(
        "lever/palantir: cannot reach api.lever.co: DNS lookup failed" in f for f in failures
    )
    expected = "2 of 2 requests could not connect (DNS lookup failed x2)"
    assert problems_of(result)["unreachable"] == expected
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 0


def test_network_failures_are_told_apart_from_bugs():
    assert failure_kind(CannotResolveHostError("no results")) == "DNS lookup failed"
    assert failure_kind(tx.ConnectionRefusedError()) == "connection refused"
    assert failure_kind(DownloadTimeoutError("took longer than 30 s")) == "timed out"
    tls = ResponseNeverReceived([Failure(SSL.Error([("SSL routines", "", "bad handshake")]))])
    assert failure_kind(tls) == "TLS handshake failed"
    wrapped = CannotResolveHostError("x")
    wrapped.__cause__ = tx.DNSLookupError("y")
    assert failure_kind(wrapped) == "DNS lookup failed"
    # A bug is not a network failure: Scrapy keeps logging its traceback.
    assert failure_kind(ValueError("bad")) is None
    assert failure_kind(KeyError("x")) is None


def test_a_bad_board_list_line_is_one_line_with_no_traceback(tmp_path):
    board_list = tmp_path / "lever.txt"
    board_list.write_text("matchgroup\npalantir regoin=eu\n")
    proc = run_scrapy(
        ["crawl", "lever", "-a", f"board_list={board_list}", "-L", "WARNING",
         "-s", f"JOBS_DB={tmp_path / 'x.db'}"]
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert warning_lines(output) == [
        line for line in warning_lines(output) if "lever: cannot start:" in line
    ], output
    assert len(warning_lines(output)) == 1, output
    assert f"{board_list}:2: unknown option 'regoin' for lever" in output
    assert "Traceback" not in output and "never retrieved" not in output


def test_crawlall_without_network_mails_a_few_readable_lines(crawlall):
    result = crawlall(
        "--only", "remoteok,lever", "-L", "WARNING",
        settings={**ONE_TRY, "MIRROR_URL": NO_SUCH_HOST},
    )  # fmt: skip

    assert result.returncode == 1
    assert "Traceback" not in result.output
    assert "lever: unreachable: 2 of 2 requests could not connect" in result.output
    assert "remoteok: unreachable: 1 of 1 requests could not connect" in result.output
    assert "http_errors" not in result.output
    # Per board: one line per failed request, the verdict, and the summary rows.
    assert len(warning_lines(result.output)) < 25, result.output


def test_crawlall_warns_once_about_the_placeholder_contact(crawlall, tmp_path):
    placeholder = crawlall("--only", "remoteok")
    assert placeholder.returncode == 0, placeholder.output
    assert placeholder.output.count("CONTACT_URL is still the placeholder") == 1
    assert "-s CONTACT_URL=" in placeholder.output  # says which setting to change

    own = crawlall("--only", "remoteok", settings={"CONTACT_URL": "https://example.org/bot"})
    assert own.returncode == 0, own.output
    assert "CONTACT_URL is still the placeholder" not in own.output


def test_crawlall_list_says_why_a_board_cannot_run_as_listed():
    plain = run_scrapy(["crawlall", "--list"])
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.splitlines()
    assert "archive: not in ENABLED_SPIDERS; needs a folder: scrapy crawl archive -a path=DIR" in (
        lines
    )
    assert any(
        line.startswith("jobposting: not in ENABLED_SPIDERS; no enabled [[site]]") for line in lines
    )

    asked = run_scrapy(["crawlall", "--list", "--only", "archive,remoteok"])
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.splitlines() == [
        "remoteok",
        "archive: needs a folder: scrapy crawl archive -a path=DIR: skipped",
    ]
