# Every target sets up .venv itself, so a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test run lab lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,interop,browser]'
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

# Every script in benchmarks/ prints the lines the README's benchmark table quotes, each figure
# beside its reference from the same run. `make bench QUICK=1`: small runs, for scripts that
# take --quick.
bench: $(STAMP)
	@for script in benchmarks/*.py; do \
		args=""; \
		if [ -n "$(QUICK)" ] && grep -q -- '"--quick"' $$script; then args="--quick"; fi; \
		echo "$$ $(BIN)/python $$script $$args"; \
		$(BIN)/python $$script $$args || exit 1; \
	done

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
