"""Pay read from text: a description, or a board's pay line with no amounts split out.

See the comment below for what counts as pay; ``amounts.check_salary`` checks what is read.
"""

from __future__ import annotations

import re as _re
from dataclasses import dataclass
from functools import cached_property

import pycountry as _pycountry
from babel.numbers import get_currency_name, get_territory_currencies

from crawler.normalize.salary.amounts import Salary, check_salary
from crawler.normalize.text import any_match

# --- pay read from the description ---------------------------------------------------------------
#
# A description is scanned for amounts written with a currency ("$140,000 - $170,000 a year",
# "€110K – €185K", "USD 80–100k", "72k-96k USD/year", "PLN 350,700 - 474,400", "$34.62/hour",
# "£57,000-£70,000", "CHF 120'000"), and each candidate is scored by its sentence: pay words
# ("salary", "pay range", "compensation", "rate") and a stated period raise it; funding,
# revenue, stipends, allowances, budgets, bonuses, OTE, commission, perks and 401(k) limits
# near the amount rule it out, as do million/billion amounts. Amounts with no currency count
# only in a sentence about pay ("Salary: 80,000-100,000 per year"); their currency stays null.
#
# Currency: an ISO code or an unambiguous symbol as written (€ £ ¥ ₹ ₩ zł US$ C$ A$ R$ CHF...).
# A bare "$" is USD, unless every country the posting names uses another dollar (a Canada-only
# role's "$130,000" is CAD). Period: as written (/hr, per hour, hourly, a year, per annum,
# /month, monthly, / Monthly...); when not written, under 1,000 is hourly, under 20,000
# monthly, otherwise yearly.

_SYMBOLS = [
    ("US$", "USD"), ("U.S.$", "USD"), ("USD$", "USD"), ("CA$", "CAD"), ("CAD$", "CAD"),
    ("C$", "CAD"), ("AU$", "AUD"), ("AUD$", "AUD"), ("A$", "AUD"), ("NZ$", "NZD"),
    ("S$", "SGD"), ("SG$", "SGD"), ("HK$", "HKD"), ("R$", "BRL"), ("MX$", "MXN"),
    ("$", "$"), ("€", "EUR"), ("£", "GBP"), ("¥", "¥"), ("₹", "INR"), ("₩", "KRW"),
    ("₱", "PHP"), ("₺", "TRY"), ("₽", "RUB"), ("₪", "ILS"), ("₦", "NGN"), ("₴", "UAH"),
    ("zł", "PLN"), ("Kč", "CZK"), ("kr.", "kr"), ("kr", "kr"), ("Fr.", "CHF"),
]  # fmt: skip
# Three-letter words that are ISO 4217 codes but mostly English in capitals.
_NOT_CODES = {
    "ALL", "TOP", "CUP", "MOP", "BOB", "GEL", "SOS", "PEN", "TRY", "BAM", "MAD", "SAR", "NAD",
    "AMD", "LAK", "MDL", "ERN", "PAB", "SLL", "STD", "XXX", "XTS",
}  # fmt: skip
_CODES = sorted(
    c.alpha_3 for c in _pycountry.currencies if c.alpha_3 not in _NOT_CODES and c.alpha_3[0] != "X"
)
_CUR = (
    r"(?:"
    + "|".join(_re.escape(s) for s, _ in sorted(_SYMBOLS, key=lambda s: -len(s[0])))
    + r"|\b(?:"
    + "|".join(_CODES)
    + r")\b|\b(?i:dollars?|euros?)\b)"
)
_NUM = (
    r"\d{1,2}(?:,\d{2})+,\d{3}(?![\d,])"  # Indian grouping: 18,00,000
    r"|\d{1,3}(?:[,.’'\u00a0\u202f ]\d{3})+(?:[.,]\d{1,2})?(?!\d)"
    r"|\d{1,3},\s\d{3}(?![\d,])"  # "$101, 125": a stray space after the separator
    r"|\d+(?:[.,]\d{1,2})?(?!\d)"
)
_PERIOD_WORD = r"(?:hour|hr|h|year|yr|annum|annual|month|mo|week|wk|day)s?"
_ATTACHED_PERIOD = (
    rf"(?:\s?(?:/|per|an?|each|a\s+|every)\s?{_PERIOD_WORD}\b"
    r"|\s?(?:hourly|annually|yearly|monthly|weekly|daily)\b)"
)
# A dollar or peso sign led by its code ("CAD $2,000", "USD $140,000"): the code names it.
_CODE_SIGN = r"(?:\b(?:USD|CAD|AUD|NZD|SGD|HKD|MXN|COP|ARS|CLP|BRL)\s?(?=\$))"
_ATOM = (
    rf"(?P<pre>{_CODE_SIGN}?{_CUR})?\s?(?<![\w.,])(?P<num>{_NUM})"
    r"(?P<k>\s?[kK](?![a-zA-Z]))?"
    r"(?P<big>\s?(?:mm|MM|[mMbB](?:n|il)?|million|billion|trillion)(?![a-zA-Z]))?"
    r"(?P<plus>\s?\+)?"
    rf"(?:\s?(?P<post>{_CUR}))?"
    rf"(?P<per>{_ATTACHED_PERIOD})?"
)
_ATOM_RE = _re.compile(_ATOM)
# Found in every text _CUR matches: each symbol holds one of these characters or strings,
# each code is three capitals.
_CURRENCY_HINT = _re.compile(r"[$€£¥₹₩₱₺₽₪₦₴]|zł|Kč|kr|Fr\.|[A-Z]{3}|(?i:dollar|euro)")
# The most characters an atom can start before its first digit: the longest currency
# ("dollars", "U.S.$") and one space.
_ATOM_LEAD = 8
_DIGIT = _re.compile(r"\d")
# Between the two ends of a range: a dash or word ("to a max", "up to"), after an optional
# aside in brackets ("$143,000 [lowest market] to $231,000").
_TO = r"(?:-|–|—|to(?:\s+an?)?(?:\s+max(?:imum)?(?:\s+of)?)?|up\s+to)"
_RANGE_SEP = _re.compile(
    rf"\s*(?:(?:\[[^\]\n]{{0,120}}\]|\([^)\n]{{0,120}}\))\s*{_TO}"
    rf"|{_TO}|~|and|until|through|bis)\s*\(?"
)

_PAY_WORDS = _re.compile(
    r"(?i)\b(?:salary|salaries|pay|paid|compensation|remuneration|wages?|rate|earnings?"
    r"|base|ote|stipend|income|package|ctc|gross|net|annual|hourly|per hour|per annum)\b"
)
_STRONG_PAY = _re.compile(
    r"(?i)\b(?:salary|pay\s+(?:range|scale|rate|band)|base\s+pay|compensation|remuneration"
    r"|wages?|(?:hourly|day|daily)\s+rate|rate|pay|gehalt|lohn|salaire|rémunération|salario"
    r"|sueldo|stipendio|retribuzione|vergütung|wynagrodzenie)\b"
)
# Every _STRONG_PAY match starts with one of these (any case): it is tried only there.
_STRONG_PAY_STARTS = (
    "salary", "pay", "base", "compensation", "remuneration", "wage", "hourly", "day", "daily",
    "rate", "gehalt", "lohn", "salaire", "rémunération", "salario", "sueldo", "stipendio",
    "retribuzione", "vergütung", "wynagrodzenie",
)  # fmt: skip
# Near the amount (same sentence): not base pay.
_NOT_PAY_NEAR = _re.compile(
    r"(?i)\b(?:stipends?|allowances?|budgets?|reimburs\w*|bonus(?:es)?|commissions?|OTE"
    r"|on[- ]target"
    r"|perks?|discounts?|marketplace|match(?:ing)?|401\(?k\)?|retirement|pension|fund(?:ing|ed|s)?"
    r"|raised?|series\s+[a-f]\b|valuation|valued|revenue|arr|sales|donations?|invest(?:ment|ors?|ed)?"
    r"|assets|worth|fees?|costs?|prices?|savings|spend|grants?|prizes?|awards?|referral|insurance"
    r"|coverage|per\s+(?:employee|user|seat|person)|signing|sign-on|relocation|tuition|credits?"
    r"|tickets?|vouchers?|meals?|lunch(?:es)?|gym|wellness|subsid(?:y|ies|i[sz]ed)|memberships?"
    # a benefit account's limit: "$3,200 for health care", "$5000 for dependent care", "HSA"
    r"|(?:for|towards?)\s+(?:health|dependent|child|vision|dental|medical)\s*care|dependent\s+care"
    r"|HRA|HSA|FSA)\b"
)
_NOT_PAY_SENTENCE = _re.compile(
    r"(?i)401\(?k\)?|\bretirement\b|\bpension\b|\bfunding\b|\braised\b|\bvaluation\b|\bseries\s+[a-f]\b"
)
_PERIOD_AFTER = _re.compile(
    rf"(?i)^\s*(?:{_CUR})?\s*\(?\s*(?:/|per|an?|each|every)?\s*(?P<word>{_PERIOD_WORD}|hourly|annually|yearly|monthly|weekly|daily)\b"
)
_PERIOD_IN_SENTENCE = _re.compile(
    r"(?i)\b(?P<word>per\s+(?:hour|annum|year|month|week|day)|hourly|annual(?:ly)?|yearly"
    r"|monthly|weekly|daily|an?\s+(?:hour|year|month|week|day)|p\.a|jährlich|pro\s+jahr"
    r"|par\s+an|per\s+anno|al\s+año|monatlich|pro\s+monat|par\s+mois|al\s+mes"
    r"|pro\s+stunde|par\s+heure|por\s+hora)\b"
)
_PERIOD_OF = {
    "hour": "hour", "hr": "hour", "h": "hour", "hourly": "hour", "year": "year", "yr": "year",
    "annum": "year", "annual": "year", "annually": "year", "yearly": "year", "month": "month",
    "mo": "month", "monthly": "month", "week": "week", "wk": "week", "weekly": "week",
    "day": "day", "daily": "day", "p.a": "year", "jährlich": "year", "jahr": "year",
    "an": "year", "anno": "year", "año": "year", "monatlich": "month", "monat": "month",
    "mois": "month", "mes": "month", "stunde": "hour", "heure": "hour", "hora": "hour",
}  # fmt: skip


# A figure followed by a unit of time is a count of hours, days, weeks, months or years
# ("10-20 hours per week", "up to 16 weeks of parental leave", "20 days PTO", "a 40-hour
# week"), never pay; a period word after a slash or "per" ("$32/hr") is not a count.
_COUNT_NOUN = _re.compile(
    r"\s*(?:-\s*)?(?:hours?|hrs?|days?|weeks?|wks?|months?|mos|years?|yrs?)\b", _re.I
)
_ADDED = _re.compile(r"\s*(?:\+|&|,|;|\(|\bplus\b|\band\b|\bwith\b|\bincluding\b|\bin addition\b)")
_FROM = _re.compile(r"(?i)\b(?:from|starting\s+at|starts?\s+at|at\s+least|minimum|floor|min\.?)\b")
_UP_TO = _re.compile(r"(?i)\b(?:up\s+to|max(?:imum)?|ceiling)\s*$")


@dataclass
class TextSalary(Salary):
    raw: str | None = None
    currency_stated: bool = False  # an ISO code or unambiguous symbol, not a bare "$"
    period_stated: bool = False  # the period is written, not inferred from the size


def parse_amount(text: str) -> float | None:
    """'350,700' -> 350700, '34.62' -> 34.62, '110.000' -> 110000, '120 000', '2,5' -> 2.5."""
    text = _re.sub(r"[\s\u00a0\u202f’']", "", text)
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif "," in text or "." in text:
        sep = "," if "," in text else "."
        head, _, tail = text.rpartition(sep)
        if len(tail) == 3 and head and (text.count(sep) > 1 or len(head.replace(sep, "")) <= 3):
            text = text.replace(sep, "")
        elif text.count(sep) == 1:
            text = text.replace(sep, ".")
        else:
            return None
    try:
        return float(text)
    except ValueError:
        return None


def _currency_of(token: str | None) -> tuple[str | None, bool]:
    """(code or marker, stated) of a written currency: '$' -> ('$', False)."""
    if not token:
        return None, False
    if len(token) > 3 and token[:3].isupper() and token.rstrip().endswith("$"):
        return token[:3], True  # "CAD $"
    for symbol, code in _SYMBOLS:
        if token == symbol:
            return code, code not in ("$", "¥", "kr")
    low = token.lower()
    if low.startswith("dollar"):
        return "$", False
    if low.startswith("euro"):
        return "EUR", True
    return token.upper(), True


def _local(marker: str, countries) -> str | None:
    """What a '$', '¥' or 'kr' means for the posting's countries."""
    currencies = set()
    for country in countries or []:
        found = get_territory_currencies(country)
        if found:
            currencies.add(found[0])
    single = next(iter(currencies)) if len(currencies) == 1 else None
    name = get_currency_name(single, locale="en") if single else ""
    if marker == "$":
        return single if single and name.endswith("Dollar") else "USD"
    if marker == "¥":
        return "CNY" if single == "CNY" else "JPY"
    return single if single in ("SEK", "NOK", "DKK", "ISK") else None


# A sentence's end: ".", "!" or "?" after a letter, digit or bracket and before a capital.
# The mark comes first so the regex engine can skip to the marks (a leading lookbehind
# made it try every position).
_SENTENCE_END = _re.compile(r"[.!?](?<=[a-z0-9)\]][.!?])(?=\s+[A-Z(])")


def _line_sentences(line: str) -> list[tuple[int, str]]:
    """(offset in the line, sentence) pieces of one line, blank ones included."""
    pieces = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        pieces.append((start, line[start : match.end()]))
        start = match.end()
    pieces.append((start, line[start:]))
    return pieces


def _sentences(text: str):
    """(offset, sentence, previous sentence) for every sentence that holds a digit: lines,
    then sentences within long lines; blank pieces are not sentences.

    Only the lines that hold a digit are split, found from one digit to the next (most
    lines of a description hold no figure); of the lines between, only the last non-blank
    one is split, for the sentence before the next figure.
    """
    previous = ""
    pos = 0  # start of the first line not read yet
    while (digit := _DIGIT.search(text, pos)) is not None:
        start = text.rfind("\n", 0, digit.start()) + 1
        end = text.find("\n", digit.start())
        end = len(text) if end < 0 else end
        between = text[pos : max(pos, start - 1)].rstrip()  # the lines without a digit
        if between:  # the last non-blank one, whole (the newline before ``start`` ends it)
            last = text[pos + between.rfind("\n") + 1 : text.find("\n", pos + len(between))]
            previous = [piece for _, piece in _line_sentences(last) if piece.strip()][-1]
        for offset, sentence in _line_sentences(text[start:end]):
            if sentence.strip():
                if _DIGIT.search(sentence):
                    yield start + offset, sentence, previous
                previous = sentence
        pos = end + 1


def _atoms(sentence: str) -> list[_re.Match]:
    """``_ATOM_RE.finditer`` over the sentence, searching only from near each digit.

    Every atom holds a number and starts at most ``_ATOM_LEAD`` characters before its
    first digit, so the leftmost atom at or after ``pos`` starts no earlier than the
    first digit after ``pos`` minus that lead: the text before it cannot hold one, and
    the regex (a currency alternation tried at every position) is spared it.
    """
    atoms = []
    pos = 0
    while True:
        digit = _DIGIT.search(sentence, pos)
        if digit is None:
            return atoms
        match = _ATOM_RE.search(sentence, max(pos, digit.start() - _ATOM_LEAD))
        if match is None:
            return atoms
        atoms.append(match)
        pos = match.end()


class _Sentence:
    """One sentence (and its context) as the amounts in it are scored: what each whole-
    sentence regex says is read once, not once per amount (a line can be a paragraph)."""

    def __init__(self, text: str, context: str):
        self.text, self.context = text, context

    @cached_property
    def about_pay(self) -> bool:
        return any_match(_STRONG_PAY, self.context, _STRONG_PAY_STARTS, cache=False)

    @cached_property
    def about_other_money(self) -> bool:
        return bool(_NOT_PAY_SENTENCE.search(self.text))

    @cached_property
    def period_word(self) -> _re.Match | None:
        return _PERIOD_IN_SENTENCE.search(self.text)


def _period(
    sentence: str, end: int, atoms, facts: _Sentence | None = None
) -> tuple[str | None, bool]:
    for atom in atoms:
        if atom.group("per"):
            word = _re.sub(r"(?i)^\s*(?:/|per|an?|each|a\s+|every)?\s*", "", atom.group("per"))
            word = word.strip().lower().rstrip("s") or word
            if word in _PERIOD_OF:
                return _PERIOD_OF[word], True
    after = _PERIOD_AFTER.match(sentence[end : end + 30])
    if after:
        word = after.group("word").lower()
        return _PERIOD_OF.get(word.rstrip("s"), _PERIOD_OF.get(word)), True
    found = facts.period_word if facts is not None else _PERIOD_IN_SENTENCE.search(sentence)
    if found:
        word = found.group("word").lower().split()[-1]
        return _PERIOD_OF.get(word, "year"), True
    return None, False


def _written_currency(atom) -> str | None:
    code = None
    for token in (atom.group("pre"), atom.group("post")):
        found, stated = _currency_of(token)
        if found and (code is None or stated):
            code = found
    return code


# What a marker can stand for: "$31K USD" and "$40K" are one currency, "€25K" and "$31K" two.
_MARKER_CODES = {
    "$": {"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "BRL", "COP", "ARS", "CLP"},
    "¥": {"JPY", "CNY"},
    "kr": {"SEK", "NOK", "DKK", "ISK"},
}


def _other_currencies(a, b) -> bool:
    """Do two amounts name different currencies? (Then they are two rates, not a range.)"""
    x, y = _written_currency(a), _written_currency(b)
    if not x or not y or x == y:
        return False
    return not (y in _MARKER_CODES.get(x, ()) or x in _MARKER_CODES.get(y, ()))


def _candidates(sentence: str):
    """Single amounts and ranges: lists of consecutive atoms joined by a range separator."""
    atoms = _atoms(sentence)
    i = 0
    while i < len(atoms):
        group = [atoms[i]]
        while i + 1 < len(atoms):
            between = sentence[group[-1].end() : atoms[i + 1].start()]
            if not _RANGE_SEP.fullmatch(between) or len(group) == 2:
                break
            if _other_currencies(group[-1], atoms[i + 1]):
                break  # "€25.5K EUR/yr - $31K USD/yr": two rates, not one range
            group.append(atoms[i + 1])
            i += 1
        yield group
        i += 1


def salary_from_text(
    text: str | None, countries=None, about_pay: bool = False
) -> TextSalary | None:
    """The pay a description states, or None when it states none (see the comment above).

    ``about_pay``: the text is a pay field (a board's "Salary: ..." line), so every sentence
    counts as one about pay. A stated figure that makes no sense for its period comes back
    with values null, ``problem`` saying why and ``raw`` holding the sentence.
    """
    # Every amount holds a digit: text or sentences without one state no pay (and are
    # not scanned).
    if not text or not _DIGIT.search(text):
        return None
    best = None
    for offset, sentence, previous in _sentences(text):
        context = sentence if len(sentence) > 40 else f"{previous} {sentence}"
        facts = _Sentence(sentence, f"salary: {context}" if about_pay else context)
        if not facts.about_pay and not _CURRENCY_HINT.search(sentence):
            continue  # _score needs a written currency or a sentence about pay
        for group in _candidates(sentence):
            scored = _score(facts, group)
            if scored is None:
                continue
            key = (scored[0], offset + group[0].start())
            if best is None or key[0] > best[0][0]:
                best = ((key[0], key[1]), sentence, group)
    if best is None:
        return None
    _, sentence, group = best
    return _build(sentence, group, countries)


def _score(facts: _Sentence, group) -> tuple[int] | None:
    sentence = facts.text
    start, end = group[0].start(), group[-1].end()
    if any(atom.group("big") for atom in group):
        return None
    if sentence[end : end + 3].lstrip().startswith("%"):
        return None
    stated = any(a.group("pre") or a.group("post") for a in group)
    if not stated and not group[-1].group("per") and _COUNT_NOUN.match(sentence, end):
        return None
    strong = facts.about_pay
    if not stated and not strong:
        return None  # a figure without a currency counts only in a sentence about pay
    # What the amount is: the words just before it ("OTE is", "a stipend of") and the noun
    # right after it ("$100 monthly stipend"), but not what is added to it ("+ bonus").
    last = group[-1]
    tail_start = last.start("plus") if last.group("plus") else end
    after = _ADDED.split(sentence[tail_start : tail_start + 35], maxsplit=1)[0]
    if _NOT_PAY_NEAR.search(sentence[max(0, start - 45) : tail_start] + after):
        return None
    if facts.about_other_money and not strong:
        return None
    period, period_stated = _period(sentence, end, group, facts)
    values = [_value(a) for a in group]
    if any(v is None for v in values):
        return None
    if not stated:
        # No currency: only figures that look like pay, in a sentence about pay.
        looks = (
            any(a.group("k") for a in group)
            or max(values) >= 1000
            and any(not _re.fullmatch(r"\d+", a.group("num")) for a in group)
        )
        if not (strong and (looks or period_stated)):
            return None
        if _re.fullmatch(r"(?:19|20)\d\d", group[0].group("num")):
            return None
    score = (3 if strong else 0) + (2 if period_stated else 0) + (2 if len(group) == 2 else 0)
    score += 1 if stated else 0
    score += 1 if any(a.group("k") for a in group) else 0  # "€110K": how pay is written
    if score < 3:
        return None
    return (score,)


def _value(atom) -> float | None:
    value = parse_amount(atom.group("num"))
    if value is None:
        return None
    return value * 1000 if atom.group("k") else value


def _build(sentence: str, group, countries) -> TextSalary:
    raw = sentence.strip()
    if len(raw) > 240:
        start = max(0, group[0].start() - 100)
        raw = sentence[start : start + 240].strip()
    values = [_value(a) for a in group]
    if len(group) == 2 and group[1].group("k") and not group[0].group("k") and values[0] < 1000:
        values[0] *= 1000  # "$150-200k", "USD 80–100k": the k belongs to both
    code, stated = None, False
    for atom in group:
        for token in (atom.group("pre"), atom.group("post")):
            found, is_stated = _currency_of(token)
            if found and (code is None or (is_stated and not stated)):
                code, stated = found, is_stated
    if code in ("$", "¥", "kr"):
        code = _local(code, countries)
    period, period_stated = _period(sentence, group[-1].end(), group)
    lo, hi = (values[0], values[1]) if len(values) == 2 else (values[0], values[0])
    before = sentence[max(0, group[0].start() - 40) : group[0].start()]
    if len(values) == 1 and (group[0].group("plus") or _FROM.search(before)):
        hi = None
    elif len(values) == 1 and _UP_TO.search(
        sentence[max(0, group[0].start() - 20) : group[0].start()]
    ):
        lo = None
    if period is None:
        top = hi if hi is not None else lo
        period = "hour" if top < 1000 else "month" if top < 20000 else "year"
    pay = check_salary(lo, hi, code, period)
    return TextSalary(
        **vars(pay),
        raw=raw,
        currency_stated=stated and pay.currency is not None,
        period_stated=period_stated,
    )


def not_pay_sentence(text: str | None, amounts) -> str | None:
    """The first sentence of ``text`` naming ``amounts`` as something other than pay (a
    benefit account's maximum, a stipend, a budget), when every amount is named so and none
    is named as pay anywhere; else None. A board's pay line whose amounts the description
    gives as "Annual maximum is $3,200 for health care, and $5000 for dependent care" is not
    pay."""
    wanted = {round(a, 2) for a in amounts if a is not None}
    if not text or not wanted or not _DIGIT.search(text):
        return None
    seen: set[float] = set()
    first = None
    for _, sentence, previous in _sentences(text):
        context = sentence if len(sentence) > 40 else f"{previous} {sentence}"
        facts = _Sentence(sentence, context)
        for group in _candidates(sentence):
            values = {round(v, 2) for v in map(_value, group) if v is not None} & wanted
            if not values:
                continue
            if facts.about_pay or _score(facts, group) is not None:
                return None  # named as pay, or in a sentence about pay
            seen |= values
            first = first or sentence.strip()
    return first if seen == wanted else None
