# Two commands matter: `make demo` (the main job) and `make test` (the whole suite).
# Each creates .venv and installs what it needs by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck web-test web browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/handsync demo

test: $(STAMP) lint typecheck web-test browser
	$(BIN)/python -m pytest -q

# The web client's JavaScript (Node 20+): the strict type check (tsc --checkJs), then its
# tests, which hold it to the shared vectors.
web-test:
	cd clients/web && npm ci --silent --no-audit --no-fund && npm run --silent check && npm test --silent

# The files the relay serves as the handheld app that are made, not written: the icons,
# and the engine's worker bundled with yjs and lib0 (clients/web/app/dist/worker.js).
# Both committed; tests/web/test_bundle.py fails when they are stale.
web: $(STAMP)
	cd clients/web && npm ci --silent --no-audit --no-fund
	$(BIN)/python clients/web/make_icons.py
	$(BIN)/python clients/web/make_bundle.py

# The browser tests (tests/web/) drive Debian's Chromium, installed here when missing.
browser: $(STAMP)
	$(BIN)/python -m tests.web.browser

lint: $(STAMP)
	$(BIN)/ruff check engine relay clients tests bench

typecheck: $(STAMP)
	$(BIN)/mypy engine relay clients

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/relay.py
	$(BIN)/python bench/bridge.py
	$(BIN)/python bench/cli.py
	$(BIN)/python bench/people.py
	cd clients/web && npm ci --silent --no-audit --no-fund
	node bench/web_engine.mjs
	$(BIN)/python bench/web.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis clients/web/node_modules
