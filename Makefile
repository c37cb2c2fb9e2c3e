# Lintel — the two commands: `make run` and `make test`. Everything they need is installed if missing.
SHELL := /bin/bash
SWIFT ?= swift
SWIFT_TEST_FLAGS ?= --parallel

.PHONY: run test test-policies test-sqlite test-postgres build bench clean help

help:
	@echo "make run     build and serve site.conf on http://127.0.0.1:8000 (SQLite, nothing else needed)"
	@echo "make test    build and run the whole suite on SQLite, then on a throwaway PostgreSQL"
	@echo "make bench   release build + wrk figures (see README, Performance)"

build:
	@scripts/install-deps.sh build
	$(SWIFT) build

run: build
	.build/debug/lintel migrate
	.build/debug/lintel serve

test:
	@scripts/install-deps.sh test
	@scripts/test-tools.sh
	$(SWIFT) build --build-tests
	$(MAKE) test-policies
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-policies:
	@echo "== policy test suites (policies/tests)"
	.build/debug/lintel policy check policies
	.build/debug/lintel policy test policies

test-sqlite:
	@echo "== test suite on SQLite"
	env -u LINTEL_TEST_POSTGRES_URL $(SWIFT) test --skip-build $(SWIFT_TEST_FLAGS)

test-postgres:
	@echo "== test suite on PostgreSQL"
	scripts/postgres.sh run $(SWIFT) test --skip-build $(SWIFT_TEST_FLAGS)

bench:
	@scripts/install-deps.sh bench
	$(SWIFT) build -c release --product lintel
	$(SWIFT) build -c release --product lintel-bench
	scripts/bench.sh

clean:
	rm -rf .build data
