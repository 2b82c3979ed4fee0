// SPDX-License-Identifier: LGPL-2.1-or-later
/* garlic-monitor's options. Bad input is one line naming it, and exit 2. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <garlic/process.h>

#include "follow.h"
#include "names.h"
#include "options.h"
#include "sink.h"

/* One text, as the person reads it: its length is the options'. */
static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTION]...\n"
		"  or:  %s [OPTION]... -- COMMAND [ARG]...\n"
		"Print Linux process events (fork, exec, uid, gid, sid, ptrace, comm,\n"
		"coredump, exit) as they happen, from the kernel's proc connector.\n"
		"\n"
		"  -e, --events LIST     only these kinds, filtered in the kernel: a comma list of\n"
		"                        fork,exec,uid,gid,sid,ptrace,comm,coredump,exit,\n"
		"                        nonzero_exit (failed exits only), or all\n"
		"      --format FORMAT   human (the default), json (one JSON object per\n"
		"                        line) or ecs (one Elastic Common Schema document\n"
		"                        per line, for SIEMs and log pipelines)\n"
		"  -j, --json            the same as --format=json\n"
		"  -t, --tree            indent each line by its process's depth in the observed\n"
		"                        process tree\n"
		"      --context         exec lines with exe, cwd, cgroup, unit or container\n"
		"                        and the pid in the process's own namespace\n"
		"      --numeric         user and group ids as numbers, no name lookups\n"
		"      --argv-max BYTES  keep at most BYTES of each command line (default\n"
		"                        131072); a cut one ends in \u2026\n"
		"  -p, --pid PID         only events of process PID\n"
		"  -c, --children        with --pid: its descendants too, followed through forks\n"
		"                        (with --pid, it stops once they and the process are\n"
		"                        gone; a thread id follows its process)\n"
		"      --keep            with --pid: go on after the process is gone\n"
		"  -- COMMAND [ARG]...   run COMMAND and follow it and its descendants (threads\n"
		"                        and clone(CLONE_PARENT) children too) until all are\n"
		"                        gone; a SIGINT or SIGTERM sent to the monitor is\n"
		"                        passed on to COMMAND, a second one stops it at once\n"
		"      --comm GLOB       only processes whose name or program matches GLOB\n"
		"      --exclude-comm GLOB\n"
		"                        none whose name or program matches GLOB\n"
		"      --user NAME|UID   only processes of this real user\n"
		"      --cgroup PATH|GLOB\n"
		"                        only processes in this cgroup (v2) and below it,\n"
		"                        or whose cgroup path matches GLOB\n"
		"      --unit NAME       only processes in this systemd unit or slice\n"
		"      --container ID    only processes in this container (an id prefix)\n"
		"      --no-threads      no events of threads other than the main one\n"
		"                        (filters combine with AND, a filter repeated with OR)\n"
		"  -n, --count N         stop after N events\n"
		"  -d, --duration SECS   stop after SECS seconds (fractions allowed)\n"
		"  -o, --output FILE     append to FILE (reopened on SIGHUP) instead of stdout;\n"
		"                        a regular file of this user's, never a symlink (new: 0600)\n"
		"      --time FORMAT     local (default; with the date in --output files), utc,\n"
		"                        iso, relative (seconds since the start) or none\n"
		"      --header          a column header first (default: on a terminal only)\n"
		"      --no-header       no column header, not even on a terminal\n"
		"  -s, --stats           print counts per kind, events/s, losses, the top\n"
		"                        commands and the failed ones at the end\n"
		"  -q, --quiet           print no events (with --stats: count only)\n"
		"      --color[=WHEN]    colour: auto (terminal only, the default), always, never\n"
		"  -l, --latency MS      deliver events at most MS milliseconds late, reading a\n"
		"                        burst in one wake-up (default 10; 0: at once)\n"
		"      --taskstats       exit lines with CPU, max RSS and I/O (taskstats; root)\n"
		"      --journal         each event as a systemd journal entry (GARLIC_* fields)\n"
		"      --rcvbuf BYTES    receive buffer size (default: the library's 8 MiB,\n"
		"                        which the kernel doubles)\n"
		"      --ready-file FILE write the pid to FILE once subscribed\n"
		"      --metrics-file FILE  keep Prometheus metrics (counts per kind, losses,\n"
		"                        exit statuses) in FILE, rewritten atomically\n"
		"      --metrics-interval SECS  rewrite it every SECS seconds (default 15)\n"
		"  -V, --version         print the version and exit\n"
		"  -h, --help            print this help and exit\n"
		"\n"
		"Exit status: 0 when stopped (SIGINT, SIGTERM, --count, --duration, closed pipe),\n"
		"1 when listening fails, 2 for bad options. With COMMAND: COMMAND's exit status\n"
		"(128 + the signal when a signal killed it), 127 when it is not found.\n"
		"See garlic-monitor(1).\n",
		PROGRAM, PROGRAM);
}

static int bad(const char *option, const char *value, const char *why)
{
	fprintf(stderr, "%s: invalid value '%s' for %s: %s\n", PROGRAM, value, option, why);
	return 2;
}

/*
 * The option getopt refused, as it was typed: a short one is known only
 * by optopt ("-jx" leaves the whole cluster in argv[optind - 1]).
 */
static const char *option_name(char **argv, int short_option)
{
	static char name[64];
	const char *arg = argv[optind - 1];

	if (strncmp(arg, "--", 2) == 0)
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(name, sizeof(name), "-%c", short_option);
	return name;
}

static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

enum { OPT_COLOR = 256, OPT_RCVBUF, OPT_TASKSTATS, OPT_JOURNAL, OPT_READY_FILE,
       OPT_ARGV_MAX, OPT_CONTEXT, OPT_NUMERIC, OPT_METRICS_FILE, OPT_METRICS_INTERVAL,
       OPT_FORMAT, OPT_COMM, OPT_EXCLUDE_COMM, OPT_USER, OPT_CGROUP, OPT_UNIT,
       OPT_CONTAINER, OPT_NO_THREADS, OPT_TIME, OPT_HEADER, OPT_NO_HEADER, OPT_KEEP };
static const struct option longopts[] = {
	{ "events", required_argument, NULL, 'e' },
	{ "json", no_argument, NULL, 'j' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "tree", no_argument, NULL, 't' },
	{ "context", no_argument, NULL, OPT_CONTEXT },
	{ "numeric", no_argument, NULL, OPT_NUMERIC },
	{ "argv-max", required_argument, NULL, OPT_ARGV_MAX },
	{ "pid", required_argument, NULL, 'p' },
	{ "children", no_argument, NULL, 'c' },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "count", required_argument, NULL, 'n' },
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "stats", no_argument, NULL, 's' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "colour", optional_argument, NULL, OPT_COLOR },
	{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
	{ "latency", required_argument, NULL, 'l' },
	{ "taskstats", no_argument, NULL, OPT_TASKSTATS },
	{ "journal", no_argument, NULL, OPT_JOURNAL },
	{ "ready-file", required_argument, NULL, OPT_READY_FILE },
	{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
	{ "metrics-interval", required_argument, NULL, OPT_METRICS_INTERVAL },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "exclude-comm", required_argument, NULL, OPT_EXCLUDE_COMM },
	{ "user", required_argument, NULL, OPT_USER },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "no-threads", no_argument, NULL, OPT_NO_THREADS },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "header", no_argument, NULL, OPT_HEADER },
	{ "no-header", no_argument, NULL, OPT_NO_HEADER },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *const time_names[] = {
	[TIME_FORMAT_LOCAL] = "local", [TIME_FORMAT_UTC] = "utc", [TIME_FORMAT_ISO] = "iso",
	[TIME_FORMAT_RELATIVE] = "relative", [TIME_FORMAT_NONE] = "none",
};

/* The filters of select.c; -1 if c is not one of them. */
static int parse_select(struct options *opt, int c)
{
	static const struct {
		int c;
		enum select_filter which;
		const char *name;
	} filters[] = {
		{ OPT_COMM, SELECT_COMM, "--comm" },
		{ OPT_EXCLUDE_COMM, SELECT_EXCLUDE_COMM, "--exclude-comm" },
		{ OPT_USER, SELECT_USER, "--user" },
		{ OPT_CGROUP, SELECT_CGROUP, "--cgroup" },
		{ OPT_UNIT, SELECT_UNIT, "--unit" },
		{ OPT_CONTAINER, SELECT_CONTAINER, "--container" },
	};
	const char *why;

	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		if (filters[i].c != c)
			continue;
		why = select_add(&opt->select, filters[i].which, optarg);
		return why ? bad(filters[i].name, optarg, why) : 0;
	}
	return -1;
}

/*
 * The output mode is one choice: the option that made it (for the
 * message refusing a second one), NULL while none did.
 */
static const char *format_option;
static char format_option_buf[32];
static bool metrics_interval_given;

static int set_format(struct options *opt, enum format format, const char *option)
{
	if (format_option && opt->format != format) {
		fprintf(stderr, "%s: %s and %s ask for two output formats: give one\n",
			PROGRAM, format_option, option);
		return 2;
	}
	if (!format_option) {
		snprintf(format_option_buf, sizeof(format_option_buf), "%s", option);
		format_option = format_option_buf;
	}
	opt->format = format;
	opt->json = format == FORMAT_JSON;
	return -1;
}

static int parse_format(struct options *opt, const char *value)
{
	char option[32];

	snprintf(option, sizeof(option), "--format=%s", value);
	if (strcmp(value, "human") == 0)
		return set_format(opt, FORMAT_HUMAN, option);
	if (strcmp(value, "json") == 0)
		return set_format(opt, FORMAT_JSON, option);
	if (strcmp(value, "ecs") == 0)
		return set_format(opt, FORMAT_ECS, option);
	return bad("--format", value, "expected human, json or ecs");
}

/*
 * One option; returns -1 to go on, or the exit status. A switch with a
 * case an option: long, but each case stands alone.
 */
static int parse_one(struct options *opt, int c, char **argv, const char **color,
		     int *header)
{
	unsigned long v;
	char *end;
	int r;

	r = parse_select(opt, c);
	if (r >= 0)
		return r ? r : -1;
	switch (c) {
	case OPT_NO_THREADS:
		opt->select.no_threads = true;
		break;
	case OPT_TIME:
		for (r = 0; r <= TIME_FORMAT_NONE; r++)
			if (!strcmp(optarg, time_names[r]))
				break;
		if (r > TIME_FORMAT_NONE)
			return bad("--time", optarg, "expected local, utc, iso, relative or none");
		opt->time = (enum time_format)r;
		break;
	case OPT_HEADER:
	case OPT_NO_HEADER:
		*header = c == OPT_HEADER;
		break;
	case 'e':
		if (garlic_events_parse(optarg, &opt->events) < 0)
			return bad("--events", optarg,
				   "expected a comma list of fork,exec,uid,gid,sid,ptrace,"
				   "comm,coredump,exit,nonzero_exit or all");
		break;
	case 'j':
		return set_format(opt, FORMAT_JSON, "--json");
	case OPT_FORMAT:
		return parse_format(opt, optarg);
	case 't':
		opt->tree = true;
		break;
	case OPT_CONTEXT:
		opt->context = true;
		break;
	case OPT_NUMERIC:
		opt->numeric = true;
		break;
	case OPT_ARGV_MAX:
		if (!parse_ulong(optarg, GARLIC_PROCESS_ARGV_DEFAULT, &v) || v < 16)
			return bad("--argv-max", optarg, "expected bytes, 16 to 131072");
		opt->argv_max = (unsigned int)v;
		break;
	case 'p':
		if (!parse_ulong(optarg, INT_MAX, &v) || v == 0)
			return bad("--pid", optarg, "expected a process id");
		opt->pid = (pid_t)v;
		break;
	case 'c':
		opt->children = true;
		break;
	case OPT_KEEP:
		opt->keep = true;
		break;
	case 'n':
		if (!parse_ulong(optarg, ULONG_MAX, &opt->count) || opt->count == 0)
			return bad("--count", optarg, "expected a positive number");
		break;
	case 'd':
		errno = 0;
		opt->duration = strtod(optarg, &end);
		if (errno || *end || end == optarg || !(opt->duration > 0) ||
		    !isfinite(opt->duration) || opt->duration > 1e9)
			return bad("--duration", optarg, "expected seconds > 0");
		break;
	case 'l':
		errno = 0;
		opt->latency_ms = strtod(optarg, &end);
		if (errno || *end || end == optarg || !(opt->latency_ms >= 0) ||
		    opt->latency_ms > GARLIC_MAX_LATENCY_BUDGET_US / 1000)
			return bad("--latency", optarg, "expected milliseconds, 0 to 1000");
		break;
	case 'o':
		if (!*optarg)
			return bad("--output", optarg, "expected a file name");
		opt->output = optarg;
		break;
	case 's':
		opt->stats = true;
		break;
	case 'q':
		opt->quiet = true;
		break;
	case OPT_COLOR:
		*color = optarg ? optarg : "always";
		if (strcmp(*color, "auto") && strcmp(*color, "always") && strcmp(*color, "never"))
			return bad("--color", *color, "expected auto, always or never");
		break;
	case OPT_JOURNAL:
		if (!journal_available()) {
			fprintf(stderr, "%s: --journal is not built in (configure found no "
					"libsystemd)\n", PROGRAM);
			return 2;
		}
		opt->journal = true;
		break;
	case OPT_TASKSTATS:
		opt->taskstats = true;
		break;
	case OPT_RCVBUF:
		if (!parse_ulong(optarg, INT_MAX, &v) || v < 4096)
			return bad("--rcvbuf", optarg, "expected bytes, at least 4096");
		opt->rcvbuf = (int)v;
		break;
	case OPT_READY_FILE:
		if (!*optarg)
			return bad("--ready-file", optarg, "expected a file name");
		opt->ready_file = optarg;
		break;
	case OPT_METRICS_FILE:
		if (!*optarg)
			return bad("--metrics-file", optarg, "expected a file name");
		opt->metrics_file = optarg;
		break;
	case OPT_METRICS_INTERVAL:
		errno = 0;
		opt->metrics_interval = strtod(optarg, &end);
		if (errno || *end || end == optarg || !(opt->metrics_interval >= 0.01) ||
		    opt->metrics_interval > 86400)
			return bad("--metrics-interval", optarg,
				   "expected seconds, 0.01 to 86400");
		metrics_interval_given = true;
		break;
	case 'V':
		printf("%s %s\n", PROGRAM, PACKAGE_VERSION);
		return 0;
	case 'h':
		usage(stdout);
		return 0;
	case ':':
		fprintf(stderr, "%s: option '%s' needs a value (see --help)\n", PROGRAM,
			option_name(argv, optopt));
		return 2;
	default:
		fprintf(stderr, "%s: unknown option '%s' (see --help)\n", PROGRAM,
			option_name(argv, optopt));
		return 2;
	}
	return -1;
}

/*
 * One output mode: the journal is one of its own, so a format, a file
 * or --quiet beside it would be ignored (or, for --output, leave an
 * empty file behind): refused instead. Colour is for human lines only:
 * asked for always elsewhere, it is refused; auto and never are no-ops.
 */
static int check_mode(const struct options *opt, const char *color)
{
	const char *other = NULL;

	if (opt->journal && opt->quiet) {
		fprintf(stderr, "%s: --journal and --quiet contradict: --quiet writes no events, "
				"--journal writes each one\n", PROGRAM);
		return 2;
	}
	if (opt->journal)
		other = format_option ? format_option : opt->output ? "--output" : NULL;
	if (other) {
		fprintf(stderr, "%s: --journal and %s contradict: the journal is the output, "
				"give one\n", PROGRAM, other);
		return 2;
	}
	if (strcmp(color, "always") == 0 && (opt->journal || opt->format != FORMAT_HUMAN)) {
		fprintf(stderr, "%s: --color=always and %s contradict: colour is for human "
				"output only\n", PROGRAM,
			opt->journal ? "--journal" : format_option);
		return 2;
	}
	if (metrics_interval_given && !opt->metrics_file) {
		fprintf(stderr, "%s: --metrics-interval needs --metrics-file\n", PROGRAM);
		return 2;
	}
	return -1;
}

/* What only the options together can tell, and colour's final word. */
static int check_all(struct options *opt, int argc, char **argv, const char *color,
		     int header)
{
	pid_t tgid;
	int r;

	/* Option scanning stops at "--" or at the first argument that is not one. */
	if (optind > 1 && strcmp(argv[optind - 1], "--") == 0) {
		if (optind == argc) {
			fprintf(stderr, "%s: '--' needs a COMMAND after it (see --help)\n",
				PROGRAM);
			return 2;
		}
		opt->command = argv + optind;
	} else if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", PROGRAM,
			argv[optind]);
		return 2;
	}
	r = check_mode(opt, color);
	if (r >= 0)
		return r;
	if (opt->command && opt->pid) {
		fprintf(stderr, "%s: --pid cannot go with a COMMAND\n", PROGRAM);
		return 2;
	}
	if (opt->children && !opt->pid && !opt->command) {
		fprintf(stderr, "%s: --children needs --pid\n", PROGRAM);
		return 2;
	}
	if (opt->keep && !opt->pid) {
		fprintf(stderr, "%s: --keep needs --pid\n", PROGRAM);
		return 2;
	}
	/* Waiting for a pid that is not there would watch whoever gets it next. */
	if (opt->pid && kill(opt->pid, 0) < 0 && errno == ESRCH) {
		fprintf(stderr, "%s: --pid %d: no such process\n", PROGRAM, (int)opt->pid);
		return 2;
	}
	/* Events name a thread's process; so does following it. */
	tgid = opt->pid ? follow_tgid_of(opt->pid) : 0;
	if (tgid > 0 && tgid != opt->pid) {
		fprintf(stderr, "%s: --pid %d is a thread of process %d: following the process\n",
			PROGRAM, (int)opt->pid, (int)tgid);
		opt->pid = tgid;
	}
	/* NO_COLOR (no-color.org): any non-empty value turns auto colour off. */
	if (strcmp(color, "always") == 0)
		opt->color = true;
	else if (strcmp(color, "auto") == 0)
		opt->color = opt->format == FORMAT_HUMAN && !opt->journal && !opt->output &&
			     isatty(STDOUT_FILENO) &&
			    !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
	if (opt->format != FORMAT_HUMAN)
		opt->color = false;
	/* A log is read later, maybe another day: its lines carry the date. */
	opt->time_date = opt->output != NULL;
	/* Like ps: a header for a person at a terminal, none for a program. */
	if (header >= 0)
		opt->header = header;
	else
		opt->header = !opt->output && !opt->quiet && isatty(STDOUT_FILENO);
	if (opt->json || opt->journal)
		opt->header = false;
	return -1;
}

int options_parse(struct options *opt, int argc, char **argv)
{
	const char *color = "auto";
	int c, r, header = -1;

	/* 10 ms: nobody notices, and a storm costs a fraction of the CPU. */
	*opt = (struct options){ .latency_ms = 10, .metrics_interval = 15 };
	format_option = NULL;
	metrics_interval_given = false;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:e:jtp:cn:d:o:sqVhl:", longopts, NULL)) != -1) {
		r = parse_one(opt, c, argv, &color, &header);
		if (r >= 0)
			return r;
	}
	return check_all(opt, argc, argv, color, header);
}
