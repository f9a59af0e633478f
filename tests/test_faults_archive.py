"""Archive import against a hostile folder: only regular files inside it are read, each bad
file is one ``rejects`` row with its reason, and the good files beside them are imported.

Through the real engine (``scrapy crawl archive -a path=DIR``): a symbolic link to
``/etc/passwd`` named ``*.md`` and a linked folder leading out of the archive (used to make
``/etc/passwd`` a searchable posting), a FIFO named ``*.md`` (used to block the import
forever), a file over ``ARCHIVE_MAX_FILE_BYTES``, a "billion laughs" YAML front matter
(a few hundred bytes that expanded to gigabytes), and a file that is not UTF-8.
"""

from __future__ import annotations

import os
import shutil

from tests.conftest import FIXTURES

GOOD = "plain_10x-team_go-to-market-strategist.md"
BOMB = """---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
title: [*i]
---
Body
"""


def test_a_hostile_archive_folder_imports_only_its_regular_files(crawl, tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.copy(FIXTURES / "archive" / GOOD, archive / GOOD)
    (archive / "passwd.md").symlink_to("/etc/passwd")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("Title: Secret\nCompany: Not in the archive\n\nText\n")
    (archive / "linked").symlink_to(outside, target_is_directory=True)
    os.mkfifo(archive / "fifo.md")
    (archive / "huge.md").write_text("Title: Huge\n\n" + "x" * 50_000)
    (archive / "bomb.md").write_text(BOMB)
    (archive / "latin1.md").write_bytes("Title: Caf\xe9 manager\n\nText\n".encode("latin-1"))

    result = crawl(
        "archive",
        args=["-a", f"path={archive}"],
        settings={"ARCHIVE_MAX_FILE_BYTES": "20000"},
    )
    assert result.returncode == 0, result.output[-3000:]
    rows = result.rows("SELECT title, description_text FROM jobs")
    assert len(rows) == 1 and rows[0]["title"]
    assert not any("root:" in (r["description_text"] or "") for r in rows)
    reasons = {
        r["url"].rsplit("/", 1)[-1]: r["reason"] for r in result.rows("SELECT * FROM rejects")
    }
    assert set(reasons) == {"passwd.md", "linked", "fifo.md", "huge.md", "bomb.md", "latin1.md"}
    assert "symbolic link" in reasons["passwd.md"]
    assert "symbolic link" in reasons["linked"]
    assert "not a regular file" in reasons["fifo.md"]
    assert "ARCHIVE_MAX_FILE_BYTES" in reasons["huge.md"]
    assert "aliases are not accepted" in reasons["bomb.md"]
    assert "UnicodeDecodeError" in reasons["latin1.md"]
