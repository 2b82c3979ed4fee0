// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench/soak: pushes many real events (default 10 million) through one
 * garlic listener and a callback, sampling the listener's RSS, to show
 * that memory stays flat. Thread storms make the events (the kernel's
 * cheapest kind); other processes' events count too.
 *
 * It fails (exit 1) if RSS grows by more than 64 KiB from the 1 millionth
 * event to the last.
 *
 * usage: soak [--events N]
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include <garlic/garlic.h>

#include "storm.h"

static long rss_kib(void)
{
	long pages_total, pages_resident;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2)
		pages_resident = -1;
	fclose(f);
	return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

struct tally {
	uint64_t events;
	uint64_t checksum;
};

static int on_event(const struct garlic_event *ev, void *userdata)
{
	struct tally *t = userdata;

	t->events++;
	t->checksum += ev->type ^ (uint32_t)ev->exec.process_pid;
	return 0;
}

/* A child that makes thread storms until killed. */
static pid_t start_storms(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct storm_opts opts = { .mode = STORM_THREAD, .ops = 200000,
					   .procs = 1, .inflight = 8 };
		for (;;) {
			struct storm s;

			if (storm_init(&s, &opts) < 0 || storm_run(&s) < 0)
				_exit(1);
			storm_free(&s);
		}
	}
	return pid;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "events", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t target = 10000000, next_sample = 100000;
	struct tally t = { 0 };
	struct garlic_counters c;
	struct garlic *g;
	long rss_start = -1, rss_first = -1, rss_end;
	double start;
	pid_t storms;
	int r, opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt != 'n') {
			fprintf(stderr, "usage: soak [--events N]\n");
			return 2;
		}
		target = strtoull(optarg, NULL, 10);
	}
	r = garlic_open(&g, 0, on_event, &t);
	if (r < 0) {
		fprintf(stderr, "soak: %s\n", garlic_strerror(r));
		return 1;
	}
	storms = start_storms();
	start = now_seconds();
	printf("%12s %10s %9s\n", "events", "seconds", "rss_kib");
	while (t.events < target) {
		r = garlic_receive(g);
		if (r < 0 && r != -ENOBUFS && r != -EINTR) {
			fprintf(stderr, "soak: %s\n", garlic_strerror(r));
			break;
		}
		if (t.events >= next_sample) {
			long rss = rss_kib();

			/* The first million warm up: code and data pages touched once. */
			if (rss_first < 0)
				rss_first = rss;
			if (rss_start < 0 && t.events >= 1000000)
				rss_start = rss;
			printf("%12lu %10.1f %9ld\n", (unsigned long)t.events,
			       now_seconds() - start, rss);
			fflush(stdout);
			next_sample = next_sample < 1000000 ? 1000000 : next_sample + 1000000;
		}
	}
	kill(storms, SIGKILL);
	waitpid(storms, NULL, 0);
	rss_end = rss_kib();
	if (rss_start < 0)
		rss_start = rss_first; /* a short run: no warm-up to skip */
	garlic_get_counters(g, &c, sizeof(c));
	printf("events %lu in %.1f s; lost %lu; rss after 1 M events %ld KiB, at end %ld KiB (%+ld KiB)\n",
	       (unsigned long)t.events, now_seconds() - start, (unsigned long)c.lost,
	       rss_start, rss_end, rss_end - rss_start);
	garlic_close(g);
	return rss_end - rss_start > 64 ? 1 : 0;
}
