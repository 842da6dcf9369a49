# Everything a fresh machine needs is made here: `make run` and `make test` set up on their own.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test test-fast lint model bench clean-db stack stack-down

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# The browser test drives Debian's Chromium; install it where apt can (root, no sudo needed).
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
	touch $(STAMP)

install: $(STAMP)

## Ingest the example inbox into the database ($DATABASE_URL, else the embedded one) and show a query.
run: install
	$(BIN)/nyhetsflyt ingest examples/inbox --example-query

## The whole test suite, against a real PostgreSQL and real Prefect flow runs.
test: install
	$(BIN)/python -m pytest

## The fast tier: unit tests that need no PostgreSQL and no Prefect API, on both cores.
test-fast: install
	$(BIN)/python -m pytest -m "not integration" -n 2 -q

## The layer contract, lint and types: what CI checks beside the tests.
lint: install
	$(BIN)/lint-imports
	$(BIN)/ruff check nyhetsflyt flows tasks bench tests
	$(BIN)/mypy

## A production-like local stack: Prefect server on PostgreSQL, work pool, deployments, 2 workers (UI on :4200).
stack: install
	$(BIN)/nyhetsflyt stack up --workers $(or $(WORKERS),2)

stack-down:
	$(BIN)/nyhetsflyt stack down

## Train the Norwegian spaCy pipeline from NorNE into model/nb_nyhetsflyt (about an hour on 2 cores).
model: install
	$(BIN)/nyhetsflyt nlp train --max-minutes 45

## Benchmark the pipeline against its floors (nlp.pipe, COPY) on a quiet machine: about 15 minutes.
## Needs PostgreSQL on 127.0.0.1:5432 (or BENCH_DATABASE_SERVER); options: make bench ARGS="--articles 500".
## BASELINE=<git ref> also runs that revision's pipeline over the same corpus, side by side (+10 minutes).
bench: install
	$(BIN)/python -m bench.run $(if $(BASELINE),--baseline $(BASELINE)) $(ARGS)

## Stop and remove the embedded PostgreSQL under var/ (your news data goes with it).
clean-db:
	-$(BIN)/python -c "import pgserver; pgserver.get_server('var/pgdata', cleanup_mode='delete')"
	rm -rf var/pgdata
