// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Process snapshots, live: children (this program run again as a
 * "sleeper", set up by its environment) with odd argvs, another working
 * directory, other ids, in a zombie state, in a new pid namespace or a
 * named cgroup; a kernel thread; a reaped pid; a reused pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <linux/prctl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <glib.h>

#include "garlic-private.h"
#include "process-private.h"

#define SLEEPER_READY_FD 3
#define NOBODY 65534

/* This program, for the sleepers. */
static char self_exe[PATH_MAX];
static const char *root_skip;

#define REQUIRE(reason)                                                       \
	do {                                                                  \
		if (reason) {                                                 \
			g_test_skip(reason);                                  \
			return;                                               \
		}                                                             \
	} while (0)

/* --- the sleeper: this program run again with GARLIC_SLEEPER set --- */

/* What a sleeper with GARLIC_SLEEPER_PROBE read, as another user. */
struct probe_result {
	int rc;
	uint8_t argv_state, exe_state, cwd_state, ids_state, stat_state;
	int exe_error, cwd_error;
	unsigned int argc;
	/* of kthreadd (pid 2) */
	int kthread_rc;
	uint8_t kthread_exe_state, kthread_cwd_state;
};

static pid_t own_pid(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return (pid_t)atoi(buf);
}

/*
 * Empties our cmdline: arg_end = arg_start. PR_SET_MM_MAP needs no
 * CAP_SYS_RESOURCE (PR_SET_MM_ARG_END does), but takes the whole map,
 * which /proc/self/stat gives (fields 26-28 and 45-51).
 */
static int empty_cmdline(void)
{
	unsigned long long v[52] = { 0 };
	struct prctl_mm_map map = { .exe_fd = (uint32_t)-1 };
	FILE *f = fopen("/proc/self/stat", "re");
	char line[1024], *p;
	int k;

	if (!f || !fgets(line, sizeof(line), f))
		return -1;
	fclose(f);
	p = strrchr(line, ')');
	if (!p)
		return -1;
	p += 4; /* ") S " */
	for (k = 4; k <= 51 && *p; k++)
		v[k] = strtoull(p, &p, 10);
	if (k <= 51)
		return -1;
	map.start_code = v[26];
	map.end_code = v[27];
	map.start_stack = v[28];
	map.start_data = v[45];
	map.end_data = v[46];
	map.start_brk = v[47];
	map.brk = (uint64_t)(uintptr_t)sbrk(0);
	map.arg_start = v[48];
	map.arg_end = v[48];
	map.env_start = v[50];
	map.env_end = v[51];
	return prctl(PR_SET_MM, PR_SET_MM_MAP, &map, sizeof(map), 0);
}

static int sleeper(int argc, char **argv)
{
	const char *s;
	pid_t pid;

	/* Under unshare(1), whose own death signal does not reach us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getenv("GARLIC_SLEEPER_EXEC_EMPTY")) {
		char *none[] = { NULL };
		char *envp[] = { (char *)"GARLIC_SLEEPER=1", NULL };

		execve("/proc/self/exe", none, envp);
		_exit(9);
	}
	if ((s = getenv("GARLIC_SLEEPER_COMM")) && prctl(PR_SET_NAME, s) < 0)
		_exit(10);
	if ((s = getenv("GARLIC_SLEEPER_CWD")) && chdir(s) < 0)
		_exit(2);
	if ((s = getenv("GARLIC_SLEEPER_IDS"))) {
		unsigned int ruid, euid, rgid, egid;

		if (sscanf(s, "%u %u %u %u", &ruid, &euid, &rgid, &egid) != 4 ||
		    setresgid(rgid, egid, egid) < 0 || setresuid(ruid, euid, euid) < 0)
			_exit(3);
	}
	if (getenv("GARLIC_SLEEPER_TITLE") && argc > 0) {
		/* setproctitle(): a new first string, the old NUL at the end gone. */
		char *start = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
		const char *title = getenv("GARLIC_SLEEPER_TITLE");

		if ((size_t)(end - start) < strlen(title) + 2)
			_exit(4);
		memset(start, 'x', (size_t)(end - start));
		memcpy(start, title, strlen(title) + 1);
	}
	if (getenv("GARLIC_SLEEPER_EMPTY") && empty_cmdline() < 0)
		_exit(5);
	if ((s = getenv("GARLIC_SLEEPER_PROBE"))) {
		struct probe_result res = { 0 };
		struct garlic_process *p = NULL;

		if (setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(6);
		res.rc = garlic_process_read(&p, (pid_t)atoi(s), GARLIC_PROCESS_ALL, 0);
		if (!res.rc) {
			res.argv_state = p->argv_state;
			res.exe_state = p->exe_state;
			res.cwd_state = p->cwd_state;
			res.ids_state = p->ids_state;
			res.stat_state = p->stat_state;
			res.exe_error = p->exe_error;
			res.cwd_error = p->cwd_error;
			res.argc = p->argc;
			garlic_process_free(p);
		}
		res.kthread_rc = garlic_process_read(&p, 2, GARLIC_PROCESS_ALL, 0);
		if (!res.kthread_rc) {
			res.kthread_exe_state = p->exe_state;
			res.kthread_cwd_state = p->cwd_state;
			garlic_process_free(p);
		}
		if (write(SLEEPER_READY_FD, &res, sizeof(res)) != sizeof(res))
			_exit(7);
		_exit(0);
	}
	/* Our pid in /proc's namespace, even when we are pid 1 of another. */
	pid = own_pid();
	if (write(SLEEPER_READY_FD, &pid, sizeof(pid)) != sizeof(pid))
		_exit(8);
	close(SLEEPER_READY_FD);
	for (;;)
		pause();
}

/* --- spawning sleepers --- */

struct child {
	pid_t pid;  /* what the sleeper said: the pid to snapshot */
	pid_t fork; /* our child (differs under unshare -fp) */
	int ready;  /* read end of the sleeper's pipe */
};

/*
 * Runs path with argv and the environment GARLIC_SLEEPER=1 plus env, and
 * waits until it has set itself up. With report_size 0 it waits for the
 * sleeper's pid; otherwise it reads report_size bytes into report. With
 * pidfd, the child comes from clone(CLONE_PIDFD) and *pidfd is its pidfd:
 * valgrind 3.19 has no pidfd_open(), but passes this through.
 */
static bool spawn_full_pidfd(struct child *c, const char *path, char *const argv[],
			     const char *const env[], void *report, size_t report_size,
			     int *pidfd)
{
	char *envp[16];
	unsigned int n = 0;
	int fds[2];
	struct pollfd pfd;
	size_t want = report_size ? report_size : sizeof(pid_t);
	char got[256];
	size_t have = 0;

	envp[n++] = (char *)"GARLIC_SLEEPER=1";
	for (; env && *env; env++) {
		g_assert_cmpuint(n, <, G_N_ELEMENTS(envp) - 1);
		envp[n++] = (char *)*env;
	}
	envp[n] = NULL;
	g_assert_cmpuint(want, <=, sizeof(got));
	g_assert_cmpint(pipe2(fds, O_CLOEXEC), ==, 0);
	c->fork = pidfd ? (pid_t)syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, pidfd, 0, 0)
		      : fork();
	g_assert_cmpint(c->fork, >=, 0);
	if (c->fork == 0) {
		/* No sleeper outlives a test that failed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fds[1] == SLEEPER_READY_FD)
			fcntl(fds[1], F_SETFD, 0);
		else if (dup2(fds[1], SLEEPER_READY_FD) < 0)
			_exit(126);
		execve(path, argv, envp);
		_exit(127);
	}
	close(fds[1]);
	c->ready = fds[0];
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (have < want) {
		ssize_t r;

		if (poll(&pfd, 1, 10000) != 1)
			break;
		r = read(fds[0], got + have, want - have);
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	if (have < want) {
		int status;

		kill(c->fork, SIGKILL);
		waitpid(c->fork, &status, 0);
		close(c->ready);
		return false;
	}
	if (report_size) {
		memcpy(report, got, report_size);
		c->pid = 0;
	} else {
		memcpy(&c->pid, got, sizeof(pid_t));
	}
	return true;
}

static bool spawn_full(struct child *c, const char *path, char *const argv[],
		       const char *const env[], void *report, size_t report_size)
{
	return spawn_full_pidfd(c, path, argv, env, report, report_size, NULL);
}

static struct child spawn(char *const argv[], const char *const env[])
{
	struct child c;

	g_assert_true(spawn_full(&c, self_exe, argv, env, NULL, 0));
	return c;
}

static struct child spawn_plain(void)
{
	char *argv[] = { (char *)"garlic-sleeper", NULL };

	return spawn(argv, NULL);
}

static void reap(struct child *c)
{
	int status;

	kill(c->fork, SIGKILL);
	g_assert_cmpint(waitpid(c->fork, &status, 0), ==, c->fork);
	close(c->ready);
}

static struct garlic_process *snap(pid_t pid, uint32_t fields, size_t argv_max)
{
	struct garlic_process *p = NULL;

	g_assert_cmpint(garlic_process_read(&p, pid, fields, argv_max), ==, 0);
	g_assert_nonnull(p);
	g_assert_cmpint(p->pid, ==, pid);
	g_assert_cmpuint(p->fields, ==, fields);
	return p;
}

/* A file of /proc/PID as the test reads it, independently of the library. */
static char *proc_file(pid_t pid, const char *name, gsize *len)
{
	char path[64], *data = NULL;
	GError *error = NULL;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	g_assert_true(g_file_get_contents(path, &data, len, &error));
	return data;
}

/* Field k (1-based, as proc(5) counts) of /proc/PID/stat. */
static unsigned long long stat_field(pid_t pid, int k)
{
	char *s = proc_file(pid, "stat", NULL), *p = strrchr(s, ')');
	unsigned long long v = 0;

	g_assert_nonnull(p);
	p += 2;
	for (int field = 3; field < k; field++) {
		p = strchr(p, ' ');
		g_assert_nonnull(p);
		p++;
	}
	v = strtoull(p, NULL, 10);
	g_free(s);
	return v;
}

/* Waits until a sleeper that said it is ready is in pause(). */
static void wait_sleeping(pid_t pid)
{
	for (int i = 0; i < 5000; i++) {
		char *s = proc_file(pid, "stat", NULL), state = strrchr(s, ')')[2];

		g_free(s);
		if (state == 'S')
			return;
		g_usleep(1000);
	}
	g_assert_not_reached();
}

/* --- argv --- */

static void check_argv(const struct garlic_process *p, char *const argv[])
{
	GByteArray *want = g_byte_array_new();
	unsigned int argc = 0;

	for (; argv[argc]; argc++)
		g_byte_array_append(want, (const guint8 *)argv[argc], strlen(argv[argc]) + 1);
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpint(p->argv_error, ==, 0);
	g_assert_false(p->argv_truncated);
	g_assert_cmpuint(p->argc, ==, argc);
	g_assert_cmpmem(p->argv, p->argv_len, want->data, want->len);
	g_assert_cmpint(p->argv[p->argv_len], ==, '\0');
	g_byte_array_unref(want);
}

static void test_argv_odd(void)
{
	char *argv[] = { (char *)"garlic-sleeper", (char *)"", (char *)"a b",
			 (char *)"x\ny", (char *)"\xff\xfe", (char *)"", NULL };
	struct child c = spawn(argv, NULL);
	struct garlic_process *p = snap(c.pid, GARLIC_PROCESS_ARGV, 0);
	size_t at = 0;

	check_argv(p, argv);
	g_assert_cmpuint(p->argv_len, ==, 15 + 1 + 4 + 4 + 3 + 1);
	/* Walking the arguments by their NULs gives them back. */
	for (unsigned int i = 0; i < p->argc; i++) {
		g_assert_cmpstr(p->argv + at, ==, argv[i]);
		at += strlen(p->argv + at) + 1;
	}
	g_assert_cmpuint(at, ==, p->argv_len);
	garlic_process_free(p);
	reap(&c);
}

/* 64 arguments of 1 KiB: 64 KiB and more, whole with the default. */
static char **big_argv(void)
{
	char **argv = g_new0(char *, 66);

	argv[0] = g_strdup("garlic-sleeper");
	for (int i = 1; i <= 64; i++) {
		argv[i] = g_malloc(1024);
		memset(argv[i], 'a' + i % 26, 1023);
		argv[i][1023] = '\0';
	}
	return argv;
}

static void test_argv_big(void)
{
	char **argv = big_argv();
	struct child c = spawn(argv, NULL);
	struct garlic_process *p = snap(c.pid, GARLIC_PROCESS_ALL, 0);

	g_assert_cmpuint(p->argv_len, ==, 15 + 64 * 1024);
	check_argv(p, argv);
	garlic_process_free(p);

	/* Cut at 100 bytes: exactly those, then a NUL of the library's. */
	p = snap(c.pid, GARLIC_PROCESS_ARGV, 100);
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_OK);
	g_assert_true(p->argv_truncated);
	g_assert_cmpuint(p->argv_len, ==, 100);
	g_assert_cmpuint(p->argc, ==, 2);
	g_assert_cmpmem(p->argv, 15, "garlic-sleeper", 15);
	g_assert_cmpmem(p->argv + 15, 85, argv[1], 85);
	g_assert_cmpint(p->argv[100], ==, '\0');
	garlic_process_free(p);

	/* Cut just after a NUL: the arguments before it are whole. */
	p = snap(c.pid, GARLIC_PROCESS_ARGV, 15);
	g_assert_true(p->argv_truncated);
	g_assert_cmpuint(p->argv_len, ==, 15);
	g_assert_cmpuint(p->argc, ==, 1);
	g_assert_cmpstr(p->argv, ==, "garlic-sleeper");
	garlic_process_free(p);

	/* As long as the argv: not cut. */
	p = snap(c.pid, GARLIC_PROCESS_ARGV, 15 + 64 * 1024);
	g_assert_false(p->argv_truncated);
	g_assert_cmpuint(p->argc, ==, 65);
	garlic_process_free(p);
	reap(&c);
	g_strfreev(argv);
}

/*
 * execve() with no argument at all: Linux >= 5.18 makes it { "" }. A
 * sleeper does the execve(), so that no checker running this program
 * complains about the empty argv.
 */
static void test_argv_empty_exec(void)
{
	const char *env[] = { "GARLIC_SLEEPER_EXEC_EMPTY=1", NULL };
	struct child c = spawn((char *[]){ (char *)"garlic-sleeper", NULL }, env);
	struct garlic_process *p = snap(c.pid, GARLIC_PROCESS_ARGV, 0);

	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->argc, ==, 1);
	g_assert_cmpuint(p->argv_len, ==, 1);
	g_assert_cmpint(p->argv[0], ==, '\0');
	garlic_process_free(p);
	reap(&c);
}

/* The process rewrites its argv: what it wrote is what is read. */
static void test_argv_rewritten(void)
{
	char *argv[] = { (char *)"garlic-sleeper", (char *)"--long-enough", NULL };
	const char *env[] = { "GARLIC_SLEEPER_TITLE=cron -f", NULL };
	struct child c = spawn(argv, env);
	struct garlic_process *p = snap(c.pid, GARLIC_PROCESS_ARGV | GARLIC_PROCESS_EXE, 0);

	/* The kernel gives one string when the last NUL was overwritten. */
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->argc, ==, 1);
	g_assert_cmpmem(p->argv, p->argv_len, "cron -f", 8);
	/* exe still says what runs. */
	g_assert_cmpstr(p->exe, ==, self_exe);
	garlic_process_free(p);
	reap(&c);
}

/* A live process that emptied its cmdline: argc 0, and it is OK. */
static void test_argv_emptied(void)
{
	const char *env[] = { "GARLIC_SLEEPER_EMPTY=1", NULL };
	char *argv[] = { (char *)"garlic-sleeper", NULL };
	struct garlic_process *p;
	struct child c;

	g_assert_true(spawn_full(&c, self_exe, argv, env, NULL, 0));
	p = snap(c.pid, GARLIC_PROCESS_ARGV, 0);
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->argc, ==, 0);
	g_assert_cmpuint(p->argv_len, ==, 0);
	g_assert_nonnull(p->argv);
	g_assert_cmpint(p->argv[0], ==, '\0');
	garlic_process_free(p);
	reap(&c);
}

/* --- exe, cwd, ids, stat --- */

static void test_exe_cwd(void)
{
	char dir[] = "/tmp/garlic-process-XXXXXX";
	char *env_cwd, *deleted;
	const char *env[2];
	struct child c;
	struct garlic_process *p;

	g_assert_nonnull(mkdtemp(dir));
	env_cwd = g_strdup_printf("GARLIC_SLEEPER_CWD=%s", dir);
	env[0] = env_cwd;
	env[1] = NULL;
	c = spawn((char *[]){ (char *)"garlic-sleeper", NULL }, env);
	p = snap(c.pid, GARLIC_PROCESS_EXE | GARLIC_PROCESS_CWD, 0);
	g_assert_cmpuint(p->exe_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpstr(p->exe, ==, self_exe);
	g_assert_cmpuint(p->cwd_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpstr(p->cwd, ==, dir);
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_NOT_ASKED);
	garlic_process_free(p);

	/* The directory removed under it: the kernel says so. */
	g_assert_cmpint(rmdir(dir), ==, 0);
	p = snap(c.pid, GARLIC_PROCESS_CWD, 0);
	deleted = g_strdup_printf("%s (deleted)", dir);
	g_assert_cmpstr(p->cwd, ==, deleted);
	garlic_process_free(p);
	reap(&c);
	g_free(deleted);
	g_free(env_cwd);
}

static void test_ids(void)
{
	const char *env[] = { "GARLIC_SLEEPER_IDS=1001 1002 2001 2002", NULL };
	struct child c;
	struct garlic_process *p;

	REQUIRE(root_skip);
	c = spawn((char *[]){ (char *)"garlic-sleeper", NULL }, env);
	p = snap(c.pid, GARLIC_PROCESS_IDS, 0);
	g_assert_cmpuint(p->ids_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->ruid, ==, 1001);
	g_assert_cmpuint(p->euid, ==, 1002);
	g_assert_cmpuint(p->rgid, ==, 2001);
	g_assert_cmpuint(p->egid, ==, 2002);
	garlic_process_free(p);
	/*
	 * With NSpid the ids come from status, alone from a pidfd where
	 * the kernel gives them (6.13): both ways say the same.
	 */
	p = snap(c.pid, GARLIC_PROCESS_IDS | GARLIC_PROCESS_NSPID, 0);
	g_assert_cmpuint(p->ids_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->ruid, ==, 1001);
	g_assert_cmpuint(p->euid, ==, 1002);
	g_assert_cmpuint(p->rgid, ==, 2001);
	g_assert_cmpuint(p->egid, ==, 2002);
	garlic_process_free(p);
	reap(&c);
	/* Reaped: gone, not the ids of whatever has the number now. */
	g_assert_cmpint(garlic_process_read(&p, c.pid, GARLIC_PROCESS_IDS, 0), ==, -ESRCH);
}

static void test_stat(void)
{
	struct child a = spawn_plain(), b;
	struct garlic_process *pa, *pb;
	struct timespec now;
	uint64_t now_ns;

	/* Start times are in ticks (10 ms): leave two between the children. */
	g_usleep(30000);
	b = spawn_plain();
	wait_sleeping(a.pid);
	pa = snap(a.pid, GARLIC_PROCESS_STAT, 0);
	pb = snap(b.pid, GARLIC_PROCESS_STAT, 0);
	g_assert_cmpuint(pa->stat_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(pa->start_ticks, ==, stat_field(a.pid, 22));
	g_assert_cmpuint(pb->start_ticks, ==, stat_field(b.pid, 22));
	g_assert_cmpuint(pa->start_ticks, <, pb->start_ticks);
	g_assert_cmpuint(pa->start_boottime_ns, ==,
			 pa->start_ticks * (1000000000 / sysconf(_SC_CLK_TCK)));
	clock_gettime(CLOCK_BOOTTIME, &now);
	now_ns = (uint64_t)now.tv_sec * 1000000000 + (uint64_t)now.tv_nsec;
	g_assert_cmpuint(pb->start_boottime_ns, <=, now_ns);
	g_assert_cmpuint(pb->start_boottime_ns, >, now_ns - 10 * (uint64_t)1000000000);
	g_assert_cmpint(pa->ppid, ==, getpid());
	g_assert_cmpint(pa->state, ==, 'S');
	/* comm: the first 15 bytes of the exec'd file's name. */
	g_assert_cmpint(strlen(pa->comm), ==, MIN(strlen(strrchr(self_exe, '/') + 1), 15));
	g_assert_true(g_str_has_prefix(strrchr(self_exe, '/') + 1, pa->comm));
	g_assert_null(pa->argv);
	g_assert_cmpuint(pa->argv_state, ==, GARLIC_PROCESS_NOT_ASKED);
	garlic_process_free(pa);
	garlic_process_free(pb);
	reap(&a);
	reap(&b);
}

/* comm may hold ") (" and digits: stat's comm ends at its last ')'. */
static void test_comm(void)
{
	const char *env[] = { "GARLIC_SLEEPER_COMM=a) R 1 (b) 2", NULL };
	struct child c = spawn((char *[]){ (char *)"garlic-sleeper", NULL }, env);
	struct garlic_process *p;

	wait_sleeping(c.pid);
	p = snap(c.pid, GARLIC_PROCESS_STAT, 0);
	g_assert_cmpstr(p->comm, ==, "a) R 1 (b) 2");
	g_assert_cmpint(p->state, ==, 'S');
	g_assert_cmpint(p->ppid, ==, getpid());
	g_assert_cmpuint(p->start_ticks, ==, stat_field(c.pid, 22));
	g_assert_cmpuint(p->comm_state, ==, GARLIC_PROCESS_NOT_ASKED);
	garlic_process_free(p);
	/* Alone, from /proc/PID/comm: the same name, and nothing of stat. */
	p = snap(c.pid, GARLIC_PROCESS_COMM, 0);
	g_assert_cmpuint(p->comm_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpstr(p->comm, ==, "a) R 1 (b) 2");
	g_assert_cmpuint(p->stat_state, ==, GARLIC_PROCESS_NOT_ASKED);
	g_assert_cmpuint(p->start_ticks, ==, 0);
	garlic_process_free(p);
	/* With stat asked too, stat's is taken: one read, the same name. */
	p = snap(c.pid, GARLIC_PROCESS_COMM | GARLIC_PROCESS_STAT, 0);
	g_assert_cmpuint(p->comm_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpstr(p->comm, ==, "a) R 1 (b) 2");
	garlic_process_free(p);
	reap(&c);
}

/* A name of 15 bytes (the most) ending in a newline keeps it. */
static void test_comm_newline(void)
{
	const char *env[] = { "GARLIC_SLEEPER_COMM=fourteen-bytes\n", NULL };
	struct child c = spawn((char *[]){ (char *)"garlic-sleeper", NULL }, env);
	struct garlic_process *p;

	wait_sleeping(c.pid);
	p = snap(c.pid, GARLIC_PROCESS_COMM, 0);
	g_assert_cmpuint(p->comm_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpstr(p->comm, ==, "fourteen-bytes\n");
	garlic_process_free(p);
	reap(&c);
}

/* Only what was asked is there; the rest is NOT_ASKED and empty. */
static void test_fields_mask(void)
{
	struct child c = spawn_plain();
	struct garlic_process *p = snap(c.pid, GARLIC_PROCESS_ARGV, 0);

	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->exe_state, ==, GARLIC_PROCESS_NOT_ASKED);
	g_assert_cmpuint(p->cwd_state, ==, GARLIC_PROCESS_NOT_ASKED);
	g_assert_cmpuint(p->ids_state, ==, GARLIC_PROCESS_NOT_ASKED);
	g_assert_cmpuint(p->stat_state, ==, GARLIC_PROCESS_NOT_ASKED);
	g_assert_cmpuint(p->cgroup_state, ==, GARLIC_PROCESS_NOT_ASKED);
	g_assert_cmpuint(p->nspid_state, ==, GARLIC_PROCESS_NOT_ASKED);
	g_assert_cmpuint(p->comm_state, ==, GARLIC_PROCESS_NOT_ASKED);
	g_assert_null(p->exe);
	g_assert_null(p->cwd);
	g_assert_null(p->cgroup);
	g_assert_cmpint(p->comm[0], ==, '\0');
	g_assert_cmpuint(p->start_ticks, ==, 0);
	g_assert_cmpint(p->ns_pid, ==, 0);
	garlic_process_free(p);

	/* 0: only whether the pid is there. */
	p = snap(c.pid, 0, 0);
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_NOT_ASKED);
	g_assert_null(p->argv);
	garlic_process_free(p);

	/* Everything, and what the test reads itself agrees. */
	p = snap(c.pid, GARLIC_PROCESS_ALL, 0);
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpstr(p->argv, ==, "garlic-sleeper");
	g_assert_cmpuint(p->exe_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->cwd_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->ids_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->ruid, ==, getuid());
	g_assert_cmpuint(p->egid, ==, getegid());
	g_assert_cmpuint(p->stat_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->nspid_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpint(p->ns_pid, ==, c.pid);
	g_assert_cmpuint(p->ns_level, ==, 0);
	garlic_process_free(p);
	reap(&c);
}

static void test_invalid(void)
{
	struct garlic_process *p = (struct garlic_process *)&p;

	g_assert_cmpint(garlic_process_read(NULL, getpid(), 0, 0), ==, -EINVAL);
	g_assert_cmpint(garlic_process_read(&p, 0, 0, 0), ==, -EINVAL);
	g_assert_cmpint(garlic_process_read(&p, -1, 0, 0), ==, -EINVAL);
	g_assert_cmpint(garlic_process_read(&p, getpid(), GARLIC_PROCESS_ALL + 1, 0), ==,
			-EINVAL);
	g_assert_true(p == (struct garlic_process *)&p);
	garlic_process_free(NULL);
}

/* --- zombies, kernel threads, gone pids --- */

static void test_zombie(void)
{
	struct child c = spawn_plain();
	struct garlic_process *p;
	siginfo_t si;

	kill(c.pid, SIGKILL);
	/* Wait until it is a zombie, without reaping it. */
	g_assert_cmpint(waitid(P_PID, (id_t)c.pid, &si, WEXITED | WNOWAIT), ==, 0);
	p = snap(c.pid, GARLIC_PROCESS_ALL, 0);
	g_assert_cmpuint(p->stat_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpint(p->state, ==, 'Z');
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_ZOMBIE);
	g_assert_cmpuint(p->exe_state, ==, GARLIC_PROCESS_ZOMBIE);
	g_assert_cmpuint(p->cwd_state, ==, GARLIC_PROCESS_ZOMBIE);
	g_assert_null(p->argv);
	g_assert_null(p->exe);
	g_assert_null(p->cwd);
	/* What the kernel keeps until the reaping is still there. */
	g_assert_cmpuint(p->ids_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->nspid_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->start_ticks, ==, stat_field(c.pid, 22));
	garlic_process_free(p);

	/* Each field alone says the same, without stat having been asked. */
	p = snap(c.pid, GARLIC_PROCESS_ARGV, 0);
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_ZOMBIE);
	g_assert_cmpuint(p->stat_state, ==, GARLIC_PROCESS_NOT_ASKED);
	garlic_process_free(p);
	p = snap(c.pid, GARLIC_PROCESS_EXE, 0);
	g_assert_cmpuint(p->exe_state, ==, GARLIC_PROCESS_ZOMBIE);
	garlic_process_free(p);
	p = snap(c.pid, GARLIC_PROCESS_CWD, 0);
	g_assert_cmpuint(p->cwd_state, ==, GARLIC_PROCESS_ZOMBIE);
	garlic_process_free(p);
	/* With argv, whose emptiness had stat read: the name from there. */
	p = snap(c.pid, GARLIC_PROCESS_ARGV | GARLIC_PROCESS_COMM, 0);
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_ZOMBIE);
	g_assert_cmpuint(p->comm_state, ==, GARLIC_PROCESS_OK);
	g_assert_true(g_str_has_prefix(strrchr(self_exe, '/') + 1, p->comm));
	g_assert_cmpuint(strlen(p->comm), >, 0);
	garlic_process_free(p);
	/* The name alone is still there too. */
	p = snap(c.pid, GARLIC_PROCESS_COMM, 0);
	g_assert_cmpuint(p->comm_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(strlen(p->comm), >, 0);
	g_assert_true(g_str_has_prefix(strrchr(self_exe, '/') + 1, p->comm));
	garlic_process_free(p);
	/* The ids alone (a pidfd where the kernel has PIDFD_GET_INFO) too. */
	p = snap(c.pid, GARLIC_PROCESS_IDS, 0);
	g_assert_cmpuint(p->ids_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->ruid, ==, getuid());
	garlic_process_free(p);
	reap(&c);
}

static bool is_kernel_thread(pid_t pid)
{
	char path[64], *s = NULL, *p;
	unsigned long flags = 0;
	bool yes = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!g_file_get_contents(path, &s, NULL, NULL))
		return false;
	p = strrchr(s, ')');
	/* ") S ppid pgrp session tty tpgid flags" */
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) == 1)
		yes = flags & 0x00200000; /* PF_KTHREAD */
	g_free(s);
	return yes;
}

static void test_kernel_thread(void)
{
	struct garlic_process *p;
	pid_t pid = 2; /* kthreadd, in the initial pid namespace */
	GDir *dir;
	const char *name;

	if (!is_kernel_thread(pid)) {
		pid = 0;
		dir = g_dir_open("/proc", 0, NULL);
		g_assert_nonnull(dir);
		while (!pid && (name = g_dir_read_name(dir)))
			if (atoi(name) > 0 && is_kernel_thread(atoi(name)))
				pid = atoi(name);
		g_dir_close(dir);
	}
	if (!pid) {
		g_test_skip("no kernel thread is visible in this /proc");
		return;
	}
	p = snap(pid, GARLIC_PROCESS_ALL, 0);
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_KERNEL_THREAD);
	g_assert_cmpuint(p->exe_state, ==, GARLIC_PROCESS_KERNEL_THREAD);
	g_assert_cmpuint(p->cwd_state, ==, GARLIC_PROCESS_KERNEL_THREAD);
	g_assert_null(p->argv);
	g_assert_null(p->exe);
	g_assert_null(p->cwd);
	g_assert_cmpuint(p->stat_state, ==, GARLIC_PROCESS_OK);
	if (pid == 2)
		g_assert_cmpstr(p->comm, ==, "kthreadd");
	g_assert_cmpuint(p->comm_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->ids_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->ruid, ==, 0);
	garlic_process_free(p);

	/* Alone, cwd (which the kernel shows as "/") says the same. */
	p = snap(pid, GARLIC_PROCESS_CWD, 0);
	g_assert_cmpuint(p->cwd_state, ==, GARLIC_PROCESS_KERNEL_THREAD);
	g_assert_null(p->cwd);
	garlic_process_free(p);
	p = snap(pid, GARLIC_PROCESS_ARGV, 0);
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_KERNEL_THREAD);
	garlic_process_free(p);
}

static void test_gone(void)
{
	struct child c = spawn_plain();
	struct garlic_process *p = (struct garlic_process *)&p;

	reap(&c);
	g_assert_cmpint(garlic_process_read(&p, c.pid, GARLIC_PROCESS_ALL, 0), ==, -ESRCH);
	g_assert_cmpint(garlic_process_read(&p, c.pid, GARLIC_PROCESS_ARGV, 0), ==, -ESRCH);
	g_assert_cmpint(garlic_process_read(&p, c.pid, 0, 0), ==, -ESRCH);
	g_assert_true(p == (struct garlic_process *)&p);
}

/* Opened while the process lived, read after it was reaped: all GONE. */
static void test_gone_after_open(void)
{
	struct garlic_process_buf *buf = NULL;
	struct child c = spawn_plain();
	int fd = garlic_process_open(c.pid);

	g_assert_cmpint(fd, >=, 0);
	reap(&c);
	g_assert_cmpint(garlic_process_fill_at(&buf, fd, c.pid, GARLIC_PROCESS_ALL, 0), ==,
			-ESRCH);
	g_assert_cmpuint(buf->proc.argv_state, ==, GARLIC_PROCESS_GONE);
	g_assert_cmpuint(buf->proc.exe_state, ==, GARLIC_PROCESS_GONE);
	g_assert_cmpuint(buf->proc.stat_state, ==, GARLIC_PROCESS_GONE);
	g_assert_cmpuint(buf->proc.cgroup_state, ==, GARLIC_PROCESS_GONE);
	g_assert_cmpuint(buf->proc.comm_state, ==, GARLIC_PROCESS_GONE);
	g_assert_cmpint(buf->proc.stat_error, ==, ESRCH);
	g_assert_cmpint(garlic_process_fill_at(&buf, fd, c.pid, GARLIC_PROCESS_COMM, 0), ==,
			-ESRCH);
	g_assert_cmpuint(buf->proc.comm_state, ==, GARLIC_PROCESS_GONE);
	g_assert_cmpint(buf->proc.comm_error, ==, ESRCH);
	close(fd);
	garlic_process_buf_free(buf);
}

/*
 * fork(), with the child on pid want: ns_last_pid names the pid before
 * the next one the kernel gives (root only). Another fork on the machine
 * can take it first; then the try is repeated. Returns as fork(); -1 with
 * EEXIST when every try lost the race.
 */
static pid_t fork_at(pid_t want)
{
	for (int i = 0; i < 100; i++) {
		FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "we");
		pid_t r;

		if (!f || fprintf(f, "%d", (int)want - 1) < 0 || fclose(f) != 0)
			return -1;
		r = fork();
		if (r == 0 && getpid() != want)
			_exit(0);
		if (r <= 0 || r == want)
			return r;
		waitpid(r, NULL, 0);
	}
	errno = EEXIST;
	return -1;
}

/*
 * Starts a second sleeper on pid, just freed (clone3() with set_tid, or
 * the pid allocator steered where clone3() is missing, as under
 * valgrind). False, the test skipped, when another process took it first
 * or the kernel refuses.
 */
static bool respawn_at(pid_t pid, struct child *b)
{
	pid_t set_tid = pid;
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uint64_t)(uintptr_t)&set_tid,
		.set_tid_size = 1,
	};
	int fds[2];
	long r;

	g_assert_cmpint(pipe2(fds, O_CLOEXEC), ==, 0);
	r = syscall(SYS_clone3, &args, sizeof(args));
	if (r < 0 && errno == ENOSYS)
		r = fork_at(pid);
	if (r == 0) {
		char *argv[] = { (char *)"garlic-second", NULL };
		char *envp[] = { (char *)"GARLIC_SLEEPER=1", NULL };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dup2(fds[1], SLEEPER_READY_FD) < 0)
			_exit(126);
		execve(self_exe, argv, envp);
		_exit(127);
	}
	close(fds[1]);
	if (r < 0) {
		int err = errno;

		close(fds[0]);
		if (err == EEXIST)
			g_test_skip("another process took the pid first");
		else
			g_test_skip("clone3() with set_tid is refused here");
		return false;
	}
	g_assert_cmpint(r, ==, pid);
	b->fork = (pid_t)r;
	b->ready = fds[0];
	g_assert_cmpint(read(fds[0], &b->pid, sizeof(b->pid)), ==, sizeof(b->pid));
	g_assert_cmpint(b->pid, ==, pid);
	return true;
}

/*
 * A pid reused by another process (clone3() with set_tid puts one on the
 * pid just freed): what was opened for the first never reads the second.
 */
static void test_pid_reuse(void)
{
	struct garlic_process_buf *buf = NULL;
	struct garlic_process *p;
	struct child a = spawn_plain(), b;
	pid_t pid = a.pid;
	uint64_t start_a;
	int fd;

	REQUIRE(root_skip);
	p = snap(pid, GARLIC_PROCESS_STAT, 0);
	start_a = p->start_ticks;
	garlic_process_free(p);
	fd = garlic_process_open(pid);
	g_assert_cmpint(fd, >=, 0);
	reap(&a);
	/* Past a tick, so that start times differ too. */
	g_usleep(20000);
	if (!respawn_at(pid, &b)) {
		close(fd);
		return;
	}

	/* Through the old handle: gone. Anew: the second process. */
	g_assert_cmpint(garlic_process_fill_at(&buf, fd, pid, GARLIC_PROCESS_ALL, 0), ==,
			-ESRCH);
	/* The ids alone: a pidfd opened by number would be the second's. */
	g_assert_cmpint(garlic_process_fill_at(&buf, fd, pid, GARLIC_PROCESS_IDS, 0), ==,
			-ESRCH);
	g_assert_cmpuint(buf->proc.ids_state, ==, GARLIC_PROCESS_GONE);
	p = snap(pid, GARLIC_PROCESS_ALL, 0);
	g_assert_cmpstr(p->argv, ==, "garlic-second");
	g_assert_cmpuint(p->start_ticks, >, start_a);
	garlic_process_free(p);
	close(fd);
	garlic_process_buf_free(buf);
	reap(&b);
}

/* include/uapi/linux/pidfd.h (6.13), as lib/process-pidfd.c has it. */
struct test_pidfd_info {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid, spare0;
};

/*
 * Pinned, files are opened by path: a pid reused between the pin and the
 * opens would have them read the second process. The proof after the
 * last open fails instead, and the snapshot says gone.
 */
static void test_pid_reuse_pinned(void)
{
	struct test_pidfd_info info = { .mask = 2 /* PIDFD_INFO_CREDS */ };
	char *argv[] = { (char *)"garlic-sleeper", NULL };
	struct garlic_process_buf *buf = NULL;
	struct child a, b;
	int pidfd = -1;
	pid_t pid;

	REQUIRE(root_skip);
	g_assert_true(spawn_full_pidfd(&a, self_exe, argv, NULL, NULL, 0, &pidfd));
	g_assert_cmpint(pidfd, >=, 0);
	pid = a.pid;
	if (ioctl(pidfd, _IOWR(0xFF, 11, struct test_pidfd_info), &info) < 0) {
		g_assert_true(errno == ENOTTY || errno == EINVAL);
		g_test_skip("no PIDFD_GET_INFO (Linux 6.13): snapshots are read through the directory");
		close(pidfd);
		reap(&a);
		return;
	}
	g_assert_cmpint(garlic_process_fill_pinned(&buf, pidfd, pid, GARLIC_PROCESS_ALL, 0), ==,
			0);
	g_assert_cmpstr(buf->proc.argv, ==, "garlic-sleeper");
	reap(&a);
	if (!respawn_at(pid, &b)) {
		close(pidfd);
		garlic_process_buf_free(buf);
		return;
	}

	g_assert_cmpint(garlic_process_fill_pinned(&buf, pidfd, pid, GARLIC_PROCESS_ALL, 0), ==,
			-ESRCH);
	g_assert_cmpuint(buf->proc.argv_state, ==, GARLIC_PROCESS_GONE);
	g_assert_null(buf->proc.argv);
	g_assert_cmpuint(buf->proc.comm_state, ==, GARLIC_PROCESS_GONE);
	/* Without the ids the proof is still made. */
	g_assert_cmpint(garlic_process_fill_pinned(&buf, pidfd, pid,
						   GARLIC_PROCESS_ARGV | GARLIC_PROCESS_COMM, 0),
			==, -ESRCH);
	g_assert_cmpuint(buf->proc.argv_state, ==, GARLIC_PROCESS_GONE);
	/* Pinned anew: the second process. */
	g_assert_cmpint(garlic_process_fill(&buf, pid, GARLIC_PROCESS_ARGV, 0), ==, 0);
	g_assert_cmpstr(buf->proc.argv, ==, "garlic-second");
	close(pidfd);
	garlic_process_buf_free(buf);
	reap(&b);
}

/* --- namespaces, cgroups, permissions --- */

static void test_pid_namespace(void)
{
	char *argv[] = { (char *)"unshare", (char *)"-fp", self_exe, NULL };
	const char *tool = "/usr/bin/unshare";
	struct garlic_process *p;
	struct child c;
	int status;

	REQUIRE(root_skip);
	if (access(tool, X_OK) < 0)
		tool = "/bin/unshare";
	if (access(tool, X_OK) < 0) {
		g_test_skip("unshare(1) is not installed");
		return;
	}
	if (!spawn_full(&c, tool, argv, NULL, NULL, 0)) {
		/* Why: a new pid namespace is not permitted here? */
		pid_t pid = fork();

		g_assert_cmpint(pid, >=, 0);
		if (pid == 0)
			_exit(unshare(CLONE_NEWPID) < 0 ? 1 : 0);
		g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
		g_assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		g_test_skip("a new pid namespace is not permitted here");
		return;
	}
	/* The sleeper is pid 1 of the namespace unshare made. */
	g_assert_cmpint(c.pid, !=, c.fork);
	p = snap(c.pid, GARLIC_PROCESS_NSPID | GARLIC_PROCESS_STAT, 0);
	g_assert_cmpuint(p->nspid_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpint(p->ns_pid, ==, 1);
	g_assert_cmpuint(p->ns_level, ==, 1);
	g_assert_cmpint(p->ppid, ==, c.fork);
	garlic_process_free(p);
	/* unshare waits for it: killing unshare's child ends both. */
	kill(c.pid, SIGKILL);
	reap(&c);
}

/* Where cgroup2 is mounted (its root there), from mountinfo. */
static char *cgroup2_mount(char **root)
{
	char *info = proc_file(getpid(), "mountinfo", NULL), **lines, *mount = NULL;

	lines = g_strsplit(info, "\n", -1);
	for (char **l = lines; *l && !mount; l++) {
		char **f = g_strsplit(*l, " ", -1);
		guint n = g_strv_length(f), dash;

		for (dash = 0; dash < n && strcmp(f[dash], "-"); dash++)
			;
		if (dash + 1 < n && !strcmp(f[dash + 1], "cgroup2") && n > 4) {
			mount = g_strdup(f[4]);
			*root = g_strdup(f[3]);
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(info);
	return mount;
}

static void test_cgroup(void)
{
	char *mount, *root = NULL, *dir, *procs, *pid_text, *want, *line;
	struct garlic_process *p;
	struct child c;
	int fd;

	REQUIRE(root_skip);
	mount = cgroup2_mount(&root);
	if (!mount) {
		g_test_skip("no cgroup2 hierarchy is mounted");
		return;
	}
	dir = g_strdup_printf("%s/garlic-test-XXXXXX", mount);
	g_assert_nonnull(mkdtemp(dir));
	c = spawn_plain();
	procs = g_strdup_printf("%s/cgroup.procs", dir);
	pid_text = g_strdup_printf("%d", (int)c.pid);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, pid_text, strlen(pid_text)), ==, (ssize_t)strlen(pid_text));
	close(fd);

	p = snap(c.pid, GARLIC_PROCESS_CGROUP, 0);
	g_assert_cmpuint(p->cgroup_state, ==, GARLIC_PROCESS_OK);
	g_assert_true(g_str_has_suffix(p->cgroup, strrchr(dir, '/')));
	/* The kernel's line, as the test reads it. */
	line = proc_file(c.pid, "cgroup", NULL);
	want = g_strdup_printf("\n0::%s\n", p->cgroup);
	g_assert_true(strstr(line, want) || g_str_has_prefix(line, want + 1));
	if (!strcmp(root, "/"))
		g_assert_cmpstr(p->cgroup, ==, dir + strlen(mount));
	garlic_process_free(p);
	reap(&c);
	g_assert_cmpint(rmdir(dir), ==, 0);
	g_free(line);
	g_free(want);
	g_free(pid_text);
	g_free(procs);
	g_free(dir);
	g_free(root);
	g_free(mount);
}

/* Another user sees argv, ids and stat, but neither exe nor cwd. */
static bool is_kernel_thread(pid_t pid);

static void test_denied(void)
{
	struct child target, c;
	struct probe_result res;
	char *env_probe;
	const char *env[2];

	REQUIRE(root_skip);
	target = spawn_plain();
	env_probe = g_strdup_printf("GARLIC_SLEEPER_PROBE=%d", (int)target.pid);
	env[0] = env_probe;
	env[1] = NULL;
	g_assert_true(spawn_full(&c, self_exe, (char *[]){ (char *)"garlic-probe", NULL }, env,
				 &res, sizeof(res)));
	g_assert_cmpint(res.rc, ==, 0);
	g_assert_cmpuint(res.argv_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(res.argc, ==, 1);
	g_assert_cmpuint(res.ids_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(res.stat_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(res.exe_state, ==, GARLIC_PROCESS_DENIED);
	g_assert_cmpint(res.exe_error, ==, EACCES);
	g_assert_cmpuint(res.cwd_state, ==, GARLIC_PROCESS_DENIED);
	g_assert_cmpint(res.cwd_error, ==, EACCES);
	/* A kernel thread is denied too, but it has no exe or cwd to hide. */
	if (is_kernel_thread(2)) {
		g_assert_cmpint(res.kthread_rc, ==, 0);
		g_assert_cmpuint(res.kthread_exe_state, ==, GARLIC_PROCESS_KERNEL_THREAD);
		g_assert_cmpuint(res.kthread_cwd_state, ==, GARLIC_PROCESS_KERNEL_THREAD);
	}
	reap(&c);
	reap(&target);
	g_free(env_probe);
}

/* A thread id works as well: the thread's own stat, its process's argv. */
struct thread_arg {
	pid_t tid;
	int done[2];
};

static void *thread_main(void *data)
{
	struct thread_arg *a = data;
	char c;

	prctl(PR_SET_NAME, "garlic-thread");
	g_atomic_int_set(&a->tid, (int)syscall(SYS_gettid));
	/* Until the test is done with us. */
	if (read(a->done[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

static void test_thread(void)
{
	struct thread_arg a = { 0 };
	struct garlic_process *p;
	pthread_t t;
	char *cmdline;
	gsize len;

	g_assert_cmpint(pipe2(a.done, O_CLOEXEC), ==, 0);
	g_assert_cmpint(pthread_create(&t, NULL, thread_main, &a), ==, 0);
	while (!g_atomic_int_get(&a.tid))
		g_usleep(1000);
	p = snap(a.tid, GARLIC_PROCESS_ALL, 0);
	g_assert_cmpuint(p->stat_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpstr(p->comm, ==, "garlic-thread");
	g_assert_cmpint(p->ns_pid, ==, a.tid);
	g_assert_cmpuint(p->argv_state, ==, GARLIC_PROCESS_OK);
	/* (Read by tid: a checker like valgrind may fake its own pid's file.) */
	cmdline = proc_file(a.tid, "cmdline", &len);
	g_assert_cmpuint(len, >, 0);
	g_assert_cmpmem(p->argv, p->argv_len, cmdline, len);
	g_free(cmdline);
	garlic_process_free(p);
	g_assert_cmpint(write(a.done[1], "x", 1), ==, 1);
	g_assert_cmpint(pthread_join(t, NULL), ==, 0);
	close(a.done[0]);
	close(a.done[1]);
}

/* --- the reusable buffer --- */

static void test_buf_reuse(void)
{
	struct garlic_process_buf *buf = NULL, *before;
	char **argv = big_argv();
	struct child small = spawn_plain(), big = spawn(argv, NULL);
	size_t cap;

	g_assert_cmpint(garlic_process_fill(&buf, big.pid, GARLIC_PROCESS_ALL, 0), ==, 0);
	g_assert_cmpuint(buf->proc.argv_len, ==, 15 + 64 * 1024);
	cap = buf->cap;
	before = buf;
	/* Smaller snapshots after it: the same block, no allocation. */
	for (int i = 0; i < 3; i++) {
		g_assert_cmpint(garlic_process_fill(&buf, small.pid, GARLIC_PROCESS_ALL, 0), ==, 0);
		g_assert_true(buf == before);
		g_assert_cmpuint(buf->cap, ==, cap);
		g_assert_cmpstr(buf->proc.argv, ==, "garlic-sleeper");
		g_assert_cmpstr(buf->proc.exe, ==, self_exe);
		g_assert_cmpint(garlic_process_fill(&buf, big.pid, GARLIC_PROCESS_ALL, 0), ==, 0);
		g_assert_true(buf == before);
		check_argv(&buf->proc, argv);
	}
	/* A gone pid leaves the block usable. */
	g_assert_cmpint(garlic_process_fill(&buf, INT_MAX, GARLIC_PROCESS_ALL, 0), ==, -ESRCH);
	g_assert_cmpint(garlic_process_fill(&buf, small.pid, GARLIC_PROCESS_ARGV, 0), ==, 0);
	g_assert_cmpstr(buf->proc.argv, ==, "garlic-sleeper");
	garlic_process_buf_free(buf);
	reap(&small);
	reap(&big);
	g_strfreev(argv);
}

int main(int argc, char **argv)
{
	ssize_t n;

	if (getenv("GARLIC_SLEEPER"))
		return sleeper(argc, argv);
	g_test_init(&argc, &argv, NULL);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	g_assert_cmpint(n, >, 0);
	self_exe[n] = '\0';
	if (geteuid() != 0)
		root_skip = "not root: cannot change ids, cgroups or namespaces";

	g_test_add_func("/process/argv/odd", test_argv_odd);
	g_test_add_func("/process/argv/big", test_argv_big);
	g_test_add_func("/process/argv/empty-exec", test_argv_empty_exec);
	g_test_add_func("/process/argv/rewritten", test_argv_rewritten);
	g_test_add_func("/process/argv/emptied", test_argv_emptied);
	g_test_add_func("/process/exe-cwd", test_exe_cwd);
	g_test_add_func("/process/ids", test_ids);
	g_test_add_func("/process/stat", test_stat);
	g_test_add_func("/process/comm", test_comm);
	g_test_add_func("/process/comm-newline", test_comm_newline);
	g_test_add_func("/process/fields", test_fields_mask);
	g_test_add_func("/process/invalid", test_invalid);
	g_test_add_func("/process/zombie", test_zombie);
	g_test_add_func("/process/kernel-thread", test_kernel_thread);
	g_test_add_func("/process/gone", test_gone);
	g_test_add_func("/process/gone-after-open", test_gone_after_open);
	g_test_add_func("/process/pid-reuse", test_pid_reuse);
	g_test_add_func("/process/pid-reuse-pinned", test_pid_reuse_pinned);
	g_test_add_func("/process/pid-namespace", test_pid_namespace);
	g_test_add_func("/process/cgroup", test_cgroup);
	g_test_add_func("/process/denied", test_denied);
	g_test_add_func("/process/thread", test_thread);
	g_test_add_func("/process/buf-reuse", test_buf_reuse);
	return g_test_run();
}
