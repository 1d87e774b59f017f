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

# pytest-xdist: two test processes per CPU the machine reports (the tests wait about half
# their time, on servers starting, fsyncs and polls, so one per CPU leaves the CPUs half idle:
# 5 min 30 s with one per CPU, 3 min 35 s and 3 min 50 s with two, 2 CPUs, 2026-12-07), tests
# handed out as workers free up (`worksteal`: a few take tens of seconds). TEST_WORKERS=0:
# one process.
TEST_WORKERS ?= $(shell echo $$((2 * $$(nproc 2>/dev/null || echo 1))))

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
	for set in $$(cd fixtures && ls -d heldout* | sort -V); do \
	  $(VENV)/bin/intake replay fixtures/$$set --report var/replay-$$set.jsonl -q && \
	  $(PY) ../shared/tools/score.py fixtures/$$set var/replay-$$set.jsonl | tail -1; \
	done

# Mutation testing of the core (mutmut 3; slow, so neither in CI nor in `make test`). mutmut
# copies the sources into mutants/ and names each mutant by its file path, while our code is
# imported as `intake.bot...`, `intake.handlers...` through the editable install. So the run
# works on a copy of the working tree staged in var/mutation/, laid out as installed:
# intake/bot, intake/handlers, intake/parsers, intake/storage (templates/ and fixtures/ also
# beside them, where bot/config.py looks for them). The working tree is never mutated. mutmut
# puts var/mutation/mutants/ first on sys.path, so `intake.*` resolves to the mutated copy
# before the editable finder (a subprocess a test starts elsewhere runs unmutated code); the
# run stops if no mutant can make a test fail. mutants/bot, ... link to the unmutated staged
# sources, for the tests that read source text. The whole suite on SQLite, less
# tests/test_packaging.py (it builds a wheel of the repository's layout); each mutant runs only
# the tests that reached its function. One worker, niced. MUTANTS='intake.handlers.threads.*'
# narrows the run. Then: cd var/mutation && ../../.venv/bin/mutmut results | show <name>.
# Equivalent mutants: tests/mutation-equivalents.md.
MUTATION_DIR := var/mutation
MUTANTS ?=
.PHONY: mutation
mutation: $(VENV)/.mutation-installed
	rm -rf $(MUTATION_DIR) && mkdir -p $(MUTATION_DIR)/intake $(MUTATION_DIR)/mutants
	git ls-files -z -co --exclude-standard | \
	  rsync -a --from0 --files-from=- --ignore-missing-args ./ $(MUTATION_DIR)/
	cd $(MUTATION_DIR) && mv bot handlers parsers storage intake/ && cp -r templates fixtures intake/
	for d in bot handlers parsers storage; do ln -s ../intake/$$d $(MUTATION_DIR)/mutants/$$d; done
	if [ -d ../shared ]; then ln -s $(abspath ../shared) $(MUTATION_DIR)/shared; fi
	cd $(MUTATION_DIR) && INTAKE_TEST_BACKENDS=sqlite nice -n 19 \
	  $(abspath $(VENV))/bin/mutmut run --max-children 1 $(MUTANTS)
	cd $(MUTATION_DIR) && $(abspath $(VENV))/bin/mutmut results

$(VENV)/.mutation-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev,mutation]'
	touch $@
