"""The text-cleaning helpers, without Scrapy."""

from __future__ import annotations

from crawler.normalize.text import (
    canonical_url,
    clean_block,
    clean_line,
    fix_mojibake,
    html_to_text,
    normalize_tags,
    sanitize_html,
)


def test_double_encoded_utf8_is_repaired():
    assert fix_mojibake("Weâ€™re hiring at ZÃ³calo") == "We’re hiring at Zócalo"


def test_clean_and_native_text_is_left_alone():
    for text in ("plain ascii", "Zürich, Köln", "서울", "naïve café — 50 €"):
        assert fix_mojibake(text) == text


def test_clean_line_folds_whitespace_entities_and_controls():
    assert clean_line("  Fisher   Agencies \u00a0") == "Fisher Agencies"
    assert clean_line("R&amp;D\x00 team\n lead") == "R&D team lead"
    assert clean_line("   ") is None
    assert clean_line(None) is None


def test_clean_block_keeps_paragraphs_but_not_runs_of_blank_lines():
    assert clean_block("a  b\n\n\n\n c\r\n") == "a b\n\nc"


def test_sanitize_removes_scripts_handlers_and_javascript_links():
    dirty = (
        '<p onclick="steal()">Hi<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">x</a><a href="https://ok.example/">y</a>'
        "<iframe src=//evil></iframe><style>p{}</style>"
    )
    clean = sanitize_html(dirty)
    for bad in ("script", "onclick", "javascript:", "iframe", "style", "alert"):
        assert bad not in clean
    assert '<a href="https://ok.example/"' in clean and "<p>Hi</p>" in clean


def test_html_to_text_lays_out_blocks_and_lists():
    text = html_to_text("<p>About us</p><ul><li>Python</li><li>SQL</li></ul><p>Apply&nbsp;now</p>")
    assert text.splitlines()[0] == "About us"
    assert "Python" in text and "SQL" in text and "Apply now" in text
    assert "<" not in text
    assert html_to_text("no markup &amp; fine") == "no markup & fine"
    assert html_to_text("") is None


def test_canonical_url_lowercases_scheme_and_host_only():
    assert canonical_url(" https://remoteOK.com/Remote-Jobs/X-1?a=B ") == (
        "https://remoteok.com/Remote-Jobs/X-1?a=B"
    )
    assert canonical_url(None) is None
    assert canonical_url(42) is None


def test_tags_are_lowercased_trimmed_and_deduplicated_in_order():
    assert normalize_tags(["Python", " python ", "SQL", "", None, 3, "Go"]) == [
        "python",
        "sql",
        "go",
    ]
