# msp.psa developer entry points. Everything runs from .venv, which `make setup` builds from the
# pinned files in requirements/; nothing else is assumed to be installed.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LINK := .collections/ansible_collections/msp/psa
SANDBOX_PORT ?= 8765
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider

.PHONY: setup demo test pytest molecule lint sanity unit sandbox-tests integration sandbox clean bench

setup: $(STAMP) $(LINK)
	scripts/ensure-chromium.sh

$(STAMP): requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip==25.3
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements/dev.txt
	touch $@

# ansible.cfg's collections_path finds msp.psa here: the working tree itself, no install step.
$(LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../.. $@

## make demo: start the sandbox with the demo tenants and show what is there
demo: setup
	$(BIN)/python scripts/demo.py

## make test: everything CI checks
test: lint sanity pytest molecule
	@echo "make test: all suites passed"

## make molecule: the fleet scenario (sandbox + OpenBao, converge, idempotence, drift-check verify), then the same
## playbooks against a sandbox with every disagreement switch at its alternative (fleet_alternative, docs/sandbox.md)
molecule: setup
	cd extensions && PATH="$(CURDIR)/$(BIN):$$PATH" $(CURDIR)/$(BIN)/molecule test -s fleet
	cd extensions && PATH="$(CURDIR)/$(BIN):$$PATH" $(CURDIR)/$(BIN)/molecule test -s fleet_alternative

# One pytest run over unit, sandbox and integration tests (pytest exits 5, failing make, if none ran), in 3
# pytest-xdist workers, each test file on one worker (its module-scoped sandbox and OpenBao with it): the
# integration tests mostly wait on ansible-playbook and the sandbox, so 3 workers on 2 cores halve the time.
PYTEST_WORKERS ?= 3
pytest: setup
	$(PYTEST) -n $(PYTEST_WORKERS) --dist loadfile tests

# ansible-lint on the whole repository (galaxy.yml, meta, roles, playbooks, inventories, extensions, ...),
# production profile and exclusions from .ansible-lint: what Galaxy and Automation Hub check.
lint: setup
	$(BIN)/python -m compileall -q plugins psa_sandbox tests scripts
	$(BIN)/ansible-lint

sanity: setup
	scripts/ansible-test-sanity.sh

unit: setup
	$(PYTEST) tests/unit

sandbox-tests: setup
	$(PYTEST) tests/sandbox

integration: setup
	$(PYTEST) tests/integration

## make sandbox: serve the sandbox in the foreground on SANDBOX_PORT
sandbox: setup
	$(BIN)/python -m psa_sandbox --port $(SANDBOX_PORT) --verbose

## make bench: the drift checks (per-tenant and bulk, cold and warm) vs the ping floor vs a uri baseline on the
## sandbox, drift seeded on both PSAs, outcomes asserted, targets PASS/FAIL (docs/performance.md).
## Small by default (a few minutes); `make bench N=1000`, `make bench N=10000 BENCH_PATHS=bulk` for the figures.
N ?= 40
LATENCY ?= 50
FORKS ?= 20
WORKERS ?= 64
BASELINE_SAMPLE ?= 200
BENCH_PATHS ?= all
bench: setup
	$(BIN)/python bench/run.py --tenants $(N) --latency-ms $(LATENCY) --forks $(FORKS) --workers $(WORKERS) \
	  --baseline-sample $(BASELINE_SAMPLE) --paths $(BENCH_PATHS)

clean:
	rm -rf .build .collections reports tests/output
