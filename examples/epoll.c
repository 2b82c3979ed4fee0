// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * garlic's fd beside a timerfd in one epoll loop, non-blocking: events
 * are printed as they come, and once a second the loop prints how many
 * arrived. Runs for SECONDS (first argument, default 3).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include <garlic/garlic.h>

static int on_event(const struct garlic_event *ev, void *userdata)
{
	unsigned long *count = userdata;

	(*count)++;
	printf("%s %d\n", garlic_event_name(ev->type) ?: "?", ev->pid);
	return 0;
}

int main(int argc, char **argv)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.flags = GARLIC_OPEN_NONBLOCK);
	struct itimerspec tick = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	int seconds = argc > 1 ? atoi(argv[1]) : 3;
	unsigned long count = 0;
	struct epoll_event ev;
	struct garlic *g;
	int ep, timer, r;

	r = garlic_open_opts(&g, &opts, on_event, &count);
	if (r < 0) {
		fprintf(stderr, "epoll: %s\n", garlic_strerror(r));
		return 1;
	}
	fprintf(stderr, "epoll: listening\n");
	ep = epoll_create1(EPOLL_CLOEXEC);
	timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ep < 0 || timer < 0 || timerfd_settime(timer, 0, &tick, NULL) < 0) {
		perror("epoll");
		return 1;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = garlic_fd(g) };
	epoll_ctl(ep, EPOLL_CTL_ADD, garlic_fd(g), &ev);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = timer };
	epoll_ctl(ep, EPOLL_CTL_ADD, timer, &ev);

	while (seconds > 0) {
		if (epoll_wait(ep, &ev, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("epoll_wait");
			break;
		}
		if (ev.data.fd == timer) {
			uint64_t expirations;

			if (read(timer, &expirations, sizeof(expirations)) > 0) {
				printf("-- %lu events so far\n", count);
				seconds--;
			}
			continue;
		}
		/* One bounded batch per wake-up: the fd stays readable while work is left. */
		r = garlic_receive(g);
		if (r == -ENOBUFS)
			printf("-- events lost: %s\n", garlic_strerror(r));
		else if (r < 0 && r != -EAGAIN)
			break;
		fflush(stdout);
	}
	garlic_close(g);
	close(timer);
	close(ep);
	return 0;
}
