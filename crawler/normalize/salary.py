"""Salary: structured values to a checked (min, max, currency, period) with annualised twins.

Conversion constants for ``salary_year_*`` (a full-time year): 2080 hours
(40 h x 52 weeks), 260 working days, 52 weeks, 12 months.
"""

from __future__ import annotations

from dataclasses import dataclass

PER_YEAR = {"hour": 2080, "day": 260, "week": 52, "month": 12, "year": 1}

# Plausible pay per period, in any currency's ordinary unit. Outside these a value
# is more likely a typo, a mis-labelled period or not pay at all.
_BOUNDS = {
    "hour": (3, 2_000),
    "day": (20, 10_000),
    "week": (100, 50_000),
    "month": (200, 2_000_000),
    "year": (1_000, 50_000_000),
}

_PERIOD_WORDS = {
    "hour": "hour", "hourly": "hour", "hr": "hour", "h": "hour", "per-hour-wage": "hour",
    "1 hour": "hour",
    "day": "day", "daily": "day", "per-day-wage": "day", "1 day": "day",
    "week": "week", "weekly": "week", "wk": "week", "per-week-salary": "week", "1 week": "week",
    "month": "month", "monthly": "month", "mo": "month", "per-month-salary": "month",
    "1 month": "month",
    "year": "year", "yearly": "year", "annual": "year", "annually": "year", "annum": "year",
    "yr": "year", "per-year-salary": "year", "1 year": "year", "salary": "year",
}  # fmt: skip


def normalize_period(raw: str | None) -> str | None:
    """Map a board's interval word (``per-hour-wage``, ``1 YEAR``, ``annually``) to ours."""
    if not raw:
        return None
    key = str(raw).strip().lower().replace("_", "-")
    return _PERIOD_WORDS.get(key) or _PERIOD_WORDS.get(key.replace("per-", "").replace("-", " "))


def infer_period(value: float) -> str:
    """The period a bare amount must be: under 1,000 can only be hourly; otherwise yearly."""
    return "hour" if value < 1_000 else "year"


@dataclass
class Salary:
    min: float | None = None
    max: float | None = None
    currency: str | None = None
    period: str | None = None
    year_min: float | None = None
    year_max: float | None = None
    problem: str | None = None


def check_salary(lo, hi, currency: str | None, period: str | None) -> Salary:
    """Validate structured pay. 0/absent = not given; swapped bounds are swapped back;
    amounts implausible for their period become nulls with ``problem`` saying why."""
    try:
        lo = float(lo) if lo not in (None, "") else None
        hi = float(hi) if hi not in (None, "") else None
    except (TypeError, ValueError):
        return Salary(problem="salary is not a number")
    lo = lo or None
    hi = hi or None
    if lo is None and hi is None:
        return Salary()
    if (lo is not None and lo < 0) or (hi is not None and hi < 0):
        return Salary(problem="negative salary")
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    period = normalize_period(period) or infer_period(hi or lo)
    floor, ceiling = _BOUNDS[period]
    for value in (lo, hi):
        if value is not None and not floor <= value <= ceiling:
            return Salary(problem=f"{value:g} is implausible per {period}")
    currency = currency.strip().upper() if isinstance(currency, str) and currency.strip() else None
    mult = PER_YEAR[period]
    return Salary(
        min=lo,
        max=hi,
        currency=currency,
        period=period,
        year_min=lo * mult if lo is not None else None,
        year_max=hi * mult if hi is not None else None,
    )
