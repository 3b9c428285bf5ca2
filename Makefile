# Sedia: `make run` starts everything, `make test` runs every test. Each target sets up
# what it needs (virtual env, spaCy pipeline, trained model), and only when its inputs
# changed.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.10 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
RASA := $(BIN)/rasa
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONHASHSEED ?= 0
# rasa 3.6 pins SQLAlchemy 1.4 and warns about 2.0 on every start; the pin is deliberate.
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
# Rasa's training cache knows the spaCy pipeline only by its path, so after a rebuild it
# would reuse features from the old pipeline. Training without the cache costs seconds.
export RASA_MAX_CACHE_SIZE ?= 0

SPACY_DIR := models/spacy/sedia
MODEL := models/sedia.tar.gz
TRAIN_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)
INSTALLED := $(VENV)/.installed

.PHONY: install train spacy run run-prod shell lint test test-unit test-stories test-e2e test-production test-browser chromium vendor validate nlu-eval sync-rasa bench bench-production bench-paragraphs bench-dashboard clean

# Installing also builds Sedia's spaCy pipeline, which config.yml names, so plain
# `rasa train` works straight after it.
install: $(INSTALLED) $(SPACY_DIR)/meta.json

$(INSTALLED): requirements.txt requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 10), "Sedia needs Python 3.10 (rasa 3.6 requires < 3.11); found " + sys.version' 
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip check
	@# Plain `rasa test` looks for test stories under ".", which holds .venv, and rasa ships
	@# its `rasa init` template's moodbot stories there; they are not Sedia's to test.
	rm -f $(VENV)/lib/python3.10/site-packages/rasa/cli/initial_project/tests/test_stories.yml
	touch $@

spacy: $(SPACY_DIR)/meta.json

$(SPACY_DIR)/meta.json: $(INSTALLED) bot/nlp/gazetteer.yml bot/nlp/gazetteer.py bot/nlp/malay.yml bot/nlp/malay.py bot/nlp/build.py bot/guidance/mqa.yml bot/guidance/mqa.py
	$(PY) -m bot.nlp.build $(SPACY_DIR)

# domain.yml (Rasa's default path) joins domain/sedia.yml and the instrument's slots, forms
# and questions; the form rules come from the instrument too. Regenerate when they change.
domain.yml data/rules/interview.yml: domain/sedia.yml bot/core/instrument.yml bot/rasa_glue/domain.py | $(INSTALLED)
	$(PY) -m bot sync-rasa
	touch domain.yml data/rules/interview.yml

sync-rasa: domain.yml

train: $(MODEL)

# Sedia's own NLU components are part of the trained graph.
NLU_COMPONENTS := $(wildcard bot/nlp/input_guard.py bot/nlp/conversation_language.py bot/nlp/spacy_model.py bot/nlp/stateless.py bot/nlp/paragraph_component.py bot/nlp/paragraph_themes.py bot/nlp/text_classifier.py bot/nlp/long_examples.py bot/nlp/malay.py)

$(MODEL): $(SPACY_DIR)/meta.json domain.yml data/rules/interview.yml $(TRAIN_INPUTS) $(NLU_COMPONENTS)
	$(RASA) train --out models --fixed-model-name sedia
	touch $@

run: $(MODEL)
	$(PY) -m bot.cli.launcher

# The production topology on this machine: two Rasa servers (5005, 5006) sharing the
# PostgreSQL tracker store (database `sedia`, created if missing) and a Redis lock store,
# the action server and the web app on PostgreSQL (docs/deployment.md).
run-prod: $(MODEL)
	$(PY) -m bot.cli.launcher --prod

shell: $(MODEL)
	$(PY) -m bot.cli.shell

validate: $(INSTALLED) domain.yml
	$(PY) -m bot sync-rasa --check
	$(RASA) data validate --fail-on-warnings

test-unit: $(SPACY_DIR)/meta.json
	$(PY) -m pytest tests/unit tests/actions tests/dashboard -q

# Plain `rasa test`, as a user types it: the test stories end to end (each message through
# the NLU, then every action) and the NLU check on data/. It never fails by itself, so its
# report is read after it.
test-stories: $(MODEL)
	rm -rf results
	$(RASA) test
	$(PY) -m tests.rasa_test_results results

test-e2e: $(MODEL)
	$(PY) -m pytest tests/e2e -q

# The production topology against the real PostgreSQL and Redis: two Rasa servers, a
# killed server, a restarted action server, forged calls (tests/production).
test-production: $(MODEL)
	$(PY) -m pytest tests/production -q

# The browser tests drive Debian's Chromium; no browser is ever downloaded.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

test-browser: $(MODEL) chromium
	$(PY) -m pytest tests/browser -q

# Lint, format, the layers' import contracts and types (pyproject.toml holds the settings).
LINT_INSTALLED := $(VENV)/.lint-installed

$(LINT_INSTALLED): requirements-lint.txt constraints.txt $(INSTALLED)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-lint.txt -c constraints.txt
	$(PY) -m pip check
	touch $@

lint: $(LINT_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pre-commit validate-config .pre-commit-config.yaml

test: lint validate test-unit test-stories test-e2e test-production test-browser

# Refresh the vendored front-end files from the exact versions in bot/widget/package.json
# (only needed to upgrade them; the repo carries the files).
vendor:
	cd bot/widget && npm ci --no-audit --no-fund
	cp bot/widget/node_modules/socket.io-client/dist/socket.io.min.js bot/widget/vendor/
	cp bot/widget/node_modules/socket.io-client/LICENSE bot/widget/vendor/socket.io-client.LICENSE
	cp bot/widget/node_modules/axe-core/axe.min.js tests/browser/vendor/
	cp bot/widget/node_modules/axe-core/LICENSE tests/browser/vendor/axe-core.LICENSE

# Held-out split and 5-fold cross-validation, per language (bot/nlp/evaluate.py).
nlu-eval: $(SPACY_DIR)/meta.json
	$(PY) -m bot.nlp.evaluate --out results/nlu-eval

# Sedia beside a stock `rasa init` bot: latency, throughput, memory, training, start-up and
# profiles, written to docs/benchmarks.md (bench/turns.py). Not part of `make test`: it
# takes about 20 minutes on 2 cores and its numbers belong to the machine it ran on.
# BENCH_ARGS="--before PATH" also measures another checkout (with its model) the same way.
BENCH_INSTALLED := $(VENV)/.bench-installed

$(BENCH_INSTALLED): requirements-bench.txt $(INSTALLED)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt -c constraints.txt
	touch $@

bench: $(MODEL) $(BENCH_INSTALLED)
	$(PY) -m bench.turns $(BENCH_ARGS)
	$(PY) -m bench.widget_size

# The production topology (two Rasa servers, PostgreSQL, Redis) under 10 and 50 users,
# beside `make run`, with profiles (bench/production.py); about 15 minutes. Then one
# conversation's turns beside another that waits on a slow query (bench/slow_conversation.py).
bench-production: $(MODEL) $(BENCH_INSTALLED)
	$(PY) -m bench.production
	$(PY) -m bench.slow_conversation

# The dashboard's aggregate queries at 10k, 100k and 1M answers (bench/dashboard_overview.py),
# and other requests beside one held up by a slow query (bench/slow_query.py).
# The ways of reading a long message's theme, side by side (docs/nlu-paragraphs.md).
bench-paragraphs: $(SPACY_DIR)/meta.json
	$(PY) -m bench.paragraph_options

bench-dashboard: $(INSTALLED)
	$(PY) -m bench.dashboard_overview
	$(PY) -m bench.slow_query

clean:
	rm -rf $(VENV) models results .pytest_cache
