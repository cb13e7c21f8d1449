# ngx_http_interloom_module
#
#   make            build the dynamic module into build/
#   make deps       install missing Debian packages (apt-get)
#   make test       deps, build, C unit tests, style check, t/*.t
#   make run        deps, build, then Redis + demo upstream + nginx on :8080
#   make bench      the benchmark (not part of make test)
#
# NGINX_SRC=/path/to/nginx-1.22.1 make   builds against a full source tree.

NGINX_SRC ?= /usr/share/nginx/src
NGINX_BIN ?= /usr/sbin/nginx
BUILD     ?= build
CC        ?= gcc

NGX_BUILD  := $(BUILD)/nginx
MODULE_SO  := $(BUILD)/ngx_http_interloom_module.so

# Debian's nginx-dev records the flags the distro binary was configured
# with; a bare upstream tree has none, so Debian's are borrowed when
# installed.  Looked up when configure runs: make deps may install them.
DEBIAN_CONF_FLAGS := /usr/share/nginx/src/conf_flags

# The read-only inputs the tests read (the published OpenAPI document, the
# JSON Schema Test Suite) sit beside the checkout, in ../shared; a clone
# elsewhere names them with INTERLOOM_SHARED=/path make test.
INTERLOOM_SHARED ?= $(firstword $(wildcard $(abspath ../shared)) \
                                /work/shared)
export INTERLOOM_SHARED

IL_CFLAGS := -std=gnu99 -O2 -g -Wall -Wextra -Werror -Isrc
IL_LIBS   := -ljansson -lpcre2-8 -ljwt -lssl -lcrypto -lhiredis -lm

IL_SRCS   := $(wildcard src/il_*.c)
IL_HDRS   := $(wildcard src/il_*.h)
IL_OBJS   := $(IL_SRCS:src/%.c=$(BUILD)/il/%.o)
NGX_SRCS  := ngx_http_interloom_module.c $(wildcard src/ngx_http_interloom_*.c)
NGX_HDRS  := $(wildcard src/ngx_http_interloom_*.h)
UNIT_SRCS := $(wildcard t/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:t/unit/%.c=$(BUILD)/unit/%)

DEB_PACKAGES := nginx nginx-dev libjansson-dev libhiredis-dev libjwt-dev \
                libssl-dev libpcre2-dev redis-server redis-tools openssl \
                perl curl make gcc valgrind nghttp2-client

.PHONY: all module deps unit test style run bench clean FORCE
.SECONDARY:

all: module

deps:
	@sh t/tools/deps.sh $(DEB_PACKAGES)

module: $(MODULE_SO)

# configure again when the set of sources changes (config lists src/il_*.c)
$(BUILD)/sources: FORCE
	@mkdir -p $(BUILD)
	@echo $(IL_SRCS) $(NGX_SRCS) | cmp -s - $@ || echo $(IL_SRCS) $(NGX_SRCS) > $@

$(NGX_BUILD)/objs/Makefile: config $(BUILD)/sources
	rm -rf $(NGX_BUILD)
	mkdir -p $(BUILD)
	cp -a $(NGINX_SRC) $(NGX_BUILD)
	cd $(NGX_BUILD) && bash -c ' \
	    flags=(); \
	    if [ -f conf_flags ]; then \
	        . ./conf_flags; flags=("$${NGX_CONF_FLAGS[@]}"); \
	    elif [ -f $(DEBIAN_CONF_FLAGS) ]; then \
	        . $(DEBIAN_CONF_FLAGS); flags=("$${NGX_CONF_FLAGS[@]}"); \
	    else \
	        flags=(--with-compat --with-threads --with-http_ssl_module \
	               --with-http_v2_module --with-http_realip_module \
	               --with-http_auth_request_module); \
	    fi; \
	    ./configure "$${flags[@]}" --with-cc-opt="-g -O2 -Wextra" \
	        --add-dynamic-module=$(CURDIR)' > configure.log 2>&1 \
	    || { tail -30 $(NGX_BUILD)/configure.log; exit 1; }

$(MODULE_SO): $(NGX_BUILD)/objs/Makefile $(NGX_SRCS) $(NGX_HDRS) $(IL_SRCS) $(IL_HDRS)
	$(MAKE) -C $(NGX_BUILD) -f objs/Makefile modules
	@# a new inode: nginx processes running the old module keep theirs
	cp $(NGX_BUILD)/objs/ngx_http_interloom_module.so $@.tmp
	mv -f $@.tmp $@

$(BUILD)/il/%.o: src/%.c $(IL_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(IL_CFLAGS) -c $< -o $@

$(BUILD)/unit/%: t/unit/%.c $(IL_OBJS) t/unit/il_test.h
	@mkdir -p $(dir $@)
	$(CC) $(IL_CFLAGS) -It/unit $< $(IL_OBJS) $(IL_LIBS) -o $@

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do $$t; done

style:
	@sh t/tools/style.sh

test: deps module unit fuzz-replay style
	prove -r -I t/lib t/

run: deps module
	@perl t/tools/run.pl

bench: deps module
	@sh bench/run.sh

# libFuzzer harnesses over the pure-C parts (fuzz/README.md).  make fuzz
# builds them with clang and runs each for FUZZ_SECONDS, one at a time;
# make fuzz-replay builds the same harnesses with gcc's ASan and UBSan,
# without libFuzzer, and runs every committed corpus file once.

FUZZ_SECONDS  ?= 60
FUZZ_TARGETS  ?= $(FUZZ_NAMES)
FUZZ_FLAGS    ?=
FUZZ_CC       ?= clang
REPLAY_CC     ?= gcc

FUZZ_PACKAGES := clang libclang-rt-14-dev
FUZZ_NAMES    := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                 -fno-omit-frame-pointer
FUZZ_CFLAGS   := -std=gnu99 -O1 -g -Wall -Wextra -Werror -Isrc -Ifuzz \
                 -DIL_FUZZ_REPO='"$(CURDIR)"'
FUZZ_OBJS     := $(IL_SRCS:src/%.c=$(BUILD)/fuzz/il/%.o) \
                 $(BUILD)/fuzz/h/il_fuzz.o
FUZZ_BINS     := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
REPLAY_OBJS   := $(IL_SRCS:src/%.c=$(BUILD)/replay/il/%.o) \
                 $(BUILD)/replay/h/il_fuzz.o $(BUILD)/replay/h/replay.o
REPLAY_BINS   := $(FUZZ_NAMES:%=$(BUILD)/replay/fuzz_%)
REPLAY_ENV    := ASAN_OPTIONS=detect_leaks=1 \
                 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: fuzz fuzz-deps fuzz-merge fuzz-replay

fuzz-deps:
	@sh t/tools/deps.sh $(FUZZ_PACKAGES)

$(BUILD)/fuzz/il/%.o: src/%.c $(IL_HDRS) | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/h/%.o: fuzz/%.c fuzz/il_fuzz.h $(IL_HDRS) | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/h/fuzz_%.o $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ $(IL_LIBS) -o $@

# One harness at a time, each in one process.  New inputs go to
# build/fuzz/corpus, crashes to build/fuzz/crashes; the committed corpus
# is only read.  A crash stops that harness, not the others.
fuzz: $(FUZZ_BINS)
	@status=0; for n in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz/corpus/$$n $(BUILD)/fuzz/crashes; \
	    dict=; [ -f fuzz/$$n.dict ] && dict=-dict=fuzz/$$n.dict; \
	    echo "fuzz_$$n: $(FUZZ_SECONDS) seconds"; \
	    UBSAN_OPTIONS=print_stacktrace=1 $(BUILD)/fuzz/fuzz_$$n $$dict \
	        -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/crashes/$$n- \
	        $(FUZZ_FLAGS) $(BUILD)/fuzz/corpus/$$n fuzz/corpus/$$n \
	        || status=1; \
	done; exit $$status

# adds to the committed corpus the inputs of build/fuzz/corpus that reach
# code it does not
fuzz-merge: $(FUZZ_BINS)
	@set -e; for n in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz/corpus/$$n; \
	    $(BUILD)/fuzz/fuzz_$$n -merge=1 fuzz/corpus/$$n \
	        $(BUILD)/fuzz/corpus/$$n; \
	done

$(BUILD)/replay/il/%.o: src/%.c $(IL_HDRS)
	@mkdir -p $(dir $@)
	$(REPLAY_CC) $(IL_CFLAGS) $(FUZZ_SAN) -c $< -o $@

$(BUILD)/replay/h/%.o: fuzz/%.c fuzz/il_fuzz.h $(IL_HDRS)
	@mkdir -p $(dir $@)
	$(REPLAY_CC) $(IL_CFLAGS) -Ifuzz -DIL_FUZZ_REPO='"$(CURDIR)"' \
	    $(FUZZ_SAN) -c $< -o $@

$(BUILD)/replay/fuzz_%: $(BUILD)/replay/h/fuzz_%.o $(REPLAY_OBJS)
	$(REPLAY_CC) $(FUZZ_SAN) $^ $(IL_LIBS) -o $@

# Every harness runs, each input in a child of its own; the target fails
# if any input failed.  The logs are what t/fuzz.t reads when they are
# newer than binary and corpus.
fuzz-replay: $(REPLAY_BINS)
	@status=0; for n in $(FUZZ_NAMES); do \
	    log=$(BUILD)/replay/$$n.log; \
	    if $(REPLAY_ENV) $(BUILD)/replay/fuzz_$$n fuzz/corpus/$$n \
	        > $$log 2>&1; \
	    then tail -n 1 $$log; else cat $$log; status=1; fi; \
	done; exit $$status

clean:
	rm -rf $(BUILD)
