# Two commands for a new user: `make run` (the bot in this terminal) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup run serve test lint bench

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || (echo "solibot needs Python 3.11+" >&2; exit 1)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/solibot chat

serve: $(STAMP)
	$(VENV)/bin/solibot serve

test: $(STAMP)
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

bench: $(STAMP)
	$(VENV)/bin/python -m bench.search
	$(VENV)/bin/python -m bench.parse
	$(VENV)/bin/python -m bench.startup

# The statistics report's charts as PNGs for docs/indicators.md (docs/img/), shot in Debian's headless
# Chromium (apt-get install chromium); the web chat's screenshots come from its browser tests.
.PHONY: screenshots
screenshots: $(STAMP)
	$(VENV)/bin/python -m bench.screenshots

# The image's dependencies, pinned with their hashes (requirements.lock) for the Python of the Dockerfile's
# base image, resolved by uv from a tool venv outside the project. Pins already in the lock are kept: pass
# LOCK_FLAGS=--upgrade (or --upgrade-package NAME) to move them.
LOCK_TOOLS ?= /tmp/solibot-lock-tools
IMAGE_PYTHON = $(shell sed -n 's/^FROM python:\([0-9.]*\)-.*/\1/p' Dockerfile)
.PHONY: lock
lock:
	test -n "$(IMAGE_PYTHON)" || { echo "make lock: no 'FROM python:X.Y.Z-…' line in Dockerfile" >&2; exit 1; }
	test -x $(LOCK_TOOLS)/bin/uv || { $(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/pip install --quiet 'uv>=0.5'; }
	$(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
	| $(LOCK_TOOLS)/bin/uv pip compile --quiet pyproject.toml - --generate-hashes \
	  --python-version $(IMAGE_PYTHON) --python-platform x86_64-manylinux_2_36 --output-file requirements.lock $(LOCK_FLAGS)
