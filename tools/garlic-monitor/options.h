/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_OPTIONS_H
#define GARLIC_MONITOR_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PROGRAM "garlic-monitor"

/* What the person asked for (main.c). */
struct options {
	uint32_t events;	/* what is printed; 0: all */
	bool json;
	bool tree;
	bool quiet;
	bool stats;
	bool color;
	pid_t pid;		/* 0: every process */
	bool children;
	bool keep;		/* --pid: go on after the process is gone */
	char **command;		/* -- COMMAND [ARG]...: NULL-terminated; NULL: none */
	unsigned long count;	/* 0: no limit */
	double duration;	/* seconds; 0: no limit */
	const char *output;	/* NULL: stdout */
	int rcvbuf;		/* 0: the library's default */
	double latency_ms;	/* the library's latency budget */
	bool taskstats;		/* pair exits with their statistics */
	bool journal;		/* events go to the systemd journal */
	const char *ready_file;	/* gets our pid once subscribed; NULL: none */
	bool context;		/* exec lines: exe, cwd, cgroup, unit, ns pid */
	bool numeric;		/* ids as numbers: no user or group name lookups */
	unsigned int argv_max;	/* argv bytes kept; 0: the library's default */
};

/*
 * Reads argv into opt. Returns -1 to go on, or the exit status to end
 * with at once (0 after --help or --version, 2 for bad input).
 */
int options_parse(struct options *opt, int argc, char **argv);

#endif
