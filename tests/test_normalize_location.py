"""Where: countries from names, native names, abbreviations, states, cities and flags;
regions; time-zone windows; and the places a description names that are not the job's."""

from __future__ import annotations

import pytest

from crawler.normalize.location import REGIONS, parse_location, time_zone_window


def countries(location_raw=None, title=None, text=None, structured=None):
    return parse_location(location_raw, title, text, structured).countries


def regions(location_raw=None, title=None, text=None):
    return parse_location(location_raw, title, text).regions


@pytest.mark.parametrize(
    "location, expected",
    [
        ("Remote, USA", ["US"]),
        ("United States - Remote Flexibility", ["US"]),
        ("Remote (United States)", ["US"]),
        ("Remote, US", ["US"]),
        ("United Kingdom", ["GB"]),
        ("UK", ["GB"]),
        ("UAE", ["AE"]),
        ("Canada (Remote)", ["CA"]),
        ("Seoul, South Korea", ["KR"]),
        ("Deutschland", ["DE"]),  # native names, from CLDR
        ("Polska", ["PL"]),
        ("España", ["ES"]),
        ("대한민국", ["KR"]),
        ("Schweiz", ["CH"]),
        ("🇩🇪 Berlin", ["DE"]),
        ("🇧🇷", ["BR"]),
        ("Saint Louis, MO, USA", ["US"]),
        ("Troy, MI", ["US"]),
        ("Londonderry, New Hampshire", ["US"]),  # the state decides, not the Irish city
        ("California", ["US"]),
        ("San Francisco, CA | New York City, NY | Seattle, WA", ["US"]),
        ("Toronto, Ontario", ["CA"]),
        ("Toronto, CA", ["CA"]),  # CA after a Canadian city is Canada, not California
        ("Palo Alto, CA", ["US"]),
        ("Gdańsk", ["PL"]),
        ("Dublin", ["IE"]),
        ("London", ["GB"]),
        ("Metro Manila", ["PH"]),
        ("Port-au-Prince", ["HT"]),
        ("Pine Bluff", ["US"]),
        ("New Mexico", ["US"]),  # a state, not Mexico
        ("New Jersey", ["US"]),  # a state, not Jersey
        ("Remote, Italy | Italy", ["IT"]),
        ("DACH", ["AT", "CH", "DE"]),
    ],
)
def test_location_fields(location, expected):
    assert countries(location) == expected


@pytest.mark.parametrize("location", ["Vancouver", "Georgia", "Remote", "Anywhere", "Worldwide"])
def test_ambiguous_or_placeless_fields_name_no_country(location):
    assert countries(location) == []


def test_structured_codes_are_kept_and_merged():
    assert countries("Seoul, South Korea", structured=["kr"]) == ["KR"]
    assert countries("Remote, Canada", structured=["US"]) == ["CA", "US"]


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Senior Ecommerce Creative Strategist Philippines", ["PH"]),
        ("Account Executive - Italy", ["IT"]),
        ("UK Support Specialist", ["GB"]),
        ("AI Specialist Haitian Creole", []),  # an adjective is not a place
        ("Executive Brand Operations", []),
    ],
)
def test_titles(title, expected):
    assert countries(title=title) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Location: Remote (Haiti, in-country preferred but not required)", ["HT"]),
        ("All positions can be performed remotely (within the US).", ["US"]),
        ("This is a remote, US-based role.", ["US"]),
        ("We're looking for a Support Specialist based in the UK.", ["GB"]),
        ("Candidates must be located in the United States for consideration.", ["US"]),
        (
            "Team members in this role must live within commuting distance of our Dublin, "
            "Ireland hub, London, UK hub or Berlin, Germany hub.",
            ["DE", "GB", "IE"],
        ),
        ("Team members in this role must live within commuting distance of our Tokyo hub.", ["JP"]),
        (
            "You can work fully remote as long as you're living in (or willing to relocate to) "
            "either Germany, France, Italy, Serbia, Portugal, or Spain.",
            ["DE", "ES", "FR", "IT", "PT", "RS"],
        ),
        ("We are unable to consider applicants who live outside of the US.", ["US"]),
        ("Location: Remote (except California)", []),
        ("WFH (Must reside in Riverside CA)", ["US"]),
        ("Work from anywhere in the U.S.", ["US"]),
    ],
)
def test_location_statements_in_descriptions(text, expected):
    assert countries(text=text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Headquartered in Seattle with offices in more than 30 countries.",
        "Today, we have a global footprint with our headquarters located in Denmark (Hørsholm) "
        "and offices in New York, Phoenix, Seoul, and Tokyo.",
        "Our team is globally distributed across 8 countries: Romania, Moldova, the Netherlands.",
        "We're anchored in hubs across the US, UK, Ireland, Poland, Germany, and Australia.",
        "We help Australian companies hire great people.",
        "Ensure compliance with the Canadian Electrical Code.",
        "For eligible employees in the US, we offer a 401k plan.",
        "Periodic travels to the U.S. will be required.",
        "Experience working with US-based ecommerce businesses is preferred.",
        "Ability to travel throughout the US/Canada and internationally",
        "Candidates must reside in one of these states (e.g., residing in Georgia is fine).",
    ],
)
def test_places_that_are_not_the_job(text):
    assert countries(text=text) == []


@pytest.mark.parametrize(
    "location, text, expected",
    [
        ("Remote-EU", None, ["EU"]),
        ("APAC-C1", None, ["APAC"]),
        ("Remote - Americas", None, ["Americas"]),
        ("Europe", None, ["Europe"]),
        ("Worldwide", None, ["worldwide"]),
        ("Anywhere", None, ["worldwide"]),
        ("Remote - Anywhere", None, ["worldwide"]),
        ("Global (Remote)", None, ["worldwide"]),
        ("North America Remote / San Francisco", None, ["North America"]),
        ("Remote (LATAM)", None, ["LATAM"]),
        (None, "Freelance | 8–20 hrs/week | Remote (EU/UK)", ["EU"]),
        (None, "You live in the EMEA Region (UTC 0 to UTC +4 time zones).", ["EMEA"]),
        (None, "This role is open to candidates based in North America and Europe.",
         ["North America", "Europe"]),
        (None, "Remote flexibility – work from anywhere", ["worldwide"]),
        (None, "Fully remote work — no location restrictions.", ["worldwide"]),
        (None, "Work from anywhere in the U.S.", []),
        (None, "We protect over 550,000 customers worldwide.", []),
        (None, "Our team is distributed across North America, Europe, and Australia.", []),
        (None, "South Africa", []),
    ],
)  # fmt: skip
def test_regions(location, text, expected):
    assert regions(location, text=text) == expected
    assert set(expected) <= set(REGIONS)


@pytest.mark.parametrize(
    "text, window",
    [
        ("Working hours overlap: UTC -1 / UTC+3", (-1, 3)),
        ("You live in the EMEA Region (UTC 0 to UTC +4 time zones).", (0, 4)),
        ("Between GMT-8 and GMT-5", (-8, -5)),
        ("Team in UTC+05:30", (5.5, 5.5)),
        ("Shift 10:00 A.M. - 6:00 P.M. GMT.", (None, None)),
        ("No time zone here", (None, None)),
    ],
)
def test_time_zone_windows(text, window):
    assert time_zone_window(text) == window


@pytest.mark.parametrize(
    "text",
    [
        "We are a fast-growing startup based in Berlin.",
        "Acme is an agency based in London with clients everywhere.",
    ],
)
def test_where_the_company_is_based_is_not_the_job(text):
    assert countries(text=text) == []


# --- issue 19: places ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "location, expected",
    [
        ("Medellin, Colombia", ["CO"]),  # also names the country
        ("Krakow", ["PL"]),
        ("Malmo", ["SE"]),
        ("Gdansk (hybrid)", ["PL"]),
        ("Reykjavik", ["IS"]),
        ("Lodz", ["PL"]),
    ],
)
def test_cities_written_without_their_accents(location, expected):
    assert countries(location) == expected


@pytest.mark.parametrize(
    "location, expected",
    [
        ("Chennai, TN", ["IN"]),  # Tamil Nadu, not Tunisia
        ("Stuttgart, BW", ["DE"]),  # Baden-Württemberg, not Botswana
        ("Curitiba, PR", ["BR"]),  # Paraná, not Puerto Rico
        ("Melbourne, VIC", ["AU"]),
        ("Lagos, LA", ["NG"]),  # Lagos State, not Louisiana
        ("Saint Louis, MO", ["US"]),
        ("Remote, PL", ["PL"]),  # a bare code with no city before it is still a country
    ],
)
def test_a_region_code_after_its_city_is_not_a_country(location, expected):
    assert countries(location) == expected


@pytest.mark.parametrize(
    "location, title, expected",
    [
        ("NYC / Remote", None, ["US"]),
        ("SF Bay Area", None, ["US"]),
        ("ATX", None, ["US"]),
        ("LA or Remote", None, ["US"]),
        (None, "Product Designer (NYC)", ["US"]),
        ("APAC / SEA", None, []),  # South-East Asia, not Seattle
    ],
)
def test_city_abbreviations(location, title, expected):
    assert countries(location, title) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Open to candidates anywhere in North and South America.", ["Americas"]),
        ("Remote (North/South America)", ["Americas"]),
        ("Remote in North, Central and South America", ["Americas"]),
        ("Remote in South America", ["LATAM"]),
    ],
)
def test_north_and_south_america_together_are_the_americas(text, expected):
    assert regions(text) == expected


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Partner Manager, Benelux", []),
        ("Enterprise Sales Lead - Nordics", []),
        ("Business Development, Cross-Border Korea", []),
        ("Growth Lead, Japan Market", []),
        ("Account Executive - Italy", ["IT"]),  # a plain country is still the place
    ],
)
def test_markets_in_titles_are_not_places_of_work(title, expected):
    assert countries("Remote", title) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Our designers work remotely from Canada, Brazil and Kenya.",
        "Acme is a work-from-anywhere company with people in 30 countries.",
        "Companies should be able to hire talent anywhere in the world.",
        "We are a remote, global workforce spread over five continents.",
    ],
)
def test_company_descriptions_are_not_requirements(text):
    where = parse_location("Remote", None, text)
    assert (where.countries, where.regions) == ([], [])


def test_a_requirement_next_to_company_words_still_counts():
    text = "Team members in this role must be based in Ireland."
    assert countries("Remote", None, text) == ["IE"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("This job can be based at our Denver, CO or Raleigh, NC sites.", ["US"]),
        ("Relocation support is offered to our offices in Toronto or Vancouver.", ["CA"]),
        ("We're hiring engineers in Poland and Portugal.", ["PL", "PT"]),
        (
            "At present we can employ people in the following countries: Chile, Peru, "
            "Argentina, Uruguay, Paraguay, Bolivia, Ecuador, Colombia, Venezuela, Guyana, "
            "Suriname, Panama, Costa Rica, Nicaragua, Honduras, El Salvador, Guatemala, "
            "Belize, Mexico, Cuba, Jamaica, Haiti and the Dominican Republic.",
            [
                "AR",
                "BO",
                "BZ",
                "CL",
                "CO",
                "CR",
                "CU",
                "DO",
                "EC",
                "GT",
                "GY",
                "HN",
                "HT",
                "JM",
                "MX",
                "NI",
                "PA",
                "PE",
                "PY",
                "SR",
                "SV",
                "UY",
                "VE",
            ],
        ),  # fmt: skip
    ],
)
def test_where_the_job_can_be_held_or_hired(text, expected):
    assert countries("Remote", None, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("We're seeking candidates in Portugal or Ireland for this role.", ["IE", "PT"]),
        ("Applicants from Brazil, Chile and Colombia are welcome.", ["BR", "CL", "CO"]),
        ("We are accepting applications from candidates based in Poland.", ["PL"]),
        ("Candidates who are located in Japan only, please.", ["JP"]),
    ],
)
def test_who_may_apply_is_a_location_statement(text, expected):
    assert countries(text=text) == expected


def test_candidates_sentences_about_the_company_are_not_the_job():
    text = "Our company has helped candidates in Germany and France find jobs for 20 years."
    assert countries(text=text) == []


@pytest.mark.parametrize(
    "location, text",
    [
        ("Remote (anywhere on the planet)", None),
        ("Remote", "You can work from anywhere on earth, as long as you overlap 4 hours."),
        ("Remote - anywhere around the world", None),
    ],
)
def test_anywhere_on_the_globe_is_worldwide(location, text):
    assert regions(location, text=text) == ["worldwide"]


@pytest.mark.parametrize(
    "location, expected",
    [
        ("Canada (QC, NS or NB only)", ["CA"]),  # NB: New Brunswick, not a US code
        ("Remote - India (KA, MH, TN)", ["IN"]),  # TN: Tamil Nadu, not Tunisia
        ("Canada - Remote (ON, AL, and BC Only)", ["CA"]),  # a code written wrong, still CA's
        ("Australia (NSW, WA, SA)", ["AU"]),  # SA: South Australia, not Saudi Arabia
    ],
)
def test_codes_beside_the_one_country_named_are_its_regions(location, expected):
    assert countries(location) == expected


@pytest.mark.parametrize(
    "location, expected",
    [
        ("Remote (ON, BC), Canada or USA (NY, CA)", ["CA", "US"]),
        ("Toronto, ON or Austin, TX", ["CA", "US"]),  # no country named: cities and states
        ("Canada or the United States (ON, TX)", ["CA", "US"]),
    ],
)
def test_codes_stay_countries_or_states_when_no_single_country_owns_them(location, expected):
    assert countries(location) == expected


@pytest.mark.parametrize(
    "title, location, expected_regions, expected_countries",
    [
        ("Data Engineer (Acme Europe GmbH)", "Remote", [], []),
        ("Staff Engineer - Globex Asia Pacific Pte. Ltd.", None, [], []),
        ("Account Manager (Initech Americas, Inc.) - Remote, EMEA", None, ["EMEA"], []),
        ("Payroll Specialist, Umbrella Canada Ltd.", "Remote (Germany)", [], ["DE"]),
    ],
)
def test_a_legal_entity_name_is_the_employer_not_a_place(
    title, location, expected_regions, expected_countries
):
    where = parse_location(location, title)
    assert where.regions == expected_regions and where.countries == expected_countries


PERKS = (
    "About the role: build payroll.\n\nWhat we offer:\n\nUnlimited PTO\n\n"
    "Work from anywhere in Mexico and Colombia\n\nA learning budget\n"
)


def test_a_perks_list_does_not_add_places_to_a_posting_that_names_its_country():
    assert countries("Remote - Brazil", text=PERKS) == ["BR"]
    assert countries(None, "Data Engineer (Remote, Chile)", text=PERKS) == ["CL"]


def test_a_perks_list_is_read_when_nothing_else_names_the_place():
    assert countries("Remote", text=PERKS) == ["CO", "MX"]


def test_a_location_line_after_a_perks_list_is_its_own_statement():
    text = "Benefits include:\n\nHealth cover\n\nLocation: Remote (Portugal only)\n"
    assert countries("Spain", text=text) == ["ES", "PT"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Work location:\n\nAustin, TX office, five days a week\n", ["US"]),
        ("Locations:\n\n\nRemote within Germany\n\nAbout us", ["DE"]),
    ],
)
def test_a_location_label_with_its_value_on_the_next_line(text, expected):
    assert countries(text=text) == expected


def test_whom_the_company_takes_for_this_job_counts_even_in_a_company_sentence():
    text = "Acme is a distributed company and we hire candidates based in Mexico for this role."
    assert countries(text=text) == ["MX"]
    assert regions(text="We're a remote company, open to applicants in Europe for this job.") == [
        "Europe"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "This salary range is what we expect to pay candidates in the United States.",
        "The pay range applies to applicants based in California; it differs elsewhere.",
    ],
)
def test_whom_a_pay_range_is_for_is_not_where_the_job_is(text):
    assert countries("Remote", text=text) == []


@pytest.mark.parametrize(
    "location, expected", [("Cebu City, Philippines", ["PH"]), ("Taichung City - Remote", ["TW"])]
)
def test_a_city_written_with_city_after_its_name(location, expected):
    assert countries(location) == expected


def test_a_candidate_who_resides_somewhere_is_a_location_statement():
    text = "The candidate must be fluent in Portuguese and currently resides in Latin America."
    assert regions(text=text) == ["LATAM"]
    assert countries(text="Whoever joins resides in Chile, ideally Santiago.") == ["CL"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Remote Work! Work anywhere you'd like in Brazil.", ["BR"]),
        ("You can work from anywhere you want within Canada.", ["CA"]),
    ],
)
def test_anywhere_you_like_in_a_country_is_that_country_not_worldwide(text, expected):
    where = parse_location(None, None, text)
    assert where.countries == expected and where.regions == []
