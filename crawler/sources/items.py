"""The one item jobcrawl produces, and the record of a rejected input.

``JobPosting`` is a dataclass handled through itemadapter. Field names follow
schema.org / Zyte's ``JobPosting`` where that reads naturally; every fragile
normalised value keeps its raw twin (``posted_at`` + ``posted_raw``, the salary
fields + ``salary_raw``, ``countries`` + ``location_raw``).

Spiders fill the *raw* side (and structured values a board gives, as given);
the normalise pipeline fills the normalised side. Identity is
(``source``, ``source_id``): one row per posting per board.

Each field's documentation lives in its ``metadata["doc"]``: the store writes it
to the ``data_dictionary`` table and ``DATA_FORMAT.md`` is generated from it, so
the documentation cannot drift from the item.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from itemadapter import ItemAdapter


def _f(doc: str, default: Any = None, *, factory: Any = None, sqltype: str = "TEXT"):
    meta = {"doc": doc, "sqltype": sqltype}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class JobPosting:
    """One job posting as seen on one board at one crawl."""

    # --- identity -----------------------------------------------------------------
    source: str | None = _f("Board (spider) the posting came from, e.g. `remoteok`, `lever`.")
    source_id: str | None = _f(
        "The board's own stable id for the posting; (source, source_id) is the identity."
    )
    # --- links --------------------------------------------------------------------
    url: str | None = _f(
        "Canonical posting page on the board (RemoteOK's terms require this link back)."
    )
    apply_url: str | None = _f("Where a candidate applies, when the board gives it.")
    # --- what ---------------------------------------------------------------------
    title: str | None = _f("Job title as published (cleaned text).")
    company: str | None = _f("Hiring organisation's name (cleaned text).")
    company_slug: str | None = _f(
        "The board's handle for the company when it has one (Lever site, Greenhouse token)."
    )
    department: str | None = _f("Department or team, when the board gives one.")
    description_html: str | None = _f("Description as sanitised HTML (no scripts or handlers).")
    description_text: str | None = _f("Description as plain text, derived from the HTML.")
    tags: list[str] = _f(
        "Board tags/skills: lower-cased, trimmed, deduplicated (JSON array).",
        factory=list,
        sqltype="JSON",
    )
    employment_type: str | None = _f(
        "`full_time`, `part_time`, `contract`, `internship` or `temporary`; null if unknown."
    )
    employment_type_raw: str | None = _f("Employment type as the board wrote it.")
    seniority: str | None = _f(
        "From the title: intern, junior, mid, senior, staff, principal, lead, manager, "
        "director, executive; null if the title does not say."
    )
    experience_years_min: int | None = _f(
        "Minimum years of experience asked for in the text, e.g. 8 for '8+ years'.",
        sqltype="INTEGER",
    )
    # --- where --------------------------------------------------------------------
    location_raw: str | None = _f("Location text as published (all locations joined by ' | ').")
    remote: str | None = _f("`remote`, `hybrid` or `onsite`; null when the posting does not say.")
    remote_raw: str | None = _f("The structured remote/workplace value the board gave, if any.")
    countries: list[str] = _f(
        "Sorted ISO 3166-1 alpha-2 codes the posting names (JSON array).",
        factory=list,
        sqltype="JSON",
    )
    regions: list[str] = _f(
        "Named regions: worldwide, EU, Europe, EMEA, LATAM, North America, APAC… (JSON array).",
        factory=list,
        sqltype="JSON",
    )
    tz_min: float | None = _f(
        "Earliest UTC offset (hours) of a time-zone window, e.g. -1 for 'UTC-1 / UTC+3'.",
        sqltype="REAL",
    )
    tz_max: float | None = _f("Latest UTC offset (hours) of a time-zone window.", sqltype="REAL")
    # --- when ---------------------------------------------------------------------
    posted_raw: str | None = _f("Posting date as the board gave it (epoch, ISO, or a phrase).")
    posted_at: str | None = _f("Posting date, UTC ISO 8601 (`YYYY-MM-DDTHH:MM:SSZ`).")
    valid_through_raw: str | None = _f("Closing date as the board gave it.")
    valid_through: str | None = _f("Closing date, UTC ISO 8601.")
    # --- pay ----------------------------------------------------------------------
    salary_raw: str | None = _f("Pay as the board gave it (structured values or the sentence).")
    salary_min: float | None = _f("Lower bound of pay per `salary_period`.", sqltype="REAL")
    salary_max: float | None = _f("Upper bound of pay per `salary_period`.", sqltype="REAL")
    salary_currency: str | None = _f("ISO 4217 currency; null when not stated (never assumed).")
    salary_period: str | None = _f("`hour`, `day`, `week`, `month` or `year`.")
    salary_source: str | None = _f(
        "`structured` (a board field) or `text` (read from the description)."
    )
    salary_year_min: float | None = _f(
        "salary_min annualised (hour x 2080, day x 260, week x 52, month x 12).", sqltype="REAL"
    )
    salary_year_max: float | None = _f("salary_max annualised likewise.", sqltype="REAL")
    # --- board-specific and bookkeeping -------------------------------------------
    extras: dict[str, Any] = _f(
        "Board-specific leftovers worth keeping (JSON object).", factory=dict, sqltype="JSON"
    )
    value_problems: list[str] = _f(
        "Values the board gave that could not be read and were left null, each with why (JSON"
        " array of text, e.g. `unreadable posted date 'soon'`, `structured salary set to null:"
        " negative amount`); the raw twin keeps the value. Empty when all was read.",
        factory=list,
        sqltype="JSON",
    )
    lastmod: str | None = _f("The page's sitemap `lastmod`, UTC ISO 8601, for sitemap boards.")
    scraped_at: str | None = _f("When this crawl fetched the posting, UTC ISO 8601.")


@dataclass
class Reject:
    """A record that could not be turned into a valid ``JobPosting``.

    Spiders yield it (mapping failed) and pipelines produce it (validation
    failed); the store writes it to the ``rejects`` table so nothing is lost.
    """

    source: str | None = None
    url: str | None = None
    reason: str = ""
    raw: Any = None


def item_fields() -> list[tuple[str, str, str]]:
    """(name, sqltype, doc) for each ``JobPosting`` field, in declaration order."""
    return [(f.name, f.metadata["sqltype"], f.metadata["doc"]) for f in fields(JobPosting)]


# --- reading and checking items (the validate pipeline applies these) -----------------------

_FIELD_NAMES = frozenset(f.name for f in fields(JobPosting))

REQUIRED = ("source", "source_id", "url")
REPORTED = ("title", "company", "posted_raw", "description_html", "location_raw", "salary_raw")


def problems(item: JobPosting) -> list[str]:
    """Reasons the item cannot be stored; empty when it can."""
    reasons = []
    for name in REQUIRED:
        value = getattr(item, name)
        if not isinstance(value, str) or not value.strip():
            reasons.append(f"missing {name}")
    for name in ("title", "company", "location_raw", "description_html"):
        value = getattr(item, name)
        if value is not None and not isinstance(value, str):
            reasons.append(f"{name} is {type(value).__name__}, not text")
    for name in ("tags",):
        if not isinstance(getattr(item, name), list):
            reasons.append(f"{name} is not a list")
    return reasons


def as_posting(item, spider_name: str | None = None) -> JobPosting | Reject:
    """Read any Scrapy item into a ``JobPosting`` (see module doc); ours pass unchanged."""
    if isinstance(item, JobPosting | Reject):
        return item
    if not ItemAdapter.is_item(item):
        return Reject(spider_name, None, f"not an item: {type(item).__name__}", repr(item)[:2000])
    data = ItemAdapter(item).asdict()
    known = {k: v for k, v in data.items() if k in _FIELD_NAMES}
    others = {k: v for k, v in data.items() if k not in _FIELD_NAMES}
    if others:
        extras = known.get("extras")
        if extras is None or isinstance(extras, dict):
            known["extras"] = {**(extras or {}), **others}
        else:  # keep what the spider gave beside the other keys
            known["extras"] = {"extras": extras, **others}
    known.setdefault("source", spider_name)
    return JobPosting(**known)
