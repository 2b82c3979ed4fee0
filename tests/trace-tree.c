// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Processes for tests/monitor-trace.sh to follow, each in a known shape.
 * Waiting is on files the test creates (a real condition, not a delay).
 *
 *   tree DIR      forks A (which execs sh, then execs this program again:
 *                 "leaf", exit 7), makes a thread, a clone(CLONE_PARENT)
 *                 child C (exit 5) and a child P whose child G outlives it
 *                 (exit 9); writes DIR/facts (the pids), exits 3 once A is
 *                 done. A reads the FIFO DIR/fifo1 before its second exec;
 *                 A, C and G wait for DIR/go before they end. With
 *                 "wait" after DIR, it starts once DIR/go0 is there.
 *   leaf DIR      waits for DIR/go, exits 7
 *   threads DIR   a thread writes its id to DIR/tid; after DIR/go0 the
 *                 leader leaves (pthread_exit); after DIR/go the thread
 *                 ends it all: exit 6
 *   children N DIR  N children wait for DIR/go, then exec /bin/true; their
 *                 pids in DIR/pids; waits for them
 *   forks N       N children that exit at once, one after the other
 *   at PID PROG [ARG]...  runs PROG on pid PID (ns_last_pid, root) and
 *                 exits with its status (75: another process took PID)
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

static void wait_for(const char *name)
{
	char path[PATH_MAX];
	struct timespec ten_ms = { 0, 10000000 };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	while (access(path, F_OK) != 0)
		nanosleep(&ten_ms, NULL);
}

/* Written whole, then renamed: a reader never sees half of it. */
static void put(const char *name, const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s", dir, name);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		perror(path);
		exit(1);
	}
}

static void *thread_id(void *arg)
{
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	return NULL;
}

static int tree(void)
{
	char self[PATH_MAX], script[PATH_MAX + 64], facts[256];
	pid_t a, c, p, g = 0, t = 0;
	pthread_t thread;
	int fds[2], status;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || pipe(fds) < 0)
		return 1;
	self[n] = '\0';
	/* A: two execs, the second after the test saw the first. */
	/* read is built in: the wait adds no processes. */
	snprintf(script, sizeof(script), "read x <\"$1/fifo1\"; exec \"$0\" leaf \"$1\"");
	a = fork();
	if (a == 0) {
		execl("/bin/sh", "sh", "-c", script, self, dir, (char *)NULL);
		_exit(127);
	}
	if (pthread_create(&thread, NULL, thread_id, &t) != 0 || pthread_join(thread, NULL) != 0)
		return 1;
	/* C: its kernel parent is ours (the monitor), its creator us. */
	c = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (c == 0) {
		wait_for("go");
		_exit(5);
	}
	p = fork();
	if (p == 0) {
		g = fork();
		if (g == 0) {
			wait_for("go");
			_exit(9);
		}
		(void)!write(fds[1], &g, sizeof(g));
		_exit(0);
	}
	if (a < 0 || c < 0 || p < 0 || read(fds[0], &g, sizeof(g)) != sizeof(g))
		return 1;
	waitpid(p, NULL, 0);
	snprintf(facts, sizeof(facts), "R=%d A=%d T=%d C=%d P=%d G=%d\n", (int)getpid(), (int)a,
		 (int)t, (int)c, (int)p, (int)g);
	put("facts", facts);
	waitpid(a, &status, 0);
	return 3;
}

static void *thread_stays(void *arg)
{
	char tid[32];

	(void)arg;
	snprintf(tid, sizeof(tid), "%d\n", (int)syscall(SYS_gettid));
	put("tid", tid);
	wait_for("go");
	exit(6);
}

static int threads(void)
{
	pthread_t thread;

	if (pthread_create(&thread, NULL, thread_stays, NULL) != 0)
		return 1;
	wait_for("go0");
	pthread_exit(NULL);
}

static int children(int n)
{
	char line[32], *pids = calloc((size_t)n, sizeof(line));

	if (!pids)
		return 1;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			wait_for("go");
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (pid < 0)
			return 1;
		snprintf(line, sizeof(line), "%d\n", (int)pid);
		strcat(pids, line);
	}
	put("pids", pids);
	free(pids);
	while (wait(NULL) > 0)
		;
	return 0;
}

static int forks(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			return 1;
		waitpid(pid, NULL, 0);
	}
	return 0;
}

/* As tests/test-process.c: the pid after ns_last_pid is the next one given. */
static int at(pid_t want, char **argv)
{
	for (int i = 0; i < 1000; i++) {
		FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "we");
		int status;
		pid_t r;

		if (!f || fprintf(f, "%d", (int)want - 1) < 0 || fclose(f) != 0) {
			perror("ns_last_pid");
			return 1;
		}
		r = fork();
		if (r == 0) {
			if (getpid() != want)
				_exit(0);
			execvp(argv[0], argv);
			_exit(127);
		}
		if (r < 0)
			return 1;
		waitpid(r, &status, 0);
		if (r == want)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	return 75;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "tree") == 0) {
		dir = argv[2];
		if (argc >= 4 && strcmp(argv[3], "wait") == 0)
			wait_for("go0");
		return tree();
	}
	if (argc >= 3 && strcmp(argv[1], "leaf") == 0) {
		dir = argv[2];
		wait_for("go");
		return 7;
	}
	if (argc >= 3 && strcmp(argv[1], "threads") == 0)
		return dir = argv[2], threads();
	if (argc >= 4 && strcmp(argv[1], "children") == 0)
		return dir = argv[3], children(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "forks") == 0)
		return forks(atol(argv[2]));
	if (argc >= 4 && strcmp(argv[1], "at") == 0)
		return at((pid_t)atoi(argv[2]), argv + 3);
	fprintf(stderr, "usage: %s tree|leaf|threads|children|forks|at ...\n", argv[0]);
	return 2;
}
