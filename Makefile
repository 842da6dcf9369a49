# Everything a fresh machine needs is made here: `make run` and `make test` set up on their own.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test model bench clean-db

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Ingest the example inbox into the database ($DATABASE_URL, else the embedded one) and show a query.
run: install
	$(BIN)/nyhetsflyt ingest examples/inbox --example-query

## The whole test suite, against a real PostgreSQL and real Prefect flow runs.
test: install
	$(BIN)/python -m pytest

## Train the Norwegian spaCy pipeline from NorNE into model/nb_nyhetsflyt (about an hour on 2 cores).
model: install
	$(BIN)/nyhetsflyt nlp train

## Stop and remove the embedded PostgreSQL under var/ (your news data goes with it).
clean-db:
	-$(BIN)/python -c "import pgserver; pgserver.get_server('var/pgdata', cleanup_mode='delete')"
	rm -rf var/pgdata
