"""Scrapy settings for jobcrawl.

Defaults live here. Override per run with ``-s NAME=value``, or from the
environment: any ``JOBCRAWL_<NAME>`` variable overrides setting ``NAME``
(e.g. ``JOBCRAWL_JOBS_DB=/srv/jobs.db``). Never edit a copy of this file.
"""

from __future__ import annotations

import os

BOT_NAME = "jobcrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "crawler.commands"

# --- the database ---------------------------------------------------------------------
JOBS_DB = "data/jobs.db"
STORE_BATCH_SIZE = 500
STORE_BATCH_SECONDS = 2.0

# --- replaying recorded responses (tests, `make demo`) -------------------------------------
# When set (e.g. http://127.0.0.1:8765) every https://HOST/PATH is fetched from
# MIRROR_URL/HOST/PATH instead; items keep the real URLs.
MIRROR_URL = ""
DOWNLOAD_HANDLERS = {
    "http": "crawler.mirror.MirrorDownloadHandler",
    "https": "crawler.mirror.MirrorDownloadHandler",
}

# --- pipelines: one step per module, numbered in bands ----------------------------------------
ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.clean.CleanTextPipeline": 200,
    "pipelines.normalize.NormalizePipeline": 300,
    "pipelines.dedupe.DedupePipeline": 400,
    "pipelines.store.StorePipeline": 900,
}

# --- being a good citizen -------------------------------------------------------------------
CONTACT_URL = "https://github.com/jobcrawl/jobcrawl"
USER_AGENT = f"jobcrawl/0.1 (+{CONTACT_URL})"
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024
DOWNLOAD_WARNSIZE = 10 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

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


_apply_environment(globals())
