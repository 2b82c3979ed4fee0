// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Live tests: the test's own children fork, exec, change ids, rename
 * themselves, get traced, dump core and exit, and each event is checked
 * field by field as the kernel reports it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "garlic-test.h"
#include "live.h"

#define TIMEOUT_MS 5000

static bool is_root(void)
{
	return geteuid() == 0;
}

/* The running kernel's major * 1000 + minor, from uname(2). */
static int kernel_version(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	g_assert_cmpint(uname(&u), ==, 0);
	g_assert_cmpint(sscanf(u.release, "%d.%d", &major, &minor), ==, 2);
	return major * 1000 + minor;
}

static int exec_shell_exit3(void *arg)
{
	execl("/bin/sh", "sh", "-c", "exit 3", (char *)NULL);
	return 127;
}

static void test_fork_exec_exit(void)
{
	struct collector c;
	struct garlic *g;
	const struct garlic_event *ev;
	siginfo_t info;
	int status;
	pid_t pid;

	collector_init(&c);
	g = live_open(0, &c);
	g_assert_cmpint(filter_mode(g), ==, GARLIC_FILTER_NONE);
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0)
		_exit(exec_shell_exit3(NULL));
	/*
	 * The kernel sends the exit event after it notified the parent, and
	 * fills the parent fields only while the child still has its pid: a
	 * parent that reaps at once may race it (see test_exit_reaped). Not
	 * reaped until the event is in, the child keeps its pid.
	 */
	g_assert_cmpint(waitid(P_PID, pid, &info, WEXITED | WNOWAIT), ==, 0);
	g_assert_cmpint(info.si_code, ==, CLD_EXITED);
	g_assert_cmpint(info.si_status, ==, 3);

	ev = wait_event(g, &c, GARLIC_EVENT_FORK, pid, TIMEOUT_MS);
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->fork.parent_pid, ==, getpid());
	g_assert_cmpint(ev->fork.parent_tgid, ==, getpid());
	g_assert_cmpint(ev->fork.child_tgid, ==, pid);
	g_assert_cmpuint(ev->timestamp_ns, >, 0);

	ev = wait_event(g, &c, GARLIC_EVENT_EXEC, pid, TIMEOUT_MS);
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->exec.process_tgid, ==, pid);

	ev = wait_event(g, &c, GARLIC_EVENT_EXIT, pid, TIMEOUT_MS);
	g_assert_nonnull(ev);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 3);
	g_assert_cmpint(ev->exit.process_tgid, ==, pid);
	g_assert_cmpuint(ev->exit.exit_code, ==, (uint32_t)status);
	g_assert_cmpuint(ev->exit.exit_code, ==, 768);
	g_assert_cmpuint(ev->exit.exit_signal, ==, SIGCHLD);
	g_assert_cmpint(ev->exit.parent_pid, ==, getpid());
	g_assert_cmpint(ev->exit.parent_tgid, ==, getpid());
	/* Kernel stamps are CLOCK_MONOTONIC: not in the future, and recent. */
	{
		struct timespec now;
		uint64_t now_ns;

		clock_gettime(CLOCK_MONOTONIC, &now);
		now_ns = (uint64_t)now.tv_sec * 1000000000u + now.tv_nsec;
		g_assert_cmpuint(ev->timestamp_ns, <=, now_ns);
		g_assert_cmpuint(now_ns - ev->timestamp_ns, <, 60ull * 1000000000u);
	}
	garlic_close(g);
	collector_clear(&c);
}

/*
 * A child whose parent ignores SIGCHLD is released by the kernel while it
 * notifies the parent, before the exit event is built: the event's
 * parent fields are 0, on every kernel.
 */
static void test_exit_reaped(void)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
	struct collector c;
	struct garlic *g;
	const struct garlic_event *ev;
	pid_t pid;

	collector_init(&c);
	g = live_open(GARLIC_EVENT_EXIT, &c);
	g_assert_cmpint(sigaction(SIGCHLD, &ignore, &old), ==, 0);
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	/* exec: nothing of this process's heap is left to count as leaked. */
	if (pid == 0)
		_exit(exec_shell_exit3(NULL));
	ev = wait_event(g, &c, GARLIC_EVENT_EXIT, pid, TIMEOUT_MS);
	/* Reaped by the kernel: nothing left to wait for. */
	g_assert_cmpint(waitpid(pid, NULL, WNOHANG), ==, -1);
	g_assert_cmpint(errno, ==, ECHILD);
	g_assert_cmpint(sigaction(SIGCHLD, &old, NULL), ==, 0);
	g_assert_nonnull(ev);
	g_assert_cmpuint(ev->exit.exit_code, ==, 768);
	g_assert_cmpuint(ev->exit.exit_signal, ==, SIGCHLD);
	g_assert_cmpint(ev->exit.parent_pid, ==, 0);
	g_assert_cmpint(ev->exit.parent_tgid, ==, 0);
	garlic_close(g);
	collector_clear(&c);
}

/*
 * Without privilege (uid and gid 65534, no groups, no capabilities): a
 * kernel before 6.6 refuses the subscription with EPERM, a later one
 * lets anyone listen and delivers the listener's own child's events.
 */
static int unprivileged(void *arg)
{
	struct collector c;
	struct garlic *g = NULL;
	int r;

	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		return 10;
	collector_init(&c);
	r = garlic_open(&g, GARLIC_EVENT_EXIT, collector_fn, &c);
	if (kernel_version() < 6006)
		r = r == -EPERM ? 0 : 11;
	else if (r < 0)
		r = 12;
	else
		r = wait_event(g, &c, GARLIC_EVENT_EXIT, run_exit(5), TIMEOUT_MS) ? 0 : 13;
	garlic_close(g);
	collector_clear(&c);
	return r;
}

static void test_unprivileged(void)
{
	int status;

	if (!is_root()) {
		g_test_skip("becoming another user needs root");
		return;
	}
	run_child(unprivileged, NULL, &status);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

static int change_ids(void *arg)
{
	if (setresgid(65534, 65534, 65534) < 0)
		return 10;
	if (setresuid(65533, 65534, 65534) < 0)
		return 11;
	return 0;
}

static void test_uid_gid(void)
{
	struct collector c;
	struct garlic *g;
	const struct garlic_event *ev;
	int status;
	pid_t pid;

	if (!is_root()) {
		g_test_skip("changing ids needs root");
		return;
	}
	collector_init(&c);
	g = live_open(GARLIC_EVENT_UID | GARLIC_EVENT_GID, &c);
	pid = run_child(change_ids, NULL, &status);
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);

	ev = wait_event(g, &c, GARLIC_EVENT_GID, pid, TIMEOUT_MS);
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->gid.process_tgid, ==, pid);
	g_assert_cmpuint(ev->gid.real_id, ==, 65534);
	g_assert_cmpuint(ev->gid.effective_id, ==, 65534);

	ev = wait_event(g, &c, GARLIC_EVENT_UID, pid, TIMEOUT_MS);
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->uid.process_tgid, ==, pid);
	g_assert_cmpuint(ev->uid.real_id, ==, 65533);
	g_assert_cmpuint(ev->uid.effective_id, ==, 65534);
	garlic_close(g);
	collector_clear(&c);
}

static int new_session(void *arg)
{
	return setsid() < 0;
}

static void test_sid(void)
{
	struct collector c;
	struct garlic *g;
	const struct garlic_event *ev;
	int status;
	pid_t pid;

	collector_init(&c);
	g = live_open(GARLIC_EVENT_SID, &c);
	pid = run_child(new_session, NULL, &status);
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	ev = wait_event(g, &c, GARLIC_EVENT_SID, pid, TIMEOUT_MS);
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->sid.process_tgid, ==, pid);
	garlic_close(g);
	collector_clear(&c);
}

static int rename_self(void *arg)
{
	return prctl(PR_SET_NAME, (unsigned long)arg, 0, 0, 0) < 0;
}

static void check_comm(const char *name)
{
	struct collector c;
	struct garlic *g;
	const struct garlic_event *ev;
	int status;
	pid_t pid;

	collector_init(&c);
	g = live_open(GARLIC_EVENT_COMM, &c);
	pid = run_child(rename_self, (void *)name, &status);
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	ev = wait_event(g, &c, GARLIC_EVENT_COMM, pid, TIMEOUT_MS);
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->comm.process_tgid, ==, pid);
	g_assert_cmpstr(ev->comm.command, ==, name);
	garlic_close(g);
	collector_clear(&c);
}

static void test_comm(void)
{
	/* The Go package cut the first and panicked on the second. */
	check_comm("gq-comm-test");
	check_comm("ab");
	check_comm("fifteen-chars!!");
}

static void test_ptrace(void)
{
	struct collector c;
	struct garlic *g;
	const struct garlic_event *ev;
	int status;
	pid_t pid;

	collector_init(&c);
	g = live_open(GARLIC_EVENT_PTRACE, &c);
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		garlic_close(g);
		collector_clear(&c);
		g_test_skip("ptrace(PTRACE_ATTACH) is not allowed here");
		return;
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFSTOPPED(status));
	g_assert_cmpint(ptrace(PTRACE_DETACH, pid, NULL, NULL), ==, 0);

	ev = wait_event(g, &c, GARLIC_EVENT_PTRACE, pid, TIMEOUT_MS);
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->ptrace.process_tgid, ==, pid);
	g_assert_cmpint(ev->ptrace.tracer_pid, ==, getpid());
	g_assert_cmpint(ev->ptrace.tracer_tgid, ==, getpid());
	/* The detach is the second ptrace event for pid: tracer 0. */
	ev = NULL;
	for (int tries = 0; tries < 50 && !ev; tries++) {
		guint seen = 0;

		for (guint i = 0; i < c.events->len; i++) {
			const struct garlic_event *e =
				&g_array_index(c.events, struct garlic_event, i);

			if (e->type == GARLIC_EVENT_PTRACE && e->ptrace.process_pid == pid &&
			    ++seen == 2)
				ev = e;
		}
		if (!ev)
			wait_event(g, &c, GARLIC_EVENT_EXIT, -1, 100);
	}
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->ptrace.tracer_pid, ==, 0);
	g_assert_cmpint(ev->ptrace.tracer_tgid, ==, 0);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	garlic_close(g);
	collector_clear(&c);
}

static int crash(void *arg)
{
	struct rlimit none = { 0, 0 };

	/* No core file: the event is sent before the dump is even tried. */
	setrlimit(RLIMIT_CORE, &none);
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
	return 0;
}

static void test_coredump(void)
{
	struct collector c;
	struct garlic *g;
	const struct garlic_event *ev;
	int status;
	pid_t pid;

	collector_init(&c);
	g = live_open(GARLIC_EVENT_COREDUMP | GARLIC_EVENT_EXIT, &c);
	pid = run_child(crash, NULL, &status);
	g_assert_true(WIFSIGNALED(status));
	g_assert_cmpint(WTERMSIG(status), ==, SIGSEGV);

	ev = wait_event(g, &c, GARLIC_EVENT_COREDUMP, pid, TIMEOUT_MS);
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->coredump.process_tgid, ==, pid);
	g_assert_cmpint(ev->coredump.parent_pid, ==, getpid());
	g_assert_cmpint(ev->coredump.parent_tgid, ==, getpid());
	ev = wait_event(g, &c, GARLIC_EVENT_EXIT, pid, TIMEOUT_MS);
	g_assert_nonnull(ev);
	g_assert_cmpuint(ev->exit.exit_code, ==, (uint32_t)status);
	garlic_close(g);
	collector_clear(&c);
}

static void *thread_main(void *arg)
{
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	return NULL;
}

static void test_thread(void)
{
	struct collector c;
	struct garlic *g;
	const struct garlic_event *ev;
	pthread_t thread;
	pid_t tid = 0;

	collector_init(&c);
	g = live_open(GARLIC_EVENT_FORK | GARLIC_EVENT_EXIT, &c);
	g_assert_cmpint(pthread_create(&thread, NULL, thread_main, &tid), ==, 0);
	g_assert_cmpint(pthread_join(thread, NULL), ==, 0);
	g_assert_cmpint(tid, >, 0);

	ev = wait_event(g, &c, GARLIC_EVENT_FORK, tid, TIMEOUT_MS);
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->fork.child_pid, ==, tid);
	g_assert_cmpint(ev->fork.child_tgid, ==, getpid());
	/* A thread's fork names the creating process's parent. */
	g_assert_cmpint(ev->fork.parent_tgid, ==, getppid());

	ev = wait_event(g, &c, GARLIC_EVENT_EXIT, tid, TIMEOUT_MS);
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->exit.process_tgid, ==, getpid());
	g_assert_cmpuint(ev->exit.exit_signal, ==, UINT32_MAX);
	garlic_close(g);
	collector_clear(&c);
}

/*
 * Everything a filtered listener got after running `children` and then a
 * marker child: events are queued before waitpid() returns, so once the
 * marker's exit is seen, every earlier child's events are in.
 */
static void run_filtered(uint32_t events, uint32_t flags, int expect_mode,
			 struct collector *c, pid_t *exec_pid, pid_t *zero_pid,
			 pid_t *three_pid)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.events = events, .flags = flags);
	struct garlic *g = NULL;
	uint32_t subscribed;
	int status;
	pid_t marker;

	g_assert_cmpint(garlic_open_opts(&g, &opts, collector_fn, c), ==, 0);
	g_assert_cmpint(filter_mode(g), ==, expect_mode);
	g_assert_cmpint(garlic_get_events(g, &subscribed), ==, 0);
	g_assert_cmpuint(subscribed, ==, events);
	*exec_pid = run_child(exec_shell_exit3, NULL, &status);
	*zero_pid = run_exit(0);
	*three_pid = run_exit(3);
	marker = run_exit(42);
	g_assert_nonnull(wait_event(g, c, GARLIC_EVENT_EXIT, marker, TIMEOUT_MS));
	garlic_close(g);
}

static void check_only(const struct collector *c, uint32_t allowed)
{
	for (guint i = 0; i < c->events->len; i++)
		g_assert_cmpuint(g_array_index(c->events, struct garlic_event, i).type &
					 allowed, !=, 0);
}

static void check_exec_filter(uint32_t flags, int mode)
{
	struct collector c;
	pid_t exec_pid, zero_pid, three_pid;

	collector_init(&c);
	/* Exit rides along only to see the marker. */
	run_filtered(GARLIC_EVENT_EXEC | GARLIC_EVENT_NONZERO_EXIT, flags, mode, &c,
		     &exec_pid, &zero_pid, &three_pid);
	check_only(&c, GARLIC_EVENT_EXEC | GARLIC_EVENT_EXIT);
	g_assert_nonnull(find_event(&c, GARLIC_EVENT_EXEC, exec_pid));
	g_assert_null(find_event(&c, GARLIC_EVENT_FORK, exec_pid));
	/* NONZERO_EXIT passes exit(3) and drops exit(0). */
	g_assert_nonnull(find_event(&c, GARLIC_EVENT_EXIT, three_pid));
	g_assert_cmpuint(find_event(&c, GARLIC_EVENT_EXIT, three_pid)->exit.exit_code,
			 ==, 768);
	g_assert_null(find_event(&c, GARLIC_EVENT_EXIT, zero_pid));
	for (guint i = 0; i < c.events->len; i++) {
		const struct garlic_event *ev =
			&g_array_index(c.events, struct garlic_event, i);

		if (ev->type == GARLIC_EVENT_EXIT)
			g_assert_cmpuint(ev->exit.exit_code, !=, 0);
	}
	collector_clear(&c);
}

static int kernel_filter_mode(void)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.events = GARLIC_EVENT_EXEC);
	struct collector c;
	struct garlic *g = NULL;
	int mode;

	collector_init(&c);
	g_assert_cmpint(garlic_open_opts(&g, &opts, collector_fn, &c), ==, 0);
	mode = filter_mode(g);
	garlic_close(g);
	collector_clear(&c);
	return mode;
}

/*
 * The kernel's own filter (proc_input) came in Linux 6.6. Before, garlic
 * must notice that the kernel ignored the filtered request and fall back
 * to classic BPF, and filtered delivery must still be exact. (A vendor
 * kernel < 6.6 with the filter backported would fail here: say so.)
 */
static void test_filter_kernel(void)
{
	if (kernel_version() < 6006) {
		g_test_message("Linux < 6.6: no proc_input, the BPF filter must take over");
		g_assert_cmpint(kernel_filter_mode(), ==, GARLIC_FILTER_BPF);
		check_exec_filter(0, GARLIC_FILTER_BPF);
		return;
	}
	g_assert_cmpint(kernel_filter_mode(), ==, GARLIC_FILTER_KERNEL);
	check_exec_filter(0, GARLIC_FILTER_KERNEL);
}

static void test_filter_bpf(void)
{
	check_exec_filter(GARLIC_OPEN_FORCE_BPF, GARLIC_FILTER_BPF);
}

static void test_filter_all_exits(void)
{
	struct collector c;
	pid_t exec_pid, zero_pid, three_pid;

	collector_init(&c);
	run_filtered(GARLIC_EVENT_EXIT | GARLIC_EVENT_NONZERO_EXIT, 0,
		     kernel_filter_mode(), &c, &exec_pid, &zero_pid, &three_pid);
	check_only(&c, GARLIC_EVENT_EXIT);
	g_assert_nonnull(find_event(&c, GARLIC_EVENT_EXIT, zero_pid));
	g_assert_nonnull(find_event(&c, GARLIC_EVENT_EXIT, three_pid));
	g_assert_nonnull(find_event(&c, GARLIC_EVENT_EXIT, exec_pid));
	collector_clear(&c);
}

static void test_reopen(void)
{
	for (int round = 0; round < 3; round++) {
		struct collector c;
		struct garlic *g;
		pid_t pid;

		collector_init(&c);
		g = live_open(GARLIC_EVENT_EXIT, &c);
		pid = run_exit(round);
		g_assert_nonnull(wait_event(g, &c, GARLIC_EVENT_EXIT, pid, TIMEOUT_MS));
		garlic_close(g);
		collector_clear(&c);
	}
}

static void test_two_listeners(void)
{
	struct collector c1, c2;
	struct garlic *g1, *g2;
	struct garlic_counters counters;
	pid_t pid;

	collector_init(&c1);
	collector_init(&c2);
	g1 = live_open(0, &c1);
	/* g2's subscription ACK is multicast to g1 too. */
	g2 = live_open(0, &c2);
	pid = run_exit(5);
	g_assert_nonnull(wait_event(g1, &c1, GARLIC_EVENT_EXIT, pid, TIMEOUT_MS));
	g_assert_nonnull(wait_event(g2, &c2, GARLIC_EVENT_EXIT, pid, TIMEOUT_MS));
	g_assert_nonnull(find_event(&c1, GARLIC_EVENT_FORK, pid));
	g_assert_nonnull(find_event(&c2, GARLIC_EVENT_FORK, pid));
	g_assert_cmpint(garlic_get_counters(g1, &counters, sizeof(counters)), ==, 0);
	g_assert_cmpuint(counters.acks, >=, 1);
	g_assert_cmpuint(counters.events, ==, c1.events->len);
	g_assert_cmpuint(counters.malformed, ==, 0);
	g_assert_cmpuint(counters.foreign, ==, 0);
	garlic_close(g2);
	garlic_close(g1);
	collector_clear(&c1);
	collector_clear(&c2);
}

static void test_two_processes(void)
{
	struct collector c;
	struct garlic *g;
	int ready[2], go[2], status;
	pid_t listener, pid;
	char byte;

	g_assert_cmpint(pipe(ready), ==, 0);
	g_assert_cmpint(pipe(go), ==, 0);
	listener = fork();
	g_assert_cmpint(listener, >=, 0);
	if (listener == 0) {
		struct collector cc;
		struct garlic *gc;
		pid_t target;

		collector_init(&cc);
		if (garlic_open(&gc, GARLIC_EVENT_EXIT, collector_fn, &cc) < 0)
			_exit(10);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &target, sizeof(target)) !=
							     sizeof(target))
			_exit(11);
		_exit(wait_event(gc, &cc, GARLIC_EVENT_EXIT, target, TIMEOUT_MS) ? 0 : 12);
	}
	collector_init(&c);
	g = live_open(GARLIC_EVENT_EXIT, &c);
	g_assert_cmpint(read(ready[0], &byte, 1), ==, 1);
	pid = run_exit(9);
	g_assert_cmpint(write(go[1], &pid, sizeof(pid)), ==, sizeof(pid));
	g_assert_nonnull(wait_event(g, &c, GARLIC_EVENT_EXIT, pid, TIMEOUT_MS));
	g_assert_cmpint(waitpid(listener, &status, 0), ==, listener);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	garlic_close(g);
	collector_clear(&c);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

struct closing {
	struct garlic *g;
	int calls;
};

static int close_in_callback(const struct garlic_event *ev, void *userdata)
{
	struct closing *state = userdata;

	state->calls++;
	garlic_close(state->g);
	return 0;
}

static void test_close_in_callback(void)
{
	struct closing state = { NULL, 0 };

	g_assert_cmpint(garlic_open(&state.g, GARLIC_EVENT_EXIT, close_in_callback,
				    &state), ==, 0);
	run_exit(0);
	run_exit(0);
	/* The handle is freed inside this call (ASan checks it is not used after). */
	g_assert_cmpint(garlic_receive(state.g), ==, 1);
	g_assert_cmpint(state.calls, ==, 1);
}

static void test_stop_early(void)
{
	struct collector c;
	struct garlic *g;
	pid_t pids[3];
	int r;

	collector_init(&c);
	g = live_open(GARLIC_EVENT_EXIT, &c);
	for (int i = 0; i < 3; i++)
		pids[i] = run_exit(i);
	c.stop_after = 1;
	r = garlic_receive(g);
	g_assert_cmpint(r, ==, 1);
	g_assert_cmpuint(c.events->len, ==, 1);
	c.stop_after = 0;
	/* The rest comes on later calls, none lost. */
	for (int i = 0; i < 3; i++)
		g_assert_nonnull(wait_event(g, &c, GARLIC_EVENT_EXIT, pids[i], TIMEOUT_MS));
	garlic_close(g);
	collector_clear(&c);
}

struct loss_log {
	unsigned int reports;
	uint64_t lost;
};

static int on_loss(const struct garlic_loss *loss, void *userdata)
{
	struct loss_log *log = userdata;

	g_assert_cmpuint(loss->cause, ==, GARLIC_LOSS_OVERRUN);
	log->reports++;
	log->lost += loss->lost;
	g_assert_cmpuint(loss->total_lost, ==, log->lost);
	return 0;
}

static void burst(unsigned int children)
{
	for (unsigned int i = 0; i < children; i++)
		run_exit(0);
}

static void check_overrun(bool with_loss_fn)
{
	struct collector c;
	struct loss_log log = { 0 };
	struct garlic_counters counters;
	struct garlic *g;
	int r, enobufs = 0;
	pid_t after;

	cpu_set_t all, one;

	/* One CPU for the burst and after it: a gap shows on the same CPU's sequence. */
	g_assert_cmpint(sched_getaffinity(0, sizeof(all), &all), ==, 0);
	CPU_ZERO(&one);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &all)) {
			CPU_SET(cpu, &one);
			break;
		}
	}
	g_assert_cmpint(sched_setaffinity(0, sizeof(one), &one), ==, 0);
	collector_init(&c);
	g = live_open(0, &c);
	if (with_loss_fn)
		garlic_set_loss_fn(g, on_loss, &log);
	/* The kernel's minimum: a few events fill it. */
	g_assert_cmpint(garlic_set_rcvbuf(g, 1), >, 0);
	burst(300);
	/* Drain without blocking; the overrun shows up on the way. */
	g_assert_cmpint(fcntl(garlic_test_socket_fd(g), F_SETFL, O_NONBLOCK), ==, 0);
	for (;;) {
		r = garlic_receive(g);
		if (r == -EAGAIN)
			break;
		if (r == -ENOBUFS)
			enobufs++;
		else
			g_assert_cmpint(r, >=, 0);
	}
	g_assert_cmpint(garlic_set_rcvbuf(g, GARLIC_DEFAULT_RCVBUF), >, 0);
	/* Listening goes on after the overflow. */
	after = run_exit(7);
	g_assert_nonnull(wait_event(g, &c, GARLIC_EVENT_EXIT, after, TIMEOUT_MS));

	g_assert_cmpint(garlic_get_counters(g, &counters, sizeof(counters)), ==, 0);
	g_assert_cmpuint(counters.overruns, >=, 1);
	g_assert_cmpuint(counters.lost, >, 0);
	/* Unfiltered: the drops left sequence gaps too. */
	g_assert_cmpuint(counters.seq_gaps, >, 0);
	if (with_loss_fn) {
		g_assert_cmpuint(log.reports, >=, 1);
		g_assert_cmpuint(log.lost, ==, counters.lost);
		g_assert_cmpint(enobufs, ==, 0);
	} else {
		g_assert_cmpint(enobufs, >=, 1);
	}
	garlic_close(g);
	collector_clear(&c);
	g_assert_cmpint(sched_setaffinity(0, sizeof(all), &all), ==, 0);
}

static void test_overrun_loss_fn(void)
{
	check_overrun(true);
}

static void test_overrun_enobufs(void)
{
	check_overrun(false);
}

static void test_nonblocking(void)
{
	struct garlic_open_opts opts = { .sz = sizeof(opts),
					 .events = GARLIC_EVENT_PTRACE,
					 .flags = GARLIC_OPEN_NONBLOCK };
	struct collector c;
	struct garlic *g = NULL;

	collector_init(&c);
	g_assert_cmpint(garlic_open_opts(&g, &opts, collector_fn, &c), ==, 0);
	g_assert_true(fcntl(garlic_test_socket_fd(g), F_GETFL) & O_NONBLOCK);
	/* Nobody ptraces here: nothing is queued. */
	g_assert_cmpint(garlic_receive(g), ==, -EAGAIN);
	garlic_close(g);
	collector_clear(&c);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void test_latency_budget(void)
{
	/* Session changes: rare on any machine, so the bursts are ours. */
	struct garlic_open_opts opts = { .sz = sizeof(opts), .events = GARLIC_EVENT_SID,
					 .latency_budget_us = 100000 };
	struct collector c;
	struct garlic *g = NULL;
	const struct garlic_event *first;
	uint64_t returned;
	int status;
	pid_t a, b;
	int r;

	collector_init(&c);
	g_assert_cmpint(garlic_open_opts(&g, &opts, collector_fn, &c), ==, 0);
	/* After a quiet spell an event is delivered at once. */
	a = run_child(new_session, NULL, &status);
	g_assert_nonnull(wait_event(g, &c, GARLIC_EVENT_SID, a, TIMEOUT_MS));
	returned = monotonic_ns();
	g_assert_cmpuint(returned - find_event(&c, GARLIC_EVENT_SID, a)->timestamp_ns, <,
			 80000000u);

	/*
	 * Under load (a read within a budget of the last), a read makes the
	 * next one wait until a budget after it: what comes meanwhile is read
	 * in one go, every event at most about a budget late.
	 */
	g_array_set_size(c.events, 0);
	run_child(new_session, NULL, &status);
	a = run_child(new_session, NULL, &status);
	/* Both queued before the read: a backlog, so events come fast. */
	g_assert_nonnull(wait_event(g, &c, GARLIC_EVENT_SID, a, TIMEOUT_MS));
	returned = monotonic_ns();
	b = run_child(new_session, NULL, &status);
	usleep(20000);
	a = run_child(new_session, NULL, &status);
	r = garlic_receive(g);
	g_assert_cmpint(r, >=, 2);
	g_assert_nonnull(find_event(&c, GARLIC_EVENT_SID, a));
	first = find_event(&c, GARLIC_EVENT_SID, b);
	g_assert_nonnull(first);
	g_assert_cmpuint(monotonic_ns() - returned, >=, 99000000u);
	g_assert_cmpuint(monotonic_ns() - first->timestamp_ns, <, 1000000000u);

	g_assert_cmpint(garlic_set_latency_budget(g, GARLIC_MAX_LATENCY_BUDGET_US + 1), ==,
			-EINVAL);
	g_assert_cmpint(garlic_set_latency_budget(NULL, 0), ==, -EINVAL);
	g_assert_cmpint(garlic_set_latency_budget(g, 0), ==, 0);
	garlic_close(g);
	collector_clear(&c);
}

static void on_alarm(int sig)
{
}

static int exit_later(void *arg)
{
	usleep(200000);
	return 0;
}

static void test_eintr(void)
{
	/* No SA_RESTART: the signal interrupts recvmmsg(), garlic retries it. */
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval every_50ms = { { 0, 50000 }, { 0, 50000 } }, off = { 0 };
	struct collector c;
	struct garlic *g;
	int r;
	pid_t pid;

	collector_init(&c);
	g = live_open(GARLIC_EVENT_SID, &c);
	g_assert_cmpint(sigaction(SIGALRM, &sa, &old), ==, 0);
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		exit_later(NULL);
		_exit(new_session(NULL));
	}
	g_assert_cmpint(setitimer(ITIMER_REAL, &every_50ms, NULL), ==, 0);
	r = garlic_receive(g);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	waitpid(pid, NULL, 0);
	g_assert_cmpint(r, >=, 1);
	g_assert_nonnull(find_event(&c, GARLIC_EVENT_SID, pid));
	garlic_close(g);
	collector_clear(&c);
}

static void test_socket_options(void)
{
	struct collector c;
	struct garlic *g;
	int rcvbuf = 0;
	socklen_t len = sizeof(rcvbuf);

	collector_init(&c);
	g = live_open(0, &c);
	g_assert_true(fcntl(garlic_fd(g), F_GETFD) & FD_CLOEXEC);
	g_assert_true(fcntl(garlic_test_socket_fd(g), F_GETFD) & FD_CLOEXEC);
	g_assert_cmpint(getsockopt(garlic_test_socket_fd(g), SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len), ==, 0);
	if (is_root())
		/* SO_RCVBUFFORCE: the request, doubled, past rmem_max. */
		g_assert_cmpint(rcvbuf, ==, 2 * GARLIC_DEFAULT_RCVBUF);
	else
		g_assert_cmpint(rcvbuf, >=, 65536);
	g_assert_cmpint(garlic_set_rcvbuf(g, 0), ==, -EINVAL);
	g_assert_cmpint(garlic_set_rcvbuf(NULL, 4096), ==, -EINVAL);
	garlic_close(g);
	collector_clear(&c);
}

/* garlic_open() in a child after unshare(flags); returns its result. */
static int open_unshared(void *arg)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.ack_timeout_ms = 300);
	int flags = GPOINTER_TO_INT(arg);
	struct collector c;
	struct garlic *g = NULL;
	int r, status;
	pid_t pid;

	if (unshare(flags) < 0)
		return 100;
	/* A new pid namespace applies to children only. */
	pid = fork();
	if (pid < 0)
		return 101;
	if (pid > 0)
		return waitpid(pid, &status, 0) == pid && WIFEXITED(status)
			       ? WEXITSTATUS(status)
			       : 102;
	collector_init(&c);
	r = garlic_open_opts(&g, &opts, collector_fn, &c);
	if (r == 0)
		garlic_close(g);
	_exit(-r);
}

static void check_unshared(int flags, int expected_errno)
{
	int status;

	if (!is_root()) {
		g_test_skip("unshare(2) needs root");
		return;
	}
	run_child(open_unshared, GINT_TO_POINTER(flags), &status);
	g_assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 100) {
		g_test_skip("unshare(2) is not allowed here");
		return;
	}
	g_assert_cmpint(WEXITSTATUS(status), ==, expected_errno);
}

static void test_pid_namespace(void)
{
	/* The kernel ignores LISTEN from a non-initial pid namespace: no ACK. */
	check_unshared(CLONE_NEWPID, ETIMEDOUT);
}

static void test_net_namespace(void)
{
	/* The connector's kernel socket exists in the initial netns only. */
	check_unshared(CLONE_NEWNET, ECONNREFUSED);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	live_require_connector();

	g_test_add_func("/live/fork-exec-exit", test_fork_exec_exit);
	g_test_add_func("/live/exit-reaped", test_exit_reaped);
	g_test_add_func("/live/unprivileged", test_unprivileged);
	g_test_add_func("/live/uid-gid", test_uid_gid);
	g_test_add_func("/live/sid", test_sid);
	g_test_add_func("/live/comm", test_comm);
	g_test_add_func("/live/ptrace", test_ptrace);
	g_test_add_func("/live/coredump", test_coredump);
	g_test_add_func("/live/thread", test_thread);
	g_test_add_func("/live/filter/kernel", test_filter_kernel);
	g_test_add_func("/live/filter/bpf", test_filter_bpf);
	g_test_add_func("/live/filter/all-exits", test_filter_all_exits);
	g_test_add_func("/live/reopen", test_reopen);
	g_test_add_func("/live/two-listeners", test_two_listeners);
	g_test_add_func("/live/two-processes", test_two_processes);
	g_test_add_func("/live/close-in-callback", test_close_in_callback);
	g_test_add_func("/live/stop-early", test_stop_early);
	g_test_add_func("/live/overrun/loss-fn", test_overrun_loss_fn);
	g_test_add_func("/live/overrun/enobufs", test_overrun_enobufs);
	g_test_add_func("/live/nonblocking", test_nonblocking);
	g_test_add_func("/live/socket-options", test_socket_options);
	g_test_add_func("/live/latency-budget", test_latency_budget);
	g_test_add_func("/live/eintr", test_eintr);
	g_test_add_func("/live/namespace/pid", test_pid_namespace);
	g_test_add_func("/live/namespace/net", test_net_namespace);
	return g_test_run();
}
