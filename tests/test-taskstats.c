// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * taskstats: the parser on a message captured from the kernel and on
 * broken copies of it, the exit joiner, and (root, live) queries and exit
 * statistics of children that burn CPU and write.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <linux/genetlink.h>

#include <glib.h>

#include "garlic-private.h"
#include "taskstats-capture.h"

static bool live_ok;
static const char *live_skip_reason;

static void test_parse_captured(void)
{
	struct garlic_taskstats r[2];
	int n = garlic_taskstats_parse(captured_exit, sizeof(captured_exit), r, 2);

	g_assert_cmpint(n, ==, 1);
	g_assert_cmpuint(r[0].scope, ==, GARLIC_TASKSTATS_TASK);
	g_assert_cmpuint(r[0].id, ==, CAPTURED_PID);
	g_assert_cmpuint(r[0].pid, ==, CAPTURED_PID);
	g_assert_cmpuint(r[0].ppid, ==, CAPTURED_PPID);
	g_assert_cmpuint(r[0].tgid, ==, CAPTURED_PID);
	g_assert_cmpuint(r[0].version, ==, CAPTURED_VERSION);
	g_assert_cmpuint(r[0].exit_code, ==, CAPTURED_EXIT_CODE);
	g_assert_cmpstr(r[0].comm, ==, CAPTURED_COMM);
	g_assert_cmpuint(r[0].write_chars, >=, CAPTURED_MIN_WRITE_CHARS);
	g_assert_cmpuint(r[0].begin_time, >, 1700000000);
	/* Room for one record only: the second aggregate would not fit. */
	g_assert_cmpint(garlic_taskstats_parse(captured_exit, sizeof(captured_exit), r, 0),
			==, -EBADMSG);
}

static void test_parse_malformed(void)
{
	uint8_t buf[sizeof(captured_exit)];
	struct garlic_taskstats r[2];
	uint32_t len;
	uint16_t nla_len;
	int n;

	/* Cut anywhere: refused or partial, never a crash or a read past the end. */
	for (size_t cut = 0; cut < sizeof(captured_exit); cut++) {
		uint8_t *copy = g_memdup2(captured_exit, cut);

		n = garlic_taskstats_parse(copy, cut, r, 2);
		g_assert_cmpint(n, <, 0);
		g_free(copy);
	}
	/* nlmsg_len shortened consistently: the stats attribute no longer fits. */
	for (uint32_t cut = NLMSG_HDRLEN; cut < sizeof(captured_exit); cut += 7) {
		memcpy(buf, captured_exit, sizeof(buf));
		memcpy(buf, &cut, sizeof(cut));
		n = garlic_taskstats_parse(buf, sizeof(buf), r, 2);
		g_assert_cmpint(n, <, 0);
	}
	/* The outer attribute claims more than the message holds. */
	memcpy(buf, captured_exit, sizeof(buf));
	nla_len = 0xfff0;
	memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, &nla_len, sizeof(nla_len));
	g_assert_cmpint(garlic_taskstats_parse(buf, sizeof(buf), r, 2), ==, -EBADMSG);
	/* An attribute length below its own header. */
	nla_len = 2;
	memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, &nla_len, sizeof(nla_len));
	g_assert_cmpint(garlic_taskstats_parse(buf, sizeof(buf), r, 2), ==, -EBADMSG);
	/* A message with no aggregate at all. */
	memcpy(buf, captured_exit, NLMSG_HDRLEN + GENL_HDRLEN);
	len = NLMSG_HDRLEN + GENL_HDRLEN;
	memcpy(buf, &len, sizeof(len));
	g_assert_cmpint(garlic_taskstats_parse(buf, len, r, 2), ==, -ENODATA);
	g_assert_cmpint(garlic_taskstats_parse(buf, 3, r, 2), ==, -EBADMSG);
}

struct pairs {
	unsigned int calls, with_stats;
	pid_t last_pid;
};

static int on_pair(const struct garlic_event *exit, const struct garlic_taskstats *stats,
		   void *userdata)
{
	struct pairs *p = userdata;

	p->calls++;
	p->with_stats += stats != NULL;
	p->last_pid = exit->exit.process_pid;
	if (stats)
		g_assert_cmpuint(stats->id, ==, (uint32_t)exit->exit.process_pid);
	return 0;
}

static struct garlic_event exit_event(pid_t pid, pid_t tgid)
{
	struct garlic_event ev = { .type = GARLIC_EVENT_EXIT };

	ev.exit.process_pid = pid;
	ev.exit.process_tgid = tgid;
	return ev;
}

static struct garlic_taskstats task_stats(pid_t pid)
{
	return (struct garlic_taskstats){ .scope = GARLIC_TASKSTATS_TASK, .id = pid, .pid = pid };
}

static void test_joiner(void)
{
	struct garlic_exit_joiner *j;
	struct pairs p = { 0 };
	struct garlic_event ev;
	struct garlic_taskstats s;

	g_assert_cmpint(garlic_exit_joiner_new(&j, 50, on_pair, &p), ==, 0);
	g_assert_cmpint(garlic_exit_joiner_timeout(j), ==, -1);
	/* Exit first, then its statistics. */
	ev = exit_event(100, 100);
	g_assert_cmpint(garlic_exit_joiner_add_event(j, &ev), ==, 0);
	g_assert_cmpint(garlic_exit_joiner_timeout(j), >, 0);
	s = task_stats(100);
	g_assert_cmpint(garlic_exit_joiner_add_stats(j, &s), ==, 1);
	g_assert_cmpuint(p.with_stats, ==, 1);
	/* Statistics first, then the exit. */
	s = task_stats(200);
	g_assert_cmpint(garlic_exit_joiner_add_stats(j, &s), ==, 0);
	ev = exit_event(200, 200);
	g_assert_cmpint(garlic_exit_joiner_add_event(j, &ev), ==, 1);
	g_assert_cmpuint(p.with_stats, ==, 2);
	/* A thread's exit is not a process exit. */
	ev = exit_event(301, 300);
	g_assert_cmpint(garlic_exit_joiner_add_event(j, &ev), ==, 0);
	g_assert_cmpint(garlic_exit_joiner_timeout(j), ==, -1);
	/* No statistics in time: delivered anyway, with NULL. */
	ev = exit_event(400, 400);
	garlic_exit_joiner_add_event(j, &ev);
	g_assert_cmpint(garlic_exit_joiner_flush(j, 0), ==, 0);
	usleep(60000);
	g_assert_cmpint(garlic_exit_joiner_flush(j, 0), ==, 1);
	g_assert_cmpuint(p.calls, ==, 3);
	g_assert_cmpint(p.last_pid, ==, 400);
	/* flush(all) empties it. */
	ev = exit_event(500, 500);
	garlic_exit_joiner_add_event(j, &ev);
	g_assert_cmpint(garlic_exit_joiner_flush(j, 1), ==, 1);
	/* Thousands waiting: none dropped, the oldest go out first. */
	p = (struct pairs){ 0 };
	for (pid_t pid = 1000; pid < 1000 + 3000; pid++) {
		ev = exit_event(pid, pid);
		garlic_exit_joiner_add_event(j, &ev);
	}
	garlic_exit_joiner_flush(j, 1);
	g_assert_cmpuint(p.calls, ==, 3000);
	g_assert_cmpint(garlic_exit_joiner_add_event(NULL, &ev), ==, -EINVAL);
	garlic_exit_joiner_free(j);
	garlic_exit_joiner_free(NULL);
}

static void test_query(void)
{
	struct garlic_taskstats s;
	pid_t pid;
	int status;

	if (!live_ok) {
		g_test_skip(live_skip_reason);
		return;
	}
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, (unsigned long)"ts-query-child", 0, 0, 0);
		for (;;)
			pause();
	}
	usleep(50000);
	g_assert_cmpint(garlic_taskstats_query_pid(pid, &s), ==, 0);
	g_assert_cmpuint(s.scope, ==, GARLIC_TASKSTATS_TASK);
	g_assert_cmpuint(s.id, ==, (uint32_t)pid);
	g_assert_cmpuint(s.pid, ==, (uint32_t)pid);
	g_assert_cmpuint(s.ppid, ==, (uint32_t)getpid());
	g_assert_cmpstr(s.comm, ==, "ts-query-child");
	g_assert_cmpuint(s.version, >=, 1);
	g_assert_cmpint(garlic_taskstats_query_tgid(getpid(), &s), ==, 0);
	g_assert_cmpuint(s.scope, ==, GARLIC_TASKSTATS_PROCESS);
	g_assert_cmpuint(s.id, ==, (uint32_t)getpid());
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	/* Reaped: gone. */
	g_assert_cmpint(garlic_taskstats_query_pid(pid, &s), ==, -ESRCH);
	g_assert_cmpint(garlic_taskstats_query_pid(0, &s), ==, -EINVAL);
	g_assert_cmpint(garlic_taskstats_query_pid(1, NULL), ==, -EINVAL);
}

struct found {
	pid_t pid;
	struct garlic_taskstats stats;
	bool seen;
};

static int on_stats(const struct garlic_taskstats *s, void *userdata)
{
	struct found *f = userdata;

	if (s->scope == GARLIC_TASKSTATS_TASK && s->id == (uint32_t)f->pid) {
		f->stats = *s;
		f->seen = true;
	}
	return 0;
}

static int64_t cpu_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_exit_stats(void)
{
	struct garlic_taskstats_listener *l;
	struct found f = { 0 };
	char path[] = "/tmp/garlic-taskstats-XXXXXX";
	int status, fd;

	if (!live_ok) {
		g_test_skip(live_skip_reason);
		return;
	}
	g_assert_cmpint(garlic_taskstats_open(&l, NULL, 0, on_stats, &f), ==, 0);
	fd = mkstemp(path);
	g_assert_cmpint(fd, >=, 0);
	f.pid = fork();
	g_assert_cmpint(f.pid, >=, 0);
	if (f.pid == 0) {
		static char mib[1 << 20];
		volatile unsigned long spin = 0;

		memset(mib, 'g', sizeof(mib));
		/* ~50 ms of CPU, then 1 MiB written and synced. */
		while (cpu_ms(CLOCK_PROCESS_CPUTIME_ID) < 60)
			spin++;
		if (write(fd, mib, sizeof(mib)) != sizeof(mib) || fsync(fd) < 0)
			_exit(1);
		_exit(7);
	}
	g_assert_cmpint(waitpid(f.pid, &status, 0), ==, f.pid);
	for (int i = 0; i < 50 && !f.seen; i++) {
		struct pollfd pfd = { .fd = garlic_taskstats_fd(l), .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0)
			g_assert_cmpint(garlic_taskstats_receive(l), >=, 0);
	}
	close(fd);
	unlink(path);
	garlic_taskstats_close(l);
	g_assert_true(f.seen);
	g_test_message("exit stats: version %u user %lu us system %lu us rss %lu KiB "
		       "write_chars %lu write_bytes %lu read_bytes %lu",
		       f.stats.version, (unsigned long)f.stats.user_us,
		       (unsigned long)f.stats.system_us, (unsigned long)f.stats.hiwater_rss_kib,
		       (unsigned long)f.stats.write_chars, (unsigned long)f.stats.write_bytes,
		       (unsigned long)f.stats.read_bytes);
	g_assert_cmpuint(f.stats.exit_code, ==, (uint32_t)status);
	g_assert_cmpuint(f.stats.user_us + f.stats.system_us, >=, 40000);
	g_assert_cmpuint(f.stats.user_us + f.stats.system_us, <, 5000000);
	g_assert_cmpuint(f.stats.write_chars, >=, 1 << 20);
	/* The kernel rounds these counts down to a multiple of 1024 (KB_MASK). */
	g_assert_cmpuint(f.stats.write_chars % 1024, ==, 0);
	g_assert_cmpuint(f.stats.hiwater_rss_kib, >=, 1024);
	g_assert_cmpuint(f.stats.ppid, ==, (uint32_t)getpid());
	g_assert_cmpuint(f.stats.elapsed_us, >=, 40000);
}

static void test_listener_errors(void)
{
	struct garlic_taskstats_listener *l = NULL;
	struct found f = { 0 };

	g_assert_cmpint(garlic_taskstats_open(&l, NULL, 0, NULL, NULL), ==, -EINVAL);
	g_assert_cmpint(garlic_taskstats_open(&l, "", 0, on_stats, &f), ==, -EINVAL);
	g_assert_cmpint(garlic_taskstats_open(&l, NULL, 1u << 7, on_stats, &f), ==, -EINVAL);
	g_assert_null(l);
	g_assert_cmpint(garlic_taskstats_fd(NULL), ==, -EINVAL);
	g_assert_cmpint(garlic_taskstats_receive(NULL), ==, -EINVAL);
	garlic_taskstats_close(NULL);
	if (live_ok) {
		int r;

		/* A CPU this machine cannot have, and a list that is no list. */
		r = garlic_taskstats_open(&l, "100000", 0, on_stats, &f);
		g_assert_true(r == -ERANGE || r == -EINVAL);
		g_assert_cmpint(garlic_taskstats_open(&l, "x-y", 0, on_stats, &f), ==, -EINVAL);
		g_assert_null(l);
	}
}

int main(int argc, char **argv)
{
	struct garlic_taskstats self;
	int r;

	g_test_init(&argc, &argv, NULL);
	r = garlic_taskstats_query_pid(getpid(), &self);
	live_ok = r == 0;
	live_skip_reason = r == -EPERM	? "taskstats queries need CAP_NET_ADMIN"
			   : r == -ENOENT ? "this kernel has no taskstats (CONFIG_TASKSTATS)"
					  : "taskstats is not usable here";
	g_test_add_func("/taskstats/parse-captured", test_parse_captured);
	g_test_add_func("/taskstats/parse-malformed", test_parse_malformed);
	g_test_add_func("/taskstats/joiner", test_joiner);
	g_test_add_func("/taskstats/query", test_query);
	g_test_add_func("/taskstats/exit-stats", test_exit_stats);
	g_test_add_func("/taskstats/listener-errors", test_listener_errors);
	return g_test_run();
}
