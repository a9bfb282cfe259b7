# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench-data clean

$(VENV)/.run-installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Starts the app on the embedded PostgreSQL (migrated and seeded on first
# start); Streamlit's own settings such as STREAMLIT_SERVER_PORT apply.
run: $(VENV)/.run-installed
	$(VENV)/bin/streamlit run app.py

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# Every test: lint and types, then the suite on two workers against a real
# embedded PostgreSQL, real Streamlit and (where installed) real Chromium.
test: lint
	$(PY) -m pytest -n 2 --dist loadgroup

clean:
	rm -rf .data/test-postgres
