// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench/loss: does garlic report every event it loses?
 *
 * A fork storm runs against a listener whose receive buffer is made too
 * small on purpose, then against larger ones. For each run it prints the
 * storm's own events (generated), those the listener received, those it
 * reported lost, and checks:
 *   - storm events missing <= reported lost (nothing lost unreported);
 *   - per-CPU sequence window == received + reported lost (the kernel's
 *     own count of events in the window agrees with garlic's books).
 * Other processes' events are told apart by the storm's recorded pids.
 *
 * usage: loss [--mode fork|exec|thread] [--ops N] [--procs P]
 *             [--inflight K] [--rcvbuf BYTES]... [--quick]
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <garlic/garlic.h>

#include "storm.h"

#define MAX_CPUS 1024

struct seen {
	pid_t id;
	uint32_t type;
};

struct books {
	struct seen *events;
	size_t n, capacity;
	uint64_t loss_reports, lost_reported;
	bool cpu_seen[MAX_CPUS];
	uint32_t first_seq[MAX_CPUS], last_seq[MAX_CPUS];
};

static int on_event(const struct garlic_event *ev, void *userdata)
{
	struct books *b = userdata;

	if (b->n == b->capacity) {
		b->capacity = b->capacity ? 2 * b->capacity : 65536;
		b->events = realloc(b->events, b->capacity * sizeof(*b->events));
		if (!b->events)
			abort();
	}
	b->events[b->n].type = ev->type;
	b->events[b->n].id = ev->type == GARLIC_EVENT_FORK ? ev->fork.child_pid
							   : ev->exec.process_pid;
	b->n++;
	if (ev->cpu < MAX_CPUS) {
		if (!b->cpu_seen[ev->cpu]) {
			b->cpu_seen[ev->cpu] = true;
			b->first_seq[ev->cpu] = ev->seq;
		}
		/* Cross-CPU order is free, within a CPU numbers only grow. */
		if ((int32_t)(ev->seq - b->last_seq[ev->cpu]) > 0 ||
		    b->first_seq[ev->cpu] == ev->seq)
			b->last_seq[ev->cpu] = ev->seq;
	}
	return 0;
}

static int on_loss(const struct garlic_loss *loss, void *userdata)
{
	struct books *b = userdata;

	b->loss_reports++;
	b->lost_reported += loss->lost;
	return 0;
}

static int run(const struct storm_opts *opts, int rcvbuf, bool *ok)
{
	struct garlic_open_opts gopts = { .sz = sizeof(gopts), .rcvbuf = rcvbuf,
					  .flags = GARLIC_OPEN_NONBLOCK };
	struct books b = { 0 };
	struct garlic_counters c;
	struct storm s;
	struct idset set;
	struct garlic *g;
	uint64_t window = 0, storm_received = 0, other = 0;
	int granted, r, quiet = 0;
	pid_t runner;
	bool done = false;
	double start;

	r = garlic_open_opts(&g, &gopts, on_event, &b);
	if (r < 0) {
		fprintf(stderr, "loss: %s\n", garlic_strerror(r));
		return r;
	}
	garlic_set_loss_fn(g, on_loss, &b);
	granted = garlic_set_rcvbuf(g, rcvbuf);
	if (storm_init(&s, opts) < 0)
		return -ENOMEM;

	start = now_seconds();
	runner = fork();
	if (runner == 0)
		_exit(storm_run(&s) < 0);
	/* Read as fast as we can; the small buffer overflows anyway. */
	while (quiet < 3) {
		struct pollfd pfd = { .fd = garlic_fd(g), .events = POLLIN };

		if (!done && waitpid(runner, NULL, WNOHANG) == runner) {
			done = true;
			s.seconds = now_seconds() - start;
		}
		if (poll(&pfd, 1, 100) == 0) {
			quiet += done;
			continue;
		}
		while ((r = garlic_receive(g)) > 0)
			;
		if (r < 0 && r != -EAGAIN) {
			fprintf(stderr, "loss: %s\n", garlic_strerror(r));
			break;
		}
	}
	garlic_check_loss(g);
	garlic_get_counters(g, &c, sizeof(c));

	s.expected = opts->ops * storm_events_per_op(opts->mode) + 2ul * s.opts.procs;
	idset_init(&set, s.ids, *s.count);
	for (size_t i = 0; i < b.n; i++) {
		if (idset_has(&set, b.events[i].id))
			storm_received++;
		else
			other++;
	}
	for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++)
		if (b.cpu_seen[cpu])
			window += b.last_seq[cpu] - b.first_seq[cpu] + 1;

	uint64_t missing = s.expected > storm_received ? s.expected - storm_received : 0;
	bool accounted = missing <= c.lost;
	bool books_agree = window == b.n + c.lost;

	printf("%-7s %9d %10.2f %9lu %9lu %7lu %9lu %8lu %9lu %9lu  %s\n",
	       storm_mode_name(opts->mode), granted, s.seconds, s.expected,
	       (unsigned long)storm_received, (unsigned long)other,
	       (unsigned long)c.lost, (unsigned long)c.overruns,
	       (unsigned long)c.seq_gaps, (unsigned long)window,
	       accounted && books_agree ? "ok" : accounted ? "WINDOW?" : "UNREPORTED LOSS");
	if (c.lost != b.lost_reported)
		printf("        loss callback total %lu != counters.lost %lu\n",
		       (unsigned long)b.lost_reported, (unsigned long)c.lost);
	*ok = accounted && c.lost == b.lost_reported;
	garlic_close(g);
	idset_free(&set);
	storm_free(&s);
	free(b.events);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "ops", required_argument, NULL, 'n' },
		{ "procs", required_argument, NULL, 'p' },
		{ "inflight", required_argument, NULL, 'k' },
		{ "rcvbuf", required_argument, NULL, 'b' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct storm_opts opts = { .mode = STORM_FORK, .ops = 20000, .procs = 2,
				   .inflight = 16 };
	int rcvbufs[16], nbufs = 0, c;
	bool all_ok = true;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		int r = storm_option(c, optarg, &opts);

		if (r < 0) {
			fprintf(stderr, "loss: bad value '%s'\n", optarg);
			return 2;
		}
		if (r > 0)
			continue;
		switch (c) {
		case 'b':
			if (nbufs < 16)
				rcvbufs[nbufs++] = atoi(optarg);
			break;
		case 'q':
			opts.ops = 3000;
			break;
		default:
			fprintf(stderr, "usage: loss [--mode fork|exec|thread] [--ops N] "
					"[--procs P] [--inflight K] [--rcvbuf BYTES]... [--quick]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (nbufs == 0) {
		/* The kernel's minimum, libnl's default, the kernel's default, garlic's. */
		rcvbufs[nbufs++] = 4096;
		rcvbufs[nbufs++] = 32768;
		rcvbufs[nbufs++] = 106496;
		rcvbufs[nbufs++] = GARLIC_DEFAULT_RCVBUF;
	}
	printf("# %lu %s operations, %u processes, %u in flight each\n", opts.ops,
	       storm_mode_name(opts.mode), opts.procs, opts.inflight);
	printf("%-7s %9s %10s %9s %9s %7s %9s %8s %9s %9s  %s\n", "mode", "rcvbuf",
	       "storm_s", "generated", "received", "other", "lost", "overruns",
	       "seq_gaps", "window", "check");
	for (int i = 0; i < nbufs; i++) {
		bool ok = false;

		if (run(&opts, rcvbufs[i], &ok) < 0)
			return 1;
		all_ok = all_ok && ok;
	}
	printf("%s\n", all_ok ? "every lost event was reported"
			      : "SOME EVENTS WERE LOST WITHOUT A REPORT");
	return all_ok ? 0 : 1;
}
