# modelgate — build, test, demo and benchmark entry points.
# `make demo` and `make test` are the two commands README.md starts with.

GO        ?= go
BIN       ?= bin/modelgate
CONFIG    ?= examples/modelgate.yaml
FUZZTIME  ?= 10s
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: all build test unit emulator-test integration backends-check compose-validate fuzz lint fmt demo run bench backends backends-down clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/modelgate

## test: the whole suite — unit tests with -race, then integration against the real backends.
test: unit emulator-test compose-validate integration

unit:
	$(GO) test -race -shuffle=on -count=1 ./...

## emulator-test: stdlib unit tests of the TF Serving REST emulator.
emulator-test:
	python3 -m unittest compose/native/test_tfserving_emulator.py

## integration: start the real backends (compose/native), run the live suite, always stop them.
integration: build
	scripts/integration

## fuzz: every fuzz target for a bounded time each.
fuzz:
	scripts/fuzz $(FUZZTIME)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags integration ./...
	$(GO) run $(STATICCHECK) ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

## run: the gateway on the example config.
run: build
	$(BIN) serve --config $(CONFIG)

## demo: real backends up, gateway up, one request through every adapter.
demo: build
	scripts/demo

backends:
	compose/native/up

backends-down:
	compose/native/down

backends-check:
	compose/native/check

compose-validate:
	compose/validate

bench: build
	bench/run

clean:
	rm -rf bin
