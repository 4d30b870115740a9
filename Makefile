# The two README commands: `make demo` and `make test`. Both build .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: demo test install lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

# Reinstall only when the dependency declarations change.
$(STAMP): $(BIN)/python setup.cfg setup.py pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -e ".[all]" -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/rlsuite bench --suite quick --db results.sqlite
	$(BIN)/rlsuite report --db results.sqlite --out report

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy cannot follow setup.cfg's package_dir (envs/ -> rlsuite.envs, ...), so the
# root package's __init__ and the top-level folders are linked under build/mypy/rlsuite/
# and MYPYPATH points there.
# Gate: every module of rlsuite.agents, rlsuite.offline_data, rlsuite.envs and
# rlsuite.experiments. The protocol core is strict (disallow_untyped_defs, see mypy.ini).
MYPY_ROOT := build/mypy
MYPY_MODULES := rlsuite rlsuite.envs rlsuite.envs._single_backed rlsuite.envs._vector \
	rlsuite.envs.batch_simulator rlsuite.envs.data_mixture rlsuite.envs.inlining \
	rlsuite.envs.linear_contextual_bandit rlsuite.envs.multi_armed_bandit \
	rlsuite.envs.multi_objective_bandit rlsuite.envs.multiclass_bandit rlsuite.envs.noise \
	rlsuite.envs.planted_sequence rlsuite.envs.preference_bandit \
	rlsuite.envs.scalarized_multi_objective_bandit rlsuite.envs.torch_backend \
	rlsuite.envs.torch_bandit rlsuite.envs.validation
MYPY_PACKAGES := rlsuite.agents rlsuite.offline_data rlsuite.experiments

typecheck: install
	mkdir -p $(MYPY_ROOT)/rlsuite
	ln -sfn "$(CURDIR)/rlsuite/__init__.py" $(MYPY_ROOT)/rlsuite/__init__.py
	for pkg in envs agents offline_data experiments; do \
		ln -sfn "$(CURDIR)/$$pkg" $(MYPY_ROOT)/rlsuite/$$pkg; \
	done
	cd $(MYPY_ROOT) && MYPYPATH=. $(CURDIR)/$(BIN)/python -m mypy --config-file $(CURDIR)/mypy.ini \
		--cache-dir $(CURDIR)/$(MYPY_ROOT)/.mypy_cache $(addprefix -m ,$(MYPY_MODULES)) \
		$(addprefix -p ,$(MYPY_PACKAGES))

test: install lint typecheck
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) build dist *.egg-info results.sqlite* report
