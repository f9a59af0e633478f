"""Cross-board duplicates: a real Lever posting, the same job on RemoteOK and on a JSON-LD page.

The copies are derived from real records: the RemoteOK record is a real API element
with the Lever job's fields put in (RemoteOK's own anti-spam line kept), the JSON-LD
page is the real RemoteWLB page layout around the Lever job's text, shortened the way
aggregators shorten. The counter-example is real too: Palantir's two "Administrative
Business Partner" postings are different jobs (London; Palo Alto, Security team).
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime

import pytest

from crawler.normalize.text import html_to_text
from crawler.store.dedupe import (
    DedupeRules,
    Posting,
    best_match,
    canonical_rank,
    compare,
    location_compatible,
    match_key,
    normalize_company,
    normalize_title,
    text_similarity,
)
from spiders.lever import description_html
from tests.conftest import MIRROR, load_json, run_scrapy

LEVER = MIRROR / "api.lever.co" / "v0" / "postings"
ANDROID = "3414ba28-35f7-45d3-8e13-35c883959635"  # matchgroup: Android Engineer III, New York
ABP_LONDON = "ac978161-6f46-4f6b-ad9e-a258e642751c"  # palantir: Administrative Business Partner
ABP_SECURITY = "0bbfd4f4-41ff-4ec6-b73f-5200efd5d4d3"  # palantir: ... - Security, Palo Alto
RULES = DedupeRules()


def lever(site: str, posting_id: str) -> dict:
    return next(r for r in load_json(LEVER / site) if r["id"] == posting_id)


def remoteok_copy(real: dict, job: dict, *, rid: str, title: str, company: str, where: str):
    """A real RemoteOK element carrying another board's job, as RemoteOK would show it."""
    anti_spam = real["description"][real["description"].index("<br/><br/>Please mention") :]
    slug = re.sub(r"[^a-z0-9]+", "-", f"remote {title} {company}".lower()).strip("-") + f"-{rid}"
    created = datetime.fromtimestamp(job["createdAt"] / 1000, UTC)
    return {
        **real,
        "id": rid,
        "slug": slug,
        "epoch": int(created.timestamp()),
        "date": created.isoformat(),
        "company": company + " ",  # RemoteOK keeps trailing spaces
        "position": title,
        "tags": ["android", "kotlin"] if "android" in title.lower() else ["admin", "assistant"],
        "description": description_html(job) + anti_spam,
        "location": where,
        "url": f"https://remoteOK.com/remote-jobs/{slug}",
        "apply_url": f"https://remoteOK.com/remote-jobs/{slug}",
        "salary_min": (job.get("salaryRange") or {}).get("min", 0),
        "salary_max": (job.get("salaryRange") or {}).get("max", 0),
    }


def jsonld_page(template: str, posting: dict, slug: str) -> str:
    """The real RemoteWLB page layout with another posting's JSON-LD in it."""
    page = re.sub(
        r'<script type="application/ld\+json">.*?</script>',
        lambda _m: '<script type="application/ld+json">' + json.dumps(posting) + "</script>",
        template,
        flags=re.S,
    )
    return page.replace("senior-automation-qa-engineer-140084", slug)


@pytest.fixture
def boards(tmp_path, make_replay):
    root = tmp_path / "mirror"
    shutil.copytree(LEVER.parents[1], root / "api.lever.co")
    shutil.copytree(MIRROR / "remoteok.com", root / "remoteok.com")
    android = lever("matchgroup", ANDROID)
    security = lever("palantir", ABP_SECURITY)
    real = load_json(MIRROR / "remoteok.com" / "api")
    (root / "remoteok.com" / "api").write_text(
        json.dumps(
            [
                real[0],  # the legal notice
                remoteok_copy(
                    real[2],
                    android,
                    rid="1139001",
                    title="Android Engineer III (Hybrid)",
                    company="Match Group, Inc.",
                    where="New York, New York",
                ),
                # An aggregator dropped the " - Security" of a *different* Palantir job.
                remoteok_copy(
                    real[3],
                    security,
                    rid="1139002",
                    title="Administrative Business Partner",
                    company="Palantir",
                    where="Palo Alto, CA",
                ),
            ]
        )
    )
    wlb = root / "remotewlb.com"
    wlb.mkdir()
    slug = "android-engineer-iii-140999"
    (wlb / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        "<sitemap><loc>https://remotewlb.com/sitemaps/jobs/2026-05-1</loc></sitemap>\n"
        "</sitemapindex>\n"
    )
    (wlb / "sitemaps" / "jobs").mkdir(parents=True)
    (wlb / "sitemaps" / "jobs" / "2026-05-1").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"<url><loc>https://remotewlb.com/job/{slug}</loc>"
        "<lastmod>2026-05-20T09:00:00+00:00</lastmod></url>\n</urlset>\n"
    )
    # Aggregators keep the opening and the first list, and drop the rest.
    shortened = android["description"] + "<h3>Responsibilities</h3><ul>"
    shortened += android["lists"][0]["content"] + "</ul>"
    (wlb / "job").mkdir()
    template = (
        MIRROR / "remotewlb.com" / "job" / "senior-automation-qa-engineer-140084"
    ).read_text()
    (wlb / "job" / slug).write_text(
        jsonld_page(
            template,
            {
                "@context": "https://schema.org",
                "@type": "JobPosting",
                "title": "Android Engineer III - New York",
                "datePosted": "2026-05-20",
                "description": shortened,
                "hiringOrganization": {"@type": "Organization", "name": "Match Group"},
                "jobLocation": {
                    "@type": "Place",
                    "address": {
                        "@type": "PostalAddress",
                        "addressLocality": "New York",
                        "addressRegion": "NY",
                        "addressCountry": "US",
                    },
                },
                "employmentType": "FULL_TIME",
                "directApply": False,
            },
            slug,
        )
    )
    return make_replay(root)


def test_the_same_job_on_three_boards_is_one_group_with_the_ats_posting_canonical(crawl, boards):
    # Aggregators first: the employer's posting is seen last and still becomes canonical.
    for spider, args in (
        ("remoteok", []),
        ("remotewlb", []),
        ("lever", ["-a", "companies=matchgroup,palantir"]),
    ):
        result = crawl(spider, server=boards, args=args)
        assert result.returncode == 0, result.output
    ids = {
        (r["source"], r["source_id"]): r["id"]
        for r in result.rows("SELECT id, source, source_id FROM jobs")
    }
    assert len(ids) == 7
    android = {
        ids[("lever", f"matchgroup/{ANDROID}")],
        ids[("remoteok", "1139001")],
        ids[("remotewlb", "android-engineer-iii-140999")],
    }
    groups = result.rows("SELECT * FROM duplicate_groups ORDER BY job_id")
    assert {g["job_id"] for g in groups} == android
    assert len({g["group_id"] for g in groups}) == 1
    assert groups[0]["group_id"] == ids[("remoteok", "1139001")]  # the first pair's older id
    canonical = [g["job_id"] for g in groups if g["canonical"]]
    assert canonical == [ids[("lever", f"matchgroup/{ANDROID}")]]
    for g in groups:
        assert "same company+title 'matchgroup|android engineer 3'" in g["reason"]
        assert "description similarity" in g["reason"]
        assert g["score"] >= RULES.text_min_score
        assert g["matched_job_id"] in android - {g["job_id"]}

    # Nothing deleted; the view shows one row for the three.
    unique = result.rows("SELECT * FROM unique_jobs")
    assert len(unique) == 5
    row = next(r for r in unique if r["duplicate_group"] is not None)
    assert (row["source"], row["duplicate_count"]) == ("lever", 3)
    assert set(row["duplicate_sources"].split(",")) == {"lever", "remoteok", "remotewlb"}

    # Palantir's two different jobs under one title stay apart (so does the RemoteOK copy).
    palantir = {ids[("lever", f"palantir/{ABP_LONDON}")], ids[("remoteok", "1139002")]}
    assert not palantir & {g["job_id"] for g in groups}
    keys = result.rows("SELECT match_key FROM jobs WHERE id IN (?, ?)", *sorted(palantir))
    assert {k["match_key"] for k in keys} == {"palantir|administrative business partner"}


def test_a_recrawl_does_not_regroup_and_the_dedupe_command_rebuilds_with_new_thresholds(
    crawl, boards
):
    for spider, args in (("remoteok", []), ("lever", ["-a", "companies=matchgroup"])):
        assert crawl(spider, server=boards, args=args).returncode == 0
    again = crawl("lever", server=boards, args=["-a", "companies=matchgroup"])
    assert again.returncode == 0, again.output
    before = [tuple(r) for r in again.rows("SELECT * FROM duplicate_groups ORDER BY job_id")]
    assert len(before) == 2 and len({r[0] for r in before}) == 1

    strict = run_scrapy(["dedupe", "-s", f"JOBS_DB={again.db}", "-s", "DEDUPE_TEXT_MIN_SCORE=1.01"])
    assert strict.returncode == 0, strict.stderr
    assert "0 grouped into 0 groups" in strict.stdout
    assert again.scalar("SELECT COUNT(*) FROM duplicate_groups") == 0
    assert again.scalar("SELECT COUNT(*) FROM unique_jobs") == again.scalar(
        "SELECT COUNT(*) FROM jobs"
    )
    default = run_scrapy(["dedupe", "-s", f"JOBS_DB={again.db}"])
    assert default.returncode == 0, default.stderr
    after = again.rows("SELECT job_id, canonical, reason, score FROM duplicate_groups")
    assert sorted((r["job_id"], r["canonical"]) for r in after) == sorted(
        (r[1], r[5]) for r in before
    )


# -- the pure rules on the real records ---------------------------------------------------------


def posting(pid: int, source: str, job: dict, **over) -> Posting:
    text = html_to_text(description_html(job))
    values = {
        "id": pid,
        "source": source,
        "title": job["text"],
        "company": "Palantir",
        "location_raw": job["categories"]["location"],
        "remote": "hybrid",
        "countries": [job["country"]] if job.get("country") else [],
        "description_text": text,
        "first_seen_at": "2026-05-01T00:00:00Z",
    }
    return Posting(**{**values, **over})


def test_two_real_palantir_jobs_are_told_apart_by_place_and_text():
    london = posting(1, "lever", lever("palantir", ABP_LONDON))
    security = posting(2, "remoteok", lever("palantir", ABP_SECURITY), title=london.title)
    key = match_key(london.company, None, london.title, london.location_raw)
    verdict = compare(london, security, key, RULES)
    assert not verdict.same
    assert verdict.reason == (
        "same company+title 'palantir|administrative business partner'; location conflict: "
        "countries GB vs US"
    )
    # Even with the places unknown, the descriptions (shared company blurb) are too far apart.
    blind = compare(
        Posting(**{**london.__dict__, "countries": (), "location_raw": None}),
        Posting(**{**security.__dict__, "countries": (), "location_raw": None}),
        key,
        RULES,
    )
    assert not blind.same and 0.5 < blind.score < RULES.text_min_score


def test_a_shortened_copy_on_another_board_matches_its_source():
    job = lever("matchgroup", ANDROID)
    ats = posting(1, "lever", job, company="Match Group")
    short = html_to_text(job["description"] + "<ul>" + job["lists"][0]["content"] + "</ul>")
    copy = posting(2, "remotewlb", job, company="Match Group", description_text=short)
    copy.remote = None
    found = best_match(copy, [ats], "matchgroup|android engineer 3", RULES)
    assert found is not None and found[0].id == 1
    assert found[1].score >= 0.95
    assert "same country US" in found[1].reason


def test_same_board_postings_are_never_duplicates():
    job = lever("matchgroup", ANDROID)
    a, b = posting(1, "lever", job), posting(2, "lever", job)
    assert compare(a, b, "k", RULES).reason == "same board lever"


def test_titles_and_companies_normalise_to_one_key():
    assert normalize_title("Sr. Backend Engineer (m/w/d)") == "senior backend engineer"
    assert normalize_title("Senior Backend Engineer (f/m/x) - Remote") == "senior backend engineer"
    assert normalize_title("Backend Engineer - Berlin", "Berlin, Germany") == "backend engineer"
    assert normalize_title("Backend Engineer - Payments", "Berlin") == "backend engineer payments"
    assert normalize_title("Android Engineer III") == normalize_title("Android Engineer 3")
    assert normalize_company("Match Group, Inc. ") == normalize_company("matchgroup")
    assert normalize_company("None") is None
    assert match_key(None, "palantir", "Engineer", None) == "palantir|engineer"
    assert match_key("Acme", None, None, None) is None


def test_remote_and_on_site_conflict_and_hybrid_goes_with_either():
    a = Posting(1, "lever", remote="onsite", location_raw="Berlin")
    b = Posting(2, "remoteok", remote="remote", location_raw="Berlin")
    assert location_compatible(a, b) == (False, "remote vs on-site")
    c = Posting(3, "remoteok", remote="hybrid", location_raw="Berlin, Germany")
    assert location_compatible(a, c) == (True, "same place (berlin)")
    d = Posting(4, "remotewlb", location_raw=None)
    assert location_compatible(a, d) == (True, "location unknown on one side")


def test_too_short_descriptions_confirm_nothing():
    assert text_similarity("short", "short", min_chars=200) is None
    a = Posting(1, "lever", description_text="x" * 50)
    b = Posting(2, "remotewlb", description_text="x" * 50)
    assert "too short to compare" in compare(a, b, "k", RULES).reason


def test_the_employer_ats_is_canonical_before_an_earlier_aggregator():
    early = Posting(1, "remoteok", first_seen_at="2026-01-01T00:00:00Z")
    ats = Posting(2, "greenhouse", first_seen_at="2026-02-01T00:00:00Z")
    later = Posting(3, "remotewlb", first_seen_at="2026-03-01T00:00:00Z")
    ranked = sorted([later, early, ats], key=lambda p: canonical_rank(p, RULES))
    assert [p.id for p in ranked] == [2, 1, 3]
