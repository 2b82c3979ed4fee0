// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench/argv: how often an exec listener prints what ran.
 *
 * For each listener, one after another in the same run: N short-lived
 * processes per class, each with a unique marker in its argv
 * (garlic-argv-<run>-<class>-<i>), spawned one at a time by fork, exec and
 * wait, as a shell loop would. Classes: "instant" (/bin/true MARKER, exits
 * at once) and "2ms" (this program's --child-sleep-us 2000 MARKER, which
 * lives 2 ms after its exec). From the listener's output it counts, per
 * class: the share of execs that got an exec line at all (lines), the
 * share whose line holds the marker (argv), and the share of those exec
 * lines that name the program (named: "true" or "argv" shows, as a path or
 * comm; garlic's "[gone]", forkstat's "<unknown>", extrace's "''" do not;
 * extrace prints no line at all for a process it could not read).
 * wall_ms is the class's workload time under that listener, against the
 * same workload with no listener. Medians of --reps runs; --keep leaves
 * the listeners' output files for a look.
 *
 * usage: argv [--quick] [--reps N] [-n N] [--listeners LIST]
 *             [--check-targets] [--results FILE] [--keep]
 *        argv --child-sleep-us US MARKER   (a 2ms-class process)
 * Listeners: monitor, monitor-json, monitor-lat0 (--latency 0, for
 * reference), forkstat, extrace; one not installed is skipped.
 * Paths are relative to the build directory (run it from there), as root.
 * Exit status: 1 when a listener that should run failed to start, or with
 * --check-targets when garlic-monitor misses a target; otherwise 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "figures.h"

#define MAX_REPS 15
#define MAX_N 100000
#define MONITOR "tools/garlic-monitor/garlic-monitor"

enum format { GARLIC_HUMAN, GARLIC_JSON, FORKSTAT, EXTRACE };

enum { INSTANT, SLEEPER, NCLASSES };
static const char *const class_names[NCLASSES] = { "instant", "2ms" };
/* What each class's exec line must show to name the program (comm or path). */
static const char *const program_names[NCLASSES] = { "true", "argv" };

struct figures {
	double lines[MAX_REPS], argv[MAX_REPS], named[MAX_REPS], wall_ms[MAX_REPS];
};

struct listener {
	const char *name;
	const char *argv[10];	/* "@READY" is replaced by the ready file */
	enum format format;
	bool garlic;
	bool available;
	bool failed;		/* should have run and did not start */
	int runs;
	int probe_missed;
	struct figures fig[NCLASSES];
};

static struct listener listeners[] = {
	{ .name = "monitor", .garlic = true, .format = GARLIC_HUMAN,
	  .argv = { MONITOR, "-e", "exec", "--ready-file", "@READY" } },
	{ .name = "monitor-json", .garlic = true, .format = GARLIC_JSON,
	  .argv = { MONITOR, "--json", "-e", "exec", "--ready-file", "@READY" } },
	{ .name = "monitor-lat0", .garlic = true, .format = GARLIC_HUMAN,
	  .argv = { MONITOR, "-e", "exec", "--latency", "0", "--ready-file", "@READY" } },
	{ .name = "forkstat", .format = FORKSTAT, .argv = { "/usr/bin/forkstat", "-e", "exec" } },
	{ .name = "extrace", .format = EXTRACE, .argv = { "/usr/bin/extrace" } },
};
#define NLISTENERS (sizeof(listeners) / sizeof(listeners[0]))

/* One spawned workload process: found by its pid when its argv is gone. */
struct child {
	pid_t pid;
	int cls, index;
};

/* What a listener printed for one workload exec. */
struct seen {
	bool line, argv, named;
};

static char self_path[PATH_MAX];
static bool keep;	/* --keep: leave the listeners' output files */

static int cmp_child(const void *a, const void *b)
{
	const struct child *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void marker(char *buf, size_t size, const char *run, const char *cls, int i)
{
	snprintf(buf, size, "garlic-argv-%s-%s-%d", run, cls, i);
}

/* One workload process, waited for: the pid, or -1. */
static pid_t run_one(int cls, const char *mark, long lifetime_us)
{
	char us[24];
	pid_t pid;
	int status;

	snprintf(us, sizeof(us), "%ld", lifetime_us);
	pid = fork();
	if (pid == 0) {
		if (cls == INSTANT)
			execl("/bin/true", "/bin/true", mark, (char *)NULL);
		else
			execl(self_path, self_path, "--child-sleep-us", us, mark, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return pid;
}

/* A class's N processes, one after another as fast as they go. */
static double run_class(int cls, const char *run, int n, struct child *children)
{
	double start = now_ms();
	char mark[96];

	for (int i = 0; i < n; i++) {
		marker(mark, sizeof(mark), run, class_names[cls], i);
		children[i].pid = run_one(cls, mark, 2000);
		children[i].cls = cls;
		children[i].index = i;
	}
	return now_ms() - start;
}

static pid_t spawn(const struct listener *l, const char *out, const char *err,
		   const char *ready)
{
	const char *argv[11];
	pid_t pid;
	int i;

	for (i = 0; l->argv[i]; i++)
		argv[i] = strcmp(l->argv[i], "@READY") == 0 ? ready : l->argv[i];
	argv[i] = NULL;
	pid = fork();
	if (pid == 0) {
		int fd_out = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int fd_err = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd_out < 0 || fd_err < 0 || null < 0)
			_exit(127);
		dup2(null, STDIN_FILENO);
		dup2(fd_out, STDOUT_FILENO);
		dup2(fd_err, STDERR_FILENO);
		/* A shell's background job inherits SIGINT ignored: undo it. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	return pid;
}

/* garlic-monitor writes its pid and a newline to the file once subscribed. */
static bool ready_file_written(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 && memchr(buf, '\n', n);
}

/* Listening, or gone (false). */
static bool wait_listening(const struct listener *l, pid_t pid, const char *ready)
{
	int status;

	if (l->garlic) {
		for (int waited = 0; waited < 10000; waited += 10) {
			if (ready_file_written(ready))
				return true;
			if (waitpid(pid, &status, WNOHANG) == pid)
				return false;
			sleep_us(10000);
		}
		return false;
	}
	/*
	 * forkstat and extrace say nothing when subscribed, and forkstat's
	 * output to a file is block-buffered, so marker probes would not show
	 * in time: a fixed settle time, as bench/perf uses. The probe process
	 * run before the workload tells afterwards whether it was enough.
	 */
	sleep_us(500000);
	return waitpid(pid, &status, WNOHANG) != pid;
}

/* Stops the listener; false when it had to be killed. */
static bool stop(pid_t pid, int sig)
{
	int status;

	kill(pid, sig);
	for (int waited = 0; waited < 5000; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return true;
		sleep_us(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return false;
}

/* Removes terminal colour sequences in place (garlic's --color=always). */
static void strip_escapes(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (*r == '\033' && r[1] == '[') {
			r += 2;
			while (*r && !(*r >= '@' && *r <= '~'))
				r++;
			if (*r)
				r++;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/*
 * Appends the value of the JSON string member "key" (or the first string
 * of an array) to buf, escapes left as they are: enough to find a name.
 */
static void json_value(const char *line, const char *key, char *buf, size_t size)
{
	size_t len = strlen(buf);
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (!p)
		return;
	p += strlen(pat);
	if (*p == '[')
		p++;
	if (*p++ != '"')
		return;
	for (; *p && *p != '"' && len + 2 < size; p++) {
		if (*p == '\\' && p[1])
			buf[len++] = *p++;
		buf[len++] = *p;
	}
	buf[len++] = ' ';
	buf[len] = '\0';
}

/*
 * One output line: is it an exec line, and of which pid? text is what it
 * prints of the process (its command line, comm or placeholder).
 */
static bool parse_line(enum format format, char *line, pid_t *pid, const char **text,
		       char *buf, size_t size)
{
	char event[16];
	int pos = 0, id;
	const char *p;

	strip_escapes(line);
	chomp(line);
	switch (format) {
	case GARLIC_HUMAN:
		/* "HH:MM:SS.mmm exec     PID    PPID  command line" */
		if (sscanf(line, "%*s %15s %d %*s %n", event, &id, &pos) < 2 || !pos ||
		    strcmp(event, "exec") != 0)
			return false;
		*text = line + pos;
		break;
	case GARLIC_JSON:
		if (!strstr(line, "\"event_string\":\"exec\""))
			return false;
		p = strstr(line, "\"process_tgid\":");
		if (!p || sscanf(p + 15, "%d", &id) != 1)
			return false;
		buf[0] = '\0';
		json_value(line, "cmdline", buf, size);
		json_value(line, "argv", buf, size);
		json_value(line, "exe", buf, size);
		json_value(line, "comm", buf, size);
		*text = buf;
		break;
	case FORKSTAT:
		/* "HH:MM:SS exec  PID                 command line" */
		if (sscanf(line, "%*s %15s %d %n", event, &id, &pos) < 2 || !pos ||
		    strcmp(event, "exec") != 0)
			return false;
		*text = line + pos;
		break;
	case EXTRACE:
		/* "  PID+ command line", indented by depth; "PID- ..." is an exit */
		p = line + strspn(line, " ");
		if (sscanf(p, "%d%n", &id, &pos) < 1 || (p[pos] != ' ' && p[pos] != '+'))
			return false;
		p += pos + (p[pos] == '+');
		*text = p + strspn(p, " ");
		break;
	default:
		return false;
	}
	*pid = id;
	return true;
}

/* Whether text holds mark as a whole word: garlic-...-1 is not in ...-10. */
static bool has_marker(const char *text, const char *mark)
{
	size_t len = strlen(mark);

	for (const char *p = text; (p = strstr(p, mark)); p += len) {
		char next = p[len];

		if (!(next >= '0' && next <= '9'))
			return true;
	}
	return false;
}

/*
 * Matches the listener's exec lines to the workload, by pid (the one thing
 * every line has, argv or not), then the marker in that process's line.
 */
static bool count(enum format format, const char *path, const char *run,
		  struct child *children, size_t nchildren, struct seen *seen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, mark[96];
	size_t cap = 0;
	bool probe = false;
	struct child key, *c;
	static char buf[16384];

	memset(seen, 0, nchildren * sizeof(*seen));
	if (!f)
		return false;
	qsort(children, nchildren, sizeof(*children), cmp_child);
	while (getline(&line, &cap, f) > 0) {
		const char *text;

		if (!parse_line(format, line, &key.pid, &text, buf, sizeof(buf)))
			continue;
		c = bsearch(&key, children, nchildren, sizeof(*children), cmp_child);
		if (!c)
			continue;
		if (c->cls < 0) {
			marker(mark, sizeof(mark), run, "probe", 0);
			probe = probe || has_marker(text, mark);
			continue;
		}
		marker(mark, sizeof(mark), run, class_names[c->cls], c->index);
		seen[c - children].line = true;
		seen[c - children].argv |= has_marker(text, mark);
		/*
		 * Naming the program is printing its name, whole or as comm:
		 * "[gone]", "<unknown>", "''" or the parent's command line
		 * (read before the exec) do not.
		 */
		seen[c - children].named |= strstr(text, program_names[c->cls]) != NULL;
	}
	free(line);
	fclose(f);
	return probe;
}

static void measure(struct listener *l, int rep, int n)
{
	char out[] = "/tmp/garlic-argv-out-XXXXXX", err[] = "/tmp/garlic-argv-err-XXXXXX";
	char ready[64], run[48], mark[96];
	size_t nchildren = 2 * (size_t)n + 1;
	struct child *children = calloc(nchildren, sizeof(*children));
	struct seen *seen = calloc(nchildren, sizeof(*seen));
	double wall[NCLASSES];
	int fd;
	pid_t pid;

	if (!children || !seen)
		abort();
	fd = mkstemp(out);
	if (fd >= 0)
		close(fd);
	fd = mkstemp(err);
	if (fd >= 0)
		close(fd);
	snprintf(ready, sizeof(ready), "%s.ready", out);
	snprintf(run, sizeof(run), "%d.%d.%s", (int)getpid(), rep, l->name);
	unlink(ready);

	pid = spawn(l, out, err, ready);
	if (pid < 0 || !wait_listening(l, pid, ready)) {
		FILE *e = fopen(err, "r");
		char msg[256] = "";

		if (e && fgets(msg, sizeof(msg), e))
			chomp(msg);
		if (e)
			fclose(e);
		printf("%s: failed to start%s%s\n", l->name, *msg ? ": " : "", msg);
		if (pid > 0)
			stop(pid, SIGKILL);
		l->failed = true;
		l->available = false;
		goto out;
	}
	/* A process that lives 100 ms: any listener that is listening sees it. */
	marker(mark, sizeof(mark), run, "probe", 0);
	children[2 * n].pid = run_one(SLEEPER, mark, 100000);
	children[2 * n].cls = -1;
	for (int cls = 0; cls < NCLASSES; cls++)
		wall[cls] = run_class(cls, run, n, children + cls * n);
	/* garlic-monitor's default 10 ms budget, forkstat's /proc reads: let them finish. */
	sleep_us(300000);
	if (!stop(pid, SIGINT))
		printf("%s: did not stop on SIGINT, killed\n", l->name);

	if (!count(l->format, out, run, children, nchildren, seen))
		l->probe_missed++;
	for (int cls = 0; cls < NCLASSES; cls++) {
		int lines = 0, argv = 0, named = 0;

		for (size_t i = 0; i < nchildren; i++) {
			if (children[i].cls != cls)
				continue;
			lines += seen[i].line;
			argv += seen[i].argv;
			named += seen[i].line && seen[i].named;
		}
		l->fig[cls].lines[rep] = 100.0 * lines / n;
		l->fig[cls].argv[rep] = 100.0 * argv / n;
		l->fig[cls].named[rep] = lines ? 100.0 * named / lines : -1;
		l->fig[cls].wall_ms[rep] = wall[cls];
	}
	l->runs = rep + 1;
out:
	if (keep) {
		printf("%s: output kept in %s, %s (markers garlic-argv-%s-)\n", l->name, out, err,
		       run);
	} else {
		unlink(out);
		unlink(err);
	}
	unlink(ready);
	free(children);
	free(seen);
}

static double fig(const struct listener *l, const double *v)
{
	return figures_median(v, l->runs, -1);
}

/* A share in percent, or n/a when there was nothing to share. */
static const char *pct(char *buf, size_t size, double v)
{
	if (v < 0)
		snprintf(buf, size, "n/a");
	else
		snprintf(buf, size, "%.1f", v);
	return buf;
}

static struct listener *find(const char *name)
{
	for (size_t i = 0; i < NLISTENERS; i++)
		if (strcmp(listeners[i].name, name) == 0 && listeners[i].runs)
			return &listeners[i];
	return NULL;
}

/* Prints one target's verdict; false when it is missed. */
static bool target(FILE *md, bool met, const char *what)
{
	printf("target %s: %s\n", met ? "met" : "NOT met", what);
	if (md)
		fprintf(md, "- %s: %s\n", what, met ? "met" : "**not met**");
	return met;
}

/* The targets, over garlic-monitor's default listeners. */
static bool check_targets(FILE *md)
{
	static const char *const defaults[] = { "monitor", "monitor-json" };
	static const char *const others[] = { "forkstat", "extrace" };
	bool all = true;
	char what[160];

	if (md)
		fprintf(md, "\nTargets:\n\n");
	for (size_t d = 0; d < 2; d++) {
		struct listener *g = find(defaults[d]);

		if (!g)
			continue;
		snprintf(what, sizeof(what), "%s, 2ms class: argv caught >= 99 %%", g->name);
		all &= target(md, fig(g, g->fig[SLEEPER].argv) >= 99.0, what);
		for (size_t o = 0; o < 2; o++) {
			struct listener *x = find(others[o]);

			if (!x)
				continue;
			/* At 100 % nothing can be ahead: then a tie is the target. */
			snprintf(what, sizeof(what),
				 "%s, instant class: argv caught ahead of %s (or all of it)",
				 g->name, x->name);
			all &= target(md, fig(g, g->fig[INSTANT].argv) >
						  fig(x, x->fig[INSTANT].argv) ||
						  fig(g, g->fig[INSTANT].argv) >= 100.0,
				      what);
		}
	}
	for (size_t i = 0; i < NLISTENERS; i++) {
		struct listener *g = &listeners[i];

		if (!g->garlic || !g->runs)
			continue;
		snprintf(what, sizeof(what), "%s: 100 %% of exec lines name the program, both classes",
			 g->name);
		all &= target(md, fig(g, g->fig[INSTANT].named) >= 100.0 &&
					  fig(g, g->fig[SLEEPER].named) >= 100.0,
			      what);
	}
	return all;
}

static void usage(void)
{
	fprintf(stderr, "usage: argv [--quick] [--reps N] [-n N] [--listeners LIST] "
			"[--check-targets] [--results FILE] [--keep]\n"
			"       argv --child-sleep-us US MARKER\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "listeners", required_argument, NULL, 'l' },
		{ "check-targets", no_argument, NULL, 'c' },
		{ "results", required_argument, NULL, 'o' },
		{ "keep", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *which = NULL, *results = NULL;
	int reps = 3, n = 500, c, status = 0;
	bool quick = false, check = false;
	double bare[NCLASSES][MAX_REPS];
	FILE *md = NULL;
	struct utsname u;
	ssize_t len;

	/* A 2ms-class process: it lives its time and exits, exec'ing nothing. */
	if (argc == 4 && strcmp(argv[1], "--child-sleep-us") == 0) {
		sleep_us(atol(argv[2]));
		return 0;
	}
	while ((c = getopt_long(argc, argv, "n:", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = true;
			reps = 1;
			n = 200;
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > MAX_REPS) {
				fprintf(stderr, "argv: --reps must be 1..%d\n", MAX_REPS);
				return 2;
			}
			break;
		case 'n':
			n = atoi(optarg);
			if (n < 1 || n > MAX_N) {
				fprintf(stderr, "argv: -n must be 1..%d\n", MAX_N);
				return 2;
			}
			break;
		case 'l':
			which = optarg;
			break;
		case 'c':
			check = true;
			break;
		case 'o':
			results = optarg;
			break;
		case 'k':
			keep = true;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind < argc) {
		usage();
		return 2;
	}
	len = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (len < 0) {
		perror("/proc/self/exe");
		return 1;
	}
	self_path[len] = '\0';
	if (results) {
		md = fopen(results, "w");
		if (!md) {
			perror(results);
			return 1;
		}
	}

	uname(&u);
	printf("# %s %s, %ld CPUs, %d execs per class, %d reps%s\n", u.sysname, u.release,
	       sysconf(_SC_NPROCESSORS_ONLN), n, reps, quick ? " (quick)" : "");
	for (size_t i = 0; i < NLISTENERS; i++) {
		struct listener *l = &listeners[i];

		l->runs = 0;
		l->available = !which || figures_listed(which, l->name);
		if (l->available && access(l->argv[0], X_OK) != 0) {
			/* garlic-monitor is ours: not built is a failure, not a skip. */
			printf("%s: %s is %s\n", l->name, l->argv[0],
			       l->garlic ? "not built (run from the build directory)"
					 : "not installed, skipped");
			l->failed = l->garlic;
			l->available = false;
		}
	}
	/* Interleave listeners within each repetition: drift hits all alike. */
	for (int rep = 0; rep < reps; rep++) {
		struct child *none = calloc(n, sizeof(*none));
		char run[48];

		if (!none)
			abort();
		snprintf(run, sizeof(run), "%d.%d.none", (int)getpid(), rep);
		for (int cls = 0; cls < NCLASSES; cls++)
			bare[cls][rep] = run_class(cls, run, n, none);
		free(none);
		for (size_t i = 0; i < NLISTENERS; i++)
			if (listeners[i].available)
				measure(&listeners[i], rep, n);
	}

	if (md)
		fprintf(md, "Machine: %s %s %s, %ld CPUs. %d execs per class, medians of %d runs. "
			    "lines: execs that got an exec line; argv: execs whose line holds "
			    "the marker; named: exec lines that name the program; wall: the "
			    "class's workload time under the listener.\n",
			u.sysname, u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), n, reps);
	for (int cls = 0; cls < NCLASSES; cls++) {
		double alone = figures_median(bare[cls], reps, -1);

		printf("\n%s: %d execs of %s, %.0f ms with no listener\n", class_names[cls], n,
		       cls == INSTANT ? "/bin/true MARKER" : "argv --child-sleep-us 2000 MARKER",
		       alone);
		printf("%-13s %7s %7s %7s %9s\n", "listener", "lines%", "argv%", "named%",
		       "wall_ms");
		if (md)
			fprintf(md, "\n## %s: %d execs of `%s`, %.0f ms with no listener\n\n"
				    "| listener | lines %% | argv %% | named %% | wall ms |\n"
				    "|---|---|---|---|---|\n",
				class_names[cls], n,
				cls == INSTANT ? "/bin/true MARKER" : "bench/argv --child-sleep-us 2000 MARKER",
				alone);
		for (size_t i = 0; i < NLISTENERS; i++) {
			struct listener *l = &listeners[i];
			struct figures *f = &l->fig[cls];
			char named[16];

			if (!l->runs)
				continue;
			pct(named, sizeof(named), fig(l, f->named));
			printf("%-13s %7.1f %7.1f %7s %9.0f\n", l->name, fig(l, f->lines),
			       fig(l, f->argv), named, fig(l, f->wall_ms));
			if (md)
				fprintf(md, "| %s | %.1f | %.1f | %s | %.0f |\n", l->name,
					fig(l, f->lines), fig(l, f->argv), named,
					fig(l, f->wall_ms));
		}
	}
	printf("\n");
	for (size_t i = 0; i < NLISTENERS; i++) {
		if (listeners[i].probe_missed)
			printf("warning: %s missed the 100 ms probe process in %d of %d runs: "
			       "it may not have been listening yet\n",
			       listeners[i].name, listeners[i].probe_missed, listeners[i].runs);
		if (listeners[i].failed)
			status = 1;
	}
	if (!check_targets(md) && check) {
		printf("--check-targets: a target is not met\n");
		status = 1;
	}
	if (md)
		fclose(md);
	return status;
}
