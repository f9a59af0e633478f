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
    ... one such folder for every JSON board of ``scrapy list``
    remotewlb.com/sitemap.xml, sitemaps/jobs/*, job/<slug>   (JSON-LD pages)

Each response holds 50-300 postings (one page or one company), like the real boards.

Nothing here is per board. The JSON boards are every JSON API spider with a recorded answer
(``crawler.tools.registry.json_boards``); each one's records, answer envelope, id key and
title key come from its spider and its fixture (``crawler.tools.registry.RecordedShape``); its
field groups are the records' keys grouped by their first word (``salary_min`` with
``salary_max``), the id and the URLs that carry it staying with the record. A platform's
companies are served at its own company address; a one-address API is served in pages
``?page=K`` that its bench spider ``<name>_bench`` (``crawler/tools/bench/spiders.py``,
derived too) asks for.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[3]
MIRROR = ROOT / "data" / "mirror"
MIN_PAGE, MAX_PAGE = 50, 300


def _family(key: str) -> str:
    """The first word of a key: ``salary_min``/``salary_max``, ``salaryRange``/
    ``salaryDescription``, ``description``/``descriptionPlain`` travel together."""
    return re.split(r"_|(?<=[a-z0-9])(?=[A-Z])", key, maxsplit=1)[0].lower()


@dataclass
class Shape:
    """How to derive postings of one JSON board from its real records, derived from the
    board's spider and its recorded answers (``crawler.tools.registry.RecordedShape``)."""

    name: str
    recorded: Any  # RecordedShape
    # Keys that travel together from one donor record (a salary's min and max...).
    groups: tuple[tuple[str, ...], ...]
    title_key: str | None
    spider: str
    companies: bool  # one company per response (platform boards) or pages of one API

    def load(self) -> list[dict]:
        return self.recorded.all_records()

    def set_id(self, record: dict, n: int, company: str) -> dict:
        return self.recorded.fresh(record, n)


@cache
def shape_of(name: str) -> Shape:
    from crawler.tools.registry import RecordedShape

    recorded = RecordedShape(name)
    families: dict[str, list[str]] = {}
    for record in recorded.all_records():
        for key in record:
            if key not in recorded.bound:
                families.setdefault(_family(key), [])
                if key not in families[_family(key)]:
                    families[_family(key)].append(key)
    groups = tuple(tuple(keys) for keys in families.values())
    spider = name if recorded.platform else f"{name}_bench"
    return Shape(name, recorded, groups, recorded.title_key, spider, recorded.platform)


def json_shapes() -> tuple[str, ...]:
    """Every JSON API board with a recorded answer (``crawler/tools/registry.py``)."""
    from crawler.tools.registry import json_boards

    return tuple(json_boards())


class _Shapes(Mapping):
    """``SHAPES[name]``: the derived shape of any JSON board (built on first use)."""

    def __getitem__(self, name: str) -> Shape:
        if name not in json_shapes():
            raise KeyError(name)
        return shape_of(name)

    def __iter__(self):
        return iter(json_shapes())

    def __len__(self) -> int:
        return len(json_shapes())


SHAPES = _Shapes()


class _JsonShapes(Sequence):
    """The JSON boards the corpus is written for, derived when first read."""

    def __getitem__(self, index):
        return json_shapes()[index]

    def __len__(self) -> int:
        return len(json_shapes())


JSON_SHAPES = _JsonShapes()


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
    """Posting ``n``: a real record with a new id and each field group from a real donor.

    A combination the board's own spider would not take as a posting (an unlisted job's flag
    from one donor, a title from none) is drawn again: every derived record is a posting.
    """
    for _attempt in range(50):
        record = dict(rng.choice(base))
        for group in shape.groups:
            donor = rng.choice(base)
            for key in group:
                if key in donor:
                    record[key] = donor[key]
                else:
                    record.pop(key, None)
        record = shape.set_id(record, n, company)
        if shape.recorded.keeps(record):
            break
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


def _mirror_path(root: Path, url: str) -> Path:
    parts = urlsplit(url)
    return root / parts.netloc / unquote(parts.path).lstrip("/")


def _write_response(root: Path, shape: str, handle: str, page: list[dict]) -> None:
    """One response in the board's recorded answer shape, where its spider asks for it: a
    platform's company address (the replay server answers it whatever the query), or an API's
    start address with ``?page=K`` (its ``<name>_bench`` spider asks for those)."""
    recorded = SHAPES[shape].recorded
    if recorded.platform:
        path = _mirror_path(root, recorded.response_url(handle))
    else:
        base = _mirror_path(root, recorded.response_url())
        path = base.with_name(f"{base.name}?page={handle}")
    path.parent.mkdir(parents=True, exist_ok=True)
    body = recorded.envelope(page)
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
    for robots in sorted(MIRROR.glob("*/robots.txt")):  # the recorded robots.txt of each host
        (root / robots.parent.name).mkdir(exist_ok=True)
        shutil.copy(robots, root / robots.parent.name / "robots.txt")
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
    from crawler.sources.items import JobPosting
    from crawler.tools.registry import json_boards, recorded_items

    texts = [(p["title"], p["description"]) for _page, p in _jsonld_templates()]
    for board in json_boards():
        texts += [
            (item.title, item.description_html)
            for item in recorded_items(board)
            if isinstance(item, JobPosting)
        ]  # fmt: skip
    return [(t, d) for t, d in texts if isinstance(t, str) and t and isinstance(d, str) and d]


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
