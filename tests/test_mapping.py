"""The mapping toolkit (crawler/sources/mapping.py): ids, texts, structured pay; no Scrapy."""

from __future__ import annotations

import pytest

from crawler.sources.mapping import (
    company_id,
    company_name,
    joined,
    name,
    names,
    record_id,
    structured_pay,
    text,
    texts,
)


def test_record_id_takes_strings_and_integers_only():
    assert record_id({"id": 42}) == "42"
    assert record_id({"shortcode": " AB12 "}, "shortcode") == "AB12"
    for bad in (None, False, True, 1.5, {}, "  "):
        with pytest.raises(ValueError, match="is not an id"):
            record_id({"id": bad})
    with pytest.raises(KeyError):
        record_id({})


def test_company_id_and_name_follow_the_board_list():
    board = {"company_slug": "match-group", "company_name": None}
    assert company_id(board, {"id": 7}) == "match-group/7"
    assert company_name(board) == "Match Group"  # derived from the handle
    assert company_name(board, "  Match Group Inc. ") == "Match Group Inc."  # published
    assert company_name(board, 5) == "Match Group"  # a published name that is not text
    assert company_name({**board, "company_name": "Hinge"}, "Match Group Inc.") == "Hinge"


def test_texts_keep_the_first_spelling_of_each_distinct_value():
    assert texts(" London ", "london", None, "", 3, "Paris") == ["London", "Paris"]
    assert names([{"name": "Berlin"}, {"name": "berlin"}, "Rome", {"id": 1}]) == ["Berlin"]
    assert names(None) == []
    assert text(["", None, " x "]) == "x" and text({"a": 1}) is None and text(True) is None
    assert name([{"name": "Acme"}]) == "Acme" and name("Acme") == "Acme"
    assert joined(["FULL_TIME", "FULL_TIME", "PART_TIME"]) == "FULL_TIME, PART_TIME"


@pytest.mark.parametrize(
    ("args", "raw"),
    [
        ((150000, 180000, "USD", "per-year-salary"), "150000-180000 USD per-year-salary"),
        ((150000.0, 180000.0, "USD", "YEAR"), "150000-180000 USD YEAR"),  # no trailing .0
        (("28000", "28000", "GBP", "year"), "28000 GBP year"),  # equal bounds: one amount
        ((None, 50, " USD ", None), "50 USD"),  # one bound, no period
        ((40, None, None, "1 HOUR"), "40 1 HOUR"),  # currency never assumed
        ((12.5, 20.25, "EUR", "hour"), "12.5-20.25 EUR hour"),
    ],
)
def test_structured_pay_has_one_salary_raw_spelling(args, raw):
    pay = structured_pay(*args)
    assert pay["salary_raw"] == raw
    assert pay["salary_source"] == "structured"


def test_structured_pay_keeps_values_as_given_and_refuses_non_numbers():
    assert structured_pay(None, "", "USD", "year") == {}
    pay = structured_pay("28,000", 32000, "GBP", "year")
    assert (pay["salary_min"], pay["salary_max"]) == (28000, 32000)
    assert (pay["salary_currency"], pay["salary_period"]) == ("GBP", "year")
    for bad in ("lots", True, float("nan"), "inf", [1]):
        with pytest.raises(TypeError, match="pay amount is not a number"):
            structured_pay(bad, None, "USD", None)
