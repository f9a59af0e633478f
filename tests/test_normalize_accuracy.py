"""`make accuracy`: the normaliser against hand-labelled real postings stays above its floors."""

from __future__ import annotations

import json

import pytest

from crawler.tools.accuracy import (
    BOARDS,
    FLOORS,
    GOLD,
    TARGETS,
    UNSEEN_GOLD,
    evaluate,
    evaluate_holdout,
    evaluate_unseen,
    main,
    render,
)


@pytest.fixture(scope="module")
def report():
    return evaluate()


def test_every_labelled_posting_is_produced_and_none_is_rejected(report):
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    assert report.missing == []
    assert report.rejected == []
    assert report.total == len(gold) >= 119
    # Every board accuracy reads (derived from the spiders, crawler/tools/registry.py) is labelled,
    # and every posting it produces has its label.
    assert {row["source"] for row in gold} == set(BOARDS)
    assert report.unlabelled == []


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_field_is_at_or_above_its_floor(report, name):
    assert report.share(name) >= FLOORS[name], render(report)


def test_the_floors_are_the_agreed_ones():
    assert FLOORS["salary"] >= 0.95 and FLOORS["remote"] >= 0.95
    assert FLOORS["countries"] >= 0.90 and FLOORS["posted_at"] >= 0.99


@pytest.fixture(scope="module")
def unseen():
    return evaluate_unseen()


def test_every_unseen_posting_is_produced_and_labelled(unseen):
    gold = [json.loads(line) for line in UNSEEN_GOLD.read_text(encoding="utf-8").splitlines()]
    assert unseen.missing == [] and unseen.rejected == [] and unseen.unlabelled == []
    assert unseen.total == len(gold) >= 100
    # Title, company and url are labelled on the unseen set and counted on every posting.
    assert all(unseen.counted[name] == unseen.total for name in ("title", "company", "url"))


def test_the_holdout_is_produced_whole():
    holdout = evaluate_holdout()
    assert holdout.missing == [] and holdout.rejected == [] and holdout.unlabelled == []
    assert holdout.total >= 50


def test_the_command_reports_written_against_unseen_and_holdout_apart(capsys, report, unseen):
    status = main([])
    out = capsys.readouterr().out
    written, _, rest = out.partition("Normalisation accuracy, unseen:")
    unseen_part, _, holdout_part = rest.partition("Normalisation accuracy, holdout:")
    assert written.startswith("Normalisation accuracy, written against:")
    assert "floor" in written and "target" in unseen_part and "target" in holdout_part
    for name in FLOORS:
        assert name in written
    for name in TARGETS:
        assert name in unseen_part and name in holdout_part
    assert status == (0 if report.ok and unseen.ok and evaluate_holdout().ok else 1)


def test_a_wrong_label_shows_up_as_a_mismatch(tmp_path):
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    rows[0]["remote"] = "onsite"
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report = evaluate(gold)
    assert ("remote", f"{rows[0]['source']}:{rows[0]['id']}") in {m[:2] for m in report.mismatches}
