// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench/perf: what a listener costs, against a minimal raw recv() loop
 * measured in the same run on the same storms.
 *
 * For each storm mode (fork, exec, thread) and each listener, repeated
 * --reps times (medians reported): the storm's own events, how many the
 * listener saw and lost, its CPU time per storm event (schedstat, ns),
 * the storm's wall time against a run with no listener (the cost to the
 * workload), and the listener's peak RSS.
 *
 * usage: perf [--quick] [--reps N] [--modes fork,exec,thread]
 *             [--listeners raw,garlic,libnl,monitor-json,monitor,forkstat]
 *             [--results FILE]
 * Paths are relative to the build directory (run it from there).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "storm.h"

#define MAX_REPS 15

struct listener {
	const char *name;
	const char *argv[8];	/* "@OUT" is replaced by the records file */
	int stop_signal;
	bool records;		/* writes (type, pid) records to @OUT */
	double cpu_ns[MAX_REPS], storm_s[MAX_REPS], rss_kib[MAX_REPS];
	double seen[MAX_REPS], lost[MAX_REPS];
	int runs;
	bool available;
};

static struct listener listeners[] = {
	{ .name = "raw", .argv = { "bench/listener", "raw", "@OUT" }, .stop_signal = SIGTERM, .records = true },
	{ .name = "garlic", .argv = { "bench/listener", "garlic", "@OUT" }, .stop_signal = SIGTERM, .records = true },
	{ .name = "libnl", .argv = { "bench/listener", "libnl", "@OUT" }, .stop_signal = SIGTERM, .records = true },
	{ .name = "monitor-json", .argv = { "tools/garlic-monitor/garlic-monitor", "--json" }, .stop_signal = SIGINT },
	{ .name = "monitor", .argv = { "tools/garlic-monitor/garlic-monitor" }, .stop_signal = SIGINT },
	{ .name = "forkstat", .argv = { "/usr/sbin/forkstat", "-e", "all" }, .stop_signal = SIGINT },
};
#define NLISTENERS (sizeof(listeners) / sizeof(listeners[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double tmp[MAX_REPS];

	if (n == 0)
		return 0;
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* CPU time of every thread of pid, in ns (schedstat is ns-precise). */
static double cpu_ns(pid_t pid)
{
	char path[300];
	double total = 0;
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		unsigned long long ns;
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", pid, d->d_name);
		f = fopen(path, "r");
		if (f && fscanf(f, "%llu", &ns) == 1)
			total += ns;
		if (f)
			fclose(f);
	}
	closedir(dir);
	return total;
}

static double peak_rss_kib(pid_t pid)
{
	char path[64], line[256];
	double kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %lf", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static pid_t spawn(struct listener *l, const char *out)
{
	const char *argv[9];
	pid_t pid;
	int i;

	for (i = 0; l->argv[i]; i++)
		argv[i] = strcmp(l->argv[i], "@OUT") == 0 ? out : l->argv[i];
	argv[i] = NULL;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	return pid;
}

/* Counts the storm's events among the listener's records. */
static void count_records(const char *path, const struct idset *set, double *seen)
{
	struct {
		uint32_t type;
		int32_t pid;
	} r;
	FILE *f = fopen(path, "rb");

	*seen = 0;
	while (f && fread(&r, sizeof(r), 1, f) == 1)
		if (idset_has(set, r.pid))
			(*seen)++;
	if (f)
		fclose(f);
}

static int storm_once(const struct storm_opts *opts, struct storm *s)
{
	if (storm_init(s, opts) < 0)
		return -1;
	return storm_run(s);
}

static void measure(struct listener *l, const struct storm_opts *opts, int rep)
{
	char out[] = "/tmp/garlic-perf-XXXXXX";
	double before, after, last;
	struct storm s;
	struct idset set;
	int fd = mkstemp(out), status;
	pid_t pid;

	if (fd >= 0)
		close(fd);
	pid = spawn(l, out);
	sleep_ms(500); /* subscribed and idle */
	if (waitpid(pid, &status, WNOHANG) == pid) {
		l->available = false;
		unlink(out);
		return;
	}
	before = cpu_ns(pid);
	if (storm_once(opts, &s) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	/* Wait until the listener has worked through its backlog. */
	last = cpu_ns(pid);
	for (int quiet = 0, waited = 0; quiet < 3 && waited < 10000; waited += 100) {
		sleep_ms(100);
		after = cpu_ns(pid);
		quiet = after - last < 2e6 ? quiet + 1 : 0;
		last = after;
	}
	after = last;
	l->rss_kib[rep] = peak_rss_kib(pid);
	kill(pid, l->stop_signal);
	waitpid(pid, &status, 0);

	l->cpu_ns[rep] = after - before;
	l->storm_s[rep] = s.seconds;
	l->seen[rep] = -1;
	l->lost[rep] = -1;
	if (l->records && idset_init(&set, s.ids, *s.count) == 0) {
		count_records(out, &set, &l->seen[rep]);
		l->lost[rep] = s.expected - l->seen[rep];
		idset_free(&set);
	}
	l->runs = rep + 1;
	storm_free(&s);
	unlink(out);
}

static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == len && strncmp(p, name, n) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "modes", required_argument, NULL, 'm' },
		{ "listeners", required_argument, NULL, 'l' },
		{ "results", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *modes = "fork,exec,thread", *which = NULL, *results = NULL;
	unsigned long ops[] = { [STORM_FORK] = 4000, [STORM_EXEC] = 1500,
				[STORM_THREAD] = 20000 };
	int reps = 3, c;
	bool quick = false;
	FILE *md = NULL;
	struct utsname u;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = true;
			reps = 1;
			ops[STORM_FORK] = 1000;
			ops[STORM_EXEC] = 300;
			ops[STORM_THREAD] = 5000;
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > MAX_REPS) {
				fprintf(stderr, "perf: --reps must be 1..%d\n", MAX_REPS);
				return 2;
			}
			break;
		case 'm':
			modes = optarg;
			break;
		case 'l':
			which = optarg;
			break;
		case 'o':
			results = optarg;
			break;
		default:
			fprintf(stderr, "usage: perf [--quick] [--reps N] [--modes LIST] "
					"[--listeners LIST] [--results FILE]\n");
			return 2;
		}
	}
	if (results) {
		md = fopen(results, "w");
		if (!md) {
			perror(results);
			return 1;
		}
	}
	uname(&u);
	printf("# %s %s, %ld CPUs, %d reps%s\n", u.sysname, u.release,
	       sysconf(_SC_NPROCESSORS_ONLN), reps, quick ? " (quick)" : "");
	if (md)
		fprintf(md, "# garlic listener benchmark\n\nMachine: %s %s %s, %ld CPUs. "
			    "Medians of %d runs per cell; CPU is the listener's, per storm event.\n",
			u.sysname, u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), reps);

	for (enum storm_mode mode = STORM_FORK; mode <= STORM_THREAD; mode++) {
		struct storm_opts opts = { .mode = mode, .ops = ops[mode], .procs = 2,
					   .inflight = 16 };
		double bare[MAX_REPS], bare_s, raw_cpu = 0, raw_slow = 0;
		unsigned long expected = opts.ops * storm_events_per_op(mode) + 2 * opts.procs;

		if (!listed(modes, storm_mode_name(mode)))
			continue;
		for (size_t i = 0; i < NLISTENERS; i++) {
			listeners[i].runs = 0;
			listeners[i].available = access(listeners[i].argv[0], X_OK) == 0 &&
						 (!which || listed(which, listeners[i].name));
		}
		/* Interleave listeners within each repetition: drift hits all alike. */
		for (int rep = 0; rep < reps; rep++) {
			struct storm s;

			if (storm_once(&opts, &s) == 0)
				bare[rep] = s.seconds;
			storm_free(&s);
			for (size_t i = 0; i < NLISTENERS; i++)
				if (listeners[i].available)
					measure(&listeners[i], &opts, rep);
		}
		bare_s = median(bare, reps);
		printf("\n%s storm: %lu ops, %lu events, %.2f s with no listener\n",
		       storm_mode_name(mode), opts.ops, expected, bare_s);
		printf("%-13s %9s %9s %10s %8s %10s %9s %9s\n", "listener", "seen", "lost",
		       "cpu_us/ev", "x_raw", "slowdown", "x_raw", "rss_kib");
		if (md)
			fprintf(md, "\n## %s storm: %lu ops, %lu events, %.2f s alone\n\n"
				    "| listener | seen | lost | CPU µs/event | × raw | storm slowdown | × raw's | peak RSS KiB |\n"
				    "|---|---|---|---|---|---|---|---|\n",
				storm_mode_name(mode), opts.ops, expected, bare_s);
		for (size_t i = 0; i < NLISTENERS; i++) {
			struct listener *l = &listeners[i];
			double cpu, slow, seen, lost;
			char seen_s[16], lost_s[16];

			if (!l->runs)
				continue;
			cpu = median(l->cpu_ns, l->runs) / expected / 1000;
			slow = median(l->storm_s, l->runs) / bare_s;
			seen = median(l->seen, l->runs);
			lost = median(l->lost, l->runs);
			if (i == 0) {
				raw_cpu = cpu;
				raw_slow = slow;
			}
			snprintf(seen_s, sizeof(seen_s), seen < 0 ? "n/a" : "%.0f", seen);
			snprintf(lost_s, sizeof(lost_s), lost < 0 ? "n/a" : "%.0f", lost);
			printf("%-13s %9s %9s %10.2f %8.2f %10.3f %9.3f %9.0f\n", l->name, seen_s,
			       lost_s, cpu, raw_cpu ? cpu / raw_cpu : 0, slow,
			       raw_slow ? slow / raw_slow : 0, median(l->rss_kib, l->runs));
			if (md)
				fprintf(md, "| %s | %s | %s | %.2f | %.2f | %.3f | %.3f | %.0f |\n",
					l->name, seen_s, lost_s, cpu, raw_cpu ? cpu / raw_cpu : 0,
					slow, raw_slow ? slow / raw_slow : 0,
					median(l->rss_kib, l->runs));
		}
	}
	if (md)
		fclose(md);
	return 0;
}
