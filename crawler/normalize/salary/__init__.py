"""Pay: the rules in three parts.

* ``amounts``: a board's values checked (plausible per period, swapped bounds, currencies of
  small units) and annualised (``PER_YEAR``);
* ``reading``: pay read from text, a description or a board's pay line;
* ``decision``: which of the board's fields, its pay line and the description states the
  posting's pay (``decide_pay``, a pure function).
"""

from crawler.normalize.salary.amounts import (
    PER_YEAR,
    Salary,
    check_salary,
    infer_period,
    normalize_period,
)
from crawler.normalize.salary.decision import PayDecision, decide_pay, same_pay
from crawler.normalize.salary.reading import TextSalary, parse_amount, salary_from_text

__all__ = [
    "PER_YEAR",
    "PayDecision",
    "Salary",
    "TextSalary",
    "check_salary",
    "decide_pay",
    "infer_period",
    "normalize_period",
    "parse_amount",
    "salary_from_text",
    "same_pay",
]
