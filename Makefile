# rolecall — the two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PERSONA ?= examples/personas/ml-engineer.md
OUT    ?= runs

.PHONY: venv demo check test lint typecheck bench clean

# llama.cpp's default build targets the build machine's CPU (GGML_NATIVE), which enables AMX on
# recent Xeons; in VMs that do not grant AMX state the process dies with "Illegal instruction".
# So x86-64 builds target AVX2 explicitly, and skip pip's wheel cache (which ignores CMAKE_ARGS).
LLAMA_VERSION    := 0.3.36
LLAMA_CMAKE_ARGS ?= $(if $(filter x86_64,$(shell uname -m)),-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON,)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet --no-cache-dir \
		"llama-cpp-python==$(LLAMA_VERSION)"
	$(BIN)/python -m pip install --quiet -e '.[local,server,semantic,ray,dev]'
	touch $(STAMP)

venv: $(STAMP)

# The demo asks a seeded, balanced subset (2 items per dimension) twice, so its report carries a
# G-study and `rolecall plan` works on it, within 10 minutes on 2 cores (README: measured time).
DEMO_ARGS ?= --items 2 --epochs 2

demo: venv
	$(BIN)/rolecall run $(PERSONA) $(DEMO_ARGS) --out $(OUT)

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: venv
	$(BIN)/mypy src

# The fast tier (under a minute on 2 cores): lint, types and every test not marked `slow` (those
# load a real model, start a real server or a browser, or take over about a second), on two
# pytest-xdist workers. `make test` runs them all, one at a time, as CI does.
check: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow" -n 2

test: venv
	$(BIN)/ruff check src tests
	$(BIN)/mypy src
	$(BIN)/python -m pytest -q -p no:cacheprovider

# Performance benchmarks, quick versions (bench/README.md has the full runs). The peers are
# installed under bench/out (git-ignored), never as project dependencies; a peer that cannot
# be installed is skipped. Prints the results table; `bench/table.py` rewrites the README's.
BENCH_OUT := bench/out
BENCH_Q   := --results $(BENCH_OUT)/quick

$(BENCH_OUT)/peers-venv/.installed:
	-$(PYTHON) -m venv $(BENCH_OUT)/peers-venv && \
	  $(BENCH_OUT)/peers-venv/bin/pip install --quiet inspect-ai openai && touch $@

$(BENCH_OUT)/node_modules/.bin/promptfoo:
	-npm install --prefix $(BENCH_OUT) --no-audit --no-fund --loglevel=error promptfoo

bench: venv $(BENCH_OUT)/peers-venv/.installed $(BENCH_OUT)/node_modules/.bin/promptfoo
	$(BIN)/python bench/ceiling.py --quick $(BENCH_Q)
	$(BIN)/python bench/overhead.py --quick $(BENCH_Q)
	$(BIN)/python bench/peers.py --quick $(BENCH_Q)
	-$(BIN)/python bench/local_model.py --quick $(BENCH_Q)
	$(BIN)/python bench/cache.py --quick $(BENCH_Q)
	$(BIN)/python bench/scale.py --quick $(BENCH_Q)
	$(BIN)/python bench/table.py $(BENCH_Q) --print

clean:
	rm -rf $(VENV) runs .pytest_cache
