"""Board lists (``data/boards/*.txt``): parsing, options, and errors that name file and line."""

from __future__ import annotations

import pytest

from crawler.sources.boards import (
    BoardListError,
    Company,
    derive_company_name,
    load_board_list,
    parse_board_list,
    parse_companies_arg,
    with_defaults,
)


def write(tmp_path, text: str):
    path = tmp_path / "lever.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_lists_enable_the_default_companies():
    assert [c.handle for c in load_board_list("lever")] == ["matchgroup", "palantir"]
    assert [c.handle for c in load_board_list("greenhouse")] == ["gitlab"]
    assert [c.handle for c in load_board_list("ashby")] == ["linear"]
    matchgroup = load_board_list("lever")[0]
    assert matchgroup.name == "Match Group"
    assert matchgroup.origin.endswith("data/boards/lever.txt:8")


def test_handles_options_comments_and_blank_lines(tmp_path):
    path = write(
        tmp_path,
        "# a comment line\n"
        "\n"
        'matchgroup   name="Match Group"   # a trailing comment\n'
        "   someeu region=EU page_size=50\n"
        "plain\n",
    )
    companies = load_board_list("lever", path)
    assert [c.handle for c in companies] == ["matchgroup", "someeu", "plain"]
    assert companies[0].options == {"name": "Match Group"}
    assert companies[1].options == {"region": "eu", "page_size": 50}  # typed and lower-cased
    assert companies[2].options == {} and companies[2].name is None
    assert companies[1].origin == f"{path}:4"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (
            "palantir regoin=eu",
            "unknown option 'regoin' for lever (known: name, page_size, region)",
        ),
        ("palantir region=mars", "region='mars' must be one of global, eu"),
        ("palantir page_size=ten", "page_size='ten' must be a whole number"),
        ('palantir name="Palantir', "No closing quotation"),
        ("palantir eu", "expected key=value after 'palantir', got 'eu'"),
        ("region=eu palantir", "a line must start with the company handle"),
        ("https://jobs.lever.co/palantir", "is not a company handle"),
        ("palantir name=A name=B", "option 'name' given twice"),
        ("MatchGroup", "'MatchGroup' is already listed at"),
    ],
)
def test_a_bad_line_is_one_clear_error_naming_file_and_line(tmp_path, line, problem):
    path = write(tmp_path, f"# companies\nmatchgroup\n{line}\n")
    with pytest.raises(BoardListError) as info:
        load_board_list("lever", path)
    message = str(info.value)
    assert message.startswith(f"{path}:3: ")
    assert problem in message
    assert "\n" not in message


def test_options_are_per_platform(tmp_path):
    path = tmp_path / "greenhouse.txt"
    path.write_text("gitlab region=eu\n")
    with pytest.raises(BoardListError, match=r"greenhouse.txt:1: unknown option 'region'"):
        load_board_list("greenhouse", path)


def test_a_missing_list_is_an_error_naming_the_file(tmp_path):
    with pytest.raises(BoardListError, match=r"nope.txt: no board list for lever"):
        load_board_list("lever", tmp_path / "nope.txt")


def test_an_empty_list_is_allowed(tmp_path):
    assert load_board_list("lever", write(tmp_path, "# nothing yet\n")) == []


def test_companies_argument_takes_handles_with_optional_options():
    companies = parse_companies_arg("palantir region=eu, matchgroup ,", "lever")
    assert [(c.handle, dict(c.options)) for c in companies] == [
        ("palantir", {"region": "eu"}),
        ("matchgroup", {}),
    ]
    with pytest.raises(BoardListError, match=r"^-a companies \(item 2\): unknown option 'x'"):
        parse_companies_arg("a,b x=1", "lever")
    with pytest.raises(BoardListError, match="no company handle"):
        parse_companies_arg(" , ", "lever")


def test_a_company_option_wins_over_a_spider_argument_default():
    own = Company("a", {"page_size": 0})
    assert with_defaults(own, {"page_size": 100}).options == {"page_size": 0}
    assert with_defaults(Company("b"), {"page_size": 100}).options == {"page_size": 100}


def test_parse_board_list_is_pure_and_reports_its_source():
    companies = parse_board_list(["acme name=Acme"], "ashby", "inline")
    assert companies == [Company("acme", {"name": "Acme"}, "inline:1")]


@pytest.mark.parametrize(
    ("handle", "name"),
    [("palantir", "Palantir"), ("match-group", "Match Group"), ("open_ai", "Open Ai"),
     ("matchgroup", "Matchgroup")],
)  # fmt: skip
def test_a_readable_name_is_derived_from_the_handle(handle, name):
    assert derive_company_name(handle) == name
