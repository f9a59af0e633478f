"""Pay: structured values checked, pay read from description text, traps that are not pay."""

from __future__ import annotations

import pytest

from crawler.normalize.salary import (
    PER_YEAR,
    check_salary,
    normalize_period,
    parse_amount,
    salary_from_text,
)


def read(text, countries=None):
    pay = salary_from_text(text, countries)
    return None if pay is None else (pay.min, pay.max, pay.currency, pay.period)


# --- structured -----------------------------------------------------------------------------


def test_structured_zero_means_not_given_and_swapped_bounds_are_swapped_back():
    assert check_salary(0, 0, "USD", None).min is None
    pay = check_salary(210000, 180000, "usd", "per-year-salary")
    assert (pay.min, pay.max, pay.currency, pay.period) == (180000, 210000, "USD", "year")


@pytest.mark.parametrize(
    "raw, period",
    [
        ("per-hour-wage", "hour"),
        ("per-year-salary", "year"),
        ("1 YEAR", "year"),
        ("1 HOUR", "hour"),
        ("MONTH", "month"),
        ("annually", "year"),
        ("weekly", "week"),
    ],
)
def test_board_interval_words(raw, period):
    assert normalize_period(raw) == period


def test_structured_small_amounts_without_period_are_hourly_and_annualised_with_2080_hours():
    pay = check_salary(80, 140, "USD", None)
    assert pay.period == "hour"
    assert (pay.year_min, pay.year_max) == (80 * 2080, 140 * 2080)
    assert PER_YEAR == {"hour": 2080, "day": 260, "week": 52, "month": 12, "year": 1}


@pytest.mark.parametrize(
    "lo, hi, period",
    [(5_000_000, 6_000_000, "hour"), (1, 2, "year"), (80_000_000, None, "year"), (-5, 10, None)],
)
def test_nonsense_structured_pay_becomes_null_with_a_reason(lo, hi, period):
    pay = check_salary(lo, hi, "USD", period)
    assert pay.min is None and pay.max is None and pay.problem


def test_no_currency_is_never_invented_for_structured_pay():
    assert check_salary(50000, 60000, None, "year").currency is None


# --- amounts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("350,700", 350700),
        ("34.62", 34.62),
        ("110.000", 110000),  # German thousands
        ("1.234.567,89", 1234567.89),
        ("1,234,567.89", 1234567.89),
        ("120 000", 120000),
        ("120\u202f000", 120000),
        ("120'000", 120000),  # Swiss
        ("2,5", 2.5),
        ("101, 125", 101125),  # a stray space after the separator
    ],
)
def test_amounts_in_several_locales(text, value):
    assert parse_amount(text) == pytest.approx(value)


# --- pay in text: the formats -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Salary: 72k-96k USD/year", (72000, 96000, "USD", "year")),
        ("Compensation: €110K – €185K", (110000, 185000, "EUR", "year")),
        ("Base pay USD 80–100k", (80000, 100000, "USD", "year")),
        ("$140,000 - $170,000 a year", (140000, 170000, "USD", "year")),
        ("Salary Range: PLN 350,700 - 474,400 + Benefits", (350700, 474400, "PLN", "year")),
        ("The salary range for this role is £57,000-£70,000.", (57000, 70000, "GBP", "year")),
        ("Compensation: $25 - $27 (per hour)", (25, 27, "USD", "hour")),
        ("Compensation\n$34.62/hour", (34.62, 34.62, "USD", "hour")),
        ("Rate: 15 USD per hour", (15, 15, "USD", "hour")),
        ("€2,500–3,500/month (contractor)", (2500, 3500, "EUR", "month")),
        ("Compensation range: $1800 - $2200 AUD / Monthly", (1800, 2200, "AUD", "month")),
        ("Salary: CHF 120'000 - 140'000 per year", (120000, 140000, "CHF", "year")),
        ("Gehalt: 65.000 € - 80.000 € brutto jährlich", (65000, 80000, "EUR", "year")),
        ("Pay: US$ 4,000 per month", (4000, 4000, "USD", "month")),
        ("Salary: C$95,000 – C$110,000", (95000, 110000, "CAD", "year")),
        ("Day rate: £450 - £550 per day", (450, 550, "GBP", "day")),
        ("$150-200k/year based on experience", (150000, 200000, "USD", "year")),
        ("Salary range: $130,000/year - $150,000/year + equity", (130000, 150000, "USD", "year")),
        ("The salary range is $60,675- $101, 125 annually.", (60675, 101125, "USD", "year")),
        ("United States Salary Range $108,400 — $129,600 USD", (108400, 129600, "USD", "year")),
        ("Salary: ₹18,00,000 per annum", (1800000, 1800000, "INR", "year")),  # lakh grouping
    ],
)
def test_pay_formats(text, expected):
    lo, hi, currency, period = read(text)
    assert (currency, period) == expected[2:]
    assert (lo, hi) == pytest.approx(expected[:2])


def test_a_plus_or_a_floor_is_a_minimum_and_up_to_a_maximum():
    assert read("Salary floor for this role begins at $110,000+ per year") == (
        110000,
        None,
        "USD",
        "year",
    )
    assert read("Salary: starting at €50,000 per year") == (50000, None, "EUR", "year")
    assert read("Hourly rate: up to $60/hr") == (None, 60, "USD", "hour")


def test_without_a_stated_period_the_size_decides():
    assert read("Salary: €3,200 gross")[3] == "month"
    assert read("Salary: $45")[3] == "hour"
    assert read("Salary: $95,000")[3] == "year"


def test_amounts_without_currency_count_only_in_a_sentence_about_pay_and_stay_without_currency():
    assert read("Salary: 80,000 - 100,000 per year") == (80000, 100000, None, "year")
    assert read("We process 80,000 - 100,000 orders per year") is None
    assert read("Salary review every year since 2019") is None


# --- the dollar -----------------------------------------------------------------------------


def test_a_bare_dollar_is_usd_unless_the_posting_is_in_another_dollar_country():
    assert read("$130,000 - $150,000 a year", ["US"])[2] == "USD"
    assert read("$130,000 - $150,000 a year", None)[2] == "USD"
    assert read("$130,000 - $150,000 a year", ["CA"])[2] == "CAD"
    assert read("$130,000 - $150,000 a year", ["AU"])[2] == "AUD"
    assert read("$130,000 - $150,000 a year", ["CA", "US"])[2] == "USD"
    # A written code beats the symbol, whatever the country.
    assert read("$1800 - $2200 AUD / Monthly", ["PH"])[2] == "AUD"


def test_currency_stated_tells_a_written_code_from_a_bare_dollar():
    assert salary_from_text("Salary: €50,000").currency_stated is True
    assert salary_from_text("Salary: $50,000").currency_stated is False


# --- traps: figures that are not pay ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "401(k) with a 4% match",
        "We match 100% of the first 10% of pre-tax 401(k) contributions, up to $10,000 per year.",
        "Medical, Dental, Life, 401k, Vacation Pay",
        "8+ years of experience building distributed systems",
        "Manage a team of 3 to 5 Backend Engineers",
        "a team of 120 engineers across Europe",
        "Blackpoint is in hyper-growth mode, fueled by a recent $190m series C round.",
        "our most recent Series A capital raise of $ 17.2M.",
        "Alpaca's Series D brought total investment to over $320 million",
        "converted more than $4.5 billion in donations",
        "Versapay processes over 110M transactions and $257B annually.",
        "Access to a $200K+ perk marketplace with discounts on 150+ global services.",
        "¥140,000 home office setup allowance",
        "¥20,750 monthly allowance for cell phone and internet",
        "$100/month education budget",
        "All employees receive a $100 monthly stipend for dates",
        "averaging $1000 per employee for the safety training courses",
        "OTE is $350,000 - $400,000.",
        "We are a $12B company with a 30 person engineering team",
        "helping process $1B+ in gross food sales while saving partners over $700M in fees",
        "Up to 4% of base salary matched",
        "10-12% commission on all new ARR",
    ],
)
def test_not_pay(text):
    assert salary_from_text(text) is None


def test_the_sentence_about_pay_wins_over_other_amounts():
    text = (
        "We raised $40,000,000 from investors.\n"
        "You get a $1,500 home office stipend.\n"
        "Compensation for this role: $120,000 - $140,000 per year.\n"
        "OTE is $200,000."
    )
    assert read(text) == (120000, 140000, "USD", "year")


def test_base_before_ote_and_commission():
    text = (
        "$200,000 - $220,000 a year\n"
        "Compensation consists of $220,000+ salary + 10-12% commission. OTE is $350,000 - $400,000."
    )
    assert read(text) == (200000, 220000, "USD", "year")


def test_nonsense_in_text_is_null_with_the_sentence_kept():
    pay = salary_from_text("Salary: $5,000,000 per hour")
    assert pay.min is None and pay.max is None and "implausible per hour" in pay.problem
    assert pay.raw == "Salary: $5,000,000 per hour"
    pay = salary_from_text("Hourly rate: $2 per hour")
    assert pay.min is None and pay.max is None and pay.problem and "per hour" in pay.raw


def test_raw_is_the_sentence_the_pay_came_from():
    pay = salary_from_text("About us.\nPay range: $225,000- $250,000 based on seniority")
    assert pay.raw == "Pay range: $225,000- $250,000 based on seniority"


def test_what_is_added_to_pay_does_not_disqualify_it():
    text = "The base salary range for this position is $120,000 - $150,000 + bonus + equity."
    assert read(text) == (120000, 150000, "USD", "year")
    assert read("Salary: $90,000 - $110,000 USD + 10% bonus") == (90000, 110000, "USD", "year")
    text = "Between $60 and $75 per hour, plus a $2,000 signing bonus."
    assert read(text) == (60, 75, "USD", "hour")
    assert read("We offer a $1,000 referral bonus.") is None


# --- issue 19: a count of hours, days or weeks is never pay ---


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hourly pay: $28 per hour, 15-25 hours a week during term time.", (28, 28, "USD", "hour")),
        ("Rate: €40/h for roughly 30 hours per week.", (40, 40, "EUR", "hour")),
        (
            "Compensation: $5,000 per month for a 20 hrs/week commitment.",
            (5000, 5000, "USD", "month"),
        ),
        ("Pay: up to 12 weeks of paid family leave and 25 days of holiday.", None),
        ("Our pay and perks: 30 days paid vacation, 10 sick days.", None),
        ("Compensation includes a 4-day work week and 6 months of parental leave.", None),
        ("Salary: 80,000-100,000 per year", (80000, 100000, None, "year")),
    ],
)
def test_hours_days_and_weeks_are_counts_not_pay(text, expected):
    pay = salary_from_text(text)
    got = pay and pay.problem is None and (pay.min, pay.max, pay.currency, pay.period)
    assert (got or None) == expected
    if expected is None:  # not even a figure "set to null" with a problem
        assert pay is None


def test_a_code_before_a_dollar_sign_names_the_currency():
    pay = salary_from_text("Compensation: AUD $9,000 - $11,000 per month")
    assert (pay.min, pay.max, pay.currency, pay.period) == (9000, 11000, "AUD", "month")


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Compensation: ₩70,000,000 - ₩90,000,000 per year",
            (70_000_000, 90_000_000, "KRW", "year"),
        ),
        ("Salario: COP 8.000.000 - 10.000.000 per month", (8_000_000, 10_000_000, "COP", "month")),
        ("Salary: INR 2,400,000 - 3,600,000 per annum", (2_400_000, 3_600_000, "INR", "year")),
        ("Salary: $5,000,000 per month", None),  # a dollar's bounds are unchanged
    ],
)
def test_amounts_in_small_unit_currencies_are_plausible(text, expected):
    pay = salary_from_text(text)
    got = pay.problem is None and (pay.min, pay.max, pay.currency, pay.period)
    assert (got or None) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Our range is min $120k to a maximum of $150k per year.", (120000, 150000)),
        ("Base pay: $98,000 (entry market) to $131,000 (top market)", (98000, 131000)),
        ("Salary: $100,000 (base) and $20,000 bonus", (100000, 100000)),  # no range
    ],
)
def test_range_ends_with_words_or_asides_between_them(text, expected):
    pay = salary_from_text(text)
    assert (pay.min, pay.max) == expected


def test_perk_amounts_are_not_pay():
    assert salary_from_text("Perks: meal vouchers worth 400 RON/month, gym membership") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Pay: £48K GBP/yr - €56K EUR/yr, depending on location.", (48000, 48000, "GBP", "year")),
        ("Salary: CHF 110,000 – EUR 95,000 per year", (110000, 110000, "CHF", "year")),
        # the same currency written two ways is still one range
        ("Salary: $90K - $120K USD per year", (90000, 120000, "USD", "year")),
        ("Salary: US$90,000 - $120,000 a year", (90000, 120000, "USD", "year")),
    ],
)
def test_two_currencies_joined_by_a_dash_are_two_rates_not_a_range(text, expected):
    assert read(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We cover up to $2,500 for dependent care each year.",
        "Annual maximum is $1,800 for vision care and $2,000 for dental care.",
        "The company contributes $1,000 a year to your HSA.",
    ],
)
def test_a_benefit_accounts_limit_is_not_pay(text):
    assert read(text, ["US"]) is None


def test_a_bonus_joined_with_an_ampersand_does_not_hide_the_pay():
    text = "Base pay: $120,000-140,000 & a yearly bonus based on results."
    assert read(text) == (120000, 140000, "USD", "year")
