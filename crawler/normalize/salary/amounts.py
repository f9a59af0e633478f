"""Pay amounts: a board's values to a checked (min, max, currency, period) with annualised twins.

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


# Currencies whose unit is worth a few US cents or less: the plausible amounts of a period
# are this many times larger ("$8.500.000 COP per month", "KRW 60,000,000 a year"). Rough
# units per US dollar; only the order of magnitude matters.
_SMALL_UNITS = {
    "COP": 4000, "IDR": 15000, "VND": 25000, "KRW": 1300, "JPY": 150, "CLP": 900, "HUF": 350,
    "INR": 80, "PKR": 280, "NGN": 1500, "ARS": 1000, "UGX": 3700, "TZS": 2500, "KES": 130,
    "LKR": 300, "PHP": 55, "RUB": 90, "KZT": 450, "UZS": 12000, "MNT": 3400, "MMK": 2100,
    "KHR": 4100, "PYG": 7300, "ISK": 140, "RSD": 100, "BDT": 110, "NPR": 130, "IRR": 40000,
    "DZD": 135, "XOF": 600, "XAF": 600, "GHS": 15, "EGP": 48, "THB": 35, "TWD": 32,
    "UAH": 40, "TRY": 32, "CZK": 23, "MXN": 18, "ZAR": 18, "DOP": 60, "CRC": 520, "JMD": 155,
}  # fmt: skip


def _bounds(period: str, currency: str | None) -> tuple[float, float]:
    floor, ceiling = _BOUNDS[period]
    scale = _SMALL_UNITS.get(currency or "", 1)
    return (floor * scale, ceiling * scale) if scale >= 20 else (floor, ceiling)


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
    currency = currency.strip().upper() if isinstance(currency, str) and currency.strip() else None
    period = normalize_period(period) or infer_period(hi or lo)
    floor, ceiling = _bounds(period, currency)
    for value in (lo, hi):
        if value is not None and not floor <= value <= ceiling:
            return Salary(problem=f"{value:g} is implausible per {period}")
    mult = PER_YEAR[period]
    return Salary(
        min=lo,
        max=hi,
        currency=currency,
        period=period,
        year_min=lo * mult if lo is not None else None,
        year_max=hi * mult if hi is not None else None,
    )
