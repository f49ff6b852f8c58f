# Lookout — the two commands: `make demo` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck unit template bench clean build-AlarmFunction

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "Rendering the alarm path for a sample Lambda-errors alarm (offline; the embedded stack comes with issue #3)."
	$(BIN)/lookout render tests/fixtures/events/sns_alarm_lambda_errors.json --offline

test: lint typecheck template unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

template: $(STAMP)
	$(BIN)/cfn-lint template.yaml

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/cold_import.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache build *.egg-info

# `sam build` (Metadata BuildMethod: makefile): the package and its runtime dependencies for Lambda arm64.
build-AlarmFunction:
	rm -rf "$(ARTIFACTS_DIR)/.wheel" && $(PYTHON) -m pip wheel --quiet --no-deps -w "$(ARTIFACTS_DIR)/.wheel" .
	$(PYTHON) -m pip install --quiet --target "$(ARTIFACTS_DIR)" --platform manylinux2014_aarch64 \
	  --implementation cp --python-version 3.12 --only-binary=:all: "$(ARTIFACTS_DIR)"/.wheel/*.whl
	rm -rf "$(ARTIFACTS_DIR)/.wheel"
