"""Malformed records through every JSON platform board the hand-written fault suite does not
know (``tests/test_faults_records.py``), derived from the spiders and their fixtures.

For each such board (today Workable, Recruitee, BambooHR, Pinpoint, SmartRecruiters; any future
one automatically), the recorded answer of its first recorded company is the envelope, the
records inside it the base; the identity key is the one whose value the board's own mapper puts
in ``source_id``. Each example puts one damaged record (hypothesis: fields deleted or replaced
by wrong types, huge strings, control characters, junk; sometimes no record at all) between
two good ones and runs the spider's ``parse``, every pipeline and the store
(``tests/faultkit.py``), with the same checks as the hand-written suite.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import scrapy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.sources.boards import Company
from crawler.sources.jsonapi import JsonApiSpider
from crawler.sources.platform import PlatformSpider
from crawler.tools.registry import local_response, recorded_companies, spider_classes
from tests.faultkit import COMPANY, Harness
from tests.test_faults_records import BOARDS as HAND_WRITTEN
from tests.test_faults_records import check_outcome, junk, values

_KEYS = ("jobs", "offers", "result", "data", "content")
DERIVED = [
    name for name, cls in spider_classes().items()
    if issubclass(cls, PlatformSpider) and issubclass(cls, JsonApiSpider)
    and name not in HAND_WRITTEN and recorded_companies(name)
]  # fmt: skip


class Shape:
    """A board's recorded answer: its envelope, records, and identity key."""

    def __init__(self, name: str):
        cls = spider_classes()[name]
        handle = recorded_companies(name)[0]
        url = next(iter(cls(companies=handle).company_requests(Company(handle)))).url
        self.data = json.loads(local_response(scrapy.Request(url)).body)
        self.key = None if isinstance(self.data, list) else next(
            k for k in _KEYS if isinstance(self.data.get(k), list)
        )  # fmt: skip
        self.records = [r for r in (self.data if self.key is None else self.data[self.key])
                        if isinstance(r, dict)]  # fmt: skip
        item = cls.map_record(self.records[0], {"company_slug": COMPANY, "company_name": None})
        suffix = item.source_id.split("/", 1)[1]
        self.ident = next(k for k, v in self.records[0].items() if str(v) == suffix)
        self.serial = iter(range(10**9))

    def envelope(self, records: list[Any]) -> Any:
        if self.key is None:
            return records
        return {**self.data, self.key: records}

    def fresh(self, record: dict) -> dict:
        record, n = copy.deepcopy(record), next(self.serial)
        old = record[self.ident]
        record[self.ident] = 9_000_000 + n if isinstance(old, int) else f"{9_000_000 + n}"
        return record


class DerivedHarness(Harness):
    def __init__(self, name: str, db, shape: Shape):
        super().__init__(name, db)
        self.shape = shape

    def responses(self, records):
        company = self.spider.companies[0]
        request = next(iter(self.spider.company_requests(company)))
        body = json.dumps(self.shape.envelope(records)).encode()
        return [scrapy.http.TextResponse(request.url, body=body, request=request)]


def test_every_json_platform_is_covered_by_a_fault_suite():
    assert set(DERIVED) >= {"workable", "recruitee", "bamboohr", "pinpoint", "smartrecruiters"}


@pytest.mark.parametrize("board", DERIVED)
def test_malformed_records_of_derived_boards(board, tmp_path, heavy):
    shape = Shape(board)
    harness = DerivedHarness(board, tmp_path / "jobs.db", shape)

    @st.composite
    def damaged(draw):
        record = shape.fresh(draw(st.sampled_from(shape.records)))
        if draw(st.integers(0, 19)) == 0:
            return draw(junk.filter(lambda v: not isinstance(v, dict))), True
        for _ in range(draw(st.integers(1, 4))):
            key = draw(st.sampled_from(sorted(record)))
            if draw(st.booleans()) and key in record:
                del record[key]
            else:
                record[key] = draw(values(60_000))
        value = record.get(shape.ident)
        lost = (
            shape.ident not in record
            or isinstance(value, bool)
            or not isinstance(value, str | int)
            or (isinstance(value, str) and not value.strip())
        )
        return record, lost

    @settings(max_examples=1000 if heavy else 100, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
    @given(bad=damaged(), data=st.data())
    def check(bad, data):
        record, lost = bad
        goods = [shape.fresh(data.draw(st.sampled_from(shape.records))) for _ in range(2)]
        ids = [f"{COMPANY}/{g[shape.ident]}" for g in goods]
        check_outcome(harness, [goods[0], record, goods[1]], lost, ids)

    try:
        check()
    finally:
        harness.close()
