"""Text cleaning: mojibake repair, HTML sanitising and HTML-to-text, whitespace, URLs."""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

import ftfy
import html_text
import nh3

# Characters that only show up in text when UTF-8 was decoded as cp1252/latin-1
# (â€™, Ã©, Â ...). Checking for them first lets clean ASCII and ordinary
# non-ASCII text skip ftfy entirely, which is the expensive call.
_MOJIBAKE_HINT = re.compile("[ÂÃâÅÆÐÑØð][\u0080-\u00ff\u0152-\u02dc\u2010-\u203a\u20ac\u2122]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")


# cp1252's printable characters of 0x80-0x9F mapped back to those bytes (as the C1
# code points latin-1 decoding gives), so one ``encode("latin-1")`` undoes either decoding.
_CP1252_TO_C1 = {
    ord(bytes([b]).decode("cp1252")): b
    for b in range(0x80, 0xA0)
    if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)  # undefined in cp1252
}


def _undo_double_encoding(text: str) -> str | None:
    """``text`` re-read as the UTF-8 it was, if *all* of it was mis-decoded; else None.

    RemoteOK serves whole descriptions double-encoded (some characters through
    cp1252, some through latin-1). Undoing that with the codecs costs microseconds
    where ftfy costs milliseconds (2.4 ms for a 4 kB description, the crawl's
    hottest call); ftfy stays the fallback for mixed or partly broken text.
    """
    try:
        return text.translate(_CP1252_TO_C1).encode("latin-1").decode("utf-8")
    except UnicodeError:
        return None


def fix_mojibake(text: str) -> str:
    """Repair double-encoded UTF-8 (``â€™`` -> ``’``); cheap for text that needs none."""
    if not text or text.isascii() or not _MOJIBAKE_HINT.search(text):
        return text
    fixed = _undo_double_encoding(text)
    if fixed is not None and not _MOJIBAKE_HINT.search(fixed):
        return unicodedata.normalize("NFC", fixed)
    # Keep typographic quotes: the fix is to repair text, not to restyle it.
    return ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)


def clean_line(text: str | None) -> str | None:
    """One-line text: mojibake fixed, entities decoded, controls dropped, spaces folded."""
    if text is None:
        return None
    text = fix_mojibake(str(text))
    if "&" in text:
        text = html.unescape(text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()
    return text or None


def clean_block(text: str | None) -> str | None:
    """Multi-line text: like ``clean_line`` but keeps single blank lines between paragraphs."""
    if text is None:
        return None
    text = _CONTROL.sub("", fix_mojibake(str(text)).replace("\r\n", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
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


def sanitize_html(markup: str | None) -> str | None:
    """Safe HTML: allow-listed tags, ``http(s)``/``mailto`` links only, no scripts or handlers."""
    if not markup:
        return None
    markup = fix_mojibake(markup)
    cleaned = nh3.clean(
        markup,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRS,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    ).strip()
    return cleaned or None


def html_to_text(markup: str | None) -> str | None:
    """Readable plain text of an HTML fragment (block elements become line breaks)."""
    if not markup:
        return None
    if "<" not in markup:
        return clean_block(html.unescape(markup))
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
