# Two commands (see README.md):
#   make lab    set everything up and start JupyterLab on the course
#   make test   set everything up and run the whole test suite (what CI runs through .ci/run)
# The virtual environment is reused until pyproject.toml or the system set-up script changes.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
DEPS_HASH := $(shell cat pyproject.toml scripts/install-system-deps.sh 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(DEPS_HASH)
# The test set-up adds the [torch] and [jax] extras (every notebook runs on all three Keras backends, and PyTorch
# checks the converted EfficientNet) and [e2e] with Chromium and the JupyterHub proxy (browser and JupyterHub tests)
# on top of what `make lab` installs.
TEST_STAMP := $(VENV)/.installed-test-$(DEPS_HASH)
TEST_EXTRAS := test,torch,jax,e2e
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# Extra arguments for JupyterLab, e.g. make lab LAB_ARGS="--port=9999 --no-browser"
LAB_ARGS ?=
# Extra arguments for pytest, e.g. make test PYTEST_ARGS="-k data -x"
PYTEST_ARGS ?=

.PHONY: lab test env test-env clean-env

env: $(STAMP)

test-env: $(TEST_STAMP)

# The set-up of a new (or outdated) environment: $(1) the system set-up's flags, $(2) the extras to install.
define new_env
	@echo "==> Setting up $(VENV) with $(PYTHON) (once; reused until pyproject.toml changes)"
	@$(PYTHON) -c 'import sys; assert (3, 11) <= sys.version_info[:2] < (3, 13), "dlcourse needs Python 3.11 or 3.12, found " + sys.version.split()[0]'
	bash scripts/install-system-deps.sh $(1)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(2)]'
	rm -f $(VENV)/.installed-*
endef

$(STAMP):
	$(call new_env,,test)
	touch $@
	@echo "==> Environment ready: $$($(BIN)/python --version), $$($(BIN)/python -c 'import keras; print("Keras", keras.__version__)' 2>/dev/null)"

# On a clean clone (CI) everything comes in one pip call: resolving the dependencies twice cost set-up time. On top
# of an up-to-date `make lab` environment only the test extras are added.
$(TEST_STAMP):
	$(if $(wildcard $(STAMP)),bash scripts/install-system-deps.sh --test,$(call new_env,--test,$(TEST_EXTRAS)))
	$(if $(wildcard $(STAMP)),$(BIN)/python -m pip install --quiet -e '.[$(TEST_EXTRAS)]')
	touch $(STAMP) $@

lab: env
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(ROOT_FLAG) $(LAB_ARGS)

# Quick mode: notebooks run on small data with few epochs (dlcourse.pick), so CI finishes in minutes. Every solution
# notebook runs on TensorFlow with its wrong submissions (tests/test_hidden_tests.py) and on JAX and PyTorch
# (tests/test_backends.py). --dist loadscope: each notebook run is its own unit of work for the two workers, every
# other test module stays whole on one worker (tests/conftest.py).
test: test-env
	@if [ ! -d tests ]; then \
	  echo "No tests/ in this copy of the course (a student copy): checking the set-up with dlcourse doctor."; \
	  exec $(BIN)/dlcourse doctor; \
	fi
	PATH="$(abspath $(BIN)):$$PATH" DLCOURSE_QUICK=1 TF_CPP_MIN_LOG_LEVEL=2 \
	  $(BIN)/python -m pytest -n 2 --dist loadscope tests $(PYTEST_ARGS)

clean-env:
	rm -rf $(VENV)
