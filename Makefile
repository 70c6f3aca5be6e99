# Two entry points for a fresh machine: `make sample` (set up, then score the bundled sample offline)
# and `make test` (set up, then run the test suite). Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
EXTRAS ?= audio,train,llm,report,stats,api,dev

.PHONY: setup sample test clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --editable '.[$(EXTRAS)]'
	touch $@

setup: $(VENV)/.installed

sample: setup
	$(VENV)/bin/humdial-eval score examples/submission --testset examples/testset --out out/sample --cache out/judgments.sqlite

test: setup
	$(VENV)/bin/python -m pytest -q

clean:
	rm -rf out
