# Quick start: `make demo`, `make test`. Everything runs in .venv, created on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.midlpy-installed

.PHONY: demo test bench corpus fuzz clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m pip install -q -e '.[test,bench]'
	$(PY) tests/bench/run.py

corpus: $(STAMP)
	$(PY) tests/corpus/run_wine.py

# Hypothesis at scale over every decoder and the compiler; stops after FUZZ_SECONDS (600).
fuzz: $(STAMP)
	$(PY) tests/fuzz/run.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
