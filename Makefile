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

# mypy cannot follow setup.cfg's package_dir (envs/ -> rlsuite.envs, ...), so the
# root package's __init__ and the top-level folders are linked under build/mypy/rlsuite/
# and MYPYPATH points there.
# Gate: the agent protocol core (strict in mypy.ini) and the contract's modules:
# log input, BC, the preference and process learners, the shared env helpers and
# the envs and offline_data modules of the same owner (with the modules they import).
# The rest is not yet clean (see the closing note for the count).
MYPY_ROOT := build/mypy
MYPY_MODULES := rlsuite rlsuite.agents rlsuite.agents.base rlsuite.agents.callbacks \
	rlsuite.agents._lazy rlsuite.agents.log_input rlsuite.agents.offline.bc \
	rlsuite.agents.offline.common \
	rlsuite.envs rlsuite.envs.validation rlsuite.envs._single_backed \
	rlsuite.envs.multiclass_bandit rlsuite.envs.planted_sequence rlsuite.envs.preference_bandit \
	rlsuite.offline_data rlsuite.offline_data.bandit_log rlsuite.offline_data.baselines \
	rlsuite.offline_data.cli rlsuite.offline_data.collect rlsuite.offline_data.minari_io \
	rlsuite.offline_data.mixes rlsuite.offline_data.obp rlsuite.offline_data.preferences \
	rlsuite.offline_data.qlearning rlsuite.offline_data.reward_model
MYPY_PACKAGES := rlsuite.agents.preference rlsuite.agents.process
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
