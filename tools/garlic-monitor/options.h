/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_OPTIONS_H
#define GARLIC_MONITOR_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "select.h"

#define PROGRAM "garlic-monitor"

/* --format: one output format per run. */
enum format {
	FORMAT_HUMAN = 0,
	FORMAT_JSON,	/* garlic's own JSON lines (--json) */
	FORMAT_ECS,	/* Elastic Common Schema documents (ecs.c) */
};

/* --time: how a human line gives the event's time. */
enum time_format {
	TIME_FORMAT_LOCAL,	/* HH:MM:SS.mmm, local */
	TIME_FORMAT_UTC,	/* the same in UTC, with a Z */
	TIME_FORMAT_ISO,	/* RFC 3339, local, with the offset */
	TIME_FORMAT_RELATIVE,	/* seconds since the monitor started */
	TIME_FORMAT_NONE,
};

/* What the person asked for (main.c). */
struct options {
	uint32_t events;	/* what is printed; 0: all */
	enum format format;
	bool json;		/* format == FORMAT_JSON */
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
	const char *metrics_file; /* Prometheus text file (metrics.c); NULL: none */
	double metrics_interval; /* seconds between its rewrites */
	struct selection select; /* --comm, --user, --cgroup, ...: select.c */
	enum time_format time;
	bool time_date;		/* local and utc: with the date (--output) */
	bool header;		/* a column header first (a terminal, or --header) */
};

/*
 * Reads argv into opt. Returns -1 to go on, or the exit status to end
 * with at once (0 after --help or --version, 2 for bad input).
 */
int options_parse(struct options *opt, int argc, char **argv);

#endif
