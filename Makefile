# PSCI SYSTEM_SUSPEND for KVM/arm64 on Debian's Linux 5.10: build and test.
# `make demo` and `make test` are the two commands; see README.md.

# BASE: a line of harness/bases.list; each has its own cached repository
# and build directory. HOST: the L1 CPU, and so the mode KVM runs in:
# vhe (-cpu max, ARMv8.1+) or nvhe (-cpu cortex-a72, ARMv8.0).
BASE      ?= 5.10.223
HOST      ?= vhe
CACHE_DIR ?= $(HOME)/.cache/psci-suspend
BUILD     ?= $(CURDIR)/build/$(BASE)
FRESH_DIR ?= $(CURDIR)/build/fresh
CONFIG    ?=
TESTS     ?=
QEMU_SMP  ?= 2
QEMU_MEM  ?= 2G
SUITE_FILE ?= harness/suite.list
PATCHES   ?= $(CURDIR)/patches
# The QEMU base (7.2: bookworm's, qemu/; 10.0, 11.1: qemu/VERSION/, in
# progress), its series and where Debian's QEMU is built with it.
QEMU      ?= 7.2
QEMU_DIR  := $(CURDIR)/qemu$(if $(filter-out 7.2,$(QEMU)),/$(QEMU))
QEMU_PATCHES ?= $(QEMU_DIR)/patches
QBUILD    ?= $(CURDIR)/build/qemu$(if $(filter-out 7.2,$(QEMU)),-$(QEMU))
# (another base logs in its own directory, not over 7.2's logs in $(BUILD))
QLOGS     := $(if $(filter-out 7.2,$(QEMU)),LOGS=$(QBUILD)/logs)
OUT       := $(BUILD)/out$(if $(CONFIG),-$(CONFIG))

# The elapsed time on every stage line counts from here (milliseconds).
ifndef HARNESS_T0
HARNESS_T0 := $(shell date +%s%3N)
endif
export BASE HOST FRESH_DIR CACHE_DIR BUILD CONFIG TESTS SUITE_FILE PATCHES QEMU_SMP QEMU_MEM OUT HARNESS_T0 \
	QEMU_DIR QEMU_PATCHES QBUILD
export CCACHE_DIR ?= $(CACHE_DIR)/ccache

H := harness
.NOTPARALLEL:
.PHONY: all test demo fresh fuzz soak soak-run bench parity peers peers-base host-peers kselftest kselftest-base kselftest-upstream \
	deps base tree export kernel initramfs run qemu qemu-export qemu-bench qemu-check qemu-tcg \
	check check-quick selftest-harness clean distclean help

all: test

help:
	@echo 'make demo              build everything, boot the VMM demo with its console live'
	@echo 'make test              build everything, run the suite'
	@echo 'make test BASE=5.10.262 HOST=nvhe   another base (harness/bases.list), KVM in nVHE'
	@echo 'make fresh             make demo and make test in a fresh Debian 12 root (as root)'
	@echo 'make test TESTS=kvm:*  run the tests matching the glob(s)'
	@echo 'make test CONFIG=debug the same on a KASAN/lockdep kernel'
	@echo 'make fuzz / bench      the long fuzz runs / the benchmark'
	@echo 'make soak HOURS=N      the long fuzz runs for N hours on the debug kernel, with their figures'
	@echo 'make parity            make test, then the same suite on upstream 6.12'
	@echo 'make peers             Debian stock kernels and QEMU, on the series and on the base'
	@echo 'make host-peers HOSTKERNEL=bookworm|trixie   Debian'"'"'s stock 6.1|6.12 as the L1 host, the QEMU series'"'"' peers tests (QEMU=10.0 too)'
	@echo 'make kselftest         kvm selftests installed and run the kernel way (run_kselftest.sh), series and base'
	@echo 'make kselftest-upstream   6.12'"'"'s kvm selftests the same way, after make kselftest (UPSTREAM=6.1: 6.1'"'"'s)'
	@echo 'make tree / export     work tree of the series in build/linux / back to patches/'
	@echo 'make check             apply, checkpatch, bisect build, api.rst of every patch'
	@echo 'make qemu              Debian'"'"'s QEMU + qemu/patches: a static qemu-system-aarch64 for the L1'
	@echo 'make qemu QEMU=10.0    the same on trixie'"'"'s QEMU 10.0 (11.1: sid'"'"'s; qemu/VERSION/, in progress)'
	@echo 'make qemu-tcg QEMU=10.0   that series under TCG on this machine (no KVM): suspend, three wake-ups, migration asleep'
	@echo 'make qemu-export       the commits of build/qemu/src back to qemu/patches'
	@echo 'make qemu-check        the QEMU series: git am, QEMU'"'"'s checkpatch, each patch built (QCHECK=quick: no builds)'
	@echo 'make qemu-bench        a wake-up'"'"'s cost: QEMU with the series and the reference VMM, one boot'
	@echo 'make check-quick       apply, checkpatch, api.rst (one of CI'"'"'s steps: .ci/run)'

test: deps $(BUILD)/selftest-harness.ok base tree kernel initramfs
	@$(H)/run.sh test

demo: TESTS = demo
demo: deps base tree kernel initramfs
	@LIVE=1 $(H)/run.sh demo

# The longer robustness runs and the benchmark: suites of their own.
fuzz: SUITE_FILE = harness/fuzz.list
fuzz: deps base tree kernel initramfs
	@$(H)/run.sh fuzz

# fuzz.list's entries in rounds of new seeds for HOURS hours, on
# the debug kernel (KASAN, UBSAN, lockdep, kmemleak scanned after each
# run); the figures at the end (harness/soak.py).
HOURS ?= 2
soak:
	@mkdir -p $(BUILD)
	@python3 $(H)/soak.py suite $(HOURS) harness/fuzz.list >$(BUILD)/soak.list
	@$(MAKE) --no-print-directory soak-run CONFIG=debug SUITE_FILE=$(BUILD)/soak.list \
		APPEND='l1.kmemleak=each $(APPEND)'

soak-run: deps base tree kernel initramfs
	@rc=0; $(H)/run.sh soak || rc=$$?; \
	python3 $(H)/soak.py summary $(BUILD)/logs/soak-latest.log && exit $$rc

bench: SUITE_FILE = harness/bench.list
bench: deps base tree kernel initramfs
	@LIVE=1 $(H)/run.sh bench

# Parity: the same initramfs on Debian's 6.12 (upstream) kernel must
# give the same results as this tree's last `make test`.
parity: test
	@$(H)/upstream.sh

# The README's two commands in a freshly debootstrapped Debian 12 root.
fresh:
	@$(H)/fresh.sh

# Binaries nobody here built (harness/peers.sh): Debian's stock kernels as
# L2 guests and Debian's QEMU on the series, then QEMU on the base alone
# (an empty PATCHES, in $(BUILD)/base), whose answers must be the same.
peers: SUITE_FILE = harness/peers.list
peers: deps base tree kernel initramfs qemu
	@$(H)/peers.sh peers
	@mkdir -p $(BUILD)/no-patches
	@$(MAKE) --no-print-directory peers-base BUILD=$(BUILD)/base \
		PATCHES=$(BUILD)/no-patches
	@$(H)/peers.sh --compare $(BUILD)/logs/peers-latest.log \
		$(BUILD)/base/logs/peers-base-latest.log

peers-base: SUITE_FILE = harness/peers.list
peers-base: deps base tree kernel initramfs qemu
	@$(H)/peers.sh peers-base

# Debian's stock cloud kernel of HOSTKERNEL (bookworm: 6.1,
# trixie: 6.12; pinned in harness/peers.lock, harness/hosts.lock, nothing
# built) as the L1 KVM host, with the QEMU series of QEMU= and the peers
# tests of HOST_TESTS; Debian's unpatched QEMU is that of the series' base
# (DEBIAN_QEMU=bookworm|trixie: another). harness/host-peers.sh.
HOSTKERNEL ?= bookworm
HOST_TESTS ?= peer:qemu-suspend,peer:qemu-deny,peer:qemu-migrate,peer:qemu-manage-*,peer:qemu-offcmp
host-peers: SUITE_FILE = harness/peers.list
host-peers: TESTS = $(HOST_TESTS)
host-peers: deps base tree kernel initramfs qemu
	@$(QLOGS) $(H)/host-peers.sh $(HOSTKERNEL)

# The kvm selftests CI's way (harness/kselftest.sh, docs/kselftest.md): the
# series' kvm collection from the kernel's own install, run by
# run_kselftest.sh in the L1 beside l1/init on the same programs; then
# the base alone (as make peers builds it) with its own collection and
# the series' psci_test added, which must skip; no base pass may fail on
# the series.
kselftest: deps $(BUILD)/selftest-harness.ok base tree kernel $(BUILD)/l1/init
	@$(H)/kselftest.sh series
	@mkdir -p $(BUILD)/no-patches
	@KSFT_ADD=$(BUILD)/kselftest-install $(MAKE) --no-print-directory kselftest-base \
		BUILD=$(BUILD)/base PATCHES=$(BUILD)/no-patches
	@$(H)/kselftest.sh --compare $(BUILD)/base/logs/kselftest-base-latest.log \
		$(BUILD)/logs/kselftest-series-latest.log

kselftest-base: deps base tree kernel $(BUILD)/l1/init
	@$(H)/kselftest.sh base

# Upstream 6.12's kvm selftests (the parity tree), run whole by
# run_kselftest.sh on the series and on the base that make kselftest built.
kselftest-upstream: deps $(BUILD)/l1/init
	@$(H)/kselftest-upstream.sh

deps:
	@$(H)/deps.sh

# Debian bookworm's QEMU with the QEMU series (qemu/), cross-built static
# for the L1 against a private sysroot of Debian's arm64 -dev packages.
qemu:
	@test -f $(QEMU_DIR)/source.lock || { echo "error: QEMU=$(QEMU): no $(QEMU_DIR)/source.lock (7.2, 10.0, 11.1)" >&2; exit 1; }
	@$(H)/deps.sh qemu
	@$(QLOGS) $(H)/qemu-base.sh
	@$(QLOGS) $(H)/qemu-build.sh

# The series under TCG on this machine (no KVM, no nesting): the 10.0
# series and later (7.2's is KVM only).
qemu-tcg: deps base tree kernel initramfs
	@$(H)/deps.sh qemu-tcg
	@$(QLOGS) $(H)/qemu-base.sh
	@$(QLOGS) $(H)/qemu-tcg.sh

qemu-bench: SUITE_FILE = harness/qemu-bench.list
qemu-bench: deps base tree kernel initramfs qemu
	@$(H)/peers.sh qemu-bench
	@grep -hE '(qemu_suspend|e2e): cycle [0-9]+: .* -> vCPU back at the entry point' \
		$(BUILD)/logs/qemu-bench-latest.log | sed 's/^# //'

# The QEMU series as upstream takes it: git am on the pinned base, QEMU's
# checkpatch.pl on each patch (QCHECK=quick: that only), each patch built
# on its own (harness/qemu-check.sh).
QCHECK ?= full
qemu-check:
	@$(H)/deps.sh qemu
	@$(H)/qemu-base.sh
	@$(H)/qemu-check.sh $(QCHECK)

qemu-export:
	@BASE_REF=base SUBJECT_PREFIX='PATCH $(QEMU)' $(H)/export.sh $(QBUILD)/src $(QEMU_PATCHES)
	@$(H)/series-hash.sh $(QEMU_PATCHES) "" >$(QBUILD)/series.stamp

selftest-harness:
	@harness/tests/run.sh

# make test re-runs the harness's own tests when the harness changed.
$(BUILD)/selftest-harness.ok: $(wildcard harness/* harness/tests/* harness/tests/data/*) l1/init.c \
		README.md $(wildcard docs/*.md) vmm/test/attrib.c vmm/log.c vmm/log.h \
		$(wildcard fuzz/psci_model.* fuzz/test_psci_model.c)
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

# Under CONFIG=debug the VMM's L2 guests boot the non-debug Image: the L2
# kernel is not what is under test, and the debug one is too slow under
# nested TCG for the e2e tests' time windows (docs/results.md). Built too.
ifeq ($(CONFIG),debug)
export L2_IMAGE := $(BUILD)/out/arch/arm64/boot/Image
kernel: kernel-l2
.PHONY: kernel-l2
kernel-l2: tree
	@$(MAKE) --no-print-directory kernel CONFIG=
endif

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
	rm -rf $(BUILD)/out* $(BUILD)/kselftest $(BUILD)/kselftest-* $(BUILD)/initramfs* $(BUILD)/l1 $(BUILD)/logs

# Also drops build/linux: commit and `make export` first.
distclean:
	rm -rf $(BUILD)
