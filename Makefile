# driftguard front door. Every target installs the Debian packages it needs first.
#   make demo    build, then show what driftguard does on a locally built image
#   make test    build, then run every test (unit, kernel, end-to-end with podman)
#   make build   build/driftguard
#   make lint    clang-format check and clang-tidy
#   make fuzz    build the libFuzzer targets and run the archive fuzzer (FUZZ_SECONDS)
#   make bench   run the benchmarks of docs/BENCHMARKS.md
#   make image   the agent image localhost/driftguard:VERSION (podman, Debian packages only)
BUILD_DIR    ?= build
BUILD_TYPE   ?= RelWithDebInfo
FUZZ_DIR     ?= build-fuzz
FUZZ_SECONDS ?= 600
JOBS         ?= $(shell nproc)

SOURCES = $(shell git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp' 'bpf/*.c' 'bpf/*.h' 'include/*.h')

.PHONY: all deps configure build test demo lint format fuzz bench image clean uninstall

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j 1

demo: build
	@demo/run.sh

lint: configure
	@clang-format --dry-run --Werror $(SOURCES)
	@echo $(filter %.cpp,$(filter src/%,$(SOURCES))) | xargs -n 4 -P $$(nproc) clang-tidy -p $(BUILD_DIR) --quiet 2>/dev/null

format:
	@clang-format -i $(SOURCES)

fuzz: deps
	@cmake -S . -B $(FUZZ_DIR) -DDRIFTGUARD_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_layer_archive make_seed_corpus fuzz_policy
	@tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

bench: build
	@bench/run.sh $(BUILD_DIR)

image: deps
	@scripts/build-image.sh

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
