"""Import job pages saved as Markdown: ``scrapy crawl archive -a path=DIR`` reads every ``*.md``.

``path`` is a folder (searched recursively), one file, or a ``file://`` URL. Files are read
from disk; no request is made. Reading one page (three layouts: YAML front matter,
RemoteWLB's Markdown mirror, plain ``Key: value`` documents) and recognising the board it came
from is ``crawler/sources/archive.py`` (pure); this spider walks the folder, refuses what is
not a regular file inside it, and turns each file into an item or a reject with its reason.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

import scrapy

from crawler.sources.archive import parse_markdown
from crawler.sources.boards import SpiderConfigError
from crawler.sources.items import JobPosting
from crawler.sources.mapping import map_records


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
        for path in files:
            ref = {"url": path.as_uri(), "name": path.name}
            # One bad file (whatever the error) is one reject; the others are imported. The
            # reject keeps no copy of the file: its URL names it.
            for out in map_records(
                self,
                self.import_file,
                [(path, ref, ref["url"])],
                where=ref["url"],
                what=f"cannot import {path.name}",
                errors=(Exception,),
                keep_raw=False,
                patch=self._counted,
            ):
                yield out

    def import_file(self, path: Path, ref: dict) -> JobPosting:
        return parse_markdown(self.read_file(path), ref)

    def _counted(self, item: JobPosting, path: Path) -> JobPosting:
        self.crawler.stats.inc_value(f"jobcrawl/archive/{item.extras['archive_layout']}")
        return item
