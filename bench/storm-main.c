// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench/storm: runs a process-event storm on its own and prints its wall
 * time and the events it made; with --ids FILE it writes the pids/tids
 * it created, one per line, for outside listeners to be checked against.
 *
 * usage: storm [-m fork|exec|thread] [-n OPS] [-p PROCS] [-k INFLIGHT]
 *              [-r OPS_PER_SECOND] [--ids FILE]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "storm.h"

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ids", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct storm_opts opts = { .mode = STORM_FORK, .ops = 10000, .procs = 2,
				   .inflight = 16 };
	const char *ids_path = NULL;
	struct storm s;
	int c;

	while ((c = getopt_long(argc, argv, "m:n:p:k:r:", longopts, NULL)) != -1) {
		int r = storm_option(c, optarg, &opts);

		if (r < 0) {
			fprintf(stderr, "storm: bad value '%s'\n", optarg);
			return 2;
		}
		if (r > 0)
			continue;
		switch (c) {
		case 'i':
			ids_path = optarg;
			break;
		default:
			fprintf(stderr, "usage: storm [-m fork|exec|thread] [-n OPS] [-p PROCS] "
					"[-k INFLIGHT] [-r OPS_PER_SECOND] [--ids FILE]\n");
			return 2;
		}
	}
	if (storm_init(&s, &opts) < 0 || storm_run(&s) < 0) {
		perror("storm");
		return 1;
	}
	printf("%s ops=%lu procs=%u inflight=%u seconds=%.3f events=%lu rate=%.0f/s\n",
	       storm_mode_name(opts.mode), opts.ops, s.opts.procs, s.opts.inflight,
	       s.seconds, s.expected, s.expected / s.seconds);
	if (ids_path) {
		FILE *f = fopen(ids_path, "w");

		if (!f) {
			perror(ids_path);
			return 1;
		}
		for (size_t i = 0; i < *s.count; i++)
			fprintf(f, "%d\n", s.ids[i]);
		fclose(f);
	}
	storm_free(&s);
	return 0;
}
