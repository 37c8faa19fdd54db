# Concordat: the two commands.
#   make run    install what is missing, build, and run the main job on the example registry
#   make test   install what is missing, build, and run every test
# Also: make install (PREFIX=/usr/local; docs/installing.md), make bench (benchmarks), make asan
# (tests under ASan+UBSan), make format, make clean.
.PHONY: all deps build build-release build-programs run test install bench asan fuzz format clean

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
REGISTRY ?= protocols

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	cmake --preset debug >/dev/null
	cmake --build --preset debug -j $(JOBS)

build-release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# Only the programs `make run` starts (concordat, concordatd, concordat-verify), in the release
# build: about half of build-release's work, none of the tests or benchmarks.
build-programs: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target concordat concordatd concordat-verify

# The main job: concordatd on https://127.0.0.1:8443 with the example registry, demo users, a
# demo laptop certificate and a synthetic Mosaic (scripts/run-demo.sh prints curl lines to try).
run: build-programs
	@./build/release/concordat lint $(REGISTRY) >/dev/null; rc=$$?; \
	  if [ $$rc -eq 2 ]; then ./build/release/concordat lint $(REGISTRY); echo "make run: the registry could not be read"; exit 2; fi; \
	  echo "make run: the registry in $(REGISTRY)/ loads (lint exit $$rc: the seed documents' real findings; run 'concordat lint $(REGISTRY)' to read them)"
	@./scripts/run-demo.sh

test: build
	ctest --preset debug -j $(JOBS)

# The programs, the systemd unit, an example configuration and the documentation under PREFIX
# (docs/installing.md); DESTDIR stages them for a package.
PREFIX ?= /usr/local
install: build-programs
	cmake --install build/release --prefix $(PREFIX)

asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

bench: build-release
	@if ls build/release/bench/*_bench >/dev/null 2>&1; then \
	  for b in build/release/bench/*_bench; do $$b; done; \
	else echo "make bench: no benchmarks yet"; fi

# Coverage-guided fuzzing with libFuzzer (clang), FUZZ_SECONDS for each target: `request`
# (the decision request parser, JSON), `protocol` (the protocol file loader, YAML, through
# lint, canonical form and a decision) and `http_input` (the server's query strings and JSON
# bodies). FUZZ_TARGETS=protocol runs one.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= request protocol http_input
fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))
	mkdir -p build/fuzz/corpus/request build/fuzz/corpus/protocol build/fuzz/corpus/http_input
	cp tests/fuzz/corpus/* build/fuzz/corpus/request/
	cp tests/fuzz/http_corpus/* build/fuzz/corpus/http_input/
	cp protocols/*.yaml examples/demo/registry/*.yaml tests/fixtures/*.yaml build/fuzz/corpus/protocol/
	for t in $(FUZZ_TARGETS); do \
	  ./build/fuzz/tests/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) build/fuzz/corpus/$$t || exit 1; \
	done

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
