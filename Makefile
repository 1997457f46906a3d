# The two commands a newcomer needs: `make run` and `make test`.
GO ?= go
SHELL := /bin/bash

.PHONY: run test bench lint build

## run: start the server on 127.0.0.1:8080 with SQLite in ./data
run:
	$(GO) run ./cmd/tokenmint serve

## test: every test (unit, SQLite, PostgreSQL, HTTP, CLI) with the race detector
test:
	$(GO) test -race -count=1 -timeout 30m ./... 2>&1 | tee .test-output.log; \
	status=$${PIPESTATUS[0]}; \
	echo "== summary: $$(grep -c '^ok' .test-output.log) packages ok, $$(grep -c '^FAIL\s' .test-output.log) failed, $$(grep -c 'no test files' .test-output.log) without tests"; \
	exit $$status

## bench: the benchmarks recorded in BENCHMARKS.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./service/ ./http/

## lint: gofmt, vet and staticcheck
lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...
	staticcheck ./...

build:
	$(GO) build -o bin/tokenmint ./cmd/tokenmint
