"""A whole posting cleaned and normalised: the rules of ``crawler/normalize/`` applied in order.

``clean_item`` (pipeline step 200) and ``normalize_item`` (step 300) are plain functions of an
item; the pipelines only apply them, count and hand the item on. ``make accuracy``, the
benches and the tests call the same functions.

``normalize_item`` fills every analyst-facing value from its raw twin, in an order where later
readings may use earlier ones:

1. dates (``posted_at``, ``valid_through``) against a ``now`` passed in (the item's
   ``scraped_at`` in a crawl);
2. where: ``countries`` (structured codes merged with the location field, title and the
   description's location statements), ``regions``, ``tz_min``/``tz_max``;
3. ``remote`` (structured value, location field/title, the description);
4. ``employment_type``, ``seniority``, ``experience_years_min``;
5. pay, by ``salary.decide_pay``.

It returns notes on the values it set to null (kept in ``value_problems``).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from crawler.normalize.dates import iso_utc, to_utc_iso
from crawler.normalize.employment import employment_type
from crawler.normalize.location import parse_location
from crawler.normalize.remote import decide_remote
from crawler.normalize.salary import PayDecision, decide_pay
from crawler.normalize.seniority import experience_years_min, seniority
from crawler.normalize.text import (
    canonical_url,
    clean_line,
    html_to_text,
    normalize_tags,
    sanitize_html,
)

# A ``crawler.sources.items.JobPosting``: the rules read and set its fields by name, and
# import nothing of the sources (the ground floor imports no floor above it).
JobPosting = Any

logger = logging.getLogger(__name__)

LINE_FIELDS = ("title", "company", "department", "location_raw", "employment_type_raw")


def clean_item(item: JobPosting) -> JobPosting:
    """Clean every text field of ``item`` in place and return it: mojibake repaired, HTML
    sanitised and turned into text, whitespace folded, links made canonical."""
    for name in LINE_FIELDS:
        setattr(item, name, clean_line(getattr(item, name)))
    item.source_id = item.source_id.strip()
    item.url = canonical_url(item.url)
    item.apply_url = canonical_url(item.apply_url)
    item.description_html = sanitize_html(item.description_html)
    if item.description_html:
        item.description_text = html_to_text(item.description_html, sanitized=True)
    item.tags = normalize_tags(item.tags)
    return item


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


def _apply_pay(item: JobPosting, decision: PayDecision) -> None:
    pay = decision.pay
    if pay is None:
        return
    if decision.replaced_currency:
        logger.info(
            "%s %s: salary currency %s -> %s, the description states this pay as %r",
            item.source,
            item.source_id,
            decision.replaced_currency,
            pay.currency,
            decision.raw,
        )
    item.salary_min, item.salary_max = pay.min, pay.max
    item.salary_currency, item.salary_period = pay.currency, pay.period
    item.salary_year_min, item.salary_year_max = pay.year_min, pay.year_max
    item.salary_source = decision.source
    if decision.raw is not None:
        item.salary_raw = decision.raw


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

    decision = decide_pay(
        item.salary_min,
        item.salary_max,
        item.salary_currency,
        item.salary_period,
        salary_raw=item.salary_raw,
        description=text,
        countries=item.countries,
        board_source=item.salary_source,
    )
    notes.extend(decision.notes)
    _apply_pay(item, decision)
    return notes
