// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * taskstats on the kernel (root, live): queries, exit statistics of
 * children that burn CPU and write, pairing exits with them, the listener's
 * callbacks and the errors the kernel gives. The parser and the joiner fed
 * by hand are in test-taskstats-parse.c.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include <linux/taskstats.h>

#include <glib.h>

#include "garlic-private.h"
#include "taskstats-private.h"
#include "env.h"
#include "live.h"

/* garlic_taskstats_open() with the options most tests vary. */
static int ts_open(struct garlic_taskstats_listener **l, const char *cpumask, uint32_t flags,
		   garlic_taskstats_fn fn, void *userdata)
{
	struct garlic_taskstats_opts o = GARLIC_TASKSTATS_OPTS(.cpumask = cpumask, .flags = flags);

	return garlic_taskstats_open(l, &o, fn, userdata);
}

/*
 * Why live cases skip, found in the environment (tests/env.h); NULL when
 * they can run. Then any failure of garlic is a failure.
 */

static const char *query_skip, *listen_skip;

#define REQUIRE(reason)                                                       \
	do {                                                                  \
		if (reason) {                                                 \
			live_skip(reason);                                    \
			return;                                               \
		}                                                             \
	} while (0)

/* --- live --- */

static int64_t cpu_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void burn(clockid_t clock, int ms)
{
	volatile unsigned long spin = 0;

	while (cpu_ms(clock) < ms)
		spin++;
}

/* Records of one pid (and its process's) that a callback collected. */
struct found {
	pid_t pid;
	struct garlic_taskstats task, process;
	bool seen_task, seen_process;
	unsigned int calls;
};

static int on_stats(const struct garlic_taskstats *s, void *userdata)
{
	struct found *f = userdata;

	f->calls++;
	if (s->scope == GARLIC_TASKSTATS_TASK && s->id == (uint32_t)f->pid) {
		f->task = *s;
		f->seen_task = true;
	}
	if (s->scope == GARLIC_TASKSTATS_PROCESS && s->id == (uint32_t)f->pid) {
		f->process = *s;
		f->seen_process = true;
	}
	return 0;
}

/* Receives until done() or 5 s pass. */
static void receive_until(struct garlic_taskstats_listener *l, bool (*done)(void *),
			  void *arg)
{
	for (int i = 0; i < 50 && !done(arg); i++) {
		struct pollfd pfd = { .fd = garlic_taskstats_fd(l), .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0) {
			int r = garlic_taskstats_receive(l);

			/* Other exits on a busy machine may overflow the buffer. */
			g_assert_true(r >= 0 || r == -ENOBUFS || r == -EAGAIN);
		}
	}
}

static bool seen_task(void *arg)
{
	return ((struct found *)arg)->seen_task;
}

static bool seen_both(void *arg)
{
	struct found *f = arg;

	return f->seen_task && f->seen_process;
}

/*
 * The device of the file system mounted where path lives, as the kernel
 * numbers its superblock (/proc/self/mountinfo's major:minor of the
 * deepest mount over path). 0 when not found.
 */
static dev_t mount_dev(const char *path)
{
	char real[PATH_MAX], line[4096];
	size_t best = 0;
	dev_t dev = 0;
	FILE *f;

	if (!realpath(path, real))
		return 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		char point[PATH_MAX];
		size_t n;

		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min, point) != 3)
			continue;
		n = strlen(point);
		if (strncmp(real, point, n) != 0 ||
		    (n > 1 && real[n] != '/' && real[n] != '\0'))
			continue;
		/* Later lines are mounted over earlier ones at the same point. */
		if (n >= best) {
			best = n;
			dev = makedev(maj, min);
		}
	}
	fclose(f);
	return dev;
}

/*
 * What a record's exe_dev/exe_inode name: the kernel takes them from the
 * program's open file (its inode and the superblock that inode belongs
 * to), not from stat(). On a plain file system the two agree. On an
 * overlay, stat() of a non-directory may report a per-layer device of
 * the overlay's own making, while the kernel reports the overlay's
 * superblock: the device /proc/self/mountinfo shows for the mount.
 */
static void check_exe(const struct garlic_taskstats *s, const char *path)
{
	struct statfs fs;
	struct stat st;

	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(statfs(path, &fs), ==, 0);
	g_assert_cmpuint(s->exe_inode, ==, st.st_ino);
	if (fs.f_type == OVERLAYFS_SUPER_MAGIC) {
		g_test_message("%s is on an overlay: stat() says device %u:%u, "
			       "the kernel %u:%u", path, major(st.st_dev),
			       minor(st.st_dev), major(s->exe_dev), minor(s->exe_dev));
		g_assert_cmpuint(mount_dev(path), !=, 0);
		g_assert_cmpuint(s->exe_dev, ==, mount_dev(path));
	} else {
		g_assert_cmpuint(s->exe_dev, ==, st.st_dev);
	}
}

static void test_query(void)
{
	struct garlic_taskstats s;
	siginfo_t info;
	pid_t pid;
	int status;

	REQUIRE(query_skip);
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, (unsigned long)"ts-query-child", 0, 0, 0);
		for (;;)
			pause();
	}
	usleep(50000);
	g_assert_cmpint(garlic_taskstats_query_pid(pid, &s, sizeof(struct garlic_taskstats)), ==, 0);
	g_assert_cmpuint(s.scope, ==, GARLIC_TASKSTATS_TASK);
	g_assert_cmpuint(s.id, ==, (uint32_t)pid);
	g_assert_cmpuint(s.pid, ==, (uint32_t)pid);
	g_assert_cmpuint(s.tgid, ==, (uint32_t)pid);
	g_assert_cmpuint(s.ppid, ==, (uint32_t)getpid());
	g_assert_cmpuint(s.uid, ==, getuid());
	g_assert_cmpstr(s.comm, ==, "ts-query-child");
	g_assert_cmpuint(s.flags & GARLIC_TASKSTATS_FORK, !=, 0);
	/* Forked without exec: the program file is this test's. */
	if (s.version >= 12)
		check_exe(&s, "/proc/self/exe");
	g_assert_cmpint(garlic_taskstats_query_tgid(getpid(), &s, sizeof(struct garlic_taskstats)), ==, 0);
	g_assert_cmpuint(s.scope, ==, GARLIC_TASKSTATS_PROCESS);
	g_assert_cmpuint(s.id, ==, (uint32_t)getpid());
	g_assert_cmpuint(s.cpu_run_virtual_ns, >, 0);
	/* A zombie is still found; reaped, it is gone. */
	kill(pid, SIGKILL);
	g_assert_cmpint(waitid(P_PID, pid, &info, WEXITED | WNOWAIT), ==, 0);
	g_assert_cmpint(garlic_taskstats_query_pid(pid, &s, sizeof(struct garlic_taskstats)), ==, 0);
	g_assert_cmpuint(s.pid, ==, (uint32_t)pid);
	waitpid(pid, &status, 0);
	g_assert_cmpint(garlic_taskstats_query_pid(pid, &s, sizeof(struct garlic_taskstats)), ==, -ESRCH);
	g_assert_cmpint(garlic_taskstats_query_tgid(pid, &s, sizeof(struct garlic_taskstats)), ==, -ESRCH);
	g_assert_cmpint(garlic_taskstats_query_pid(0, &s, sizeof(struct garlic_taskstats)), ==, -EINVAL);
	g_assert_cmpint(garlic_taskstats_query_pid(-1, &s, sizeof(struct garlic_taskstats)), ==, -EINVAL);
	g_assert_cmpint(garlic_taskstats_query_pid(1, NULL, sizeof(struct garlic_taskstats)), ==, -EINVAL);
	/* size: less than GARLIC_1's struct is refused, *out untouched. */
	memset(&s, 0x5a, sizeof(s));
	g_assert_cmpint(garlic_taskstats_query_tgid(getpid(), &s, sizeof(s) - 8), ==, -EINVAL);
	g_assert_cmpint(garlic_taskstats_query_tgid(getpid(), &s, 0), ==, -EINVAL);
	g_assert_cmpuint(s.id, ==, 0x5a5a5a5a);
}

/*
 * A caller built against a later, longer struct: what this library has is
 * filled, the bytes past it are zeroed (fields it cannot know).
 */
static void test_query_size(void)
{
	struct {
		struct garlic_taskstats s;
		unsigned char later[64];
	} big;

	REQUIRE(query_skip);
	memset(&big, 0xa5, sizeof(big));
	g_assert_cmpint(garlic_taskstats_query_tgid(getpid(), &big.s, sizeof(big)), ==, 0);
	g_assert_cmpuint(big.s.id, ==, (uint32_t)getpid());
	g_assert_cmpuint(big.s.scope, ==, GARLIC_TASKSTATS_PROCESS);
	for (size_t i = 0; i < sizeof(big.later); i++)
		g_assert_cmpuint(big.later[i], ==, 0);
}

/*
 * A child burns ~50 ms of CPU and writes 1 MiB to a file in dir, synced;
 * its exit record must show both. Storage I/O (write_bytes) is counted
 * only where pages are dirtied for a block device: tmpfs counts 0.
 */
static void check_exit_stats(const char *dir)
{
	struct garlic_taskstats_listener *l;
	struct found f = { 0 };
	struct statfs fs;
	char *path = g_build_filename(dir, "garlic-taskstats-XXXXXX", NULL);
	bool no_storage, layered;
	int status, fd;

	REQUIRE(listen_skip);
	fd = g_mkstemp(path);
	g_assert_cmpint(fd, >=, 0);
	/* Nothing allocated lives across fork(), for valgrind's sake in the child. */
	unlink(path);
	g_free(path);
	g_assert_cmpint(fstatfs(fd, &fs), ==, 0);
	no_storage = fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC;
	/* On an overlay the upper layer's file system decides, unseen from here. */
	layered = fs.f_type == OVERLAYFS_SUPER_MAGIC;
	g_assert_cmpint(ts_open(&l, NULL, 0, on_stats, &f), ==, 0);
	f.pid = fork();
	g_assert_cmpint(f.pid, >=, 0);
	if (f.pid == 0) {
		static char mib[1 << 20];

		prctl(PR_SET_NAME, (unsigned long)"ts-exit-child", 0, 0, 0);
		memset(mib, 'g', sizeof(mib));
		burn(CLOCK_PROCESS_CPUTIME_ID, 50);
		if (write(fd, mib, sizeof(mib)) != sizeof(mib) || fsync(fd) < 0)
			_exit(1);
		_exit(7);
	}
	g_assert_cmpint(waitpid(f.pid, &status, 0), ==, f.pid);
	receive_until(l, seen_task, &f);
	close(fd);
	garlic_taskstats_close(l);
	g_assert_true(f.seen_task);
	g_test_message("%s (%s): version %u user %lu us system %lu us run %lu ns elapsed %lu us "
		       "rss %lu KiB write_chars %lu write_syscalls %lu write_bytes %lu "
		       "read_bytes %lu blkio delays %lu (%lu ns) cpu delays %lu",
		       dir, no_storage ? "no storage" : "storage", f.task.version,
		       (unsigned long)f.task.user_us, (unsigned long)f.task.system_us,
		       (unsigned long)f.task.cpu_run_virtual_ns,
		       (unsigned long)f.task.elapsed_us, (unsigned long)f.task.hiwater_rss_kib,
		       (unsigned long)f.task.write_chars, (unsigned long)f.task.write_syscalls,
		       (unsigned long)f.task.write_bytes, (unsigned long)f.task.read_bytes,
		       (unsigned long)f.task.blkio_delay_count,
		       (unsigned long)f.task.blkio_delay_ns,
		       (unsigned long)f.task.cpu_delay_count);
	g_assert_cmpuint(WIFEXITED(status) ? WEXITSTATUS(status) : 0, ==, 7);
	g_assert_cmpuint(f.task.exit_code, ==, (uint32_t)status);
	g_assert_cmpstr(f.task.comm, ==, "ts-exit-child");
	g_assert_cmpuint(f.task.pid, ==, (uint32_t)f.pid);
	g_assert_cmpuint(f.task.ppid, ==, (uint32_t)getpid());
	g_assert_cmpuint(f.task.flags, ==, GARLIC_TASKSTATS_FORK | GARLIC_TASKSTATS_GROUP);
	/* Tick-sampled times, and the scheduler's exact one. */
	g_assert_cmpuint(f.task.user_us + f.task.system_us, >=, 40000);
	g_assert_cmpuint(f.task.user_us + f.task.system_us, <, 5000000);
	g_assert_cmpuint(f.task.cpu_run_virtual_ns, >=, 50000000);
	g_assert_cmpuint(f.task.elapsed_us, >=, 50000);
	g_assert_cmpuint(f.task.write_chars, >=, 1 << 20);
	/* The kernel rounds these down to a multiple of 1024 (KB_MASK). */
	g_assert_cmpuint(f.task.write_chars % 1024, ==, 0);
	g_assert_cmpuint(f.task.write_syscalls % 1024, ==, 0);
	g_assert_cmpuint(f.task.hiwater_rss_kib, >=, 1024);
	if (layered)
		g_assert_true(f.task.write_bytes == 0 || f.task.write_bytes >= 1 << 20);
	else if (no_storage)
		g_assert_cmpuint(f.task.write_bytes, ==, 0);
	else
		g_assert_cmpuint(f.task.write_bytes, >=, 1 << 20);
	/* A process of one thread gets no process record. */
	g_assert_false(f.seen_process);
}

static void test_exit_stats_disk(void)
{
	check_exit_stats(g_get_tmp_dir());
}

static void test_exit_stats_tmpfs(void)
{
	struct statfs fs;

	if (statfs("/dev/shm", &fs) < 0 || fs.f_type != TMPFS_MAGIC) {
		g_test_skip("/dev/shm is not a tmpfs here");
		return;
	}
	check_exit_stats("/dev/shm");
}

static void *thread_burn(void *arg)
{
	burn(CLOCK_THREAD_CPUTIME_ID, 20);
	return NULL;
}

static void test_exit_stats_threads(void)
{
	struct garlic_taskstats_listener *l;
	struct found f = { 0 };
	int status;

	REQUIRE(listen_skip);
	g_assert_cmpint(ts_open(&l, NULL, 0, on_stats, &f), ==, 0);
	f.pid = fork();
	g_assert_cmpint(f.pid, >=, 0);
	if (f.pid == 0) {
		GThread *t[2];

		prctl(PR_SET_NAME, (unsigned long)"ts-threads", 0, 0, 0);
		for (int i = 0; i < 2; i++)
			t[i] = g_thread_new("burn", thread_burn, NULL);
		for (int i = 0; i < 2; i++)
			g_thread_join(t[i]);
		burn(CLOCK_THREAD_CPUTIME_ID, 30);
		_exit(4);
	}
	g_assert_cmpint(waitpid(f.pid, &status, 0), ==, f.pid);
	receive_until(l, seen_both, &f);
	garlic_taskstats_close(l);
	g_assert_true(f.seen_task);
	g_assert_true(f.seen_process);
	g_test_message("main thread: user %lu system %lu run %lu ns; process: user %lu "
		       "system %lu run %lu ns elapsed %lu us (summed)",
		       (unsigned long)f.task.user_us, (unsigned long)f.task.system_us,
		       (unsigned long)f.task.cpu_run_virtual_ns,
		       (unsigned long)f.process.user_us, (unsigned long)f.process.system_us,
		       (unsigned long)f.process.cpu_run_virtual_ns,
		       (unsigned long)f.process.elapsed_us);
	/* The main thread exited last: its record ends the process. */
	g_assert_cmpuint(f.task.exit_code, ==, (uint32_t)status);
	g_assert_cmpuint(f.task.flags & GARLIC_TASKSTATS_GROUP, !=, 0);
	g_assert_cmpuint(f.task.cpu_run_virtual_ns, >=, 30000000);
	/* The process's record sums all three threads: 70 ms of CPU. */
	g_assert_cmpuint(f.process.cpu_run_virtual_ns, >=, 70000000);
	g_assert_cmpuint(f.process.cpu_run_virtual_ns, >, f.task.cpu_run_virtual_ns);
	g_assert_cmpuint(f.process.user_us + f.process.system_us, >=,
			 f.task.user_us + f.task.system_us);
	g_assert_cmpuint(f.process.pid, ==, 0);
	g_assert_cmpstr(f.process.comm, ==, "");
}

struct live_pair {
	pid_t pid;
	bool seen, with_stats;
	struct garlic_event exit;
	struct garlic_taskstats stats;
	struct garlic_exit_joiner *joiner;
};

static int on_live_pair(const struct garlic_event *exit, const struct garlic_taskstats *stats,
			void *userdata)
{
	struct live_pair *p = userdata;

	if (exit->exit.process_pid != p->pid)
		return 0;
	p->seen = true;
	p->exit = *exit;
	p->with_stats = stats != NULL;
	if (stats)
		p->stats = *stats;
	return 0;
}

static int feed_event(const struct garlic_event *ev, void *userdata)
{
	struct live_pair *p = userdata;

	return garlic_exit_joiner_add_event(p->joiner, ev) < 0;
}

static int feed_stats(const struct garlic_taskstats *s, void *userdata)
{
	struct live_pair *p = userdata;

	return garlic_exit_joiner_add_stats(p->joiner, s) < 0;
}

static void test_joiner_live(void)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.events = GARLIC_EVENT_EXIT,
							.flags = GARLIC_OPEN_NONBLOCK);
	struct garlic_taskstats_listener *l;
	struct live_pair p = { 0 };
	struct garlic *g;
	int status, r;

	REQUIRE(listen_skip);
	REQUIRE(env_connector_missing());
	g_assert_cmpint(garlic_exit_joiner_new(&p.joiner, 200, on_live_pair, &p), ==, 0);
	r = garlic_open_opts(&g, &opts, feed_event, &p);
	g_assert_cmpint(r, ==, 0);
	g_assert_cmpint(ts_open(&l, NULL, GARLIC_OPEN_NONBLOCK, feed_stats, &p),
			==, 0);
	p.pid = fork();
	g_assert_cmpint(p.pid, >=, 0);
	if (p.pid == 0) {
		prctl(PR_SET_NAME, (unsigned long)"ts-pair-child", 0, 0, 0);
		burn(CLOCK_PROCESS_CPUTIME_ID, 10);
		_exit(3);
	}
	g_assert_cmpint(waitpid(p.pid, &status, 0), ==, p.pid);
	for (int i = 0; i < 100 && !p.seen; i++) {
		/* Each fd is readable exactly when its call has work. */
		struct pollfd fds[] = {
			{ .fd = garlic_taskstats_fd(l), .events = POLLIN },
			{ .fd = garlic_fd(g), .events = POLLIN },
			{ .fd = garlic_exit_joiner_fd(p.joiner), .events = POLLIN },
		};

		poll(fds, 3, 50);
		if (fds[0].revents & POLLIN)
			garlic_taskstats_receive(l);
		if (fds[1].revents & POLLIN)
			garlic_receive(g);
		if (fds[2].revents & POLLIN)
			garlic_exit_joiner_flush(p.joiner, 0);
	}
	garlic_exit_joiner_flush(p.joiner, 1);
	garlic_exit_joiner_free(p.joiner);
	garlic_taskstats_close(l);
	garlic_close(g);
	g_assert_true(p.seen);
	g_assert_true(p.with_stats);
	g_assert_cmpuint(p.exit.exit.exit_code, ==, (uint32_t)status);
	g_assert_cmpuint(p.stats.exit_code, ==, (uint32_t)status);
	g_assert_cmpuint(p.stats.pid, ==, (uint32_t)p.pid);
	g_assert_cmpstr(p.stats.comm, ==, "ts-pair-child");
}

static int close_from_callback(const struct garlic_taskstats *s, void *userdata)
{
	void **state = userdata;

	garlic_taskstats_close(state[0]);
	state[1] = GINT_TO_POINTER(GPOINTER_TO_INT(state[1]) + 1);
	return 0;
}

/* Receives again from inside the callback (refused), then closes the listener. */
static int reenter_then_close(const struct garlic_taskstats *s, void *userdata)
{
	void **state = userdata;

	state[1] = GINT_TO_POINTER(garlic_taskstats_receive(state[0]));
	garlic_taskstats_close(state[0]);
	return 0;
}

static int stop_at_once(const struct garlic_taskstats *s, void *userdata)
{
	(*(unsigned int *)userdata)++;
	return 1;
}

static void exit_children(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		g_assert_cmpint(pid, >=, 0);
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
}

static void wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	g_assert_cmpint(poll(&pfd, 1, 5000), ==, 1);
}

static void test_listener_callbacks(void)
{
	struct garlic_taskstats_listener *l;
	void *state[2] = { NULL, GINT_TO_POINTER(0) };
	unsigned int calls = 0;
	int r;

	REQUIRE(listen_skip);
	/* A callback may close its own listener: receive returns at once. */
	g_assert_cmpint(ts_open(&l, NULL, 0, close_from_callback, state), ==, 0);
	state[0] = l;
	exit_children(3);
	wait_readable(garlic_taskstats_fd(l));
	g_assert_cmpint(garlic_taskstats_receive(l), ==, 1);
	g_assert_cmpint(GPOINTER_TO_INT(state[1]), ==, 1);

	/* Nor may it receive from its own listener; closing it after that still waits. */
	state[1] = GINT_TO_POINTER(0);
	g_assert_cmpint(ts_open(&l, NULL, 0, reenter_then_close, state), ==, 0);
	state[0] = l;
	exit_children(3);
	wait_readable(garlic_taskstats_fd(l));
	g_assert_cmpint(garlic_taskstats_receive(l), ==, 1);
	g_assert_cmpint(GPOINTER_TO_INT(state[1]), ==, -EBUSY);

	/* Stopping ends the call after the message at hand (one or two records). */
	g_assert_cmpint(ts_open(&l, NULL, GARLIC_OPEN_NONBLOCK, stop_at_once,
						&calls), ==, 0);
	exit_children(3);
	wait_readable(garlic_taskstats_fd(l));
	r = garlic_taskstats_receive(l);
	g_assert_true(r == 1 || r == 2);
	g_assert_cmpuint(calls, ==, (unsigned int)r);
	/* The rest is still queued, and then the socket runs dry. */
	g_assert_cmpint(garlic_taskstats_receive(l), >, 0);
	for (int i = 0; i < 10000 && (r = garlic_taskstats_receive(l)) != -EAGAIN; i++)
		g_assert_true(r >= 0 || r == -ENOBUFS);
	g_assert_cmpint(r, ==, -EAGAIN);
	garlic_taskstats_close(l);
}

static void test_listener_overrun(void)
{
	struct garlic_taskstats_listener *l;
	struct found f = { 0 };
	int tiny = 1, overruns = 0, r;

	REQUIRE(listen_skip);
	g_assert_cmpint(ts_open(&l, NULL, GARLIC_OPEN_NONBLOCK, on_stats, &f),
			==, 0);
	/* The smallest buffer the kernel allows holds a record or two. */
	g_assert_cmpint(setsockopt(garlic_taskstats_socket_fd(l), SOL_SOCKET, SO_RCVBUFFORCE, &tiny,
				   sizeof(tiny)), ==, 0);
	exit_children(20);
	for (int i = 0; i < 1000 && (r = garlic_taskstats_receive(l)) != -EAGAIN; i++)
		overruns += r == -ENOBUFS;
	g_assert_cmpint(overruns, >=, 1);
	/* Listening goes on: with room again, the next child's record comes. */
	tiny = 8 << 20;
	g_assert_cmpint(setsockopt(garlic_taskstats_socket_fd(l), SOL_SOCKET, SO_RCVBUFFORCE, &tiny,
				   sizeof(tiny)), ==, 0);
	f.pid = fork();
	g_assert_cmpint(f.pid, >=, 0);
	if (f.pid == 0)
		_exit(0);
	waitpid(f.pid, NULL, 0);
	for (int i = 0; i < 50 && !f.seen_task; i++) {
		wait_readable(garlic_taskstats_fd(l));
		while ((r = garlic_taskstats_receive(l)) > 0 || r == -ENOBUFS)
			;
	}
	g_assert_true(f.seen_task);
	garlic_taskstats_close(l);
}

static int ignore_stats(const struct garlic_taskstats *s, void *userdata)
{
	return 0;
}

/* Runs fn in a child; its exit status is fn's return. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	g_assert_cmpint(pid, >=, 0);
	if (pid == 0)
		_exit(fn());
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int as_nobody(void)
{
	struct garlic_taskstats_listener *l;
	struct garlic_taskstats s;

	if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
		return 10;
	if (garlic_taskstats_query_pid(getpid(), &s, sizeof(struct garlic_taskstats)) != -EPERM)
		return 11;
	if (garlic_taskstats_query_tgid(getpid(), &s, sizeof(struct garlic_taskstats)) != -EPERM)
		return 12;
	if (ts_open(&l, NULL, 0, ignore_stats, NULL) != -EPERM)
		return 13;
	return 0;
}

static int in_new_netns(void)
{
	struct garlic_taskstats_listener *l;
	struct garlic_taskstats s;

	if (unshare(CLONE_NEWNET) < 0)
		return 10;
	/* Queries still work: the family exists in every namespace. */
	if (garlic_taskstats_query_pid(getpid(), &s, sizeof(struct garlic_taskstats)) != 0)
		return 11;
	if (ts_open(&l, NULL, 0, ignore_stats, NULL) != -ECONNREFUSED)
		return 12;
	return 0;
}

/* Registration from a non-initial pid namespace: the kernel says EINVAL. */
static int in_new_pidns(void)
{
	pid_t pid;
	int status;

	if (unshare(CLONE_NEWPID) < 0)
		return 10;
	pid = fork();
	if (pid < 0)
		return 11;
	if (pid == 0) {
		struct garlic_taskstats_listener *l;
		struct garlic_taskstats s;

		/* Queries work, with the namespace's own pids. */
		if (garlic_taskstats_query_pid(getpid(), &s, sizeof(struct garlic_taskstats)) != 0 || s.pid != 1)
			_exit(12);
		_exit(ts_open(&l, NULL, 0, ignore_stats, NULL) == -EINVAL ? 0 : 13);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 14;
	return WEXITSTATUS(status);
}

static void test_listener_errors(void)
{
	struct garlic_taskstats_listener *l = NULL;
	unsigned long kernel_max = 0;
	char *huge;
	FILE *f;
	int flags, r;

	g_assert_cmpint(ts_open(NULL, NULL, 0, ignore_stats, NULL), ==, -EINVAL);
	g_assert_cmpint(ts_open(&l, NULL, 0, NULL, NULL), ==, -EINVAL);
	g_assert_cmpint(ts_open(&l, "", 0, ignore_stats, NULL), ==, -EINVAL);
	g_assert_cmpint(ts_open(&l, NULL, 1u << 7, ignore_stats, NULL), ==, -EINVAL);
	g_assert_null(l);
	g_assert_cmpint(garlic_taskstats_fd(NULL), ==, -EINVAL);
	g_assert_cmpint(garlic_taskstats_receive(NULL), ==, -EINVAL);
	garlic_taskstats_close(NULL);
	/* The family, or a missing one (a kernel without CONFIG_TASKSTATS). */
	g_assert_cmpint(garlic_taskstats_resolve(TASKSTATS_GENL_NAME), >, 0);
	g_assert_cmpint(garlic_taskstats_resolve("GARLIC_NO_SUCH"), ==, -ENOENT);
	g_assert_cmpstr(garlic_strerror(-ENOENT), ==,
			"not found: no such kernel facility (taskstats needs CONFIG_TASKSTATS) or /proc file");

	REQUIRE(listen_skip);
	/* A CPU that is not possible here, one past any kernel's limit, no list. */
	r = ts_open(&l, "4095", 0, ignore_stats, NULL);
	g_assert_true(r == -EINVAL || r == -ERANGE);
	g_assert_cmpint(ts_open(&l, "1-0", 0, ignore_stats, NULL), ==, -EINVAL);
	g_assert_cmpint(ts_open(&l, "100000", 0, ignore_stats, NULL), ==, -ERANGE);
	g_assert_cmpint(ts_open(&l, "x-y", 0, ignore_stats, NULL), ==, -EINVAL);
	/* Longer than the kernel takes (100 + 6 * NR_CPUS), or than an attribute. */
	f = fopen("/sys/devices/system/cpu/kernel_max", "re");
	if (f && fscanf(f, "%lu", &kernel_max) == 1 && 100 + 6 * (kernel_max + 1) < 60000) {
		huge = g_strnfill(60000, '0');
		g_assert_cmpint(ts_open(&l, huge, 0, ignore_stats, NULL), ==,
				-E2BIG);
		g_free(huge);
	}
	if (f)
		fclose(f);
	huge = g_strnfill(200000, '0');
	g_assert_cmpint(ts_open(&l, huge, 0, ignore_stats, NULL), ==, -E2BIG);
	g_free(huge);
	g_assert_null(l);
	/* One CPU works, and the fd is close-on-exec. */
	g_assert_cmpint(ts_open(&l, "0", 0, ignore_stats, NULL), ==, 0);
	flags = fcntl(garlic_taskstats_fd(l), F_GETFD);
	g_assert_cmpint(flags & FD_CLOEXEC, !=, 0);
	g_assert_cmpint(fcntl(garlic_taskstats_fd(l), F_GETFL) & O_NONBLOCK, ==, 0);
	garlic_taskstats_close(l);
	/* CAP_NET_ADMIN is required; another network namespace hears nothing. */
	g_assert_cmpint(in_child(as_nobody), ==, 0);
	g_assert_cmpint(in_child(in_new_netns), ==, 0);
	g_assert_cmpint(in_child(in_new_pidns), ==, 0);
}

/*
 * exe_dev/exe_inode of programs run from a plain tmpfs and from an
 * overlay of two tmpfs (a file of the lower layer and one written
 * through the overlay, i.e. in the upper layer), in a mount namespace of
 * a child's own. Returns 0 or the step that failed.
 */
static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n = 0;
	int in, out;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	close(in);
	close(out);
	return n < 0 ? -1 : 0;
}

/* Runs path ("sleep 10") and checks its record; 0 or non-zero. */
static int exe_of(const char *path, bool overlay)
{
	struct garlic_taskstats s;
	struct statfs fs;
	struct stat st;
	int r, tries;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		execl(path, "sleep", "10", (char *)NULL);
		_exit(127);
	}
	/* Until the exec is done: the record then names the new program. */
	for (tries = 0; tries < 500; tries++) {
		r = garlic_taskstats_query_pid(pid, &s, sizeof(s));
		if (r < 0 || s.exe_inode != 0)
			break;
		usleep(10000);
	}
	for (; r == 0 && tries < 500; tries++) {
		char comm[16] = "";
		char file[64];
		FILE *f;

		snprintf(file, sizeof(file), "/proc/%d/comm", (int)pid);
		f = fopen(file, "re");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		if (strncmp(comm, "sleep", 5) == 0)
			break;
		usleep(10000);
	}
	if (r == 0)
		r = garlic_taskstats_query_pid(pid, &s, sizeof(s));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (r < 0 || stat(path, &st) < 0 || statfs(path, &fs) < 0)
		return 2;
	if ((fs.f_type == OVERLAYFS_SUPER_MAGIC) != overlay)
		return 3;
	if (s.version < 12)
		return 0;
	if (s.exe_inode != st.st_ino)
		return 4;
	if (s.exe_dev != (overlay ? mount_dev(path) : st.st_dev))
		return 5;
	return 0;
}

static int overlay_child(void)
{
	char dir[] = "/tmp/garlic-overlay-XXXXXX";
	char lower[64], upper[64], merged[64], file[256];
	int r;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return 20;
	if (!mkdtemp(dir))
		return 21;
	snprintf(lower, sizeof(lower), "%s/lower", dir);
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	snprintf(merged, sizeof(merged), "%s/merged", dir);
	if (mkdir(lower, 0755) < 0 || mkdir(upper, 0755) < 0 || mkdir(merged, 0755) < 0)
		return 22;
	if (mount("lower", lower, "tmpfs", 0, "mode=0755") < 0 ||
	    mount("upper", upper, "tmpfs", 0, "mode=0755") < 0)
		return 23;
	snprintf(file, sizeof(file), "%s/up", upper);
	if (mkdir(file, 0755) < 0)
		return 24;
	snprintf(file, sizeof(file), "%s/work", upper);
	if (mkdir(file, 0755) < 0)
		return 24;
	snprintf(file, sizeof(file), "%s/sleep", lower);
	if (copy_file("/bin/sleep", file) < 0)
		return 25;
	/* A plain tmpfs: the kernel and stat() agree. */
	r = exe_of(file, false);
	if (r)
		return 30 + r;
	snprintf(file, sizeof(file), "lowerdir=%s,upperdir=%s/up,workdir=%s/work",
		 lower, upper, upper);
	if (mount("overlay", merged, "overlay", 0, file) < 0)
		return errno == ENODEV ? 77 : 26;
	/* A lower-layer file, then one written through the overlay (upper). */
	snprintf(file, sizeof(file), "%s/sleep", merged);
	r = exe_of(file, true);
	if (r)
		return 40 + r;
	snprintf(file, sizeof(file), "%s/sleep-upper", merged);
	if (copy_file("/bin/sleep", file) < 0)
		return 27;
	r = exe_of(file, true);
	if (r)
		return 50 + r;
	umount2(merged, MNT_DETACH);
	umount2(lower, MNT_DETACH);
	umount2(upper, MNT_DETACH);
	rmdir(merged);
	rmdir(lower);
	rmdir(upper);
	rmdir(dir);
	return 0;
}

static void test_exe_overlay(void)
{
	int r;

	REQUIRE(query_skip);
	if (geteuid() != 0) {
		g_test_skip("mounting an overlay needs root");
		return;
	}
	r = in_child(overlay_child);
	/* mount(2) said ENODEV: no overlay file system in this kernel. */
	if (r == 77) {
		g_test_skip("this kernel has no overlayfs");
		return;
	}
	g_assert_cmpint(r, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	query_skip = env_taskstats_query_missing();
	listen_skip = env_taskstats_listen_missing();
	g_test_add_func("/taskstats/query", test_query);
	g_test_add_func("/taskstats/query-size", test_query_size);
	g_test_add_func("/taskstats/exe-overlay", test_exe_overlay);
	g_test_add_func("/taskstats/exit-stats/disk", test_exit_stats_disk);
	g_test_add_func("/taskstats/exit-stats/tmpfs", test_exit_stats_tmpfs);
	g_test_add_func("/taskstats/exit-stats/threads", test_exit_stats_threads);
	g_test_add_func("/taskstats/joiner-live", test_joiner_live);
	g_test_add_func("/taskstats/listener/callbacks", test_listener_callbacks);
	g_test_add_func("/taskstats/listener/overrun", test_listener_overrun);
	g_test_add_func("/taskstats/listener/errors", test_listener_errors);
	return g_test_run();
}
