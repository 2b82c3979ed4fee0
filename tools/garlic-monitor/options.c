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
		"  -j, --json            one JSON object per line\n"
		"  -t, --tree            indent exec lines by depth in the observed process tree\n"
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
		"  -n, --count N         stop after N events\n"
		"  -d, --duration SECS   stop after SECS seconds (fractions allowed)\n"
		"  -o, --output FILE     append to FILE (reopened on SIGHUP) instead of stdout\n"
		"  -s, --stats           print counts per kind, events/s and losses at the end\n"
		"  -q, --quiet           print no events (with --stats: count only)\n"
		"      --color[=WHEN]    colour: auto (terminal only, the default), always, never\n"
		"  -l, --latency MS      deliver events at most MS milliseconds late, reading a\n"
		"                        burst in one wake-up (default 10; 0: at once)\n"
		"      --taskstats       exit lines with CPU, max RSS and I/O (taskstats; root)\n"
		"      --journal         each event as a systemd journal entry (GARLIC_* fields)\n"
		"      --rcvbuf BYTES    receive buffer size (default: the library's, 16 MiB)\n"
		"      --ready-file FILE write the pid to FILE once subscribed\n"
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
       OPT_ARGV_MAX, OPT_CONTEXT, OPT_NUMERIC, OPT_KEEP };
static const struct option longopts[] = {
	{ "events", required_argument, NULL, 'e' },
	{ "json", no_argument, NULL, 'j' },
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
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * One option; returns -1 to go on, or the exit status. A switch with a
 * case an option: long, but each case stands alone.
 */
static int parse_one(struct options *opt, int c, char **argv, const char **color)
{
	unsigned long v;
	char *end;

	switch (c) {
	case 'e':
		if (garlic_events_parse(optarg, &opt->events) < 0)
			return bad("--events", optarg,
				   "expected a comma list of fork,exec,uid,gid,sid,ptrace,"
				   "comm,coredump,exit,nonzero_exit or all");
		break;
	case 'j':
		opt->json = true;
		break;
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

/* What only the options together can tell, and colour's final word. */
static int check_all(struct options *opt, int argc, char **argv, const char *color)
{
	pid_t tgid;

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
		opt->color = !opt->json && !opt->output && isatty(STDOUT_FILENO) &&
			    !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
	if (opt->json)
		opt->color = false;
	return -1;
}

int options_parse(struct options *opt, int argc, char **argv)
{
	const char *color = "auto";
	int c, r;

	/* 10 ms: nobody notices, and a storm costs a fraction of the CPU. */
	*opt = (struct options){ .latency_ms = 10 };
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:e:jtp:cn:d:o:sqVhl:", longopts, NULL)) != -1) {
		r = parse_one(opt, c, argv, &color);
		if (r >= 0)
			return r;
	}
	return check_all(opt, argc, argv, color);
}
