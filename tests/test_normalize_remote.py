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


# --- issue 19: statements about the role against everything else ----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "This team is not for you if you would rather work remotely full time.",
        "Unless you can work from home reliably, please don't apply.",
        "Candidates who prefer to work remotely may find this role a poor match.",
    ],
)
def test_a_denied_or_conditional_remote_word_is_not_a_remote_statement(text):
    assert decide_remote(None, "Austin, TX", "Engineer", text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("You'll be at our Leeds studio three days per week.", "hybrid"),
        ("We expect you on-site 2-3 days a week.", "hybrid"),
        ("Work from our Austin HQ at least four days a week.", "hybrid"),
        ("The role is in-office five days per week.", "onsite"),
        ("You will work 5 days a week from the Warsaw office.", "onsite"),
        # The count binds those near an office only: the role itself stays remote.
        ("Staff living within 30 miles of an office come in two days a week.", None),
        ("If you live near Boston, you'll join us in the office 3 days a week.", None),
    ],
)
def test_days_a_week_at_the_workplace(text, expected):
    assert decide_remote(None, None, "Engineer", text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "It is a hybrid role, blending product management and engineering.",
        "This is a hybrid position spanning research and support.",
        "The role is a hybrid of sales engineering and solution design.",
    ],
)
def test_hybrid_about_the_roles_content_is_not_a_workplace(text):
    assert decide_remote(None, None, "Engineer", text) is None


@pytest.mark.parametrize(
    "text",
    [
        "The job includes regular in-office days at our Munich site.",
        "You will split your time between home and our Paris office.",
        "Expect a mix of remote and in-office work.",
    ],
)
def test_part_of_the_time_at_the_office_is_hybrid(text):
    assert decide_remote(None, None, "Engineer", text) == "hybrid"


def test_occasional_travel_to_the_office_leaves_a_remote_role_remote():
    text = "This is a fully remote role with occasional in-person team weeks."
    assert decide_remote(None, "Remote", "Engineer", text) == "remote"


@pytest.mark.parametrize(
    "location, title, expected",
    [
        ("Remote or Hybrid", None, "remote"),
        ("Hybrid / Remote - Berlin", None, "remote"),
        ("Berlin (Hybrid)", None, "hybrid"),
        (None, "Hybrid Cloud Platform Engineer", None),
        (None, "Hybrid App Developer (Ionic)", None),
    ],
)
def test_fields_offering_remote_and_hybrid_as_a_subject(location, title, expected):
    assert decide_remote(None, location, title, None) == expected


def test_a_role_based_in_an_office_is_on_site_and_a_benefit_is_no_workplace():
    assert (
        decide_remote(None, "Remote", None, "The position is based at our Lisbon office.")
        == "onsite"
    )
    perks = "Perks: home office budget, work from home stipend, WFH allowance."
    assert decide_remote(None, "Chicago, IL", None, perks) is None
    assert decide_remote(None, None, None, "This role is open to remote candidates.") == "remote"


@pytest.mark.parametrize(
    "text",
    [
        "Based in our Denver office. Remote work may be considered in exceptional cases.",
        "Remote arrangements can be approved for specific circumstances only.",
        "Fully remote work is considered only on a case-by-case basis.",
    ],
)
def test_remote_as_an_exception_is_on_site(text):
    assert decide_remote(None, "Remote - US", None, text) == "onsite"


def test_remote_that_will_be_considered_for_everyone_is_no_exception():
    text = "We are a distributed team; remote work will be considered for all candidates."
    assert decide_remote(None, "Remote", None, text) == "remote"


@pytest.mark.parametrize(
    "text",
    [
        "You will be working onsite at our Austin plant, supporting the assembly line.",
        "The team works in person in Chicago and ships weekly.",
        "Engineers here work on-site with the hardware every day.",
    ],
)
def test_working_on_site_said_of_the_role_is_on_site(text):
    assert decide_remote(None, None, None, text) == "onsite"


@pytest.mark.parametrize(
    "text",
    [
        "The role may require working on-site for launches.",
        "Be willing to work onsite when needed.",
        "There is potential to work onsite with key clients.",
        "You will occasionally work in person with the team at offsites.",
        "Travel to work on-site with customers twice a quarter.",
    ],
)
def test_occasional_or_conditional_on_site_work_is_not_the_workplace(text):
    assert decide_remote(None, "Remote", None, text) == "remote"


@pytest.mark.parametrize(
    "text",
    [
        "Join our team at the Lisbon office or remotely.",
        "You can be based in Austin, Texas or remote, within the US.",
    ],
)
def test_remote_offered_beside_a_place_is_remote(text):
    assert decide_remote(None, None, None, text) == "remote"


@pytest.mark.parametrize(
    "location, title, expected",
    [
        ("US - Distributed", None, "remote"),
        ("Distributed (EU)", None, "remote"),
        (None, "Distributed Systems Engineer", None),  # the work's subject
        ("Berlin", "Senior Engineer, Distributed Databases", None),
    ],
)
def test_distributed_as_a_location_is_remote(location, title, expected):
    assert decide_remote(None, location, title, None) == expected
