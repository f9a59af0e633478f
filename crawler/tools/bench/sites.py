"""A many-host JobPosting corpus: N career sites, each its own host, sitemap and job pages.

Derived from the recorded pages of ``data/mirror/careers.example.test`` (real
JobPosting JSON-LD from real boards): site ``n`` is ``site-NNN.example.test``; its page
``k`` is recorded page ``k mod 3`` (the three with a JobPosting) with that page's id made
unique (``<id>-<k>``) in its URL and JSON-LD identifier and the employer's name suffixed
with the site number, so that sites are not cross-board duplicates of one another. Written
as a replay-server folder plus the ``jobposting.toml`` that lists every site
(``scrapy crawl jobposting -a config=...``).
Used by the distributed-mode tests (politeness across workers) and ``make bench``.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CAREERS = ROOT / "data" / "mirror" / "careers.example.test"
# The employers of the recorded pages (JSON-LD "name" values).
_EMPLOYERS = ("Hinge", "OpenEvidence", "GitLab")
_LOC = re.compile(r"<loc>https://careers\.example\.test/jobs/([^<]+)</loc>")


def _templates() -> list[tuple[str, str]]:
    """(page id, page HTML) of the recorded job pages that hold a JobPosting (one of the
    recorded pages deliberately has none), in sitemap order."""
    sitemap = (CAREERS / "sitemap.xml").read_text(encoding="utf-8")
    pages = [
        (page_id, (CAREERS / "jobs" / page_id).read_text(encoding="utf-8"))
        for page_id in _LOC.findall(sitemap)
    ]
    return [(page_id, html) for page_id, html in pages if "JobPosting" in html]


def host(n: int, hosts: int = 0) -> str:
    """Site ``n``'s host: its own, or with ``hosts``, one of that many shared hosts."""
    return f"host-{n % hosts}.example.test" if hosts else f"site-{n:03d}.example.test"


def write_sites(root: Path, sites: int, pages: int, hosts: int = 0) -> Path:
    """Write ``sites`` sites of ``pages`` job pages under ``root``; return the config file.

    ``hosts``: put the sites on that many hosts (site ``n`` under ``/site-NNN/`` of host
    ``n mod hosts``) instead of one host each."""
    templates = _templates()
    config = [f"# {sites} derived JobPosting sites (crawler/tools/bench/sites.py)"]
    for n in range(sites):
        name = host(n, hosts)
        if hosts:
            folder, name = root / name / f"site-{n:03d}", f"{name}/site-{n:03d}"
        else:
            folder = root / name
        urls = []
        for k in range(pages):
            page_id, html = templates[k % len(templates)]
            new_id = f"{page_id}-{k}" if not page_id.isdigit() else f"{page_id}{k:04d}"
            text = html.replace(page_id, new_id).replace("careers.example.test", name)
            for employer in _EMPLOYERS:
                text = text.replace(f'"name": "{employer}"', f'"name": "{employer} {n:03d}"')
            path = folder / "jobs" / new_id
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            urls.append(f"https://{name}/jobs/{new_id}")
        entries = "".join(f"<url><loc>{u}</loc></url>\n" for u in urls)
        (folder / "sitemap.xml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</urlset>\n",
            encoding="utf-8",
        )
        config += [
            "[[site]]",
            f'name = "site-{n:03d}"',
            f'sitemap = "https://{name}/sitemap.xml"',
            'job_url_pattern = "/jobs/"',
            "",
        ]
    path = root / "jobposting.toml"
    path.write_text("\n".join(config), encoding="utf-8")
    return path
