/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmm-e2e's pieces: the engine (e2e.c) runs a row of the scenario table
 * (scenarios.c) and performs its actions while the vmm runs (actions.c).
 */
#ifndef VMM_E2E_H
#define VMM_E2E_H

#include <stdbool.h>
#include <stddef.h>

#define MAX_BLOCKS	24
#define MAX_ACTIONS	16

/* The control socket the scenarios that need one give the vmm */
#define E2E_CONTROL_PATH	"/tmp/vmm-e2e.sock"
/* The line the driver adds for each answer: E2E_ANSWER "status -> ok ..." */
#define E2E_ANSWER		"e2e: control: "

struct line {
	double		t;	/* arrival, seconds since the vmm started */
	char		*s;
};

struct run {
	struct line	*lines;
	int		nr, cap;
	int		status;	/* exit status, or 128 + signal */
	bool		timed_out;
	double		t0;
	int		stdin_fd;	/* the vmm's standard input */
	const struct action *actions;
	int		hits[MAX_ACTIONS];
	bool		done[MAX_ACTIONS];
};

/*
 * A line that contains @ev, and @detail too unless it is NULL. With
 * @attribute (a GUEST_WOKEN_BY step), the guest's next "woken by" line
 * must contain @detail or, if the guest could not tell ("untold"), the
 * driver's attribution from the run (attrib.c) must name @attribute.
 */
struct step {
	const char	*ev;
	const char	*detail;
	const char	*attribute;
};

enum action_kind {
	ACT_STDIN,		/* write @arg to the vmm's standard input */
	ACT_CONTROL,		/* send the line @arg, record the answer */
	ACT_CONTROL_CUT,	/* send @arg without its newline, hang up */
	ACT_CONTROL_TWO,	/* two clients at once, @arg from each */
};

/* When the @nth line with @on (and @detail) shows up, do @kind. */
struct action {
	const char	*on;
	const char	*detail;
	int		nth;
	enum action_kind kind;
	const char	*arg;
};

struct scenario {
	const char	*name;
	const char	*summary;	/* for the usage text */
	const char	*about;		/* printed before the run (the demo) */
	const char	*image;		/* a bare-metal guest, or NULL: Linux */
	const char	*vmm_args;	/* the vmm's options, space separated */
	const char	*guest_args;	/* the Linux guest's parameters */
	/* Expected, in order: the steps of each block in turn */
	const struct step *blocks[MAX_BLOCKS];
	const char *const *forbidden;
	int		status;		/* the vmm's exit status */
	int		timeout;	/* seconds */
	bool		suspend_needed;	/* skip without the capability */
	const struct action *actions;
	int		(*custom)(const struct scenario *sc);
};

/* A bad invocation: "@NAME" in @args is a file of --dir, "@@" the kernel */
struct error_case {
	const char	*args;
	bool		no_kvm;		/* hide /dev/kvm from the vmm */
	bool		before_kvm;	/* fails before it opens /dev/kvm */
	int		status;
	const char	*msg;
};

extern const struct scenario scenarios[];
extern const struct error_case error_cases[];
extern const char *const common_forbidden[];

/* e2e.c */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void add_line(struct run *r, const char *s, size_t len);
int find(const struct run *r, int from, const char *ev, const char *detail);
int scenario_errors(const struct scenario *sc);

/* attrib.c: what woke the guest whose "woken by untold" is line @woken */
const char *attribute_wakeup(const struct run *r, int woken, char *why,
			     size_t size);

/* actions.c */
void actions_run(struct run *r);
void report_boot(const struct run *r);
void report_latency(const struct run *r);

#endif /* VMM_E2E_H */
