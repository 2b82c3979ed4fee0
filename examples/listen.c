// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The smallest complete garlic program: print every process event until
 * interrupted (or until COUNT events, if given as the first argument).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <garlic/garlic.h>

static int print_event(const struct garlic_event *ev, void *userdata)
{
	long *left = userdata;

	switch (ev->type) {
	case GARLIC_EVENT_FORK:
		printf("fork  %d -> %d\n", ev->fork.parent_tgid, ev->fork.child_pid);
		break;
	case GARLIC_EVENT_EXEC:
		printf("exec  %d\n", ev->pid);
		break;
	case GARLIC_EVENT_EXIT:
		printf("exit  %d status %u\n", ev->pid, ev->exit.exit_code);
		break;
	default:
		printf("%-5s %d\n", garlic_event_name(ev->type) ?: "?", ev->pid);
	}
	fflush(stdout);
	return *left > 0 && --*left == 0;
}

int main(int argc, char **argv)
{
	long left = argc > 1 ? atol(argv[1]) : 0;
	struct garlic *g;
	int r;

	r = garlic_open(&g, 0, print_event, &left);
	if (r < 0) {
		fprintf(stderr, "listen: %s\n", garlic_strerror(r));
		return 1;
	}
	/* Subscribed: every event from now on will be seen. */
	fprintf(stderr, "listen: listening\n");
	for (;;) {
		r = garlic_receive(g);
		if (r == -ENOBUFS) {
			/* Events were lost; the stream goes on. */
			fprintf(stderr, "listen: %s\n", garlic_strerror(r));
			continue;
		}
		if (r < 0) {
			fprintf(stderr, "listen: %s\n", garlic_strerror(r));
			break;
		}
		if (argc > 1 && left == 0) {
			r = 0;
			break;
		}
	}
	garlic_close(g);
	return r < 0;
}
