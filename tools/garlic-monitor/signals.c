// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * SIGINT, SIGTERM and SIGHUP: a handler sets a flag and writes a byte to
 * a pipe that the loop polls. The signals stay unblocked and interrupt
 * system calls (no SA_RESTART), so a write(2) stuck on a reader that
 * stopped reading returns EINTR and the monitor can still be stopped; a
 * signalfd would leave such a write blocked for good.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "signals.h"

volatile sig_atomic_t stop_requested;
volatile sig_atomic_t reopen_requested;
volatile sig_atomic_t stop_signals;
volatile sig_atomic_t last_stop_signal;
volatile sig_atomic_t last_stop_from_kernel;
static int wake_pipe[2] = { -1, -1 };

static void on_signal(int signo, siginfo_t *info, void *context)
{
	int saved_errno = errno;

	(void)context;
	if (signo == SIGHUP) {
		reopen_requested = 1;
	} else {
		/* A terminal's ^C is the kernel's: it reached the whole group. */
		last_stop_from_kernel = info && info->si_code == SI_KERNEL;
		last_stop_signal = signo;
		stop_signals++;
		stop_requested = 1;
	}
	/* Full pipe: a wake-up is already pending, which is all we need. */
	(void)!write(wake_pipe[1], "", 1);
	errno = saved_errno;
}

int signals_init(void)
{
	struct sigaction sa;
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (sigaction(signals[i], &sa, NULL) < 0)
			return -errno;
	/* `| head` is normal use: EPIPE from write(2) ends the monitor instead. */
	signal(SIGPIPE, SIG_IGN);
	return wake_pipe[0];
}

void signals_drain(void)
{
	char buf[64];

	while (read(wake_pipe[0], buf, sizeof(buf)) > 0)
		;
}
