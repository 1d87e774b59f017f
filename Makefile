# Two commands on a fresh machine:  `make run` (set up, then serve on the embedded defaults)
# and `make test` (set up, then lint and run the whole test suite).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup run test lint bench bench-peer replay
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: setup
	$(VENV)/bin/intake serve

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# pytest-xdist: one test process per CPU the machine reports (`logical`: `auto` would count
# physical cores when psutil is installed: can be one on a two-vCPU runner), tests handed out as
# workers free up (`worksteal`: a few take tens of seconds). TEST_WORKERS=0: one process.
TEST_WORKERS ?= logical

test: lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal

bench: setup
	$(PY) bench/throughput.py
	$(PY) bench/extraction.py
	$(PY) bench/sla_sweep.py

# intake against django-helpdesk 2.6.1 (installed from PyPI into var/peer on first use)
bench-peer: setup
	$(PY) bench/peer.py

replay: setup
	$(VENV)/bin/intake replay ../shared/corpus/intake --report var/replay.jsonl
	$(PY) ../shared/tools/score.py ../shared/corpus/intake var/replay.jsonl
	for set in heldout heldout2 heldout3 heldout4 heldout5 heldout6 heldout7 heldout8 heldout9; do \
	  $(VENV)/bin/intake replay fixtures/$$set --report var/replay-$$set.jsonl -q && \
	  $(PY) ../shared/tools/score.py fixtures/$$set var/replay-$$set.jsonl | tail -1; \
	done
