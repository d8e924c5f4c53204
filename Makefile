# Every target sets up .venv itself, so a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test run lab lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,interop]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

run: $(STAMP)
	$(BIN)/slpsim run scenarios

# Options pass through: make lab LAB_ARGS="--switches 4 --rate 60"
lab: $(STAMP)
	$(BIN)/slpsim lab $(LAB_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/one_switch_year.py
	$(BIN)/python benchmarks/scenario_suite.py
	$(BIN)/python benchmarks/fleet_year.py
	$(BIN)/python benchmarks/lab_wire.py
	$(BIN)/python benchmarks/device_model.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
