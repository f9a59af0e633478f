"""Employment type: structured first, then title, tags and statements about the role."""

from __future__ import annotations

import pytest

from crawler.normalize.employment import employment_from_raw, employment_type


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Full-time", "full_time"),  # Lever commitment
        ("FullTime", "full_time"),  # Ashby
        ("FULL_TIME", "full_time"),  # JSON-LD
        ("Part-time", "part_time"),
        ("PART_TIME", "part_time"),
        ("CONTRACTOR", "contract"),
        ("Contract", "contract"),
        ("Freelance", "contract"),
        ("INTERN", "internship"),
        ("Internship", "internship"),
        ("TEMPORARY", "temporary"),
        (["FULL_TIME", "CONTRACTOR"], "contract"),
        ("Full-time or Internship", "internship"),
        ("Vollzeit", "full_time"),
        ("정규직", "full_time"),
        ("software", None),
        ("", None),
        (None, None),
    ],
)
def test_board_values(raw, expected):
    assert employment_from_raw(raw) == expected


def test_structured_wins_over_text():
    assert employment_type("Full-time", None, None, "This is a contract role.") == "full_time"


@pytest.mark.parametrize(
    "title, tags, text, expected",
    [
        ("Design Intern Summer 2026", [], None, "internship"),
        ("Temp Clinical Product Lead", [], None, "temporary"),
        ("Contract Data Architect", [], None, "contract"),
        ("AI Trainer", ["part-time"], None, "part_time"),
        ("Data Analyst", ["full-time"], None, "full_time"),
        (None, [], "Job Type: Full-Time", "full_time"),
        (None, [], "Status: Full-Time", "full_time"),
        (None, [], "Position Type: Full-Time, Remote", "full_time"),
        (None, [], "Remote (Full Time)", "full_time"),
        (None, [], "Location: North America Remote / San Francisco · Full-Time", "full_time"),
        (None, [], "We are looking for a part-time AI Trainer.", "part_time"),
        (None, [], "The pay scale is on a contract basis.", "contract"),
        (None, [], "€2,500–3,500/month (contractor)\nFull-time", "contract"),
        (None, [], "Engagement type: Independent Contractor Agreement", "contract"),
        (None, [], "Freelance | 8–20 hrs/week | Remote (EU/UK)", "contract"),
        (None, ["part-time"], "This fully-remote, flexible freelance role", "contract"),
        (None, [], "An expert rigging artist (temporary) familiar with faces.", "temporary"),
        (None, [], "This is a US-based, remote Temp role that runs for 6 months.", "temporary"),
        (None, [], "Internship dates: June 1, 2026 - August 14, 2026", "internship"),
    ],
)
def test_title_tags_and_text(title, tags, text, expected):
    assert employment_type(None, title, tags, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "How GitLab Supports Full-Time Employees",
        "Our compensation includes equity for all full time roles.",
        "Full-time offers include base salary, equity, and benefits.",
        "Ensure contract obligations and SLAs are met.",
        "Confirm readiness in alignment with contracted customer obligations.",
        "Experience managing creative teams or freelance creators.",
        "Coordinate internal teams and third-party contractors.",
        "Flexible part-time hours are not offered.",
    ],
)
def test_boilerplate_is_not_the_roles_type(text):
    assert employment_type(None, "Engineer", [], text) is None


def test_tags_that_are_only_words_are_ignored():
    assert employment_type(None, "Engineer", ["stage", "full", "temp"], None) is None


def test_hiring_a_full_time_anyone():
    text = "We're hiring a full-time Senior Engineer to join us."
    assert employment_type(None, None, [], text) == "full_time"


# --- issue 19: qualifiers around the type words, and the board's value against the title ---


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Regular Part Time (Hourly)", "part_time"),
        ("Full Time - Permanent (Exempt)", "full_time"),
        ("Permanent, Full-Time [Hybrid]", "full_time"),
        ("Contract (6 months)", "contract"),
        ("Temporary Full Time (Non-Exempt)", "temporary"),
        ("Internship - Summer", "internship"),
        ("Part-Time (Weekends)", "part_time"),
        ("Fixed Term Contract - 12 months", "temporary"),
        ("Full Stack", None),  # "Full" alone is a type only as the whole value
        ("Regular Employee", None),
    ],
)
def test_type_words_are_read_inside_a_qualified_board_value(raw, expected):
    assert employment_from_raw(raw) == expected


@pytest.mark.parametrize(
    "raw, title, expected",
    [
        ("Full-time", "Data Science Intern, Fall 2027", "internship"),
        ("Full time", "Barista (Part Time)", "part_time"),
        ("FULL_TIME", "Seasonal Warehouse Associate - Temporary", "temporary"),
        ("Full-time", "Freelance Video Editor", "contract"),
        ("Part-time", "Engineering Co-op (Spring)", "internship"),
        ("Full-time", "Senior Backend Engineer", "full_time"),
        # The title names the job's subject, not its type.
        ("Full-time", "Senior Contract Manager", "full_time"),
        ("Full-time", "Internship Program Coordinator", "full_time"),
        ("Full-time", "Contracts Administrator", "full_time"),
    ],
)
def test_board_value_and_title_follow_one_precedence(raw, title, expected):
    assert employment_type(raw, title, None, "We offer a great team.") == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The engagement is structured as a 1099 contract for the first quarter.", "contract"),
        ("We are looking for a Staff Engineer (Full-Time Contractor) based in Peru.", "contract"),
        ("You will join the platform group on a full-time basis.", "full_time"),
        ("We plan to hire a full-time designer for the studio.", "full_time"),
        ("5+ years of experience (excluding prior internships).", None),
        ("Previous internship experience in a lab is a plus.", None),
        ("This 10-week internship starts in June.", "internship"),
    ],
)
def test_description_statements_about_the_role(text, expected):
    assert employment_type(None, "Engineer", None, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Poste à temps plein, basé à Lyon.", "full_time"),
        ("Contrato indefinido, jornada completa.", "full_time"),
        ("Vaga em tempo integral para desenvolvedor.", "full_time"),
        ("Wir suchen dich in Vollzeit (40 Std./Woche).", "full_time"),
        ("Emploi à temps partiel (20 heures).", "part_time"),
        ("Puesto de medio tiempo para estudiantes.", "part_time"),
        ("Die Stelle ist in Teilzeit oder Vollzeit möglich.", "part_time"),  # precedence
    ],
)
def test_type_words_in_other_languages(text, expected):
    assert employment_type(text=text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We prefer a permanent employee rather than a contract role for this team.",
        "Employment is through our Romanian entity, instead of a B2B contract.",
        "Preference is given to employees over independent contractors.",
    ],
)
def test_a_type_named_as_the_one_not_offered_is_not_the_roles(text):
    assert employment_type(text=text) is None


def test_a_type_offered_beside_one_not_chosen_still_counts():
    text = "This is a contract role. We chose contractors over full-time hires for speed."
    assert employment_type(text=text) == "contract"


@pytest.mark.parametrize(
    "text",
    ["You must be available to work full time (40h/week).", "Able to work full-time, EU hours."],
)
def test_the_hours_asked_of_the_hire_are_the_type(text):
    assert employment_type(text=text) == "full_time"


@pytest.mark.parametrize(
    "text",
    [
        "Minimum of 3+ years of post-internship, full-time, professional experience.",
        "2-4 years of part-time or full-time industry experience with Go.",
        "At least 5 years of contract or freelance development experience.",
    ],
)
def test_the_experience_asked_for_is_not_the_roles_type(text):
    assert employment_type(text=text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("**Full-time - Remote, Canada**\n\nWe build tools.", "full_time"),
        ("Part-time – 20h/week\n\nAbout us", "part_time"),
    ],
)
def test_a_type_heading_followed_by_a_dash(text, expected):
    assert employment_type(text=text) == expected
