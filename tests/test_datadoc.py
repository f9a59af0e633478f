"""DATA_FORMAT.md is generated from the schema: a stale copy fails the suite."""

from __future__ import annotations

from crawler.tools.datadoc import TARGET, render


def test_data_format_md_matches_the_schema():
    assert TARGET.read_text(encoding="utf-8") == render(), (
        "DATA_FORMAT.md is out of date: run `make docs`"
    )


def test_every_jobs_column_is_documented_in_data_format_md():
    text = TARGET.read_text(encoding="utf-8")
    for column in ("source_id", "posted_at", "salary_year_min", "status", "content_hash"):
        assert f"| `{column}` |" in text
