# Lookout — the two commands: `make demo` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo stack test lint typecheck unit template bench clean build-AlarmFunction build-SlackFunction build-NormalizeFunction build-AccessLogsFunction build-AlbLogsFunction build-ChecksFunction build-LogErrorsFunction build-DigestFunction build-ChangesFunction docs/message.png

# Lookout needs Python 3.11 or newer: refuse an older one in one line, before pip spends minutes on it.
GOAL := $(or $(firstword $(MAKECMDGOALS)),demo)
NEED_PYTHON := import sys; sys.exit(sys.version_info < (3, 11))
ifneq ($(filter demo stack test lint typecheck template unit bench,$(GOAL)),)
ifneq ($(wildcard $(BIN)/python),)
PYTHON_PROBLEM := $(shell $(BIN)/python -c '$(NEED_PYTHON)' 2>/dev/null || echo "$(VENV) was made with $$($(BIN)/python --version 2>/dev/null || echo a Python that is gone), and Lookout needs Python 3.11 or newer: run make clean, then make $(GOAL) PYTHON=python3.12")
else
PYTHON_PROBLEM := $(shell $(PYTHON) -c '$(NEED_PYTHON)' 2>/dev/null || echo "Lookout needs Python 3.11 or newer, and $(PYTHON) is $$($(PYTHON) --version 2>/dev/null || echo not found): pick another, e.g. make $(GOAL) PYTHON=python3.12")
endif
$(if $(PYTHON_PROBLEM),$(error $(PYTHON_PROBLEM)))
endif

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing Lookout and its development tools into $(VENV) (first run only, about a minute)…"
	$(BIN)/pip install --disable-pip-version-check --progress-bar on -e '.[dev]'
	touch $(STAMP) $(DEMO_STAMP)

# the demo needs the package and the embedded stack only (not the test and lint tools); pip shows its progress
$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing Lookout and the embedded stack into $(VENV) (first run only, about a minute)…"
	$(BIN)/pip install --disable-pip-version-check --progress-bar on -e '.[demo]'
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/python -m local.demo

# The embedded stack on its own (seeded with the demo's incident), for lookout query, the AWS CLI or a notebook.
stack: $(DEMO_STAMP)
	$(BIN)/python -m local.stack

test: lint typecheck template unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# the template as written, then as the SAM transform hands it to CloudFormation (local/deploy_check.py)
template: $(STAMP)
	$(BIN)/cfn-lint template.yaml
	$(BIN)/python -m local.deploy_check

# the suite today, then again with every clock a year ahead: no test may depend on today's date
unit: $(STAMP)
	$(BIN)/pytest
	$(BIN)/pytest --clock-ahead 400

bench: $(STAMP)
	$(BIN)/python bench/cold_alarm.py
	$(BIN)/python bench/cold_slash.py
	$(BIN)/python bench/cold_tracing.py
	$(BIN)/python bench/config_load.py
	$(BIN)/python bench/slash_choice.py
	$(BIN)/python bench/warm_ack.py
	$(BIN)/python bench/concurrency.py
	$(BIN)/python bench/storm.py
	$(BIN)/python bench/log_burst.py
	$(BIN)/python bench/redaction.py
	$(BIN)/python bench/reliability.py
	$(BIN)/python bench/analytics_cost.py
	$(BIN)/python bench/cost.py

# The README's pictures: need Debian's chromium and fonts-noto-color-emoji (not the demo or the tests); Pillow
# crops each screenshot to the message
docs/message.png: $(STAMP) local/preview.py local/screenshot.py
	$(BIN)/pip install --quiet pillow
	$(BIN)/python -m local.demo > /dev/null
	$(BIN)/python -m local.screenshot out/message.html $@
	$(BIN)/python -m local.screenshot out/answers.html docs/answers.png

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache build *.egg-info

# `sam build --use-container` (Metadata BuildMethod: makefile): the package and its runtime dependencies for
# Lambda arm64, with bytecode compiled by the runtime's Python (Lambda's /var/task is read-only: without .pyc
# files for 3.12, every cold start compiles every module);
# the Slack function also carries the query configuration (infra/lookout.yaml, infra/queries/).
build-SlackFunction: build-AlarmFunction
	mkdir -p "$(ARTIFACTS_DIR)/infra" && cp -R infra/lookout.yaml infra/queries "$(ARTIFACTS_DIR)/infra/"

# the normalizer and the access-log transform read the analytics section of infra/lookout.yaml
build-NormalizeFunction: build-AlarmFunction
	mkdir -p "$(ARTIFACTS_DIR)/infra" && cp infra/lookout.yaml "$(ARTIFACTS_DIR)/infra/"

build-AccessLogsFunction: build-NormalizeFunction

build-LogErrorsFunction: build-AlarmFunction

# the change ledger reads no configuration file
build-ChangesFunction: build-AlarmFunction

# the scheduled checks read infra/checks.yaml
build-ChecksFunction: build-AlarmFunction
	mkdir -p "$(ARTIFACTS_DIR)/infra" && cp infra/checks.yaml "$(ARTIFACTS_DIR)/infra/"

build-AlbLogsFunction: build-NormalizeFunction

# the digest runs the catalog's queries: the whole query configuration
build-DigestFunction: build-SlackFunction

# with the otel extra: the template's Tracer=opentelemetry needs its SDK in the package (imported only when chosen)
build-AlarmFunction:
	rm -rf "$(ARTIFACTS_DIR)/.wheel" && $(PYTHON) -m pip wheel --quiet --no-deps -w "$(ARTIFACTS_DIR)/.wheel" .
	$(PYTHON) -m pip install --quiet --target "$(ARTIFACTS_DIR)" --platform manylinux2014_aarch64 \
	  --implementation cp --python-version 3.12 --only-binary=:all: "$$(ls "$(ARTIFACTS_DIR)"/.wheel/*.whl)[otel]"
	rm -rf "$(ARTIFACTS_DIR)/.wheel"
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; v == (3, 12) or print(f"note: bytecode compiled by Python {v[0]}.{v[1]}, which the python3.12 runtime ignores: every cold start would compile all modules from source. Build with: sam build --use-container")'
