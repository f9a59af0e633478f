"""Import job pages saved as Markdown: ``scrapy crawl archive -a path=DIR`` reads every ``*.md``.

``path`` is a folder (searched recursively), one file, or a ``file://`` URL. Files are read
from disk; no request is made. Three layouts are recognised:

* **YAML front matter** (``---`` ... ``---``, then a Markdown or HTML body): ``title``, ``date``
  or ``timestamp`` (epoch ms), ``company``/``companyName`` (or ``summary`` when it is just a
  name, as RemoteOK archives use it), ``location``, ``tags``/``hashtags``, ``url``,
  ``applyUrl``, ``salary``; other keys go to ``extras``.
* **RemoteWLB's Markdown mirror**: ``# [Title](https://www.remotewlb.com/apply/<slug>)``, then
  ``### Company`` and ``#### 🌎 Location`` lines, the body, and a closing apply link (dropped).
* **A plain document** whose first lines are ``Key: value`` pairs (optionally under a
  ``# Title`` heading, keys may be bold): Title, Company, Location, Salary, Job Type, Posted,
  Deadline, Remote, Tags, Department, URL, Apply; the rest is the body.

Source: the originating board when a link in the file reveals it (RemoteWLB, RemoteOK, Lever,
Greenhouse, Ashby) and the board's own id for the posting, so an archived posting and the same
posting crawled live are one row. Otherwise ``archive``, with an id hashed from the posting's
URL, or from its title, company and date: re-importing a file never adds a row.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import scrapy
import yaml
from markdown_it import MarkdownIt

from crawler.sources.boards import SpiderConfigError
from crawler.sources.items import JobPosting, Reject
from crawler.sources.jsonapi import utc_now_iso

# Raw HTML in a body is passed through; the clean pipeline sanitises it like any board's HTML.
_MARKDOWN = MarkdownIt("commonmark", {"html": True})
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_TITLE_LINK = re.compile(r"^#\s+\[(?P<title>.+)\]\((?P<url>[^)\s]+)\)\s*$")
_HEADING = re.compile(r"^#{1,2}\s+(.+?)\s*#*\s*$")
# "Key: value", "**Key:** value" or "**Key**: value".
_KEY_VALUE = re.compile(
    r"^\s*[*_]{0,2}([A-Za-z][A-Za-z /_-]{0,30}?)[*_]{0,2}\s*:\s*[*_]{0,2}\s*(.*?)\s*$"
)
_CLOSING_APPLY = re.compile(r"^#{1,3}\s*CLICK TO \[APPLY\]\([^)]*\)\s*$", re.M | re.I)
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

PLAIN_KEYS = {
    "title": "title", "position": "title", "role": "title", "job title": "title",
    "company": "company", "employer": "company", "company name": "company",
    "organization": "company", "organisation": "company",
    "location": "location", "locations": "location", "region": "location",
    "salary": "salary", "compensation": "salary", "pay": "salary", "salary range": "salary",
    "job type": "employment_type", "employment type": "employment_type", "type": "employment_type",
    "commitment": "employment_type", "contract": "employment_type",
    "remote": "remote", "workplace": "remote", "workplace type": "remote",
    "posted": "posted", "date": "posted", "date posted": "posted", "posted on": "posted",
    "published": "posted",
    "deadline": "valid_through", "valid through": "valid_through", "closes": "valid_through",
    "apply by": "valid_through",
    "tags": "tags", "skills": "tags", "keywords": "tags",
    "department": "department", "team": "department",
    "url": "url", "link": "url", "job url": "url", "source": "url",
    "apply": "apply", "apply url": "apply", "apply link": "apply",
}  # fmt: skip
_SKIP_EXTRAS = {"images", "image", "logo", "logourl", "companylogo"}


FRONT_MATTER_MAX_CHARS = 64 * 1024


class NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors' aliases: a few hundred bytes of nested aliases
    ("billion laughs") expand to gigabytes. Front matter of a job page never needs them."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases are not accepted in front matter", event.start_mark
            )
        return super().compose_node(parent, index)


# --- recognising the board a file came from --------------------------------------------------


def board_ref(url: str | None) -> tuple[str, str | None, str | None] | None:
    """(board, the board's id for the posting or None, company handle or None) for a URL.

    Ids are spelled as the board's spider spells its ``source_id`` (Lever, Greenhouse and Ashby:
    ``<company handle>/<id>``), so an archived posting lands on the live posting's row.
    """
    if not url or not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = unquote(parts.path)
    if host == "remotewlb.com":
        m = re.match(r"^/(?:apply|job)/([^/]+)/?$", path)
        return "remotewlb", m.group(1) if m else None, None
    if host in ("remoteok.com", "remoteok.io"):
        m = re.search(r"(?:^/l/|-|^/remote-jobs/)(\d+)/?$", path)
        return "remoteok", m.group(1) if m else None, None
    if host in ("jobs.lever.co", "jobs.eu.lever.co"):
        m = re.match(rf"^/([^/]+)/({_UUID})", path)
        site = path.strip("/").split("/")[0] or None
        return "lever", f"{site}/{m.group(2)}" if m else None, site
    if host in ("boards.greenhouse.io", "job-boards.greenhouse.io"):
        m = re.match(r"^/([^/]+)/jobs/(\d+)", path)
        return "greenhouse", "/".join(m.groups()) if m else None, m.group(1) if m else None
    if host == "jobs.ashbyhq.com":
        m = re.match(rf"^/([^/]+)/({_UUID})", path)
        return "ashby", "/".join(m.groups()) if m else None, m.group(1) if m else None
    return None


def _identity(urls: list[str | None], fields: dict) -> tuple[str, str, str | None]:
    """(source, source_id, company handle) from the file's links, else a stable hash."""
    refs = [ref for ref in map(board_ref, urls) if ref]
    with_id = next((ref for ref in refs if ref[1]), None)
    if with_id:
        return with_id
    if refs and refs[0][0] == "remoteok" and fields.get("remoteok_post"):
        # RemoteOK archives name the post `/post-<RemoteOK id>/` and reveal the board only
        # through its logo URL.
        return "remoteok", fields["remoteok_post"], None
    source = refs[0][0] if refs else "archive"
    own_url = next((u for u in urls if isinstance(u, str) and u.startswith("http")), None)
    key = own_url or "|".join(str(fields.get(k) or "") for k in ("title", "company", "posted"))
    if not key.strip("|"):
        key = fields.get("body") or ""
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    return source, f"md-{digest}", refs[0][2] if refs else None


# --- text helpers ----------------------------------------------------------------------------


def repair_macroman(text: str) -> str:
    """Undo UTF-8 that was decoded as Mac Roman (``üåé`` for 🌎, ``‚Ä¢`` for •), file-wide.

    Some archives were saved through a Mac Roman round trip. Re-encoding the whole file and
    decoding it as UTF-8 only succeeds when every non-ASCII character is such mojibake, so a
    correctly encoded file is returned untouched.
    """
    if text.isascii():
        return text
    try:
        return text.encode("mac_roman").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _strip_markers(text: str) -> str | None:
    """``` `🌎 Portugal` ``` -> ``Portugal``: backticks and leading emoji/symbols removed."""
    text = text.strip().strip("`").strip()
    while text and (  # a currency sign ("$170,000") is the value's, not a marker
        unicodedata.category(text[0])[0] in "SZC"
        and unicodedata.category(text[0]) != "Sc"
        or text[0] in "\ufe0f\u200d"
    ):
        text = text[1:].lstrip()
    return text or None


def _scalar(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_scalar(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _scalar(v) for k, v in value.items()}
    return value


def _text(value: Any) -> str | None:
    value = _scalar(value)
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None


def _tags(*values: Any) -> list[str]:
    tags: list[str] = []
    for value in values:
        items = value if isinstance(value, list) else str(value or "").split(",")
        tags += [str(t).strip().lstrip("#").strip() for t in items if str(t).strip()]
    return [t for t in tags if t]


def _html(body: str) -> str | None:
    body = _CLOSING_APPLY.sub("", body).strip()
    if not body:
        return None
    return _MARKDOWN.render(body).strip() or None


# --- the three layouts -----------------------------------------------------------------------


def _from_front_matter(meta: dict, body: str) -> dict:
    def pick(*keys):
        return next((meta[k] for k in keys if meta.get(k) not in (None, "", [])), None)

    company = _text(pick("company", "companyName", "company_name", "hiringOrganization"))
    summary = _text(meta.get("summary"))
    used = {"title", "company", "companyName", "company_name", "hiringOrganization", "location",
            "candidate_required_location", "tags", "hashtags", "url", "link", "applyUrl",
            "apply_url", "date", "datePosted", "timestamp", "salary", "employmentType",
            "employment_type", "remote", "validThrough", "department"}  # fmt: skip
    if company is None and summary and len(summary) <= 60 and not summary.endswith("."):
        company = summary  # RemoteOK archives put the company in `summary`
        used.add("summary")
    location = pick("location", "candidate_required_location")
    post = re.fullmatch(r"/?post-(\d+)/?", str(meta.get("path") or ""))
    extras = {
        k: _scalar(v)
        for k, v in meta.items()
        if k not in used and k.lower() not in _SKIP_EXTRAS and v not in (None, "", [])
    }
    return {
        "title": _text(meta.get("title")),
        "company": company,
        "location": " | ".join(map(str, location)) if isinstance(location, list) else location,
        "tags": _tags(meta.get("tags"), meta.get("hashtags")),
        "url": _text(pick("url", "link")),
        "apply": _text(pick("applyUrl", "apply_url")),
        # `date` is ISO with an offset; `timestamp` (epoch ms) when there is no date.
        "posted": _text(pick("date", "datePosted", "timestamp")),
        "valid_through": _text(meta.get("validThrough")),
        "salary": _text(meta.get("salary")),
        "employment_type": _text(pick("employmentType", "employment_type")),
        "remote": _text(meta.get("remote")),
        "department": _text(meta.get("department")),
        "remoteok_post": post.group(1) if post else None,
        "other_urls": [v for v in map(_text, meta.values()) if v and v.startswith("http")]
        + [u for u in (meta.get("images") or []) if isinstance(u, str)],
        "extras": extras,
        "body": body,
    }


def _from_remotewlb(lines: list[str]) -> dict:
    title = _TITLE_LINK.match(lines[0].strip())
    fields: dict[str, Any] = {"title": title.group("title").strip(), "apply": title.group("url")}
    rest = lines[1:]
    if rest and rest[0].startswith("### "):
        company = rest.pop(0)[4:].strip()
        fields["company"] = None if company in ("", "None") else company  # "None" = unknown
    if rest and rest[0].startswith("####"):
        fields.update(_remotewlb_chips(rest.pop(0)[4:]))
    fields["body"] = "\n".join(rest)
    return fields


_CHIP = re.compile(r"`([^`]*)`")


def _remotewlb_chips(line: str) -> dict:
    """The line under the company, backticked chips: 💰 ``$170,000 - $210,000``, 🌎 ``Remote``.

    Each backticked chip is one value: 💰 is the pay, 🌎 the location (a line without chips
    is the location).
    """
    chips = _CHIP.findall(line)
    if not chips:
        return {"location": _strip_markers(line)}
    fields: dict[str, Any] = {}
    for chip in chips:
        value = _strip_markers(chip)
        if "\U0001f4b0" in chip:  # 💰
            fields["salary"] = value
        else:
            fields.setdefault("location", value)
    return fields


def _from_plain(lines: list[str]) -> dict:
    fields: dict[str, Any] = {"extras": {}}
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and (heading := _HEADING.match(lines[i].strip())):
        link = _MD_LINK.fullmatch(heading.group(1))
        fields["title"] = link.group(1) if link else heading.group(1)
        if link:
            fields["url"] = link.group(2)
        i += 1
        listed = _title_under_list_heading(lines, i, fields["title"])
        if listed is not None:
            fields["extras"]["archive_list"] = fields["title"]
            fields["title"], i = listed
    started = False
    while i < len(lines):
        line = lines[i]
        if not line.strip() and not started:
            i += 1
            continue
        match = _KEY_VALUE.match(line)
        if not match or match.group(2).startswith("//"):  # "https://..." is not a pair
            break
        key = " ".join(match.group(1).lower().replace("_", " ").split())
        # The first pair must be a known key, so a body opening with "Note: ..." stays body.
        if key not in PLAIN_KEYS and (not started or len(key.split()) > 3):
            break
        started = True
        name = PLAIN_KEYS.get(key)
        # A Markdown link keeps its target for URL keys and its text for the others.
        value = _MD_LINK.sub(r"\2" if name in ("url", "apply") else r"\1", match.group(2)).strip()
        if name == "tags":
            fields["tags"] = _tags(value)
        elif name:
            fields.setdefault(name, value or None)
        elif value:
            fields["extras"][match.group(1).strip()] = value
        i += 1
    fields["body"] = "\n".join(lines[i:])
    return fields


# A heading that names a list or a site, not a job ("# IT--Jobs", "# Acme Careers"), and the
# list's own caption lines under it ("Jobs Openings", "Open positions").
_LIST_WORDS = re.compile(
    r"(?i)\b(?:jobs?|careers?|openings?|vacanc(?:y|ies)|positions|hiring|job\s+board|board)\b"
)


def _title_under_list_heading(lines: list[str], i: int, heading: str) -> tuple[str, int] | None:
    """(job title, index of the first ``Key: value`` line) when the page is a list's page.

    The shape: a heading naming a list or site, up to three short lines (a caption such as
    "Jobs Openings", then the job title on its own line), then ``Key : value`` lines with a
    known first key. The title is the last short line that is not itself a caption.
    """
    short: list[str] = []
    j = i
    while j < len(lines) and len(short) <= 3:
        line = lines[j].strip()
        j += 1
        if not line:
            continue
        match = _KEY_VALUE.match(line)
        if match and " ".join(match.group(1).lower().split()) in PLAIN_KEYS:
            break
        if len(line) > 80 or line.startswith(("#", "-", "*", ">")) or line[-1] in ".!?:":
            return None
        short.append(line)
    else:
        return None
    if not short:
        return None
    titles = [line for line in short if not _LIST_WORDS.search(line)]
    if not titles or not (_LIST_WORDS.search(heading) or len(titles) < len(short)):
        return None
    return titles[-1], j - 1


def _second_line(lines: list[str]) -> str:
    nonblank = [line for line in lines[:10] if line.strip()]
    return nonblank[1] if len(nonblank) > 1 else ""


def parse_markdown(text: str, ref: dict) -> JobPosting:
    """Map one archived Markdown job page to a ``JobPosting`` (pure).

    ``ref`` is ``{"url": the file's file:// URL, "name": its file name}``.
    """
    text = repair_macroman(text.lstrip("\ufeff"))
    front = _FRONT_MATTER.match(text)
    lines = text.splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    if front:
        if len(front.group(1)) > FRONT_MATTER_MAX_CHARS:
            raise ValueError(f"front matter over {FRONT_MATTER_MAX_CHARS} characters")
        try:
            meta = yaml.load(front.group(1), Loader=NoAliasLoader)  # noqa: S506 - safe, no aliases
        except yaml.YAMLError as exc:
            raise ValueError(f"front matter is not YAML: {exc}") from exc
        if not isinstance(meta, dict):
            raise ValueError("front matter is not a YAML mapping")
        fields = _from_front_matter(meta, text[front.end() :])
        layout = "front-matter"
    elif _TITLE_LINK.match(first) and _second_line(lines).startswith("### "):
        fields = _from_remotewlb(lines[next(i for i, ln in enumerate(lines) if ln.strip()) :])
        layout = "remotewlb"
    else:
        fields = _from_plain(lines)
        layout = "plain"
    urls = [fields.get("url"), fields.get("apply"), *fields.get("other_urls", [])]
    source, source_id, company_slug = _identity(urls, fields)
    url = fields.get("url")
    if source == "remotewlb":
        url = f"https://remotewlb.com/job/{source_id}"
    elif source == "remoteok" and not url and source_id.isdigit():
        url = f"https://remoteok.com/remote-jobs/{source_id}"
    extras = {**fields.get("extras", {}), "archive_layout": layout, "archive_file": ref["name"]}
    return JobPosting(
        source=source,
        source_id=source_id,
        url=url or ref["url"],
        apply_url=fields.get("apply"),
        title=fields.get("title"),
        company=fields.get("company"),
        company_slug=company_slug,
        department=fields.get("department"),
        description_html=_html(fields.get("body") or ""),
        tags=fields.get("tags") or [],
        employment_type_raw=fields.get("employment_type"),
        location_raw=fields.get("location"),
        remote_raw=fields.get("remote"),
        posted_raw=fields.get("posted"),
        valid_through_raw=fields.get("valid_through"),
        salary_raw=fields.get("salary"),
        extras=extras,
    )


class ArchiveSpider(scrapy.Spider):
    name = "archive"
    # Archived pages are history: importing one neither reopens nor closes a posting.
    lifecycle_evidence = False
    # The arguments under which the recorded fixture is crawled (conformance test, demo).
    recorded_args = {"path": "tests/fixtures/archive"}

    @classmethod
    def unrunnable_reason(cls) -> str | None:
        """Why a plain ``crawlall`` cannot run this spider (see ``crawlall --list``)."""
        return "needs a folder: scrapy crawl archive -a path=DIR"

    def __init__(self, *args, path: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if not path:
            raise SpiderConfigError(
                "archive needs -a path=DIR (a folder of *.md files, or one file)"
            )
        root = Path(unquote(urlsplit(path).path)) if path.startswith("file:") else Path(path)
        self.root = root.expanduser().resolve()
        if not self.root.exists():
            raise SpiderConfigError(f"archive path {path!r} does not exist")

    def files(self) -> list[Path]:
        """Every ``*.md`` under the folder (or the one file), symbolic links included as
        candidates: ``read_file`` refuses them, each with its reject."""
        if not self.root.is_dir():
            return [self.root]
        found = []
        for folder, dirs, names in os.walk(self.root, followlinks=False):
            dirs.sort()
            found += [Path(folder) / n for n in sorted(names) if n.endswith(".md")]
            # A linked folder is not walked (it may lead anywhere): its *.md names are listed
            # so that each is refused with a reason rather than ignored.
            for name in dirs:
                if (Path(folder) / name).is_symlink():
                    found.append(Path(folder) / name)
        return found

    def read_file(self, path: Path) -> str:
        """The text of ``path`` if it is a regular file inside the folder, not a symbolic
        link, and at most ``ARCHIVE_MAX_FILE_BYTES``; else ``ValueError`` with the reason.

        Opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked on the open descriptor, so a
        link or a FIFO swapped in after the listing is still refused (a FIFO named ``*.md``
        blocked the import forever)."""
        if path.is_symlink():
            raise ValueError("a symbolic link: not followed (only regular files are imported)")
        if self.root.is_dir() and not path.resolve().is_relative_to(self.root):
            raise ValueError(f"outside the archive folder {self.root}")
        limit = self.crawler.settings.getint("ARCHIVE_MAX_FILE_BYTES", 2 * 1024 * 1024)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise ValueError("not a regular file (a FIFO, a device or a socket)")
            if info.st_size > limit:
                raise ValueError(f"{info.st_size} bytes, over ARCHIVE_MAX_FILE_BYTES ({limit})")
            with os.fdopen(fd, "rb", closefd=False) as fh:
                data = fh.read(limit + 1)
        finally:
            os.close(fd)
        if len(data) > limit:
            raise ValueError(f"over ARCHIVE_MAX_FILE_BYTES ({limit}) bytes")
        return data.decode("utf-8")

    async def start(self):
        files = self.files()
        if not files:
            self.logger.warning("no *.md file under %s", self.root)
        stats = self.crawler.stats
        for path in files:
            ref = {"url": path.as_uri(), "name": path.name}
            try:
                text = self.read_file(path)
                item = parse_markdown(text, ref)
            except Exception as exc:  # one bad file is one reject; the others are imported
                reason = f"cannot import {path.name}: {type(exc).__name__}: {exc}"
                stats.inc_value("jobcrawl/mapping_errors")
                self.logger.warning("%s", reason)
                yield Reject(self.name, ref["url"], reason[:2000], None)
                continue
            stats.inc_value(f"jobcrawl/archive/{item.extras['archive_layout']}")
            item.scraped_at = utc_now_iso()
            yield item
