# SPDX-License-Identifier: GPL-2.0
#
# The one way the project builds a static aarch64 program that runs in the
# L1 kernel (the VMM, its e2e driver, the fuzzer, the bench) or in an L2
# guest. A tool's Makefile sets SRC (its own directory) and includes this:
#
#   make -C DIR O=/abs/build/dir KHDR=/uapi/include [CROSS_COMPILE=...]
#
# O:    where objects and binaries go; nothing is written to the sources.
# KHDR: installed uapi headers (make headers_install). The tools build
#       against headers with or without the series: lib/kvm_arm.h fills
#       in the ABI numbers, and each tool finds out at run time what the
#       kernel offers.
#
# It provides CC, CPPFLAGS, CFLAGS, LDFLAGS (the same warnings everywhere),
# the pattern rules $(O)/%.o from $(SRC)/%.c and $(SRC)/%.S, the shared
# helper layer's objects as $(LIB_OBJS) (lib/*.c, built in $(O)/lib; a tool
# that calls more than lib/kvm_arm.h's inline wrappers links them), the L2
# guests' PID 1 programs as objects $(O)/l2/%.o from $(L2)/%.c and what
# they share as $(L2_OBJS) (l2/guest.c), the $(O) directory, and
# dependency tracking.

CROSS_COMPILE	?= aarch64-linux-gnu-
CC		:= $(CROSS_COMPILE)gcc
OBJCOPY		:= $(CROSS_COMPILE)objcopy
HOSTCC		?= gcc

ifeq ($(O),)
$(error O= (an absolute build directory) is required)
endif
ifneq ($(patsubst /%,,$(O)),)
$(error O=$(O) must be an absolute path)
endif
ifeq ($(KHDR),)
$(error KHDR= (installed uapi headers, .../include) is required)
endif

TOP		:= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
LIB		:= $(TOP)/lib
L2		:= $(TOP)/l2

WARNINGS	:= -Wall -Wextra -Werror -Wno-unused-parameter \
		   -Wno-missing-field-initializers
CFLAGS		:= -O2 -g $(WARNINGS) -std=gnu11 -pthread
CPPFLAGS	:= -I$(KHDR) -I$(SRC) -I$(LIB) -D_GNU_SOURCE -MMD -MP
LDFLAGS		:= -static -pthread

$(O)/%.o: $(SRC)/%.c | $(O)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/%.o: $(SRC)/%.S | $(O)
	$(CC) $(CPPFLAGS) -c -o $@ $<

LIB_OBJS	:= $(O)/lib/kvm_arm.o

$(O)/lib/%.o: $(LIB)/%.c | $(O)/lib
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

L2_OBJS		:= $(O)/l2/guest.o

$(O)/l2/%.o: $(L2)/%.c | $(O)/l2
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O) $(O)/lib $(O)/l2:
	mkdir -p $@

.SECONDARY:
-include $(wildcard $(O)/*.d $(O)/*/*.d)
