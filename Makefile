# Concordat: the two commands.
#   make run    install what is missing, build, and run the main job on the example registry
#   make test   install what is missing, build, and run every test
# Also: make bench (benchmarks), make asan (tests under ASan+UBSan), make format, make clean.
.PHONY: all deps build build-release run test bench asan fuzz format clean

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

# Until the server exists, the main job summarises and lints the example registry, then
# explains the decisions on the example requests in examples/requests/.
run: build-release
	@for f in $(REGISTRY)/*.yaml; do ./build/release/concordat show "$$f"; echo; done
	@./build/release/concordat lint $(REGISTRY); rc=$$?; \
	  if [ $$rc -eq 2 ]; then echo "make run: the registry could not be read"; exit 2; fi; \
	  echo "make run: lint exit status $$rc (1 = the seed documents' real defects were found; see above)"
	@echo; echo "== Decisions on examples/requests (concordat explain) =="
	@for f in examples/requests/*.json; do echo "-- $$f"; ./build/release/concordat explain --registry $(REGISTRY) "$$f" || exit 2; done
	@echo "-- examples/requests/batch.jsonl (concordat decide, JSON Lines)"
	@./build/release/concordat decide --registry $(REGISTRY) examples/requests/batch.jsonl

test: build
	ctest --preset debug -j $(JOBS)

asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

bench: build-release
	@if ls build/release/bench/*_bench >/dev/null 2>&1; then \
	  for b in build/release/bench/*_bench; do $$b; done; \
	else echo "make bench: no benchmarks yet"; fi

# Coverage-guided fuzzing of the request parser with libFuzzer (clang), FUZZ_SECONDS long.
FUZZ_SECONDS ?= 60
fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target request_fuzz
	mkdir -p build/fuzz/corpus && cp tests/fuzz/corpus/* build/fuzz/corpus/
	./build/fuzz/tests/request_fuzz -max_total_time=$(FUZZ_SECONDS) build/fuzz/corpus

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
