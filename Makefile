# gossh — build, test, demo, bench. `make help` lists the targets.
GO      ?= go
CC      ?= gcc
CXX     ?= g++
BUILD   := build
SONAME  := libgossh.so.0
LIB     := $(BUILD)/$(SONAME)
GOSRC   := $(shell find core capi -name '*.go' -o -name '*.c' -o -name '*.h' 2>/dev/null) go.mod go.sum capi/gossh.map
CFLAGS  ?= -O2 -g -Wall -Wextra -Werror -std=c11
CXXFLAGS ?= -O2 -Wall -Wextra -Werror -std=c++17

.PHONY: all lib help test test-suites test-go test-c test-python test-node test-examples demo bench clean fuzz

all: lib ## build build/libgossh.so and put copies where the Python and Node bindings find them

lib: $(BUILD)/libgossh.so python/gossh/libgossh.so bindings/node/native/libgossh.so

$(LIB): $(GOSRC)
	@mkdir -p $(BUILD)
	CGO_ENABLED=1 $(GO) build -buildmode=c-shared -trimpath \
	  -ldflags='-s -w -extldflags "-Wl,-soname,$(SONAME) -Wl,--version-script=$(CURDIR)/capi/gossh.map"' \
	  -o $(LIB).tmp ./capi
	mv -f $(LIB).tmp $(LIB)
	@rm -f $(BUILD)/libgossh.so.h $(BUILD)/libgossh.so.0.h  # the cgo-generated header is an artefact, never installed

$(BUILD)/libgossh.so: $(LIB)
	ln -sf $(SONAME) $@

# Copy then rename: rewriting a library in place crashes processes that have it loaded.
python/gossh/libgossh.so: $(LIB)
	cp $(LIB) $@.tmp && mv -f $@.tmp $@

bindings/node/native/libgossh.so: $(LIB)
	@mkdir -p bindings/node/native
	cp $(LIB) $@.tmp && mv -f $@.tmp $@

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

# ---------------------------------------------------------------- tests ----
TESTBIN := $(BUILD)/tests
NODE_MODULES := bindings/node/node_modules/.package-lock.json
# Examples run against the test sshd with the demo's variables.
EXAMPLE_ENV = GOSSH_DEMO_HOST=$$GOSSH_TEST_HOST GOSSH_DEMO_PORT=$$GOSSH_TEST_PORT \
  GOSSH_DEMO_USER=$$GOSSH_TEST_USER GOSSH_DEMO_KEY=$$GOSSH_TEST_KEYDIR/id_ed25519 \
  GOSSH_DEMO_KNOWN_HOSTS=$$GOSSH_TEST_KNOWN_HOSTS PYTHONPATH=$(CURDIR)/python

$(NODE_MODULES): bindings/node/package.json bindings/node/package-lock.json
	cd bindings/node && npm ci --no-audit --no-fund

$(TESTBIN)/test_capi: tests/c/test_capi.c tests/c/check.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -lpthread -Wl,-rpath,'$$ORIGIN/..' -o $@

$(TESTBIN)/test_keys: tests/c/test_keys.c tests/c/check.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -Wl,-rpath,'$$ORIGIN/..' -o $@

$(TESTBIN)/test_hostkeys: tests/c/test_hostkeys.c tests/c/check.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -Wl,-rpath,'$$ORIGIN/..' -o $@

$(TESTBIN)/test_secrets: tests/c/test_secrets.c tests/c/check.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -lpthread -Wl,-rpath,'$$ORIGIN/..' -o $@

$(TESTBIN)/test_events: tests/c/test_events.c tests/c/check.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -Wl,-rpath,'$$ORIGIN/..' -o $@

$(TESTBIN)/header_cxx: tests/c/header_cxx.cpp include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CXX) $(CXXFLAGS) -Iinclude $< -L$(BUILD) -lgossh -Wl,-rpath,'$$ORIGIN/..' -o $@

C_EXAMPLES := $(BUILD)/examples/exec_demo $(BUILD)/examples/shell_demo

$(BUILD)/examples/%: examples/c/%.c include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(BUILD)/examples
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -Wl,-rpath,'$$ORIGIN/..' -o $@

test: lib $(NODE_MODULES) $(TESTBIN)/test_capi $(TESTBIN)/test_keys $(TESTBIN)/test_hostkeys $(TESTBIN)/test_secrets $(TESTBIN)/test_events $(TESTBIN)/header_cxx $(C_EXAMPLES) ## run every test (Go, C, Python, Node, examples) against a real OpenSSH sshd
	testenv/with-sshd.sh $(MAKE) --no-print-directory test-suites

test-suites: test-go test-c test-python test-node test-examples test-fuzz

test-go: ## Go: gofmt, vet, and go test -race on core and capi (needs the sshd env)
	@test -z "$$(gofmt -l core capi cmd)" || { echo "gofmt needed:"; gofmt -l core capi cmd; exit 1; }
	$(GO) vet ./...
	$(GO) test -race -count=1 ./core/... ./capi/

test-c: ## C: the C API test program and the header compiled as C++
	$(TESTBIN)/header_cxx
	$(TESTBIN)/test_capi
	$(TESTBIN)/test_keys
	$(TESTBIN)/test_hostkeys
	$(TESTBIN)/test_secrets
	$(TESTBIN)/test_events

test-python: ## Python: pytest against the sshd
	PYTHONPATH=$(CURDIR)/python python3 -m pytest -q python/tests

test-node: ## Node: node --test against the sshd
	cd bindings/node && node --test test/

test-examples: ## run the C, Python and Node examples against the sshd
	$(EXAMPLE_ENV) $(BUILD)/examples/exec_demo
	printf 'echo shell says hi; exit 3\n' | $(EXAMPLE_ENV) $(BUILD)/examples/shell_demo | grep -q 'shell says hi'
	$(EXAMPLE_ENV) python3 examples/python/exec_demo.py
	$(EXAMPLE_ENV) node examples/node/exec_demo.js

# ----------------------------------------------------------------- demo ----
demo: lib $(NODE_MODULES) $(C_EXAMPLES) ## run the C, Python and Node examples against an embedded loopback server
	testenv/with-demo-server.sh sh -c '\
	  echo "== C";      $(BUILD)/examples/exec_demo && \
	  echo "== C shell"; printf "echo typed into a remote shell; exit 3\n" | $(BUILD)/examples/shell_demo && \
	  echo "== Python"; PYTHONPATH=$(CURDIR)/python python3 examples/python/exec_demo.py && \
	  echo "== Node";   node examples/node/exec_demo.js'

clean: ## remove build outputs
	rm -rf $(BUILD) python/gossh/libgossh.so bindings/node/native

# ---------------------------------------------------------------- bench ----
# BENCH_N (default 20) and BENCH_BYTES (default 268435456) change the sizes;
# results also go to build/bench-results.md. Peers that cannot be installed
# (PyPI/npm unreachable) show up as "skipped: why" rows.
bench: lib ## run gossh and its peers (ssh, paramiko, asyncssh, Node ssh2) side by side
	testenv/with-sshd.sh python3 bench/run.py

# ----------------------------------------------------------------- fuzz ----
FUZZTIME ?= 10s
test-fuzz: ## the fuzz targets for a few seconds each (part of make test)
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

TEST_FUZZTIME ?= 4s

fuzz: ## run each fuzz target for a short bounded time
	@for t in $$($(GO) test -list '^Fuzz' ./core/ | grep '^Fuzz'); do \
	  echo "== $$t ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./core/ || exit 1; \
	done
