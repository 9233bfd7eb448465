# The two commands of the Quick start. Both do every set-up step themselves.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint translations extract-messages update-translations clean

$(BIN)/jointdegree: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: $(BIN)/jointdegree
	$(BIN)/pybabel -q compile -d translations

run: translations
	$(BIN)/jointdegree db upgrade
	$(BIN)/jointdegree demo
	$(BIN)/jointdegree run --host $(HOST) --port $(PORT)

# axe-core for the accessibility checks of tests/e2e (skipped with a reason when npm is absent).
tests/e2e/node_modules/axe-core/axe.min.js: tests/e2e/package-lock.json
	-npm ci --prefix tests/e2e --no-audit --no-fund --silent

test: translations tests/e2e/node_modules/axe-core/axe.min.js
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/jointdegree
	$(BIN)/ruff check .

# Maintainers: after changing user-visible strings (then translate the new entries).
extract-messages: $(BIN)/jointdegree
	$(BIN)/python -m jointdegree.i18n_tools extract

update-translations: $(BIN)/jointdegree
	$(BIN)/python -m jointdegree.i18n_tools update

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
