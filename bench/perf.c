// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench/perf: what a listener costs, against a minimal raw recv() loop
 * measured in the same run on the same storms.
 *
 * For each scenario (a storm mode, flat out or paced at a rate) and each
 * listener, repeated --reps times (medians reported): the storm's own
 * events, how many the listener saw and lost, its CPU time per storm event
 * (schedstat, ns), the storm's wall time against a run with no listener
 * (the cost to the workload), delivery latency p50/p99 (the listener's
 * CLOCK_MONOTONIC at delivery minus the kernel's stamp), and peak RSS.
 *
 * usage: perf [--quick] [--reps N] [--scenarios NAME,...]
 *             [--listeners raw,garlic,garlic10,libnl,monitor-json,monitor,forkstat,
 *                          monitor-journal,monitor-ecs,monitor-metrics]
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

#include "figures.h"
#include "storm.h"

#define MAX_REPS 15

struct listener {
	const char *name;
	const char *argv[8];	/* "@OUT" is replaced by the records file */
	int stop_signal;
	bool records;		/* writes (type, pid) records to @OUT */
	bool optional;		/* only when named by --listeners */
	double cpu_ns[MAX_REPS], storm_s[MAX_REPS], rss_kib[MAX_REPS];
	double seen[MAX_REPS], lost[MAX_REPS], p50_us[MAX_REPS], p99_us[MAX_REPS];
	int runs;
	bool available;
};

static struct listener listeners[] = {
	{ .name = "raw", .argv = { "bench/listener", "raw", "@OUT" }, .stop_signal = SIGTERM, .records = true },
	{ .name = "garlic", .argv = { "bench/listener", "garlic", "@OUT" }, .stop_signal = SIGTERM, .records = true },
	{ .name = "garlic10", .argv = { "bench/listener", "garlic10", "@OUT" }, .stop_signal = SIGTERM, .records = true },
	{ .name = "libnl", .argv = { "bench/listener", "libnl", "@OUT" }, .stop_signal = SIGTERM, .records = true },
	{ .name = "exec-kernel", .argv = { "bench/listener", "exec-kernel", "@OUT" }, .stop_signal = SIGTERM, .records = true, .optional = true },
	{ .name = "exec-bpf", .argv = { "bench/listener", "exec-bpf", "@OUT" }, .stop_signal = SIGTERM, .records = true, .optional = true },
	{ .name = "exec-skip", .argv = { "bench/listener", "exec-skip", "@OUT" }, .stop_signal = SIGTERM, .records = true, .optional = true },
	{ .name = "monitor-json", .argv = { "tools/garlic-monitor/garlic-monitor", "--json" }, .stop_signal = SIGINT },
	{ .name = "monitor", .argv = { "tools/garlic-monitor/garlic-monitor" }, .stop_signal = SIGINT },
	/* Named only: it needs a journald (its own CPU is not counted here). */
	{ .name = "monitor-journal", .argv = { "tools/garlic-monitor/garlic-monitor", "--journal" }, .stop_signal = SIGINT, .optional = true },
	/* Named only: the fleet's two other outputs (docs/fleet.md). */
	{ .name = "monitor-ecs", .argv = { "tools/garlic-monitor/garlic-monitor", "--format=ecs" }, .stop_signal = SIGINT, .optional = true },
	{ .name = "monitor-metrics", .argv = { "tools/garlic-monitor/garlic-monitor", "--quiet", "--metrics-file", "/tmp/garlic-bench-metrics.prom", "--metrics-interval", "1" }, .stop_signal = SIGINT, .optional = true },
	{ .name = "forkstat", .argv = { "/usr/bin/forkstat", "-e", "all" }, .stop_signal = SIGINT },
};
#define NLISTENERS (sizeof(listeners) / sizeof(listeners[0]))

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

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Counts the storm's events among the listener's records, and their latency. */
static void count_records(const char *path, const struct idset *set, double *seen,
			  double *p50, double *p99)
{
	struct {
		uint32_t type;
		int32_t pid;
		uint32_t latency_us;
	} r;
	uint32_t *lat = NULL;
	size_t n = 0, cap = 0;
	FILE *f = fopen(path, "rb");

	*seen = 0;
	while (f && fread(&r, sizeof(r), 1, f) == 1) {
		if (!idset_has(set, r.pid))
			continue;
		(*seen)++;
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			lat = realloc(lat, cap * sizeof(*lat));
			if (!lat)
				abort();
		}
		lat[n++] = r.latency_us;
	}
	if (f)
		fclose(f);
	qsort(lat, n, sizeof(*lat), cmp_u32);
	*p50 = n ? (double)lat[n / 2] : -1.0;
	*p99 = n ? (double)lat[n * 99 / 100] : -1.0;
	free(lat);
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
	l->p50_us[rep] = l->p99_us[rep] = -1;
	if (l->records && idset_init(&set, s.ids, *s.count) == 0) {
		count_records(out, &set, &l->seen[rep], &l->p50_us[rep], &l->p99_us[rep]);
		/* An exec-only listener should see one exec per operation. */
		l->lost[rep] = (l->optional ? (double)opts->ops : (double)s.expected) -
			       l->seen[rep];
		idset_free(&set);
	}
	l->runs = rep + 1;
	storm_free(&s);
	unlink(out);
}

struct scenario {
	const char *name;
	enum storm_mode mode;
	unsigned long ops, quick_ops;
	unsigned long events_per_second; /* 0: flat out */
};

static const struct scenario scenarios[] = {
	{ "fork", STORM_FORK, 4000, 1000, 0 },
	{ "exec", STORM_EXEC, 1500, 300, 0 },
	{ "thread", STORM_THREAD, 20000, 5000, 0 },
	{ "thread@5k", STORM_THREAD, 10000, 2500, 5000 },
	{ "thread@20k", STORM_THREAD, 40000, 10000, 20000 },
	{ "thread@80k", STORM_THREAD, 80000, 20000, 80000 },
};

/* A figure with `decimals`, or n/a for a listener that cannot tell. */
static void fmt(char *buf, size_t size, double v, int decimals)
{
	if (v < 0)
		snprintf(buf, size, "n/a");
	else
		snprintf(buf, size, "%.*f", decimals, v);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "scenarios", required_argument, NULL, 's' },
		{ "listeners", required_argument, NULL, 'l' },
		{ "results", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *which_scenarios = "fork,exec,thread,thread@5k,thread@20k,thread@80k";
	const char *which = NULL, *results = NULL;
	int reps = 3, c;
	bool quick = false;
	FILE *md = NULL;
	struct utsname u;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = true;
			reps = 1;
			which_scenarios = "fork,exec,thread,thread@5k";
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > MAX_REPS) {
				fprintf(stderr, "perf: --reps must be 1..%d\n", MAX_REPS);
				return 2;
			}
			break;
		case 's':
			which_scenarios = optarg;
			break;
		case 'l':
			which = optarg;
			break;
		case 'o':
			results = optarg;
			break;
		default:
			fprintf(stderr, "usage: perf [--quick] [--reps N] [--scenarios LIST] "
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
			    "Medians of %d runs per cell. CPU is the listener's (schedstat), per "
			    "storm event. Latency: delivery time minus the kernel's stamp. "
			    "Slowdown: storm wall time over the same storm with no listener.\n",
			u.sysname, u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), reps);

	for (size_t sc = 0; sc < sizeof(scenarios) / sizeof(scenarios[0]); sc++) {
		const struct scenario *scn = &scenarios[sc];
		unsigned long ops = quick ? scn->quick_ops : scn->ops;
		struct storm_opts opts = {
			.mode = scn->mode, .ops = ops, .procs = 2, .inflight = 16,
			.rate = scn->events_per_second / storm_events_per_op(scn->mode),
		};
		double bare[MAX_REPS], bare_s, raw_cpu = 0, raw_slow = 0;
		unsigned long expected = ops * storm_events_per_op(scn->mode) + 2 * opts.procs;

		if (!figures_listed(which_scenarios, scn->name))
			continue;
		for (size_t i = 0; i < NLISTENERS; i++) {
			listeners[i].runs = 0;
			listeners[i].available = access(listeners[i].argv[0], X_OK) == 0 &&
						 (which ? figures_listed(which, listeners[i].name)
							: !listeners[i].optional);
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
		bare_s = figures_median(bare, reps, 0);
		printf("\n%s: %lu ops, %lu events, %.2f s with no listener (%.0f events/s)\n",
		       scn->name, ops, expected, bare_s, expected / bare_s);
		printf("%-15s %7s %6s %10s %6s %9s %6s %9s %9s %8s\n", "listener", "seen",
		       "lost", "cpu_us/ev", "x_raw", "slowdown", "x_raw", "p50_ms", "p99_ms",
		       "rss_kib");
		if (md)
			fprintf(md, "\n## %s: %lu ops, %lu events, %.2f s alone (%.0f events/s)\n\n"
				    "| listener | seen | lost | CPU µs/event | × raw | slowdown | × raw's | p50 ms | p99 ms | peak RSS KiB |\n"
				    "|---|---|---|---|---|---|---|---|---|---|\n",
				scn->name, ops, expected, bare_s, expected / bare_s);
		for (size_t i = 0; i < NLISTENERS; i++) {
			struct listener *l = &listeners[i];
			double cpu, slow;
			char seen[16], lost[16], p50[16], p99[16];

			if (!l->runs)
				continue;
			cpu = figures_median(l->cpu_ns, l->runs, 0) / expected / 1000;
			slow = figures_median(l->storm_s, l->runs, 0) / bare_s;
			if (i == 0) {
				raw_cpu = cpu;
				raw_slow = slow;
			}
			fmt(seen, sizeof(seen), figures_median(l->seen, l->runs, 0), 0);
			fmt(lost, sizeof(lost), figures_median(l->lost, l->runs, 0), 0);
			fmt(p50, sizeof(p50), figures_median(l->p50_us, l->runs, 0) / 1000, 2);
			fmt(p99, sizeof(p99), figures_median(l->p99_us, l->runs, 0) / 1000, 2);
			printf("%-15s %7s %6s %10.2f %6.2f %9.3f %6.3f %9s %9s %8.0f\n", l->name,
			       seen, lost, cpu, raw_cpu ? cpu / raw_cpu : 0, slow,
			       raw_slow ? slow / raw_slow : 0, p50, p99,
			       figures_median(l->rss_kib, l->runs, 0));
			if (md)
				fprintf(md, "| %s | %s | %s | %.2f | %.2f | %.3f | %.3f | %s | %s | %.0f |\n",
					l->name, seen, lost, cpu, raw_cpu ? cpu / raw_cpu : 0, slow,
					raw_slow ? slow / raw_slow : 0, p50, p99,
					figures_median(l->rss_kib, l->runs, 0));
		}
		fflush(stdout);
	}
	if (md)
		fclose(md);
	return 0;
}
