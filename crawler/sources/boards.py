"""Board lists: which companies a platform spider crawls, read from ``data/boards/<platform>.txt``.

Format, one company per line::

    # comments start with '#', blank lines are ignored
    matchgroup  name="Match Group"      # handle first, then key=value options
    palantir
    someeuco    region=eu page_size=100

The handle is the company's id on the platform (Lever site, Greenhouse board
token, Ashby job-board name). Values with spaces are quoted (shell-like). Options
are checked against ``PLATFORM_OPTIONS``: an unknown option, a bad value, a
duplicate handle or an unbalanced quote raises ``BoardListError`` whose one-line
message names the file and line, so a typo fails the crawl at start, before any
request, instead of surprising anyone mid-crawl.

Sites that embed schema.org JobPosting JSON-LD are the other board list:
``data/boards/jobposting.toml`` (format in that file; read by ``load_sites``, checked the
same way: a bad entry names the file and the entry, before any request).

Everything here is pure (file in, ``Company`` or site list out) so that other tools
(a crawl-everything command, a report) can read the same lists. This is the one place board
configuration is read.
"""

from __future__ import annotations

import functools
import re
import shlex
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import re2

ROOT = Path(__file__).resolve().parents[2]
BOARDS_DIR = ROOT / "data" / "boards"
SITES_PATH = BOARDS_DIR / "jobposting.toml"

# Handles appear in URL paths; anything outside this set is far more likely a
# typo (or a pasted URL) than a real handle.
_HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._%-]*$")


class SpiderConfigError(ValueError):
    """A spider cannot start as configured (board list, site config, arguments).

    The message is one line that names the file, entry or argument. ``scrapy crawl``
    and ``crawlall`` log it as ``<spider>: cannot start: <message>``, with no
    traceback (it is the user's configuration, not a bug), and exit 1 / 2.
    """


class BoardListError(SpiderConfigError):
    """A board list (or ``-a companies=``) that cannot be read; the message is one line."""


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _choice(*allowed: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value.lower() not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value.lower()

    return check


def _page_size(value: str) -> int:
    if not value.isdigit():
        raise ValueError("must be a whole number (0 = whole board in one response)")
    return int(value)


# The options each platform understands, with the check that turns the text
# into a value. ``name`` is the readable company name for the ``company`` column.
PLATFORM_OPTIONS: dict[str, dict[str, Callable[[str], Any]]] = {
    "lever": {"name": _text, "region": _choice("global", "eu"), "page_size": _page_size},
    "greenhouse": {"name": _text},
    "ashby": {"name": _text},
}


@dataclass(frozen=True)
class Company:
    """One company on one platform, as configured."""

    handle: str
    options: Mapping[str, Any] = field(default_factory=dict)
    origin: str = ""  # "data/boards/lever.txt:3" or "-a companies", for messages

    @property
    def name(self) -> str | None:
        """The readable name configured for the company, if any."""
        return self.options.get("name")


def derive_company_name(handle: str) -> str:
    """A readable name from a handle: ``match-group`` -> ``Match Group``.

    Words are only split where the handle has separators, so ``matchgroup`` becomes
    ``Matchgroup``: configure ``name=`` in the board list for anything better.
    """
    words = [w for w in re.split(r"[-_.\s]+", handle) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or handle


def board_list_path(platform: str) -> Path:
    return BOARDS_DIR / f"{platform}.txt"


def display_path(path: str | Path) -> str:
    """``path`` relative to the project when it is inside it (for messages)."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def parse_line(line: str, platform: str, origin: str) -> Company | None:
    """One board-list line to a ``Company`` (None for a blank or comment line)."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError as exc:  # shlex: "No closing quotation"
        raise BoardListError(f"{origin}: {exc} in {line.strip()!r}") from None
    if not tokens:
        return None
    handle, *pairs = tokens
    if "=" in handle:
        raise BoardListError(f"{origin}: a line must start with the company handle, got {handle!r}")
    if not _HANDLE.match(handle):
        raise BoardListError(
            f"{origin}: {handle!r} is not a company handle (letters, digits, '.', '_', '-')"
        )
    items = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise BoardListError(f"{origin}: expected key=value after {handle!r}, got {pair!r}")
        items.append((key, value))
    return Company(handle, parse_options(items, platform, origin), origin)


def parse_options(items: Iterable[tuple[str, str]], platform: str, origin: str) -> dict[str, Any]:
    """Check (key, text) option pairs against ``PLATFORM_OPTIONS``; return typed values."""
    allowed = PLATFORM_OPTIONS.get(platform, {"name": _text})
    options: dict[str, Any] = {}
    for key, value in items:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise BoardListError(
                f"{origin}: unknown option {key!r} for {platform} (known: {known})"
            )
        if key in options:
            raise BoardListError(f"{origin}: option {key!r} given twice")
        try:
            options[key] = allowed[key](value)
        except ValueError as exc:
            raise BoardListError(f"{origin}: {key}={value!r} {exc}") from None
    return options


def with_defaults(company: Company, defaults: Mapping[str, Any]) -> Company:
    """``company`` with ``defaults`` (e.g. from spider arguments) under its own options."""
    return replace(company, options={**defaults, **company.options})


def parse_board_list(
    lines: Iterable[str], platform: str, source: str, *, where: str = "{source}:{number}"
) -> list[Company]:
    """Parse board-list lines; errors name ``where`` (by default ``FILE:LINE``)."""
    companies: list[Company] = []
    seen: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        company = parse_line(line, platform, where.format(source=source, number=number))
        if company is None:
            continue
        key = company.handle.lower()
        if key in seen:
            raise BoardListError(
                f"{company.origin}: {company.handle!r} is already listed at {seen[key]}"
            )
        seen[key] = company.origin
        companies.append(company)
    return companies


def load_board_list(platform: str, path: str | Path | None = None) -> list[Company]:
    """The companies configured for ``platform`` (from ``data/boards/<platform>.txt`` by default).

    Raises ``BoardListError`` (one line naming file and line) for a missing file or
    a bad line. An empty list is allowed: the spider then crawls nothing.
    """
    path = Path(path) if path else board_list_path(platform)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BoardListError(f"{display_path(path)}: no board list for {platform}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BoardListError(f"{display_path(path)}: cannot read the board list: {exc}") from None
    return parse_board_list(text.splitlines(), platform, display_path(path))


def parse_companies_arg(value: str, platform: str) -> list[Company]:
    """``-a companies=a,b`` (each item may carry options: ``"a region=eu,b"``) to companies."""
    items = [item for item in value.split(",") if item.strip()]
    if not items:
        raise BoardListError("-a companies: no company handle given")
    return parse_board_list(items, platform, "-a companies", where="{source} (item {number})")


# --- JobPosting sites (data/boards/jobposting.toml) --------------------------------------------

SITE_KEYS = {"name", "sitemap", "listing_urls", "job_url_pattern", "enabled"}
_SITE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@functools.lru_cache(maxsize=64)
def job_url_regex(pattern: str):
    """A configured ``job_url_pattern``, compiled for RE2: matching runs in time linear in the
    URL, so a site-supplied URL can never make a pattern backtrack for hours (Python's ``re``
    took minutes on ``(a+)+$`` against 30 characters, and ignored SIGTERM meanwhile).
    Backreferences and lookarounds, which need backtracking, are refused (``re2.error``)."""
    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)


def _urls(value, where: str, key: str) -> list[str]:
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise SpiderConfigError(f"{where}: {key} must be a URL or a list of URLs")
    for url in urls:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise SpiderConfigError(f"{where}: {key} has {url!r}, not an http(s) URL")
    return urls


def load_sites(path: str | Path | None = None) -> list[dict]:
    """The checked ``[[site]]`` entries of a site list (``data/boards/jobposting.toml`` by
    default); ``SpiderConfigError`` names the file, the entry and the fault."""
    path = Path(path) if path else SITES_PATH
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpiderConfigError(f"{path}: {exc}") from exc
    sites, names = [], set()
    for n, entry in enumerate(data.get("site", []), start=1):
        where = f"{path}: [[site]] #{n}"
        unknown = set(entry) - SITE_KEYS
        if unknown:
            raise SpiderConfigError(
                f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(SITE_KEYS)}"
            )
        name = entry.get("name")
        if not isinstance(name, str) or not _SITE_NAME.match(name):
            raise SpiderConfigError(
                f"{where}: name must be lower-case letters, digits, '_', '-', '.'"
            )
        if name in names:
            raise SpiderConfigError(f"{where}: name {name!r} used twice")
        names.add(name)
        where = f"{path}: site {name!r}"
        site = {
            "name": name,
            "sitemaps": _urls(entry.get("sitemap", []), where, "sitemap"),
            "listing_urls": _urls(entry.get("listing_urls", []), where, "listing_urls"),
            "job_url_pattern": entry.get("job_url_pattern"),
            "enabled": entry.get("enabled", True),
        }
        if not site["sitemaps"] and not site["listing_urls"]:
            raise SpiderConfigError(f"{where}: give a sitemap or listing_urls")
        if site["job_url_pattern"] is not None:
            try:
                job_url_regex(site["job_url_pattern"])
            except (re2.error, TypeError) as exc:
                raise SpiderConfigError(
                    f"{where}: job_url_pattern is not a regex RE2 can run in linear time"
                    f" (no backreferences or lookarounds): {exc}"
                ) from exc
        if not isinstance(site["enabled"], bool):
            raise SpiderConfigError(f"{where}: enabled must be true or false")
        sites.append(site)
    return sites


def select_sites(sites: list[dict], names: str | None) -> list[dict]:
    """The sites a crawl runs: those named in ``-a sites=a,b`` (enabled or not), else the
    enabled ones. An unknown name raises ``SpiderConfigError``."""
    if not names:
        return [s for s in sites if s["enabled"]]
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    by_name = {s["name"]: s for s in sites}
    missing = [n for n in wanted if n not in by_name]
    if missing:
        raise SpiderConfigError(f"unknown sites {missing}; configured: {sorted(by_name)}")
    return [by_name[n] for n in wanted]
