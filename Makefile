# gugus — two commands: `make demo` runs the main job, `make test` passes the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# clkhash is installed without its dependency pins: see pyproject.toml and docs/pprl.md
CLKHASH := clkhash==0.18.3

.PHONY: demo cli test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	# clkhash 0.18.3 (the latest) pins cryptography<41 and mypy_extensions<0.5; gugus
	# needs cryptography>=42 and clkhash runs with it, so it comes without its pins
	# (its run-time deps are in pyproject.toml; `pip check` names only these two pins).
	$(BIN)/pip install --quiet --no-deps $(CLKHASH)
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gugus demo

# the CLI of the venv, e.g. make cli ARGS="search garcia --as emily.hsi" (uses demo-node/gugus.db)
cli: $(STAMP)
	@$(BIN)/gugus $(ARGS)

# Tests run on TEST_WORKERS processes (pytest-xdist): each file whole in one
# of them so its module fixtures are built once, the long property leak tests
# one by one (tests/conftest.py).  The suite waits on servers, browsers and
# PostgreSQL as much as it computes.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q --durations=15 -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/read.py --workers 1
	$(BIN)/python benchmarks/read.py --workers 2
	# 200 requests on PostgreSQL: rare words no longer read the whole table, but a
	# full 2,000-request run has not been completed yet (README, PostgreSQL search plan)
	$(BIN)/python benchmarks/read.py --workers 2 --backend postgresql --requests 200
	$(BIN)/python benchmarks/pg_search.py
	$(BIN)/python benchmarks/read.py --workers 2 --during-load --load-lines 600000
	$(BIN)/python benchmarks/markings_scale.py
	$(BIN)/python benchmarks/search_timing.py
	$(BIN)/python benchmarks/audit_append.py
	$(BIN)/python benchmarks/extract.py
	$(BIN)/python benchmarks/load_documents.py --docs 10000
	$(BIN)/python benchmarks/load_csv.py --rows 1000000
	$(BIN)/python benchmarks/xref_pprl.py
	$(BIN)/python benchmarks/xref_febrl.py
	# 1,000,000 people is the target; 50,000 is what runs today in minutes (README)
	$(BIN)/python benchmarks/xref_scale.py --people 50000

clean:
	rm -rf $(VENV) demo-node .pytest_cache
