# sockmortem — see README.md. `make help` lists the targets.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DESTDIR ?=

# BUILD and BIN can be moved (e.g. `make BUILD=/tmp/b BIN=/tmp/b/bin`) so
# that two builds of one tree do not share objects.
BUILD ?= build
BIN   ?= bin

CC      ?= cc
PKG_CONFIG ?= pkg-config
VERSION := 0.1.0

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla -Wno-format-nonliteral
CSTD    := -std=c11 -D_GNU_SOURCE
# gcc optimises across files at link time too: the loader's hot path runs
# through ingest, row_memo and the parsers, and -O3 with -flto takes 7% off
# the CPU of an hour's report (bench/README.md). Fat objects keep the
# archives usable by plain ar and by links without -flto (bench/). clang
# (CC=clang) gets -O3 alone.
CC_IS_GCC := $(shell $(CC) --version 2>/dev/null | grep -q 'Free Software Foundation' && echo yes)
CFLAGS  ?= -O3 -g $(if $(CC_IS_GCC),-flto=auto -ffat-lto-objects)
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=undefined

# Debian packages the build, the tests and the demo need. `make deps`
# installs the missing ones when run as root.
DEBIAN_PKGS := gcc make pkg-config libc6-dev libzstd-dev zstd libcmocka-dev \
               libsqlite3-dev sqlite3 libarchive-dev zlib1g-dev libpcap-dev libssl-dev \
               lsof iproute2 util-linux tar procps golang-go nginx-light jq python3 \
               clang libclang-rt-14-dev chromium

COLLECT_PKGS := libzstd libpcap
ANALYZE_PKGS := libzstd sqlite3 libarchive zlib libpcap libcrypto
TEST_PKGS := cmocka

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs   = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

INCLUDES := -Ilib -Icollect -Ianalyze -Ianalyze/parse -Ireports -Itests/support
ALL_CFLAGS = $(CSTD) $(WARN) $(INCLUDES) -DSM_VERSION='"$(VERSION)"' \
             $(call pc_cflags,$(ANALYZE_PKGS))
# The collector stays small: libzstd, libpcap and libc.
COLLECT_LIBS = $(call pc_libs,$(COLLECT_PKGS)) -lpthread
ANALYZE_LIBS = $(call pc_libs,$(ANALYZE_PKGS)) -lpthread -lm

LIB_SRC      := $(wildcard lib/*.c)
COLLECT_SRC  := $(filter-out collect/main.c,$(wildcard collect/*.c))
# Recursive (=): BUILD is set further down (or on the command line).
GEN_SRC      = $(BUILD)/gen/schema_sql.c $(BUILD)/gen/rules_sql.c
ANALYZE_SRC  = $(filter-out analyze/main.c,$(wildcard analyze/*.c analyze/parse/*.c reports/*.c)) $(GEN_SRC)
HEADERS      := $(wildcard lib/*.h collect/*.h analyze/*.h analyze/parse/*.h reports/*.h tests/support/*.h)
UNIT_SRC     := $(wildcard tests/unit/test_*.c)
TEST_SUPPORT_SRC := $(wildcard tests/support/*.c)
HELPER_SRC   := $(wildcard tests/helpers/*.c)
BENCH_SRC    := $(wildcard bench/*.c)
HAVE_ANALYZER := $(wildcard analyze/main.c)

REL := $(BUILD)/rel
SAN := $(BUILD)/san

PROGRAMS := $(BIN)/sockmortem-collect $(if $(HAVE_ANALYZER),$(BIN)/sockmortem)

.PHONY: all deps test unit-tests check-build demo bench fuzz install uninstall clean help
.DEFAULT_GOAL := all

all: $(PROGRAMS)

help:
	@echo "make            build bin/sockmortem-collect (and bin/sockmortem)"
	@echo "make deps       install missing Debian build/test packages (as root)"
	@echo "make test       deps + ASan/UBSan build + unit and integration tests"
	@echo "make demo       deps + build + the report on a recorded incident (tests/data/demo/)"
	@echo "make bench      benchmarks (figures printed beside their reference)"
	@echo "make fuzz       libFuzzer: every target for FUZZ_TIME seconds (default 60)"
	@echo "make install    install to DESTDIR/PREFIX (PREFIX=$(PREFIX))"
	@echo "make clean      remove build outputs"

# --- dependencies -----------------------------------------------------------
deps:
	@missing=""; \
	if command -v dpkg-query >/dev/null 2>&1; then \
	  for p in $(DEBIAN_PKGS) $(EXTRA_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	  done; \
	fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "deps: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  else \
	    echo "deps: missing Debian packages:$$missing (run 'make deps' as root)" >&2; exit 1; \
	  fi; \
	fi

# --- generated sources ------------------------------------------------------
$(BUILD)/gen/schema_sql.c: schema/embed.sh schema/schema.sql schema/views.sql
	@mkdir -p $(dir $@)
	sh schema/embed.sh schema/schema.sql schema/views.sql > $@.tmp && mv $@.tmp $@

RULE_FILES := $(sort $(wildcard analyze/rules/*.sql))
$(BUILD)/gen/rules_sql.c: analyze/rules/embed.sh $(RULE_FILES)
	@mkdir -p $(dir $@)
	sh analyze/rules/embed.sh $(RULE_FILES) > $@.tmp && mv $@.tmp $@

# --- release build ----------------------------------------------------------
$(REL)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(REL)/libsm_collect.a: $(LIB_SRC:%.c=$(REL)/%.o) $(COLLECT_SRC:%.c=$(REL)/%.o)
	@rm -f $@
	ar rcs $@ $^

$(REL)/libsm_analyze.a: $(LIB_SRC:%.c=$(REL)/%.o) $(ANALYZE_SRC:%.c=$(REL)/%.o)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/sockmortem-collect: $(REL)/collect/main.o $(REL)/libsm_collect.a
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -o $@ $^ $(COLLECT_LIBS)

$(BIN)/sockmortem: $(REL)/analyze/main.o $(REL)/libsm_analyze.a
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -o $@ $^ $(ANALYZE_LIBS)

# --- sanitized build for the tests -----------------------------------------
$(SAN)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) $(ALL_CFLAGS) $(call pc_cflags,$(TEST_PKGS)) -c -o $@ $<

$(SAN)/libsm_collect.a: $(LIB_SRC:%.c=$(SAN)/%.o) $(COLLECT_SRC:%.c=$(SAN)/%.o)
	@rm -f $@
	ar rcs $@ $^

$(SAN)/libsm_analyze.a: $(ANALYZE_SRC:%.c=$(SAN)/%.o)
	@rm -f $@
	ar rcs $@ $^

$(SAN)/bin/sockmortem-collect: $(SAN)/collect/main.o $(SAN)/libsm_collect.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(COLLECT_LIBS)

$(SAN)/bin/sockmortem: $(SAN)/analyze/main.o $(SAN)/libsm_analyze.a $(SAN)/libsm_collect.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(ANALYZE_LIBS)

$(SAN)/libsm_testsupport.a: $(TEST_SUPPORT_SRC:%.c=$(SAN)/%.o)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

# Unit tests link both archives (lib/ lives in the collect one) and the
# shared test support (tests/support/: row recorders, file reading).
$(SAN)/tests/%: $(SAN)/tests/unit/%.o $(SAN)/libsm_testsupport.a $(SAN)/libsm_analyze.a $(SAN)/libsm_collect.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(call pc_libs,$(TEST_PKGS)) $(ANALYZE_LIBS)

# Test helpers are plain programs (no sanitizer: they stand in for the
# services being observed, not for our code).
$(REL)/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CSTD) $(WARN) -o $@ $< -lpthread

UNIT_BINS   := $(UNIT_SRC:tests/unit/%.c=$(SAN)/tests/%)
HELPER_BINS := $(HELPER_SRC:tests/helpers/%.c=$(REL)/helpers/%)
SAN_PROGRAMS := $(SAN)/bin/sockmortem-collect $(if $(HAVE_ANALYZER),$(SAN)/bin/sockmortem)

check-build: $(UNIT_BINS) $(SAN_PROGRAMS) $(HELPER_BINS) $(PROGRAMS)
# tests/integration/trend_history.sh writes its bundles with bench/genbundle.
check-build: $(REL)/bench/genbundle

test: deps
	@$(MAKE) --no-print-directory check-build
	@SM_BUILD=$(SAN) SM_HELPERS=$(REL)/helpers sh tests/run.sh

# --- demo, bench, fuzz ------------------------------------------------------
demo: deps
	@$(MAKE) --no-print-directory all
	@SM_BIN=$(BIN) sh tests/demo.sh

# The bench programs link both archives: rebuild them when those change.
$(REL)/bench/%: bench/%.c $(REL)/libsm_analyze.a $(REL)/libsm_collect.a
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(CSTD) $(WARN) $(INCLUDES) -o $@ $< $(REL)/libsm_analyze.a $(REL)/libsm_collect.a $(ANALYZE_LIBS)

bench: deps
	@$(MAKE) --no-print-directory all $(REL)/libsm_collect.a $(REL)/libsm_analyze.a $(BENCH_SRC:bench/%.c=$(REL)/bench/%)
	@sh bench/run.sh

# --- fuzzing (libFuzzer) ----------------------------------------------------
# tests/fuzz/fuzz_NAME.c is one target (see tests/fuzz/README.md). With clang
# and its libFuzzer runtime (Debian: clang, libclang-rt-14-dev) each links the
# analyzer built with coverage and ASan/UBSan in $(FUZZOBJ) into $(FUZZ)/.
# The same targets also link with a plain replay main() into the gcc
# sanitized build, so seeds and regression inputs replay in `make test` even
# without clang. `make fuzz FUZZ_TIME=600` runs every target for that long.
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 60
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined
FUZZOBJ    := $(BUILD)/fuzzobj
FUZZ       := $(BUILD)/fuzz
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_SUPPORT_SRC := tests/fuzz/support/fuzz_sink.c tests/fuzz/support/fuzz_tmp.c
FUZZ_HEADERS := $(HEADERS) $(wildcard tests/fuzz/support/*.h)
FUZZ_BINS  := $(FUZZ_NAMES:%=$(FUZZ)/fuzz_%)
FUZZ_REPLAY_BINS := $(FUZZ_NAMES:%=$(SAN)/fuzz-replay/fuzz_%)
# The libFuzzer runtime, or empty when clang cannot link fuzzers.
FUZZ_RT := $(wildcard $(shell $(FUZZ_CC) --print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-$(shell uname -m).a)

.PHONY: fuzz-build

$(FUZZOBJ)/%.o: %.c $(FUZZ_HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(ALL_CFLAGS) -Itests/fuzz/support -c -o $@ $<

$(FUZZOBJ)/libsm_fuzz.a: $(LIB_SRC:%.c=$(FUZZOBJ)/%.o) $(ANALYZE_SRC:%.c=$(FUZZOBJ)/%.o)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ)/fuzz_%: $(FUZZOBJ)/tests/fuzz/fuzz_%.o $(FUZZ_SUPPORT_SRC:%.c=$(FUZZOBJ)/%.o) $(FUZZOBJ)/libsm_fuzz.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(ANALYZE_LIBS)

$(SAN)/fuzz-replay/obj/%.o: tests/fuzz/%.c $(FUZZ_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) $(ALL_CFLAGS) -Itests/fuzz/support -c -o $@ $<

$(SAN)/fuzz-replay/fuzz_%: $(SAN)/fuzz-replay/obj/fuzz_%.o $(SAN)/fuzz-replay/obj/support/replay_main.o \
		$(FUZZ_SUPPORT_SRC:tests/fuzz/%.c=$(SAN)/fuzz-replay/obj/%.o) $(SAN)/libsm_analyze.a $(SAN)/libsm_collect.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(ANALYZE_LIBS)

# `make test` replays with the gcc build always, and smoke-fuzzes when it can.
check-build: $(FUZZ_REPLAY_BINS) $(if $(FUZZ_RT),$(FUZZ_BINS))

fuzz-build:
	@[ -n "$(FUZZ_RT)" ] || { echo "fuzz: $(FUZZ_CC) cannot link libFuzzer (make deps installs clang and libclang-rt-14-dev)" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build $(BIN)/sockmortem-collect
	@FUZZ_TIME=$(FUZZ_TIME) FUZZ_COLLECTOR=$(BIN)/sockmortem-collect sh tests/fuzz/run.sh $(FUZZ) $(FUZZ_NAMES)

# --- install ----------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/

uninstall:
	rm -f $(PROGRAMS:$(BIN)/%=$(DESTDIR)$(BINDIR)/%)

clean:
	rm -rf $(BUILD) $(BIN)
