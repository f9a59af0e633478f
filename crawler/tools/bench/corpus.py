"""A scaled corpus derived from the real recorded responses in ``data/mirror``.

Every derived posting is a real recorded record of the same board with a new id
(and the URLs that embed it), whose field groups (title, company, description,
location, pay, dates...) are each taken from another real record of that board,
with the keys in a shuffled order. The text is therefore always real board text
(mojibake, entity-escaped HTML and all), only recombined.

Everything is deterministic in ``seed``: posting ``n`` of a shape is the same
record on every run, so a recrawl variant (``changed``/``gone`` fractions) can be
written over the same ids. The corpus is written as a replay-server folder
(``crawler/tools/replay.py``)::

    remoteok.com/api?page=K                          (bench spider ``remoteok_bench``)
    api.lever.co/v0/postings/bench-lever-NNNN        (``lever -a companies=...``)
    boards-api.greenhouse.io/v1/boards/bench-greenhouse-NNNN/jobs
    remotewlb.com/sitemap.xml, sitemaps/jobs/*, job/<slug>   (JSON-LD pages)

Each response holds 50-300 postings (one page or one company), like the real boards.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
MIRROR = ROOT / "data" / "mirror"
JSON_SHAPES = ("remoteok", "lever", "greenhouse")
MIN_PAGE, MAX_PAGE = 50, 300
_NAMESPACE = uuid.UUID("6f1c1e0a-5b7d-4c55-9a55-0b3e3c2d9b11")


def _records_remoteok() -> list[dict]:
    data = json.loads((MIRROR / "remoteok.com" / "api").read_text(encoding="utf-8"))
    return [r for r in data if isinstance(r, dict) and "id" in r]


def _records_lever() -> list[dict]:
    out = []
    for path in sorted((MIRROR / "api.lever.co" / "v0" / "postings").glob("*")):
        if path.suffix == ".json" or not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, list):
            out += [r for r in data if isinstance(r, dict) and "id" in r]
    return out


def _records_greenhouse() -> list[dict]:
    out = []
    for path in sorted((MIRROR / "boards-api.greenhouse.io" / "v1" / "boards").glob("*/jobs")):
        out += json.loads(path.read_text(encoding="utf-8")).get("jobs", [])
    return out


def _id_remoteok(record: dict, n: int, company: str) -> None:
    old, new = str(record["id"]), str(3_000_000 + n)
    record["id"] = new
    for key in ("slug", "url", "apply_url"):
        if isinstance(record.get(key), str):
            record[key] = record[key].replace(old, new)


def _id_lever(record: dict, n: int, company: str) -> None:
    new = str(uuid.uuid5(_NAMESPACE, f"lever/{n}"))
    record["id"] = new
    record["hostedUrl"] = f"https://jobs.lever.co/{company}/{new}"
    record["applyUrl"] = f"https://jobs.lever.co/{company}/{new}/apply"


def _id_greenhouse(record: dict, n: int, company: str) -> None:
    new = 9_000_000_000 + n
    record["id"] = new
    record["internal_job_id"] = 7_000_000_000 + n
    record["absolute_url"] = f"https://job-boards.greenhouse.io/{company}/jobs/{new}"


@dataclass(frozen=True)
class Shape:
    """How to derive postings of one board from its real records."""

    name: str
    load: Callable[[], list[dict]]
    # Keys that travel together from one donor record (a salary's min and max...).
    groups: tuple[tuple[str, ...], ...]
    set_id: Callable[[dict, int, str], None]
    title_key: str
    spider: str
    companies: bool  # one company per response (platform boards) or pages of one API


SHAPES: dict[str, Shape] = {
    "remoteok": Shape(
        "remoteok",
        _records_remoteok,
        (
            ("position",),
            ("company",),
            ("description",),
            ("location",),
            ("tags",),
            ("salary_min", "salary_max"),
            ("date", "epoch"),
        ),
        _id_remoteok,
        "position",
        "remoteok_bench",
        companies=False,
    ),
    "lever": Shape(
        "lever",
        _records_lever,
        (
            ("text",),
            ("categories",),
            (
                "description",
                "opening",
                "descriptionBody",
                "descriptionPlain",
                "openingPlain",
                "descriptionBodyPlain",
            ),
            ("lists",),
            ("additional", "additionalPlain"),
            ("salaryRange", "salaryDescription", "salaryDescriptionPlain"),
            ("country", "workplaceType"),
            ("createdAt",),
        ),
        _id_lever,
        "text",
        "lever",
        companies=True,
    ),
    "greenhouse": Shape(
        "greenhouse",
        _records_greenhouse,
        (
            ("title",),
            ("company_name",),
            ("content",),
            ("location",),
            ("offices",),
            ("departments",),
            ("first_published", "updated_at"),
            ("metadata",),
        ),
        _id_greenhouse,
        "title",
        "greenhouse",
        companies=True,
    ),
}


def _fraction(seed: int, shape: str, n: int) -> float:
    """A stable number in [0, 1) for posting ``n`` (decides changed / gone)."""
    digest = hashlib.blake2b(f"{seed}/{shape}/{n}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass
class Variant:
    """Which postings a corpus variant changes or drops (``recrawl``: 5% / 2%)."""

    changed: float = 0.0
    gone: float = 0.0

    def fate(self, seed: int, shape: str, n: int) -> str:
        u = _fraction(seed, shape, n)
        if u < self.gone:
            return "gone"
        if u < self.gone + self.changed:
            return "changed"
        return "same"


FIRST = Variant()
RECRAWL = Variant(changed=0.05, gone=0.02)


def derive(shape: Shape, base: list[dict], rng: random.Random, n: int, company: str) -> dict:
    """Posting ``n``: a real record with a new id and each field group from a real donor."""
    record = dict(rng.choice(base))
    for group in shape.groups:
        donor = rng.choice(base)
        for key in group:
            if key in donor:
                record[key] = donor[key]
            else:
                record.pop(key, None)
    shape.set_id(record, n, company)
    keys = list(record)
    rng.shuffle(keys)
    return {k: record[k] for k in keys}


def page_sizes(total: int, rng: random.Random) -> list[int]:
    """Response sizes in [50, 300] adding up to ``total`` (a last short page is allowed)."""
    sizes = []
    while total > 0:
        size = min(rng.randint(MIN_PAGE, MAX_PAGE), total)
        sizes.append(size)
        total -= size
    return sizes


def derived_records(shape_name: str, count: int, seed: int = 1) -> list[dict]:
    """``count`` derived records of one board in one list (for tests and single responses)."""
    shape = SHAPES[shape_name]
    base, rng = shape.load(), random.Random(f"{seed}/{shape_name}/records")
    return [derive(shape, base, rng, n, f"bench-{shape_name}") for n in range(count)]


@dataclass
class ShapeManifest:
    shape: str
    spider: str
    postings: int = 0  # in this variant (gone ones excluded)
    responses: int = 0
    changed: int = 0
    gone: int = 0
    handles: list[str] = field(default_factory=list)  # pages or companies, in order
    sizes: list[int] = field(default_factory=list)  # postings per response, this variant

    def spider_args(self, limit: int | None = None) -> dict[str, str]:
        """Arguments that make the spider fetch every response (or the first ``limit``)."""
        handles = self.handles[:limit] if limit else self.handles
        if self.shape not in SHAPES:  # a sitemap board finds its pages itself
            return {}
        if SHAPES[self.shape].companies:
            return {"companies": ",".join(handles)}
        return {"pages": ",".join(handles)}

    def postings_in(self, limit: int | None) -> int:
        return sum(self.sizes[:limit] if limit else self.sizes)


def write_shape(
    root: Path, shape_name: str, postings: int, seed: int, variant: Variant = FIRST
) -> ShapeManifest:
    """Write ``postings`` derived postings of one JSON board under ``root``."""
    shape = SHAPES[shape_name]
    base = shape.load()
    if not base:
        raise ValueError(f"no recorded {shape_name} records under {MIRROR}")
    sizes = page_sizes(postings, random.Random(f"{seed}/{shape_name}/sizes"))
    manifest = ShapeManifest(shape_name, shape.spider)
    n = 0
    for index, size in enumerate(sizes, start=1):
        handle = f"bench-{shape_name}-{index:04d}" if shape.companies else str(index)
        rng = random.Random(f"{seed}/{shape_name}/{index}")
        page = []
        for _ in range(size):
            record = derive(shape, base, rng, n, handle)
            fate = variant.fate(seed, shape_name, n)
            n += 1
            if fate == "gone":
                manifest.gone += 1
                continue
            if fate == "changed":
                manifest.changed += 1
                record[shape.title_key] = f"{record.get(shape.title_key) or ''} (updated)"
            page.append(record)
        _write_response(root, shape_name, handle, page)
        manifest.handles.append(handle)
        manifest.sizes.append(len(page))
        manifest.postings += len(page)
        manifest.responses += 1
    return manifest


def _write_response(root: Path, shape: str, handle: str, page: list[dict]) -> None:
    if shape == "remoteok":
        path = root / "remoteok.com" / f"api?page={handle}"
        body: Any = [{"last_updated": 0, "legal": "derived from a recorded response"}, *page]
    elif shape == "lever":
        path = root / "api.lever.co" / "v0" / "postings" / handle
        body = page
    else:
        path = root / "boards-api.greenhouse.io" / "v1" / "boards" / handle / "jobs"
        body = {"jobs": page, "meta": {"total": len(page)}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


def write_corpus(
    root: Path,
    postings: int,
    seed: int = 1,
    shapes=JSON_SHAPES,
    variant: Variant = FIRST,
    sitemap_pages: int = 0,
) -> dict[str, ShapeManifest]:
    """Write a fresh corpus into ``root``: ``postings`` split evenly over the JSON ``shapes``
    and ``sitemap_pages`` JSON-LD pages behind a sitemap."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    robots = MIRROR / "remoteok.com" / "robots.txt"
    (root / "remoteok.com").mkdir()
    shutil.copy(robots, root / "remoteok.com" / "robots.txt")
    manifests = {}
    for i, name in enumerate(shapes):
        share = postings // len(shapes) + (1 if i < postings % len(shapes) else 0)
        manifests[name] = write_shape(root, name, share, seed, variant)
    if sitemap_pages:
        manifests["remotewlb"] = write_sitemap_board(root, sitemap_pages, seed, variant)
    return manifests


# --- JSON-LD job pages behind a sitemap (RemoteWLB's layout) ------------------------------

_JSONLD = re.compile(r'(<script type="application/ld\+json">)(.*?)(</script>)', re.S)
_WLB = MIRROR / "remotewlb.com"
SHARD_SIZE = 500  # pages per monthly sitemap shard


def _jsonld_templates() -> list[tuple[str, dict]]:
    """(page HTML, its JobPosting JSON-LD) of every recorded RemoteWLB job page."""
    out = []
    for path in sorted((_WLB / "job").glob("*")):
        page = path.read_text(encoding="utf-8")
        match = _JSONLD.search(page)
        if match:
            out.append((page, json.loads(match.group(2))))
    return out


def _job_texts() -> list[tuple[str, str]]:
    """(title, description HTML) of every recorded posting of every board: real job text."""
    texts = [(p["title"], p["description"]) for _page, p in _jsonld_templates()]
    texts += [(r["text"], r.get("description") or "") for r in _records_lever()]
    texts += [(r["title"], html.unescape(r.get("content") or "")) for r in _records_greenhouse()]
    return [(t, d) for t, d in texts if t and d]


def _slug(title: str, n: int) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join([*words[:8], str(400_000 + n)])


def write_sitemap_board(
    root: Path, pages: int, seed: int, variant: Variant = FIRST, shard_size: int = SHARD_SIZE
) -> ShapeManifest:
    """``pages`` JobPosting pages of RemoteWLB's layout: an index of monthly shards.

    Each page is a recorded RemoteWLB page whose JSON-LD keys come from recorded
    RemoteWLB postings and whose title and description come from a recorded posting
    of any board. A changed page gets a new ``lastmod`` in its shard; a gone page
    leaves the sitemap and answers 404.
    """
    templates, texts = _jsonld_templates(), _job_texts()
    if not templates:
        raise ValueError(f"no recorded RemoteWLB job pages under {_WLB}")
    rng = random.Random(f"{seed}/remotewlb/pages")
    manifest = ShapeManifest("remotewlb", "remotewlb")
    shards: list[list[str]] = []
    for n in range(pages):
        page_html, _ = rng.choice(templates)
        posting = dict(rng.choice(templates)[1])
        for key in ("datePosted", "hiringOrganization", "employmentType", "validThrough"):
            donor = rng.choice(templates)[1]
            if key in donor:
                posting[key] = donor[key]
        posting["title"], posting["description"] = rng.choice(texts)
        # Lastmods in the past of the recordings (Jan-Sep 2026): a lastmod in the future is
        # ignored by the crawl (crawler/sources/structured.py), as it would be on a real board.
        month = n * 9 // max(pages, 1)
        lastmod = f"2026-{month % 9 + 1:02d}-{n % 28 + 1:02d}T06:00:00+00:00"
        fate = variant.fate(seed, "remotewlb", n)
        slug = _slug(posting["title"], n)
        if n % shard_size == 0:
            shards.append([])
        if fate == "gone":
            manifest.gone += 1
            continue
        if fate == "changed":
            manifest.changed += 1
            posting["title"] += " (updated)"
            lastmod = "2026-10-15T06:00:00+00:00"
        body = json.dumps(posting, ensure_ascii=False).replace("</", "<\\/")
        match = _JSONLD.search(page_html)
        page = page_html[: match.start(2)] + body + page_html[match.end(2) :]
        path = root / "remotewlb.com" / "job" / slug
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        shards[-1].append(
            f"<url><loc>https://remotewlb.com/job/{slug}</loc><lastmod>{lastmod}</lastmod></url>"
        )
        manifest.postings += 1
    index = []
    for number, urls in enumerate(shards, start=1):
        name = f"{2020 + (number - 1) // 12}-{(number - 1) % 12 + 1:02d}-1"
        path = root / "remotewlb.com" / "sitemaps" / "jobs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_urlset(urls), encoding="utf-8")
        index.append(f"<sitemap><loc>https://remotewlb.com/sitemaps/jobs/{name}</loc></sitemap>")
        manifest.handles.append(name)
        manifest.sizes.append(len(urls))
    (root / "remotewlb.com" / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(index)
        + "\n</sitemapindex>\n",
        encoding="utf-8",
    )
    manifest.responses = manifest.postings + len(shards) + 1
    return manifest


def _urlset(urls: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(urls)
        + "\n</urlset>\n"
    )


def iter_handles(manifests: dict[str, ShapeManifest]) -> Iterator[tuple[str, str]]:
    for manifest in manifests.values():
        for handle in manifest.handles:
            yield manifest.shape, handle
