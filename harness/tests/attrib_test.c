// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-e2e's wake-up attribution (vmm/test/attrib.c) on the host, on a
 * sample run: for every "woken by untold" line of the log, the source the
 * run proves (or "-") and why. harness/tests/run.sh checks the answers.
 *
 *   attrib_test LOG
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "e2e.h"

int main(int argc, char **argv)
{
	struct run r = { 0 };
	char buf[1024], why[256];
	const char *src;
	FILE *f;
	int i;

	if (argc != 2 || !(f = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: attrib_test LOG\n");
		return 2;
	}
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (r.nr == r.cap) {
			r.cap = r.cap ? 2 * r.cap : 64;
			r.lines = realloc(r.lines, r.cap * sizeof(*r.lines));
			if (!r.lines)
				return 2;
		}
		r.lines[r.nr++].s = strdup(buf);
	}
	fclose(f);
	for (i = 0; i < r.nr; i++) {
		if (!strstr(r.lines[i].s, GUEST) ||
		    !strstr(r.lines[i].s, GUEST_WOKEN_BY " untold ("))
			continue;
		src = attribute_wakeup(&r, i, why, sizeof(why));
		printf("line %d: %s: %s\n", i + 1, src ? src : "-", why);
	}
	return 0;
}
