"""The pay decision (``crawler.normalize.salary.decide_pay``): board fields, pay line or text."""

from __future__ import annotations

from crawler.normalize.salary import Salary, check_salary, decide_pay, same_pay


def pay(decision):
    p = decision.pay
    return None if p is None else (p.min, p.max, p.currency, p.period)


def test_structured_amounts_are_kept_with_the_boards_source():
    decision = decide_pay(
        120000, 150000, "USD", "year", description="A great team.", board_source="jsonld"
    )
    assert pay(decision) == (120000, 150000, "USD", "year")
    assert decision.source == "jsonld" and decision.raw is None and not decision.notes
    assert decide_pay(120000, 150000, "USD", "year").source == "structured"


def test_the_description_restating_the_very_amounts_in_a_named_currency_wins():
    decision = decide_pay(
        350700,
        474400,
        "USD",
        None,
        description="Salary Range: PLN 350,700 - 474,400 per year.",
    )
    assert pay(decision) == (350700, 474400, "PLN", "year")
    assert decision.source == "text" and decision.raw.startswith("Salary Range: PLN")
    assert decision.replaced_currency == "USD"


def test_the_description_restating_the_pay_per_month_in_a_named_currency_wins():
    # RemoteOK's yearly "30000-50000" for "€2,500–3,500/month": ranges overlap once annualised
    decision = decide_pay(30000, 50000, "USD", None, description="Pay: €2,500–3,500/month.")
    assert pay(decision) == (2500, 3500, "EUR", "month")


def test_other_pay_in_another_currency_leaves_the_board_figures():
    # annualised ranges that do not overlap are another statement, not the board mislabelled
    decision = decide_pay(
        100000, 120000, "USD", "year", description="In Spain the salary is €40,000 - €50,000."
    )
    assert pay(decision) == (100000, 120000, "USD", "year") and decision.source == "structured"


def test_a_bare_dollar_sign_in_the_description_never_replaces_the_board_currency():
    decision = decide_pay(
        100000, 120000, "CAD", "year", description="Salary: $100,000 - $120,000 per year."
    )
    assert pay(decision) == (100000, 120000, "CAD", "year")


def test_implausible_board_amounts_are_null_with_a_reason_and_the_description_is_read():
    decision = decide_pay(5, 9, "USD", "year", description="Salary: £50,000 - £60,000 a year.")
    assert pay(decision) == (50000, 60000, "GBP", "year") and decision.source == "text"
    assert decision.notes == ("structured salary set to null: 5 is implausible per year",)
    nothing = decide_pay(5, 9, "USD", "year", description="No pay stated.")
    assert pay(nothing) == (None, None, None, None) and nothing.source is None


def test_a_board_pay_line_is_read_as_structured_pay():
    decision = decide_pay(salary_raw="Salary: $80 - $140 per hour", countries=["US"])
    assert pay(decision) == (80, 140, "USD", "hour") and decision.source == "structured"


def test_no_pay_anywhere_leaves_the_fields_alone():
    decision = decide_pay(description="We offer great benefits.")
    assert decision.pay is None and decision.source is None and not decision.notes


def test_implausible_pay_read_from_text_is_null_with_the_sentence_kept():
    decision = decide_pay(description="Salary: $2 per year, paid monthly.")
    assert decision.pay is not None and decision.pay.min is None
    assert decision.raw == "Salary: $2 per year, paid monthly."
    assert decision.notes and decision.notes[0].startswith("salary set to null")


def test_same_pay_is_an_overlap_of_annualised_ranges():
    yearly = check_salary(30000, 50000, "USD", "year")
    assert same_pay(yearly, check_salary(2500, 3500, "EUR", "month"))
    assert not same_pay(yearly, check_salary(5000, 6000, "EUR", "month"))
    assert same_pay(check_salary(40000, None, "USD", "year"), yearly)
    assert not same_pay(Salary(), yearly)


def test_a_pay_line_whose_amounts_the_description_gives_as_benefits_is_not_pay():
    description = (
        "Perks: a $1,500 home-office stipend when you join.\n"
        "Learning: up to $2,500 per year learning budget."
    )
    decision = decide_pay(salary_raw="$1,500 - $2,500", description=description)
    assert pay(decision) == (None, None, None, None) and decision.source is None
    assert decision.raw is None  # the board's line stays in salary_raw
    assert decision.notes[0].startswith("pay line '$1,500 - $2,500' is not pay")


def test_a_pay_line_stays_pay_when_the_description_is_silent_or_calls_it_pay():
    line = "$4,000 - $6,000"
    assert pay(decide_pay(salary_raw=line, description="Great team.")) == (
        4000,
        6000,
        "USD",
        "month",
    )
    said = "The salary is $4,000 - $6,000, plus a $500 stipend."
    assert decide_pay(salary_raw=line, description=said).source == "structured"


def test_a_pay_line_with_its_period_stays_pay_whatever_the_description_says():
    description = "We also cover up to $3,000 for dependent care and $4,000 for child care."
    decision = decide_pay(salary_raw="$3,000 - $4,000 per month", description=description)
    assert pay(decision) == (3000, 4000, "USD", "month") and decision.source == "structured"


def test_the_description_pay_is_read_when_the_pay_line_is_a_benefit():
    description = (
        "Salary: €60,000 - €70,000 a year.\n"
        "We cover up to €1,000 for child care and €2,000 for a gym membership."
    )
    decision = decide_pay(salary_raw="€1,000 - €2,000", description=description)
    assert pay(decision) == (60000, 70000, "EUR", "year") and decision.source == "text"
