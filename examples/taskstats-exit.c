// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Prints what each exiting process cost: its proc connector exit event
 * paired with its taskstats exit record, both fds in one poll() loop.
 * Needs root (CAP_NET_ADMIN). Runs for SECONDS (first argument; default
 * 0: until interrupted).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/wait.h>

#include <garlic/garlic.h>

/* Long enough for the partner to come under load (measured: ~30 ms). */
#define WAIT_MS 200

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int on_exit_paired(const struct garlic_event *ev,
			  const struct garlic_taskstats *ts, void *userdata)
{
	int status = (int)ev->exit.exit_code;

	printf("exit %d", ev->exit.process_pid);
	if (WIFSIGNALED(status))
		printf(" signal %d", WTERMSIG(status));
	else
		printf(" code %d", WEXITSTATUS(status));
	if (!ts) {
		printf(" (no statistics)\n");
		return 0;
	}
	printf(" comm %s cpu %.1f ms (user %.1f, system %.1f) elapsed %.1f ms "
	       "max-rss %llu KiB read %llu B written %llu B (storage %llu B)\n",
	       ts->comm, (ts->user_us + ts->system_us) / 1e3, ts->user_us / 1e3,
	       ts->system_us / 1e3, ts->elapsed_us / 1e3,
	       (unsigned long long)ts->hiwater_rss_kib,
	       (unsigned long long)ts->read_chars,
	       (unsigned long long)ts->write_chars,
	       (unsigned long long)ts->write_bytes);
	return 0;
}

static int on_event(const struct garlic_event *ev, void *joiner)
{
	/* Process exits only; a thread's exit would pair with its own record. */
	if (ev->type == GARLIC_EVENT_EXIT && ev->exit.process_pid == ev->exit.process_tgid)
		garlic_exit_joiner_add_event(joiner, ev);
	return 0;
}

static int on_stats(const struct garlic_taskstats *ts, void *joiner)
{
	garlic_exit_joiner_add_stats(joiner, ts);
	return 0;
}

int main(int argc, char **argv)
{
	struct garlic_open_opts opts = {
		.sz = sizeof(opts),
		.events = GARLIC_EVENT_EXIT,
		.flags = GARLIC_OPEN_NONBLOCK,
	};
	int seconds = argc > 1 ? atoi(argv[1]) : 0;
	time_t end = seconds > 0 ? time(NULL) + seconds : 0;
	struct garlic_taskstats_listener *ts = NULL;
	struct garlic_exit_joiner *joiner;
	struct garlic *g = NULL;
	int r;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	r = garlic_exit_joiner_new(&joiner, WAIT_MS, on_exit_paired, NULL);
	if (r == 0)
		r = garlic_open_opts(&g, &opts, on_event, joiner);
	if (r == 0)
		r = garlic_taskstats_open(&ts, NULL, GARLIC_OPEN_NONBLOCK, on_stats, joiner);
	if (r < 0) {
		fprintf(stderr, "taskstats-exit: %s\n", garlic_strerror(r));
		garlic_close(g);
		garlic_exit_joiner_free(joiner);
		return 1;
	}
	fprintf(stderr, "taskstats-exit: listening\n");
	while (!stop && (!end || time(NULL) < end)) {
		struct pollfd fds[] = {
			{ .fd = garlic_fd(g), .events = POLLIN },
			{ .fd = garlic_taskstats_fd(ts), .events = POLLIN },
		};
		int timeout = garlic_exit_joiner_timeout(joiner);

		/* Wake at least once a second to notice the end. */
		if (timeout < 0 || timeout > 1000)
			timeout = 1000;
		if (poll(fds, 2, timeout) < 0 && errno != EINTR)
			break;
		/* Statistics first: the kernel makes them before the event. */
		do
			r = garlic_taskstats_receive(ts);
		while (r > 0);
		if (r == -ENOBUFS)
			fprintf(stderr, "taskstats-exit: statistics lost\n");
		do
			r = garlic_receive(g);
		while (r > 0 || garlic_pending(g) > 0);
		if (r == -ENOBUFS)
			fprintf(stderr, "taskstats-exit: events lost\n");
		garlic_exit_joiner_flush(joiner, 0);
		fflush(stdout);
	}
	garlic_exit_joiner_flush(joiner, 1);
	garlic_taskstats_close(ts);
	garlic_close(g);
	garlic_exit_joiner_free(joiner);
	return 0;
}
