# Arrears: `make demo` and `make test` work on a fresh machine with only Python; both install what they need.
PYTHON   ?= python3
# Lambda's Python: `make build` compiles the packages for it, and `make test` runs the unit tier on it too.
# Found on PATH, or among pyenv's installed versions (a pyenv shim alone does not run).
ifndef PY313
PY313    := $(shell for p in python3.13 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 2>/dev/null); do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && command -v $$p && break; done)
endif
VENV     := .venv
BIN      := $(VENV)/bin
LOCKS    := requirements.txt requirements-dev.txt
STAMP    := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCKS) | cksum | cut -d' ' -f1)
VENV313  := .venv-py313
STAMP313 := $(VENV313)/.installed-$(shell cat pyproject.toml $(LOCKS) | cksum | cut -d' ' -f1)
SAM_VENV := .venv-sam
SAM      := $(SAM_VENV)/bin/sam
SAM_CLI  := aws-sam-cli==1.170.0
COMPILE  := pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock" --quiet
FUNCTIONS := IntakeFunction RemindersFunction PlansFunction SlackFunction NotifyFunction RetentionFunction UnsubscribeFunction

.PHONY: install demo test lint unit integration e2e parity bench serve lock build validate deploy destroy slack-manifest clean

# The dev environment is the runtime lock plus the dev tools, both hash-pinned; the project itself is editable.
$(STAMP): pyproject.toml $(LOCKS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/arrears demo

serve: $(STAMP)
	$(BIN)/arrears serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/cfn-lint infra/template.yaml

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

e2e: $(STAMP)
	$(BIN)/pytest tests/e2e

# Every tier, a test file per worker on each CPU (the fault and fuzz suites are long; files keep their fixtures).
test: lint
	$(BIN)/pytest tests -n auto --dist loadfile
	@$(MAKE) --no-print-directory parity

# Lambda runs python3.13: where that interpreter exists, the unit tier runs on it as well.
parity:
	@if [ -n "$(PY313)" ]; then \
		$(MAKE) --no-print-directory $(STAMP313) && $(VENV313)/bin/pytest tests/unit -p no:cacheprovider; \
	else \
		echo "parity: skipped: no python3.13 on PATH or in pyenv, so the unit tier ran on $$($(PYTHON) --version) only"; \
	fi

$(STAMP313): pyproject.toml $(LOCKS)
	@test -x $(VENV313)/bin/python || $(PY313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install --quiet --upgrade pip
	$(VENV313)/bin/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	$(VENV313)/bin/python -m pip install --quiet --no-deps -e .
	@rm -f $(VENV313)/.installed-* && touch $@

bench: $(STAMP)
	$(BIN)/python -m bench.intake
	$(BIN)/python -m bench.check
	$(BIN)/python -m bench.detection
	$(BIN)/python -m bench.resume
	$(BIN)/python -m bench.intake_parts
	$(BIN)/python -m bench.coldstart
	$(BIN)/python -m bench.compliance_reads
	$(BIN)/python -m bench.reminders
	$(BIN)/python -m bench.reminder_workers

# requirements.txt (what Lambda gets) and requirements-dev.txt (that plus the tools) from pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv $(COMPILE) --output-file requirements.txt
	$(BIN)/uv $(COMPILE) --extra dev --constraint requirements.txt --output-file requirements-dev.txt

# Deploying: the SAM CLI is installed into its own environment; AWS credentials come from your usual profile.
$(SAM):
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet '$(SAM_CLI)'

build: $(SAM)
	@if [ -n "$(CONTAINER)" ]; then \
		$(SAM) build --use-container; \
	elif [ -n "$(PY313)" ]; then \
		$(SAM) build; \
	else \
		echo "make build needs python3.13 on PATH (Lambda runs Python 3.13 and the packages are compiled for it)," >&2; \
		echo "or Docker for SAM's build image: make build CONTAINER=1" >&2; exit 2; \
	fi

validate: $(SAM)
	$(SAM) validate --lint

deploy: build
	$(SAM) deploy

destroy: $(SAM)
	$(SAM) delete
	@echo "The inbox bucket, the table and the log groups are retained (DeletionPolicy: Retain): they hold collection records."

slack-manifest: $(STAMP)
	$(BIN)/arrears slack-manifest

# Called by `sam build` (BuildMethod: makefile) in the repository root, with ARTIFACTS_DIR set by SAM.
$(addprefix build-,$(FUNCTIONS)):
	$(PY313) -m local.package function $(shell echo $(patsubst build-%Function,%,$@) | tr A-Z a-z) "$(ARTIFACTS_DIR)"

build-DependenciesLayer:
	$(PY313) -m local.package layer "$(ARTIFACTS_DIR)"

clean:
	rm -rf $(VENV) $(VENV313) .venv-runtime .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
