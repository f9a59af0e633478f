"""We Work Remotely: the server-rendered listing ``https://weworkremotely.com/remote-jobs``.

An HTML board (``crawler/sources/html.py``): no JSON API and no JobPosting JSON-LD on the listing.
Each ``li.new-listing-container`` is one posting: a link ``/remote-jobs/<slug>`` (the slug is
the board's only id), title, company, the company's headquarters and a row of chips mixing
badges (Featured, Top 100), the employment type, a pay band and where candidates may live
("Anywhere in the World", "🇩🇪 Germany", "EMEA Only"). The age ("3d", "New") is relative to
the moment the page was fetched. Advert rows have no ``/remote-jobs/`` link and are skipped.

The front page shows at most 25 postings per category, each with a "view all" link: it is
not the whole board, so absence from it closes nothing (``complete_listing = False``).
"""

from __future__ import annotations

import re

from crawler.sources.html import HtmlSpider
from crawler.sources.items import JobPosting

EMPLOYMENT = {"full-time", "part-time", "contract", "internship", "freelance", "temporary"}
# A chip is a place when it starts with a flag, says "Anywhere" or ends in "Only".
_PLACE = re.compile(r"^[\U0001F1E6-\U0001F1FF]|anywhere|\bonly$|^remote$", re.I)
_AGE = re.compile(r"^\d+\s*[a-z]+$", re.I)


def parse_fields(fields: dict, page: dict) -> JobPosting:
    """Map one listing row of We Work Remotely to a ``JobPosting`` (pure)."""
    url = fields["url"]
    slug = url.rstrip("/").rsplit("/", 1)[-1]
    chips = fields.get("categories") or []
    kinds = [c for c in chips if c.casefold() in EMPLOYMENT]
    pay = [c for c in chips if re.search(r"\d", c) and "$" in c or c.endswith(" USD")]
    places = [c for c in chips if _PLACE.search(c)]
    age = fields.get("age")
    return JobPosting(
        source_id=slug,
        url=url,
        title=fields.get("title"),
        company=fields.get("company"),
        employment_type_raw=" | ".join(kinds) or None,
        salary_raw=pay[0] if pay else None,
        location_raw=" | ".join(places) or None,
        # Every posting on the board is remote: the board itself is the structured signal.
        remote_raw="remote",
        # "3d" is an age at fetch time; written as a phrase the date rules measure from the
        # crawl time ("3d ago"). "New" is read as today by those rules.
        posted_raw=f"{age} ago" if age and _AGE.match(age) else age,
        tags=[c for c in chips if c not in kinds and c not in pay and c not in places],
        extras={"company_headquarters": fields.get("headquarters"), "age": age},
    )


class WeWorkRemotelySpider(HtmlSpider):
    name = "weworkremotely"
    allowed_domains = ["weworkremotely.com"]
    start_urls = ["https://weworkremotely.com/remote-jobs"]
    listing_item = "li.new-listing-container"
    listing_fields = {  # noqa: RUF012 - declarations, never mutated
        "url": "a[href^='/remote-jobs/']::attr(href)",
        "title": ".new-listing__header__title__text",
        "company": ".new-listing__company-name",
        "headquarters": ".new-listing__company-headquarters",
        "age": ".new-listing__header__icons__date",
        "categories": "p.new-listing__categories__category",
    }
    list_fields = frozenset({"categories"})
    map_fields = staticmethod(parse_fields)
    complete_listing = False  # 25 postings per category at most (see module doc)
