/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel splats (WARNING, BUG, lockdep, KASAN, UBSAN, Oops, stalls) logged
 * from kmsg_start() on, read from /dev/kmsg.
 */
#ifndef KMSG_H
#define KMSG_H

#include <stdbool.h>
#include <stdint.h>

/* From now on; false if there is no /dev/kmsg to read. */
bool kmsg_start(void);
/* The first splat line logged since the last call (static buffer), or NULL. */
const char *kmsg_poll(void);
/* Splats seen so far, or -1 if /dev/kmsg could not be read. */
int64_t kmsg_splats(void);

#endif /* KMSG_H */
