// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Running the command to trace. The child is forked after the monitor
 * subscribed, so its fork and everything after it are seen, and it waits
 * on a pipe until the monitor has set up following it: then it execs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command.h"
#include "options.h"

static int gate[2] = { -1, -1 };

int command_start(struct command *c, char *const argv[])
{
	sigset_t none;
	char byte;
	int r;

	*c = (struct command){ .pidfd = -1 };
	if (pipe2(gate, O_CLOEXEC) < 0) {
		r = -errno;
		fprintf(stderr, "%s: pipe: %s\n", PROGRAM, strerror(errno));
		return r;
	}
	c->pid = fork();
	if (c->pid < 0) {
		r = -errno;
		fprintf(stderr, "%s: cannot start %s: %s\n", PROGRAM, argv[0], strerror(errno));
		c->pid = 0;
		return r;
	}
	if (c->pid == 0) {
		/* The monitor's handlers are reset by exec; SIGPIPE was ignored. */
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(gate[1]);
		/* EOF (the monitor closed it, or died): go. */
		while (read(gate[0], &byte, 1) < 0 && errno == EINTR)
			;
		execvp(argv[0], argv);
		/* As a shell says it: 127 not found, 126 found but not runnable. */
		r = errno == ENOENT ? 127 : 126;
		fprintf(stderr, "%s: %s: %s\n", PROGRAM, argv[0], strerror(errno));
		_exit(r);
	}
	close(gate[0]);
	gate[0] = -1;
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	return 0;
}

void command_go(struct command *c)
{
	(void)c;
	if (gate[1] >= 0)
		close(gate[1]);
	gate[1] = -1;
}

void command_reap(struct command *c, bool wait)
{
	int status;
	pid_t r;

	if (!c->pid)
		return;
	if (!c->ended) {
		do
			r = waitpid(c->pid, &status, wait ? 0 : WNOHANG);
		while (r < 0 && errno == EINTR);
		if (r == c->pid) {
			c->ended = true;
			c->status = status;
		}
	}
	/* The command's CLONE_PARENT children: nobody else will reap them. */
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}

void command_reap_others(struct command *c)
{
	siginfo_t si;

	if (!c->pid)
		return;
	/* Peeked first: COMMAND itself is left for command_reap(). */
	for (;;) {
		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || !si.si_pid ||
		    si.si_pid == c->pid)
			return;
		waitpid(si.si_pid, NULL, WNOHANG);
	}
}

int command_exit_status(const struct command *c)
{
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	return 1;
}

void command_close(struct command *c)
{
	command_go(c);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
}
