"""Scrapy settings for jobcrawl.

Defaults live here. Never edit a copy of this file; override in layers, each
winning over the one before:

1. this file;
2. a local, git-ignored TOML file, ``jobcrawl.local.toml`` next to ``scrapy.cfg``
   (or the file named by ``JOBCRAWL_LOCAL_SETTINGS_FILE``): ``NAME = value`` lines
   with setting names in capitals, e.g. ``CONTACT_URL = "https://example.org/bot"``
   or ``ENABLED_SPIDERS = ["remoteok", "lever"]``. A broken file is reported on
   stderr and ignored; ``scrapy crawlall`` refuses to run with it (exit status 2);
3. the environment: ``JOBCRAWL_<NAME>`` overrides setting ``NAME``, typed like
   its default (e.g. ``JOBCRAWL_JOBS_DB=/srv/jobs.db``; lists comma-separated:
   ``JOBCRAWL_ENABLED_SPIDERS=remoteok,lever``);
4. the command line: ``-s NAME=value``.

``USER_AGENT`` is built from ``CONTACT_URL`` after layers 1-3 unless set itself;
on the command line set ``USER_AGENT`` directly.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

BOT_NAME = "jobcrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# `scrapy genspider -l`: one template per data shape (crawler/commands/genspider.py).
TEMPLATES_DIR = str(Path(__file__).resolve().parent / "templates")
COMMANDS_MODULE = "crawler.commands"

# --- the database ---------------------------------------------------------------------
JOBS_DB = "data/jobs.db"
STORE_BATCH_SIZE = 500
STORE_BATCH_SECONDS = 2.0
# A batch write that fails (another connection holds the lock past STORE_BUSY_TIMEOUT_MS, a
# full disk) is retried this many times, STORE_RETRY_DELAY s apart (doubling); then the crawl
# is failed (health problem `store_errors`) and closes nothing (crawler/runtime/storethread.py).
STORE_WRITE_RETRIES = 3
STORE_RETRY_DELAY = 1.0
STORE_BUSY_TIMEOUT_MS = 30_000
# The database may not grow past this many MB (0: no cap); a write that would is failed like
# one on a full disk (retried, then the crawl is failed and closes nothing).
JOBS_DB_MAX_MB = 0.0

# --- replaying recorded responses (tests, `make demo`) -------------------------------------
# When set (e.g. http://127.0.0.1:8765) every https://HOST/PATH is fetched from
# MIRROR_URL/HOST/PATH instead; items keep the real URLs.
MIRROR_URL = ""
DOWNLOAD_HANDLERS = {
    "http": "crawler.runtime.mirror.MirrorDownloadHandler",
    "https": "crawler.runtime.mirror.MirrorDownloadHandler",
}

# --- pipelines: one step per module, numbered in bands ----------------------------------------
ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.fillrates.GivenFieldsPipeline": 150,
    "pipelines.clean.CleanTextPipeline": 200,
    "pipelines.normalize.NormalizePipeline": 300,
    "pipelines.dedupe.DedupePipeline": 400,
    "pipelines.fillrates.FillRatePipeline": 800,
    "pipelines.store.StorePipeline": 900,
}

# --- being a good citizen -------------------------------------------------------------------
# Boards may want to reach whoever runs the crawler: set this to your own page or mail.
# The placeholder below is the project's page, not yours: crawlall warns while it is unchanged.
PLACEHOLDER_CONTACT_URL = "https://github.com/jobcrawl/jobcrawl"
CONTACT_URL = PLACEHOLDER_CONTACT_URL
USER_AGENT = ""  # empty: "jobcrawl/0.1 (+CONTACT_URL)", built at the end of this file
ROBOTSTXT_OBEY = True
# robots.txt groups are matched on the product token, not the whole User-Agent.
ROBOTSTXT_USER_AGENT = "jobcrawl"
# Honour robots.txt Crawl-delay per host (crawler/runtime/middlewares.py), up to this many seconds.
CRAWL_DELAY_ENABLED = True
CRAWL_DELAY_MAX = 60.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
# Wait before each retry: the answer's Retry-After, else BASE x 2^(n-1) s up to MAX.
# A Retry-After over RETRY_AFTER_MAX seconds is not retried (the request fails).
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 300.0
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's robots.txt middleware lets the 2nd+ request waiting for a host's robots.txt
    # through unchecked (crawler/runtime/robots.py): the same middleware, with that fixed.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.runtime.robots.WaitingRobotsTxtMiddleware": 100,
    "crawler.runtime.middlewares.CrawlDelayMiddleware": 110,  # just after RobotsTxtMiddleware (100)
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.runtime.middlewares.BackoffRetryMiddleware": 550,
    # Engine side of robots/retry: sees each request's final outcome, per listing.
    "crawler.runtime.listings.ListingTrackerMiddleware": 40,
    # Outermost: a request that finally could not reach its host is one log line.
    "crawler.runtime.network.NetworkErrorMiddleware": 30,
    # Where Scrapy's HttpCacheMiddleware sits: conditional requests (runtime/incremental.py).
    "crawler.runtime.incremental.ConditionalCacheMiddleware": 900,
}
SPIDER_MIDDLEWARES = {
    "crawler.runtime.listings.ListingRejectsMiddleware": 800,
    "crawler.runtime.incremental.SkipUnchangedPagesMiddleware": 810,
}
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024
DOWNLOAD_WARNSIZE = 10 * 1024 * 1024
COOKIES_ENABLED = False
# --- bounds on one crawl (runtime/bounds.py): hitting one makes it unhealthy, closes nothing
# Downloaded bodies over this many bytes stop the crawl (0: no bound).
CRAWL_MAX_BYTES = 2 * 1024**3
# A crawl still running after this many seconds is stopped (Scrapy's own setting).
CLOSESPIDER_TIMEOUT = 6 * 3600
# Sitemap indexes nested deeper, or more sitemaps followed in one crawl, are not followed.
SITEMAP_MAX_DEPTH = 3
SITEMAP_MAX_COUNT = 2000
# A sitemap listing more entries than this (the sitemaps protocol's limit) is not read further.
SITEMAP_MAX_ENTRIES = 50_000
# Archive import (spiders/archive.py): a larger file is refused with its reason in `rejects`.
ARCHIVE_MAX_FILE_BYTES = 2 * 1024 * 1024
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote-control endpoint executes Python sent to it inside the crawler: off.
REMOTE_CONTROL_ENABLED = False

# --- posting lifecycle, duplicates, incremental crawls (README "Lifecycle") ------------------
# Closed after missing from this many consecutive healthy complete listings of its board.
LIFECYCLE_MISSES_TO_CLOSE = 2
# A listing that saw under this fraction of its last healthy listing's postings closes nothing.
LIFECYCLE_LISTING_MIN_FRACTION = 0.5
# Window boards (RemoteOK): an unseen posting older than this many days is closed; 0: never.
LIFECYCLE_MAX_AGE_DAYS = 60.0
# Evaluate date rules as of this UTC ISO 8601 instant instead of now (replays of old days).
LIFECYCLE_NOW = ""
# Cross-board duplicates (crawler/store/dedupe.py): share of 5-word shingles in common needed, 0..1.
DEDUPE_ENABLED = True
DEDUPE_TEXT_MIN_SCORE = 0.8
DEDUPE_MIN_TEXT_CHARS = 200
DEDUPE_MAX_CANDIDATES = 50
# The employer's own ATS: preferred as a duplicate group's canonical posting.
DEDUPE_EMPLOYER_SOURCES = ["lever", "greenhouse", "ashby"]
# Sitemap boards: skip job pages whose lastmod has not moved (-a full=1 refetches).
INCREMENTAL_SKIP_UNCHANGED = True
# ETag/Last-Modified revalidation; the cache defaults to httpcache/ next to JOBS_DB.
CONDITIONAL_REQUESTS = True
CONDITIONAL_CACHE_DIR = ""

# --- unattended runs: `scrapy crawlall` (crawler/commands/crawlall.py) -----------------------
# The boards crawlall runs, in order. A name with no spider in this checkout is
# skipped with a warning; a platform spider (lever, greenhouse, ashby) is skipped
# while its data/boards/<name>.txt lists no company.
ENABLED_SPIDERS = ["remoteok", "remotewlb", "lever", "greenhouse", "ashby"]
LOCK_FILE = ""  # empty: JOBS_DB + ".lock" (one crawlall at a time per database)
LOG_DIR = "data/logs"  # crawlall.log, rotated at LOG_MAX_BYTES, LOG_BACKUPS old files kept
LOG_MAX_BYTES = 10 * 1024 * 1024
LOG_BACKUPS = 10
LOG_FILE_LEVEL = "INFO"  # the file keeps INFO even when the console is quieter (-L WARNING)
# Health checks per crawl (crawler/store/health.py documents each).
HEALTH_MIN_COUNT_FRACTION = 0.5
HEALTH_FILL_DROP_FRACTION = 0.25
HEALTH_FILL_MIN_PREVIOUS = 0.1
HEALTH_FILL_MIN_EXPECTED = 5
HEALTH_MAX_ERROR_FRACTION = 0.1
HEALTH_MAX_REJECT_FRACTION = 0.1
# count_drop and collapsed listings compare with the largest of this many recent healthy crawls.
HEALTH_BASELINE_CRAWLS = 5
EXTENSIONS = {
    "scrapy.extensions.logstats.LogStats": None,
    "crawler.runtime.extensions.BoardLogStats": 0,  # the periodic stats line, naming the board
    "crawler.runtime.extensions.HealthCheck": 500,
    "crawler.runtime.memory.MemoryTrim": 0,  # freed memory back to the system (MEMORY_TRIM_SECONDS)
    "crawler.runtime.bounds.CrawlBounds": 0,  # CRAWL_MAX_BYTES
}
MEMORY_TRIM_SECONDS = 1.0

# --- distributed mode: scrapy enqueue / worker / writer / queue (docs/distributed.md) ----------
REDIS_URL = ""  # e.g. redis://queue.internal:6379/0; empty: the distributed commands refuse
REDIS_PREFIX = "jobcrawl"  # every key and the stream live under this prefix
REDIS_WAIT_SECONDS = 120.0  # ride out a Redis outage this long, then fail loudly
REDIS_SOCKET_TIMEOUT = 5.0
UNIT_LEASE_SECONDS = 60.0  # a worker that stops renewing loses its unit after this
UNIT_MAX_ATTEMPTS = 3  # leases of one unit before it counts as a failed listing
WORKER_POLL_SECONDS = 0.5  # an idle worker asks for work this often
WORKER_UNITS = 4  # units (so hosts) one worker process crawls side by side

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def _apply_environment(namespace: dict) -> None:
    """``JOBCRAWL_<NAME>=value`` overrides an existing setting ``NAME`` (typed like the default)."""
    for key, value in os.environ.items():
        if not key.startswith("JOBCRAWL_"):
            continue
        name = key.removeprefix("JOBCRAWL_")
        if name not in namespace or name.startswith("_"):
            continue
        default = namespace[name]
        if isinstance(default, bool):
            namespace[name] = value.strip().lower() in {"1", "true", "yes", "on"}
        elif isinstance(default, int):
            namespace[name] = int(value)
        elif isinstance(default, float):
            namespace[name] = float(value)
        elif isinstance(default, str):
            namespace[name] = value
        elif isinstance(default, list):
            namespace[name] = [part.strip() for part in value.split(",") if part.strip()]


LOCAL_SETTINGS_FILE = os.environ.get("JOBCRAWL_LOCAL_SETTINGS_FILE") or str(
    Path(__file__).resolve().parent.parent / "jobcrawl.local.toml"
)
LOCAL_SETTINGS_ERROR = ""  # set when the local file cannot be used


def _apply_local_file(namespace: dict, path: str) -> str:
    """Apply ``NAME = value`` lines of the TOML file at ``path``; return an error or ""."""
    try:
        with open(path, "rb") as fh:
            values = tomllib.load(fh)
    except FileNotFoundError:
        return ""
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return f"{path}: {exc}"
    checked = {}
    for name, value in values.items():
        if not name.isupper() or name.startswith("_"):
            return f"{path}: {name!r} is not a setting name (settings are UPPER_CASE)"
        default = namespace.get(name)
        numbers = isinstance(default, int | float) and not isinstance(default, bool)
        if numbers and isinstance(value, int | float) and not isinstance(value, bool):
            value = type(default)(value)  # 2 for a float setting is 2.0
        elif default is not None and type(value) is not type(default):
            expected = type(default).__name__
            return f"{path}: {name} must be {expected}, got {type(value).__name__} {value!r}"
        checked[name] = value
    namespace.update(checked)  # all or nothing: a broken file changes no setting
    return ""


LOCAL_SETTINGS_ERROR = _apply_local_file(globals(), LOCAL_SETTINGS_FILE)
if LOCAL_SETTINGS_ERROR:
    print(f"jobcrawl: local settings ignored: {LOCAL_SETTINGS_ERROR}", file=sys.stderr)
_apply_environment(globals())
USER_AGENT = USER_AGENT or f"jobcrawl/0.1 (+{CONTACT_URL})"
