# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test test-browser bench assets serve-production clean mutation

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/flask --app portal db upgrade
	$(BIN)/flask --app portal seed-demo --if-empty
	@echo ""
	@echo "Serving the 287(g) Training Portal at http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/flask --app portal run --host 127.0.0.1 --port $(PORT)

# Lint (ruff) and types (mypy), configured in pyproject.toml, and static security analysis (no
# high-severity finding allowed): any finding stops here. Then the whole suite on SQLite and,
# when TEST_DATABASE_URL names a server, at the same time on PostgreSQL (one core each; its output
# is printed after SQLite's). The browser tests, which drive the interface rather than the
# database, run once, on SQLite.
PG_LOG := test-artifacts/pytest-postgresql.log
test: $(VENV)/.installed-test
	$(BIN)/ruff check portal tests bench
	$(BIN)/mypy
	$(BIN)/bandit -q -r portal -lll
	@if [ -z "$$TEST_DATABASE_URL" ]; then exec $(BIN)/python -m pytest $(PYTEST_ARGS); fi; \
	mkdir -p test-artifacts; \
	echo "== SQLite, with PostgreSQL running alongside (its output follows) =="; \
	$(BIN)/python -m pytest -p no:cacheprovider --ignore=tests/browser $(PYTEST_ARGS) > $(PG_LOG) 2>&1 & postgres=$$!; \
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS); sqlite_status=$$?; \
	wait $$postgres; postgres_status=$$?; \
	echo "== PostgreSQL =="; cat $(PG_LOG); \
	echo "== SQLite exit $$sqlite_status, PostgreSQL exit $$postgres_status =="; \
	test $$sqlite_status -eq 0 -a $$postgres_status -eq 0

# Only the real-browser tests (Playwright driving Debian's Chromium; skipped with a message without it).
test-browser: $(VENV)/.installed-test
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest tests/browser $(PYTEST_ARGS)

$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

# Program-scale figures on the local PostgreSQL (see bench/README.md): statement counts per page at
# 1/10 and full size, latency, 200 officers against gunicorn, certificates. One JSON line each, all
# in bench/results.json; exit status 1 if a page's count grows or a request fails under load.
BENCH_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
bench: $(VENV)/.installed-bench
	BENCH_POSTGRES_URL=$(BENCH_POSTGRES_URL) $(BIN)/python -m bench

$(VENV)/.installed-mutation: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	touch $@

# Mutation testing of the program's rules (docs/mutation-testing.md): mutmut mutates the rule-bearing
# functions and runs the tests that pin them, on SQLite; prints the score per module and the
# surviving mutants. From scratch each time (mutants/ is rebuilt). MUTATION_JOBS=2 workers.
# Survivors that only PostgreSQL can tell (SQL it refuses) are run again on MUTATION_POSTGRES_URL.
MUTATION_JOBS ?= 2
MUTATION_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
mutation: $(VENV)/.installed-mutation
	rm -rf mutants
	env -u TEST_DATABASE_URL MUTATION_JOBS=$(MUTATION_JOBS) MUTATION_POSTGRES_URL=$(MUTATION_POSTGRES_URL) \
		$(BIN)/python scripts/mutation.py

serve-production: $(VENV)/.installed
	PORTAL_ENV=production $(BIN)/flask --app portal db upgrade
	PORTAL_ENV=production $(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 wsgi:app

# Refresh the vendored USWDS assets under static/vendor/ from npm (the version pinned in
# package.json / package-lock.json); commit the result. Needs Node.js and npm, nothing else.
assets:
	@command -v npm >/dev/null 2>&1 || { echo "make assets needs Node.js and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	bash scripts/vendor-assets.sh

clean:
	rm -rf $(VENV) .pytest_cache mutants .mypy_cache .ruff_cache
