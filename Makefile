# The two README commands: `make demo` and `make test`. Both build .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: demo test install lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

# Reinstall only when the dependency declarations change.
$(STAMP): $(BIN)/python setup.cfg pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -e ".[all]" -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/rlsuite bench --suite quick --db results.sqlite
	$(BIN)/rlsuite report --db results.sqlite --out report

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# type checker line (the contract's) goes here, e.g. $(BIN)/mypy ...

test: install lint
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) build dist *.egg-info results.sqlite* report
