# PSCI SYSTEM_SUSPEND for KVM/arm64 on Linux 5.10.223: build and test.
# `make test` and `make demo` are the two commands; see README.md.

CACHE_DIR ?= $(HOME)/.cache/psci-suspend
BUILD     ?= $(CURDIR)/build
CONFIG    ?=
TESTS     ?=
QEMU_SMP  ?= 2
QEMU_MEM  ?= 2G
SUITE_FILE ?= harness/suite.list
PATCHES   ?= $(CURDIR)/patches
OUT       := $(BUILD)/out$(if $(CONFIG),-$(CONFIG))

# The elapsed time on every stage line counts from here (milliseconds).
ifndef HARNESS_T0
HARNESS_T0 := $(shell date +%s%3N)
endif
export CACHE_DIR BUILD CONFIG TESTS SUITE_FILE PATCHES QEMU_SMP QEMU_MEM OUT HARNESS_T0
export CCACHE_DIR ?= $(CACHE_DIR)/ccache

H := harness
.NOTPARALLEL:
.PHONY: all test demo fuzz bench parity peers peers-base deps base tree export kernel initramfs run \
	check check-quick selftest-harness clean distclean help

all: test

help:
	@echo 'make test              build everything, run the suite (all but demo)'
	@echo 'make test TESTS=kvm:*  run the tests matching the glob(s)'
	@echo 'make test CONFIG=debug the same on a KASAN/lockdep kernel'
	@echo 'make demo              run the demo with its console live'
	@echo 'make fuzz / bench      the long fuzz runs / the benchmark'
	@echo 'make parity            make test, then the same suite on upstream 6.12'
	@echo 'make peers             Debian stock kernels and QEMU, on the series and on the base'
	@echo 'make tree / export     work tree of the series in build/linux / back to patches/'
	@echo 'make check             apply, checkpatch, bisect build, api.rst of every patch'
	@echo 'make check-quick       apply, checkpatch, api.rst (what CI runs)'

test: deps $(BUILD)/selftest-harness.ok base tree kernel initramfs
	@$(H)/run.sh test

demo: TESTS = demo
demo: deps base tree kernel initramfs
	@LIVE=1 $(H)/run.sh demo

# The longer robustness runs and the benchmark: suite entries that the
# default run lists as SLOW.
fuzz: TESTS = fuzz:*
fuzz: deps base tree kernel initramfs
	@$(H)/run.sh fuzz

bench: TESTS = bench:*
bench: deps base tree kernel initramfs
	@LIVE=1 $(H)/run.sh bench

# SPEC §5.3: the same initramfs on Debian's 6.12 (upstream) kernel must
# give the same results as this tree's last `make test`.
parity: test
	@$(H)/upstream.sh

# Binaries nobody here built (harness/peers.sh): Debian's stock kernels as
# L2 guests and Debian's QEMU on the series, then QEMU on the base alone
# (an empty PATCHES, in $(BUILD)/base), whose answers must be the same.
peers: TESTS = peer:*
peers: deps base tree kernel initramfs
	@$(H)/peers.sh peers
	@mkdir -p $(BUILD)/no-patches
	@$(MAKE) --no-print-directory peers-base BUILD=$(BUILD)/base \
		PATCHES=$(BUILD)/no-patches
	@$(H)/peers.sh --compare $(BUILD)/logs/peers-latest.log \
		$(BUILD)/base/logs/peers-base-latest.log

peers-base: TESTS = peer:*
peers-base: deps base tree kernel initramfs
	@$(H)/peers.sh peers-base

deps:
	@$(H)/deps.sh

selftest-harness:
	@harness/tests/run.sh

# make test re-runs the harness's own tests when the harness changed.
$(BUILD)/selftest-harness.ok: $(wildcard harness/* harness/tests/* harness/tests/data/*) l1/init.c
	@harness/tests/run.sh
	@mkdir -p $(@D) && touch $@

base:
	@$(H)/base.sh

tree: base
	@$(H)/tree.sh

export:
	@$(H)/export.sh

kernel: tree
	@$(H)/kernel.sh

$(BUILD)/l1/init: l1/init.c
	@mkdir -p $(@D)
	@aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -o $@ $<

initramfs: $(BUILD)/l1/init
	@$(H)/initramfs.sh

check: deps base
	@$(H)/check.sh full

check-quick: deps base
	@$(H)/check.sh quick

clean:
	rm -rf $(BUILD)/out* $(BUILD)/kselftest $(BUILD)/initramfs* $(BUILD)/l1 $(BUILD)/logs

# Also drops build/linux: commit and `make export` first.
distclean:
	rm -rf $(BUILD)
