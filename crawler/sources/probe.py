"""Which supported source a careers page is: a platform (and its board-list line), a site with
JobPosting JSON-LD (and its ``jobposting.toml`` entry), or neither, and why.

Pure functions (text in, findings out); ``scrapy probe`` (``crawler/commands/probe.py``)
fetches the page and asks the platform's API whether the handle is known.

Recognised: the address itself (``jobs.lever.co/<site>``, ``job-boards.greenhouse.io/<token>``,
``<company>.recruitee.com``...), and in a page's HTML the same addresses in links, iframes and
scripts, including the platforms' embed widgets (Greenhouse ``embed/job_board?for=<token>``,
Ashby ``jobs.ashbyhq.com/<name>/embed``). Where a platform's address holds no company handle
(Workable's ``apply.workable.com/j/<shortcode>`` job links), it is not guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.sources.jsonld import extract_jobpostings, jsonld_blocks

_HANDLE = r"(?P<handle>[A-Za-z0-9][A-Za-z0-9._-]*)"
# (platform, regex over "host/path" without scheme); the handle group is the company.
PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (platform, re.compile(rx, re.I))
    for platform, rx in (
        ("greenhouse", r"boards(?:\.eu)?\.greenhouse\.io/embed/job_board(?:/js)?\?"
                       rf"(?:[^\"' ]*&)?for={_HANDLE}"),
        ("greenhouse", rf"(?:job-boards|boards)(?:\.eu)?\.greenhouse\.io/(?!embed\b){_HANDLE}"),
        ("greenhouse", rf"boards-api\.greenhouse\.io/v1/boards/{_HANDLE}"),
        ("lever", rf"jobs(?:\.eu)?\.lever\.co/{_HANDLE}"),
        ("lever", rf"api(?:\.eu)?\.lever\.co/v0/postings/{_HANDLE}"),
        ("ashby", rf"jobs\.ashbyhq\.com/{_HANDLE}"),
        ("ashby", rf"api\.ashbyhq\.com/posting-api/job-board/{_HANDLE}"),
        ("workable", rf"apply\.workable\.com/(?!j/|api/){_HANDLE}"),
        ("workable", rf"apply\.workable\.com/api/v\d/(?:widget/)?accounts/{_HANDLE}"),
        ("recruitee", rf"(?<![\w.-]){_HANDLE}\.recruitee\.com"),
        ("bamboohr", rf"(?<![\w.-]){_HANDLE}\.bamboohr\.com"),
        ("pinpoint", rf"(?<![\w.-]){_HANDLE}\.pinpointhq\.com"),
        ("personio", rf"(?<![\w.-]){_HANDLE}\.jobs\.personio\.(?:de|com)"),
        ("smartrecruiters", rf"(?:jobs|careers)\.smartrecruiters\.com/{_HANDLE}"),
        ("smartrecruiters", rf"api\.smartrecruiters\.com/v1/companies/{_HANDLE}"),
    )
)  # fmt: skip
# Subdomains and paths that are the platform's own, never a company.
_NOT_HANDLES = {
    "www", "api", "app", "help", "support", "docs", "blog", "careers", "jobs", "static", "cdn",
    "assets", "embed", "j", "v0", "v1", "login", "signup",
}  # fmt: skip


def platforms_in(text: str) -> list[tuple[str, str]]:
    """``(platform, handle)`` pairs named in ``text`` (an address or a page), most named first."""
    found: Counter[tuple[str, str]] = Counter()
    for platform, regex in PATTERNS:
        for match in regex.finditer(text):
            handle = match.group("handle").rstrip(".-_")
            if handle.lower() in _NOT_HANDLES:
                continue
            found[(platform, handle)] += 1
    return [pair for pair, _ in found.most_common()]


def platform_of_url(url: str) -> tuple[str, str] | None:
    """The platform and handle an address belongs to, or None."""
    parts = urlsplit(url if "//" in url else f"//{url}")
    hits = platforms_in(f"{parts.netloc}{parts.path}?{parts.query}")
    return hits[0] if hits else None


@dataclass
class Finding:
    """What a probe found, and the lines to tell the user."""

    kind: str  # "platform", "jsonld" or "neither"
    platform: str | None = None
    handle: str | None = None
    postings: int = 0
    lines: list[str] = field(default_factory=list)


def board_line(platform: str, handle: str) -> str:
    return f"data/boards/{platform}.txt:  {handle}"


def site_entry(url: str) -> str:
    """A ready ``[[site]]`` entry of ``data/boards/jobposting.toml`` for a page at ``url``."""
    parts = urlsplit(url)
    host = (parts.hostname or "site").removeprefix("www.")
    name = re.sub(r"[^a-z0-9]+", "", host.split(".")[-2] if host.count(".") else host) or "site"
    first = parts.path.strip("/").split("/")[0] if parts.path.strip("/") else ""
    pattern = f"/{first}/" if first else "/"
    return (
        f'[[site]]\nname = "{name}"\nlisting_urls = ["{url}"]\n'
        f'job_url_pattern = "{pattern}"   # check: the path every job page URL has\n'
    )


def examine(url: str, page: str | None) -> Finding:
    """Probe a page (its address and, when fetched or saved, its HTML)."""
    direct = platform_of_url(url) if url else None
    if direct:
        platform, handle = direct
        return Finding("platform", platform, handle, lines=[
            f"{url} is a {platform} board: company handle {handle!r}.",
            f"Add this line: {board_line(platform, handle)}",
        ])  # fmt: skip
    if page is None:
        return Finding("neither", lines=[f"{url}: no page to read and no platform address."])
    postings, errors = extract_jobpostings(page)
    embedded = platforms_in(page)
    if embedded:
        platform, handle = embedded[0]
        lines = [
            f"{url or 'the page'} embeds or links a {platform} board: company handle {handle!r}.",
            f"Add this line: {board_line(platform, handle)}",
        ]
        others = [f"{p}:{h}" for p, h in embedded[1:4]]
        if others:
            lines.append(f"Also named on the page: {', '.join(others)}.")
        return Finding("platform", platform, handle, lines=lines)
    if postings:
        lines = [
            f"{url or 'the page'} carries {len(postings)} schema.org JobPosting(s) in JSON-LD.",
            "Add this entry to data/boards/jobposting.toml (or give the site's sitemap):",
            site_entry(url or "https://careers.example.com/jobs"),
        ]
        return Finding("jsonld", postings=len(postings), lines=lines)
    blocks, _ = jsonld_blocks(page)
    types = sorted({str(b.get("@type")) for b in blocks if isinstance(b, dict)})
    scripts = len(re.findall(r"<script\b", page, re.I))
    why = [
        "no supported platform's address in the URL or the page "
        f"(looked for {', '.join(sorted({p for p, _ in PATTERNS}))});",
        "no JobPosting JSON-LD"
        + (f" (JSON-LD of type {', '.join(types)} only)" if types else " (no JSON-LD at all)")
        + (f"; {len(errors)} unreadable JSON-LD block(s)" if errors else "")
        + ";",
    ]
    if scripts >= 10:
        why.append(
            f"the page runs {scripts} scripts: its listings are probably filled by JavaScript;"
            " look for the JSON it loads (browser network tab), else write an HTML spider"
            " (scrapy genspider -t html)."
        )
    return Finding("neither", lines=[f"{url or 'the page'}: neither holds:", *why])
