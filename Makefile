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

.PHONY: setup demo test test-fast deploy-test golden clean

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

setup: install $(CKVENV)/.ok

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
