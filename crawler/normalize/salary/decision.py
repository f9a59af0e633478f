"""Which pay a posting states: the board's structured fields, its pay line, or the description.

``decide_pay`` is the whole decision, a pure function of the values a posting carries; the
normalise step only writes its answer onto the item. The rules (docs/normalisation.md, "Pay"):

1. **Structured amounts** (a board's min/max fields) are checked (``amounts.check_salary``)
   and kept, with the board's ``salary_source`` or ``structured``. They yield to the
   description only when it states **the same pay** in an explicitly named other currency
   (an ISO code or an unambiguous symbol, not a bare "$"): both ranges, annualised, overlap.
   RemoteOK documents its amounts as USD, but its "350700-474400" beside "Salary Range: PLN
   350,700 - 474,400" is zloty (the very amounts), and its "30000-50000" beside
   "€2,500–3,500/month (contractor)" is its yearly restatement of euros. Pay in another
   currency that does not overlap is another statement and leaves the board's figures.
2. Structured amounts that fail the checks become nulls with the reason in the notes, and
   the description's pay, if any, is read instead.
3. **A board's pay line** with no amounts split out ("Salary: $80 - $140 per hour", a
   RemoteWLB 💰 chip) is read as pay text and counts as ``structured``, unless it states no
   period and the description names its amounts only as something other than pay (a
   RemoteWLB chip "$3,200 - $5,000" for "Annual maximum is $3,200 for health care, and $5000
   for dependent care"): then it is no pay, with the reason in the notes.
4. Otherwise the **description's** pay (``salary_source = "text"``, ``salary_raw`` = its
   sentence). Pay read from text that is implausible for its period becomes nulls with the
   sentence kept in ``salary_raw`` and the reason in the notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.normalize.salary.amounts import Salary, check_salary
from crawler.normalize.salary.reading import TextSalary, not_pay_sentence, salary_from_text


@dataclass(frozen=True)
class PayDecision:
    """What to store. ``pay`` None: nothing states pay, leave the posting's pay fields as they
    are. ``raw`` None: keep the board's ``salary_raw``. ``notes``: values set to null, why."""

    pay: Salary | None = None
    source: str | None = None
    raw: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    replaced_currency: str | None = None  # the structured currency the description replaced


def same_pay(a: Salary, b: Salary) -> bool:
    """Do two readings state the same pay, whatever their currencies? Their ranges, once
    annualised, overlap: "350700-474400" and "PLN 350,700 - 474,400" (the very amounts), or
    "30000-50000" a year and "€2,500–3,500/month" (the board's yearly restatement). A single
    amount stands for both ends of its range."""
    a_lo, a_hi = a.year_min or a.year_max, a.year_max or a.year_min
    b_lo, b_hi = b.year_min or b.year_max, b.year_max or b.year_min
    if None in (a_lo, a_hi, b_lo, b_hi):
        return False
    return a_lo <= b_hi and b_lo <= a_hi


def decide_pay(
    salary_min=None,
    salary_max=None,
    currency: str | None = None,
    period: str | None = None,
    *,
    salary_raw: str | None = None,
    description: str | None = None,
    countries=None,
    board_source: str | None = None,
) -> PayDecision:
    """The pay a posting states, by the rules of the module doc.

    ``salary_min``..``period``: the board's structured fields; ``salary_raw``: its pay line
    (or the raw twin of its fields); ``countries``: the posting's countries (what a bare "$"
    means); ``board_source``: a ``salary_source`` the spider already set.
    """
    notes: list[str] = []
    structured = salary_min is not None or salary_max is not None
    text_pay: TextSalary | None = None
    if description:
        text_pay = salary_from_text(description, countries)
    if structured:
        pay = check_salary(salary_min, salary_max, currency, period)
        if pay.problem:
            notes.append(f"structured salary set to null: {pay.problem}")
        if (
            text_pay is not None
            and text_pay.problem is None
            and text_pay.currency_stated
            and pay.problem is None
            and text_pay.currency != pay.currency
            and same_pay(pay, text_pay)
        ):
            return PayDecision(
                text_pay, "text", text_pay.raw, tuple(notes), replaced_currency=pay.currency
            )
        if pay.min is not None or pay.max is not None:
            return PayDecision(pay, board_source or "structured", None, tuple(notes))
        if text_pay is None:
            return PayDecision(pay, None, None, tuple(notes))
    source = "text"
    if salary_raw and not structured:
        line = salary_from_text(salary_raw, countries, about_pay=True)
        other = None
        if line is not None and line.problem is None and not line.period_stated:
            other = not_pay_sentence(description, (line.min, line.max))
        if other:
            notes.append(f"pay line {salary_raw!r} is not pay: the description says {other!r}")
            if text_pay is None:
                return PayDecision(Salary(), None, None, tuple(notes))
        elif line is not None:
            text_pay, source = line, "structured"
    if text_pay is None:
        return PayDecision(notes=tuple(notes))
    if text_pay.problem:
        notes.append(f"salary set to null: {text_pay.problem}")
        return PayDecision(text_pay, None, text_pay.raw, tuple(notes))
    return PayDecision(text_pay, source, text_pay.raw, tuple(notes))
