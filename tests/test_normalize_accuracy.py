"""`make accuracy`: the normaliser against hand-labelled real postings stays above its floors."""

from __future__ import annotations

import json

import pytest

from crawler.accuracy import BOARDS, FLOORS, GOLD, evaluate, main, render


@pytest.fixture(scope="module")
def report():
    return evaluate()


def test_every_labelled_posting_is_produced_and_none_is_rejected(report):
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    assert report.missing == []
    assert report.rejected == []
    assert report.total == len(gold) >= 119
    # Every board accuracy reads (derived from the spiders, crawler/registry.py) is labelled,
    # and every posting it produces has its label.
    assert {row["source"] for row in gold} == set(BOARDS)
    assert report.unlabelled == []


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_field_is_at_or_above_its_floor(report, name):
    assert report.share(name) >= FLOORS[name], render(report)


def test_the_floors_are_the_agreed_ones():
    assert FLOORS["salary"] >= 0.95 and FLOORS["remote"] >= 0.95
    assert FLOORS["countries"] >= 0.90 and FLOORS["posted_at"] >= 0.99


def test_the_command_prints_the_table_and_the_mismatches(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "field" in out and "accuracy" in out and "floor" in out
    for name in FLOORS:
        assert name in out


def test_a_wrong_label_shows_up_as_a_mismatch(tmp_path):
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    rows[0]["remote"] = "onsite"
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report = evaluate(gold)
    assert ("remote", f"{rows[0]['source']}:{rows[0]['id']}") in {m[:2] for m in report.mismatches}
