# Two commands for a fresh machine: `make demo` and `make test`. Each creates .venv and installs
# the project (pinned by constraints.txt) when it is missing, then does its job.
PYTHON ?= python3
VENV ?= .venv
# torch and torchaudio are installed in the same pip command as the project so that pip never
# picks a newer torch for another package. CPU-only users: see the README.
TORCH_SPEC ?= torch==2.14.1 torchaudio==2.11.0
PIP_ARGS ?=
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint install app docs clean-venv

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install $(PIP_ARGS) -c constraints.txt $(TORCH_SPEC) -e '.[dev,app]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q tests

# The fast lane: everything not marked slow (the whole-study, training and app tests are).
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow" tests

# ruff lint and format check (settings in pyproject.toml), and the layer contract (tests/test_layers.py).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q tests/test_layers.py

# The tables of the README and docs, and docs/results.md, rewritten from results/ (tests check they are current).
docs: $(STAMP)
	$(PY) -m genre_ldm.doc_tables
	$(PY) -m genre_ldm.results_page

demo: $(STAMP)
	$(VENV)/bin/genre-ldm study --out runs/study-toy

# The interactive app on http://127.0.0.1:7860 (the shipped models; Ctrl-C stops it).
app: $(STAMP)
	$(VENV)/bin/genre-ldm app

clean-venv:
	rm -rf $(VENV)
