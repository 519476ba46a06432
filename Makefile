# datadog_exercise.stack — developer entry points. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export PATH := $(CURDIR)/.venv/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.collections
export MOLECULE_GLOB := molecule/*/molecule.yml
export PY_COLORS := 0
export ANSIBLE_NOCOLOR := 1
export ANSIBLE_FORCE_COLOR := 0

SCENARIO ?=
PYTEST_ARGS ?=
LIVE_ARGS ?=

.PHONY: help setup lint sanity unit molecule test live-check demo demo-down bench bench-api bench-hosts build ee ee-test images clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

setup: ## Install everything needed (apt, Docker engine, .venv, collections, lab images); fast when done
	@scripts/setup.sh

lint: ## ansible-lint (production profile), yamllint, ruff check + format check
	ansible-lint --offline
	yamllint -s .
	ruff check .
	ruff format --check .

sanity: ## ansible-test sanity on a copy of the collection
	scripts/dev/sanity.sh

unit: ## pytest: unit tests, lab emulator tests, module integration targets
	pytest $(PYTEST_ARGS)

molecule: ## Molecule scenarios (all, or one with SCENARIO=name)
	scripts/dev/molecule.sh $(SCENARIO)

test: setup ## Everything CI runs: lint, sanity, unit, molecule
	scripts/dev/gates.sh lint sanity unit molecule

live-check: ## Prove the modules + site API play against YOUR org (DD_API_KEY, DD_APP_KEY, DD_SITE; LIVE_ARGS=--keep; docs/live-check.md)
	python3 tests/live/run.py $(LIVE_ARGS)

demo: setup ## Run the whole exercise (site.yml) against the lab, twice, and show where to look
	lab/demo/demo.sh up

demo-down: ## Remove the demo host and stop the lab services
	lab/demo/demo.sh down

bench: bench-api bench-hosts ## Both benchmarks, tables + JSON in benchmarks/results (~45 min; not part of test)

bench-api: setup ## API reconcile: N monitors, N/10 dashboards, N/5 downtimes vs community.general (BENCH_OBJECTS=N, default 100)
	python benchmarks/api_reconcile.py -n $${BENCH_OBJECTS:-100}

bench-hosts: setup ## site.yml converge + re-converge on 1, 5, 20 fresh lab hosts (BENCH_HOSTS, BENCH_TUNINGS)
	python benchmarks/host_converge.py --hosts $${BENCH_HOSTS:-1,5,20} --tunings "$${BENCH_TUNINGS:-tuned}"

ee: setup ## Build the execution environment offline (execution-environment.yml; cached by input hash; docs/awx.md)
	scripts/ee/build.sh

ee-test: setup ## Run site.yml inside the execution environment against a lab host, twice (second run changed=0)
	scripts/ee/test.sh

build: ## Build the Galaxy artifact into .cache/dist
	mkdir -p .cache/dist && ansible-galaxy collection build --force --output-path .cache/dist .

images: ## Build (or refresh) the lab's systemd images
	lab/images/build.sh

clean: ## Remove caches and the venv (images stay; docker rmi ddx-lab:* removes them)
	rm -rf .venv .cache .collections
