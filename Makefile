# The two set-up commands of a fresh machine: `make demo` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install system-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Chromium (browser tests) comes from Debian's packages, never from a browser download.
system-deps:
	bash scripts/install-system-deps.sh

demo: install
	$(BIN)/python -m bluehelmet.demo --out demo

test: install system-deps
	$(BIN)/python -m pytest -n 2 -q

bench: install
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) demo .pytest_cache
