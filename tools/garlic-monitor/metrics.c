// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * --metrics-file: the monitor's counts in the Prometheus text format,
 * rewritten every --metrics-interval seconds and at the end, the way
 * node_exporter's textfile collector wants it: written to a temporary
 * file in the same directory, then renamed over the old one, so a scrape
 * never reads half a file. The temporary name does not end in .prom,
 * so the collector never reads it either.
 *
 * No label ever holds a command name, argument, pid or user: every label
 * value comes from a short fixed list, so the series stay few whatever
 * runs on the machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "metrics.h"

static const char *const kinds[] = {
	"fork", "exec", "uid", "gid", "sid", "ptrace", "comm", "coredump", "exit", "other",
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))
/* argv_unavailable()'s reasons (snapshot.c). */
static const char *const reasons[] = {
	"gone", "not_read", "kernel_thread", "zombie", "denied", "unsupported", "replaced",
	"failed",
};
#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))
static const char *const statuses[] = { "ok", "error", "signal", "core" };
#define NSTATUSES (sizeof(statuses) / sizeof(statuses[0]))

static struct {
	const char *path;	/* NULL: off */
	uint64_t interval_ns;
	uint64_t due_ns;	/* the next rewrite, CLOCK_MONOTONIC */
	double start_time;	/* seconds since the epoch */
	uint64_t events[NKINDS];
	uint64_t argv_unavailable[NREASONS];
	uint64_t exits[NSTATUSES];
	uint64_t lost_overrun, lost_sequence;
	int last_error;		/* said once until a write works again */
} m;

static size_t kind_index(uint32_t type)
{
	switch (type) {
	case GARLIC_EVENT_FORK: return 0;
	case GARLIC_EVENT_EXEC: return 1;
	case GARLIC_EVENT_UID: return 2;
	case GARLIC_EVENT_GID: return 3;
	case GARLIC_EVENT_SID: return 4;
	case GARLIC_EVENT_PTRACE: return 5;
	case GARLIC_EVENT_COMM: return 6;
	case GARLIC_EVENT_COREDUMP: return 7;
	case GARLIC_EVENT_EXIT: return 8;
	default: return 9;
	}
}

void metrics_event(const struct row *r)
{
	const struct garlic_event *ev = r->ev;

	if (!m.path)
		return;
	m.events[kind_index(ev->type)]++;
	if (ev->type == GARLIC_EVENT_EXEC && r->argv_why) {
		size_t i = 0;

		while (i < NREASONS - 1 && strcmp(reasons[i], r->argv_why))
			i++;
		m.argv_unavailable[i]++; /* an unknown reason counts as failed */
	}
	if (event_process_exit(ev)) {
		int st = (int)ev->exit.exit_code;

		if (WIFEXITED(st))
			m.exits[WEXITSTATUS(st) ? 1 : 0]++;
		else if (WIFSIGNALED(st))
			m.exits[WCOREDUMP(st) ? 3 : 2]++;
		else
			m.exits[1]++;
	}
}

void metrics_loss(const struct garlic_loss *loss)
{
	if (!m.path)
		return;
	if (loss->cause == GARLIC_LOSS_OVERRUN)
		m.lost_overrun += loss->lost;
	else
		m.lost_sequence += loss->lost;
}

struct text {
	char buf[8192];
	size_t len;
};

static void add(struct text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, format, ap);
	va_end(ap);
	/* The text is a fixed set of lines: it always fits. */
	if (n > 0 && (size_t)n < sizeof(t->buf) - t->len)
		t->len += n;
}

static void family(struct text *t, const char *name, const char *type, const char *help)
{
	add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void labelled(struct text *t, const char *name, const char *label,
		     const char *const *values, const uint64_t *counts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		add(t, "%s{%s=\"%s\"} %llu\n", name, label, values[i],
		    (unsigned long long)counts[i]);
}

static void render(struct text *t, const struct garlic *g)
{
	struct garlic_counters c = { 0 };
	uint64_t lost[2] = { m.lost_overrun, m.lost_sequence };
	static const char *const causes[] = { "overrun", "sequence" };

	if (g)
		garlic_get_counters(g, &c, sizeof(c));
	family(t, "garlic_events_total", "counter", "Process events the monitor reported, by kind.");
	labelled(t, "garlic_events_total", "kind", kinds, m.events, NKINDS);
	family(t, "garlic_lost_events_total", "counter",
	       "Process events the kernel dropped before the monitor read them, by cause.");
	labelled(t, "garlic_lost_events_total", "cause", causes, lost, 2);
	family(t, "garlic_receive_buffer_overruns_total", "counter",
	       "Times the receive buffer overflowed (ENOBUFS).");
	add(t, "garlic_receive_buffer_overruns_total %llu\n", (unsigned long long)c.overruns);
	family(t, "garlic_malformed_messages_total", "counter",
	       "Messages refused because their lengths disagree or they are cut short.");
	add(t, "garlic_malformed_messages_total %llu\n", (unsigned long long)c.malformed);
	family(t, "garlic_foreign_messages_total", "counter",
	       "Messages refused because they are not from the kernel's proc connector.");
	add(t, "garlic_foreign_messages_total %llu\n", (unsigned long long)c.foreign);
	family(t, "garlic_argv_unavailable_total", "counter",
	       "Reported execs whose command line could not be read, by reason.");
	labelled(t, "garlic_argv_unavailable_total", "reason", reasons, m.argv_unavailable,
		 NREASONS);
	family(t, "garlic_exits_total", "counter",
	       "Reported process exits: ok (exit 0), error (another exit status), signal, "
	       "core (killed, core dumped).");
	labelled(t, "garlic_exits_total", "status", statuses, m.exits, NSTATUSES);
	family(t, "garlic_monitor_start_time_seconds", "gauge",
	       "When the monitor started, in seconds since the epoch.");
	add(t, "garlic_monitor_start_time_seconds %.3f\n", m.start_time);
}

/* Writes the file atomically; 0, or a positive errno. */
static int write_file(const struct garlic *g)
{
	static struct text t;
	char tmp[4096];
	size_t done = 0;
	int fd, err = 0;

	t.len = 0;
	render(&t, g);
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", m.path) >= (int)sizeof(tmp))
		return ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return errno;
	while (done < t.len) {
		ssize_t n = write(fd, t.buf + done, t.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			break;
		}
		done += n;
	}
	/* mkostemp() makes it 0600: the collector may run as another user. */
	if (!err && fchmod(fd, 0644) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp, m.path) < 0)
		err = errno;
	if (err)
		unlink(tmp);
	return err;
}

/* Rewrites the file; a failure is said once until a rewrite works again. */
static int rewrite(const struct garlic *g)
{
	int err = write_file(g);

	if (err && err != m.last_error)
		fprintf(stderr, "%s: writing %s: %s\n", PROGRAM, m.path, strerror(err));
	m.last_error = err;
	return err ? -1 : 0;
}

int metrics_start(const struct options *opt, uint64_t now_ns)
{
	struct timespec real;

	if (!opt->metrics_file)
		return 0;
	m.path = opt->metrics_file;
	m.interval_ns = (uint64_t)(opt->metrics_interval * 1e9);
	m.due_ns = now_ns + m.interval_ns;
	clock_gettime(CLOCK_REALTIME, &real);
	m.start_time = real.tv_sec + real.tv_nsec / 1e9;
	return rewrite(NULL);
}

int metrics_timeout(int timeout, uint64_t now_ns)
{
	if (!m.path)
		return timeout;
	return timeout_until(timeout, now_ns, m.due_ns);
}

void metrics_tick(const struct garlic *g, uint64_t now_ns)
{
	if (!m.path || now_ns < m.due_ns)
		return;
	rewrite(g);
	m.due_ns += m.interval_ns;
	/* Behind by more than an interval (a stopped process): start again from now. */
	if (m.due_ns <= now_ns)
		m.due_ns = now_ns + m.interval_ns;
}

int metrics_finish(const struct garlic *g)
{
	return m.path ? rewrite(g) : 0;
}
