# rsqgen: one entry point for setting up, running the bundled example, and testing.
#   make demo   set up, render examples/seed and validate it (terraform + checkov)
#   make test   set up and run the whole test suite
PYTHON ?= python3
VENV   := .venv
CKVENV := .venv-checkov
PIP_QUIET := --quiet --disable-pip-version-check
# pip on these machines warns about index folders that do not exist; the noise hides real errors.
PIPFILTER := 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }

export RSQGEN_CHECKOV := $(CURDIR)/$(CKVENV)/bin/checkov

# The hypothesis tests run with this fixed seed in `make test` (and so in CI): a red run is the
# change's fault, and the seed replays it. `make fuzz` runs them with fresh random seeds.
HYPOTHESIS_SEED ?= 20261129
FUZZ_RUNS ?= 10

.PHONY: setup system install demo test fuzz golden module-docs plans mutation clean

$(VENV)/.ok: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_QUIET) --upgrade pip hatchling $(PIPFILTER)
	$(VENV)/bin/pip install $(PIP_QUIET) '.[test]' $(PIPFILTER)
	touch $@

# checkov pins versions that clash with python-hcl2 and pytest, so it lives in its own venv; a
# link beside rsqgen (.venv/bin/checkov) lets `rsqgen validate` find it without any variable.
$(CKVENV)/.ok:
	$(PYTHON) -m venv $(CKVENV)
	$(CKVENV)/bin/pip install $(PIP_QUIET) 'checkov>=3.2,<4' $(PIPFILTER)
	touch $@

$(VENV)/bin/checkov: $(CKVENV)/.ok $(VENV)/.ok
	ln -sf ../../$(CKVENV)/bin/checkov $@

# Reinstall the package itself (fast, no dependencies) so the tests run what a user would install.
install: $(VENV)/.ok
	$(VENV)/bin/pip install $(PIP_QUIET) --no-deps --no-build-isolation --force-reinstall . $(PIPFILTER)

# Graphviz renders `rsqgen diagram --format svg|png`; the tests need it. Installed with apt when
# we are root (CI, these machines), otherwise say how.
system:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else echo "Graphviz is missing: install it (e.g. sudo apt-get install graphviz) for diagram SVG/PNG and its tests"; fi; }

setup: install $(CKVENV)/.ok $(VENV)/bin/checkov system

demo: setup
	$(VENV)/bin/rsqgen render examples/seed/spec.yaml -o out/seed
	$(VENV)/bin/rsqgen validate out/seed

# The suite on TEST_WORKERS processes (pytest-xdist): terraform, moto and checkov wait on each other
# more than they compute, so two workers on two cores halve the wall time. Each worker has its own
# moto server and stand-ins; a file's tests stay on one worker (--dist loadfile), so a module-scoped
# apply that the file's tests read is built once.
TEST_WORKERS ?= auto

test: setup
	$(VENV)/bin/python -m pytest --hypothesis-seed=$(HYPOTHESIS_SEED) -n $(TEST_WORKERS) --dist loadfile

# Nightly-style: the property tests with FUZZ_RUNS random seeds, each printed so that a failure can
# be replayed with `make test HYPOTHESIS_SEED=<seed>`.
fuzz: setup
	@for i in $$(seq $(FUZZ_RUNS)); do \
	  seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' '); echo "hypothesis seed $$seed"; \
	  $(VENV)/bin/python -m pytest -q -m hypothesis -p no:cacheprovider --hypothesis-seed=$$seed || exit 1; \
	done

# Rewrite the golden files under tests/golden/ from the examples; read the diff before committing.
# Rewrite the terraform-docs block of each module README from the module's .tf files
# (tests/test_module_docs.py fails while one is stale).
module-docs: install
	$(VENV)/bin/python -m rsqgen.tools.moddocs modules

golden: install
	$(VENV)/bin/python tests/refresh_golden.py

# Rewrite the review tests' plan JSON fixtures with real terraform against moto.
plans: install
	$(VENV)/bin/python tests/fixtures/plans/make_plans.py

clean:
	rm -rf $(VENV) $(CKVENV) out build dist .pytest_cache
