# Developer entry points. CI runs `bash .ci/run` (make ci), which does the
# same checks in one go.

GO            ?= go
FUZZTIME      ?= 30s
COUNT         ?= 10
VERSION       ?= dev
BIN           ?= bin/ecr-reconcile
ACTIONLINT    := $(GO) tool -modfile=tools/go.mod actionlint
GOLANGCI_LINT := $(GO) tool -modfile=tools/golangci-lint/go.mod golangci-lint

.PHONY: all test stress generate lint actionlint build container-test act-examples demo emulator fuzz bench ci

all: lint test build

# The README test command (same line as TEST_CMD in .ci/run).
test:
	$(GO) test -race -shuffle=on ./...

# The test command COUNT times over, at one and at four Ps, to shake out
# tests whose result depends on scheduling (make stress COUNT=30).
stress:
	$(GO) test -race -shuffle=on -count=$(COUNT) -cpu=1,4 ./...

# Regenerate the files made from action.yml (run/action.yml, the README reference).
generate:
	$(GO) generate ./...

lint:
	$(GOLANGCI_LINT) run ./...

actionlint:
	$(ACTIONLINT) .github/workflows/*.yml docs/examples/*.yml

# The binary the Dockerfile builds, by the same recipe (scripts/build.sh;
# GOOS=darwin GOARCH=arm64 make build cross-compiles).
build:
	VERSION=$(VERSION) OUT=$(BIN) sh scripts/build.sh

# The container test: the image built from the Dockerfile, run as the GitHub
# runner runs it (a Docker engine is started when none answers).
container-test:
	bash scripts/container-test.sh

# The workflow examples of docs/examples run by nektos/act against the
# emulator (a Docker engine is started when none answers).
act-examples:
	bash scripts/act-examples.sh

demo:
	$(GO) run ./cmd/demo

emulator:
	$(GO) run ./cmd/ecr-emulator

# Every Fuzz* target of every package, FUZZTIME each (make fuzz FUZZTIME=2m).
# `go test -fuzz` takes one package and one target at a time.
fuzz:
	@set -e; \
	for pkg in $$($(GO) list ./...); do \
		list=$$($(GO) test -list '^Fuzz' "$$pkg"); \
		for target in $$(printf '%s\n' "$$list" | grep '^Fuzz' || true); do \
			echo "==> $$pkg $$target ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) "$$pkg"; \
		done; \
	done

bench:
	$(GO) run ./internal/support/bench

ci:
	bash .ci/run
