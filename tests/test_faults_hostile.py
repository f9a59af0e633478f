"""Hostile descriptions: scripts, event handlers and ``javascript:`` links never reach the database.

Attack fragments (classic and mutation XSS, entity-encoded schemes, SVG/MathML, forms,
frames, meta refresh) are spliced into real recorded descriptions. Every payload carries
the marker ``PWN``, and only in places that execute (script bodies, handler attributes,
URLs, CSS), so whatever survives as safe markup or text never contains it. Checked:

* a real crawl of RemoteOK through the engine, and every board's description field
  through its real ``parse`` and the pipelines (Greenhouse's entity-escaped ``content``,
  Lever's description, lists and additional, Ashby's ``descriptionHtml``, a RemoteWLB
  page's JSON-LD ``description``);
* a property over random mixes of fragments and real text (hypothesis).

``description_html`` must parse to elements of the allow-list only, with no ``on*``
attribute and no link whose scheme is not http, https or mailto; neither it nor
``description_text`` may contain the marker, ``<script`` or ``javascript:``.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlsplit

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.normalize.text import html_to_text, sanitize_html
from crawler.tools.bench.corpus import derived_records
from tests.conftest import MIRROR
from tests.faultkit import Harness
from tests.test_faults_records import BOARDS, fresh, html_listing, real_records, shape

# An unclosed raw-text element: everything after it is swallowed, as HTML parsing says.
SWALLOWS = "<math><mtext><table><mglyph><style><img src=x onerror=PWN()>"
ATTACKS = [
    "<script>alert('PWN')</script>",
    "<SCRIPT SRC=//evil.example/PWN.js></SCRIPT>",
    "<img src=x onerror=\"alert('PWN')\">",
    "<a href=\"javascript:alert('PWN')\">click here</a>",
    '<a href="JaVaScRiPt:PWN()">mixed case</a>',
    '<a href="&#106;avascript:PWN()">entity-encoded scheme</a>',
    '<a href="&#x6A;&#x61;vascript&colon;PWN()">hex entities</a>',
    '<a href=" javascript:PWN()">leading space</a>',
    '<a href="java\tscript:PWN()">tab inside</a>',
    '<a href="data:text/html;base64,PWN">data URL</a>',
    '<a href="vbscript:PWN">vbscript</a>',
    '<div onclick="PWN()" style="background:url(javascript:PWN)">handlers and CSS</div>',
    "<svg onload=PWN()><circle r=1 /></svg>",
    '<iframe src="https://evil.example/PWN"></iframe>',
    "<style>body{background:url('https://evil.example/PWN')}</style>",
    '<form action="https://evil.example/PWN"><input name=q value=PWN></form>',
    '<object data="https://evil.example/PWN"></object><embed src="PWN.swf">',
    "<body onload=PWN()>",
    SWALLOWS,
    '<noscript><p title="</noscript><img src=x onerror=PWN()>">',
    "<!--<script>PWN()//-->",
    '<meta http-equiv="refresh" content="0;url=javascript:PWN()">',
    '<base href="javascript:PWN//">',
    '<a href="https://ok.example/jobs" onmouseover="PWN()">a fine link</a>',
    '<p onmouseover="PWN()">a paragraph with a handler</p>',
    "<template><script>PWN()</script></template>",
    # Left as inert text by a parser (a regex filter would rebuild "<script>"): no marker.
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
]
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto", ""}


def assert_safe(description_html: str | None, description_text: str | None) -> None:
    for value in (description_html or "", description_text or ""):
        assert "PWN" not in value
        assert "<script" not in value.lower()
        assert "javascript:" not in html.unescape(value).lower().replace(" ", "")
    if not description_html:
        return
    root = lxml.html.fragment_fromstring(description_html, create_parent="wrapper")
    for element in root.iterdescendants():
        if not isinstance(element.tag, str):  # comments are dropped by the sanitiser
            raise AssertionError(f"{element!r} left in {description_html!r}")
        assert element.tag in ALLOWED_TAGS, element.tag
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), name
            if name in ("href", "src"):
                assert urlsplit(value.strip()).scheme.lower() in SAFE_SCHEMES, value


def spliced(description: str, attacks: list[str]) -> str:
    """``description`` with ``attacks`` inserted after some of its tags, never first (an
    unclosed raw-text element such as ``<style>`` inside ``<math>`` swallows what follows,
    as HTML parsing says it must: the text before it shows the rest was kept) and never
    last (RemoteOK's closing anti-spam line is cut off with everything after it)."""
    parts = re.split(r"(?<=>)", description)
    for n, attack in enumerate(attacks):
        at = 1 + (n * 7919) % max(len(parts) - 1, 1)
        parts.insert(at, attack)
    return "".join(parts)


def test_a_real_crawl_stores_hostile_remoteok_descriptions_sanitised(crawl, make_replay, tmp_path):
    records = derived_records("remoteok", len(ATTACKS), seed=31)
    for record, attack in zip(records, ATTACKS, strict=True):
        record["description"] = spliced(record["description"], [attack, ATTACKS[0]])
    root = tmp_path / "mirror" / "remoteok.com"
    root.mkdir(parents=True)
    (root / "robots.txt").write_bytes((MIRROR / "remoteok.com" / "robots.txt").read_bytes())
    (root / "api").write_text(json.dumps([{"legal": "terms", "last_updated": 0}, *records]))
    result = crawl("remoteok", server=make_replay(tmp_path / "mirror"))
    assert result.returncode == 0, result.output
    rows = result.rows("SELECT description_html, description_text FROM jobs")
    assert len(rows) == len(ATTACKS)
    for row in rows:
        assert_safe(row["description_html"], row["description_text"])
    assert sum(bool(r["description_text"]) for r in rows) >= len(ATTACKS) - 1
    # Safe markup around the attacks survives: links to http(s) pages keep their href.
    assert any('href="https://ok.example/jobs"' in r["description_html"] for r in rows)


def _description_fields() -> dict[str, str]:
    """Each board's description field, derived (``RecordedShape.description_key``): a JSON
    board's is the key its mapper takes the description from, a JSON-LD posting's is
    ``description``. Boards whose records carry no description are not in it, nor are HTML
    boards (their listing rows carry none: ``tests/test_faults_records.py`` damages those)."""
    out = {}
    for board in BOARDS:
        if html_listing(board) is not None:
            continue
        recorded = shape(board)
        key = "description" if recorded is None else recorded.description_key
        if key:
            out[board] = key
    return out


DESCRIPTION_FIELD = _description_fields()


def test_every_board_with_descriptions_is_attacked():
    assert set(DESCRIPTION_FIELD) >= {"remoteok", "lever", "ashby", "greenhouse", "remotewlb"}
    assert DESCRIPTION_FIELD["greenhouse"] == "content"  # entity-escaped, as the API sends it


@pytest.mark.parametrize("board", sorted(DESCRIPTION_FIELD))
def test_every_board_stores_hostile_descriptions_sanitised(board, tmp_path):
    field = DESCRIPTION_FIELD[board]
    # Records with real text around the attack (a record whose description is only
    # RemoteOK's anti-spam line has nothing left once that line is cut).
    bases = [r for r in real_records(board) if len(str(r.get(field) or "")) > 400]
    bases = bases or real_records(board)
    records = []
    for n, attack in enumerate(ATTACKS):
        record = fresh(board, bases[n % len(bases)])
        original = record.get(field) or "<p>Real text.</p>"
        escaped = "&lt;" in original and "<" not in original  # entity-escaped HTML
        if escaped:
            original = html.unescape(original)
        value = spliced(original, [attack])
        record[field] = html.escape(value, quote=True) if escaped else value
        if board == "lever":  # Lever's other HTML fields are appended to the description
            record["lists"] = [{"text": "Duties", "content": f"<li>Ship</li>{attack}"}]
            record["additional"] = attack
        records.append(record)
    harness = Harness(board, tmp_path / "jobs.db")
    try:
        out = harness.run(records)
    finally:
        harness.close()
    assert out.rejects == [] and len(out.stored) == len(ATTACKS)
    for item, attack in zip(out.stored, ATTACKS, strict=True):
        assert_safe(item.description_html, item.description_text)
        if attack != SWALLOWS:  # the real text around the attack is kept
            assert item.description_text, attack


real_text = st.sampled_from(
    [r["description"] for r in derived_records("remoteok", 30, seed=41)]
    + ["<p>We hire <b>engineers</b> &amp; designers.</p>", "plain text, no markup"]
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.one_of(st.sampled_from(ATTACKS), real_text), min_size=1, max_size=6))
def test_any_mix_of_attacks_and_real_text_is_sanitised(pieces):
    markup = sanitize_html("".join(pieces))
    assert_safe(markup, html_to_text(markup))
