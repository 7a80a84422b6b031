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

.PHONY: setup system install demo test golden clean

$(VENV)/.ok: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_QUIET) --upgrade pip hatchling $(PIPFILTER)
	$(VENV)/bin/pip install $(PIP_QUIET) '.[test]' $(PIPFILTER)
	touch $@

# checkov pins versions that clash with python-hcl2 and pytest, so it lives in its own venv.
$(CKVENV)/.ok:
	$(PYTHON) -m venv $(CKVENV)
	$(CKVENV)/bin/pip install $(PIP_QUIET) 'checkov>=3.2,<4' $(PIPFILTER)
	touch $@

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

setup: install $(CKVENV)/.ok system

demo: setup
	$(VENV)/bin/rsqgen render examples/seed/spec.yaml -o out/seed
	$(VENV)/bin/rsqgen validate out/seed

test: setup
	$(VENV)/bin/python -m pytest

# Rewrite the golden files under tests/golden/ from the examples; read the diff before committing.
golden: install
	$(VENV)/bin/python tests/refresh_golden.py

clean:
	rm -rf $(VENV) $(CKVENV) out build dist .pytest_cache
