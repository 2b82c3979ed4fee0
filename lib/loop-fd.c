// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one descriptor a handle gives an event loop. It must be readable
 * exactly when the handle has work, and the handle's work is not always
 * "the socket has data": under a latency budget the data must wait until
 * the budget is up, and events already read (a callback stopped early)
 * or an error owed to the caller are work the socket cannot show. So the
 * descriptor is an epoll set of the socket, watched only while its data
 * may be read at once, and a timerfd armed for work due later, or at
 * once (an absolute time in the past fires immediately).
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "garlic-private.h"

int garlic_loop_fd_init(struct garlic_loop_fd *l, int sockfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int r;

	l->sockfd = sockfd;
	l->timer_due_ns = 0;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->epfd < 0 || l->timerfd < 0)
		goto fail;
	ev.data.fd = l->timerfd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->timerfd, &ev) < 0)
		goto fail;
	ev.data.fd = sockfd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, sockfd, &ev) < 0)
		goto fail;
	l->socket_watched = true;
	return 0;
fail:
	r = -errno;
	garlic_loop_fd_close(l);
	return r;
}

void garlic_loop_fd_close(struct garlic_loop_fd *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->timerfd >= 0)
		close(l->timerfd);
	l->epfd = l->timerfd = -1;
}

int garlic_loop_fd_add(struct garlic_loop_fd *l, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int garlic_loop_fd_watch_socket(struct garlic_loop_fd *l, bool watch)
{
	/* Kept in the set with no events rather than removed: one call either way. */
	struct epoll_event ev = { .events = watch ? EPOLLIN : 0, .data.fd = l->sockfd };

	if (l->socket_watched == watch)
		return 0;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, l->sockfd, &ev) < 0)
		return -errno;
	l->socket_watched = watch;
	return 0;
}

int garlic_timerfd_arm(int fd, uint64_t *armed_ns, uint64_t due_ns)
{
	/* Setting a timerfd also clears an expiry not yet read. */
	struct itimerspec its = {
		.it_value = {
			.tv_sec = (time_t)(due_ns / 1000000000u),
			.tv_nsec = (long)(due_ns % 1000000000u),
		},
	};

	if (*armed_ns == due_ns)
		return 0;
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	*armed_ns = due_ns;
	return 0;
}

int garlic_loop_fd_wake_at(struct garlic_loop_fd *l, uint64_t due_ns)
{
	return garlic_timerfd_arm(l->timerfd, &l->timer_due_ns, due_ns);
}
