/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the L2 guests' PID 1 programs (suspend.c, peer.c) share: bringing
 * up a bare initramfs, and reading and writing sysfs files.
 */
#ifndef L2_GUEST_H
#define L2_GUEST_H

#include <stddef.h>

/*
 * Mounts proc on /proc, sysfs on /sys and devtmpfs on /dev, and opens
 * /dev/console as stdin, stdout and stderr if PID 1 was started without.
 */
void guest_setup(void);

/*
 * Reads @path into @buf (NUL-terminated, trailing newlines and spaces cut).
 * Returns 0, or -1 with errno set (ENODATA: pm_wakeup_irq has none).
 */
int read_str(const char *path, char *buf, size_t size);

/* Writes @s to @path. Returns 0 or the errno of the open or the write. */
int write_str(const char *path, const char *s);

#endif
