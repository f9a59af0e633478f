"""300 · normalise: every analyst-facing value read from its raw twin, in one step.

The rules live in ``crawler/normalize/`` as pure functions; this step only applies them, in
an order where later readings may use earlier ones, and counts what it did:

1. dates (``posted_at``, ``valid_through``) against the item's ``scraped_at``;
2. where: ``countries`` (structured codes merged with the location field, title and the
   description's location statements), ``regions``, ``tz_min``/``tz_max``;
3. ``remote`` (structured value, location field/title, the description);
4. ``employment_type``, ``seniority``, ``experience_years_min``;
5. pay: structured fields checked and annualised; otherwise read from the description
   (``salary_source="text"``, ``salary_raw`` = the sentence). When the description states
   the very pay of the structured fields in an explicitly named other currency (RemoteOK's
   amounts are documented as USD, but "Salary Range: PLN 350,700 - 474,400" is zloty), the
   description's reading replaces it. Implausible pay becomes null with ``salary_raw`` kept.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

from crawler.normalize.dates import iso_utc, parse_datetime, to_utc_iso
from crawler.normalize.employment import employment_type
from crawler.normalize.location import parse_location
from crawler.normalize.remote import decide_remote
from crawler.normalize.salary import Salary, TextSalary, check_salary, salary_from_text
from crawler.normalize.seniority import experience_years_min, seniority
from crawler.normalize.text import normalize_tags
from crawler.sources.items import JobPosting
from pipelines.counts import CountingPipeline

logger = logging.getLogger(__name__)


def _set_pay(item: JobPosting, pay: Salary) -> None:
    item.salary_min, item.salary_max = pay.min, pay.max
    item.salary_currency, item.salary_period = pay.currency, pay.period
    item.salary_year_min, item.salary_year_max = pay.year_min, pay.year_max


def _same_pay(a: Salary, b: Salary) -> bool:
    """Do two readings describe the same pay (annualised ranges overlap)?"""
    a_lo, a_hi = a.year_min or a.year_max, a.year_max or a.year_min
    b_lo, b_hi = b.year_min or b.year_max, b.year_max or b.year_min
    if None in (a_lo, a_hi, b_lo, b_hi):
        return False
    return a_lo <= b_hi and b_lo <= a_hi


def normalize_salary(item: JobPosting, notes: list[str]) -> None:
    structured = item.salary_min is not None or item.salary_max is not None
    text_pay: TextSalary | None = None
    if item.description_text:
        text_pay = salary_from_text(item.description_text, item.countries)
    if structured:
        pay = check_salary(
            item.salary_min, item.salary_max, item.salary_currency, item.salary_period
        )
        if pay.problem:
            notes.append(f"structured salary set to null: {pay.problem}")
        if (
            text_pay is not None
            and text_pay.problem is None
            and text_pay.currency_stated
            and pay.problem is None
            and text_pay.currency != pay.currency
            and _same_pay(pay, text_pay)
        ):
            logger.info(
                "%s %s: salary currency %s -> %s, the description states this pay as %r",
                item.source,
                item.source_id,
                pay.currency,
                text_pay.currency,
                text_pay.raw,
            )
            _set_pay(item, text_pay)
            item.salary_source, item.salary_raw = "text", text_pay.raw
            return
        _set_pay(item, pay)
        if pay.min is not None or pay.max is not None:
            item.salary_source = item.salary_source or "structured"
            return
        item.salary_source = None
    source = "text"
    if item.salary_raw and not structured:
        # A board's pay line with no amounts split out ("Salary: $80 - $140 per hour").
        line = salary_from_text(item.salary_raw, item.countries, about_pay=True)
        if line is not None:
            text_pay, source = line, "structured"
    if text_pay is None:
        return
    _set_pay(item, text_pay)
    item.salary_raw = text_pay.raw
    if text_pay.problem:
        notes.append(f"salary set to null: {text_pay.problem}")
        item.salary_source = None
    else:
        item.salary_source = source


HOLLOW = "hollow record: no title, company or location"


def is_hollow(item: JobPosting) -> bool:
    """A posting that names nothing a reader could act on: no title, company or location.

    It is kept (it has an id and a link, so its lifecycle is tracked like any other) but
    flagged in ``value_problems`` and left out of the ``unique_jobs`` view.
    """
    return not any((value or "").strip() for value in (item.title, item.company, item.location_raw))


# Links a reader may follow: a javascript: or data: URL in `url`/`apply_url` runs or shows
# whatever the board (or someone who broke into it) put there. file:/// is the archive
# import's own link to a file that named no web page (spiders/archive.py).
_WEB_LINK = re.compile(r"(?i)^(?:https?://[^\s/?#]+|file:///)")


def normalize_item(item: JobPosting, now: datetime) -> list[str]:
    """Fill the normalised fields of ``item`` in place; return notes on values set to null."""
    notes: list[str] = [HOLLOW] if is_hollow(item) else []
    for name in ("url", "apply_url"):
        link = getattr(item, name)
        if isinstance(link, str) and link.strip() and not _WEB_LINK.match(link.strip()):
            notes.append(f"{name} {link.strip()[:100]!r} is not an http(s) link")
            setattr(item, name, None)
    if item.posted_raw and not item.posted_at:
        item.posted_at = to_utc_iso(item.posted_raw, now)
        if item.posted_at is None:
            notes.append(f"unreadable posted date {item.posted_raw!r}")
    if item.posted_at and item.posted_at > iso_utc(now + timedelta(days=1)):
        notes.append(f"posted date {item.posted_raw!r} is in the future")
        item.posted_at = None
    if item.valid_through_raw and not item.valid_through:
        item.valid_through = to_utc_iso(item.valid_through_raw, now)
        if item.valid_through is None:
            notes.append(f"unreadable closing date {item.valid_through_raw!r}")

    text = item.description_text
    where = parse_location(item.location_raw, item.title, text, item.countries)
    item.countries, item.regions = where.countries, where.regions
    item.tz_min, item.tz_max = where.tz_min, where.tz_max
    item.remote = decide_remote(item.remote_raw, item.location_raw, item.title, text)

    item.tags = normalize_tags(item.tags)
    item.employment_type = employment_type(item.employment_type_raw, item.title, item.tags, text)
    item.seniority = seniority(item.title)
    item.experience_years_min = experience_years_min(text)

    normalize_salary(item, notes)
    return notes


class NormalizePipeline(CountingPipeline):
    def process_item(self, item):
        if not isinstance(item, JobPosting):
            return item
        now = parse_datetime(item.scraped_at) or datetime.now(UTC)
        notes = normalize_item(item, now)
        for note in notes:
            self.counts["jobcrawl/normalize_nulled"] += 1
            logger.info("%s %s: %s", item.source, item.source_id, note)
        # Kept on the row too: a value left null is never dropped without its reason.
        item.value_problems = notes
        for name in ("remote", "employment_type", "salary_source", "posted_at"):
            if getattr(item, name):
                self.counts[f"jobcrawl/normalized/{name}"] += 1
        return item
