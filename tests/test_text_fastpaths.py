"""The text cleaners' byte-level checks decide as the character-class regexes they replace.

``fix_mojibake``, ``clean_block`` and the sanitised ``html_to_text`` read surrogates,
control characters, odd spaces and mojibake hints on a text's UTF-8 bytes (a str regex
scan of a description cost ~20 µs, and each description was scanned six times). Each is
held here to the plain regex version it replaced, on every recorded description and on
random texts drawn from the characters those checks are about.
"""

from __future__ import annotations

import random
import unicodedata

import ftfy
import pytest

from crawler.normalize import text as T
from crawler.normalize.text import clean_block, fix_mojibake, html_to_text, sanitize_html
from crawler.tools.accuracy import BOARDS
from pipelines.clean import clean_item

# Characters on either side of every byte-level check: the mojibake lead letters and their
# neighbours, second-class characters, surrogates, controls, odd and zero-width spaces,
# line separators and accented letters that share the lead byte \xc3.
_CHARS = [
    "a", "Z", "1", " ", "\n", "\r", "\t", "&", "<", "é", "Ã", "Â", "â", "Å", "Æ", "Ð", "Ñ",
    "Ø", "ð", "Ä", "ã", "\u0080", "\u009d", "©", "\u00a0", "\u00ff", "Œ", "ˆ", "\u02dc",
    "\u02dd", "\u2013", "\u2019", "\u203a", "\u203b", "€", "™", "\ud83d", "\ude00", "\x00",
    "\x01", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\u2003", "\u200b", "\u200c", "\u202f",
    "\u205f", "\u3000", "\u2028", "\u2029", "\u1680", "中", "😀",
]  # fmt: skip


def _random_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(_CHARS, k=rng.randint(0, 16))) for _ in range(count)]


def fix_mojibake_plain(text: str) -> str:
    if not text or text.isascii():
        return text
    if T._SURROGATE.search(text):
        text = T._SURROGATE.sub("\ufffd", text)
    if not T._MOJIBAKE_HINT.search(text):
        return text
    fixed = T._undo_double_encoding(text)
    if fixed is not None and not T._MOJIBAKE_HINT.search(fixed):
        return unicodedata.normalize("NFC", fixed)
    return ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)


def clean_block_plain(text: str | None) -> str | None:
    if text is None:
        return None
    text = T._CONTROL.sub("", fix_mojibake_plain(str(text)).replace("\r\n", "\n"))
    if "  " in text or T._ODD_SPACE.search(text):
        text = T._SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    text = T._BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return unicodedata.normalize("NFC", text) or None


@pytest.fixture(scope="module")
def descriptions() -> list[str]:
    return [
        item.description_html
        for load in BOARDS.values()
        for item in load()
        if item.description_html
    ]


def test_mojibake_and_surrogates_are_found_as_the_regexes_find_them(descriptions):
    for text in descriptions + _random_texts(11, 30000):
        assert fix_mojibake(text) == fix_mojibake_plain(text), repr(text)


def test_controls_and_odd_spaces_are_found_as_the_regexes_find_them(descriptions):
    for text in descriptions + _random_texts(12, 30000):
        assert clean_block(text) == clean_block_plain(text), repr(text)


def _markups(descriptions: list[str]) -> list[str]:
    rng = random.Random(13)
    tags = ["<p>", "</p>", "<br>", "<b>", "</b>", "<li>", "&amp;", "&nbsp;", "&#8203;", "&#1;"]
    mixed = [
        "".join(rng.choice([rng.choice(tags), rng.choice(_CHARS)]) for _ in range(20))
        for _ in range(5000)
    ]
    crafted = [
        "<p>caf&Atilde;&copy; d&Atilde;&copy;j&Atilde;&nbsp;</p>",  # mojibake made by entities
        "<p>a&#8203;b</p><p>&#8203;</p><p>c</p>",  # zero-width spaces
        "<div>a\x01b</div><div>\x02</div>",  # controls
        "<p>ＡＢＣ e\u0301</p>",  # not NFC
    ]
    return descriptions + crafted + mixed


def test_sanitised_html_to_text_is_clean_block_of_the_layout(descriptions):
    for markup in _markups(descriptions):
        safe = sanitize_html(markup)
        if not safe or "<" not in safe:
            continue
        expected = clean_block_plain(T._layout_text(T._parse_html(safe)))
        assert html_to_text(safe, sanitized=True) == expected, repr(markup)


def experience_years_min_plain(text: str | None) -> int | None:
    """The former reading: every sentence of the whole text, in order."""
    import re

    from crawler.normalize.seniority import _EXPERIENCE, _KOREAN, _SENTENCE_BREAK, _YEARS, _number

    if not text:
        return None
    for sentence in _SENTENCE_BREAK.split(text):
        if "year" in sentence.lower():
            for match in _YEARS.finditer(sentence):
                explicit_minimum = bool(re.match(r"(?i)at\s+least|minimum|min", match.group(0)))
                plus = "+" in match.group(0) or "plus" in match.group(0).lower()
                if (
                    _EXPERIENCE.search(sentence)
                    or explicit_minimum
                    or (plus and "year" in sentence)
                ):
                    value = _number(match.group(1))
                    if 0 < value <= 40:
                        return value
        korean = "경력" in sentence and _KOREAN.search(sentence)
        if korean:
            return int(korean.group(1))
    return None


def test_experience_is_read_from_the_sentences_holding_year_as_from_every_sentence():
    from crawler.normalize.seniority import experience_years_min

    texts = [
        item.description_text
        for load in BOARDS.values()
        for item in map(clean_item, load())
        if item.description_text
    ]
    rng = random.Random(17)
    words = [
        "year", "Years", "YEAR", "5", "3+", "at least", "min.", "experience", "founded",
        "plus", "or more", "two", "-", "to", "4", "40", "41", ".", "!", "?", " ", " ", "\n",
        "\n\n", "\t", "\u00a0", "\u2028", "(", "e.g.", "İ", "경력 0년", "경력", "年",
    ]  # fmt: skip
    samples = texts + ["".join(rng.choices(words, k=rng.randint(0, 24))) for _ in range(40000)]
    for text in samples:
        assert experience_years_min(text) == experience_years_min_plain(text), repr(text)


def test_a_pay_sentence_is_found_where_its_words_start_as_a_full_search_finds_it():
    from crawler.normalize import salary

    contexts = [
        sentence
        for load in BOARDS.values()
        for item in map(clean_item, load())
        if item.description_text
        for _, sentence, _ in salary._sentences(item.description_text)
    ]
    rng = random.Random(19)
    words = [
        "Salary", "SALARIO", "pay", "Pay Range", "base  pay", "Compensation", "wages", "hourly",
        "day rate", "Daily\nrate", "rate", "accurate", "GEHALT", "Lohn", "salaire",
        "RÉMUNÉRATION", "rémunération", "Vergütung", "VERGÜTUNG", "wynagrodzenie", "ſalary",
        "paı", "İ", "K", "payment", "today", " ", "-", ".", "\n", "5",
    ]  # fmt: skip
    contexts += ["".join(rng.choices(words, k=rng.randint(0, 8))) for _ in range(30000)]
    for context in contexts:
        facts = salary._Sentence(context, context)
        assert facts.about_pay == bool(salary._STRONG_PAY.search(context)), repr(context)


def test_every_written_currency_holds_a_currency_hint():
    import re

    from crawler.normalize import salary

    currency = re.compile(salary._CUR)
    tokens = [symbol for symbol, _ in salary._SYMBOLS] + list(salary._CODES)
    tokens += ["dollar", "DOLLARS", "Euro", "EUROS", "ſ", "K", "ı", "usd", "Usd"]
    rng = random.Random(23)
    texts = tokens + [
        "".join(rng.choices(tokens + [" ", "a", "5", ".", "-", "\n"], k=rng.randint(1, 6)))
        for _ in range(30000)
    ]
    for text in texts:
        if currency.search(text):
            assert salary._CURRENCY_HINT.search(text), repr(text)


def test_pay_skipping_sentences_without_currency_or_pay_words_reads_the_same(monkeypatch):
    import re

    from crawler.normalize import salary

    texts = [
        item.description_text
        for load in BOARDS.values()
        for item in map(clean_item, load())
        if item.description_text
    ]
    fast = [salary.salary_from_text(text, ["CA"]) for text in texts]
    monkeypatch.setattr(salary, "_CURRENCY_HINT", re.compile(""))  # every sentence read
    plain = [salary.salary_from_text(text, ["CA"]) for text in texts]
    assert [vars(p) if p else None for p in fast] == [vars(p) if p else None for p in plain]
    assert sum(p is not None for p in plain) >= 20
