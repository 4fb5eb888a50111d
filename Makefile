# archive-search: every job a person does is one target here, and CI calls the same ones.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
RUNTIME_LOCK := requirements-runtime.lock
# uv resolves for every platform (markers) from pyproject.toml; --generate-hashes makes pip
# refuse any file whose hash differs from the one locked.
COMPILE := pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet
INDEX  ?= var/index
CORPUS ?= corpus
HOST   ?= 127.0.0.1
PORT   ?= 8000
CHROMIUM := /usr/bin/chromium

.PHONY: axe help install lock index run serve test test-fast lint format bench bench-full bench-million browser wrk clean pg-cluster pg-cluster-stop

help:
	@echo "make run        set up, index $(CORPUS)/ and serve http://$(HOST):$(PORT) with gunicorn"
	@echo "make test       set up and run the whole test suite (installs Chromium for browser tests)"
	@echo "make test-fast  the suite without the slow tier"
	@echo "make bench      benchmarks; figures written to bench/results/"
	@echo "make bench-full benchmarks plus a generated 100,000-article archive (about 40 minutes)"
	@echo "make bench-million  a generated million-article archive on Tantivy (an hour or more)"
	@echo "make lint       ruff and mypy"
	@echo "make pg-cluster  a PostgreSQL primary and two replicas on loopback in var/pg-cluster"
	@echo "make pg-cluster-stop  stop them (data kept; remove var/pg-cluster to start afresh)"
	@echo "make lock       resolve pyproject.toml again into $(LOCK) and $(RUNTIME_LOCK)"

# Exactly the locked versions (hashes checked), then this project without its dependencies;
# pip check fails when pyproject.toml asks for something the lock lacks.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; \
		echo "$(LOCK) does not satisfy pyproject.toml: run 'make lock'"; exit 1; }
	touch $(STAMP)

install: $(STAMP)

# The runtime lock (the Docker image's) takes the versions of the full one.
lock:
	@test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet uv; }
	$(BIN)/uv $(COMPILE) --extra dev -o $(LOCK)
	$(BIN)/uv $(COMPILE) --constraint $(LOCK) -o $(RUNTIME_LOCK)

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

# axe-core (npm) for the accessibility checks of the browser tests, kept inside the venv.
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js
axe: $(AXE)

# One version, so a new release's rules cannot fail the suite on their own; npm comes
# from Debian when it is missing and we are root (a fresh machine).
AXE_VERSION := 4.14.1
$(AXE):
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; \
	fi; \
	if command -v npm >/dev/null; then \
		npm install --silent --no-audit --no-fund --prefix $(VENV)/axe axe-core@$(AXE_VERSION); \
	else \
		echo "npm is missing: apt-get install npm (the accessibility checks will skip)"; \
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

test: $(STAMP) browser axe wrk
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

# The archive and indexes stay in MILLION_DIR (~14 GB at a million), so a later run reuses them.
MILLION_DIR ?= /tmp/archive-search-million
MILLION ?= 1000000
bench-million: $(STAMP) wrk
	$(BIN)/python -m bench --only million --merge --million $(MILLION) --million-dir $(MILLION_DIR)

# A PostgreSQL primary and two streaming replicas on loopback (archive_search/pgcluster.py);
# it prints the URLs to pass to --database.
pg-cluster: $(STAMP)
	$(BIN)/python -m archive_search.pgcluster start --dir var/pg-cluster

pg-cluster-stop: $(STAMP)
	$(BIN)/python -m archive_search.pgcluster stop --dir var/pg-cluster

clean:
	-$(BIN)/python -m archive_search.pgcluster stop --dir var/pg-cluster 2>/dev/null
	rm -rf $(VENV) var test-output .pytest_cache .mypy_cache .ruff_cache
