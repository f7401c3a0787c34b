// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz: failing. A failure prints the seed and the command line to
 * replay it, the last events of the vCPU involved, its mailbox and
 * registers, every live VM, what each racer is doing and every thread's
 * state and system call, then the counters.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

void dump_vcpu(struct vcpu *v)
{
	struct slot *s = v->s;
	unsigned int n = atomic_load(&v->tr_n);
	unsigned int i = n > TRACE_LEN ? n - TRACE_LEN : 0;

	printf("psci_fuzz: VM #%" PRIu64 " (%d %svCPUs, PSCI %s, %s, cap %s%s%s), vCPU %d, last events:\n",
	       s->vm_no, s->nvcpus, s->a32 ? "AArch32 " : "", psci_name(s->psci),
	       s->vgic ? "vGICv3" : "userspace irqchip",
	       s->cap == CAP_ON ? "on" : s->cap ? "being enabled" : "off",
	       s->cap_later ? " (later)" : "",
	       s->tainted ? ", tainted" : "", v->idx);
	for (; i < n; i++) {
		struct trace *t = &v->tr[i % TRACE_LEN];

		printf("  %9.3f  %s\n", (double)(t->t - g.t0) / 1e9, t->msg);
	}
}

/*
 * The vCPU's recent events, its mailbox and, from its own thread (any other
 * would wait for its KVM_RUN), its registers.
 */
static void dump_guest(struct vcpu *v)
{
	volatile uint64_t *mb = v->mb;
	uint64_t idx = mb[MB_IDX / 8];

	dump_vcpu(v);
	printf("psci_fuzz: mailbox: op %" PRIu64 " seq %" PRIu64 " calls %" PRIu64 " at call %" PRIu64
	       " a0-a3 %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64
	       " r0-r3 %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64
	       " entries %" PRIu64 " exceptions %" PRIu64 "\n",
	       mb[MB_OP / 8], mb[MB_SEQ / 8], mb[MB_COUNT / 8], idx,
	       mb[MB_A0 / 8], mb[MB_A0 / 8 + 1], mb[MB_A2 / 8], mb[MB_A2 / 8 + 1],
	       mb[MB_R0 / 8], mb[MB_R0 / 8 + 1], mb[MB_R2 / 8], mb[MB_R2 / 8 + 1],
	       mb[MB_ENTRIES / 8], mb[MB_EXC_N / 8]);
	if (idx < FZ_BATCH_MAX) {
		volatile uint64_t *p = v->batch + (idx << FZ_CALL_SHIFT) / 8;

		printf("psci_fuzz: call %" PRIu64 " in guest memory: x0-x3 %#" PRIx64 " %#" PRIx64
		       " %#" PRIx64 " %#" PRIx64 " -> %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64 "\n",
		       idx, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
	}
	if (v->fd > 0 && pthread_equal(pthread_self(), v->thr)) {
		uint64_t x[5] = { 0 };

		for (int i = 0; i < 4; i++)
			ka_get_reg(v->fd, KA_REG_X(i), &x[i]);
		ka_get_reg(v->fd, KA_REG_PC, &x[4]);
		printf("psci_fuzz: registers: x0-x3 %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64
		       " pc %#" PRIx64 " (entry %#x)\n", x[0], x[1], x[2], x[3], x[4], FZ_ENTRY);
	}
}

/* The first line of /proc/self/task/TID/NAME, without its newline. */
static void read_task_file(int tid, const char *name, char *buf, size_t len)
{
	char path[96];
	FILE *f;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", tid, name);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

/* What every thread of ours is doing, as far as /proc tells without kallsyms. */
static void dump_threads(void)
{
	char path[96], comm[32], stat[512], sc[256], *p;
	FILE *f;

	printf("psci_fuzz: threads (name, state, /proc syscall):\n");
	for (int tid = getpid(); tid < getpid() + 4096; tid++) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
		f = fopen(path, "r");
		if (!f)
			continue;
		stat[fread(stat, 1, sizeof(stat) - 1, f)] = 0;
		fclose(f);
		p = strrchr(stat, ')');
		read_task_file(tid, "comm", comm, sizeof(comm));
		read_task_file(tid, "syscall", sc, sizeof(sc));
		printf("  %6d %-12s %c  %s\n", tid, comm, p && p[1] ? p[2] : '?', sc);
	}
}

static void dump_slot(struct slot *s, uint64_t now)
{
	printf("psci_fuzz: slot %d: VM #%" PRIu64 "%s%s, %d vCPUs, parked %d\n", s->id,
	       s->vm_no, atomic_load(&s->dying) ? " dying" : "",
	       atomic_load(&s->hold) ? " held" : "", s->nvcpus, s->parked);
	for (int j = 0; j < s->nvcpus; j++) {
		struct vcpu *v = &s->v[j];
		uint64_t st0 = atomic_load(&v->run_start);

		printf("  vCPU %d: %s%s for %.1f s, %s, maybe_susp %d, disturb %u\n", j,
		       atomic_load(&v->done) ? "done " : "",
		       atomic_load(&v->in_run) ? "in KVM_RUN" : "out of KVM_RUN",
		       since(now, st0) / 1e9,
		       v->our_susp ? "honoured suspend" : "no suspend",
		       atomic_load(&v->maybe_susp), atomic_load(&v->disturb));
	}
}

static void dump_vms(void)
{
	uint64_t now = ka_now_ns();

	for (int i = 0; i < g.nslots; i++)
		if (atomic_load(&g.slot[i].live))
			dump_slot(&g.slot[i], now);
	for (int i = 0; i < g.nracers; i++) {
		uint64_t b = atomic_load(&g.racer_busy[i]);
		struct vcpu *v = atomic_load(&g.racer_vcpu[i]);

		if (b)
			printf("psci_fuzz: racer %d: %s for %.1f s, on VM #%" PRIu64 " vCPU %d\n", i,
			       atomic_load(&g.racer_what[i]), since(now, b) / 1e9,
			       v ? v->s->vm_no : 0, v ? v->idx : -1);
	}
}

void fail(const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&g.failing, 1)) {
		for (;;)
			pause();
	}
	atomic_store(&g.stop, 1);
	fflush(stdout);
	printf("psci_fuzz: FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\npsci_fuzz: seed %" PRIu64 " at %.3f s; replay: %s\n",
	       g.seed, (double)(ka_now_ns() - g.t0) / 1e9, g.replay);
	if (tls_vcpu) {
		dump_guest(tls_vcpu);
		for (int i = 0; i < tls_vcpu->s->nvcpus; i++)
			if (&tls_vcpu->s->v[i] != tls_vcpu)
				dump_vcpu(&tls_vcpu->s->v[i]);
	}
	dump_vms();
	dump_threads();
	printf("psci_fuzz: counters so far:\n");
	print_stats();
	printf("psci_fuzz: FAIL\n");
	fflush(stdout);
	_exit(KA_EXIT_FAIL);
}
