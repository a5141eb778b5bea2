# The README's commands. `make run` serves the demo; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
MANAGE := $(PY) manage.py

.PHONY: run test setup deps dev-deps assets lint format messages bench clean

run: deps assets
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(MANAGE) migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(MANAGE) loaddata fixtures/*.json
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(MANAGE) seed_demo --if-empty
	@echo "Serving at http://127.0.0.1:$(PORT)/  (Ctrl+C to stop)"
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(MANAGE) runserver 127.0.0.1:$(PORT)

test: dev-deps assets
	$(VENV)/bin/pytest

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps
assets: node_modules/.package-lock.json

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

$(VENV)/.deps: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.deps $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

lint: dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: dev-deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Needs GNU gettext (apt-get install gettext). The .po and .mo files are committed.
messages: dev-deps
	DJANGO_DEBUG=1 $(MANAGE) makemessages -l zh_Hans --no-location --no-obsolete --ignore=node_modules --ignore=.venv --ignore=staticfiles
	DJANGO_DEBUG=1 $(MANAGE) compilemessages -l zh_Hans --ignore=node_modules --ignore=.venv

bench: dev-deps
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules staticfiles
