"""A real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``, which
.ci/run installs) opens ``make explore``'s Datasette jobs page and ``make report``'s file.

Selenium drives it through Debian's chromedriver (no browser or driver is downloaded). The
screenshots are test artifacts in ``data/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from crawler.tools.bench import analyst
from crawler.tools.bench.corpus import JSON_SHAPES

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "data" / "artifacts"
WIDTH, HEIGHT = 1366, 768
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.fail("headless Chromium is needed: apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 f"--window-size={WIDTH},{HEIGHT}",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    driver.set_page_load_timeout(60)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "jobs.db"
    analyst.build(path, 600, crawls=2 * len(JSON_SHAPES), log=lambda *_: None)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def explore(db_path):
    """``python -m crawler.analysis.explore DB --port P`` (``make explore``); its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.analysis.explore", str(db_path), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urlopen(f"{url}/-/versions.json", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"datasette did not start: {proc.stdout.read().decode()[-2000:]}")
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def console_errors(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_the_jobs_page_first_screen_shows_title_company_location_and_pay(browser, explore):
    browser.get_log("browser")  # start clean
    browser.get(f"{explore}/jobs/jobs")
    assert "_col=title" in browser.current_url  # the plugin's default columns
    browser.save_screenshot(str(ARTIFACTS / "datasette-jobs.png"))
    assert console_errors(browser) == []
    width, height = browser.execute_script("return [window.innerWidth, window.innerHeight]")
    for column in ("title", "company", "location_raw", "salary_min", "salary_max",
                   "salary_currency"):  # fmt: skip
        heading = browser.find_element(By.CSS_SELECTOR, f'th[data-column="{column}"]')
        box = browser.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.right];",
            heading,
        )
        assert heading.is_displayed()
        assert heading.get_attribute("title")  # its description, on hover
        assert 0 <= box[0] and box[2] <= width and 0 <= box[1] < height, (column, box)
    first_cells = browser.find_elements(By.CSS_SELECTOR, "tbody tr:first-child td")
    assert first_cells and first_cells[0].text  # a title, not an id
    # the first data row is on the first screen (no description pushes it down)
    top = browser.execute_script(
        "return document.querySelector('tbody tr').getBoundingClientRect().top"
    )
    assert top < height


def test_the_report_renders_its_charts_as_svg_with_data_marks(browser, db_path, tmp_path):
    out = tmp_path / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.analysis.report", str(db_path), "-o", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    browser.get_log("browser")
    browser.get(out.as_uri())
    browser.save_screenshot(str(ARTIFACTS / "report.png"))
    assert console_errors(browser) == []
    charts = browser.execute_script(
        """return Array.from(document.querySelectorAll('section')).map(s => {
             const svg = s.querySelector('svg');
             if (!svg) return [s.id, 0, 0, 0];
             const r = svg.getBoundingClientRect();
             return [s.id, svg.querySelectorAll('g[id^="mark"]').length,
                     svg.querySelectorAll('g[id^="mark"] title').length, r.width * r.height];
           });"""
    )
    drawn = {c[0]: c for c in charts if c[1]}
    assert set(drawn) >= {"weekly_by_board", "new_and_closed", "time_to_close", "pay_by_role",
                          "remote_share", "top_tags", "top_companies", "board_health"}  # fmt: skip
    for key, marks, titles, area in drawn.values():
        assert titles == marks and area > 10_000, key  # rendered, with a tooltip per mark
    # a mark's tooltip holds its numbers
    tip = browser.execute_script(
        "return document.querySelector('#top_tags g[id^=\"mark\"] title').textContent"
    )
    assert "open" in tip and any(ch.isdigit() for ch in tip)
