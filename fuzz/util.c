// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz: time, randomness, the per-vCPU event traces and the counters.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "fuzz.h"

struct fuzz g;
__thread struct vcpu *tls_vcpu;

_Atomic uint64_t st[NR_ST];
#define ST_NAME(id, name) name,
static const char *const st_name[] = { STATS(ST_NAME) };

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* xorshift64*, one state per thread */
uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

bool chance(uint64_t *s, unsigned int percent)
{
	return rnd_below(s, 100) < percent;
}

uint64_t seed_for(uint64_t salt)
{
	uint64_t x = g.seed ^ (salt * 0x9e3779b97f4a7c15ULL);

	return x ? x : 1;
}

void trace(struct vcpu *v, const char *fmt, ...)
{
	unsigned int n = atomic_fetch_add(&v->tr_n, 1) % TRACE_LEN;
	va_list ap;

	v->tr[n].t = now_ns();
	va_start(ap, fmt);
	vsnprintf(v->tr[n].msg, TRACE_MSG, fmt, ap);
	va_end(ap);
}

void print_stats(void)
{
	for (int i = 0; i < NR_ST; i++)
		printf("  %-44s %" PRIu64 "\n", st_name[i], st[i]);
	printf("  %-44s %" PRIu64 " ms\n", "longest wake (raise to WAKEUP)",
	       g.max_wake_ns / 1000000);
}
