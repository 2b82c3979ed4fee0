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
#include <garlic/taskstats.h>

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

	printf("exit %d", ev->pid);
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
	if (ev->type == GARLIC_EVENT_EXIT && ev->pid == ev->tgid)
		return garlic_exit_joiner_add_event(joiner, ev) < 0 ? -1 : 0;
	return 0;
}

static int on_stats(const struct garlic_taskstats *ts, void *joiner)
{
	return garlic_exit_joiner_add_stats(joiner, ts) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.events = GARLIC_EVENT_EXIT,
							.flags = GARLIC_OPEN_NONBLOCK);
	struct garlic_taskstats_opts ts_opts = GARLIC_TASKSTATS_OPTS(.flags = GARLIC_OPEN_NONBLOCK);
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
		r = garlic_taskstats_open(&ts, &ts_opts, on_stats, joiner);
	if (r < 0) {
		fprintf(stderr, "taskstats-exit: %s\n", garlic_strerror(r));
		garlic_close(g);
		garlic_exit_joiner_free(joiner);
		return 1;
	}
	fprintf(stderr, "taskstats-exit: listening\n");
	while (!stop && (!end || time(NULL) < end)) {
		/* Each fd is readable exactly when its call has work. */
		struct pollfd fds[] = {
			{ .fd = garlic_taskstats_fd(ts), .events = POLLIN },
			{ .fd = garlic_fd(g), .events = POLLIN },
			{ .fd = garlic_exit_joiner_fd(joiner), .events = POLLIN },
		};

		/* Wake at least once a second to notice the end. */
		if (poll(fds, 3, 1000) < 0 && errno != EINTR)
			break;
		/* Statistics first: the kernel makes them before the event. */
		if ((fds[0].revents & POLLIN) && garlic_taskstats_receive(ts) == -ENOBUFS)
			fprintf(stderr, "taskstats-exit: statistics lost\n");
		if ((fds[1].revents & POLLIN) && garlic_receive(g) == -ENOBUFS)
			fprintf(stderr, "taskstats-exit: events lost\n");
		if (fds[2].revents & POLLIN)
			garlic_exit_joiner_flush(joiner, 0);
		fflush(stdout);
	}
	garlic_exit_joiner_flush(joiner, 1);
	garlic_taskstats_close(ts);
	garlic_close(g);
	garlic_exit_joiner_free(joiner);
	return 0;
}
