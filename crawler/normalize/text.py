"""Text cleaning: mojibake repair, HTML sanitising and HTML-to-text, whitespace, URLs."""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

import ftfy
import html_text
import lxml.etree
import nh3

# Characters that only show up in text when UTF-8 was decoded as cp1252/latin-1
# (â€™, Ã©, Â ...). Checking for them first lets clean ASCII and ordinary
# non-ASCII text skip ftfy entirely, which is the expensive call.
_MOJIBAKE_HINT = re.compile("[ÂÃâÅÆÐÑØð][\u0080-\u00ff\u0152-\u02dc\u2010-\u203a\u20ac\u2122]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Runs of spaces, tabs and Unicode spaces, except a lone " " (already what a run becomes):
# replacing every single space cost more than the rest of the cleaning.
_SPACE = r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]"
_SPACES = re.compile(rf"{_SPACE}(?:(?<! )|(?={_SPACE})){_SPACE}*")
_ODD_SPACE = re.compile(r"[\t\u00a0\u2000-\u200b\u202f\u205f\u3000]")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")

# The checks above, read on the UTF-8 bytes of a non-ASCII text: a character-class regex
# over a str costs ~4 ns a character (20 µs for a description, and a description was
# scanned six times), encoding it ~1 ns and a bytes search for a fixed lead byte less.
# In UTF-8 the C0 controls are single bytes, every _MOJIBAKE_HINT lead letter is \xc3 and
# a byte from its list, and every character of its second class starts with \xc2-\xcb or
# \xe2: a text without such a pair has no hint (with one, the str regex decides).
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20)) + b"\x7f"
_MOJIBAKE_HINT_BYTES = re.compile(b"\xc3[\x82\x83\xa2\x85\x86\x90\x91\x98\xb0][\xc2-\xcb\xe2]")
# _ODD_SPACE's characters in UTF-8.
_ODD_SPACE_BYTES = re.compile(b"\t|\xc2\xa0|\xe2\x80[\x80-\x8b\xaf]|\xe2\x81\x9f|\xe3\x80\x80")


def _has_control(data: bytes) -> bool:
    return len(data.translate(None, _CONTROL_BYTES)) != len(data)


def _c1_as_bytes(error: UnicodeError):
    """Encoding error handler: C1 code points (what latin-1 decoding makes of bytes 0x80-0x9F
    that cp1252 leaves undefined or that were decoded as latin-1) go back to those bytes."""
    if isinstance(error, UnicodeEncodeError):
        chunk = error.object[error.start : error.end]
        if all("\x80" <= char <= "\x9f" for char in chunk):
            return chunk.encode("latin-1"), error.end
    raise error


codecs.register_error("jobcrawl.c1", _c1_as_bytes)


def _undo_double_encoding(text: str) -> str | None:
    """``text`` re-read as the UTF-8 it was, if *all* of it was mis-decoded; else None.

    RemoteOK serves whole descriptions double-encoded (some characters through
    cp1252, some through latin-1). Undoing that with the codecs costs microseconds
    where ftfy costs milliseconds (2.4 ms for a 4 kB description, the crawl's
    hottest call); ftfy stays the fallback for mixed or partly broken text. The
    cp1252 codec with a C1 pass-through handler takes either decoding back to bytes
    in one C call (a ``str.translate`` table first cost 0.3 ms per description).
    """
    try:
        return text.encode("cp1252", errors="jobcrawl.c1").decode("utf-8")
    except UnicodeError:
        return None


# A JSON "\ud83d" escape without its pair (a string cut mid-emoji) decodes to a lone
# surrogate: no encoder accepts it (nh3, lxml and SQLite all raise), so it becomes U+FFFD.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _maybe_mojibake(text: str) -> bool:
    """``_MOJIBAKE_HINT.search(text)`` for a text without surrogates."""
    return bool(_MOJIBAKE_HINT_BYTES.search(text.encode("utf-8"))) and bool(
        _MOJIBAKE_HINT.search(text)
    )


def fix_mojibake(text: str) -> str:
    """Repair double-encoded UTF-8 (``â€™`` -> ``’``) and lone surrogates; cheap for text
    that needs neither."""
    if not text or text.isascii():
        return text
    try:
        data = text.encode("utf-8")  # fails on a surrogate, as _SURROGATE would find one
    except UnicodeEncodeError:
        text = _SURROGATE.sub("\ufffd", text)
        data = text.encode("utf-8")
    if not _MOJIBAKE_HINT_BYTES.search(data) or not _MOJIBAKE_HINT.search(text):
        return text
    fixed = _undo_double_encoding(text)
    if fixed is not None and not _maybe_mojibake(fixed):
        return unicodedata.normalize("NFC", fixed)
    # Keep typographic quotes: the fix is to repair text, not to restyle it.
    return ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)


def clean_line(text: str | None) -> str | None:
    """One-line text: mojibake fixed, entities decoded, controls dropped, spaces folded."""
    if text is None:
        return None
    text = str(text)
    if text.isascii() and text.isprintable() and "&" not in text and "  " not in text:
        return text.strip() or None  # nothing below would change it (tags, most titles)
    text = fix_mojibake(text)
    if "&" in text:
        text = html.unescape(text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()
    return text or None


def clean_block(text: str | None) -> str | None:
    """Multi-line text: like ``clean_line`` but keeps single blank lines between paragraphs."""
    if text is None:
        return None
    text = fix_mojibake(str(text)).replace("\r\n", "\n")
    data = text.encode("utf-8", "surrogatepass")
    if _has_control(data):
        text = _CONTROL.sub("", text)
    # _SPACES never spans a newline, so folding the whole text at once is folding each line;
    # extracted text rarely has a run to fold, and finding none is cheaper than the scan.
    if "  " in text or _ODD_SPACE_BYTES.search(data):
        text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return unicodedata.normalize("NFC", text) or None


# Tags a job description legitimately uses; everything else (script, style,
# iframe, forms, event handlers, javascript: links) is removed by nh3.
_ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRS = {"a": {"href", "title"}}
# Built once: ``nh3.clean`` builds a cleaner from its arguments on every call (~25 µs).
_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    attributes=_ALLOWED_ATTRS,
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow noopener",
)


def sanitize_html(markup: str | None) -> str | None:
    """Safe HTML: allow-listed tags, ``http(s)``/``mailto`` links only, no scripts or handlers."""
    if not markup:
        return None
    markup = fix_mojibake(markup)
    cleaned = _CLEANER.clean(markup).strip()
    return cleaned or None


_NO_SPACE_BEFORE = frozenset(',:;.!?")')
# What a tag's start or end puts between the text nodes around it: 1 a line break, 2 a
# blank line. Between two text nodes the most of these wins, whatever their order.
_BREAKS = {tag: 1 for tag in html_text.NEWLINE_TAGS} | {
    tag: 2 for tag in html_text.DOUBLE_NEWLINE_TAGS
}


def _layout_text(tree) -> str:
    """``html_text.etree_to_text(tree, guess_layout=True)``, the same output in half the time.

    html_text 0.7's algorithm: a line break around its newline tags, a blank line around
    its double-newline tags (never two blank lines), whitespace folded in each text node,
    and a space between text nodes unless the next starts with closing punctuation or the
    previous ends with "(". Its per-node regexes are replaced by ``str`` methods that read
    whitespace the same way, and its per-tag line breaks by the most any tag between two
    text nodes asks for (the same text: a blank line absorbs line breaks on either side).
    tests/test_normalize_shortcuts.py holds it to html_text on every recorded description.
    """
    chunks: list[str] = []
    append = chunks.append
    prev = ""  # the previous non-blank text node, as given ("" before the first)
    brk = 2  # the break asked for since it: nothing is written before the first text
    breaks = _BREAKS
    for event, element in lxml.etree.iterwalk(tree, events=("start", "end")):
        level = breaks.get(element.tag, 0)
        if level > brk:
            brk = level
        if event == "start":
            raw = element.text
        elif element is not tree:
            raw = element.tail
        else:
            break
        if not raw:
            continue
        text = " ".join(raw.split())
        if not text:
            continue
        if brk == 0:
            if prev[-1].isspace() or (text[0] not in _NO_SPACE_BEFORE and prev[-1] != "("):
                append(" ")
        elif brk == 1:
            append("\n")
        elif prev:
            append("\n\n")
        brk = 0
        append(text)
        prev = raw
    return "".join(chunks).strip()


def _parse_html(markup: str):
    """``html_text.parse_html`` with lxml's plain elements: lxml.html's element classes are
    chosen by a Python callback for every element the layout walk visits."""
    parser = lxml.etree.HTMLParser(recover=True, encoding="utf-8")
    body = markup.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    root = lxml.etree.fromstring(body, parser=parser)
    return root if root is not None else lxml.etree.fromstring(b"<html/>", parser=parser)


def _clean_layout(text: str) -> str | None:
    """``clean_block(text)`` for ``_layout_text``'s output, which is already stripped, folds
    every whitespace run inside a line to one space and never writes a space next to a
    newline or three newlines in a row: unless it holds a control character, a zero-width
    space (in _SPACES, but not whitespace to ``str.split``) or mojibake, only the NFC step
    of ``clean_block`` can change it."""
    if text.isascii():
        if _has_control(text.encode("ascii")):
            return clean_block(text)
    else:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a surrogate: fix_mojibake's to replace
            return clean_block(text)
        if _has_control(data) or b"\xe2\x80\x8b" in data or _MOJIBAKE_HINT_BYTES.search(data):
            return clean_block(text)
        text = unicodedata.normalize("NFC", text)
    return text or None


def html_to_text(markup: str | None, sanitized: bool = False) -> str | None:
    """Readable plain text of an HTML fragment (block elements become line breaks).

    ``sanitized``: the markup comes from ``sanitize_html``, so html_text's own cleaning
    pass (scripts, styles, comments, frames: all already gone) is skipped.
    """
    if not markup:
        return None
    if "<" not in markup:
        return clean_block(html.unescape(markup))
    if sanitized:
        return _clean_layout(_layout_text(_parse_html(markup)))
    return clean_block(html_text.extract_text(markup, guess_layout=True))


def canonical_url(url: str | None) -> str | None:
    """Trimmed URL, scheme and host lower-cased (``https://remoteOK.com/x`` -> ``remoteok.com``)."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url or None
    return urlunsplit(parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()))


def normalize_tags(tags) -> list[str]:
    """Lower-cased, trimmed, de-duplicated tags in first-seen order."""
    seen: dict[str, None] = {}
    for tag in tags or []:
        if not isinstance(tag, str):
            continue
        tag = clean_line(tag)
        if tag:
            seen.setdefault(tag.lower(), None)
    return list(seen)


def _in_place_lower(text: str) -> str | None:
    low = text.lower()
    if len(low) != len(text):
        return None
    if not low.isascii():
        low = low.replace("ı", "i").replace("ſ", "s")
    return low


@lru_cache(maxsize=8)
def lowered_in_place(text: str) -> str | None:
    """``lowered`` with every character where it was, or None if lower-casing moves them."""
    return _in_place_lower(text)


def folded(text: str) -> str:
    """``text`` lower-cased for keyword pre-checks in front of case-insensitive regexes.

    If ``(?i)…word…`` can match ``text`` (``word`` ASCII), then ``word in folded(text)``:
    besides ``str.lower`` it folds the three letters the regex engine also reads as ASCII
    ones (dotless ı and İ as i, long ſ as s).
    """
    low = text.lower()
    if not low.isascii():
        low = low.replace("ı", "i").replace("ſ", "s").replace("\u0307", "")  # İ -> i + ◌̇
    return low


def lowered(text: str) -> str:
    """``folded(text)`` for a description: it is read by several modules in a row, so the
    last few are kept."""
    low = lowered_in_place(text)
    return low if low is not None else folded(text)


def word_positions(text: str, words) -> list[int] | None:
    """Sorted offsets in ``text`` where any of the lower-case ASCII ``words`` starts, in any
    case (as a case-insensitive regex reads them); None when lower-casing moves offsets
    (a character such as İ lower-cases to two), so the caller must scan the whole text."""
    low = lowered_in_place(text)
    if low is None:
        return None
    found = set()
    for word in words:
        at = low.find(word)
        while at >= 0:
            found.add(at)
            at = low.find(word, at + 1)
    return sorted(found)


def line_starts(text: str) -> list[int]:
    """Offsets where ``^`` matches under ``re.M``: 0 and after every newline."""
    starts = [0]
    at = text.find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


_DIGIT = re.compile(r"\d")


def any_match(
    regex: re.Pattern,
    text: str,
    words,
    at_line_start: bool = False,
    at_digit: bool = False,
    cache: bool = True,
) -> bool:
    """``bool(regex.search(text))`` for a regex every match of which starts with one of
    ``words`` (lower-case ASCII, in any case), or at the start of a line (``at_line_start``),
    or at a digit (``at_digit``).

    A description is several kB; a case-insensitive regex that starts with ``\\b`` is tried
    at every character of it, while the words are found by ``str.find`` and the regex is
    only tried where one starts. ``cache=False`` for short texts read once (sentences),
    which would push the descriptions out of the lower-cased texts kept.
    """
    low = lowered_in_place(text) if cache else _in_place_lower(text)
    if low is None:
        return bool(regex.search(text))
    for word in words:
        at = low.find(word)
        while at >= 0:
            if regex.match(text, at):
                return True
            at = low.find(word, at + 1)
    if at_line_start and any(regex.match(text, at) for at in line_starts(text)):
        return True
    return at_digit and any(regex.match(text, m.start()) for m in _DIGIT.finditer(text))


def matches_from(regex: re.Pattern, text: str, starts) -> Iterator[re.Match]:
    """``regex.finditer(text)`` for a regex that never matches the empty string, when
    ``starts`` (ascending) holds every offset where one of its matches can begin: the
    regex is tried there only, not at every character."""
    end = 0
    for start in starts:
        if start >= end:
            match = regex.match(text, start)
            if match:
                yield match
                end = match.end()
