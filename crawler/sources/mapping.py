"""The mapping toolkit: what every board's mapper and every base spider would otherwise repeat.

A mapper turns one raw record into a ``JobPosting`` with no I/O and no spider state; with
these it stays declarative:

* **ids**: ``record_id`` (a record's id, or ``ValueError``), ``company_id`` (the
  ``<company handle>/<id>`` platforms use), ``company_name`` (configured, published, derived),
  and ``company_fields`` (all three as item fields);
* **texts**: ``text`` (a scalar as stripped text), ``first`` (the first non-empty element of
  a list), ``name`` (``"X"`` or ``{"name": "X"}``), ``as_list``, ``joined``, ``texts``
  (distinct non-empty strings, first spelling kept), ``names``, ``place`` and ``sections``;
* **pay**: ``structured_pay``, the one way a board's structured pay range becomes item fields,
  with the one ``salary_raw`` spelling (``"80000-95000 USD year"``);
* **the loop**: ``map_records``, the map -> reject/skip -> stamp -> patch loop every base
  spider runs over its records (JSON APIs and platforms, JSON-LD pages, HTML, the Markdown
  archive). It is the only part here that touches a spider (its stats and logger).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from crawler.sources.boards import derive_company_name
from crawler.sources.items import JobPosting, Reject

# Errors a mapper raises for a record it cannot map; anything else is a bug and is allowed
# to surface in the log with a traceback. RecursionError: a record nested deeper than the
# mapper can walk is one bad record, never a callback error that loses its neighbours.
MAPPING_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)


def utc_now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- ids ---------------------------------------------------------------------------------------


def record_id(record: dict, key: str = "id") -> str:
    """``record[key]`` as an id: a non-empty string or an integer, else ``ValueError``.

    A board's id is the posting's identity: ``None``, ``false``, a float or an object
    in its place is a broken record (a ``Reject``), never a row keyed ``acme/None``.
    """
    value = record[key]
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise ValueError(f"{key} {value!r} is not an id")
    return str(value).strip()


def company_id(board: dict, record: dict, key: str = "id") -> str:
    """``<company handle>/<record id>``: a platform's ids are only unique per company."""
    return f"{board['company_slug']}/{record_id(record, key)}"


def company_name(board: dict, published: Any = None) -> str:
    """The ``company`` of a platform posting: the name configured in the board list, else the
    one the board publishes (when it is text), else one derived from the handle."""
    return (
        board.get("company_name")
        or (published.strip() if isinstance(published, str) and published.strip() else None)
        or derive_company_name(board["company_slug"])
    )


def company_fields(board: dict, record: dict, key: str = "id", published: Any = None) -> dict:
    """``source_id``, ``company`` and ``company_slug`` of a platform posting (see
    ``company_id`` and ``company_name``), to spread into the item: ``**company_fields(...)``."""
    return {
        "source_id": company_id(board, record, key),
        "company": company_name(board, published),
        "company_slug": board["company_slug"],
    }


# --- texts -------------------------------------------------------------------------------------


def first(value: Any) -> Any:
    """The first non-empty element of a list (``None``, ``""``, ``[]``, ``{}`` are empty); a
    value that is not a list is itself."""
    if isinstance(value, list):
        return next((v for v in value if v not in (None, "", [], {})), None)
    return value


def text(value: Any) -> str | None:
    """A scalar (or a list's first) as stripped text; ``None`` for empty values, objects,
    lists of objects and booleans."""
    value = first(value)
    if value is None or isinstance(value, dict | list | bool):
        return None
    out = str(value).strip()
    return out or None


def name(value: Any) -> str | None:
    """``"X"`` or ``{"name": "X"}`` (first of a list) -> ``"X"``."""
    value = first(value)
    if isinstance(value, dict):
        return text(value.get("name"))
    return text(value)


def as_list(value: Any) -> list:
    """``[]`` for ``None``, a list as it is, anything else as a one-element list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def joined(value: Any, sep: str = ", ") -> str | None:
    """The distinct texts of a value or a list of values, joined (``None`` when there are none)."""
    found = [t for t in (text(v) for v in as_list(value)) if t]
    return sep.join(dict.fromkeys(found)) or None


def texts(*values: Any) -> list[str]:
    """The non-empty strings among ``values``, stripped, first spelling of each kept."""
    seen: dict[str, str] = {}
    for value in values:
        if isinstance(value, str) and value.strip():
            seen.setdefault(value.strip().casefold(), value.strip())
    return list(seen.values())


def names(entries: Any) -> list[str]:
    """The distinct ``name`` texts of a list of ``{"name": ...}`` objects (offices, departments)."""
    return texts(*(e.get("name") for e in entries or [] if isinstance(e, dict)))


def place(*parts: Any) -> str | None:
    """``"London, England, United Kingdom"`` from its parts (blank and repeated parts dropped)."""
    return ", ".join(texts(*parts)) or None


def sections(*parts: tuple[str | None, str | None]) -> str | None:
    """A description from ``(heading, html)`` pairs; a heading is only written over content."""
    out = []
    for heading, body in parts:
        if not isinstance(body, str) or not body.strip():
            continue
        if heading and heading.strip():
            out.append(f"<h3>{html.escape(heading.strip(), quote=False)}</h3>")
        out.append(body)
    return "".join(out) or None


# --- pay ---------------------------------------------------------------------------------------


def amount(value: Any) -> float | int | None:
    """A pay amount: a number, or a number written as text (Recruitee sends ``"28000"``);
    ``None`` for no value; ``TypeError`` for anything else, NaN and infinity included (the
    record becomes a reject with that reason)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"pay amount is not a number: {value!r}")
    number = value
    if isinstance(value, str):
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            raise TypeError(f"pay amount is not a number: {value!r}") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise TypeError(f"pay amount is not a number: {value!r}")
    if isinstance(value, str):
        return int(number) if number.is_integer() else number
    return number


def _written(value: float | int) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def structured_pay(lo: Any, hi: Any, currency: Any, period: Any) -> dict[str, Any]:
    """A board's structured pay range as item fields; empty when neither bound is given.

    Currency and period are passed on as the board gave them (never assumed); the normaliser
    reads the period. ``salary_raw`` is always spelled the same way: the amount (``lo-hi``,
    or one number when only one bound is given or both are equal, written without a
    trailing ``.0``), the currency and the period as given, space-separated:
    ``"80000-95000 USD year"``, ``"40 GBP per-hour-wage"``, ``"150000 USD"``. An amount that
    is not a number raises ``TypeError`` (the record becomes a reject with that reason).
    """
    lo, hi = amount(lo), amount(hi)
    if lo is None and hi is None:
        return {}
    currency, period = text(currency), text(period)
    if lo is None or hi is None or lo == hi:
        span = _written(lo if lo is not None else hi)
    else:
        span = f"{_written(lo)}-{_written(hi)}"
    return {
        "salary_min": lo,
        "salary_max": hi,
        "salary_currency": currency,
        "salary_period": period,
        "salary_raw": " ".join(p for p in (span, currency, period) if p),
        "salary_source": "structured",
    }


# --- the loop ----------------------------------------------------------------------------------

REASON_MAX_CHARS = 2000


def map_records(
    spider,
    mapper: Callable[[Any, Any], JobPosting | None],
    records: Iterable[tuple[Any, Any, str]],
    *,
    where: str,
    what: str = "cannot map record",
    source: str | None = None,
    errors: tuple[type[BaseException], ...] = MAPPING_ERRORS,
    keep_raw: bool = True,
    patch: Callable[[JobPosting, Any], JobPosting] | None = None,
    **stamp: Any,
) -> Iterator[JobPosting | Reject]:
    """Map each record; one that cannot be mapped becomes a ``Reject`` and the others go on.

    ``records`` are ``(record, context, url)`` triples: the mapper is called as
    ``mapper(record, context)``; ``url`` is where a reject points (the posting itself when
    the record names it). ``where`` (the response or file read) starts the log lines.

    * the mapper raises one of ``errors`` (default ``MAPPING_ERRORS``): a ``Reject`` with
      ``source`` (default the spider's name), ``url``, the reason
      ``"<what>: <Error>: <message>"`` (at most ``REASON_MAX_CHARS``) and the record (``None``
      when ``keep_raw`` is false); logged as a warning, counted in ``jobcrawl/mapping_errors``;
    * the mapper returns ``None`` (a record skipped on purpose, e.g. an unlisted job):
      counted in ``jobcrawl/records_skipped``;
    * an item: stamped with ``source`` (when given; else an item's own ``source`` is kept and
      an item without one gets the spider's name), ``scraped_at`` and the ``stamp`` fields
      (``lastmod=...``), then handed through ``patch(item, record)`` when given.
    """
    stats = spider.crawler.stats
    scraped_at = utc_now_iso()
    for record, context, url in records:
        try:
            item = mapper(record, context)
        except errors as exc:
            reason = f"{what}: {type(exc).__name__}: {exc}"[:REASON_MAX_CHARS]
            stats.inc_value("jobcrawl/mapping_errors")
            spider.logger.warning("%s: %s", where, reason)
            yield Reject(source or spider.name, url, reason, record if keep_raw else None)
            continue
        if item is None:
            stats.inc_value("jobcrawl/records_skipped")
            continue
        item.source = source or item.source or spider.name
        item.scraped_at = scraped_at
        for key, value in stamp.items():
            setattr(item, key, value)
        yield patch(item, record) if patch else item
