# Top-level build.  `make` builds the tools, the library and the kernel
# module; `make check` installs what is missing, provisions the stock
# kernels and runs every test; `make demo` tells the story end to end.

PREFIX      ?= /usr/local
DESTDIR     ?=
KSPLICE_CACHE ?= /var/cache/ksplice
export KSPLICE_CACHE
# The stock kernel the module is built for by default (Debian 6.1.192-1).
KERNEL_ABI  ?= 6.1.0-55-amd64
# Every ABI the module is built for (space separated): 6.1.0-53-amd64 is
# the stock 6.1.187-1 kernel of the built-in-fix test.
KERNEL_ABIS ?= $(KERNEL_ABI) 6.1.0-53-amd64

BUILD   ?= build
CC      ?= gcc
CSTD    := -std=c11 -D_GNU_SOURCE
# Warnings are errors in `make check` (and so in CI), not in a plain
# build: a distribution's newer compiler must not break `make`.
WERROR  ?=
WARN    := -Wall -Wextra $(WERROR)
# CPPFLAGS, CFLAGS and LDFLAGS are the builder's (dpkg-buildflags); the
# project's own include paths come first.
KS_CPPFLAGS := -Iinclude -Isrc/lib -DKSPLICE_VERSION='"$(shell cat VERSION)"' $(CPPFLAGS)
CFLAGS  ?= -O2 -g
LDLIBS  := -lelf -larchive -lcrypto -lcapstone -lz
# Uptrack downloads (src/lib/uptrack/repo_fetch.c)
LDLIBS  += -lcurl
# The core module by name in the module tree (src/lib/apply/core_module.c)
LDLIBS  += -lkmod
# DWARF type layouts (src/lib/diff/type_layout.c): ksplice-create and the tests
# only, so the tools that run on the target do not need libdw.
DW_LDLIBS := -ldw
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRCS   := $(sort $(wildcard src/lib/*/*.c))
TOOL_MAINS := $(sort $(wildcard src/cmd/ksplice-*.c src/cmd/uptrack-*.c))
TOOLS      := $(patsubst %.c,$(BUILD)/bin/%,$(notdir $(TOOL_MAINS)))
TEST_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
TESTS      := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
SAN_TESTS  := $(patsubst tests/unit/%.c,$(BUILD)/tests-san/%,$(TEST_SRCS))
HEADERS    := $(wildcard include/ksplice/*.h src/lib/*/*.h)
# tests/unit/check.h: the CHECK macros every unit test includes
TEST_HEADERS := $(wildcard tests/unit/*.h)

GUEST_SRCS := $(sort $(wildcard tests/guest/*.c))
GUEST_BINS := $(patsubst tests/guest/%.c,$(BUILD)/guest/%,$(GUEST_SRCS))

LIB     := $(BUILD)/libksplice.a
SAN_LIB := $(BUILD)/san/libksplice.a

.PHONY: all tools kmod kmod-if-provisioned tests man install uninstall deps provision check check-unit check-vm demo bench clean help
all: tools kmod-if-provisioned tests

help:
	@echo "make            build tools, library, kernel module and unit tests"
	@echo "make check      install deps, provision kernels, run all tests"
	@echo "make demo       the live-update story, step by step"
	@echo "make bench      pause-time benchmark -> docs/performance.md"
	@echo "make soak       1000 apply/remove cycles under load"
	@echo "make check-release  uptrack-publish release with a stacked pair (10-30 min cold)"
	@echo "make fuzz       run the fuzz targets for a fixed budget"
	@echo "make install    install under DESTDIR/PREFIX"
	@echo "make uninstall  remove what make install put there (keeps /etc/uptrack/uptrack.conf)"
	@echo "make deb        Debian packages into build/deb/ (built from a copy of the tree)"

tools: $(TOOLS)

# --version prints the VERSION file's (util/cli.c).
$(BUILD)/obj/util/cli.o $(BUILD)/san/obj/util/cli.o: VERSION

$(BUILD)/obj/%.o: src/lib/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(KS_CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/san/obj/%.o: src/lib/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(KS_CPPFLAGS) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

$(LIB): $(patsubst src/lib/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(SAN_LIB): $(patsubst src/lib/%.c,$(BUILD)/san/obj/%.o,$(LIB_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

define tool_rule
$(BUILD)/bin/$(notdir $(basename $(1))): $(1) $(LIB) $(HEADERS)
	@mkdir -p $$(@D)
	$$(CC) $$(CSTD) $$(WARN) $$(KS_CPPFLAGS) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$< $$(LIB) $$(LDLIBS)
endef
$(foreach t,$(TOOL_MAINS),$(eval $(call tool_rule,$(t))))
$(BUILD)/bin/ksplice-create: LDLIBS += $(DW_LDLIBS)
$(BUILD)/tests/%: LDLIBS += $(DW_LDLIBS)
$(BUILD)/tests-san/%: LDLIBS += $(DW_LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(HEADERS) $(TEST_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(KS_CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tests-san/%: tests/unit/%.c $(SAN_LIB) $(HEADERS) $(TEST_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(KS_CPPFLAGS) $(CFLAGS) $(SANFLAGS) $(LDFLAGS) -o $@ $< $(SAN_LIB) $(LDLIBS)

tests: $(TESTS) $(SAN_TESTS) $(GUEST_BINS)

# Programs run inside the guest: static, so they need nothing there.
$(BUILD)/guest/%: tests/guest/%.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -static -o $@ $<

# Kernel modules: the core module (kmod/) and the test modules
# (tests/kmod/), built with Kbuild against each stock kernel's headers.
kmod:
	@for abi in $(KERNEL_ABIS); do \
		scripts/build-kmod "$$abi" || exit 1; \
	done

# `make` on a machine without the kernel cache: the tools, and one line
# saying how to get the module.
kmod-if-provisioned:
	@for abi in $(KERNEL_ABIS); do \
		if [ -f "$(KSPLICE_CACHE)/abi/$$abi/build/Makefile" ]; then \
			scripts/build-kmod "$$abi" || exit 1; \
		else \
			echo "kmod: not built for $$abi: its headers are not in $(KSPLICE_CACHE) (make provision, or scripts/fetch-kernel $$abi)"; \
		fi; \
	done

deps:
	scripts/install-deps

# The stock kernels the tests use: 6.1.192-1 -> 6.1.192-2 (the ext4 fix),
# 6.1.187-1 -> 6.1.190-1 (a built-in fix).
provision:
	scripts/fetch-kernel 6.1.192-1 6.1.187-1
	scripts/fetch-kernel --parts image,source 6.1.192-2 6.1.190-1
	$(MAKE) -s kmod
	scripts/prepare-match-fixtures

check: deps provision
	$(MAKE) WERROR=-Werror all
	tests/run-tests

check-unit:
	$(MAKE) WERROR=-Werror all
	SKIP_VM=1 tests/run-tests

demo: deps
	scripts/demo

# Man pages: written in Markdown under docs/NAME.SECTION.md, rendered
# to roff with pandoc.
MAN_SRCS := $(sort $(wildcard docs/*.[1-8].md))
MAN_PAGES := $(patsubst docs/%.md,$(BUILD)/man/%,$(MAN_SRCS))
man: $(MAN_PAGES)
$(BUILD)/man/%: docs/%.md
	@mkdir -p $(@D)
	pandoc -s -f markdown -t man --shift-heading-level-by=-1 -M title=$(basename $*) -M section=$(subst .,,$(suffix $*)) \
		-M footer="ksplice $(shell cat VERSION)" -o $@ $<

install: tools man
	scripts/install "$(DESTDIR)" "$(PREFIX)"

uninstall:
	scripts/install --uninstall "$(DESTDIR)" "$(PREFIX)"

# Debian packages (debian/): ksplice, ksplice-dkms, uptrack,
# uptrack-manager, ksplice-create, built from a copy of the tree in
# $(BUILD)/deb/ and checked by lintian.
.PHONY: deb
deb:
	scripts/build-deb $(BUILD)/deb

clean:
	rm -rf $(BUILD)
	$(MAKE) -C kmod clean-local 2>/dev/null || true

# --- Uptrack GUI (issue 6): gui/uptrack-manager, GTK 3, reading the
# client's --json output with json-glib.  Built into build/gui/ (not
# build/bin/, so guests do not carry GTK) when both are installed
# (scripts/install-deps installs libgtk-3-dev and libjson-glib-dev).
GUI_PKGS   := gtk+-3.0 json-glib-1.0
GTK_CFLAGS := $(shell pkg-config --cflags $(GUI_PKGS) 2>/dev/null)
GTK_LIBS   := $(shell pkg-config --libs $(GUI_PKGS) 2>/dev/null)
.PHONY: gui
gui: $(BUILD)/gui/uptrack-manager
ifneq ($(GTK_LIBS),)
all: gui
endif
$(BUILD)/gui/uptrack-manager: gui/uptrack-manager.c VERSION
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(KS_CPPFLAGS) $(GTK_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(GTK_LIBS)
# --- end Uptrack GUI

# ---- Reliability and performance (issue 8; docs/performance.md) --------
# make bench: pause-time benchmark and friends -> docs/performance.md
# make soak:  1000 apply/remove cycles under load (SOAK_CYCLES=N to change)
# make fuzz:  every libFuzzer target for FUZZ_SECONDS (default 60) each
SOAK_CYCLES  ?= 1000
FUZZ_SECONDS ?= 60
.PHONY: soak fuzz
bench: all
	tests/bench/run-bench

soak: all
	KSPLICE_STRESS_CYCLES=$(SOAK_CYCLES) bash tests/vm/test_stress_cycles.sh

# make check-release: tests/host/publish_release.sh with the stacked pair
# of ipoib fixes, whose ksplice-create runs take too long for make check
.PHONY: check-release
check-release: all
	KSPLICE_TEST_STACKED_PAIR=1 tests/run-tests publish_release

fuzz:
	tests/fuzz/run-fuzz $(FUZZ_SECONDS)

# ---- Coverage on real fixes (issue 9; docs/corpus.md) -------------------
# make corpus: every changed, compiled .c file between two stock Debian
# kernels made into an update and applied in a guest -> corpus/REPORT.md.
# CORPUS_ARGS="--sample 150 --seed 1" for a sample; resumable (cached
# under $(KSPLICE_CACHE)/corpus/).
CORPUS_ARGS ?=
.PHONY: corpus
corpus: tools kmod
	scripts/corpus/run $(CORPUS_ARGS)
# ---- end corpus
