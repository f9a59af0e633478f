"""``scrapy genspider -t <shape> NAME URL``: a spider of one data shape, and its test.

Scrapy's own command, with the project's templates (``crawler/templates/spiders``, listed by
``scrapy genspider -l``) and two additions:

* ``tests/test_<name>.py`` is written beside the spider from ``crawler/templates/tests``: it
  fails until a recorded fixture and a hand-read expected posting exist (as City Bureau's
  generated tests do);
* ``-t platform`` also writes an empty ``data/boards/<name>.txt``.

Shapes: ``jsonapi`` (a board's JSON API, the default), ``platform`` (many companies' boards;
put ``{handle}`` in the URL), ``jsonld`` (JobPosting JSON-LD pages found through a sitemap),
``html`` (listing and detail pages read by CSS selectors). Existing files are never
overwritten without ``--force``.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.commands.genspider import Command as ScrapyGenspider
from scrapy.utils.template import render_templatefile

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

BOARD_LIST = """\
# Companies crawled by `scrapy crawl {name}`: one handle per line, then key=value options
# (format: crawler/sources/boards.py). `scrapy crawl {name} -a companies=a,b` crawls others.
"""


class Command(ScrapyGenspider):
    def short_desc(self) -> str:
        return "Generate a spider of one data shape and its test (see -l for the shapes)"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.set_defaults(template="jsonapi")

    def _genspider(self, module, name, url, template_name, template_file):
        spider_file = super()._genspider(module, name, url, template_name, template_file)
        root = Path(spider_file).resolve().parent.parent
        tvars = self._generate_template_variables(module, name, url, template_name)
        test_file = root / "tests" / f"test_{module}.py"
        if test_file.exists() and not getattr(self, "_force", False):
            print(f"{test_file} exists: left as it is")
        else:
            test_file.parent.mkdir(exist_ok=True)
            test_file.write_text((TEMPLATES / "tests" / "spider_test.tmpl").read_text())
            render_templatefile(test_file, **tvars)
            print(f"Created its test {test_file.relative_to(root)} (fails until filled in)")
        if Path(template_file).stem == "platform":
            boards = root / "data" / "boards" / f"{name}.txt"
            if not boards.exists():
                boards.parent.mkdir(parents=True, exist_ok=True)
                boards.write_text(BOARD_LIST.format(name=name))
                print(f"Created its board list {boards.relative_to(root)} (no company yet)")
        return spider_file

    def run(self, args, opts) -> None:
        self._force = opts.force
        super().run(args, opts)
