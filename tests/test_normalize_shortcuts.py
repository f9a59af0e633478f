"""The normaliser's shortcuts give what the plain scans give, on every recorded description.

The normaliser skips work that cannot change a result: regexes are tried only where their
matches can start (``any_match``, ``matches_from`` with start words beside each regex), or
not at all when a word every match holds is absent (``lowered``), pay is looked for only
in sentences with a digit, country names are one merged-prefix regex. Each shortcut is held
here to the plain scan it replaces, over the real descriptions of every board fixture (and
each of their paragraphs), so a regex edited without its start words fails here.
"""

from __future__ import annotations

import random
import re
import sys

import html_text
import pytest

from crawler.normalize import employment, location, remote, salary, seniority
from crawler.normalize.text import (
    _layout_text,
    _parse_html,
    _undo_double_encoding,
    any_match,
    clean_block,
    folded,
    line_starts,
    lowered,
    matches_from,
    sanitize_html,
)
from crawler.tools.accuracy import BOARDS
from pipelines.clean import clean_item

# Letters the regex engine folds in ways str.lower does not, and a character that
# lower-cases to two (so offsets move).
_TRICKY = [
    "REMOTE (İstanbul) — NOT REMOTE, HYBRİD ROLE",
    "fully remote in Kıbrıs, ſalary: 80,000-90,000 EUR per year, 5+ years of experıence",
    "Kelvin K: part-tıme, contract baſis, Location: Onsite",
    "Job type: Full-time\nWork location: hybrid\n3 days a week in the office",
]


# One phrase for each alternative of the regexes above, so each start word is needed.
_PHRASES = [
    "No remote work", "this is not a fully remote role", "remote work is not possible",
    "the position is not remote", "Work arrangement: flexible hybrid", "this role is a hybrid",
    "a hybrid position", "2 days a week in the office", "three times per week at our office",
    "in-office 3 days", "within commuting distance", "Location: On-site",
    "this position is fully onsite", "an in-person role", "in person 5 days a week",
    "fully remote", "100% remote", "a remote position", "this job is 100% remote",
    "Work location: remote", "working remotely", "WFH", "#LI-Remote", "remote-first",
    "Remote (Full-time)", "anywhere in the world", "globally remote", "remote - worldwide",
    "worldwide remote", "no location restrictions", "location-independent",
    "work from anywhere", "an internship", "an intern position", "a temporary position",
    "(temporary)", "fixed-term", "a seasonal job", "on a contract basis", "(contractor)",
    "as an independent contractor", "independent contractor", "contractor agreement",
    "Freelance", "a freelance project", "as a freelancer", "(freelance)", "contract-to-hire",
    "B2B contract", "part-time", "hiring a senior full-time engineer", "a full-time role",
    "Remote (full-time)", "Job type: Contract", "based in Germany",
    "open to candidates in Spain", "Remote (US)", "remotely from Canada",
    "commuting distance of Tokyo", "anywhere in Europe", "a US-based role", "Remote - AMER",
    "NAMER", "LatAm", "the Americas", "South America", "EU only", "E.U.", "European Union",
    "EMEA", "MENA", "the Middle East", "Africa", "APJ", "Asia-Pacific", "APAC", "Asia",
    "Oceania", "world wide", "a U.S.-based position", "an x.y.z-based, remote role",
    "some on-site time", "split your time between home and our office",
    "a mix of remote and in-office work", "This role will be based in our Paris office",
    "open to remote candidates", "a 1099 contract", "a full-time contractor",
    "on a full-time basis", "hire a full-time designer", "Remote Locations: Spain",
    "the role is a hybrid", "regular in-office days", "partial in-person presence",
    "relocation support to our Austin office", "able to hire in Spain", "based at our Denver HQ",
    "hiring engineers in Poland", "we employ staff from Chile",
]  # fmt: skip


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Every recorded description as the pipeline cleans it, each paragraph and line of it,
    and each phrase above alone, at a line's start and in the middle of a sentence."""
    found: list[str] = list(_TRICKY)
    for phrase in _PHRASES:
        found += [phrase, f"About us.\n{phrase}.", f"We offer much, {phrase.lower()} and more."]
    for load in BOARDS.values():
        for item in load():
            text = clean_item(item).description_text
            if text:
                found.append(text)
                found += [part for part in text.split("\n\n") if part.strip()]
    assert len(found) > 500
    return found


@pytest.fixture(scope="module")
def markups() -> list[str]:
    return [
        item.description_html
        for load in BOARDS.values()
        for item in load()
        if isinstance(item.description_html, str)
    ]


SEARCHES = [
    (remote._NEGATED, remote._NEGATED_STARTS, {}),
    (remote._HYBRID, remote._HYBRID_STARTS, {"at_line_start": True, "at_digit": True}),
    (remote._ONSITE, remote._ONSITE_STARTS, {"at_line_start": True}),
    (remote._REMOTE, remote._REMOTE_STARTS, {"at_line_start": True}),
    (location._ANYWHERE_RE, location._ANYWHERE_STARTS, {}),
    *[
        (regex, employment._TEXT_STARTS[kind], {"at_line_start": kind == "contract"})
        for kind, regex in employment._TEXT.items()
    ],
]


@pytest.mark.parametrize("regex, words, where", SEARCHES)
def test_a_regex_tried_where_its_matches_start_finds_what_a_full_search_finds(
    texts, regex, words, where
):
    for text in texts:
        assert any_match(regex, text, words, **where) == bool(regex.search(text)), text[:200]


def test_statements_and_labels_are_found_as_a_full_scan_finds_them(texts):
    for text in texts:
        starts = location._statement_starts(text)
        assert starts is None or [m.span() for m in location._STATEMENT.finditer(text)] == [
            m.span() for m in matches_from(location._STATEMENT, text, starts)
        ]
        assert [m.span() for m in employment._LABEL.finditer(text)] == [
            m.span() for m in matches_from(employment._LABEL, text, line_starts(text))
        ]


WORD_CHECKS = [
    (remote._ONSITE, remote._ONSITE_WORDS),
    (location._ANYWHERE_RE, location._ANYWHERE_WORDS),
    (employment._LABEL, employment._LABEL_WORDS),
    *[(regex, employment._TEXT_WORDS[kind]) for kind, regex in employment._TEXT.items()],
    *[(regex, location._REGION_WORDS[name]) for name, regex in location._REGION_RES.items()],
]


@pytest.mark.parametrize("regex, words", WORD_CHECKS)
def test_a_text_a_regex_matches_holds_one_of_its_words(texts, regex, words):
    for text in texts:
        if regex.search(text):
            assert any(word in lowered(text) for word in words), text[:200]
            assert any(word in folded(text) for word in words), text[:200]


def test_lowered_reads_every_character_a_case_insensitive_regex_reads_as_ascii():
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for char in re.findall(f"(?i){letter}", everything):
            assert lowered(char) == folded(char) == letter, (letter, char)
    assert "hybrid" in lowered("HYBRİD") and "salary" in lowered("ſalary")


def test_merged_country_names_match_what_the_longest_first_alternation_matches(texts):
    for table, merged in (
        (location._country_names(), location._country_regex()),
        (location._subdivisions()[0], location._subdivision_regex()),
    ):
        plain = re.compile(
            r"(?<!\w)("
            + "|".join(re.escape(name) for name in sorted(table, key=len, reverse=True))
            + r")(?!\w)",
            re.IGNORECASE,
        )
        names = [name.title() for name in table] + [f"{name.upper()}, x" for name in table]
        for text in texts + names + ["Kıbrıs", "KİRİBATİ", "New Mexico", "Papua New Guinea"]:
            assert [m.span() for m in merged.finditer(text)] == [
                m.span() for m in plain.finditer(text)
            ]


def test_pay_amounts_are_the_atoms_a_full_scan_finds(texts):
    for text in texts:
        for line in text.split("\n"):
            assert [m.span() for m in salary._atoms(line)] == [
                m.span() for m in salary._ATOM_RE.finditer(line)
            ]


def _every_sentence(text: str):
    """The pay reader's sentences as first written: all pieces, blank ones dropped."""
    pieces, offset = [], 0
    for line in text.split("\n"):
        start = 0
        for match in re.finditer(r"(?<=[a-z0-9)\]])[.!?](?=\s+[A-Z(])", line):
            pieces.append((offset + start, line[start : match.end()]))
            start = match.end()
        pieces.append((offset + start, line[start:]))
        offset += len(line) + 1
    return [(o, s) for o, s in pieces if s.strip()]


def test_pay_sentences_with_digits_keep_the_sentence_before_them(texts):
    rng = random.Random(7)
    alphabet = ["a", "B", "1", ".", " ", "\n", "\n", "\t", "\u2028", "\r", "(", "x"]
    samples = texts + ["".join(rng.choices(alphabet, k=rng.randint(0, 30))) for _ in range(20000)]
    for text in samples:
        expected, previous = [], ""
        for offset, sentence in _every_sentence(text):
            if re.search(r"\d", sentence):
                expected.append((offset, sentence, previous))
            previous = sentence
        assert list(salary._sentences(text)) == expected


def test_experience_sentences_split_as_before(texts):
    rng = random.Random(5)
    alphabet = ["a", "B", ".", "!", "?", " ", "\n", "\t", "\u00a0"]
    samples = texts + ["".join(rng.choices(alphabet, k=12)) for _ in range(20000)]
    for text in samples:
        assert seniority._SENTENCE_BREAK.split(text) == re.split(r"(?<=[.!?])\s+|\n", text)


def test_whitespace_runs_fold_as_before():
    rng = random.Random(3)
    alphabet = [" ", "\t", "\u00a0", "\u2003", "\u200b", "\u3000", "a", "\n", "-"]
    plain = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
    for _ in range(20000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 12)))
        assert clean_block(text) == clean_block_plain(text, plain)


def clean_block_plain(text, spaces):
    from crawler.normalize.text import _BLANK_LINES, _CONTROL, fix_mojibake

    text = _CONTROL.sub("", fix_mojibake(text).replace("\r\n", "\n"))
    lines = [spaces.sub(" ", line).strip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return text or None


def test_double_encoding_is_undone_as_the_cp1252_and_latin1_tables_undo_it():
    table = {
        ord(bytes([b]).decode("cp1252")): b
        for b in range(0x80, 0xA0)
        if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
    }
    for code in range(0x3000):
        char = chr(code)
        try:
            expected = char.translate(table).encode("latin-1").decode("utf-8")
        except UnicodeError:
            expected = None
        assert _undo_double_encoding(char) == expected
    assert _undo_double_encoding("Weâ€™re hiring at ZÃ³calo") == "We’re hiring at Zócalo"
    assert _undo_double_encoding("\u00e2\u0080\u0099") == "’"  # the latin-1 reading


def test_layout_of_sanitised_descriptions_is_html_texts(markups):
    tricky = [
        "<p>a (<b>b</b>) c</p><h2>, x</h2>",
        "<div>x<br>y</div><ul><li>(</li><li>z</li></ul><p>foo (\n</p><span>bar</span>",
        "<p>\u00a0a\u2003b\u200bc</p><table><tr><td>1</td><td>2</td></tr></table>",
    ]
    for markup in markups + tricky:
        safe = sanitize_html(markup)
        if safe and "<" in safe:
            expected = html_text.etree_to_text(html_text.parse_html(safe), guess_layout=True)
            assert _layout_text(_parse_html(safe)) == expected


def test_cached_location_readings_hand_out_sets_of_their_own():
    first = location.regions_in("Remote - EMEA")
    first.add("changed")
    assert location.regions_in("Remote - EMEA") == {"EMEA"}
    assert location.location_field_countries("Berlin, Germany") == {"DE"}
