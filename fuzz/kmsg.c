// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz: kernel splats (WARNING, BUG, lockdep, KASAN, UBSAN, Oops,
 * stalls) logged while the fuzzer runs, read from /dev/kmsg. The watchdog
 * polls it, so that a splat fails the run at once, with the fuzzer's state
 * of that moment and the seed; the harness also looks at the console.
 */
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>

#include "fuzz.h"

static int kmsg_fd = -1;
static regex_t splat_re;
static _Atomic uint64_t splats;

/* The same kinds of trouble the harness's verdict looks for (tap.py). */
static const char splat_pattern[] =
	"WARNING:|BUG:|UBSAN:|possible (circular|recursive) locking|"
	"inconsistent lock state|DEBUG_LOCKS_WARN_ON|Unable to handle kernel|"
	"Internal error:|Oops|Kernel panic|rcu: INFO:|self-detected stall|"
	"INFO: task .* blocked";

/* From now on; false if there is no /dev/kmsg to read. */
bool kmsg_start(void)
{
	if (regcomp(&splat_re, splat_pattern, REG_EXTENDED | REG_NOSUB))
		return false;
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd < 0)
		return false;
	lseek(kmsg_fd, 0, SEEK_END);
	return true;
}

/*
 * Read what the kernel logged since the last call; returns the first
 * splat line (static buffer) or NULL. One record per read(2); EPIPE means
 * records were overwritten before we read them, and reading goes on.
 */
const char *kmsg_poll(void)
{
	static char rec[1024];
	const char *first = NULL;
	ssize_t n;

	if (kmsg_fd < 0)
		return NULL;
	for (;;) {
		char *msg;

		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = 0;
		if (!regexec(&splat_re, msg, 0, NULL, 0)) {
			atomic_fetch_add(&splats, 1);
			if (!first) {
				memmove(rec, msg, strlen(msg) + 1);
				first = rec;
				break;
			}
		}
	}
	return first;
}

/* Splats seen so far, or -1 if /dev/kmsg could not be read. */
int64_t kmsg_splats(void)
{
	return kmsg_fd < 0 ? -1 : (int64_t)atomic_load(&splats);
}
