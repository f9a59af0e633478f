"""Remote policy: structured first, then the location field and title, then what the
description says about this role; the false-positive traps of each."""

from __future__ import annotations

import pytest

from crawler.normalize.remote import decide_remote, remote_from_raw


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("remote", "remote"),
        ("Remote", "remote"),
        ("TELECOMMUTE", "remote"),
        ("true", "remote"),
        ("on-site", "onsite"),
        ("onsite", "onsite"),
        ("OnSite", "onsite"),
        ("Hybrid", "hybrid"),
        ("hybrid", "hybrid"),
        ("unspecified", None),
        ("false", None),
        ("", None),
        (None, None),
        ("TELECOMMUTE, ONSITE", "onsite"),
    ],
)
def test_board_values(raw, expected):
    assert remote_from_raw(raw) == expected


def test_structured_hybrid_and_onsite_are_final():
    text = "This role is 100% remote. Work from home!"
    assert decide_remote("hybrid", "Remote", None, text) == "hybrid"
    assert decide_remote("OnSite", None, None, text) == "onsite"


def test_structured_remote_gives_way_only_to_a_statement_about_this_role():
    assert decide_remote("remote", "Pine Bluff", None, "Work Location: Onsite (Pine Bluff)") == (
        "onsite"
    )
    commute = "Team members in this role must live within commuting distance of our Tokyo hub."
    assert decide_remote("remote", None, None, commute) == "hybrid"
    assert decide_remote("remote", None, None, "Our engineers are in-person 5 days a week.") == (
        "onsite"
    )
    policy = (
        "We encourage employees to work from our offices. Many teams do offer hybrid options. "
        "If the posting is specified as Onsite, you are required to work from an office."
    )
    assert decide_remote("remote", "Seattle, WA", None, policy) == "remote"


@pytest.mark.parametrize(
    "location, title, expected",
    [
        ("Remote - US", None, "remote"),
        ("Canada (Remote)", None, "remote"),
        ("Remote, Italy", None, "remote"),
        ("Berlin (Hybrid)", None, "hybrid"),
        ("remote-first office in Berlin, hybrid", None, "hybrid"),
        ("London, On-site", None, "onsite"),
        ("No remote", None, "onsite"),
        ("Berlin, not remote", None, "onsite"),
        (None, "Backend Team Lead - remote", "remote"),
        ("San Francisco", "Engineer", None),
    ],
)
def test_location_fields_and_titles(location, title, expected):
    assert decide_remote(None, location, title, None) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("This role is 100% remote.", "remote"),
        ("Position Type: Full-Time, Remote\nLocation: Remote", "remote"),
        ("WFH (Must reside in Riverside CA)", "remote"),
        ("As an Engineering Manager, you will 100% remotely manage a team.", "remote"),
        ("This is a hybrid role based in our Paris office.", "hybrid"),
        ("You will work 3 days a week in the office.", "hybrid"),
        ("Location: Hybrid (London)", "hybrid"),
        ("This position is on-site in Austin.", "onsite"),
        ("This is not a remote position.", "onsite"),
        ("No remote work: the lab is in Basel.", "onsite"),
        ("Remote work is not possible for this job.", "onsite"),
        # not workplaces
        ("We're looking for a hands-on, hybrid creative who thrives in brand design.", None),
        ("Expert command of hybrid delivery, automation, and governance.", None),
        ("Virtual Onsite (2 hours) – meet the team.", None),
        ("Conduct on-site and virtual product demonstrations.", None),
        ("Able to travel to remote sites.", None),
        ("You may be eligible to work in a hybrid environment or fully remotely.", "remote"),
        ("This is a home-office-based role with significant travel.", None),
    ],
)
def test_description_statements(text, expected):
    assert decide_remote(None, None, None, text) == expected


def test_unknown_stays_null():
    assert decide_remote(None, None, None, None) is None
    assert decide_remote(None, "Tokyo", "Designer", "We build games.") is None


def test_a_worldwide_location_field_is_remote():
    assert decide_remote(None, "Worldwide", None, None) == "remote"
