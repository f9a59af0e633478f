"""Normalisation accuracy on the real sample postings: ``make accuracy``.

(``python -m crawler.tools.accuracy``; ``--quiet`` prints the tables without the mismatches.)

Every recorded board response in ``tests/fixtures/`` is mapped by its board's own pure mapper
and passed through the pipeline functions in order, validate -> clean -> normalise, with no
network and no Scrapy engine. The result is compared, field by field, with the labels a
person wrote by reading each posting (see ``tests/gold/README.md``). Two sets are reported
apart, because a figure on the postings the rules were written against says little about
postings never seen:

* **written against** (``tests/gold/postings.jsonl``): the project's own fixtures, which the
  normalisation rules were developed on;
* **unseen** (``tests/gold/unseen.jsonl``): real postings from ``tests/fixtures/unseen/``,
  labelled before any rule was changed for them;
* **holdout** (``tests/gold/holdout.jsonl``): more such postings, labelled after the last rule
  change and never used to change one (same targets as unseen).

Each table shows a field's accuracy against its floor (written against) or target (unseen);
every mismatch is listed with what the reader saw and what the pipeline produced. A field is
only counted on postings whose label has it (the unseen labels also carry title, company and
url). Exit status 1 when a field is below its floor or target, or a labelled posting was not
produced at all.

Relative dates are resolved against ``CRAWL_TIME``, a fixed instant, so the figures do not
change with the day the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from crawler.sources.items import JobPosting

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLD = ROOT / "tests" / "gold" / "postings.jsonl"
UNSEEN_GOLD = ROOT / "tests" / "gold" / "unseen.jsonl"
HOLDOUT_GOLD = ROOT / "tests" / "gold" / "holdout.jsonl"
UNSEEN = FIXTURES / "unseen"
CRAWL_TIME = datetime(2026, 11, 23, tzinfo=UTC)

# Field -> lowest acceptable share of correct postings.
FLOORS = {
    "salary": 0.95,
    "remote": 0.95,
    "countries": 0.90,
    "regions": 0.90,
    "posted_at": 0.99,
    "employment_type": 0.90,
}
# The targets on postings never used to write rules (issue 19).
TARGETS = {
    "title": 0.99,
    "company": 0.99,
    "url": 0.99,
    "salary": 0.98,
    "remote": 0.97,
    "countries": 0.97,
    "regions": 0.97,
    "posted_at": 0.99,
    "employment_type": 0.97,
}
FIELDS = tuple(TARGETS)


# --- the boards: recorded inputs and their mappers --------------------------------------------


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".json"))


def recorded(board: str) -> Callable[[], Iterator[JobPosting]]:
    """A board's recorded postings as its own spider makes them (``crawler/tools/registry.py``):
    every JSON API and HTML spider, present and future, is read this way; no per-board code."""

    def load() -> Iterator[JobPosting]:
        from crawler.tools.registry import recorded_items

        for item in recorded_items(board):
            if isinstance(item, JobPosting):
                yield item

    return load


def remotewlb() -> Iterator[JobPosting]:
    from crawler.sources.jsonld import extract_jobpostings
    from spiders.remotewlb import parse_posting

    for path in _files(ROOT / "data" / "mirror" / "remotewlb.com" / "job"):
        postings, _ = extract_jobpostings(path.read_text(encoding="utf-8"))
        for index, posting in enumerate(postings):
            page = {"url": f"https://remotewlb.com/job/{path.name}", "count": 1, "index": index}
            yield parse_posting(posting, page)


def archive(folder: Path = FIXTURES / "archive") -> Iterator[JobPosting]:
    from crawler.sources.archive import parse_markdown

    for path in sorted(folder.resolve().glob("*.md")):
        item = parse_markdown(
            path.read_text(encoding="utf-8"), {"url": path.as_uri(), "name": path.name}
        )
        # Archived pages keep the board they came from as ``source``; the gold set knows
        # them by file name.
        item.extras["gold_id"] = path.stem
        yield item


def derive_boards() -> dict[str, Callable[[], Iterator[JobPosting]]]:
    """Every JSON API and HTML board of ``scrapy list`` read from its fixture, plus the two
    readers of pages and files (RemoteWLB's job pages without their sitemap walk, the archive
    folder)."""
    from crawler.sources.html import HtmlSpider
    from crawler.sources.jsonapi import JsonApiSpider
    from crawler.tools.registry import spider_classes

    readable = JsonApiSpider | HtmlSpider
    boards = [n for n, cls in spider_classes().items() if issubclass(cls, readable)]
    return {**{n: recorded(n) for n in boards}, "remotewlb": remotewlb, "archive": archive}


BOARDS = derive_boards()


def unseen_archive() -> Iterator[JobPosting]:
    """RemoteWLB's own Markdown mirror pages (see ``tests/fixtures/unseen/README.md``)."""
    yield from archive(UNSEEN / "remotewlb-mirror")


UNSEEN_BOARDS: dict[str, Callable[[], Iterator[JobPosting]]] = {"archive": unseen_archive}


def holdout_archive() -> Iterator[JobPosting]:
    yield from archive(UNSEEN / "remotewlb-mirror-holdout")


HOLDOUT_BOARDS: dict[str, Callable[[], Iterator[JobPosting]]] = {"archive": holdout_archive}


def pipeline(source: str, item: JobPosting) -> JobPosting | str:
    """validate -> clean -> normalise as plain functions; a reason string when rejected."""
    from crawler.normalize.posting import clean_item, normalize_item
    from crawler.sources.items import problems

    item.source = item.source or source
    item.scraped_at = CRAWL_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    reasons = problems(item)
    if reasons:
        return "; ".join(reasons)
    clean_item(item)
    normalize_item(item, CRAWL_TIME)
    return item


# --- comparing --------------------------------------------------------------------------------


def observed(item: JobPosting, name: str):
    if name == "salary":
        if item.salary_min is None and item.salary_max is None:
            return None
        return {
            "min": item.salary_min,
            "max": item.salary_max,
            "currency": item.salary_currency,
            "period": item.salary_period,
        }
    if name in ("countries", "regions"):
        return sorted(getattr(item, name) or [])
    return getattr(item, name)


def same(name: str, expected, got) -> bool:
    if name == "salary" and expected and got:
        for key in ("min", "max"):
            a, b = expected[key], got[key]
            if (a is None) != (b is None) or (a is not None and abs(a - b) > 0.005):
                return False
        return expected["currency"] == got["currency"] and expected["period"] == got["period"]
    if name in ("countries", "regions"):
        return sorted(expected or []) == sorted(got or [])
    return expected == got


@dataclass
class Report:
    floors: dict[str, float] = field(default_factory=lambda: dict(FLOORS))
    name: str = "written against"
    gold_path: Path = GOLD
    total: int = 0
    counted: dict[str, int] = field(default_factory=dict)
    correct: dict[str, int] = field(default_factory=dict)
    mismatches: list[tuple[str, str, str, object, object]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self):
        self.counted = self.counted or dict.fromkeys(self.floors, 0)
        self.correct = self.correct or dict.fromkeys(self.floors, 0)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.floors)

    def share(self, name: str) -> float:
        return self.correct[name] / self.counted[name] if self.counted[name] else 0.0

    def below_floor(self) -> list[str]:
        return [name for name in self.fields if self.share(name) < self.floors[name]]

    @property
    def ok(self) -> bool:
        return not self.below_floor() and not self.missing and not self.rejected


def _key(source: str, source_id: str, gold_ids: dict[str, set[str]]) -> str | None:
    """The gold id an item's source_id carries (boards prefix it: ``site/<uuid>``)."""
    for gold_id in gold_ids.get(source, ()):
        if source_id == gold_id or source_id.endswith("/" + gold_id):
            return gold_id
    return None


def evaluate(
    gold_path: Path = GOLD,
    boards: dict | None = None,
    floors: dict[str, float] | None = None,
    name: str = "written against",
) -> Report:
    gold = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line]
    gold_ids: dict[str, set[str]] = {}
    for row in gold:
        gold_ids.setdefault(row["source"], set()).add(row["id"])
    by_key = {(row["source"], row["id"]): row for row in gold}
    produced: dict[tuple[str, str], JobPosting] = {}
    report = Report(floors=dict(floors or FLOORS), name=name, gold_path=gold_path)
    for source, load in (boards or BOARDS).items():
        for item in load():
            result = pipeline(source, item)
            if isinstance(result, str):
                report.rejected.append((f"{source}:{item.source_id}", result))
                continue
            gold_id = result.extras.get("gold_id") or _key(source, result.source_id, gold_ids)
            if gold_id not in gold_ids.get(source, ()):
                report.unlabelled.append(f"{source}:{gold_id or result.source_id}")
                continue
            produced[(source, gold_id)] = result
    for key, row in by_key.items():
        item = produced.get(key)
        if item is None:
            report.missing.append(f"{key[0]}:{key[1]}")
            continue
        report.total += 1
        for field_name in report.fields:
            if field_name not in row:
                continue
            report.counted[field_name] += 1
            got = observed(item, field_name)
            if same(field_name, row[field_name], got):
                report.correct[field_name] += 1
            else:
                report.mismatches.append(
                    (field_name, f"{key[0]}:{key[1]}", row["title"], row[field_name], got)
                )
    return report


def evaluate_unseen() -> Report:
    """The postings no rule was written against, against the issue's targets."""
    return evaluate(UNSEEN_GOLD, UNSEEN_BOARDS, TARGETS, "unseen")


def evaluate_holdout() -> Report:
    """The postings labelled after the last rule change, against the same targets."""
    return evaluate(HOLDOUT_GOLD, HOLDOUT_BOARDS, TARGETS, "holdout")


def render(report: Report, show_mismatches: bool = True) -> str:
    limit = "floor" if report.name == "written against" else "target"
    lines = [
        f"Normalisation accuracy, {report.name}: {report.total} labelled real postings "
        f"({report.gold_path.relative_to(ROOT)})",
        "",
        f"{'field':<17}{'correct':>9}{'accuracy':>10}{limit:>8}  ",
    ]
    for name in report.fields:
        share = report.share(name)
        flag = "ok" if share >= report.floors[name] else f"BELOW {limit.upper()}"
        lines.append(
            f"{name:<17}{report.correct[name]:>5}/{report.counted[name]:<3}{share:>10.1%}"
            f"{report.floors[name]:>8.0%}  {flag}"
        )
    for title, entries in (
        ("labelled postings the pipeline did not produce", report.missing),
        ("postings rejected by validation", [f"{k}: {r}" for k, r in report.rejected]),
        ("produced postings with no label (add them to the gold set)", report.unlabelled),
    ):
        if entries:
            lines += ["", f"{title}:"] + [f"  {e}" for e in entries]
    if show_mismatches and report.mismatches:
        lines += ["", "mismatches (field, posting, title: expected -> got):"]
        for name, key, title, expected, got in sorted(report.mismatches, key=lambda m: m[:2]):
            lines.append(f"  {name:<16}{key}  {title!s:.40}")
            lines.append(f"      expected {json.dumps(expected, ensure_ascii=False)}")
            lines.append(f"      got      {json.dumps(got, ensure_ascii=False)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="the tables only, no mismatches")
    args = parser.parse_args(argv)
    reports = [evaluate(), evaluate_unseen(), evaluate_holdout()]
    print("\n\n".join(render(r, show_mismatches=not args.quiet) for r in reports))
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
