"""Base spider for boards that answer with JSON.

A board spider subclasses ``JsonApiSpider`` and fills in, at most, these hooks:

``start_urls`` / ``start_requests()``
    Where to start. Override ``start_requests()`` (a plain generator) to build
    requests from data, e.g. one per configured company; put anything the mapper
    needs about the request (company slug, region...) in ``meta["board"]``.
``records_key``
    Where the records are: ``"offers"`` for an answer ``{"offers": [...]}`` (anything
    else is an unexpected shape). Default ``None``: ``data`` itself when it is a list,
    else ``data["jobs"]``.
``records(data, response)``
    Pick the records out of a parsed response (default: by ``records_key``). Skip
    non-job elements *by shape* here. May also yield follow-up ``scrapy.Request``
    objects (pagination).
``map_record``
    A **pure function** ``(record: dict, board: dict) -> JobPosting`` (assign a
    module-level function with ``staticmethod``). No I/O, no spider state: it is
    unit-tested on saved fixtures. Raise ``ValueError``/``KeyError``/``TypeError``
    for a record that cannot be mapped; return ``None`` for one that is
    deliberately skipped (e.g. Ashby's unlisted jobs).
``patch_item(item, record, response)``
    Optional last touch on the item with access to the response; default: none.
``record_url_field``
    The record key holding the posting's URL (default ``"url"``), so that a
    ``Reject`` points at the posting rather than at the whole API response.
``handle_error_response(response)``
    What to do with a non-200 answer (default below).
``complete_listing``
    Class attribute for the posting lifecycle (``crawler/store/lifecycle.py``): True when
    a listing (the board, or one company's board: ``meta["board"]["company_slug"]``)
    lists *every* open posting, so that a posting absent from healthy listings can
    be closed; False (the default) when it shows only a window (RemoteOK's latest
    ~100), where absence means nothing.

Boards where one platform hosts many companies (Lever, Greenhouse, Ashby)
use ``crawler.sources.platform.PlatformSpider``, a subclass that adds the company list.

What the base does for every board:

* parses the body as JSON (an invalid UTF-8 byte becomes U+FFFD and is counted as
  ``jobcrawl/bad_utf8``: one bad byte does not cost the whole answer), or as XML for a feed
  that declares ``body_format = "XML"`` and ``load_body = staticmethod(load_xml_body)``
  (``xml_data`` says what a document becomes; entities are never resolved, nothing is
  fetched); a body that is not JSON/XML (or nested too deep to parse) is logged, counted
  (``jobcrawl/bad_json``) and kept as a ``Reject`` with the URL and reason;
* a non-200 response is handed to ``handle_error_response`` (default: logged,
  counted as ``jobcrawl/http_error/<status>``) and the crawl goes on;
* a record whose mapping raises becomes a ``Reject`` (source, URL, reason and
  the raw record) and the other records go on; a ``None`` is counted as skipped;
* stamps ``source`` (the spider's ``name``) and ``scraped_at`` on each item
  (``crawler.sources.mapping.map_records``, the loop every base spider shares).

Spiders never normalise, clean or store: pipelines do.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import scrapy
from lxml import etree

from crawler.sources.items import JobPosting, Reject
from crawler.sources.mapping import MAPPING_ERRORS, map_records

logger = logging.getLogger(__name__)


def load_json_body(body: bytes, stats=None) -> Any:
    """Parse a JSON answer. Invalid UTF-8 bytes (one mangled character in a description)
    become U+FFFD, counted as ``jobcrawl/bad_utf8``, instead of making the whole answer
    unreadable. A document nested too deep for the parser raises ``ValueError``."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = body.decode("utf-8-sig", "replace")
        if stats is not None:
            stats.inc_value("jobcrawl/bad_utf8")
    try:
        return json.loads(text)
    except RecursionError:
        return _load_shallow(text)


@dataclass(frozen=True)
class TooDeep:
    """A JSON value nested too deeply for the parser: one record that becomes a ``Reject``."""

    raw: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xml_data(element) -> Any:
    """An XML element as plain data (pure): an element without child elements is its text
    (stripped); one whose children all share a tag, and are several or sit in a plural
    container (``<offices><office>``), is the list of them; any other is an object of its
    children by local name (namespace dropped), a tag repeated among others becoming a list.
    Attributes are not read."""
    children = [c for c in element if isinstance(c.tag, str)]
    if not children:
        return (element.text or "").strip()
    tags = [_local(c.tag) for c in children]
    if len(set(tags)) == 1 and (len(children) > 1 or _local(element.tag).endswith("s")):
        return [xml_data(c) for c in children]
    out: dict[str, Any] = {}
    for tag, child in zip(tags, children, strict=True):
        value = xml_data(child)
        if tag in out:
            out[tag] = [*out[tag], value] if isinstance(out[tag], list) else [out[tag], value]
        else:
            out[tag] = [value] if tags.count(tag) > 1 else value
    return out


def load_xml_body(body: bytes, stats=None) -> Any:
    """An XML document as ``{root tag: xml_data(root)}``; ``ValueError`` when it is not
    well-formed XML. External entities are never resolved and nothing is fetched."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(str(exc)) from None
    if root is None:
        raise ValueError("empty document")
    return {_local(root.tag): xml_data(root)}


def _members(text: str, start: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each element (or ``key: value`` member) of the array or object opening
    at ``text[start]``, found by a plain scan (no recursion, whatever the nesting)."""
    depth, in_string, escaped, begin = 0, False, False, start + 1
    for i in range(start, len(text)):
        c = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                if text[begin:i].strip():
                    yield begin, i
                return
        elif c == "," and depth == 1:
            yield begin, i
            begin = i + 1
    raise ValueError("unterminated JSON document")


def _value(text: str, level: int = 0) -> Any:
    """``text`` parsed; a record nested too deeply becomes ``TooDeep`` instead of costing the
    whole document. Records are the elements of a top-level array, or of an array that is
    a member of a top-level object (``{"jobs": [...]}``): only those levels are split (by
    ``_members``), so a record is kept or rejected whole, never stored without a part."""
    try:
        return json.loads(text)
    except RecursionError:
        stripped = text.strip()
        kind = stripped[:1]
        if not (kind == "[" and level < 2 or kind == "{" and level == 0):
            return TooDeep(stripped[:RAW_PREVIEW])
        offset = text.index(kind)
        spans = list(_members(text, offset))
        if kind == "[":
            return [_value(text[a:b], 2) for a, b in spans]
        out = {}
        for a, b in spans:
            key, _colon, rest = text[a:b].partition(":")
            out[json.loads(key)] = _value(rest, level + 1)
        return out


def _load_shallow(text: str) -> Any:
    data = _value(text)
    if isinstance(data, TooDeep):
        raise ValueError("nested too deeply to parse")
    return data


RAW_PREVIEW = 2000  # characters of a too-deep record kept in its reject


def snippet(response, size: int = 200) -> str:
    """The start of a body for a log line; works for binary (non-text) responses too."""
    return response.body[:size].decode("utf-8", "replace")


class JsonApiSpider(scrapy.Spider):
    """Crawl a JSON API and map each record to a ``JobPosting`` (see module doc)."""

    # Statuses that reach ``parse`` instead of being filtered by Scrapy, so that a
    # board's "unknown company" answer is logged and counted rather than lost.
    handle_httpstatus_list = [404, 410]
    map_record: Any = None
    body_format = "JSON"
    load_body: Any = staticmethod(load_json_body)
    record_url_field = "url"
    records_key: str | None = None

    async def start(self):
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterable[scrapy.Request]:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, meta={"board": {}})

    def records(self, data: Any, response) -> Iterable[Any]:
        key = self.records_key
        if key is not None:
            if not isinstance(data, dict) or not isinstance(data.get(key), list):
                raise ValueError(f"expected an object with a list under {key!r}")
            return data[key]
        if isinstance(data, list):
            return data
        if isinstance(data, dict) and isinstance(data.get("jobs"), list):
            return data["jobs"]
        raise ValueError(
            f"expected a JSON list or an object with 'jobs', got {type(data).__name__}"
        )

    def patch_item(self, item: JobPosting, record: Any, response) -> JobPosting:
        return item

    def handle_error_response(self, response) -> Iterator[Any]:
        self.crawler.stats.inc_value(f"jobcrawl/http_error/{response.status}")
        self.logger.error(
            "%s answered HTTP %s: %s", response.url, response.status, snippet(response)
        )
        return iter(())

    def parse(self, response, **kwargs) -> Iterator[Any]:
        if response.status != 200:
            yield from self.handle_error_response(response)
            return
        stats = self.crawler.stats
        try:
            data = self.load_body(response.body, stats)
        except ValueError as exc:
            stats.inc_value("jobcrawl/bad_json")
            self.logger.error("%s: body is not %s (%s)", response.url, self.body_format, exc)
            yield Reject(
                self.name,
                response.url,
                f"body is not {self.body_format}: {exc}",
                response.body.decode("utf-8", "replace"),
            )
            return
        board = response.meta.get("board", {})
        try:
            records = list(self.records(data, response))
        except MAPPING_ERRORS as exc:
            stats.inc_value("jobcrawl/bad_shape")
            kind = self.body_format
            self.logger.error("%s: unexpected %s shape (%s)", response.url, kind, exc)
            yield Reject(self.name, response.url, f"unexpected {kind} shape: {exc}", data)
            return
        mappable = []
        for record in records:
            if isinstance(record, scrapy.Request):
                yield record
            elif isinstance(record, TooDeep):
                stats.inc_value("jobcrawl/mapping_errors")
                reason = "record nested too deeply to read"
                self.logger.warning("%s: %s", response.url, reason)
                yield Reject(self.name, response.url, reason, record.raw)
            else:
                mappable.append((record, board, self.reject_url(record, response)))
        yield from map_records(
            self,
            self.map_record,
            mappable,
            where=response.url,
            source=self.name,
            patch=lambda item, record: self.patch_item(item, record, response),
        )

    def reject_url(self, record: Any, response) -> str:
        """Where a record's reject points: its ``record_url_field`` when that is text, else
        the response (a broken record's URL field may hold anything)."""
        url = record.get(self.record_url_field) if isinstance(record, dict) else None
        return url if isinstance(url, str) and url.strip() else response.url
