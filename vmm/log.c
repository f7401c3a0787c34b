// SPDX-License-Identifier: GPL-2.0
/*
 * Output of the VMM: its own timestamped log lines and the guest's console,
 * both on stdout.
 *
 * The guest console is buffered by line so that a log line from another
 * thread (an RTC alarm, a vCPU event) never lands in the middle of a guest
 * line: readers of the log, human or the e2e driver, see whole lines.
 * Everything goes out with write(2), never stdio, so that a thread that ends
 * the process with _exit() cannot lose or deadlock on buffered output.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static char line[1024];
static size_t line_len;
static struct timespec t0;

static void __attribute__((constructor)) log_init(void)
{
	clock_gettime(CLOCK_MONOTONIC, &t0);
}

double vmm_uptime(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= n;
	}
}

/* Called with out_lock held. */
static void flush_line(void)
{
	if (!line_len)
		return;
	if (line[line_len - 1] != '\n')
		line[line_len++] = '\n';
	write_all(STDOUT_FILENO, line, line_len);
	line_len = 0;
}

void console_putc(char c)
{
	pthread_mutex_lock(&out_lock);
	/* Guests end lines with "\r\n"; a bare '\r' adds nothing to a log. */
	if (c != '\r') {
		line[line_len++] = c;
		if (c == '\n' || line_len >= sizeof(line) - 1)
			flush_line();
	}
	pthread_mutex_unlock(&out_lock);
}

void console_flush(void)
{
	pthread_mutex_lock(&out_lock);
	flush_line();
	pthread_mutex_unlock(&out_lock);
}

static void vlog(int fd, const char *prefix, const char *fmt, va_list ap)
{
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf), "[vmm %7.3f] %s", vmm_uptime(), prefix);
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';

	/*
	 * A guest line in progress stays in line[]: it comes out whole, after
	 * this one, when the guest ends it. Flushing it here cut a guest line
	 * in two whenever an alarm or vCPU event landed while the guest was
	 * printing (docs/results.md, vmm:deny).
	 */
	pthread_mutex_lock(&out_lock);
	write_all(fd, buf, n);
	pthread_mutex_unlock(&out_lock);
}

void vmm_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(STDOUT_FILENO, "", fmt, ap);
	va_end(ap);
}

void vmm_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(STDERR_FILENO, "error: ", fmt, ap);
	va_end(ap);
}
