# The two quickstart commands: `make conformance` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
#: pytest-xdist workers for `make test` (`make test PYTEST_N=2`; 0: in one process).
PYTEST_N ?= auto

.PHONY: install conformance test lint clean

# setuptools' notice that an install is editable is information, not a warning: not shown.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS='ignore:Editable installation' $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## The conformance suite against the embedded reference, with its report.
conformance: install
	$(BIN)/personalize-conformance run --report-dir conformance-report

## The project's own tests: lint, then every test (self-tests and the suite) in parallel.
test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(PYTEST_N)

clean:
	rm -rf $(VENV) conformance-report .pytest_cache
