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
# with; a bare upstream tree has none, so borrow Debian's when installed.
CONF_FLAGS_FILE := $(firstword $(wildcard $(NGINX_SRC)/conf_flags \
                                          /usr/share/nginx/src/conf_flags))

IL_CFLAGS := -std=gnu99 -O2 -g -Wall -Wextra -Werror -Isrc
IL_LIBS   := -ljansson -lpcre2-8 -ljwt -lssl -lcrypto -lhiredis

IL_SRCS   := $(wildcard src/il_*.c)
IL_HDRS   := $(wildcard src/il_*.h)
IL_OBJS   := $(IL_SRCS:src/%.c=$(BUILD)/il/%.o)
NGX_SRCS  := ngx_http_interloom_module.c $(wildcard src/ngx_http_interloom_*.c)
NGX_HDRS  := $(wildcard src/ngx_http_interloom_*.h)
UNIT_SRCS := $(wildcard t/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:t/unit/%.c=$(BUILD)/unit/%)

DEB_PACKAGES := nginx nginx-dev libjansson-dev libhiredis-dev libjwt-dev \
                libssl-dev libpcre2-dev redis-server redis-tools openssl \
                perl curl make gcc valgrind

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
	    if [ -n "$(CONF_FLAGS_FILE)" ]; then \
	        . "$(abspath $(CONF_FLAGS_FILE))"; flags=("$${NGX_CONF_FLAGS[@]}"); \
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

test: deps module unit style
	prove -r -I t/lib t/

run: deps module
	@perl t/tools/run.pl

bench: deps module
	@sh bench/run.sh

clean:
	rm -rf $(BUILD)
