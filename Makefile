# archive-search: every job a person does is one target here, and CI calls the same ones.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
INDEX  ?= var/index
CORPUS ?= corpus
HOST   ?= 127.0.0.1
PORT   ?= 8000
CHROMIUM := /usr/bin/chromium

.PHONY: help install index run serve test test-fast lint format bench bench-full browser wrk clean

help:
	@echo "make run        set up, index $(CORPUS)/ and serve http://$(HOST):$(PORT) with gunicorn"
	@echo "make test       set up and run the whole test suite (installs Chromium for browser tests)"
	@echo "make test-fast  the suite without the slow tier"
	@echo "make bench      benchmarks; figures written to bench/results/"
	@echo "make bench-full benchmarks plus a generated 100,000-article archive (about 40 minutes)"
	@echo "make lint       ruff and mypy"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Exit status 1 means some files were reported and the rest indexed: still serve.
index: $(STAMP)
	$(BIN)/archive-search index $(CORPUS) --index $(INDEX) || [ $$? -eq 1 ]

run: index
	$(BIN)/archive-search serve --index $(INDEX) --host $(HOST) --port $(PORT)

serve: $(STAMP)
	$(BIN)/archive-search serve --index $(INDEX) --host $(HOST) --port $(PORT)

# Debian's Chromium for the end-to-end tests (Playwright drives it; it never downloads a browser).
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "Chromium is missing: sudo apt-get install chromium (browser tests will skip)"; \
		fi; \
	fi

# wrk, the C load generator for the HTTP benchmark (without it the benchmark uses Python clients,
# which take a core of the two from the server).
wrk:
	@if ! command -v wrk >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
		else \
			echo "wrk is missing: sudo apt-get install wrk (the HTTP benchmark falls back to Python clients)"; \
		fi; \
	fi

test: $(STAMP) browser wrk
	$(BIN)/pytest

test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) wrk
	$(BIN)/python -m bench

bench-full: $(STAMP) wrk
	$(BIN)/python -m bench --full

clean:
	rm -rf $(VENV) var test-output .pytest_cache .mypy_cache .ruff_cache
