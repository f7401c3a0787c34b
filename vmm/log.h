/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMM's output (log.c): its timestamped log lines and the guest's
 * console, which the log never cuts in the middle of a line.
 */
#ifndef VMM_LOG_H
#define VMM_LOG_H

void vmm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vmm_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_putc(char c);
void console_flush(void);
double vmm_uptime(void);

#endif
