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

Everything here is pure (file in, ``Company`` list out) so that other tools
(a crawl-everything command, a report) can read the same lists.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BOARDS_DIR = ROOT / "data" / "boards"

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
