"""Small pure helpers the platform mappers share (no I/O, no Scrapy).

They keep a mapper declarative: join a place's parts, list distinct texts, lay out a
description's sections, and read a board's structured pay range without guessing.
"""

from __future__ import annotations

import html
from typing import Any


def texts(*values: Any) -> list[str]:
    """The non-empty strings among ``values``, stripped, first spelling of each kept."""
    seen: dict[str, str] = {}
    for value in values:
        if isinstance(value, str) and value.strip():
            seen.setdefault(value.strip().casefold(), value.strip())
    return list(seen.values())


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


def _amount(value: Any) -> float | int | None:
    """A pay amount: a number, or a number written as text (Recruitee sends ``"28000"``)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError(f"pay amount is not a number: {value!r}")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            raise TypeError(f"pay amount is not a number: {value!r}") from None
        return int(number) if number.is_integer() else number
    raise TypeError(f"pay amount is not a number: {value!r}")


def structured_salary(lo: Any, hi: Any, currency: Any, period: Any) -> dict[str, Any]:
    """A board's pay range as item fields; empty when neither bound is given.

    Currency and period are passed on as the board gave them (never assumed); the
    normaliser reads the period. An amount that is not a number raises ``TypeError``
    (the record becomes a reject with that reason).
    """
    lo, hi = _amount(lo), _amount(hi)
    if lo is None and hi is None:
        return {}
    currency = currency if isinstance(currency, str) and currency.strip() else None
    period = period if isinstance(period, str) and period.strip() else None
    span = "-".join(str(v) for v in (lo, hi) if v is not None)
    return {
        "salary_min": lo,
        "salary_max": hi,
        "salary_currency": currency,
        "salary_period": period,
        "salary_raw": " ".join(p for p in (span, currency, period) if p),
        "salary_source": "structured",
    }
