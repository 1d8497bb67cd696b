# Arrears: `make demo` sets everything up and runs the demo; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the install compiles the .pyx sources: a change to them, or to the build, reinstalls
BUILD_INPUTS := pyproject.toml setup.py $(wildcard src/arrears/*/*/*.pyx)
STAMP := $(VENV)/.installed-$(shell cat $(BUILD_INPUTS) | sha1sum | cut -c1-12)

.PHONY: install demo test lint clean

$(STAMP): $(BUILD_INPUTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/arrears demo

test: install
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest -q -n 2

lint: install
	$(BIN)/ruff check src tests

clean:
	rm -rf $(VENV) .arrears
