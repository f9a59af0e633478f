"""Malformed records (hypothesis) through every board's real parse, the pipelines and the store.

Each example takes a real record of a board (derived: new id, real fields), breaks one
to four of its fields (deleted, or replaced by a wrong type, a huge string, control
characters, an invalid date, a negative amount, deeply nested junk) or replaces the
whole record by junk, and puts it in one response between two good records. The
response goes through the spider's ``parse``, every item pipeline and
``Store.write_batch`` (``tests/faultkit.py``). Whatever the damage:

* nothing raises: not the spider, not a pipeline, not the store;
* every record is accounted for: stored, or a ``Reject`` with a reason, or
  deliberately skipped (Ashby's unlisted jobs), or a counted in-crawl duplicate;
* every ``Reject`` is a row of the ``rejects`` table, written in the same batch, with
  its board and a reason;
* a record whose identity is gone or is not a scalar is a ``Reject``, never a row;
* both good records beside it are stored;
* what is stored is well-typed: text columns hold text, amounts are non-negative
  numbers with min <= max, dates are ``YYYY-MM-DDTHH:MM:SSZ``, lists are JSON arrays,
  cleaned one-line fields carry no control characters.

200 examples per board (every board of ``fault_boards()``; a quarter of that for an HTML
board) by default; 2,000 per board with ``--heavy``.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import sqlite3
from typing import Any
from urllib.parse import urljoin

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parsel import Selector

from crawler.normalize.text import fix_mojibake
from crawler.sources.html import select_fields
from crawler.tools.bench.corpus import derived_records
from crawler.tools.registry import RecordedShape, json_boards, spider_classes
from tests.faultkit import (
    Harness,
    fault_boards,
    html_listing,
    jsonld_pages,
    jsonld_template,
    listing_rows,
)

# Every board the fault kit can feed, derived from the spiders and their fixtures
# (``tests/faultkit.py``): adding a board adds it here.
BOARDS = fault_boards()
ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ONE_LINE = ["title", "company", "department", "location_raw", "employment_type_raw"]
AMOUNTS = ["salary_min", "salary_max", "salary_year_min", "salary_year_max"]
TEXT_COLUMNS = [
    "source", "source_id", "url", "apply_url", "title", "company", "description_html",
    "description_text", "location_raw", "posted_at", "valid_through", "salary_currency",
    "salary_period",
]  # fmt: skip


# --- real records ------------------------------------------------------------------------------


@functools.cache
def shape(board: str) -> RecordedShape | None:
    """A JSON board's recorded answer taken apart; None for a JSON-LD board."""
    return RecordedShape(board) if board in json_boards() else None


def _jsonld_postings(board: str) -> list[dict]:
    out = []
    for path in jsonld_pages(board):
        match = re.search(r'application/ld\+json">(.*?)</script>', path.read_text(), re.S)
        out.append(json.loads(match.group(1)))
    return out


def _row_fields(board: str, row: str) -> dict:
    cls = spider_classes()[board]
    return select_fields(Selector(text=row), cls.listing_fields, cls.list_fields)


def real_records(board: str) -> list:
    """Real records of ``board``: derived from its recorded ones (new ids, real fields,
    recombined: ``crawler/tools/bench/corpus.py``), its recorded JobPosting blocks, or the HTML of
    its recorded listing's posting rows (adverts without a link left out)."""
    if html_listing(board) is not None:
        return [row for row in listing_rows(board) if _row_fields(board, row).get("url")]
    if shape(board) is None:
        return _jsonld_postings(board)
    return derived_records(board, 40, seed=5)


_serial = iter(range(10**9))


def fresh(board: str, record):
    """A copy of ``record`` with an id no other example uses (a JSON-LD posting's identity is
    its page's address, new for every page; an HTML row's is its link, made unique)."""
    if isinstance(record, str):
        link = _row_fields(board, record)["url"]
        return record.replace(f'"{link}"', f'"{link}-f{next(_serial)}"')
    if shape(board) is None:
        return copy.deepcopy(record)
    return shape(board).fresh(record, 1_000_000 + next(_serial))


# --- damage -----------------------------------------------------------------------------------

BAD_STRINGS = [
    "", " ", "\x00", "\x00\x01\x1b[31mred\x1b[0m\x7f", "\ud800 lone surrogate",
    "\u202e\u200b\ufeff", "2026-13-45", "0000-00-00T00:00:00Z", "31/02/2026",
    "yesterday at 25:61", "99999999999999999999", "-1", "NaN", "null",
    "<script>alert(1)</script>", "Ã©Ã©â€™ mojibake", "ab\u2028cd\u2029", "$-50,000 - $-10",
    "1e309", "javascript:alert(1)",
]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-1_000_000, max_value=-1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(BAD_STRINGS),
)


def huge(max_size: int):
    """Long strings of one repeated unit: plain, accented, markup, NUL, mojibake, pay-like."""
    return st.builds(
        lambda n, unit: unit * (n // len(unit)),
        st.integers(min_value=5_000, max_value=max_size),
        st.sampled_from(["x", "é", "€ ", "<b>", "\x00", "Ã©", "8+ years ", "$100k "]),
    )


def _nest(depth: int, leaf: Any) -> Any:
    for level in range(depth):
        leaf = [leaf] if level % 2 else {"k": leaf}
    return leaf


deep = st.builds(_nest, st.integers(min_value=20, max_value=400), scalars)
junk = st.recursive(
    scalars,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=12,
)


def values(max_huge: int):
    return st.one_of(scalars, scalars, junk, huge(max_huge), deep)


@st.composite
def damaged(draw, board: str, base: list[dict], max_huge: int) -> tuple[Any, bool]:
    """(a damaged record, whether its identity is gone or not a scalar)."""
    record = fresh(board, draw(st.sampled_from(base)))
    if draw(st.integers(0, 19)) == 0:  # sometimes not a record at all
        return draw(junk.filter(lambda v: not isinstance(v, dict))), True
    keys = sorted(record)
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.sampled_from(keys))
        if draw(st.booleans()) and key in record:
            del record[key]
        else:
            value = draw(values(max_huge))
            target = record
            # Sometimes break a nested field (Lever categories, Greenhouse location...).
            if isinstance(record.get(key), dict) and record[key] and draw(st.booleans()):
                target = record[key]
                key = draw(st.sampled_from(sorted(target)))
            target[key] = value
    ident = shape(board).ident if shape(board) is not None else None
    value = record.get(ident) if ident is not None else None
    # Mind 0 == False and 1 == True: an integer id 0 or 1 is an id, a boolean is not.
    lost = ident is not None and (
        ident not in record
        or isinstance(value, bool)
        or not isinstance(value, str | int)
        or (isinstance(value, str) and not value.strip())
    )
    return record, lost


def _xml_safe(text: str) -> str:
    """What lxml can hold: no control characters but tab and newline, no surrogates."""
    return "".join(
        c for c in text
        if c in "\t\n" or (ord(c) >= 32 and not 0xD800 <= ord(c) <= 0xDFFF
                            and c not in "\ufffe\uffff")
    )  # fmt: skip


@st.composite
def damaged_row(draw, board: str, base: list[str], max_huge: int) -> tuple[str, bool]:
    """An HTML row with one to four of its declared fields dropped, or their text or link
    replaced by a bad or huge string; sometimes a row that is no posting at all."""
    row = fresh(board, draw(st.sampled_from(base)))
    texts = st.one_of(st.sampled_from(BAD_STRINGS), st.text(max_size=40), huge(max_huge))
    element = lxml.html.fragment_fromstring(row)
    if draw(st.integers(0, 19)) == 0:  # the row's own element, holding junk and nothing else
        element.text, element[:] = _xml_safe(draw(texts)), []
        out = lxml.html.tostring(element, encoding="unicode")
        return out, not _row_fields(board, out).get("url")
    cls = spider_classes()[board]
    selectors = sorted({css.split("::")[0].strip() for css in cls.listing_fields.values()})
    for _ in range(draw(st.integers(1, 4))):
        found = element.cssselect(draw(st.sampled_from(selectors)))
        if not found:
            continue
        target, action = found[0], draw(st.sampled_from(["drop", "text", "link"]))
        if action == "drop" and target.getparent() is not None:
            target.getparent().remove(target)
        elif action == "text":
            target.text, target[:] = _xml_safe(draw(texts)), []
        else:
            target.set("href", _xml_safe(draw(texts)))
    out = lxml.html.tostring(element, encoding="unicode")
    return out, not _row_fields(board, out).get("url")


# --- the property ----------------------------------------------------------------------------


def check_stored(conn: sqlite3.Connection, crawl_id: int) -> None:
    listed = ["tags", "value_problems"]
    cols = ", ".join(f"typeof({c}) AS t_{c}, {c}" for c in [*TEXT_COLUMNS, *AMOUNTS, *listed])
    for row in conn.execute(f"SELECT {cols} FROM jobs WHERE last_crawl_id = ?", (crawl_id,)):
        row = dict(row)
        for c in TEXT_COLUMNS:
            assert row[f"t_{c}"] in ("text", "null"), (c, row[c])
        for c in AMOUNTS:
            assert row[f"t_{c}"] in ("real", "integer", "null"), (c, row[c])
            assert row[c] is None or row[c] >= 0, (c, row[c])
        if row["salary_min"] is not None and row["salary_max"] is not None:
            assert row["salary_min"] <= row["salary_max"]
        for c in ("posted_at", "valid_through"):
            assert row[c] is None or ISO_Z.match(row[c]), (c, row[c])
        for c in listed:
            values = json.loads(row[c])
            assert isinstance(values, list) and all(isinstance(t, str) for t in values), c


def check_outcome(harness: Harness, records: list, bad_lost: bool, good_ids: list[str]) -> None:
    conn = harness.store.conn
    last_reject = conn.execute("SELECT COALESCE(MAX(id), 0) FROM rejects").fetchone()[0]
    out = harness.run(records)
    written = conn.execute(
        "SELECT source, reason FROM rejects WHERE id > ? AND crawl_id = ?",
        (last_reject, harness.store.crawl_id),
    ).fetchall()
    assert len(written) == len(out.rejects) == out.counts["rejected"], (written, out.rejects)
    for source, reason in written:
        assert source == harness.name and reason.strip(), (source, reason)
    accounted = len(out.stored) + len(out.rejects) + out.skipped + len(out.dropped)
    assert accounted == len(records), (len(out.stored), out.rejects, out.skipped, out.dropped)
    assert all(r.reason and r.reason.strip() for r in out.rejects)
    stored_ids = [item.source_id for item in out.stored]
    for good in good_ids:
        assert good in stored_ids, f"good record {good} not stored beside the bad one"
    if bad_lost:
        # Rejected, or skipped on purpose (an unlisted Ashby job needs no identity): not stored.
        assert len(out.stored) == len(records) - 1, "a record without identity was stored"
    for item in out.stored:
        for name in ONE_LINE:
            value = getattr(item, name)
            assert value is None or (isinstance(value, str) and not CONTROL.search(value)), name
        if item.posted_raw and item.posted_at is None:
            # A date given but unreadable is null on the row, with its reason beside it.
            assert any("posted date" in p for p in item.value_problems), item.value_problems
    conn.row_factory = sqlite3.Row
    try:
        check_stored(conn, harness.store.crawl_id)
    finally:
        conn.row_factory = None


def good_id(board: str, record, harness: Harness, position: int) -> str:
    if isinstance(record, str):  # an HTML row: the board's own mapping of its fields
        url = html_listing(board)[0]
        fields = _row_fields(board, record)
        fields["url"] = urljoin(url, fields["url"])
        return harness.spider.map_fields(fields, {"url": url}).source_id
    if shape(board) is None:
        return harness.page_url(harness.pages + position + 1).rsplit("/", 1)[1]
    ident = str(record[shape(board).ident])
    return f"acme/{ident}" if shape(board).platform else ident


def test_the_fault_kit_feeds_every_board_of_scrapy_list_that_reads_a_recorded_answer():
    """Derived, never listed: a JSON API board with a recorded answer, a JSON-LD board with a
    recorded page or an HTML board with a recorded listing is fed by the kit as soon as it
    exists (``tests/faultkit.py``). What it does not feed is named here by kind, not by board:
    an XML feed (records are XML elements, not yet generated by the kit), a spider reading
    local files, a JSON-LD spider whose sites are configured at run time."""
    from crawler.sources.html import HtmlSpider
    from crawler.sources.jsonapi import JsonApiSpider

    assert set(BOARDS) >= {"remoteok", "lever", "greenhouse", "ashby", "remotewlb", "workable",
                           "recruitee", "bamboohr", "pinpoint", "smartrecruiters",
                           "weworkremotely"}  # fmt: skip
    for name, cls in spider_classes().items():
        if name in BOARDS:
            continue
        if issubclass(cls, JsonApiSpider):
            assert cls.body_format != "JSON", f"{name}: a JSON board the kit does not feed"
        else:
            assert not issubclass(cls, HtmlSpider), f"{name}: an HTML board the kit does not feed"
            assert not getattr(cls, "allowed_domains", None), f"{name}: pages never fed"


@pytest.mark.parametrize("board", BOARDS)
def test_malformed_records_are_rejected_with_a_reason_and_good_ones_beside_them_stored(
    board, tmp_path, heavy
):
    base = real_records(board)
    assert base, f"no recorded {board} records"
    harness = Harness(board, tmp_path / "jobs.db")

    @settings(
        # An HTML example re-parses and re-writes the whole recorded listing page (86 kB for
        # We Work Remotely, ~1 s an example on the shared test machine): fewer of them.
        max_examples=(2000 if heavy else 200) // (4 if html_listing(board) else 1),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    # Huge strings stay under 60 kB by default: the normaliser's cost grows with text
    # length (seconds for a few hundred kB), which is the heavy variant's business.
    @given(
        bad=(damaged_row if html_listing(board) is not None else damaged)(
            board, base, 300_000 if heavy else 60_000
        ),
        data=st.data(),
    )
    def check(bad, data):
        record, lost = bad
        goods = [fresh(board, data.draw(st.sampled_from(base))) for _ in range(2)]
        records = [goods[0], record, goods[1]]
        ids = [good_id(board, goods[0], harness, 0), good_id(board, goods[1], harness, 2)]
        check_outcome(harness, records, lost, ids)

    try:
        check()
    finally:
        harness.close()


def test_the_fast_mojibake_path_agrees_with_ftfy_on_every_recorded_text():
    import ftfy

    from crawler.normalize.text import _MOJIBAKE_HINT

    texts = [
        v
        for board in ("remoteok", "lever", "greenhouse")
        for r in derived_records(board, 60, seed=3)
        for v in r.values()
        if isinstance(v, str)
    ]
    texts.append(jsonld_template())
    broken = [t for t in texts if _MOJIBAKE_HINT.search(t)]
    assert len(broken) > 20
    for text in broken:
        expected = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)
        # ftfy may also decode an entity on a line of its own; the repair is the same.
        assert fix_mojibake(text).replace("&nbsp;", "\xa0") == expected.replace("&nbsp;", "\xa0")


def test_records_hypothesis_once_broke_are_rejected_or_stored_and_never_fail_a_batch(tmp_path):
    """Regressions, found by the property above: each of these used to crash the batch
    (lone surrogates, a URL field that is an object) or store a row keyed ``acme/False``."""
    base = real_records("lever")
    harness = Harness("lever", tmp_path / "jobs.db")
    try:
        surrogate = fresh("lever", base[0])
        surrogate["text"] = "Engineer \ud83d"
        surrogate["description"] = "<p>Cut mid-emoji \ud83d</p>"
        url_object = fresh("lever", base[1])
        url_object["hostedUrl"] = {"not": "a url"}
        url_object["text"] = ["not", "a", "title"]
        false_id = fresh("lever", base[0])
        false_id["id"] = False
        good = fresh("lever", base[1])
        out = harness.run([surrogate, url_object, false_id, good])
    finally:
        harness.close()
    stored = {item.source_id: item for item in out.stored}
    assert set(stored) == {f"acme/{surrogate['id']}", f"acme/{good['id']}"}
    assert stored[f"acme/{surrogate['id']}"].title == "Engineer \ufffd"
    reasons = sorted(r.reason for r in out.rejects)
    assert len(reasons) == 2
    assert "is not an id" in reasons[0] and "title is list" in reasons[1]
    assert all(isinstance(r.url, str) for r in out.rejects)


def test_a_value_left_null_keeps_its_reason_on_the_row(tmp_path):
    """An unreadable date or an impossible salary is not a reason to lose the posting: it is
    stored, the value is null, the raw twin keeps it and ``value_problems`` says why."""
    base = real_records("remoteok")
    harness = Harness("remoteok", tmp_path / "jobs.db")
    try:
        bad = fresh("remoteok", base[0])
        bad.pop("epoch", None)
        bad["date"] = "sometime soon"
        bad["salary_min"], bad["salary_max"] = -5000, 90000
        good = fresh("remoteok", base[1])
        out = harness.run([bad, good])
    finally:
        harness.close()
    assert not out.rejects and len(out.stored) == 2
    with sqlite3.connect(tmp_path / "jobs.db") as conn:
        rows = dict(conn.execute("SELECT source_id, value_problems FROM jobs"))
        posted = dict(conn.execute("SELECT source_id, posted_raw FROM jobs"))
        salary = conn.execute(
            "SELECT salary_min, salary_max FROM jobs WHERE source_id = ?", (str(bad["id"]),)
        ).fetchone()
    problems = json.loads(rows[str(bad["id"])])
    assert any("unreadable posted date 'sometime soon'" in p for p in problems), problems
    assert any("salary" in p and "negative" in p for p in problems), problems
    assert posted[str(bad["id"])] == "sometime soon" and salary == (None, None)
    assert json.loads(rows[str(good["id"])]) == []


def test_a_hollow_record_is_stored_flagged_and_left_out_of_unique_jobs(tmp_path):
    """A record naming no title, company or location keeps its row (its lifecycle is tracked
    like any other's) but says why in ``value_problems`` and is not a distinct job."""
    base = real_records("remoteok")
    harness = Harness("remoteok", tmp_path / "jobs.db")
    try:
        hollow = fresh("remoteok", base[0])
        hollow["position"], hollow["company"], hollow["location"] = "", "", ""
        good = fresh("remoteok", base[1])
        out = harness.run([hollow, good])
    finally:
        harness.close()
    assert not out.rejects and len(out.stored) == 2
    with sqlite3.connect(tmp_path / "jobs.db") as conn:
        problems = dict(conn.execute("SELECT source_id, value_problems FROM jobs"))
        unique = {r[0] for r in conn.execute("SELECT source_id FROM unique_jobs")}
    assert "hollow record: no title, company or location" in json.loads(problems[str(hollow["id"])])
    assert unique == {str(good["id"])}
