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
	  -o $(LIB) ./capi
	@rm -f $(BUILD)/libgossh.so.h  # the cgo-generated header is an artefact, never installed

$(BUILD)/libgossh.so: $(LIB)
	ln -sf $(SONAME) $@

python/gossh/libgossh.so: $(LIB)
	cp $(LIB) $@

bindings/node/native/libgossh.so: $(LIB)
	@mkdir -p bindings/node/native
	cp $(LIB) $@

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16
