"""``scrapy genspider -t <shape>``: each shape writes a spider and its test; the test fails
until a recorded fixture and a hand-read expected posting are filled in, then passes.

Runs in a copy of the project (``tmp_path``) so that the generated files never touch this
checkout. The fixtures "recorded" into the copy are real ones from ``tests/fixtures``, served
under the new board's host.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MIRROR, ROOT, run_scrapy


@pytest.fixture
def project(tmp_path) -> Path:
    dst = tmp_path / "project"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("crawler", "spiders", "pipelines"):
        shutil.copytree(ROOT / folder, dst / folder, ignore=skip)
    shutil.copytree(ROOT / "data" / "boards", dst / "data" / "boards")
    shutil.copy(ROOT / "scrapy.cfg", dst / "scrapy.cfg")
    (dst / "data" / "mirror").mkdir(parents=True)
    (dst / "tests").mkdir()
    for name in ("__init__.py", "conftest.py", "engine.py"):
        shutil.copy(ROOT / "tests" / name, dst / "tests" / name)
    return dst


def genspider(project: Path, shape: str, name: str, url: str) -> str:
    proc = run_scrapy(["genspider", "-t", shape, name, url], cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (project / "spiders" / f"{name}.py").is_file(), proc.stdout
    assert (project / "tests" / f"test_{name}.py").is_file(), proc.stdout
    return proc.stdout


def run_test(project: Path, name: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", f"tests/test_{name}.py", "-q", "-p", "no:cacheprovider"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def record(project: Path, source: Path, host_path: str) -> None:
    """Put a real recorded response where the new board's URL is served from."""
    target = project / "data" / "mirror" / host_path
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy(source, target)


def expect(project: Path, name: str, expected: dict) -> None:
    """Write ``EXPECTED`` into the generated test, as a developer does."""
    test = project / "tests" / f"test_{name}.py"
    line = f"EXPECTED: dict = {expected!r}"
    test.write_text(re.sub(r"^EXPECTED: dict = .*$", lambda _: line, test.read_text(), flags=re.M))


def edit(project: Path, path: str, old: str, new: str) -> None:
    target = project / path
    text = target.read_text()
    assert old in text, f"{old!r} not in {path}"
    target.write_text(text.replace(old, new))


def fails_then(project: Path, name: str) -> None:
    """The generated test, untouched, fails and says what to fill in."""
    failed = run_test(project, name)
    assert failed.returncode == 1, failed.stdout
    assert "fill in EXPECTED" in failed.stdout, failed.stdout


def test_genspider_lists_one_template_per_shape():
    out = run_scrapy(["genspider", "-l"]).stdout
    assert set(re.findall(r"^\s+(\w+)$", out, re.M)) == {"jsonapi", "platform", "jsonld", "html"}


def test_jsonapi_shape(project):
    genspider(project, "jsonapi", "acmeapi", "https://acme.example.test/api")
    fails_then(project, "acmeapi")
    record(project, MIRROR / "remoteok.com" / "api", "acme.example.test/api")
    title = "Benefits Advisor Leadership Training Program"
    expect(project, "acmeapi", {"source_id": "1130788", "title": title})
    # Fixture and expectation in place, but the template's guessed key is not the board's.
    wrong = run_test(project, "acmeapi")
    assert wrong.returncode == 1 and "title: expected" in wrong.stdout, wrong.stdout
    edit(project, "spiders/acmeapi.py", 'title=record.get("title")', 'title=record.get("position")')
    passed = run_test(project, "acmeapi")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_platform_shape(project):
    url = "https://boards.example.test/v1/boards/{handle}/jobs"
    out = genspider(project, "platform", "acmeplatform", url)
    assert "data/boards/acmeplatform.txt" in out
    fails_then(project, "acmeplatform")
    record(
        project,
        MIRROR / "boards-api.greenhouse.io" / "v1" / "boards" / "gitlab" / "jobs",
        "boards.example.test/v1/boards/gitlab/jobs",
    )
    with (project / "data" / "boards" / "acmeplatform.txt").open("a") as boards:
        boards.write("gitlab\n")
    spider = "spiders/acmeplatform.py"
    edit(project, spider, 'url=record.get("url")', 'url=record.get("absolute_url")')
    edit(project, spider, 'location_raw=record.get("location")',
         'location_raw=(record.get("location") or {}).get("name")')  # fmt: skip
    expect(project, "acmeplatform", {"source_id": "gitlab/8503792002",
           "title": "Account Executive - Italy", "company": "Gitlab",
           "url": "https://job-boards.greenhouse.io/gitlab/jobs/8503792002"})  # fmt: skip
    passed = run_test(project, "acmeplatform")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_jsonld_shape(project):
    genspider(project, "jsonld", "acmejsonld", "https://careers.example.test/sitemap.xml")
    fails_then(project, "acmejsonld")
    record(project, MIRROR / "careers.example.test", "careers.example.test")
    expect(project, "acmejsonld", {"source_id": "8565469002",
                                   "title": "AI Engineer"})  # fmt: skip
    passed = run_test(project, "acmejsonld")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_html_shape(project):
    genspider(project, "html", "acmehtml", "https://jobs.example.test/openings")
    fails_then(project, "acmehtml")
    record(project, MIRROR / "jobs.example.test", "jobs.example.test")
    # The selectors, written from the recorded pages (the "About" link is not a posting).
    spider = "spiders/acmehtml.py"
    edit(project, spider, 'listing_item = "article.job"', 'listing_item = "main li"')
    edit(
        project,
        spider,
        '{"url": "a::attr(href)", "title": "h2"}',
        """{"url": "a[href^='/openings/']::attr(href)", "title": "a[href^='/openings/']"}""",
    )
    edit(project, spider, '".description", "location_raw": ".location"}', '"main"}')
    path = "openings/cd5ae036-0223-427a-b038-ba16ef9dcb32"
    expect(project, "acmehtml", {"source_id": path, "url": f"https://jobs.example.test/{path}",
           "title": "Senior / Staff Fullstack Engineer (North America)"})  # fmt: skip
    passed = run_test(project, "acmehtml")
    assert passed.returncode == 0, passed.stdout + passed.stderr
